// Shared by the pipeline/worker/CLI tests: pixel statistics and the oracle's expected colours.
import type { RgbImage } from '../../src/inference/types';

export type Rgb = [number, number, number];

/** Mean colour of the pixels where `keep(x, y)` holds (all pixels by default). */
export function meanColour(img: RgbImage, keep: (x: number, y: number) => boolean = () => true): Rgb {
  const sum = [0, 0, 0];
  let n = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (!keep(x, y)) continue;
      const i = (y * img.width + x) * 3;
      for (let c = 0; c < 3; c++) sum[c] = (sum[c] as number) + (img.data[i + c] as number);
      n++;
    }
  }
  return sum.map((s) => s / Math.max(1, n)) as Rgb;
}

export function maxDiff(a: readonly number[], b: readonly number[]): number {
  return Math.max(...a.map((v, i) => Math.abs(v - (b[i] ?? 0))));
}

/** clamp(u + g·(c − u)) per channel: what classifier-free guidance must produce on the oracle. */
export function guided(uncond: Rgb, cond: Rgb, g: number): Rgb {
  return uncond.map((u, i) => Math.min(255, Math.max(0, u + g * ((cond[i] as number) - u)))) as Rgb;
}

export const COLOURS: Record<string, Rgb> = {
  red: [255, 0, 0], green: [0, 128, 0], blue: [0, 0, 255], yellow: [255, 255, 0], cyan: [0, 255, 255],
  magenta: [255, 0, 255], white: [255, 255, 255], black: [0, 0, 0], orange: [255, 165, 0], purple: [128, 0, 128],
  grey: [128, 128, 128],
};

/** Inside the oracle's centred disc (radius 0.3·min side), with a margin for the 8× upsampling. */
export function insideDisc(img: RgbImage, margin = 12): (x: number, y: number) => boolean {
  const r = 0.3 * Math.min(img.width, img.height) - margin;
  return (x, y) => (x + 0.5 - img.width / 2) ** 2 + (y + 0.5 - img.height / 2) ** 2 < r * r;
}

export function outsideDisc(img: RgbImage, margin = 12): (x: number, y: number) => boolean {
  const r = 0.3 * Math.min(img.width, img.height) + margin;
  return (x, y) => (x + 0.5 - img.width / 2) ** 2 + (y + 0.5 - img.height / 2) ** 2 > r * r;
}
