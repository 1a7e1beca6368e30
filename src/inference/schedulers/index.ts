// Picks the scheduler class named by scheduler_config.json (or the user's override).
import { ownValue } from '../safety/ranges';
import type { SchedulerName } from '../types';
import { DDIMScheduler } from './ddim';
import { EulerDiscreteScheduler } from './euler';
import { EulerAncestralDiscreteScheduler } from './euler-ancestral';
import { LCMScheduler } from './lcm';
import { SchedulerConfigError, type Scheduler, type SchedulerConfig } from './types';

export { DDIMScheduler } from './ddim';
export { EulerDiscreteScheduler } from './euler';
export { EulerAncestralDiscreteScheduler } from './euler-ancestral';
export { LCMScheduler } from './lcm';
export { SchedulerConfigError, type Scheduler, type SchedulerConfig, type SigmaScheduler, type StepResult } from './types';

/** diffusers class name → our scheduler name. */
export const SCHEDULER_CLASSES: Readonly<Record<string, SchedulerName>> = Object.freeze({
  EulerDiscreteScheduler: 'euler',
  EulerAncestralDiscreteScheduler: 'euler-ancestral',
  LCMScheduler: 'lcm',
  DDIMScheduler: 'ddim',
});

export const SCHEDULER_NAMES: readonly SchedulerName[] = Object.freeze(['euler', 'euler-ancestral', 'lcm', 'ddim']);

/** The scheduler the config names, or `override` built from the same config (betas, spacing, prediction type). */
export function createScheduler(config: SchedulerConfig, override?: SchedulerName): Scheduler {
  if (override !== undefined && !SCHEDULER_NAMES.includes(override)) {
    throw new SchedulerConfigError('scheduler', override,
      `scheduler override ${JSON.stringify(override)} is not supported; valid: ${SCHEDULER_NAMES.join(', ')}.`);
  }
  switch (override ?? schedulerNameOf(config)) {
    case 'euler':
      return new EulerDiscreteScheduler(config);
    case 'euler-ancestral':
      return new EulerAncestralDiscreteScheduler(config);
    case 'lcm':
      return new LCMScheduler(config);
    case 'ddim':
      return new DDIMScheduler(config);
  }
}

/** Our name for the config's `_class_name`; an unknown class is an error listing the supported ones. */
export function schedulerNameOf(config: SchedulerConfig): SchedulerName {
  const className = ownValue(config, '_class_name');
  // Own keys only: SCHEDULER_CLASSES['__proto__'] would otherwise be Object.prototype, not undefined.
  const name = typeof className === 'string' && Object.hasOwn(SCHEDULER_CLASSES, className) ? SCHEDULER_CLASSES[className] : undefined;
  if (name === undefined) {
    throw new SchedulerConfigError('_class_name', className,
      `scheduler_config.json: _class_name ${JSON.stringify(className)} is not supported; valid: ${Object.keys(SCHEDULER_CLASSES).join(', ')}.`);
  }
  return name;
}
