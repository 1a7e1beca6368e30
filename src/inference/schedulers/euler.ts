// EulerDiscreteScheduler (Karras et al. 2022, Algorithm 2 without churn): what SD-Turbo ships.
import type { Rng } from '../pipeline/rng';
import { addNoiseBySigma, discreteSchedule, eulerInitNoiseSigma, predictOriginal, scaleBySigma, type EulerPrediction } from './euler-common';
import { buildNoiseSchedule } from './noise-schedule';
import { checkStepCount, checkStepIndex, raw, readEnum, readBool, readNumber, requireOff, SCHEDULER_RANGES } from './options';
import { exponentialSigmas, karrasSigmas, sigmaTable, sigmaToTimestep } from './sigmas';
import { readSpacing, type SpacingOptions } from './spacing';
import { SchedulerConfigError, type SchedulerConfig, type SigmaScheduler, type StepResult } from './types';

const f32 = Math.fround;
const CLASS = 'EulerDiscreteScheduler';

type SigmaSpacing = 'discrete' | 'karras' | 'exponential';

interface EulerOptions {
  prediction: EulerPrediction;
  spacing: SpacingOptions;
  sigmaSpacing: SigmaSpacing;
  sigmaMin?: number;
  sigmaMax?: number;
  continuousTimesteps: boolean;
  finalSigma: 'zero' | 'sigma_min';
}

function readSigmaSpacing(config: SchedulerConfig): SigmaSpacing {
  requireOff(config, 'use_beta_sigmas', CLASS); // needs the beta distribution's inverse CDF (scipy)
  const karras = readBool(config, 'use_karras_sigmas', false);
  const exponential = readBool(config, 'use_exponential_sigmas', false);
  if (karras && exponential) {
    throw new SchedulerConfigError('use_karras_sigmas', true,
      'scheduler_config.json: use_karras_sigmas and use_exponential_sigmas are both true; set at most one.');
  }
  return karras ? 'karras' : exponential ? 'exponential' : 'discrete';
}

function readOptional(config: SchedulerConfig, field: 'sigma_min' | 'sigma_max'): number | undefined {
  return raw(config, field) === undefined ? undefined : readNumber(config, field, 0, SCHEDULER_RANGES[field]);
}

function readEulerOptions(config: SchedulerConfig): EulerOptions {
  // diffusers still accepts the old name "original_sample" for "sample" here.
  const named = readEnum(config, 'prediction_type', 'epsilon', ['epsilon', 'v_prediction', 'sample', 'original_sample']);
  const prediction: EulerPrediction = named === 'original_sample' ? 'sample' : named;
  // log_linear in diffusers yields steps + 2 sigmas and never reaches sigma 0; we only do linear.
  readEnum(config, 'interpolation_type', 'linear', ['linear']);
  const timestepType = readEnum(config, 'timestep_type', 'discrete', ['discrete', 'continuous']);
  return {
    prediction,
    spacing: readSpacing(config, 'linspace'),
    sigmaSpacing: readSigmaSpacing(config),
    sigmaMin: readOptional(config, 'sigma_min'),
    sigmaMax: readOptional(config, 'sigma_max'),
    // diffusers only switches to continuous (EDM-style) timesteps for v-prediction models.
    continuousTimesteps: timestepType === 'continuous' && prediction === 'v_prediction',
    finalSigma: readEnum(config, 'final_sigmas_type', 'zero', ['zero', 'sigma_min']),
  };
}

export class EulerDiscreteScheduler implements SigmaScheduler {
  readonly name = 'euler' as const;
  readonly alphasCumprod: Float64Array;
  timesteps = new Float64Array(0);
  /** Per-step sigmas plus the final one; the full training table until setTimesteps. */
  sigmas: Float64Array;
  private readonly options: EulerOptions;
  private readonly table: Float64Array;
  private readonly logTable: Float64Array;

  constructor(readonly config: SchedulerConfig) {
    this.options = readEulerOptions(config);
    const noise = buildNoiseSchedule(config, { betaStart: 0.0001, betaEnd: 0.02, betaSchedule: 'linear' });
    this.alphasCumprod = noise.alphasCumprod;
    if (raw(config, 'rescale_betas_zero_snr') === true) {
      // Zero terminal SNR makes the last sigma infinite; diffusers substitutes fp16's smallest subnormal.
      this.alphasCumprod[this.alphasCumprod.length - 1] = 2 ** -24;
    }
    this.table = sigmaTable(this.alphasCumprod);
    this.logTable = this.table.map((s) => f32(Math.log(s)));
    this.sigmas = Float64Array.from([...this.table].reverse().concat(0));
  }

  get initNoiseSigma(): number {
    return eulerInitNoiseSigma(this.sigmas, this.options.spacing.spacing);
  }

  setTimesteps(n: number): void {
    checkStepCount(n, this.table.length);
    let { timesteps, sigmas } = discreteSchedule(this.table, n, this.options.spacing);
    if (this.options.sigmaSpacing !== 'discrete') {
      const sigmaMin = this.options.sigmaMin ?? (sigmas[sigmas.length - 1] as number);
      const sigmaMax = this.options.sigmaMax ?? (sigmas[0] as number);
      sigmas = this.options.sigmaSpacing === 'karras' ? karrasSigmas(sigmaMin, sigmaMax, n) : exponentialSigmas(sigmaMin, sigmaMax, n);
      timesteps = sigmas.map((s) => f32(sigmaToTimestep(s, this.logTable)));
    }
    const last = this.options.finalSigma === 'zero' ? 0 : (this.table[0] as number);
    this.sigmas = Float64Array.from(sigmas.concat(last), f32);
    if (this.options.continuousTimesteps) {
      timesteps = Array.from(this.sigmas.subarray(0, n), (s) => f32(0.25 * f32(Math.log(s))));
    }
    this.timesteps = Float64Array.from(timesteps);
  }

  scaleModelInput(sample: Float32Array, stepIndex: number): Float32Array {
    return scaleBySigma(sample, this.sigmas, stepIndex, this.timesteps.length);
  }

  addNoise(original: Float32Array, noise: Float32Array, stepIndex: number): Float32Array {
    return addNoiseBySigma(original, noise, this.sigmas, stepIndex, this.timesteps.length);
  }

  step(modelOutput: Float32Array, stepIndex: number, sample: Float32Array, _rng: Rng): StepResult {
    checkStepIndex(stepIndex, this.timesteps.length);
    const sigma = this.sigmas[stepIndex] as number;
    const dt = (this.sigmas[stepIndex + 1] as number) - sigma;
    const predOriginal = predictOriginal(this.options.prediction, sigma, modelOutput, sample);
    const prevSample = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const x = sample[i] as number;
      const derivative = (x - (predOriginal[i] as number)) / sigma;
      prevSample[i] = x + derivative * dt;
    }
    return { prevSample, predOriginal };
  }
}
