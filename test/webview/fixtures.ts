// Host messages and images the Chromium tests feed the panel. Images are real PNGs made by sharp.
import sharp from 'sharp';
import type { CandidateView, HostMessage, PanelRequest } from '../../src/protocol/panel';

export const GEN_ID = '0123456789abcdef';

export const REQUEST: PanelRequest = {
  prompt: 'a flat icon of a red fox', negativePrompt: '', kind: 'icon', width: 256, height: 128,
  count: 3, steps: 2, seed: null, target: 'media/fox.png',
};

/** A PNG drawn from SVG: a coloured disc on a (possibly transparent) background. */
export async function pngDataUri(width: number, height: number, opts: { hue: number; transparent?: boolean }): Promise<string> {
  const bg = opts.transparent ? '' : `<rect width="100%" height="100%" fill="hsl(${opts.hue},45%,85%)"/>`;
  const r = Math.min(width, height) * 0.35;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${bg}
    <circle cx="${width / 2}" cy="${height / 2}" r="${r}" fill="hsl(${opts.hue},70%,45%)"/></svg>`;
  const png = await sharp(Buffer.from(svg)).png().toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

/** Fully transparent: only the checkerboard behind it can show. */
export async function transparentPng(width: number, height: number): Promise<string> {
  const png = await sharp({ create: { width, height, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

export async function candidates(request: PanelRequest, seed: number, transparent = false): Promise<CandidateView[]> {
  return Promise.all(Array.from({ length: request.count }, async (_, i) => ({
    index: i, src: transparent ? await transparentPng(request.width, request.height) : await pngDataUri(request.width, request.height, { hue: 20 + 70 * i }),
    format: 'png', width: request.width, height: request.height, seed: seed + i, warnings: [],
  })));
}

export function started(request: PanelRequest, seed = 1000): HostMessage {
  return { type: 'started', generationId: GEN_ID, request, seed };
}

export type ResultMessage = Extract<HostMessage, { type: 'result' }>;

export async function result(request: PanelRequest, seed = 1000, transparent = false): Promise<ResultMessage> {
  return { type: 'result', generationId: GEN_ID, candidates: await candidates(request, seed, transparent), device: 'cpu', warnings: [], elapsedMs: 1234 };
}

/** An RGB preview (horizontal gradient) as the worker would send it. */
export function preview(width: number, height: number): { width: number; height: number; rgb: string } {
  const rgb = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    const o = 3 * (y * width + x);
    rgb[o] = Math.round((255 * x) / (width - 1));
    rgb[o + 1] = 80;
    rgb[o + 2] = 160;
  }
  return { width, height, rgb: rgb.toString('base64') };
}

/** Random noise: a PNG that does not compress (megabytes at 1024×640), like a detailed photo. */
export async function noisePng(width: number, height: number, seed: number): Promise<string> {
  const raw = Buffer.alloc(width * height * 3);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < raw.length; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    raw[i] = x & 255;
  }
  const png = await sharp(raw, { raw: { width, height, channels: 3 } }).png().toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}
