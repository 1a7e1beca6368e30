// Wraps the WorkerClient's methods once, so every caller (commands, panel, CodeLens) gets the same
// behaviour: the status bar sees all generations and a crash is reported exactly once with "Show Log".
import * as vscode from 'vscode';
import { WorkerClient, WorkerCrashedError, WorkerError } from '../inference/worker/client';
import { MODEL_LOAD_ERRORS, type Activity } from './activity';

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

/** A model that cannot load stays visible in the status bar, not only in a toast that fades. */
function recordModelFailure(activity: Activity, err: unknown): void {
  if (!(err instanceof WorkerError) || !MODEL_LOAD_ERRORS.has(err.name)) return;
  activity.modelFailed(err.file !== undefined ? { reason: err.message, file: err.file } : { reason: err.message });
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
      recordModelFailure(activity, err);
      reportCrash(log, activity, err);
      throw err;
    }
  };
  return client;
}
