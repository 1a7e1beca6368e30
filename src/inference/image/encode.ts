// Raster → file bytes for every supported format, with metadata embedded where the format allows.
import type { AssetFormat, AssetMetadata } from '../types';
import { buildIco, ICO_MAX_SIZE, ICO_MIN_SIZE, ICO_SIZES, type IcoEntry } from './ico';
import { AssetInputError } from './limits';
import { buildXmp, pngMetadataChunks, svgMetadataElement } from './metadata';
import { insertChunks } from './png-chunks';
import { hexColor, sharpFromRaster, type Raster, type Rgb } from './raster';
import { traceRaster } from './svg-trace';

export interface EncodeOptions {
  quality?: number;
  /** JPEG has no alpha: transparent pixels are composited onto this colour (white by default). */
  background?: Rgb;
  metadata?: AssetMetadata;
  /** Palette limit for SVG tracing. */
  svgColors?: number;
}

export interface Encoded {
  bytes: Uint8Array;
  width: number;
  height: number;
  warnings: string[];
}

/** Quality when none is asked for (exported for the CLI's help). */
export const DEFAULT_QUALITY = Object.freeze({ webp: 90, avif: 60, jpeg: 90 } as const);
const WHITE: Rgb = [255, 255, 255];

function quality(format: keyof typeof DEFAULT_QUALITY, q: number | undefined): number {
  if (q === undefined) return DEFAULT_QUALITY[format];
  if (!Number.isInteger(q) || q < 1 || q > 100) throw new AssetInputError(`quality must be a whole number 1..100, got ${q}`);
  return q;
}

function hasTransparency(r: Raster): boolean {
  if (r.channels !== 4) return false;
  for (let i = 3; i < r.data.length; i += 4) if (r.data[i]! < 255) return true;
  return false;
}

const u8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.length);

export async function encodePng(r: Raster, metadata?: AssetMetadata): Promise<Uint8Array> {
  const png = u8(await sharpFromRaster(r).png({ compressionLevel: 6, adaptiveFiltering: false }).toBuffer());
  return metadata ? insertChunks(png, pngMetadataChunks(metadata)) : png;
}

/** Sizes an ICO holds for a requested output: 16/32/48, plus the requested side when larger (≤ 256). */
export function icoSizesFor(width: number, height: number): number[] {
  if (Math.min(width, height) < ICO_MIN_SIZE) {
    throw new AssetInputError(`an ICO needs at least ${ICO_MIN_SIZE}×${ICO_MIN_SIZE} pixels (it holds 16, 32 and 48 px icons); ${width}×${height} is too small`);
  }
  const side = Math.min(width, height, ICO_MAX_SIZE);
  return side > 48 ? [...ICO_SIZES, side] : [...ICO_SIZES];
}

export async function encodeIco(r: Raster, sizes: number[], metadata?: AssetMetadata): Promise<Uint8Array> {
  const entries: IcoEntry[] = [];
  for (const size of sizes) {
    const pipeline = sharpFromRaster(r)
      .ensureAlpha()
      .resize({ width: size, height: size, fit: 'contain', kernel: 'lanczos3', background: { r: 0, g: 0, b: 0, alpha: 0 } })
      .png();
    const png = u8(await pipeline.toBuffer());
    // Metadata rides in the largest entry only; the small ones stay small.
    const withMeta = metadata && size === Math.max(...sizes) ? insertChunks(png, pngMetadataChunks(metadata)) : png;
    entries.push({ width: size, height: size, png: withMeta });
  }
  return buildIco(entries);
}

async function encodeSvg(r: Raster, options: EncodeOptions): Promise<Encoded> {
  const traced = await traceRaster(r, { colors: options.svgColors ?? 8 });
  const meta = options.metadata ? svgMetadataElement(options.metadata) : '';
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${r.width}" height="${r.height}" ` +
    `viewBox="0 0 ${traced.traceWidth} ${traced.traceHeight}">${meta}${traced.body}</svg>\n`;
  return { bytes: new Uint8Array(Buffer.from(svg, 'utf8')), width: r.width, height: r.height, warnings: traced.warnings };
}

/** Encodes a raster that already has the output size. */
export async function encodeRaster(r: Raster, format: AssetFormat, options: EncodeOptions = {}): Promise<Encoded> {
  const { metadata } = options;
  const done = (bytes: Uint8Array, warnings: string[] = []): Encoded => ({ bytes, width: r.width, height: r.height, warnings });
  const xmp = metadata ? buildXmp(metadata) : undefined;
  switch (format) {
    case 'png':
      return done(await encodePng(r, metadata));
    case 'webp': {
      const s = sharpFromRaster(r).webp({ quality: quality('webp', options.quality) });
      return done(u8(await (xmp ? s.withXmp(xmp) : s).toBuffer()));
    }
    case 'avif': {
      const s = sharpFromRaster(r).avif({ quality: quality('avif', options.quality) });
      return done(u8(await (xmp ? s.withXmp(xmp) : s).toBuffer()));
    }
    case 'jpeg': {
      const bg = options.background ?? WHITE;
      const warnings = hasTransparency(r) ? [`JPEG has no transparency: transparent areas were filled with ${hexColor(bg)}; use PNG, WebP or AVIF to keep them`] : [];
      const s = sharpFromRaster(r).flatten({ background: { r: bg[0], g: bg[1], b: bg[2] } }).jpeg({ quality: quality('jpeg', options.quality) });
      return done(u8(await (xmp ? s.withXmp(xmp) : s).toBuffer()), warnings);
    }
    case 'ico': {
      const sizes = icoSizesFor(r.width, r.height);
      const side = Math.max(...sizes);
      return { bytes: await encodeIco(r, sizes, metadata), width: side, height: side, warnings: [] };
    }
    case 'svg':
      return encodeSvg(r, options);
    default: {
      const never: never = format;
      throw new AssetInputError(`unsupported format '${String(never)}'`);
    }
  }
}
