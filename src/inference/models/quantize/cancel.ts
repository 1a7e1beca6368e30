// One cancellation message for every stage of a conversion (calibration, timing, conversion,
// verification): the output folder is only installed at the very end, so a cancel never leaves one.
import { throwIfAborted } from '../../errors';

export const QUANTIZE_CANCELLED = 'Conversion cancelled; nothing was written to the output folder.';

/** Throws when the conversion's signal is aborted (the caller's own Error, else an AbortError with QUANTIZE_CANCELLED). */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  throwIfAborted(signal, QUANTIZE_CANCELLED);
}
