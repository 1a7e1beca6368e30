// Minimal PNG chunk reader/writer: enough to add and read text chunks (tEXt / zTXt / iTXt) without
// re-encoding the image. Layout per the PNG spec: length(4) type(4) data crc(4), big-endian.
// Reading text is bounded for files from anywhere: only the chunks before the pixels, at most
// PNG_TEXT_LIMITS.chunks of them, and compressed text inflates to at most PNG_TEXT_LIMITS.inflatedBytes.
import { inflateBounded } from '../safety/bounded';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE, reflected, as PNG and zlib use it). */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = crcTable[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

export interface PngChunk {
  type: string;
  /** Offset of the length field. */
  offset: number;
  data: Uint8Array;
}

/** Lists the chunks of a PNG; stops at IEND or at the first truncated chunk. */
export function readChunks(png: Uint8Array): PngChunk[] {
  if (!isPng(png)) throw new Error('not a PNG file (bad signature)');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: PngChunk[] = [];
  let offset = 8;
  while (offset + 12 <= png.length) {
    const length = view.getUint32(offset);
    if (offset + 12 + length > png.length) break;
    const type = String.fromCharCode(...png.subarray(offset + 4, offset + 8));
    chunks.push({ type, offset, data: png.subarray(offset + 8, offset + 8 + length) });
    offset += 12 + length;
    if (type === 'IEND') break;
  }
  return chunks;
}

function makeChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

const isLatin1 = (text: string): boolean => /^[\u0001-\u00ff]*$/.test(text);

/** A text chunk: tEXt when the text is Latin-1, otherwise uncompressed UTF-8 iTXt. */
export function textChunk(keyword: string, text: string): Uint8Array {
  if (!/^[\x20-\x7e]{1,79}$/.test(keyword)) throw new Error(`invalid PNG text keyword '${keyword}'`);
  const key = Buffer.from(keyword, 'latin1');
  if (isLatin1(text)) {
    return makeChunk('tEXt', Buffer.concat([key, Buffer.from([0]), Buffer.from(text, 'latin1')]));
  }
  // keyword \0, compression flag 0, method 0, empty language tag \0, empty translated keyword \0, UTF-8 text
  return makeChunk('iTXt', Buffer.concat([key, Buffer.from([0, 0, 0, 0, 0]), Buffer.from(text, 'utf8')]));
}

/** Returns a copy of `png` with `chunks` inserted right after IHDR (so readers see them before the pixels). */
export function insertChunks(png: Uint8Array, chunks: Uint8Array[]): Uint8Array {
  const ihdr = readChunks(png)[0];
  if (!ihdr || ihdr.type !== 'IHDR') throw new Error('PNG does not start with IHDR');
  const at = ihdr.offset + 12 + ihdr.data.length;
  return Buffer.concat([png.subarray(0, at), ...chunks, png.subarray(at)]);
}

export const PNG_TEXT_LIMITS = Object.freeze({
  /** Chunks looked at before giving up (real files have a handful before IDAT). */
  chunks: 256,
  /** Output of one compressed text chunk; settings JSON is a few hundred bytes. */
  inflatedBytes: 1024 * 1024,
});

/** The text of one tEXt / zTXt / iTXt chunk (after its keyword's NUL), or undefined when unreadable. */
function decodeTextChunk(type: string, data: Uint8Array, nul: number): string | undefined {
  if (type === 'tEXt') return Buffer.from(data.subarray(nul + 1)).toString('latin1');
  if (type === 'zTXt') {
    const text = inflateBounded(data.subarray(nul + 2), PNG_TEXT_LIMITS.inflatedBytes);
    return text && Buffer.from(text).toString('latin1');
  }
  // iTXt: keyword\0 flag method language\0 translated\0 text
  const compressed = data[nul + 1] === 1;
  const langEnd = data.indexOf(0, nul + 3);
  const transEnd = langEnd < 0 ? -1 : data.indexOf(0, langEnd + 1);
  if (transEnd < 0) return undefined;
  const body = compressed ? inflateBounded(data.subarray(transEnd + 1), PNG_TEXT_LIMITS.inflatedBytes) : data.subarray(transEnd + 1);
  return body && Buffer.from(body).toString('utf8');
}

/**
 * Every tEXt / zTXt / iTXt keyword → text pair before the image data (first occurrence wins): stops
 * at IDAT, IEND, a truncated chunk or after PNG_TEXT_LIMITS.chunks chunks; never throws on bad data.
 */
export function readTextChunks(png: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  if (!isPng(png)) return out;
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let offset = 8;
  for (let seen = 0; seen < PNG_TEXT_LIMITS.chunks && offset + 12 <= png.length; seen++) {
    const length = view.getUint32(offset);
    if (offset + 12 + length > png.length) break;
    const type = Buffer.from(png.subarray(offset + 4, offset + 8)).toString('latin1');
    if (type === 'IDAT' || type === 'IEND') break;
    if (type === 'tEXt' || type === 'zTXt' || type === 'iTXt') {
      const data = png.subarray(offset + 8, offset + 8 + length);
      const nul = data.indexOf(0);
      const keyword = nul > 0 ? Buffer.from(data.subarray(0, nul)).toString('latin1') : undefined;
      const text = keyword !== undefined && !out.has(keyword) ? decodeTextChunk(type, data, nul) : undefined;
      if (keyword !== undefined && text !== undefined) out.set(keyword, text);
    }
    offset += 12 + length;
  }
  return out;
}

/** Width and height from IHDR. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const ihdr = readChunks(png)[0];
  if (!ihdr || ihdr.type !== 'IHDR' || ihdr.data.length < 8) throw new Error('PNG has no IHDR');
  const view = new DataView(ihdr.data.buffer, ihdr.data.byteOffset, 8);
  return { width: view.getUint32(0), height: view.getUint32(4) };
}
