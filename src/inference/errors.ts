// Cancellation and error text, spelled one way in every layer (core, worker, CLI, extension,
// webview protocol). No imports: the extension host and the webview bundle load it too.

/** Cancellation through the caller's AbortSignal; `name` is 'AbortError' like the DOM's. */
export class AbortError extends Error {
  constructor(message = 'Generation cancelled.') {
    super(message);
    this.name = 'AbortError';
  }
}

/**
 * Throws when `signal` is aborted: the caller's own Error when it aborted with one
 * (`controller.abort(new Error('…'))`), else an AbortError with `message`. Used instead of
 * `signal.throwIfAborted()`, whose default reason is a DOMException with a generic message.
 */
export function throwIfAborted(signal: AbortSignal | undefined, message?: string): void {
  if (!signal?.aborted) return;
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name !== 'AbortError') throw reason;
  throw new AbortError(message);
}

/** A request field out of range; the message names the field, the value and the allowed range. */
export class InvalidRequestError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidRequestError';
  }
}

/** True when `error` is a cancellation (by name, as it arrives from the worker) or `signal` was aborted. */
export function isAbortError(error: unknown, signal?: AbortSignal): boolean {
  return signal?.aborted === true || (error instanceof Error && error.name === 'AbortError');
}

/** The text of anything thrown: an Error's message, anything else as a string. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
