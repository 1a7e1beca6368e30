// Exact output size: fit a generated image to width × height and say how much it was scaled.
import type { FitMode } from '../types';
import { sharpFromRaster, toRaster, type Raster } from './raster';

export interface FitResult {
  raster: Raster;
  /** Resampling factor applied to the source (> 1 means upscaled); for stretch, the larger axis. */
  scale: number;
  warnings: string[];
}

const SHARP_FIT = { cover: 'cover', contain: 'contain', stretch: 'fill' } as const;

export function scaleFactor(srcW: number, srcH: number, dstW: number, dstH: number, mode: FitMode): number {
  const sx = dstW / srcW;
  const sy = dstH / srcH;
  if (mode === 'cover') return Math.max(sx, sy);
  if (mode === 'contain') return Math.min(sx, sy);
  return Math.max(sx, sy);
}

/** The warning shown when pixels were invented by upscaling, or undefined when none were. */
export function upscaleWarning(scale: number, srcW: number, srcH: number, dstW: number, dstH: number): string | undefined {
  if (scale <= 1.0001) return undefined;
  return `upscaled ${scale.toFixed(2)}× (${srcW}×${srcH} → ${dstW}×${dstH}): fine detail will look soft; a smaller output size keeps it sharp`;
}

/**
 * Lanczos3 resize to exactly width × height. `contain` pads with `background` (RGBA; alpha 0 keeps
 * the padding transparent). Cover crops from the centre.
 */
export async function fitRaster(
  src: Raster,
  width: number,
  height: number,
  mode: FitMode,
  background: { r: number; g: number; b: number; alpha: number },
): Promise<FitResult> {
  const scale = scaleFactor(src.width, src.height, width, height, mode);
  const warnings: string[] = [];
  const warning = upscaleWarning(scale, src.width, src.height, width, height);
  if (warning) warnings.push(warning);
  if (src.width === width && src.height === height) return { raster: src, scale: 1, warnings };
  const pipeline = sharpFromRaster(src).resize({ width, height, fit: SHARP_FIT[mode], kernel: 'lanczos3', background, position: 'centre' });
  const raster = await toRaster(mode === 'contain' && background.alpha < 1 ? pipeline.ensureAlpha() : pipeline);
  return { raster, scale, warnings };
}

/**
 * Places a (trimmed) subject centred in width × height, leaving `padding` (fraction of each side)
 * empty, on a transparent canvas. `source` is the untrimmed image the subject was cut from: the
 * upscale warning compares the canvas with it, because enlarging a trimmed subject to fill the
 * canvas is what an icon always does (a 300 px disc of a 512 px image fills 430 px of a 512 px
 * icon) and warning about it on nearly every icon only taught users to ignore the warning.
 */
export async function placeCentred(subject: Raster, width: number, height: number, padding: number, source?: { width: number; height: number }): Promise<FitResult> {
  const padX = Math.round(width * padding);
  const padY = Math.round(height * padding);
  const innerW = Math.max(1, width - 2 * padX);
  const innerH = Math.max(1, height - 2 * padY);
  const clear = { r: 0, g: 0, b: 0, alpha: 0 };
  const subjectFit = await fitRaster(subject, innerW, innerH, 'contain', clear);
  const fitted = source ? { ...subjectFit, warnings: wholeImageUpscaleWarnings(source, width, height) } : subjectFit;
  if (innerW === width && innerH === height) return fitted;
  const extended = sharpFromRaster(fitted.raster).ensureAlpha().extend({
    top: padY,
    bottom: height - innerH - padY,
    left: padX,
    right: width - innerW - padX,
    background: clear,
  });
  return { raster: await toRaster(extended), scale: fitted.scale, warnings: fitted.warnings };
}

/** The upscale warning for a canvas larger than the whole generated image, else none. */
function wholeImageUpscaleWarnings(source: { width: number; height: number }, width: number, height: number): string[] {
  const scale = scaleFactor(source.width, source.height, width, height, 'cover');
  const warning = upscaleWarning(scale, source.width, source.height, width, height);
  return warning ? [warning] : [];
}
