// Wraps the WorkerClient's methods once, so every caller (commands, panel, CodeLens) gets the same
// behaviour: the status bar sees all generations, a crash is reported exactly once with "Show Log",
// and a request lost to an exiting idle worker is sent again.
import * as vscode from 'vscode';
import { WorkerClient, WorkerCrashedError } from '../inference/worker/client';
import type { Activity } from './activity';

const EXIT_WAIT_MS = 3000;
const EXIT_POLL_MS = 20;

/** Reports a worker crash once, with the way to the log. Other errors are left to the caller to show. */
function reportCrash(log: vscode.LogOutputChannel, activity: Activity, err: unknown): void {
  if (!(err instanceof WorkerCrashedError)) return;
  log.error(`image worker crashed: ${err.message}`);
  activity.crashed(err.message);
  const showLog = 'Show Log';
  void vscode.window
    .showErrorMessage(`Nanoforge's image worker stopped unexpectedly (${err.message}). The next generation starts a new one.`, showLog)
    .then((choice) => choice === showLog && log.show());
}

/** The request never ran: the send failed, or the worker ended cleanly (idle exit) before reading it. */
function undelivered(err: unknown): boolean {
  if (err instanceof WorkerCrashedError) return err.exitCode === 0 && err.signal === null;
  return err instanceof Error && err.message.startsWith('Could not reach the image worker');
}

/**
 * Workaround for WorkerClient as of 2026-11-27 (src/inference/worker/client.ts): a request sent in the
 * moment the worker exits after its idle timeout fails with "Could not reach the image worker: write
 * EPIPE" (seen in the integration suite with a 5 s idle timeout), or is dropped by the exiting worker.
 * It never ran, so it is safe to send again once the client has noticed the exit (it then starts a
 * fresh worker).
 */
async function retryUndelivered<T>(client: WorkerClient, log: vscode.LogOutputChannel, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!undelivered(err)) throw err;
    log.warn(`request not delivered (${String(err)}); sending it again to a fresh worker`);
    for (let waited = 0; client.running && waited < EXIT_WAIT_MS; waited += EXIT_POLL_MS) {
      await new Promise((resolve) => setTimeout(resolve, EXIT_POLL_MS));
    }
    return call();
  }
}

export function instrumentWorker(client: WorkerClient, activity: Activity, log: vscode.LogOutputChannel): WorkerClient {
  const generate = client.generate.bind(client);
  const placeholder = client.placeholder.bind(client);
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
      const result = await retryUndelivered(client, log, () => generate(req, callbacks));
      handle.finished({ device: result.device, fallbacks: result.fallbacks });
      return result;
    } catch (err) {
      handle.finished();
      reportCrash(log, activity, err);
      throw err;
    }
  };
  client.placeholder = (options) => retryUndelivered(client, log, () => placeholder(options));
  return client;
}
