// Stage 1: reject a request the model cannot run, with the field and the allowed range in the message.
import { isValidSeed } from './rng';
import { REQUEST_LIMITS } from '../request';
import { SCHEDULER_NAMES } from '../tables';
import type { PipelineRequest } from '../types';
import { InvalidRequestError } from '../errors';

/**
 * Sizes the model may run at. The request itself was checked by validateGenerationRequest (request.ts)
 * where it entered; this stage guards the planned run, which callers of the pipeline API build directly.
 */
export const LIMITS = Object.freeze({ minSize: 64, maxSize: 2048 });

/** Throws InvalidRequestError for the first bad field; `multiple` is the VAE's down-scaling (8). */
export function checkInputs(req: PipelineRequest, multiple = 8): void {
  if (typeof req.prompt !== 'string') throw new InvalidRequestError('prompt', 'The prompt must be text.');
  if (req.negativePrompt !== undefined && typeof req.negativePrompt !== 'string') {
    throw new InvalidRequestError('negativePrompt', 'The negative prompt must be text.');
  }
  for (const field of ['width', 'height'] as const) {
    const value = req[field];
    if (!Number.isInteger(value) || value < LIMITS.minSize || value > LIMITS.maxSize || value % multiple !== 0) {
      throw new InvalidRequestError(field,
        `${field} must be a multiple of ${multiple} from ${LIMITS.minSize} to ${LIMITS.maxSize}, got ${String(value)}.`);
    }
  }
  checkInteger(req.steps, 'steps', 1, REQUEST_LIMITS.maxSteps);
  checkInteger(req.count, 'count', 1, REQUEST_LIMITS.maxCount);
  if (typeof req.guidanceScale !== 'number' || !Number.isFinite(req.guidanceScale) || req.guidanceScale < 0) {
    throw new InvalidRequestError('guidanceScale', `guidance scale must be a number ≥ 0, got ${String(req.guidanceScale)}.`);
  }
  if (!isValidSeed(req.seed)) {
    throw new InvalidRequestError('seed', `seed must be an integer from 0 to 4294967295, got ${String(req.seed)}.`);
  }
  if (req.scheduler !== undefined && !SCHEDULER_NAMES.includes(req.scheduler)) {
    throw new InvalidRequestError('scheduler', `Unknown scheduler '${String(req.scheduler)}'. Valid: ${SCHEDULER_NAMES.join(', ')}.`);
  }
  if (req.init) checkInit(req);
}

/** The start image must already have the run size (image/init-image.ts fits it). */
function checkInit(req: PipelineRequest): void {
  const { image, strength } = req.init as NonNullable<PipelineRequest['init']>;
  if (typeof strength !== 'number' || !Number.isFinite(strength) || strength <= 0 || strength > 1) {
    throw new InvalidRequestError('strength', `strength must be a number greater than 0 and at most 1, got ${String(strength)}.`);
  }
  if (image.width !== req.width || image.height !== req.height) {
    throw new InvalidRequestError('initImage', `the start image is ${image.width}×${image.height}; fit it to the run size ${req.width}×${req.height} first.`);
  }
  if ((image.channels !== 3 && image.channels !== 4) || image.data.length !== image.width * image.height * image.channels) {
    throw new InvalidRequestError('initImage', `the start image should hold ${image.width}×${image.height}×${image.channels} bytes, has ${image.data.length}.`);
  }
}

function checkInteger(value: unknown, field: string, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidRequestError(field, `${field} must be an integer from ${min} to ${max}, got ${String(value)}.`);
  }
}
