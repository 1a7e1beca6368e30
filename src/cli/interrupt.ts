// Ctrl-C for the CLI: one message, exit code 130, within a second or so whatever the command is
// doing, and no half-written file left behind. The command's work is asked to stop through an
// AbortSignal (it stops at the next step); if it has not finished a moment later the process
// exits anyway, after removing the temp files of writes in flight.
import { removeLiveTempFilesSync } from '../inference/image/safe-write';

/** 128 + SIGINT, what shells report for a command stopped by Ctrl-C. */
export const INTERRUPT_EXIT_CODE = 130;
/** How long the command gets to stop by itself before the process exits. */
export const INTERRUPT_GRACE_MS = 1000;

/** The one line printed on Ctrl-C, at any stage (`note`: what the user can do next). */
export function interruptMessage(command: string, note?: string): string {
  return `nanoforge ${command}: interrupted by Ctrl-C; no partial file was left.${note ? ` ${note}` : ''}`;
}

/**
 * Removes unfinished temp files and ends the process at once (the message is already out). It dies
 * of SIGINT itself, as POSIX tools do, so a shell reports 130: process.exit() here would tear down
 * Node while onnxruntime's session threads are mid-run, and that teardown can abort the process
 * (seen in CI: "terminate called after throwing an instance of 'Napi::Error'", SIGABRT).
 */
export function exitInterrupted(): never {
  removeLiveTempFilesSync();
  // With no listener left, Node gives SIGINT back its default action: terminate the process.
  process.removeAllListeners('SIGINT');
  process.kill(process.pid, 'SIGINT');
  // Not reached where signals work as on POSIX (a signal sent to oneself is delivered before kill returns).
  process.exit(INTERRUPT_EXIT_CODE);
}

export interface InterruptWatch {
  /** Aborted on the first Ctrl-C. */
  readonly signal: AbortSignal;
  /** Stops listening (the exit already scheduled by a Ctrl-C stays scheduled). */
  dispose(): void;
}

/** Watches SIGINT for one command run: the first prints the message and aborts, a second exits at once. */
export function watchInterrupt(command: string, note?: string): InterruptWatch {
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) exitInterrupted();
    process.stderr.write(`${interruptMessage(command, note)}\n`);
    process.exitCode = INTERRUPT_EXIT_CODE;
    controller.abort();
    // unref: a run that stops by itself ends with 130 without waiting; otherwise this fires when
    // due (sessions load and run in their own threads, so no native call holds the main thread).
    setTimeout(exitInterrupted, INTERRUPT_GRACE_MS).unref();
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.removeListener('SIGINT', onSigint) };
}
