// Start images of image-to-image: untrusted encoded bytes → one upright RGBA frame. PNG, JPEG, WebP,
// AVIF and GIF through sharp, SVG rasterised by sharp (librsvg) at its own size, ICO's largest entry
// and BMP through dib.ts. Refused, each with one line saying what to do: animated images (which
// frame would be meant?), more than 8192 px a side, anything else that is not one of these formats.
import sharp, { type Metadata } from 'sharp';
import { REQUEST_LIMITS } from '../request';
import type { ImageFormat } from '../tables';
import { BMP_DIB_AT, decodeBmp, decodeDib, DibError, dibSize, isBmp } from './dib';
import { isIco, readIco, type IcoEntry } from './ico';
import { isPng, pngSize, readChunks } from './png-chunks';
import { toRaster, type Raster } from './raster';

const MAX_SIDE = REQUEST_LIMITS.maxSide;
const READABLE = 'PNG, JPEG, WebP, AVIF, GIF, SVG, ICO or BMP';
/** sharp's format names for what it decodes for us (AVIF is libheif's 'heif'). */
const SHARP_FORMATS: Readonly<Record<string, ImageFormat>> = { png: 'png', jpeg: 'jpeg', webp: 'webp', heif: 'avif', gif: 'gif', svg: 'svg' };

/** What is wrong with a start image; `problem` continues a sentence whose subject names the image. */
export class StartImageError extends Error {
  override readonly name = 'StartImageError';
  constructor(readonly problem: string) {
    super(`the start image ${problem}`);
  }
}

export interface StartImageInfo {
  format: ImageFormat;
  /** Upright size (EXIF orientation applied); for ICO, of its largest entry. */
  width: number;
  height: number;
}

function checkSide(width: number, height: number): void {
  if (width > MAX_SIDE || height > MAX_SIDE) {
    throw new StartImageError(`is ${width}×${height} px; start images may be at most ${MAX_SIDE} px a side (save a smaller copy)`);
  }
  if (width < 1 || height < 1) throw new StartImageError(`has no pixels (${width}×${height})`);
}

/** The entry an ICO is best represented by: the most pixels, then the deepest colour. */
function largestEntry(bytes: Uint8Array): { entry: IcoEntry; width: number; height: number } {
  let best: { entry: IcoEntry; width: number; height: number } | undefined;
  try {
    for (const entry of readIco(bytes)) {
      // The directory's sizes stop at 256 (0 means 256); the entry's own header is the truth.
      const size = isPng(entry.png) ? pngSize(entry.png) : dibSize(entry.png, 0, true);
      if (!best || size.width * size.height > best.width * best.height) best = { entry, ...size };
    }
  } catch (error) {
    throw new StartImageError(`is a damaged ICO file (${(error as Error).message})`);
  }
  if (!best) throw new StartImageError('is an ICO file without images');
  return best;
}

/** An animation chunk before the image data makes a PNG an APNG, which libvips would read as its first frame. */
function isAnimatedPng(bytes: Uint8Array): boolean {
  for (const chunk of readChunks(bytes)) {
    if (chunk.type === 'acTL') return true;
    if (chunk.type === 'IDAT') return false;
  }
  return false;
}

function wrapDib<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof DibError) throw new StartImageError(error.message);
    throw error;
  }
}

async function sharpInfo(bytes: Uint8Array): Promise<StartImageInfo> {
  let meta: Metadata;
  try {
    meta = await sharp(bytes).metadata();
  } catch (error) {
    throw new StartImageError(`is not an image Nanoforge can read (${READABLE}): ${firstLine(error)}`);
  }
  const format = meta.format === undefined ? undefined : SHARP_FORMATS[meta.format];
  if (!format || (meta.format === 'heif' && meta.compression !== 'av1')) {
    throw new StartImageError(`is ${meta.format === 'heif' ? 'HEIC' : (meta.format ?? 'an unknown format').toUpperCase()}; start images must be ${READABLE}`);
  }
  const frames = meta.pages ?? 1;
  if (frames > 1 || (format === 'png' && isAnimatedPng(bytes))) {
    const count = frames > 1 ? ` (${frames} frames)` : '';
    throw new StartImageError(`is animated${count}; image-to-image starts from one still image: save the frame you want as PNG`);
  }
  const upright = meta.autoOrient ?? { width: meta.width ?? 0, height: meta.height ?? 0 };
  checkSide(upright.width, upright.height);
  return { format, width: upright.width, height: upright.height };
}

function firstLine(error: unknown): string {
  return ((error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '').replace(/[:\s]+$/, '');
}

/** Format and upright size, after every check; reads headers only (cheap enough before loading a model). */
export async function inspectStartImage(bytes: Uint8Array): Promise<StartImageInfo> {
  if (bytes.length > REQUEST_LIMITS.maxInitImageBytes) {
    throw new StartImageError(`is ${bytes.length} bytes; start images may be at most ${REQUEST_LIMITS.maxInitImageBytes / 1024 / 1024} MB`);
  }
  if (isIco(bytes)) {
    const { width, height } = largestEntry(bytes);
    checkSide(width, height);
    return { format: 'ico', width, height };
  }
  if (isBmp(bytes)) {
    const { width, height } = wrapDib(() => dibSize(bytes, BMP_DIB_AT));
    checkSide(width, height);
    return { format: 'bmp', width, height };
  }
  return sharpInfo(bytes);
}

/** The start image as upright 8-bit sRGB with alpha (opaque formats get alpha 255). */
export async function decodeStartImage(bytes: Uint8Array): Promise<Raster> {
  const info = await inspectStartImage(bytes);
  if (info.format === 'bmp') return wrapDib(() => decodeBmp(bytes));
  let encoded = bytes;
  if (info.format === 'ico') {
    const { entry } = largestEntry(bytes);
    if (!isPng(entry.png)) return wrapDib(() => decodeDib(entry.png, 0, { icon: true }));
    encoded = entry.png;
  }
  try {
    // rotate(): EXIF orientation; toColourspace: grey, CMYK and 16-bit images become 8-bit sRGB.
    const image = sharp(encoded, { limitInputPixels: MAX_SIDE * MAX_SIDE }).rotate().toColourspace('srgb').ensureAlpha();
    return await toRaster(image);
  } catch (error) {
    throw new StartImageError(`could not be decoded (${firstLine(error)}); is the file complete?`);
  }
}
