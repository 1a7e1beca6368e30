// Reading scheduler_config.json fields with diffusers' per-class defaults; a bad value is an error naming
// the field, the value and what is accepted.
import { describeRange, inRange, ownValue, type NumberRange } from '../safety/ranges';
import { SchedulerConfigError, type SchedulerConfig } from './types';

/**
 * Absent and `null` both mean "use the class default", as in diffusers' `from_config`. Own
 * properties only: the file is not ours, and "constructor" must not find Object's.
 */
export function raw(config: SchedulerConfig, field: string): unknown {
  const value = ownValue(config, field);
  return value === null ? undefined : value;
}

function describe(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

export function readEnum<T extends string>(config: SchedulerConfig, field: string, fallback: T, valid: readonly T[]): T {
  const value = raw(config, field) ?? fallback;
  if (typeof value !== 'string' || !(valid as readonly string[]).includes(value)) {
    throw new SchedulerConfigError(field, value,
      `scheduler_config.json: ${field} ${describe(value)} is not supported; valid: ${valid.join(', ')}.`);
  }
  return value as T;
}

/**
 * The documented valid range of every number Nanoforge reads from scheduler_config.json. Beyond
 * them a config either allocates without bound (num_train_timesteps sizes every table), or
 * silently produces a black or grey image (betas at or above 1 make alphas negative, a large
 * steps_offset walks past the schedule).
 */
export const SCHEDULER_RANGES = Object.freeze({
  num_train_timesteps: { integer: true, min: 2, max: 10_000 },
  // Betas are float32 in the schedule: below ~1e-8 they round towards 0 (a zero noise level).
  beta_start: { min: 1e-8, max: 1, exclusiveMax: true },
  beta_end: { min: 1e-8, max: 1, exclusiveMax: true },
  steps_offset: { integer: true, min: 0, max: 1000 },
  clip_sample_range: { min: 0, max: 10_000, exclusiveMin: true },
  sigma_min: { min: 0, max: 10_000, exclusiveMin: true },
  sigma_max: { min: 0, max: 10_000, exclusiveMin: true },
  original_inference_steps: { integer: true, min: 1, max: 10_000 },
  timestep_scaling: { min: 0, max: 10_000 },
} satisfies Record<string, NumberRange>);

/** A number field inside its documented range (see SCHEDULER_RANGES), else an error naming field, value and range. */
export function readNumber(config: SchedulerConfig, field: string, fallback: number, range: NumberRange): number {
  const value = raw(config, field) ?? fallback;
  if (!inRange(value, range)) {
    throw new SchedulerConfigError(field, value, `scheduler_config.json: ${field} ${describe(value)} is invalid; expected ${describeRange(range)}.`);
  }
  return value;
}

export function readBool(config: SchedulerConfig, field: string, fallback: boolean): boolean {
  const value = raw(config, field) ?? fallback;
  if (typeof value !== 'boolean') {
    throw new SchedulerConfigError(field, value, `scheduler_config.json: ${field} ${describe(value)} is invalid; valid: true, false.`);
  }
  return value;
}

/** A feature Nanoforge does not implement: fine while off, an error naming it when switched on. */
export function requireOff(config: SchedulerConfig, field: string, className: string): void {
  if (readBool(config, field, false)) {
    throw new SchedulerConfigError(field, true,
      `scheduler_config.json: ${field} true is not supported by Nanoforge's ${className}; valid: false.`);
  }
}

/** `n` must be a whole number of steps the training schedule can hold. */
export function checkStepCount(n: number, trainSteps: number): void {
  if (!Number.isInteger(n) || n < 1 || n > trainSteps) {
    throw new RangeError(`Number of inference steps must be an integer from 1 to ${trainSteps}, got ${n}.`);
  }
}

/** Asserts the step index is inside the schedule set by setTimesteps. */
export function checkStepIndex(stepIndex: number, steps: number): void {
  if (steps === 0) throw new Error('Call setTimesteps(n) before scaleModelInput/step.');
  if (!Number.isInteger(stepIndex) || stepIndex < 0 || stepIndex >= steps) {
    throw new RangeError(`Step index ${stepIndex} is outside the schedule of ${steps} steps.`);
  }
}

export function checkSameLength(a: Float32Array, b: Float32Array): void {
  if (a.length !== b.length) throw new RangeError(`Model output has ${a.length} values but the sample has ${b.length}.`);
}

export function checkSameNoiseLength(original: Float32Array, noise: Float32Array): void {
  if (original.length !== noise.length) throw new RangeError(`Noise has ${noise.length} values but the sample has ${original.length}.`);
}
