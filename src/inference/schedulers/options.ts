// Reading scheduler_config.json fields with diffusers' per-class defaults; a bad value is an error naming
// the field, the value and what is accepted.
import { SchedulerConfigError, type SchedulerConfig } from './types';

/** Absent and `null` both mean "use the class default", as in diffusers' `from_config`. */
function raw(config: SchedulerConfig, field: string): unknown {
  const value = config[field];
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

export function readNumber(
  config: SchedulerConfig, field: string, fallback: number,
  rule: { integer?: boolean; min?: number; exclusiveMin?: number } = {},
): number {
  const value = raw(config, field) ?? fallback;
  const ok = typeof value === 'number' && Number.isFinite(value)
    && (!rule.integer || Number.isInteger(value))
    && (rule.min === undefined || value >= rule.min)
    && (rule.exclusiveMin === undefined || value > rule.exclusiveMin);
  if (!ok) {
    const kind = rule.integer ? 'an integer' : 'a number';
    const bound = rule.min !== undefined ? ` >= ${rule.min}` : rule.exclusiveMin !== undefined ? ` > ${rule.exclusiveMin}` : '';
    throw new SchedulerConfigError(field, value, `scheduler_config.json: ${field} ${describe(value)} is invalid; expected ${kind}${bound}.`);
  }
  return value as number;
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
