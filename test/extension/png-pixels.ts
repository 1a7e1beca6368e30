// Reads the pixels of an 8-bit RGB or RGBA PNG with Node's zlib only (the extension host loads no
// native image library), so integration tests can check colours of the files the extension wrote.
import * as assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';

export interface Pixels {
  width: number;
  height: number;
  channels: 3 | 4;
  data: Uint8Array;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Undoes the per-row filters (PNG spec §9) in place of a fresh buffer. */
function unfilter(raw: Buffer, width: number, height: number, channels: number): Uint8Array {
  const stride = width * channels;
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x] ?? 0;
      const a = x >= channels ? out[y * stride + x - channels] ?? 0 : 0;
      const b = y > 0 ? out[(y - 1) * stride + x] ?? 0 : 0;
      const c = x >= channels && y > 0 ? out[(y - 1) * stride + x - channels] ?? 0 : 0;
      const predicted = filter === 0 ? 0 : filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : filter === 4 ? paeth(a, b, c) : assert.fail(`PNG filter ${String(filter)}`);
      out[y * stride + x] = (v + predicted) & 0xff;
    }
  }
  return out;
}

/** Decodes a non-interlaced 8-bit RGB/RGBA PNG; fails the test on anything else. */
export function pngPixels(bytes: Uint8Array): Pixels {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  assert.equal(buf.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', 'PNG signature');
  let width = 0, height = 0, channels: 3 | 4 = 3;
  const idat: Buffer[] = [];
  for (let at = 8; at < buf.length;) {
    const length = buf.readUInt32BE(at);
    const type = buf.subarray(at + 4, at + 8).toString('latin1');
    const body = buf.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      assert.equal(body[8], 8, 'bit depth 8');
      assert.ok(body[9] === 2 || body[9] === 6, `colour type ${String(body[9])} (RGB or RGBA expected)`);
      assert.equal(body[12], 0, 'not interlaced');
      channels = body[9] === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(body);
    at += 12 + length;
  }
  return { width, height, channels, data: unfilter(inflateSync(Buffer.concat(idat)), width, height, channels) };
}

/** The RGB of pixel (x, y). */
export function rgbAt(p: Pixels, x: number, y: number): number[] {
  const i = (y * p.width + x) * p.channels;
  return [p.data[i] ?? -1, p.data[i + 1] ?? -1, p.data[i + 2] ?? -1];
}
