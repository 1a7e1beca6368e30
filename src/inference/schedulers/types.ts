// The scheduler contract shared by the four schedulers (diffusers' API, indexed by step).
import type { Rng } from '../pipeline/rng';
import type { SchedulerName } from '../types';

/**
 * The parsed `scheduler/scheduler_config.json`. Field names are diffusers' own; every field is
 * optional and falls back to the defaults of the scheduler class that reads it.
 */
export interface SchedulerConfig {
  _class_name?: string;
  num_train_timesteps?: number;
  beta_start?: number;
  beta_end?: number;
  beta_schedule?: string;
  trained_betas?: number[] | null;
  prediction_type?: string;
  timestep_spacing?: string;
  steps_offset?: number;
  set_alpha_to_one?: boolean;
  clip_sample?: boolean;
  clip_sample_range?: number;
  thresholding?: boolean;
  rescale_betas_zero_snr?: boolean;
  // Euler family
  interpolation_type?: string;
  use_karras_sigmas?: boolean | null;
  use_exponential_sigmas?: boolean | null;
  use_beta_sigmas?: boolean | null;
  sigma_min?: number | null;
  sigma_max?: number | null;
  timestep_type?: string;
  final_sigmas_type?: string;
  // LCM
  original_inference_steps?: number;
  timestep_scaling?: number;
  /** Other keys of the file (e.g. `_diffusers_version`, `skip_prk_steps`) are ignored. */
  [key: string]: unknown;
}

export interface StepResult {
  /** The sample for the next step (the final latent after the last step). */
  prevSample: Float32Array;
  /** The model's estimate of the clean sample at this step (LCM: the denoised sample). */
  predOriginal: Float32Array;
}

export interface Scheduler {
  readonly name: SchedulerName;
  readonly config: SchedulerConfig;
  /** Standard deviation to multiply the initial unit-normal latents by. */
  readonly initNoiseSigma: number;
  /** Cumulative product of alphas over the training timesteps (float32 values, as torch stores them). */
  readonly alphasCumprod: Float64Array;
  /** Prepares `timesteps` (and sigmas) for `n` inference steps; must be called before stepping. */
  setTimesteps(n: number): void;
  /** What the UNet receives at each step, in order. Empty until `setTimesteps`. */
  readonly timesteps: Float64Array;
  /** The sample to feed the UNet at `stepIndex` (Euler family divides by sqrt(sigma^2 + 1)). */
  scaleModelInput(sample: Float32Array, stepIndex: number): Float32Array;
  /** One denoising step; noise (ancestral, LCM) is drawn from `rng`. */
  step(modelOutput: Float32Array, stepIndex: number, sample: Float32Array, rng: Rng): StepResult;
  /**
   * A clean sample noised to the level of `stepIndex` (diffusers' `add_noise` at `timesteps[stepIndex]`):
   * image-to-image starts denoising there (see strength.ts for which index). Euler family:
   * `x + σ·noise`; DDIM and LCM: `√ᾱ_t·x + √(1 − ᾱ_t)·noise`. Float32 arithmetic, as torch does it.
   */
  addNoise(original: Float32Array, noise: Float32Array, stepIndex: number): Float32Array;
}

/** Euler-family schedulers also expose their noise levels: length steps + 1, the last one final (0). */
export interface SigmaScheduler extends Scheduler {
  readonly sigmas: Float64Array;
}

/** A scheduler_config.json problem: names the field, the bad value and the valid ones. */
export class SchedulerConfigError extends Error {
  constructor(
    readonly field: string,
    readonly value: unknown,
    message: string,
  ) {
    super(message);
    this.name = 'SchedulerConfigError';
  }
}
