// What the editor does with every generation of the image worker, whoever started it (commands,
// panel, CodeLens): the status bar follows its progress and device, a model that cannot load stays
// visible there, and a crash is reported exactly once with "Show Log". Passed to WorkerClient as its
// observer (src/extension/services.ts).
import * as vscode from 'vscode';
import { WorkerCrashedError, WorkerError, type GenerationObserver } from '../inference/worker/client';
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

export function workerObserver(activity: Activity, log: vscode.LogOutputChannel): GenerationObserver {
  return {
    generationStarted: () => {
      const handle = activity.begin();
      return {
        progress: (p) => handle.progress(p.step, p.totalSteps),
        succeeded: (result) => handle.finished({ device: result.device, fallbacks: result.fallbacks }),
        failed: (err) => {
          handle.finished();
          recordModelFailure(activity, err);
          reportCrash(log, activity, err);
        },
      };
    },
  };
}
