// The host-side header reader against real files encoded by sharp, and Nanoforge metadata written
// by the image layer's own chunk writer (tEXt and UTF-8 iTXt) and XMP packet.
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { buildXmp, pngMetadataChunks } from '../../src/inference/image/metadata';
import { crc32, insertChunks, textChunk } from '../../src/inference/image/png-chunks';
import {
  readImageInfo, readNanoforgeMetadata, readPngTextChunks, thumbnailSize,
} from '../../src/extension/references/image-header';
import type { AssetMetadata } from '../../src/inference/types';

function solid(width: number, height: number) {
  return sharp({ create: { width, height, channels: 4, background: { r: 40, g: 90, b: 200, alpha: 1 } } });
}

describe('image header reader', () => {
  const formats: [string, (w: number, h: number) => Promise<Buffer>][] = [
    ['png', (w, h) => solid(w, h).png().toBuffer()],
    ['jpeg', (w, h) => solid(w, h).jpeg().toBuffer()],
    ['gif', (w, h) => solid(w, h).gif().toBuffer()],
    ['webp', (w, h) => solid(w, h).webp({ lossless: true }).toBuffer()],
    ['webp', (w, h) => solid(w, h).webp({ quality: 50 }).toBuffer()],
    ['avif', (w, h) => solid(w, h).avif().toBuffer()],
  ];
  for (const [format, encode] of formats) {
    it(`reads ${format} dimensions (300x17 and 1x1)`, async () => {
      assert.deepEqual(readImageInfo(await encode(300, 17)), { format, width: 300, height: 17 });
      assert.deepEqual(readImageInfo(await encode(1, 1)), { format, width: 1, height: 1 });
    });
  }

  it('reads extended WebP (VP8X, with alpha) dimensions', async () => {
    const webp = await sharp({ create: { width: 5000, height: 3, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0.5 } } }).webp().toBuffer();
    assert.deepEqual(readImageInfo(webp), { format: 'webp', width: 5000, height: 3 });
  });

  it('reads SVG width/height, viewBox and their mix', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    assert.deepEqual(readImageInfo(enc('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="24px" height="16"></svg>')), { format: 'svg', width: 24, height: 16 });
    assert.deepEqual(readImageInfo(enc('<svg viewBox="0 0 512 256"></svg>')), { format: 'svg', width: 512, height: 256 });
    assert.deepEqual(readImageInfo(enc('<svg width="100" viewBox="0 0 50 25"/>')), { format: 'svg', width: 100, height: 50 });
    assert.equal(readImageInfo(enc('<svg width="100%" height="100%"/>')), undefined);
  });

  it('reads BMP and ICO headers', () => {
    const bmp = new Uint8Array(54);
    bmp.set([0x42, 0x4d]);
    new DataView(bmp.buffer).setInt32(18, 40, true);
    new DataView(bmp.buffer).setInt32(22, -30, true); // top-down BMPs store a negative height
    assert.deepEqual(readImageInfo(bmp), { format: 'bmp', width: 40, height: 30 });
    assert.deepEqual(readImageInfo(new Uint8Array([0, 0, 1, 0, 1, 0, 0, 48])), { format: 'ico', width: 256, height: 48 });
  });

  it('returns undefined for unknown and truncated bytes', () => {
    assert.equal(readImageInfo(new TextEncoder().encode('hello world')), undefined);
    assert.equal(readImageInfo(new Uint8Array([0xff, 0xd8, 0xff])), undefined);
  });

  const metadata: AssetMetadata = { prompt: 'a blue shopping cart', seed: 42, steps: 2, modelId: 'oracle-fp32', kind: 'icon', width: 64, height: 64, generator: 'nanoforge 0.1.0' };

  it('reads the nanoforge tEXt chunk the image layer writes', async () => {
    const png = insertChunks(await solid(8, 8).png().toBuffer(), pngMetadataChunks(metadata));
    assert.deepEqual(readNanoforgeMetadata(png), metadata);
    assert.deepEqual(readImageInfo(png), { format: 'png', width: 8, height: 8 });
    assert.match(readPngTextChunks(png).get('parameters') ?? '', /^a blue shopping cart\n.*Seed: 42/);
  });

  it('reads UTF-8 iTXt and compressed zTXt/iTXt chunks', async () => {
    const unicode = { ...metadata, prompt: 'ein Einkaufswagen 🛒 – blau' };
    const png = insertChunks(await solid(4, 4).png().toBuffer(), [textChunk('nanoforge', JSON.stringify(unicode))]);
    assert.equal(readNanoforgeMetadata(png)?.prompt, 'ein Einkaufswagen 🛒 – blau');
    const ztxt = rawChunk('zTXt', Buffer.concat([Buffer.from('Comment\0\0', 'latin1'), deflateSync(Buffer.from('zipped'))]));
    const itxt = rawChunk('iTXt', Buffer.concat([Buffer.from('Title\0\x01\0en\0\0', 'latin1'), deflateSync(Buffer.from('Größe', 'utf8'))]));
    const chunks = readPngTextChunks(insertChunks(await solid(4, 4).png().toBuffer(), [ztxt, itxt]));
    assert.equal(chunks.get('Comment'), 'zipped');
    assert.equal(chunks.get('Title'), 'Größe');
  });

  it('reads the XMP packet of WebP/JPEG assets', async () => {
    const webp = await solid(16, 16).webp().withXmp(buildXmp(metadata)).toBuffer();
    assert.deepEqual(readNanoforgeMetadata(webp), metadata);
  });

  it('ignores PNGs without metadata and malformed nanoforge JSON', async () => {
    const plain = await solid(4, 4).png().toBuffer();
    assert.equal(readNanoforgeMetadata(plain), undefined);
    assert.equal(readNanoforgeMetadata(insertChunks(plain, [textChunk('nanoforge', '{not json')])), undefined);
    assert.equal(readNanoforgeMetadata(insertChunks(plain, [textChunk('nanoforge', '{"seed":1}')])), undefined);
  });

  it('bounds thumbnails to 256 px without upscaling', () => {
    assert.deepEqual(thumbnailSize(1024, 512), { width: 256, height: 128 });
    assert.deepEqual(thumbnailSize(300, 1200), { width: 64, height: 256 });
    assert.deepEqual(thumbnailSize(32, 16), { width: 32, height: 16 });
    assert.deepEqual(thumbnailSize(4000, 1), { width: 256, height: 1 });
  });
});

/** A well-formed chunk of a type the image layer never writes (zTXt, compressed iTXt). */
function rawChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(Buffer.from(type, 'latin1'), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}
