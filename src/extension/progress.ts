// The one bridge from VS Code's cancellable progress notification to the core's AbortSignal and
// fraction-done progress, shared by generation, model downloads and model verification.
import * as vscode from 'vscode';

/** Moves the notification's bar to `fraction` (0..1) of the work, with an optional message. */
export type ReportProgress = (fraction: number, message?: string) => void;

/**
 * Runs `work` under a notification whose Cancel button aborts `signal`. The bar never moves back
 * (VS Code only takes increments), and the cancellation listener is disposed however `work` ends.
 */
export function withCancellableProgress<T>(title: string, work: (signal: AbortSignal, report: ReportProgress) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const abort = new AbortController();
    const sub = token.onCancellationRequested(() => abort.abort());
    let percent = 0;
    const report: ReportProgress = (fraction, message) => {
      const now = 100 * Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
      progress.report({ ...(message === undefined ? {} : { message }), increment: Math.max(0, now - percent) });
      percent = Math.max(percent, now);
    };
    try {
      return await work(abort.signal, report);
    } finally {
      sub.dispose();
    }
  });
}
