// Per-step previews of image 0: real pixels from the tiny decoder when the model has one (its latents
// box-averaged down to at most PREVIEW_LATENT_SIDE, so a preview costs a fraction of a decode), else
// the linear latent → RGB approximation at latent resolution.
import type { RgbImage, RunCounters } from '../types';
import { decodeWith } from './decode';
import { previewFromLatents, type LatentShape } from './latents';
import type { LoadedModel } from './model';

/** Longest latent side a preview decodes: 32 latents = 256 px with an 8× decoder. */
export const PREVIEW_LATENT_SIDE = 32;

/** `latents` averaged over f×f blocks, f the smallest integer that brings both sides to ≤ `maxSide`. */
export function downsampleLatents(latents: Float32Array, shape: LatentShape, maxSide: number): { data: Float32Array; shape: LatentShape } {
  const f = Math.max(1, Math.ceil(Math.max(shape.height, shape.width) / maxSide));
  if (f === 1) return { data: latents, shape };
  const height = Math.max(1, Math.floor(shape.height / f));
  const width = Math.max(1, Math.floor(shape.width / f));
  const data = new Float32Array(shape.channels * height * width);
  for (let c = 0; c < shape.channels; c++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let sum = 0;
        let n = 0;
        for (let dy = 0; dy < f && y * f + dy < shape.height; dy++) {
          for (let dx = 0; dx < f && x * f + dx < shape.width; dx++) {
            sum += latents[(c * shape.height + y * f + dy) * shape.width + x * f + dx] as number;
            n++;
          }
        }
        data[(c * height + y) * width + x] = sum / n;
      }
    }
  }
  return { data, shape: { channels: shape.channels, height, width } };
}

export async function stepPreview(model: LoadedModel, latents: Float32Array, shape: LatentShape, counters?: RunCounters): Promise<RgbImage | undefined> {
  if (!model.tiny) return previewFromLatents(latents, shape);
  const small = downsampleLatents(latents, shape, PREVIEW_LATENT_SIDE);
  const image = await decodeWith(model.tiny, small.data, small.shape, 0);
  if (counters) counters.previewDecodes++;
  return { width: image.width, height: image.height, data: image.data };
}
