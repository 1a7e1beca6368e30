// Pieces shared by DDIM and LCM, which work in alpha space (x_t = sqrt(a) x0 + sqrt(1 - a) eps).
import { checkSameLength, checkSameNoiseLength, readBool, readEnum, readNumber, requireOff, SCHEDULER_RANGES } from './options';
import type { SchedulerConfig } from './types';

export type AlphaPrediction = 'epsilon' | 'v_prediction' | 'sample';

export interface AlphaOptions {
  prediction: AlphaPrediction;
  /** Clamp predicted x0 to [-range, range] (pixel-space models); undefined when off. */
  clipRange?: number;
  /** alphas_cumprod "before" timestep 0: 1, or alphas_cumprod[0] when set_alpha_to_one is false. */
  setAlphaToOne: boolean;
}

export function readAlphaOptions(config: SchedulerConfig, className: string, clipDefault: boolean): AlphaOptions {
  requireOff(config, 'thresholding', className); // dynamic thresholding is for pixel-space models
  const clip = readBool(config, 'clip_sample', clipDefault);
  return {
    prediction: readEnum<AlphaPrediction>(config, 'prediction_type', 'epsilon', ['epsilon', 'v_prediction', 'sample']),
    clipRange: clip ? readNumber(config, 'clip_sample_range', 1, SCHEDULER_RANGES.clip_sample_range) : undefined,
    setAlphaToOne: readBool(config, 'set_alpha_to_one', true),
  };
}

export interface AlphaPredictions {
  x0: Float32Array;
  eps: Float32Array;
}

/** x0 and epsilon estimates at alpha_prod_t for each parameterisation; eps is re-derived after clipping. */
export function predictFromAlpha(opts: AlphaOptions, alphaProd: number, modelOutput: Float32Array, sample: Float32Array): AlphaPredictions {
  checkSameLength(modelOutput, sample);
  const a = Math.sqrt(alphaProd);
  const b = Math.sqrt(1 - alphaProd);
  const x0 = new Float32Array(sample.length);
  const eps = new Float32Array(sample.length);
  for (let i = 0; i < sample.length; i++) {
    const x = sample[i] as number;
    const m = modelOutput[i] as number;
    if (opts.prediction === 'epsilon') {
      x0[i] = (x - b * m) / a;
      eps[i] = m;
    } else if (opts.prediction === 'sample') {
      x0[i] = m;
      eps[i] = (x - a * m) / b;
    } else {
      x0[i] = a * x - b * m;
      eps[i] = a * m + b * x;
    }
  }
  if (opts.clipRange !== undefined) {
    const r = opts.clipRange;
    for (let i = 0; i < x0.length; i++) {
      x0[i] = Math.min(r, Math.max(-r, x0[i] as number));
      eps[i] = ((sample[i] as number) - a * (x0[i] as number)) / b;
    }
  }
  return { x0, eps };
}

/**
 * √ᾱ·x + √(1 − ᾱ)·noise (DDPM's forward process), with ᾱ = alphas_cumprod at the step's integer
 * timestep; torch takes both square roots and both products in float32.
 */
export function addNoiseByAlpha(original: Float32Array, noise: Float32Array, alphaProd: number): Float32Array {
  checkSameNoiseLength(original, noise);
  const f32 = Math.fround;
  const a = f32(Math.sqrt(alphaProd));
  const b = f32(Math.sqrt(f32(1 - alphaProd)));
  const out = new Float32Array(original.length);
  for (let i = 0; i < out.length; i++) out[i] = f32(a * (original[i] as number)) + f32(b * (noise[i] as number));
  return out;
}
