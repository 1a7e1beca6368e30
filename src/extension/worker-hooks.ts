// Wraps the WorkerClient's methods once, so every caller (commands, panel, CodeLens) gets the same
// behaviour: the status bar sees all generations and a crash is reported exactly once with "Show Log".
import * as vscode from 'vscode';
import { WorkerClient, WorkerCrashedError } from '../inference/worker/client';
import type { Activity } from './activity';

/** Reports a worker crash once, with the way to the log. Other errors are left to the caller to show. */
function reportCrash(log: vscode.LogOutputChannel, activity: Activity, err: unknown): void {
  if (!(err instanceof WorkerCrashedError)) return;
  log.error(`image worker crashed: ${err.message}${err.stderrTail.length ? ` Its last output:\n${err.stderrTail.join('\n')}` : ''}`);
  activity.crashed(err.message);
  const showLog = 'Show Log';
  void vscode.window
    .showErrorMessage(`Nanoforge: ${err.message}`, showLog)
    .then((choice) => choice === showLog && log.show());
}

export function instrumentWorker(client: WorkerClient, activity: Activity, log: vscode.LogOutputChannel): WorkerClient {
  const generate = client.generate.bind(client);
  client.generate = async (req, cb) => {
    const handle = activity.begin();
    const callbacks = {
      ...cb,
      onProgress: (p: Parameters<NonNullable<NonNullable<typeof cb>['onProgress']>>[0]) => {
        handle.progress(p.step, p.totalSteps);
        cb?.onProgress?.(p);
      },
    };
    try {
      const result = await generate(req, callbacks);
      handle.finished({ device: result.device, fallbacks: result.fallbacks });
      return result;
    } catch (err) {
      handle.finished();
      reportCrash(log, activity, err);
      throw err;
    }
  };
  return client;
}
