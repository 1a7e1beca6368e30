// Background removal for icons: estimate the background from the border, flood-fill it from the
// edges, feather the cut by distance, trim. When the border is not one plain colour we refuse and
// say so rather than ship a half-cut alpha.
import { hexColor, type Raster, type Rgb } from './raster';

export interface CutoutOptions {
  /** Max RGB distance (0..441) from the background colour that still counts as background. */
  tolerance?: number;
  /** Fraction of border pixels that must match the background colour. */
  minUniformity?: number;
  /** Width of the soft alpha edge in pixels. */
  feather?: number;
}

export interface CutoutResult {
  /** RGBA when `removed`, otherwise the input unchanged. */
  raster: Raster;
  background: Rgb;
  /** Fraction of border pixels within tolerance of the background colour. */
  uniformity: number;
  removed: boolean;
  warning?: string;
}

const DEFAULTS = { tolerance: 40, minUniformity: 0.9, feather: 1 };

function distanceSq(data: Uint8Array, offset: number, c: Rgb): number {
  const dr = data[offset]! - c[0];
  const dg = data[offset + 1]! - c[1];
  const db = data[offset + 2]! - c[2];
  return dr * dr + dg * dg + db * db;
}

/** Pixel indices of a border ring `ring` pixels wide. */
function borderIndices(width: number, height: number, ring: number): number[] {
  const out: number[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (x < ring || y < ring || x >= width - ring || y >= height - ring) out.push(y * width + x);
    }
  }
  return out;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Per-channel median of the border ring, and how many border pixels agree with it. */
export function estimateBackground(r: Raster, tolerance = DEFAULTS.tolerance): { color: Rgb; uniformity: number } {
  const ring = Math.max(1, Math.round(Math.min(r.width, r.height) / 64));
  const idx = borderIndices(r.width, r.height, ring);
  const ch = r.channels;
  const color: Rgb = [0, 1, 2].map((c) => median(idx.map((i) => r.data[i * ch + c]!))) as unknown as Rgb;
  const tolSq = tolerance * tolerance;
  const matching = idx.filter((i) => distanceSq(r.data, i * ch, color) <= tolSq).length;
  return { color, uniformity: idx.length ? matching / idx.length : 0 };
}

/** 4-connected flood fill from every edge pixel close to `bg`; returns 1 for background. */
function floodFromEdges(r: Raster, bg: Rgb, tolerance: number): Uint8Array {
  const { width, height, channels: ch, data } = r;
  const mask = new Uint8Array(width * height);
  const queue = new Int32Array(width * height);
  let head = 0;
  let tail = 0;
  const tolSq = tolerance * tolerance;
  const visit = (i: number): void => {
    if (mask[i] === 0 && distanceSq(data, i * ch, bg) <= tolSq) {
      mask[i] = 1;
      queue[tail++] = i;
    }
  };
  for (let x = 0; x < width; x++) {
    visit(x);
    visit((height - 1) * width + x);
  }
  for (let y = 0; y < height; y++) {
    visit(y * width);
    visit(y * width + width - 1);
  }
  while (head < tail) {
    const i = queue[head++]!;
    const x = i % width;
    if (x > 0) visit(i - 1);
    if (x < width - 1) visit(i + 1);
    if (i >= width) visit(i - width);
    if (i < width * (height - 1)) visit(i + width);
  }
  return mask;
}

/** Chessboard distance (capped at `cap`) from each pixel to the nearest background pixel. */
function distanceToBackground(mask: Uint8Array, width: number, height: number, cap: number): Uint8Array {
  const dist = new Uint8Array(mask.length).fill(cap);
  let frontier: number[] = [];
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] === 1) {
      dist[i] = 0;
      frontier.push(i);
    }
  }
  for (let d = 1; d < cap && frontier.length > 0; d++) {
    const next: number[] = [];
    for (const i of frontier) {
      const x = i % width;
      const y = (i - x) / width;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
          const j = ny * width + nx;
          if (dist[j]! > d) {
            dist[j] = d;
            next.push(j);
          }
        }
      }
    }
    frontier = next;
  }
  return dist;
}

/** Removes a plain background reachable from the edges. Never fakes alpha on a busy border. */
export function removeBackground(src: Raster, options: CutoutOptions = {}): CutoutResult {
  const { tolerance, minUniformity, feather } = { ...DEFAULTS, ...options };
  const { color, uniformity } = estimateBackground(src, tolerance);
  const keep = (warning: string): CutoutResult => ({ raster: src, background: color, uniformity, removed: false, warning });
  if (uniformity < minUniformity) {
    return keep(
      `background not removed: only ${Math.round(uniformity * 100)}% of the border matches ${hexColor(color)} ` +
        `(need ${Math.round(minUniformity * 100)}%), so there is no plain background to cut out honestly; the image stays opaque. ` +
        `Try a prompt with "on a plain background" or another candidate.`,
    );
  }
  const mask = floodFromEdges(src, color, tolerance);
  const background = mask.reduce((n, v) => n + v, 0);
  if (background === mask.length) return keep(`background not removed: the image is a single flat colour (${hexColor(color)}) with no subject to cut out`);
  const cap = feather + 1;
  const dist = distanceToBackground(mask, src.width, src.height, cap);
  const out = new Uint8Array(src.width * src.height * 4);
  for (let i = 0; i < mask.length; i++) {
    const s = i * src.channels;
    out[i * 4] = src.data[s]!;
    out[i * 4 + 1] = src.data[s + 1]!;
    out[i * 4 + 2] = src.data[s + 2]!;
    // Linear ramp over `feather` pixels next to the removed area: a soft edge instead of a jagged one.
    out[i * 4 + 3] = Math.round((255 * dist[i]!) / cap);
  }
  return { raster: { width: src.width, height: src.height, channels: 4, data: out }, background: color, uniformity, removed: true };
}

/** Crops an RGBA raster to the bounding box of its non-transparent pixels (unchanged if none). */
export function trimTransparent(r: Raster): Raster {
  if (r.channels !== 4) return r;
  let minX = r.width;
  let minY = r.height;
  let maxX = -1;
  let maxY = -1;
  for (let y = 0; y < r.height; y++) {
    for (let x = 0; x < r.width; x++) {
      if (r.data[(y * r.width + x) * 4 + 3]! > 0) {
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        if (y < minY) minY = y;
        if (y > maxY) maxY = y;
      }
    }
  }
  if (maxX < 0) return r;
  const w = maxX - minX + 1;
  const h = maxY - minY + 1;
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    const start = ((minY + y) * r.width + minX) * 4;
    out.set(r.data.subarray(start, start + w * 4), y * w * 4);
  }
  return { width: w, height: h, channels: 4, data: out };
}
