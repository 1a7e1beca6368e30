// The worker's entry in preparing mode (background-prepare.ts starts it): lowest CPU priority, one
// job from the parent over IPC, one report back, then it ends. If the worker goes away first, so
// does this process, at once: nothing would read its report.
import * as os from 'node:os';
import { errorMessage } from '../errors';
import { prepareModel } from '../prepare-model';
import { parsePrepareJob } from './protocol';

export function runPrepareChild(): void {
  try {
    // Threads started from here on (onnxruntime's) inherit it; on Windows it is the process's class.
    os.setPriority(19);
  } catch {
    // Not allowed here: it still runs, at normal priority.
  }
  // SIGKILL rather than exit(): onnxruntime may be creating a session in another thread right now.
  const orphaned = (): void => void process.kill(process.pid, 'SIGKILL');
  process.on('disconnect', orphaned);
  process.once('message', (raw: unknown) => {
    const finish = (report: unknown): void => {
      process.send?.(report, () => {
        process.off('disconnect', orphaned);
        process.disconnect?.();
      });
    };
    let parsed;
    try {
      parsed = parsePrepareJob(raw, 'job');
    } catch (error) {
      finish({ type: 'failed', message: errorMessage(error) });
      return;
    }
    prepareModel(parsed.modelDir, {
      storeDir: parsed.storeDir, device: parsed.device,
      ...(parsed.quiet === true ? {} : { log: (line: string) => void process.stderr.write(`[prepare] ${line}\n`) }),
      onFile: (value, index, count) => process.send?.({ type: 'file', value, index, count }),
    }).then(
      (value) => finish({ type: 'prepared', value }),
      (error: unknown) => finish({ type: 'failed', message: errorMessage(error) }),
    );
  });
}
