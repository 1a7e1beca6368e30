// Size limits and format names shared by every asset path (render, placeholder, CLI).
import * as path from 'node:path';
import { ASSET_FORMATS, assetFormatOfExtension, extensionOfFormat, IMAGE_FORMATS, type AssetFormat } from '../tables';

/** Largest side we accept; libvips handles more, but nobody ships an 8K+ asset from a prompt. */
export const MAX_SIDE = 8192;
/** Largest pixel count (40 MP) — keeps one RGBA buffer under ~160 MB. */
export const MAX_PIXELS = 40_000_000;

/** The file extensions an output path may have, with their dots (`.png … .svg`; `.jpg` and `.jpeg` are JPEG). */
export const WRITABLE_EXTENSIONS: readonly string[] = Object.freeze(ASSET_FORMATS.flatMap((f) => IMAGE_FORMATS[f].extensions));

export class AssetInputError extends Error {
  override readonly name = 'AssetInputError';
}

/** Throws a plain-language error unless width × height is a size we can produce. */
export function validateSize(width: unknown, height: unknown, what = 'size'): { width: number; height: number } {
  for (const [axis, value] of [['width', width], ['height', height]] as const) {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new AssetInputError(`${what}: ${axis} must be a number, got ${JSON.stringify(value)}`);
    }
    if (!Number.isInteger(value) || value < 1) {
      throw new AssetInputError(`${what}: ${axis} must be a whole number of pixels ≥ 1, got ${value}`);
    }
    if (value > MAX_SIDE) {
      throw new AssetInputError(`${what}: ${axis} ${value} is above the maximum of ${MAX_SIDE} pixels per side`);
    }
  }
  const w = width as number;
  const h = height as number;
  if (w * h > MAX_PIXELS) {
    throw new AssetInputError(`${what}: ${w}×${h} is ${(w * h / 1e6).toFixed(1)} MP, above the maximum of ${MAX_PIXELS / 1e6} MP`);
  }
  return { width: w, height: h };
}

/** Parses "300x200" / "300×200" / "300X200", or one number for a square ("512" is 512×512), into a validated size. */
export function parseSize(text: string): { width: number; height: number } {
  const match = /^\s*(-?[0-9.]+)\s*(?:[x×X]\s*(-?[0-9.]+)\s*)?$/.exec(text);
  if (!match) throw new AssetInputError(`size must look like WIDTHxHEIGHT, or one number for a square (e.g. 300x200, 512), got '${text}'`);
  return validateSize(Number(match[1]), Number(match[2] ?? match[1]));
}

/** The format follows the file extension; an unknown extension is an error naming the supported ones. */
export function formatFromPath(filePath: string): AssetFormat {
  const ext = path.extname(filePath).toLowerCase();
  const format = ext ? assetFormatOfExtension(ext) : undefined;
  if (!format) {
    const known = WRITABLE_EXTENSIONS.join(', ');
    throw new AssetInputError(
      ext ? `unsupported image extension '${ext}' in ${filePath}; supported: ${known}` : `${filePath} has no file extension; supported: ${known}`,
    );
  }
  return format;
}

/** The conventional extension for a format (used when naming files). */
export function extensionFor(format: AssetFormat): string {
  return extensionOfFormat(format);
}
