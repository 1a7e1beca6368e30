// Raw pixel buffers passed between the post-processing stages, and the sharp hand-off for them.
import sharp, { type Sharp } from 'sharp';
import type { RgbImage } from '../types';

/** Interleaved 8-bit pixels, 3 (RGB) or 4 (RGBA) channels. */
export interface Raster {
  width: number;
  height: number;
  channels: 3 | 4;
  data: Uint8Array;
}

export type Rgb = readonly [number, number, number];

export function rasterFromRgb(img: RgbImage): Raster {
  if (img.data.length !== img.width * img.height * 3) {
    throw new Error(`RGB image ${img.width}×${img.height} should hold ${img.width * img.height * 3} bytes, has ${img.data.length}`);
  }
  return { width: img.width, height: img.height, channels: 3, data: img.data };
}

/** A sharp instance reading this raster (nothing is encoded yet). */
export function sharpFromRaster(r: Raster): Sharp {
  return sharp(r.data, { raw: { width: r.width, height: r.height, channels: r.channels } });
}

/** Runs a sharp pipeline and returns its raw pixels as a Raster. */
export async function toRaster(pipeline: Sharp): Promise<Raster> {
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 && info.channels !== 4) throw new Error(`unexpected channel count ${info.channels} from sharp`);
  return { width: info.width, height: info.height, channels: info.channels, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

export function toRgba(r: Raster): Raster {
  if (r.channels === 4) return r;
  const out = new Uint8Array(r.width * r.height * 4);
  for (let i = 0, j = 0; i < r.data.length; i += 3, j += 4) {
    out[j] = r.data[i]!;
    out[j + 1] = r.data[i + 1]!;
    out[j + 2] = r.data[i + 2]!;
    out[j + 3] = 255;
  }
  return { width: r.width, height: r.height, channels: 4, data: out };
}

export function hexColor(c: Rgb): string {
  return `#${c.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
}

/** Parses `#rgb` / `#rrggbb`; anything else is an error naming the value. */
export function parseHexColor(text: string): Rgb {
  const m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(text.trim());
  if (!m) throw new Error(`colour must be #rgb or #rrggbb, got '${text}'`);
  const hex = m[1]!.length === 3 ? [...m[1]!].map((ch) => ch + ch).join('') : m[1]!;
  return [parseInt(hex.slice(0, 2), 16), parseInt(hex.slice(2, 4), 16), parseInt(hex.slice(4, 6), 16)];
}
