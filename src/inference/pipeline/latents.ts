// Stage 4: seeded starting latents, and the cheap latent → RGB preview shown while denoising.
import type { RgbImage } from '../types';
import { createRng, type Rng } from './rng';

export interface LatentShape {
  channels: number;
  height: number;
  width: number;
}

export interface ImageLatents {
  seed: number;
  rng: Rng;
  latents: Float32Array;
}

/** Image i draws from createRng(seed + i) (wrapping at 2^32), so it matches a single run with that seed. */
export function prepareLatents(seed: number, count: number, shape: LatentShape, initNoiseSigma: number): ImageLatents[] {
  const size = shape.channels * shape.height * shape.width;
  const images: ImageLatents[] = [];
  for (let i = 0; i < count; i++) {
    const imageSeed = (seed + i) % 0x100000000;
    const rng = createRng(imageSeed);
    const latents = rng.normal(size);
    for (let j = 0; j < size; j++) latents[j] = (latents[j] as number) * initNoiseSigma;
    images.push({ seed: imageSeed, rng, latents });
  }
  return images;
}

/**
 * Linear approximation of the SD 1.x/2.x VAE (4 latent channels → RGB), good enough for a
 * thumbnail; widely used by community UIs for live previews. Rows: R, G, B; columns: channels.
 */
const LATENT_TO_RGB = [
  [0.298, 0.187, -0.158, -0.184],
  [0.207, 0.286, 0.189, -0.271],
  [0.208, 0.173, 0.264, -0.473],
] as const;

/** A latent-resolution RGB preview of a 4-channel latent; undefined for other channel counts. */
export function previewFromLatents(latents: Float32Array, shape: LatentShape): RgbImage | undefined {
  if (shape.channels !== LATENT_TO_RGB[0].length) return undefined;
  const plane = shape.width * shape.height;
  const data = new Uint8Array(plane * 3);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      const row = LATENT_TO_RGB[c] as readonly number[];
      let v = 0;
      for (let k = 0; k < row.length; k++) v += (row[k] as number) * (latents[k * plane + p] as number);
      data[p * 3 + c] = toByte(v);
    }
  }
  return { width: shape.width, height: shape.height, data };
}

/** Model output in [-1, 1] → 0..255, clamped and rounded. */
export function toByte(value: number): number {
  const scaled = Math.round(((value + 1) / 2) * 255);
  return scaled < 0 ? 0 : scaled > 255 ? 255 : scaled;
}
