// renderAsset: one generated RGB image → the exact asset the project references
// (size, optional transparent cut-out, format, embedded metadata).
import type { AssetMetadata, EncodedAsset, OutputOptions, RgbImage } from '../types';
import { removeBackground, trimTransparent } from './alpha';
import { encodeRaster, icoSizesFor } from './encode';
import { fitRaster, placeCentred, type FitResult } from './fit';
import { ASSET_FORMATS } from '../tables';
import { AssetInputError, validateSize } from './limits';
import { presetFor } from './presets';
import { rasterFromRgb, type Raster, type Rgb } from './raster';

const DEFAULT_PADDING = 0.08;
const CLEAR = { r: 0, g: 0, b: 0, alpha: 0 };

/** keepAlpha: the generated colours under the start image's alpha (both at the run size); nothing is cut out or re-centred. */
export function withAlphaOf(src: Raster, alphaSource: Raster): Raster {
  if (alphaSource.width !== src.width || alphaSource.height !== src.height || alphaSource.channels !== 4) {
    throw new Error(`the alpha source is ${alphaSource.width}×${alphaSource.height}×${alphaSource.channels}, the image ${src.width}×${src.height}: both must have the run size, the source RGBA`);
  }
  const plane = src.width * src.height;
  const out = new Uint8Array(plane * 4);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) out[p * 4 + c] = src.data[p * src.channels + c] as number;
    out[p * 4 + 3] = alphaSource.data[p * 4 + 3] as number;
  }
  return { width: src.width, height: src.height, channels: 4, data: out };
}

export interface RenderOptions {
  /** keepAlpha: the start image at the run size, whose alpha the result takes (see image/init-image.ts). */
  alphaSource?: Raster;
}

export interface Prepared {
  fit: FitResult;
  background: Rgb;
  warnings: string[];
}

/** Fits the image; when `transparent`, cuts the background out first and re-centres the subject. */
export async function prepare(src: Raster, output: OutputOptions, padding: number, alphaSource?: Raster): Promise<Prepared> {
  const mode = output.fit ?? 'cover';
  if (alphaSource) return { fit: await fitRaster(withAlphaOf(src, alphaSource), output.width, output.height, mode, CLEAR), background: [255, 255, 255], warnings: [] };
  if (output.transparent) {
    const cut = removeBackground(src);
    if (cut.removed) {
      const subject = trimTransparent(cut.raster);
      return { fit: await placeCentred(subject, output.width, output.height, padding, src), background: cut.background, warnings: [] };
    }
    const bg = { r: cut.background[0], g: cut.background[1], b: cut.background[2], alpha: 1 };
    return { fit: await fitRaster(src, output.width, output.height, mode, bg), background: cut.background, warnings: cut.warning ? [cut.warning] : [] };
  }
  // Contain pads with white: the least surprising colour next to most page backgrounds.
  const white = { r: 255, g: 255, b: 255, alpha: 1 };
  return { fit: await fitRaster(src, output.width, output.height, mode, white), background: [255, 255, 255], warnings: [] };
}

/**
 * Turns one generated image into an encoded asset of exactly `output.width × output.height`
 * (ICO: its largest entry). Warnings (upscaling, background kept, JPEG without alpha) are returned,
 * never swallowed. `metadata.kind` picks the kind's padding and SVG palette.
 */
export async function renderAsset(img: RgbImage, output: OutputOptions, metadata?: AssetMetadata, options: RenderOptions = {}): Promise<EncodedAsset> {
  validateSize(output.width, output.height, 'output size');
  if (!ASSET_FORMATS.includes(output.format)) {
    throw new AssetInputError(`unsupported format '${String(output.format)}'; supported: ${ASSET_FORMATS.join(', ')}`);
  }
  // Fail before the (slower) cut-out when the ICO request cannot work at all.
  if (output.format === 'ico') icoSizesFor(output.width, output.height);
  const preset = metadata?.kind ? presetFor(metadata.kind) : undefined;
  const prepared = await prepare(rasterFromRgb(img), output, preset?.padding ?? DEFAULT_PADDING, options.alphaSource);
  const meta = metadata ? { ...metadata, width: output.width, height: output.height } : undefined;
  const encoded = await encodeRaster(prepared.fit.raster, output.format, {
    quality: output.quality,
    background: prepared.background,
    metadata: meta,
    svgColors: preset?.svgColors,
  });
  return {
    bytes: encoded.bytes,
    format: output.format,
    width: encoded.width,
    height: encoded.height,
    scale: prepared.fit.scale,
    warnings: [...prepared.warnings, ...prepared.fit.warnings, ...encoded.warnings],
    ...(meta ? { metadata: meta, seed: meta.seed } : {}),
  };
}
