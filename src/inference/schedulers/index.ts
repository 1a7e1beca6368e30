// Picks the scheduler class named by scheduler_config.json (or the user's override).
import { ownValue } from '../safety/ranges';
import { SCHEDULER_CLASSES, SCHEDULER_NAMES, type SchedulerName } from '../tables';
import { DDIMScheduler } from './ddim';
import { EulerDiscreteScheduler } from './euler';
import { EulerAncestralDiscreteScheduler } from './euler-ancestral';
import { LCMScheduler } from './lcm';
import { SchedulerConfigError, type Scheduler, type SchedulerConfig } from './types';

export { DDIMScheduler } from './ddim';
export { EulerDiscreteScheduler } from './euler';
export { EulerAncestralDiscreteScheduler } from './euler-ancestral';
export { LCMScheduler } from './lcm';
export { strengthSchedule, StrengthError, type StrengthSchedule } from './strength';
export { SchedulerConfigError, type Scheduler, type SchedulerConfig, type SigmaScheduler, type StepResult } from './types';

export { SCHEDULER_CLASSES, SCHEDULER_NAMES } from '../tables';

/** The class behind each name of the table in src/inference/tables.ts (the compiler checks every name has one). */
const CONSTRUCTORS: Readonly<Record<SchedulerName, new (config: SchedulerConfig) => Scheduler>> = Object.freeze({
  euler: EulerDiscreteScheduler,
  'euler-ancestral': EulerAncestralDiscreteScheduler,
  lcm: LCMScheduler,
  ddim: DDIMScheduler,
});

/** The scheduler the config names, or `override` built from the same config (betas, spacing, prediction type). */
export function createScheduler(config: SchedulerConfig, override?: SchedulerName): Scheduler {
  if (override !== undefined && !SCHEDULER_NAMES.includes(override)) {
    throw new SchedulerConfigError('scheduler', override,
      `scheduler override ${JSON.stringify(override)} is not supported; valid: ${SCHEDULER_NAMES.join(', ')}.`);
  }
  return new CONSTRUCTORS[override ?? schedulerNameOf(config)](config);
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
