// Picks the scheduler class named by scheduler_config.json (or the user's override).
import type { SchedulerName } from '../types';
import { SchedulerConfigError, type Scheduler, type SchedulerConfig } from './types';

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
  const name = override ?? schedulerNameOf(config);
  throw new SchedulerConfigError('_class_name', name, `Scheduler ${name} is not implemented yet.`);
}

/** Our name for the config's `_class_name`; an unknown class is an error listing the supported ones. */
export function schedulerNameOf(config: SchedulerConfig): SchedulerName {
  const className = config._class_name;
  const name = typeof className === 'string' ? SCHEDULER_CLASSES[className] : undefined;
  if (name === undefined) {
    throw new SchedulerConfigError('_class_name', className,
      `scheduler_config.json: _class_name ${JSON.stringify(className)} is not supported; valid: ${Object.keys(SCHEDULER_CLASSES).join(', ')}.`);
  }
  return name;
}
