// DDIMScheduler with eta = 0 (deterministic): x_prev = sqrt(a_prev) x0 + sqrt(1 - a_prev) eps.
import type { Rng } from '../pipeline/rng';
import { addNoiseByAlpha, predictFromAlpha, readAlphaOptions, type AlphaOptions } from './alpha-common';
import { buildNoiseSchedule } from './noise-schedule';
import { checkStepCount, checkStepIndex } from './options';
import { readSpacing, spacedTimesteps, type SpacingOptions } from './spacing';
import type { Scheduler, SchedulerConfig, StepResult } from './types';

export class DDIMScheduler implements Scheduler {
  readonly name = 'ddim' as const;
  readonly initNoiseSigma = 1;
  readonly alphasCumprod: Float64Array;
  timesteps = new Float64Array(0);
  private readonly options: AlphaOptions;
  private readonly spacing: SpacingOptions;
  private readonly finalAlphaCumprod: number;
  private stepRatio = 0;

  constructor(readonly config: SchedulerConfig) {
    // diffusers' DDIM defaults clip_sample to true; SD configs set it false explicitly.
    this.options = readAlphaOptions(config, 'DDIMScheduler', true);
    this.spacing = readSpacing(config, 'leading');
    this.alphasCumprod = buildNoiseSchedule(config, { betaStart: 0.0001, betaEnd: 0.02, betaSchedule: 'linear' }).alphasCumprod;
    this.finalAlphaCumprod = this.options.setAlphaToOne ? 1 : (this.alphasCumprod[0] as number);
  }

  setTimesteps(n: number): void {
    const trainSteps = this.alphasCumprod.length;
    checkStepCount(n, trainSteps);
    this.stepRatio = Math.floor(trainSteps / n);
    const timesteps = spacedTimesteps(trainSteps, n, this.spacing, true);
    const beyond = timesteps.find((t) => t < 0 || t >= trainSteps);
    if (beyond !== undefined) {
      throw new RangeError(`DDIM with steps_offset ${this.spacing.stepsOffset} and ${n} steps reaches timestep ${beyond}, outside 0..${trainSteps - 1}.`);
    }
    this.timesteps = Float64Array.from(timesteps);
  }

  scaleModelInput(sample: Float32Array, stepIndex: number): Float32Array {
    checkStepIndex(stepIndex, this.timesteps.length);
    return sample;
  }

  addNoise(original: Float32Array, noise: Float32Array, stepIndex: number): Float32Array {
    checkStepIndex(stepIndex, this.timesteps.length);
    return addNoiseByAlpha(original, noise, this.alphasCumprod[this.timesteps[stepIndex] as number] as number);
  }

  /** alphas_cumprod at t, or the final value for t < 0 (the step after the last). */
  private alphaAt(t: number): number {
    return t >= 0 ? (this.alphasCumprod[t] as number) : this.finalAlphaCumprod;
  }

  step(modelOutput: Float32Array, stepIndex: number, sample: Float32Array, _rng: Rng): StepResult {
    checkStepIndex(stepIndex, this.timesteps.length);
    const t = this.timesteps[stepIndex] as number;
    // diffusers steps back by N // n whatever the spacing, not to the next listed timestep.
    const alphaProd = this.alphaAt(t);
    const alphaPrev = this.alphaAt(t - this.stepRatio);
    const { x0, eps } = predictFromAlpha(this.options, alphaProd, modelOutput, sample);
    const a = Math.sqrt(alphaPrev);
    const b = Math.sqrt(1 - alphaPrev);
    const prevSample = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) prevSample[i] = a * (x0[i] as number) + b * (eps[i] as number);
    return { prevSample, predOriginal: x0 };
  }
}
