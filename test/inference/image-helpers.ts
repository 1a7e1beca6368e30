// Shared helpers for the image tests: synthetic sources and decoding through real sharp.
import sharp from 'sharp';
import type { RgbImage } from '../../src/inference/types';

/** A disc of `fg` (radius r·min(w,h)) centred on a flat `bg`, anti-aliased over one pixel. */
export function discImage(width: number, height: number, fg: [number, number, number], bg: [number, number, number], r = 0.3): RgbImage {
  const data = new Uint8Array(width * height * 3);
  const radius = r * Math.min(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const d = Math.hypot(x + 0.5 - width / 2, y + 0.5 - height / 2);
      const t = Math.min(1, Math.max(0, radius + 0.5 - d));
      for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = Math.round(fg[c]! * t + bg[c]! * (1 - t));
    }
  }
  return { width, height, data };
}

/** Deterministic pseudo-random noise: a stand-in for a busy photo. */
export function noiseImage(width: number, height: number, seed = 1): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s >>> 24;
  }
  return { width, height, data };
}

export interface Decoded {
  width: number;
  height: number;
  channels: number;
  data: Buffer;
  format: string | undefined;
}

export async function decode(bytes: Uint8Array): Promise<Decoded> {
  const meta = await sharp(bytes).metadata();
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: info.channels, data, format: meta.format };
}

export function pixel(d: Decoded, x: number, y: number): number[] {
  const at = (y * d.width + x) * d.channels;
  return [...d.data.subarray(at, at + d.channels)];
}
