// Start images for image-to-image (src/inference/image/start-image.ts, dib.ts): every format we read
// becomes one upright 8-bit RGBA frame with the right pixels, and what we refuse (animation, more than
// 8192 px a side, other formats, damaged files) is one line saying what to do. Real sharp throughout;
// ICO and BMP bytes are written here by hand, byte for byte as their formats define them.
import * as assert from 'node:assert/strict';
import sharp, { type Sharp } from 'sharp';
import { buildIco, decodeStartImage, inspectStartImage, StartImageError, type IcoEntry } from '../../src/inference';
import { crc32, insertChunks } from '../../src/inference/image/png-chunks';
import type { Raster } from '../../src/inference/image/raster';

const rgbaAt = (r: Raster, x: number, y: number): number[] => [...r.data.subarray((y * r.width + x) * 4, (y * r.width + x + 1) * 4)];

async function solid(width: number, height: number, colour: { r: number; g: number; b: number; alpha?: number }): Promise<Sharp> {
  return sharp({ create: { width, height, channels: 4, background: { alpha: 1, ...colour } } });
}

async function refusal(bytes: Uint8Array): Promise<string> {
  try {
    await inspectStartImage(bytes);
  } catch (error) {
    assert.ok(error instanceof StartImageError, String(error));
    assert.equal(error.message, `the start image ${error.problem}`);
    assert.doesNotMatch(error.message, /\n/, 'one line');
    return error.problem;
  }
  return assert.fail('accepted');
}

/** A DIB of `width`×`height` (bottom-up) as an ICO stores it: header with doubled height, pixels, AND mask. */
function iconDib(width: number, height: number, bits: 24 | 32, pixel: (x: number, y: number) => number[], transparent: (x: number, y: number) => boolean): Uint8Array {
  const stride = Math.ceil((width * bits) / 32) * 4;
  const maskStride = Math.ceil(width / 32) * 4;
  const out = Buffer.alloc(40 + stride * height + maskStride * height);
  out.writeUInt32LE(40, 0);
  out.writeInt32LE(width, 4);
  out.writeInt32LE(height * 2, 8);
  out.writeUInt16LE(1, 12);
  out.writeUInt16LE(bits, 14);
  for (let y = 0; y < height; y++) {
    const row = 40 + stride * (height - 1 - y);
    const maskRow = 40 + stride * height + maskStride * (height - 1 - y);
    for (let x = 0; x < width; x++) {
      const [r = 0, g = 0, b = 0, a = 255] = pixel(x, y);
      out.set(bits === 32 ? [b, g, r, a] : [b, g, r], row + x * (bits / 8));
      if (transparent(x, y)) out[maskRow + (x >> 3)]! |= 0x80 >> (x & 7);
    }
  }
  return out;
}

/** A BMP file: 'BM' header around a DIB whose rows are given top to bottom. */
function bmp(width: number, height: number, bits: 1 | 8 | 24, palette: number[][], index: (x: number, y: number) => number[] | number, topDown = false): Uint8Array {
  const stride = Math.ceil((width * bits) / 32) * 4;
  const paletteBytes = bits <= 8 ? palette.length * 4 : 0;
  const offset = 14 + 40 + paletteBytes;
  const out = Buffer.alloc(offset + stride * height);
  out.write('BM', 0, 'latin1');
  out.writeUInt32LE(out.length, 2);
  out.writeUInt32LE(offset, 10);
  out.writeUInt32LE(40, 14);
  out.writeInt32LE(width, 18);
  out.writeInt32LE(topDown ? -height : height, 22);
  out.writeUInt16LE(1, 26);
  out.writeUInt16LE(bits, 28);
  out.writeUInt32LE(bits <= 8 ? palette.length : 0, 46);
  palette.forEach(([r = 0, g = 0, b = 0], i) => out.set([b, g, r, 0], 54 + 4 * i));
  for (let y = 0; y < height; y++) {
    const row = offset + stride * (topDown ? y : height - 1 - y);
    for (let x = 0; x < width; x++) {
      const v = index(x, y);
      if (bits === 24) out.set([...(v as number[])].reverse(), row + x * 3);
      else if (bits === 8) out[row + x] = v as number;
      else if (v) out[row + (x >> 3)]! |= 0x80 >> (x & 7);
    }
  }
  return out;
}

