// Raster → SVG with imagetracerjs (Unlicense): colour quantisation to a small palette, then
// outline tracing per colour. Meant for flat icons; a photo explodes into thousands of paths, so
// the path count is capped and reported.
import ImageTracer from 'imagetracerjs';
import { sharpFromRaster, toRaster, toRgba, type Raster } from './raster';

export interface TraceOptions {
  /** Palette limit (colours incl. transparent). */
  colors: number;
  /** Above this many paths the result carries a warning. */
  warnPaths?: number;
  /** Above this many paths tracing is refused: the input is photo-like. */
  maxPaths?: number;
  /** Longest side traced; larger rasters are downscaled first (the SVG scales back up losslessly). */
  maxTraceSide?: number;
}

export interface TraceResult {
  /** `<path …/>` elements, ready to place inside an <svg>. */
  body: string;
  traceWidth: number;
  traceHeight: number;
  paths: number;
  warnings: string[];
}

export class SvgTraceError extends Error {
  override readonly name = 'SvgTraceError';
}

async function downscale(r: Raster, maxSide: number): Promise<Raster> {
  if (Math.max(r.width, r.height) <= maxSide) return r;
  const k = maxSide / Math.max(r.width, r.height);
  const width = Math.max(1, Math.round(r.width * k));
  const height = Math.max(1, Math.round(r.height * k));
  return toRaster(sharpFromRaster(r).resize({ width, height, fit: 'fill', kernel: 'lanczos3' }));
}

/**
 * SVG renderers anti-alias shape edges themselves, so soft alpha is snapped to 0/255 before
 * quantisation: otherwise the transparent area clusters with edge pixels into a faint visible colour.
 */
function hardenAlpha(r: Raster): Raster {
  const data = new Uint8Array(r.data);
  for (let i = 3; i < data.length; i += 4) {
    if (data[i]! < 128) data.fill(0, i - 3, i + 1);
    else data[i] = 255;
  }
  return { ...r, data };
}

/**
 * How many colours really matter: 5-bit-per-channel bins holding ≥ 0.5% of the pixels. Asking the
 * tracer for more than that turns anti-aliased edges into rings of thin slivers.
 */
function dominantColours(r: Raster): { count: number; coverage: number } {
  const bins = new Map<number, number>();
  for (let i = 0; i < r.data.length; i += 4) {
    const key = r.data[i + 3]! === 0 ? -1 : ((r.data[i]! >> 3) << 10) | ((r.data[i + 1]! >> 3) << 5) | (r.data[i + 2]! >> 3);
    bins.set(key, (bins.get(key) ?? 0) + 1);
  }
  const threshold = (r.width * r.height) * 0.005;
  const dominant = [...bins.values()].filter((n) => n >= threshold);
  return { count: dominant.length, coverage: dominant.reduce((a, b) => a + b, 0) / (r.width * r.height) };
}

/** Flat art: the dominant colours; photo-like input (dominant colours cover < 75%): the full limit. */
function paletteSize(r: Raster, limit: number): number {
  const { count, coverage } = dominantColours(r);
  return coverage < 0.75 ? limit : Math.max(2, Math.min(limit, count));
}

export async function traceRaster(src: Raster, options: TraceOptions): Promise<TraceResult> {
  const { colors, warnPaths = 300, maxPaths = 2000, maxTraceSide = 512 } = options;
  const rgba = hardenAlpha(toRgba(await downscale(src, maxTraceSide)));
  const data = new Uint8ClampedArray(rgba.data.buffer, rgba.data.byteOffset, rgba.data.length);
  const svg = ImageTracer.imagedataToSVG(
    { width: rgba.width, height: rgba.height, data },
    // colorsampling 2 = deterministic palette sampling, so the same input gives the same SVG.
    { numberofcolors: paletteSize(rgba, colors), colorsampling: 2, colorquantcycles: 3, pathomit: 8, ltres: 1, qtres: 1, strokewidth: 1, roundcoords: 1, viewbox: true, desc: false },
  );
  // Fully transparent layers trace to invisible paths; drop them to keep the file small.
  const paths = (svg.match(/<path [^>]*\/>/g) ?? []).filter((p) => !/opacity="0"/.test(p));
  if (paths.length > maxPaths) {
    throw new SvgTraceError(
      `SVG tracing produced ${paths.length} paths (limit ${maxPaths}): the image looks like a photo, not a flat icon; save it as PNG or WebP instead`,
    );
  }
  const warnings = paths.length > warnPaths ? [`SVG has ${paths.length} paths; the image is detailed for a vector icon and the file may be large`] : [];
  return { body: paths.join(''), traceWidth: rgba.width, traceHeight: rgba.height, paths: paths.length, warnings };
}
