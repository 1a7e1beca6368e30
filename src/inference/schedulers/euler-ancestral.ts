// EulerAncestralDiscreteScheduler: an Euler step down to sigma_down, then fresh noise of size sigma_up.
import type { Rng } from '../pipeline/rng';
import { addNoiseBySigma, discreteSchedule, eulerInitNoiseSigma, predictOriginal, scaleBySigma } from './euler-common';
import { buildNoiseSchedule } from './noise-schedule';
import { checkStepCount, checkStepIndex, raw, readEnum } from './options';
import { sigmaTable } from './sigmas';
import { readSpacing, type SpacingOptions } from './spacing';
import type { SchedulerConfig, SigmaScheduler, StepResult } from './types';

const f32 = Math.fround;

export class EulerAncestralDiscreteScheduler implements SigmaScheduler {
  readonly name = 'euler-ancestral' as const;
  readonly alphasCumprod: Float64Array;
  timesteps = new Float64Array(0);
  sigmas: Float64Array;
  private readonly prediction: 'epsilon' | 'v_prediction';
  private readonly spacing: SpacingOptions;
  private readonly table: Float64Array;

  constructor(readonly config: SchedulerConfig) {
    // diffusers raises NotImplementedError for prediction_type "sample" in this class.
    this.prediction = readEnum(config, 'prediction_type', 'epsilon', ['epsilon', 'v_prediction']);
    this.spacing = readSpacing(config, 'linspace');
    const noise = buildNoiseSchedule(config, { betaStart: 0.0001, betaEnd: 0.02, betaSchedule: 'linear' });
    this.alphasCumprod = noise.alphasCumprod;
    if (raw(config, 'rescale_betas_zero_snr') === true) this.alphasCumprod[this.alphasCumprod.length - 1] = 2 ** -24;
    this.table = sigmaTable(this.alphasCumprod);
    this.sigmas = Float64Array.from([...this.table].reverse().concat(0));
  }

  get initNoiseSigma(): number {
    return eulerInitNoiseSigma(this.sigmas, this.spacing.spacing);
  }

  setTimesteps(n: number): void {
    checkStepCount(n, this.table.length);
    const { timesteps, sigmas } = discreteSchedule(this.table, n, this.spacing);
    this.sigmas = Float64Array.from(sigmas.concat(0), f32);
    this.timesteps = Float64Array.from(timesteps);
  }

  scaleModelInput(sample: Float32Array, stepIndex: number): Float32Array {
    return scaleBySigma(sample, this.sigmas, stepIndex, this.timesteps.length);
  }

  addNoise(original: Float32Array, noise: Float32Array, stepIndex: number): Float32Array {
    return addNoiseBySigma(original, noise, this.sigmas, stepIndex, this.timesteps.length);
  }

  step(modelOutput: Float32Array, stepIndex: number, sample: Float32Array, rng: Rng): StepResult {
    checkStepIndex(stepIndex, this.timesteps.length);
    const sigmaFrom = this.sigmas[stepIndex] as number;
    const sigmaTo = this.sigmas[stepIndex + 1] as number;
    const sigmaUp = Math.sqrt((sigmaTo ** 2 * (sigmaFrom ** 2 - sigmaTo ** 2)) / sigmaFrom ** 2);
    const sigmaDown = Math.sqrt(sigmaTo ** 2 - sigmaUp ** 2);
    const dt = sigmaDown - sigmaFrom;
    const predOriginal = predictOriginal(this.prediction, sigmaFrom, modelOutput, sample);
    // Noise is drawn on every step (also the last, where sigma_up is 0) so the stream position depends only on the step count.
    const noise = rng.normal(sample.length);
    const prevSample = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const x = sample[i] as number;
      const derivative = (x - (predOriginal[i] as number)) / sigmaFrom;
      prevSample[i] = x + derivative * dt + (noise[i] as number) * sigmaUp;
    }
    return { prevSample, predOriginal };
  }
}
