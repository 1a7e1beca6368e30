// Errors the pipeline raises for the caller's request (as opposed to the model folder's).

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

/** Cancellation through the caller's AbortSignal; `name` is 'AbortError' like the DOM's. */
export class AbortError extends Error {
  constructor(message = 'Generation cancelled.') {
    super(message);
    this.name = 'AbortError';
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError();
}