describe('start images (image-to-image input)', function () {
  this.timeout(60_000);

  it('PNG (16-bit grey too), WebP, AVIF, single-frame GIF: upright 8-bit RGBA with their pixels', async () => {
    const grey16 = await (await solid(10, 6, { r: 100, g: 100, b: 100 })).toColourspace('grey16').png().toBuffer();
    assert.equal((await sharp(grey16).metadata()).depth, 'ushort');
    const grey = await decodeStartImage(grey16);
    assert.deepEqual([grey.width, grey.height, grey.channels, rgbaAt(grey, 9, 5)], [10, 6, 4, [100, 100, 100, 255]]);
    const half = await (await solid(8, 4, { r: 0, g: 0, b: 255, alpha: 0.5 })).png().toBuffer();
    assert.deepEqual(rgbaAt(await decodeStartImage(half), 0, 0), [0, 0, 255, 128], 'alpha is kept');
    for (const [format, bytes] of [
      ['webp', await (await solid(12, 8, { r: 255, g: 0, b: 0 })).webp({ lossless: true }).toBuffer()],
      ['avif', await (await solid(16, 16, { r: 0, g: 255, b: 0 })).avif({ lossless: true }).toBuffer()],
      ['gif', await (await solid(5, 7, { r: 255, g: 255, b: 0 })).gif().toBuffer()],
    ] as const) {
      const info = await inspectStartImage(bytes);
      const raster = await decodeStartImage(bytes);
      assert.deepEqual([info.format, info.width, info.height], [format, raster.width, raster.height]);
      const want = { webp: [255, 0, 0], avif: [0, 255, 0], gif: [255, 255, 0] }[format];
      assert.ok(rgbaAt(raster, 1, 1).slice(0, 3).every((v, c) => Math.abs(v - (want[c] ?? NaN)) <= 2), `${format}: ${rgbaAt(raster, 1, 1)}`);
    }
  });

  it('JPEG follows its EXIF orientation (a 16×8 photo turned 90° is 8×16)', async () => {
    // Left half red, right half blue, stored with orientation 6 (display rotated 90° clockwise).
    const raw = Buffer.alloc(16 * 8 * 3);
    for (let p = 0; p < 128; p++) raw.set((p % 16) < 8 ? [255, 0, 0] : [0, 0, 255], p * 3);
    const jpeg = await sharp(raw, { raw: { width: 16, height: 8, channels: 3 } }).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toBuffer();
    assert.deepEqual(await inspectStartImage(jpeg), { format: 'jpeg', width: 8, height: 16 });
    const upright = await decodeStartImage(jpeg);
    assert.deepEqual([upright.width, upright.height], [8, 16]);
    // Rotated clockwise, the red left half becomes the top.
    assert.ok((rgbaAt(upright, 4, 2)[0] ?? 0) > 200 && (rgbaAt(upright, 4, 13)[2] ?? 0) > 200, `${rgbaAt(upright, 4, 2)} / ${rgbaAt(upright, 4, 13)}`);
  });

  it('SVG is rasterised at its own size, transparency kept', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="20" height="20" fill="#00f"/></svg>');
    assert.deepEqual(await inspectStartImage(svg), { format: 'svg', width: 40, height: 20 });
    const raster = await decodeStartImage(svg);
    assert.deepEqual([rgbaAt(raster, 5, 10), rgbaAt(raster, 30, 10)], [[0, 0, 255, 255], [0, 0, 0, 0]]);
  });

  it('ICO: its largest entry, PNG-encoded or a 32-bit / 24-bit DIB with its AND mask', async () => {
    const entry = async (size: number, colour: { r: number; g: number; b: number }): Promise<IcoEntry> =>
      ({ width: size, height: size, png: await (await solid(size, size, colour)).png().toBuffer() });
    const pngIco = buildIco([await entry(16, { r: 255, g: 0, b: 0 }), await entry(48, { r: 0, g: 200, b: 0 }), await entry(32, { r: 0, g: 0, b: 255 })]);
    assert.deepEqual(await inspectStartImage(pngIco), { format: 'ico', width: 48, height: 48 });
    assert.deepEqual(rgbaAt(await decodeStartImage(pngIco), 47, 47), [0, 200, 0, 255]);
    // A 256 px entry: the directory says 0.
    const big = buildIco([await entry(16, { r: 255, g: 0, b: 0 }), await entry(256, { r: 1, g: 2, b: 3 })]);
    assert.deepEqual(await inspectStartImage(big), { format: 'ico', width: 256, height: 256 });
    // DIB entries: 32-bit with alpha (a half-transparent pixel), 24-bit whose AND mask cuts a corner out.
    const dib32 = iconDib(4, 3, 32, (x, y) => [10 * x, 20 * y, 99, x === 3 && y === 0 ? 64 : 255], () => false);
    const dib24 = iconDib(5, 5, 24, (x, y) => [x * 50, y * 50, 7], (x, y) => x + y < 2);
    const ico = Buffer.from(buildIco([{ width: 4, height: 3, png: dib32 }, { width: 5, height: 5, png: dib24 }]));
    assert.deepEqual(await inspectStartImage(ico), { format: 'ico', width: 5, height: 5 });
    const decoded = await decodeStartImage(ico);
    assert.deepEqual([rgbaAt(decoded, 0, 0), rgbaAt(decoded, 1, 0), rgbaAt(decoded, 2, 0), rgbaAt(decoded, 4, 3)], [[0, 0, 7, 0], [50, 0, 7, 0], [100, 0, 7, 255], [200, 150, 7, 255]]);
    const only32 = await decodeStartImage(Buffer.from(buildIco([{ width: 4, height: 3, png: dib32 }])));
    assert.deepEqual([only32.width, only32.height, rgbaAt(only32, 3, 0), rgbaAt(only32, 1, 2)], [4, 3, [30, 0, 99, 64], [10, 40, 99, 255]]);
  });

  it('BMP: 24-bit bottom-up and top-down with row padding, 8-bit and 1-bit palettes', async () => {
    const colour = (x: number, y: number): number[] => [x * 80, y * 90, 200];
    for (const topDown of [false, true]) {
      const raster = await decodeStartImage(bmp(3, 2, 24, [], colour, topDown));
      assert.deepEqual([raster.width, raster.height, rgbaAt(raster, 0, 0), rgbaAt(raster, 2, 1)], [3, 2, [0, 0, 200, 255], [160, 90, 200, 255]], `top-down ${topDown}`);
    }
    assert.deepEqual(await inspectStartImage(bmp(3, 2, 24, [], colour)), { format: 'bmp', width: 3, height: 2 });
    const palette = [[255, 0, 0], [0, 255, 0], [0, 0, 255]];
    const eight = await decodeStartImage(bmp(5, 3, 8, palette, (x, y) => (x + y) % 3));
    assert.deepEqual([rgbaAt(eight, 0, 0), rgbaAt(eight, 1, 0), rgbaAt(eight, 4, 2)], [[255, 0, 0, 255], [0, 255, 0, 255], [255, 0, 0, 255]]);
    const one = await decodeStartImage(bmp(10, 2, 1, [[0, 0, 0], [255, 255, 255]], (x) => (x === 9 ? 1 : 0)));
    assert.deepEqual([rgbaAt(one, 8, 1), rgbaAt(one, 9, 1)], [[0, 0, 0, 255], [255, 255, 255, 255]]);
    await assert.rejects(decodeStartImage(bmp(3, 1, 8, palette, () => 7)), (e: Error) => e instanceof StartImageError && e.problem === 'uses colour 7 of a 3-colour palette');
  });

  it('refuses animations (GIF, WebP, APNG) with the frame count and what to do', async () => {
    const frames = async (...colours: string[]): Promise<Buffer[]> => Promise.all(colours.map((c) => sharp({ create: { width: 8, height: 8, channels: 3, background: c } }).png().toBuffer()));
    const gif = await sharp(await frames('red', 'blue', 'lime'), { join: { animated: true } }).gif().toBuffer();
    assert.equal(await refusal(gif), 'is animated (3 frames); image-to-image starts from one still image: save the frame you want as PNG');
    const webp = await sharp(await frames('red', 'blue'), { join: { animated: true } }).webp().toBuffer();
    assert.match(await refusal(webp), /^is animated \(2 frames\)/);
    // An APNG: an acTL chunk ahead of the image data (libvips would show only the first frame).
    const actl = Buffer.alloc(20);
    actl.writeUInt32BE(8, 0);
    actl.write('acTL', 4, 'latin1');
    actl.writeUInt32BE(2, 8);
    actl.writeUInt32BE(0, 12);
    actl.writeUInt32BE(crc32(actl, 4, 16), 16);
    const apng = insertChunks(await (await solid(8, 8, { r: 1, g: 2, b: 3 })).png().toBuffer(), [actl]);
    assert.equal(await refusal(apng), 'is animated; image-to-image starts from one still image: save the frame you want as PNG');
  });

  it('refuses more than 8192 px a side from the header, before decoding', async () => {
    const wide = await sharp({ create: { width: 8193, height: 1, channels: 3, background: 'white' } }).png().toBuffer();
    assert.equal(await refusal(wide), 'is 8193×1 px; start images may be at most 8192 px a side (save a smaller copy)');
    assert.equal(await refusal(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="20" height="90000"></svg>')), 'is 20×90000 px; start images may be at most 8192 px a side (save a smaller copy)');
    assert.match(await refusal(bmp(3, 2, 24, [], () => [0, 0, 0]).map((b, i) => (i === 21 ? 1 : b))), /^is \d+×2 px; start images may be at most 8192 px a side/);
    const atLimit = await sharp({ create: { width: 8192, height: 1, channels: 3, background: 'white' } }).png().toBuffer();
    assert.deepEqual(await inspectStartImage(atLimit), { format: 'png', width: 8192, height: 1 });
  });

  it('refuses other formats, text and damaged files in one line each', async () => {
    const tiff = await (await solid(4, 4, { r: 0, g: 0, b: 0 })).tiff().toBuffer();
    assert.equal(await refusal(tiff), 'is TIFF; start images must be PNG, JPEG, WebP, AVIF, GIF, SVG, ICO or BMP');
    assert.match(await refusal(Buffer.from('just some text, not an image')), /^is not an image Nanoforge can read \(PNG, JPEG, WebP, AVIF, GIF, SVG, ICO or BMP\)/);
    const good = await (await solid(64, 64, { r: 9, g: 9, b: 9 })).png().toBuffer();
    assert.match(await refusal(good.subarray(0, 30)), /^is not an image Nanoforge can read/);
    // The header is whole but the pixels are cut off: refused when decoding.
    await assert.rejects(decodeStartImage(good.subarray(0, good.length - 40)), (e: Error) => e instanceof StartImageError && /^could not be decoded \(.+\); is the file complete\?$/.test(e.problem));
    const damagedIco = Buffer.from(buildIco([{ width: 16, height: 16, png: good }]));
    damagedIco.writeUInt32LE(1_000_000, 6 + 12);
    assert.equal(await refusal(damagedIco), 'is a damaged ICO file (ICO entry 0 points past the end of the file)');
    const rle = bmp(2, 2, 8, [[0, 0, 0]], () => 0);
    rle.set([1, 0, 0, 0], 30); // BI_RLE8
    assert.equal(await refusal(rle), 'is compressed (BMP compression 1); save it as PNG');
  });
});
