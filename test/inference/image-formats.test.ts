import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import { formatFromPath, readIco, readMetadata, renderAsset } from '../../src/inference/image';
import { crc32, readChunks, readTextChunks } from '../../src/inference/image/png-chunks';
import type { AssetFormat, AssetMetadata } from '../../src/inference/types';
import { decode, discImage, noiseImage, pixel } from './image-helpers';

const GREEN: [number, number, number] = [20, 160, 60];
const WHITE: [number, number, number] = [255, 255, 255];
const META: AssetMetadata = {
  prompt: 'a green circle on white — ünïcödé ✓ & <tags> "quoted"',
  negativePrompt: 'blurry',
  seed: 42,
  steps: 2,
  guidanceScale: 0,
  scheduler: 'euler',
  modelId: 'oracle-fp32',
  modelVersion: '1',
  kind: 'icon',
  generator: 'nanoforge test',
};

describe('image: formats', () => {
  const source = discImage(256, 256, GREEN, WHITE);

  for (const format of ['png', 'webp', 'avif', 'jpeg'] as AssetFormat[]) {
    it(`${format}: decodes at the exact size and round-trips metadata`, async () => {
      const asset = await renderAsset(source, { width: 120, height: 80, format, fit: 'cover' }, META);
      const d = await decode(asset.bytes);
      assert.equal(d.format, format === 'avif' ? 'heif' : format);
      assert.deepEqual([d.width, d.height], [120, 80]);
      assert.deepEqual(readMetadata(asset.bytes), { ...META, width: 120, height: 80 });
    });
  }

  for (const format of ['png', 'webp', 'avif'] as AssetFormat[]) {
    it(`${format}: keeps the alpha channel of a transparent icon`, async () => {
      const asset = await renderAsset(source, { width: 64, height: 64, format, transparent: true }, META);
      const d = await decode(asset.bytes);
      assert.equal(d.channels, 4);
      assert.ok(pixel(d, 0, 0)[3]! < 8, `corner alpha ${pixel(d, 0, 0)[3]}`);
      assert.ok(pixel(d, 32, 32)[3]! > 248);
    });
  }

  it('jpeg: composites a transparent icon on the removed background colour and says so', async () => {
    const asset = await renderAsset(discImage(256, 256, GREEN, [250, 240, 200]), { width: 64, height: 64, format: 'jpeg', transparent: true });
    const d = await decode(asset.bytes);
    assert.equal(d.channels, 3);
    const corner = pixel(d, 0, 0);
    assert.ok(Math.abs(corner[0]! - 250) < 6 && Math.abs(corner[2]! - 200) < 6, `corner ${corner}`);
    assert.match(asset.warnings.join('\n'), /JPEG has no transparency: .*#faf0c8/);
  });

  it('png: text chunks carry valid CRCs and the human parameters line', async () => {
    const asset = await renderAsset(source, { width: 32, height: 32, format: 'png' }, META);
    for (const chunk of readChunks(asset.bytes)) {
      const end = chunk.offset + 8 + chunk.data.length;
      const stored = new DataView(asset.bytes.buffer, asset.bytes.byteOffset).getUint32(end);
      assert.equal(crc32(asset.bytes, chunk.offset + 4, end), stored, `CRC of ${chunk.type}`);
    }
    const params = readTextChunks(asset.bytes).get('parameters') ?? '';
    assert.match(params, /^a green circle on white — ünïcödé/);
    assert.match(params, /Negative prompt: blurry\nSteps: 2, Sampler: euler, CFG scale: 0, Seed: 42, Size: 32x32, Model: oracle-fp32/);
    assert.equal(readMetadata(await sharp(asset.bytes).png().toBuffer()), undefined, 'sharp strips it on re-encode: no false positives');
  });

  it('quality outside 1..100 is a clear error', async () => {
    await assert.rejects(renderAsset(source, { width: 32, height: 32, format: 'jpeg', quality: 0 }), /quality must be a whole number 1\.\.100/);
  });
});

describe('image: ICO', () => {
  it('holds 16, 32 and 48 px PNG entries with metadata in the largest', async () => {
    const asset = await renderAsset(discImage(256, 256, GREEN, WHITE), { width: 48, height: 48, format: 'ico', transparent: true }, META);
    const entries = readIco(asset.bytes);
    assert.deepEqual(entries.map((e) => [e.width, e.height]), [[16, 16], [32, 32], [48, 48]]);
    for (const e of entries) {
      const d = await decode(e.png);
      assert.deepEqual([d.format, d.width, d.height, d.channels], ['png', e.width, e.width, 4]);
      assert.equal(pixel(d, 0, 0)[3], 0);
    }
    assert.equal(readMetadata(asset.bytes)?.seed, 42);
  });

  it('adds the requested side up to 256 as a fourth entry', async () => {
    const asset = await renderAsset(discImage(256, 256, GREEN, WHITE), { width: 256, height: 256, format: 'ico' });
    assert.deepEqual(readIco(asset.bytes).map((e) => e.width), [16, 32, 48, 256]);
    assert.equal(asset.bytes[6 + 3 * 16], 0, '256 is stored as 0 in the directory');
  });

  it('refuses a 1×1 or 8×8 ICO with a clear error', async () => {
    for (const s of [1, 8]) {
      await assert.rejects(renderAsset(discImage(64, 64, GREEN, WHITE), { width: s, height: s, format: 'ico' }), /an ICO needs at least 16×16 pixels/);
    }
  });
});

describe('image: SVG tracing', () => {
  it('traces a flat icon into a small SVG that sharp rasterises close to the source', async () => {
    const source = discImage(128, 128, GREEN, WHITE, 0.35);
    const asset = await renderAsset(source, { width: 128, height: 128, format: 'svg', fit: 'stretch' }, META);
    const text = Buffer.from(asset.bytes).toString('utf8');
    assert.match(text, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="128" height="128"/);
    assert.ok((text.match(/<path /g) ?? []).length <= 20);
    assert.deepEqual(readMetadata(asset.bytes), { ...META, width: 128, height: 128 });
    const raster = await sharp(asset.bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([raster.info.width, raster.info.height], [128, 128]);
    let diff = 0;
    for (let i = 0; i < source.data.length; i++) diff += Math.abs(raster.data[i]! - source.data[i]!);
    const mean = diff / source.data.length;
    assert.ok(mean < 4, `mean abs diff ${mean.toFixed(2)}`);
    console.log(`      SVG mean abs diff ${mean.toFixed(2)}`);
  });

  it('keeps transparency: a cut-out icon traces without a background path', async () => {
    const asset = await renderAsset(discImage(128, 128, GREEN, WHITE, 0.35), { width: 64, height: 64, format: 'svg', transparent: true }, META);
    const d = await decode(await sharp(asset.bytes).png().toBuffer());
    assert.equal(pixel(d, 0, 0)[3], 0);
    assert.ok(pixel(d, 32, 32)[3]! > 240);
  });

  it('refuses photo-like input (path cap) with a clear error', async () => {
    await assert.rejects(renderAsset(noiseImage(160, 160), { width: 160, height: 160, format: 'svg' }), /SVG tracing produced \d+ paths \(limit 2000\): the image looks like a photo/);
  });
});

describe('image: formatFromPath', () => {
  it('maps extensions (case-insensitive) and lists the supported ones otherwise', () => {
    assert.deepEqual(['a.PNG', 'b.jpg', 'c.jpeg', 'd.webp', 'e.avif', 'f.ico', 'logo.svg'].map(formatFromPath), ['png', 'jpeg', 'jpeg', 'webp', 'avif', 'ico', 'svg']);
    assert.throws(() => formatFromPath('x.gif'), /unsupported image extension '\.gif' in x\.gif; supported: \.png, \.webp, \.avif, \.jpg, \.jpeg, \.ico, \.svg/);
    assert.throws(() => formatFromPath('noext'), /has no file extension/);
  });
});
