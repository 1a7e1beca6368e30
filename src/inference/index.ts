// Public API of the inference core: what the CLI, the worker and the tests import.
export * from './types';
export { createScheduler, schedulerNameOf, SCHEDULER_CLASSES, SCHEDULER_NAMES, SchedulerConfigError } from './schedulers';
export type { Scheduler, SchedulerConfig, SigmaScheduler, StepResult } from './schedulers';
export { loadTokenizer, TokenizerError } from './tokenizer';
export type { ClipTokenizer, EncodedPrompt } from './tokenizer';
export { createRng, isValidSeed, RngSeedError } from './pipeline/rng';
export type { Rng } from './pipeline/rng';
export * from './image';
