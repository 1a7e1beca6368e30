// Device-independent bitmaps, read by hand because libvips (sharp) has no BMP or ICO loader: the
// images inside an ICO that are not PNG, and BMP files, as start images for image-to-image.
// BITMAPINFOHEADER and later headers, uncompressed (BI_RGB, or BI_BITFIELDS with the standard
// 8-bit masks), 1/4/8-bit palettes, 24-bit BGR and 32-bit BGRA; rows bottom-up unless the height is
// negative. An ICO's DIB is twice as high as its image: the colour rows, then a 1-bit AND mask
// (1 = transparent) that gives the alpha when the image has no alpha channel of its own.
import type { Raster } from './raster';

export class DibError extends Error {
  override readonly name = 'DibError';
}

const BI_RGB = 0;
const BI_BITFIELDS = 3;

interface DibHeader {
  width: number;
  height: number;
  topDown: boolean;
  bits: number;
  /** Offset of the palette (right after the header and any bit masks). */
  paletteAt: number;
  paletteSize: number;
}

function readHeader(view: DataView, at: number): DibHeader {
  const headerSize = view.getUint32(at, true);
  if (headerSize < 40) throw new DibError(`uses an OS/2 bitmap header (${headerSize} bytes); save it as PNG`);
  const width = view.getInt32(at + 4, true);
  const rawHeight = view.getInt32(at + 8, true);
  const bits = view.getUint16(at + 14, true);
  const compression = view.getUint32(at + 16, true);
  const colours = view.getUint32(at + 32, true);
  if (compression !== BI_RGB && !(compression === BI_BITFIELDS && (bits === 32 || bits === 16))) {
    throw new DibError(`is compressed (BMP compression ${compression}); save it as PNG`);
  }
  if (![1, 4, 8, 24, 32].includes(bits)) throw new DibError(`has ${bits} bits per pixel; only 1, 4, 8, 24 and 32 are read (save it as PNG)`);
  if (width <= 0 || rawHeight === 0) throw new DibError(`has an invalid size ${width}×${rawHeight}`);
  const masks = compression === BI_BITFIELDS && headerSize === 40 ? 12 : 0;
  const paletteSize = bits <= 8 ? (colours || 2 ** bits) : 0;
  return { width, height: Math.abs(rawHeight), topDown: rawHeight < 0, bits, paletteAt: at + headerSize + masks, paletteSize };
}

function rowBytes(width: number, bits: number): number {
  return Math.ceil((width * bits) / 32) * 4;
}

/** Width and height of the DIB at `at` (an ICO entry's image height, half the stored one), before decoding it. */
export function dibSize(bytes: Uint8Array, at = 0, icon = false): { width: number; height: number } {
  if (bytes.length < at + 40) throw new DibError('is truncated (no bitmap header)');
  const h = readHeader(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), at);
  return { width: h.width, height: icon ? Math.floor(h.height / 2) : h.height };
}

/**
 * Decodes a DIB starting at `at` whose pixels start at `pixelsAt` (right after the palette when
 * undefined). `icon`: the stored height covers the colour rows and the AND mask.
 */
export function decodeDib(bytes: Uint8Array, at = 0, options: { pixelsAt?: number; icon?: boolean } = {}): Raster {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < at + 40) throw new DibError('is truncated (no bitmap header)');
  const h = readHeader(view, at);
  const height = options.icon ? h.height / 2 : h.height;
  if (!Number.isInteger(height) || height < 1) throw new DibError(`has an invalid icon height ${h.height}`);
  const pixelsAt = options.pixelsAt ?? h.paletteAt + 4 * h.paletteSize;
  const stride = rowBytes(h.width, h.bits);
  const maskStride = rowBytes(h.width, 1);
  const needed = pixelsAt + stride * height + (options.icon ? maskStride * height : 0);
  if (needed > bytes.length || h.paletteAt + 4 * h.paletteSize > bytes.length) throw new DibError(`is truncated: ${h.width}×${height} at ${h.bits} bits needs ${needed} bytes, the file has ${bytes.length}`);
  const out = new Uint8Array(h.width * height * 4);
  let anyAlpha = false;
  for (let y = 0; y < height; y++) {
    const row = pixelsAt + stride * (h.topDown ? y : height - 1 - y);
    for (let x = 0; x < h.width; x++) {
      const o = (y * h.width + x) * 4;
      readPixel(bytes, h, row, x, out, o);
      if (h.bits === 32 && out[o + 3] !== 0) anyAlpha = true;
    }
  }
  // 32-bit images whose alpha is all zero (older writers) and every other depth take the AND mask, or are opaque.
  if (!anyAlpha) {
    const maskAt = pixelsAt + stride * height;
    for (let y = 0; y < height; y++) {
      const row = maskAt + maskStride * (h.topDown ? y : height - 1 - y);
      for (let x = 0; x < h.width; x++) {
        const transparent = options.icon === true && ((bytes[row + (x >> 3)] as number) >> (7 - (x & 7))) & 1;
        out[(y * h.width + x) * 4 + 3] = transparent ? 0 : 255;
      }
    }
  }
  return { width: h.width, height, channels: 4, data: out };
}

function readPixel(bytes: Uint8Array, h: DibHeader, row: number, x: number, out: Uint8Array, o: number): void {
  if (h.bits >= 24) {
    const p = row + x * (h.bits / 8);
    out[o] = bytes[p + 2] as number;
    out[o + 1] = bytes[p + 1] as number;
    out[o + 2] = bytes[p] as number;
    out[o + 3] = h.bits === 32 ? (bytes[p + 3] as number) : 255;
    return;
  }
  const bit = x * h.bits;
  const index = ((bytes[row + (bit >> 3)] as number) >> (8 - h.bits - (bit & 7))) & ((1 << h.bits) - 1);
  if (index >= h.paletteSize) throw new DibError(`uses colour ${index} of a ${h.paletteSize}-colour palette`);
  const p = h.paletteAt + 4 * index;
  out[o] = bytes[p + 2] as number;
  out[o + 1] = bytes[p + 1] as number;
  out[o + 2] = bytes[p] as number;
  out[o + 3] = 255;
}

/** Where a BMP file's DIB header starts: after the 14-byte file header ('BM', size, pixel offset). */
export const BMP_DIB_AT = 14;

/** A BMP file: the 14-byte file header ('BM', pixel offset) around a DIB. */
export function decodeBmp(bytes: Uint8Array): Raster {
  if (bytes.length < 54 || !isBmp(bytes)) throw new DibError('is not a BMP file');
  const pixelsAt = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(10, true);
  return decodeDib(bytes, BMP_DIB_AT, { pixelsAt });
}

export function isBmp(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d;
}
