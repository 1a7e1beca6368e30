// Pieces shared by EulerDiscrete and EulerAncestralDiscrete: discrete sigma schedule, input scaling, x0 estimate.
import { checkSameLength, checkSameNoiseLength, checkStepIndex } from './options';
import { interpolateSigma } from './sigmas';
import { spacedTimesteps, type SpacingOptions } from './spacing';

const f32 = Math.fround;

export type EulerPrediction = 'epsilon' | 'v_prediction' | 'sample';

/** Float32 timesteps from the spacing and their linearly interpolated sigmas (float64, like np.interp). */
export function discreteSchedule(table: Float64Array, n: number, spacing: SpacingOptions): { timesteps: number[]; sigmas: number[] } {
  const timesteps = spacedTimesteps(table.length, n, spacing, false).map(f32);
  // Past the table the sigma would be clamped to the last one: every step the same noise level, a flat image.
  const beyond = timesteps.find((t) => t < 0 || t > table.length - 1);
  if (beyond !== undefined) {
    throw new RangeError(`steps_offset ${spacing.stepsOffset} with ${n} steps reaches timestep ${beyond}, outside 0..${table.length - 1}.`);
  }
  return { timesteps, sigmas: timesteps.map((t) => interpolateSigma(table, t)) };
}

/** diffusers' init_noise_sigma: max sigma, or sqrt(max^2 + 1) when spacing is "leading". */
export function eulerInitNoiseSigma(sigmas: Float64Array, spacing: SpacingOptions['spacing']): number {
  let max = 0;
  for (const s of sigmas) max = Math.max(max, s);
  return spacing === 'leading' ? f32(Math.sqrt(max * max + 1)) : max;
}

/** sample / sqrt(sigma^2 + 1): the UNet was trained on unit-variance inputs. */
export function scaleBySigma(sample: Float32Array, sigmas: Float64Array, stepIndex: number, steps: number): Float32Array {
  checkStepIndex(stepIndex, steps);
  const sigma = sigmas[stepIndex] as number;
  const inv = 1 / Math.sqrt(sigma * sigma + 1);
  const out = new Float32Array(sample.length);
  for (let i = 0; i < sample.length; i++) out[i] = (sample[i] as number) * inv;
  return out;
}

/** Estimate of the clean sample x0 at noise level sigma, for each prediction type. */
export function predictOriginal(prediction: EulerPrediction, sigma: number, modelOutput: Float32Array, sample: Float32Array): Float32Array {
  checkSameLength(modelOutput, sample);
  const out = new Float32Array(sample.length);
  if (prediction === 'sample') {
    out.set(modelOutput);
  } else if (prediction === 'epsilon') {
    for (let i = 0; i < out.length; i++) out[i] = (sample[i] as number) - sigma * (modelOutput[i] as number);
  } else {
    // v-prediction in sigma space: x0 = c_skip * x + c_out * v with c_skip = 1/(sigma^2+1), c_out = -sigma/sqrt(sigma^2+1).
    const cOut = -sigma / Math.sqrt(sigma * sigma + 1);
    const cSkip = 1 / (sigma * sigma + 1);
    for (let i = 0; i < out.length; i++) out[i] = (modelOutput[i] as number) * cOut + (sample[i] as number) * cSkip;
  }
  return out;
}

/** x + σ·noise at `stepIndex`, rounded like torch's float32 ops (product first, then the sum). */
export function addNoiseBySigma(original: Float32Array, noise: Float32Array, sigmas: Float64Array, stepIndex: number, steps: number): Float32Array {
  checkStepIndex(stepIndex, steps);
  checkSameNoiseLength(original, noise);
  const sigma = sigmas[stepIndex] as number;
  const out = new Float32Array(original.length);
  for (let i = 0; i < out.length; i++) out[i] = (original[i] as number) + Math.fround((noise[i] as number) * sigma);
  return out;
}
