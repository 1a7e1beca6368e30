// Worker process entry (bundled to dist/worker.js; forked by WorkerClient with an IPC channel).
// Native code (onnxruntime and sharp) lives only here, so a crash or OOM never takes the host down.
// Started with PREPARE_CHILD_ARG it is instead the worker's own low-priority preparing process.
import { PREPARE_CHILD_ARG } from './background-prepare';
import { WorkerHandler } from './handler';
import { runPrepareChild } from './prepare-child';
import { parseWorkerRequest, ProtocolError, toWireError, type WorkerEvent } from './protocol';
import { startParentWatchdog } from './watchdog';

if (process.argv.includes(PREPARE_CHILD_ARG)) runPrepareChild();
else serve();

function serve(): void {
  function send(event: WorkerEvent): void {
    process.send?.(event);
  }

  function log(line: string): void {
    process.stderr.write(`${line}\n`);
  }

  let stopping = false;

  async function shutdown(code = 0): Promise<void> {
    if (stopping) return;
    stopping = true;
    await handler.dispose().catch((error: unknown) => log(`Shutdown: ${String(error)}`));
    process.disconnect?.();
    process.exit(code);
  }

  // The host stops an idle worker (WorkerClient's idle timer), so the worker has no timer of its own.
  const handler = new WorkerHandler({ send, log, shutdown: () => void shutdown(0) });

  process.on('message', (raw: unknown) => {
    try {
      handler.handle(parseWorkerRequest(raw));
    } catch (error) {
      // An invalid message cannot be answered by id unless it carries one; say what was wrong either way.
      const id = typeof (raw as { id?: unknown } | null)?.id === 'number' ? (raw as { id: number }).id : -1;
      // A bad field of a generate request keeps its InvalidRequestError name and field for the host.
      const wire = error instanceof ProtocolError ? { name: 'ProtocolError', message: `Invalid request: ${error.message}` } : toWireError(error);
      log(wire.message);
      if (id >= 0) send({ type: 'error', id, error: wire });
    }
  });

  // The host went away (closed, crashed): nothing can receive our results any more. The watchdog
  // thread covers the case where this thread is too busy to notice.
  process.on('disconnect', () => void shutdown(0));
  startParentWatchdog();
}
