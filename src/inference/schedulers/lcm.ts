// LCMScheduler (Latent Consistency Models): consistency-function output with boundary conditions,
// then re-noising to the next timestep of the distillation schedule (no noise after the last step).
import type { Rng } from '../pipeline/rng';
import { addNoiseByAlpha, predictFromAlpha, readAlphaOptions, type AlphaOptions } from './alpha-common';
import { buildNoiseSchedule } from './noise-schedule';
import { checkStepCount, checkStepIndex, readNumber, SCHEDULER_RANGES } from './options';
import { SchedulerConfigError, type Scheduler, type SchedulerConfig, type StepResult } from './types';

/** sigma_data of the consistency-model boundary conditions. */
const SIGMA_DATA = 0.5;

export class LCMScheduler implements Scheduler {
  readonly name = 'lcm' as const;
  readonly initNoiseSigma = 1;
  readonly alphasCumprod: Float64Array;
  timesteps = new Float64Array(0);
  private readonly options: AlphaOptions;
  private readonly originalSteps: number;
  private readonly timestepScaling: number;
  private readonly finalAlphaCumprod: number;

  constructor(readonly config: SchedulerConfig) {
    this.options = readAlphaOptions(config, 'LCMScheduler', false);
    this.alphasCumprod = buildNoiseSchedule(config, { betaStart: 0.00085, betaEnd: 0.012, betaSchedule: 'scaled_linear' }).alphasCumprod;
    const trainSteps = this.alphasCumprod.length;
    this.originalSteps = readNumber(config, 'original_inference_steps', 50, SCHEDULER_RANGES.original_inference_steps);
    if (this.originalSteps > trainSteps) {
      throw new SchedulerConfigError('original_inference_steps', this.originalSteps,
        `scheduler_config.json: original_inference_steps ${this.originalSteps} is larger than num_train_timesteps ${trainSteps}.`);
    }
    this.timestepScaling = readNumber(config, 'timestep_scaling', 10, SCHEDULER_RANGES.timestep_scaling);
    this.finalAlphaCumprod = this.options.setAlphaToOne ? 1 : (this.alphasCumprod[0] as number);
  }

  /**
   * LCM ignores timestep_spacing: it takes n evenly spaced entries (by index) of the distillation schedule
   * k-1, 2k-1, ..., N-1 with k = N // original_inference_steps, newest first.
   */
  setTimesteps(n: number): void {
    checkStepCount(n, this.alphasCumprod.length);
    if (n > this.originalSteps) {
      throw new RangeError(`LCM can take at most original_inference_steps (${this.originalSteps}) steps, got ${n}.`);
    }
    const k = Math.floor(this.alphasCumprod.length / this.originalSteps);
    const origin = Array.from({ length: this.originalSteps }, (_, i) => (this.originalSteps - i) * k - 1);
    const stride = origin.length / n;
    this.timesteps = Float64Array.from({ length: n }, (_, i) => origin[Math.floor(i * stride)] as number);
  }

  scaleModelInput(sample: Float32Array, stepIndex: number): Float32Array {
    checkStepIndex(stepIndex, this.timesteps.length);
    return sample;
  }

  addNoise(original: Float32Array, noise: Float32Array, stepIndex: number): Float32Array {
    checkStepIndex(stepIndex, this.timesteps.length);
    return addNoiseByAlpha(original, noise, this.alphasCumprod[this.timesteps[stepIndex] as number] as number);
  }

  /** c_skip, c_out: make the consistency function the identity at t = 0 and x0-prediction elsewhere. */
  boundaryScalings(timestep: number): { cSkip: number; cOut: number } {
    const scaled = timestep * this.timestepScaling;
    const denom = scaled * scaled + SIGMA_DATA * SIGMA_DATA;
    return { cSkip: (SIGMA_DATA * SIGMA_DATA) / denom, cOut: scaled / Math.sqrt(denom) };
  }

  step(modelOutput: Float32Array, stepIndex: number, sample: Float32Array, rng: Rng): StepResult {
    checkStepIndex(stepIndex, this.timesteps.length);
    const t = this.timesteps[stepIndex] as number;
    const isLast = stepIndex === this.timesteps.length - 1;
    const { x0 } = predictFromAlpha(this.options, this.alphasCumprod[t] as number, modelOutput, sample);
    const { cSkip, cOut } = this.boundaryScalings(t);
    const denoised = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) denoised[i] = cOut * (x0[i] as number) + cSkip * (sample[i] as number);
    if (isLast) return { prevSample: denoised, predOriginal: denoised.slice() };
    const prevT = this.timesteps[stepIndex + 1] as number;
    const alphaPrev = prevT >= 0 ? (this.alphasCumprod[prevT] as number) : this.finalAlphaCumprod;
    const a = Math.sqrt(alphaPrev);
    const b = Math.sqrt(1 - alphaPrev);
    const noise = rng.normal(sample.length);
    const prevSample = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) prevSample[i] = a * (denoised[i] as number) + b * (noise[i] as number);
    return { prevSample, predOriginal: denoised };
  }
}
