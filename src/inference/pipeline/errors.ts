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
