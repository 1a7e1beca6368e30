// Stage 6: latents / scaling_factor → VAE decoder → interleaved RGB bytes, one image at a time
// (the decoder is the most memory-hungry stage at full size).
import type { ModelSession } from '../backend/types';
import type { OutputRange } from '../models/tiny-decoder';
import type { GeneratedImage } from '../types';
import type { LatentShape } from './latents';
import { toByte } from './latents';

/** A decoder session and the factor its input latents are divided by (vae_decoder/ or vae_decoder_tiny/). */
export interface LatentDecoder {
  session: ModelSession;
  scalingFactor: number;
  /** Added after the division (default 0). */
  shiftFactor?: number;
  /** What the decoder returns for black and white (default [-1, 1], diffusers' convention). */
  outputRange?: OutputRange;
}

/** Decodes with the model's full VAE decoder (opened on first use); `model` is a LoadedModel (model.ts). */
export async function decodeLatents(model: { fullDecoder(): Promise<LatentDecoder> }, latents: Float32Array, shape: LatentShape, seed: number): Promise<GeneratedImage> {
  return decodeWith(await model.fullDecoder(), latents, shape, seed);
}

/** Decodes with any decoder of the diffusers layout (`latent_sample` → `sample`, in its output range). */
export async function decodeWith(decoder: LatentDecoder, latents: Float32Array, shape: LatentShape, seed: number): Promise<GeneratedImage> {
  const scale = 1 / decoder.scalingFactor;
  const shift = decoder.shiftFactor ?? 0;
  const scaled = new Float32Array(latents.length);
  for (let i = 0; i < latents.length; i++) scaled[i] = (latents[i] as number) * scale + shift;
  const out = await decoder.session.run({ latent_sample: { values: scaled, dims: [1, shape.channels, shape.height, shape.width] } }, ['sample']);
  const sample = out.sample;
  const [batch, channels, height, width] = sample?.dims ?? [];
  if (!sample || batch !== 1 || channels !== 3 || !height || !width) {
    throw new Error(`${decoder.session.file}: expected output 'sample' of shape [1, 3, H, W], got [${sample?.dims.join(', ') ?? ''}]`);
  }
  return { width, height, seed, data: planarToRgb(toSignedRange(sample.data, decoder.outputRange), width, height) };
}

/** Values in `range` mapped to [-1, 1] (the same array when it already is). */
function toSignedRange(values: Float32Array, range: OutputRange = [-1, 1]): Float32Array {
  const [lo, hi] = range;
  if (lo === -1 && hi === 1) return values;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = (2 * ((values[i] as number) - lo)) / (hi - lo) - 1;
  return out;
}

/** [3, H, W] floats in [-1, 1] → H·W·3 bytes: clamp((x + 1) / 2) · 255, rounded. */
export function planarToRgb(planar: Float32Array, width: number, height: number): Uint8Array {
  const plane = width * height;
  const rgb = new Uint8Array(plane * 3);
  for (let p = 0; p < plane; p++) {
    rgb[p * 3] = toByte(planar[p] as number);
    rgb[p * 3 + 1] = toByte(planar[plane + p] as number);
    rgb[p * 3 + 2] = toByte(planar[2 * plane + p] as number);
  }
  return rgb;
}
