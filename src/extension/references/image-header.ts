// Reads image dimensions from file headers (PNG, JPEG, GIF, WebP, BMP, ICO, SVG) and Nanoforge's
// metadata from PNG text chunks, in the extension host without sharp or any native module. The
// bytes come from any file in the workspace: text chunks are read by the core's bounded reader
// (decompression has an output limit) and XML is searched and decoded in linear time.
import { readTextChunks } from '../../inference/image/png-chunks';
import { decodeXmlEntities, xmlElementText } from '../../inference/safety/text';
import type { ImageFormat } from '../../inference/tables';

export type { ImageFormat } from '../../inference/tables';
export interface ImageInfo { format: ImageFormat; width: number; height: number }

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
export const NANOFORGE_METADATA_KEY = 'nanoforge';

function ascii(b: Uint8Array, at: number, len: number): string {
  return String.fromCharCode(...b.subarray(at, at + len));
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function isPng(b: Uint8Array): boolean {
  return b.length >= 24 && PNG_SIGNATURE.every((v, i) => b[i] === v);
}

function jpegSize(b: Uint8Array): ImageInfo | undefined {
  const v = view(b);
  let at = 2;
  while (at + 9 < b.length) {
    if (b[at] !== 0xff) return undefined;
    const marker = b[at + 1] ?? 0;
    if (marker === 0xff) { at++; continue; } // fill byte
    const length = v.getUint16(at + 2);
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { format: 'jpeg', height: v.getUint16(at + 5), width: v.getUint16(at + 7) };
    }
    at += 2 + length;
  }
  return undefined;
}

function webpSize(b: Uint8Array): ImageInfo | undefined {
  const v = view(b);
  const chunk = ascii(b, 12, 4);
  if (chunk === 'VP8X' && b.length >= 30) {
    const w = 1 + (v.getUint16(24, true) | ((b[26] ?? 0) << 16));
    const h = 1 + (v.getUint16(27, true) | ((b[29] ?? 0) << 16));
    return { format: 'webp', width: w, height: h };
  }
  if (chunk === 'VP8 ' && b.length >= 30) {
    return { format: 'webp', width: v.getUint16(26, true) & 0x3fff, height: v.getUint16(28, true) & 0x3fff };
  }
  if (chunk === 'VP8L' && b.length >= 25) {
    const bits = v.getUint32(21, true);
    return { format: 'webp', width: 1 + (bits & 0x3fff), height: 1 + ((bits >> 14) & 0x3fff) };
  }
  return undefined;
}

function svgLength(value: string | undefined): number | undefined {
  if (value === undefined || /%|em|ex/.test(value)) return undefined;
  const n = Number.parseFloat(value);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

function svgSize(text: string): ImageInfo | undefined {
  const tag = /<svg\b[^>]*>/i.exec(text)?.[0];
  if (!tag) return undefined;
  const attr = (name: string) => new RegExp(`\\s${name}\\s*=\\s*["']([^"']*)["']`, 'i').exec(tag)?.[1];
  const box = attr('viewBox')?.trim().split(/[\s,]+/).map(Number);
  const boxW = box?.length === 4 ? box[2] : undefined;
  const boxH = box?.length === 4 ? box[3] : undefined;
  let width = svgLength(attr('width'));
  let height = svgLength(attr('height'));
  if (boxW && boxH && boxW > 0 && boxH > 0) {
    if (width === undefined && height === undefined) { width = boxW; height = boxH; }
    else if (width === undefined && height !== undefined) width = (height * boxW) / boxH;
    else if (height === undefined && width !== undefined) height = (width * boxH) / boxW;
  }
  return width && height ? { format: 'svg', width: Math.round(width), height: Math.round(height) } : undefined;
}

/** Format and pixel size from the first bytes of a file (64 KiB are plenty for every format). */
export function readImageInfo(b: Uint8Array): ImageInfo | undefined {
  if (isPng(b) && ascii(b, 12, 4) === 'IHDR') return { format: 'png', width: view(b).getUint32(16), height: view(b).getUint32(20) };
  if (b[0] === 0xff && b[1] === 0xd8) return jpegSize(b);
  if (ascii(b, 0, 4) === 'GIF8' && b.length >= 10) return { format: 'gif', width: view(b).getUint16(6, true), height: view(b).getUint16(8, true) };
  if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return webpSize(b);
  if (ascii(b, 0, 2) === 'BM' && b.length >= 26) return bmpSize(b);
  if (b[0] === 0 && b[1] === 0 && b[2] === 1 && b[3] === 0 && b.length >= 8) {
    return { format: 'ico', width: b[6] || 256, height: b[7] || 256 }; // 0 means 256 in ICO
  }
  if (ascii(b, 4, 4) === 'ftyp' && /avi[fs]/.test(ascii(b, 8, 4))) return avifSize(b);
  const head = new TextDecoder().decode(b.subarray(0, 4096));
  return /<svg\b/i.test(head) ? svgSize(head) : undefined;
}

/** BMP: width is a signed 32-bit number that must be positive; a negative height means top-down rows. */
function bmpSize(b: Uint8Array): ImageInfo | undefined {
  const width = view(b).getInt32(18, true);
  return width > 0 ? { format: 'bmp', width, height: Math.abs(view(b).getInt32(22, true)) } : undefined;
}

/** AVIF keeps its size in an `ispe` box inside `meta`; scanning for it is enough for a preview. */
function avifSize(b: Uint8Array): ImageInfo | undefined {
  for (let at = 0; at + 20 <= b.length; at++) {
    if (b[at] === 0x69 && ascii(b, at, 4) === 'ispe') {
      return { format: 'avif', width: view(b).getUint32(at + 8), height: view(b).getUint32(at + 12) };
    }
  }
  return undefined;
}

/** Every tEXt / zTXt / iTXt keyword → text pair of a PNG before its image data (bounded; see png-chunks). */
export function readPngTextChunks(b: Uint8Array): Map<string, string> {
  return readTextChunks(b);
}

export interface NanoforgeMetadata {
  prompt: string;
  seed?: number;
  steps?: number;
  modelId?: string;
  kind?: string;
  width?: number;
  height?: number;
  generator?: string;
  [key: string]: unknown;
}

/** WebP/JPEG/AVIF carry the same JSON in an XMP packet, SVG in <metadata>: `<nanoforge:settings>`. */
function xmpSettings(b: Uint8Array): string | undefined {
  const inner = xmlElementText(new TextDecoder().decode(b.subarray(0, 4 * 1024 * 1024)), 'nanoforge:settings');
  return inner === undefined || inner.includes('<') ? undefined : decodeXmlEntities(inner);
}

/** Nanoforge's settings stored in an asset: the PNG `nanoforge` chunk, or the XMP/SVG element. */
export function readNanoforgeMetadata(b: Uint8Array): NanoforgeMetadata | undefined {
  const text = isPng(b) ? readPngTextChunks(b).get(NANOFORGE_METADATA_KEY) : xmpSettings(b);
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    // Another tool's `nanoforge` chunk or a truncated file: show no metadata rather than fail the hover.
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
  if (typeof json !== 'object' || json === null || typeof (json as { prompt?: unknown }).prompt !== 'string') return undefined;
  return json as NanoforgeMetadata;
}

/** Thumbnail size that fits in `max`×`max`, never larger than the image itself. */
export function thumbnailSize(width: number, height: number, max = 256): { width: number; height: number } {
  const scale = Math.min(1, max / Math.max(width, height, 1));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}
