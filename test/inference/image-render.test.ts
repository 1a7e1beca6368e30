import * as assert from 'node:assert/strict';
import { renderAsset } from '../../src/inference/image';
import type { FitMode } from '../../src/inference/types';
import { decode, discImage, noiseImage, pixel } from './image-helpers';

const GREEN: [number, number, number] = [20, 160, 60];
const WHITE: [number, number, number] = [255, 255, 255];

describe('image: renderAsset sizes and fit modes', () => {
  const source = discImage(512, 512, GREEN, WHITE);
  const sizes: [number, number][] = [[1, 1], [16, 16], [32, 20], [300, 200], [1200, 630], [512, 512], [64, 900]];
  for (const mode of ['cover', 'contain', 'stretch'] as FitMode[]) {
    for (const [w, h] of sizes) {
      it(`${mode} ${w}×${h} decodes to exactly ${w}×${h}`, async () => {
        const asset = await renderAsset(source, { width: w, height: h, format: 'png', fit: mode });
        const d = await decode(asset.bytes);
        assert.equal(d.format, 'png');
        assert.deepEqual([d.width, d.height, asset.width, asset.height], [w, h, w, h]);
      });
    }
  }

  it('reports the scale factor and warns only when upscaling', async () => {
    const down = await renderAsset(source, { width: 256, height: 256, format: 'png', fit: 'cover' });
    assert.equal(down.scale, 0.5);
    assert.equal(down.warnings.length, 0);
    const up = await renderAsset(source, { width: 1200, height: 630, format: 'png', fit: 'cover' });
    assert.ok(Math.abs((up.scale ?? 0) - 1200 / 512) < 1e-9);
    assert.match(up.warnings.join('\n'), /upscaled 2\.34×/);
  });

  it('contain keeps the whole disc and pads; cover crops', async () => {
    const contain = await decode((await renderAsset(source, { width: 400, height: 200, format: 'png', fit: 'contain' })).bytes);
    assert.deepEqual(pixel(contain, 5, 100).slice(0, 3), [255, 255, 255]);
    const centre = pixel(contain, 200, 100);
    assert.ok(Math.abs(centre[1]! - 160) < 6, `centre ${centre}`);
  });

  it('rejects bad sizes with clear errors', async () => {
    for (const [w, h, re] of [[0, 10, /≥ 1/], [-5, 10, /≥ 1/], [Number.NaN, 10, /must be a number/], [9000, 10, /8192/], [8000, 8000, /40 MP/], [10.5, 10, /whole number/]] as const) {
      await assert.rejects(renderAsset(source, { width: w, height: h, format: 'png' }), re);
    }
  });
});

describe('image: icon transparency', () => {
  it('removes a plain background: alpha present, corners transparent, subject opaque and re-centred', async () => {
    const asset = await renderAsset(discImage(512, 512, GREEN, WHITE), { width: 64, height: 64, format: 'png', transparent: true }, { prompt: 'a green circle on white', kind: 'icon', generator: 'test' });
    const d = await decode(asset.bytes);
    assert.equal(d.channels, 4);
    for (const [x, y] of [[0, 0], [63, 0], [0, 63], [63, 63]] as const) assert.equal(pixel(d, x, y)[3], 0, `corner ${x},${y}`);
    const centre = pixel(d, 32, 32);
    assert.equal(centre[3], 255);
    assert.ok(Math.abs(centre[1]! - 160) < 6);
    // Trimmed and padded: the disc spans the canvas minus 8% padding on each side (5 px at 64).
    assert.equal(pixel(d, 32, 3)[3], 0);
    assert.ok(pixel(d, 32, 7)[3]! > 200, `top of disc ${pixel(d, 32, 7)}`);
    assert.deepEqual(asset.warnings, []);
  });

  it('feathers the cut: a thin ring of partly transparent pixels, no hard jagged edge', async () => {
    const asset = await renderAsset(discImage(512, 512, GREEN, WHITE), { width: 512, height: 512, format: 'png', transparent: true });
    const d = await decode(asset.bytes);
    let partial = 0;
    for (let i = 3; i < d.data.length; i += 4) if (d.data[i]! > 0 && d.data[i]! < 255) partial++;
    // The disc's circumference at this size is ~2.7k px; a 1–2 px soft edge gives a few thousand partial pixels.
    assert.ok(partial > 1000 && partial < 12000, `partial alpha pixels: ${partial}`);
  });

  it('an icon enlarges its trimmed subject without warning; a canvas larger than the generated image still warns', async () => {
    // The disc is ~308 px of the 512 px image; filling 84% of a 512 px icon enlarges it ~1.4×.
    const icon = await renderAsset(discImage(512, 512, GREEN, WHITE), { width: 512, height: 512, format: 'png', transparent: true });
    assert.ok((icon.scale ?? 0) > 1.3, `subject scale ${icon.scale}`);
    assert.deepEqual(icon.warnings, []);
    const big = await renderAsset(discImage(512, 512, GREEN, WHITE), { width: 1024, height: 1024, format: 'png', transparent: true });
    assert.deepEqual(big.warnings, ['upscaled 2.00× (512×512 → 1024×1024): fine detail will look soft; a smaller output size keeps it sharp']);
  });

  it('refuses to cut a background split in two colours (no half-cut alpha)', async () => {
    const img = discImage(256, 256, GREEN, WHITE);
    for (let y = 0; y < 256; y++) for (let x = 128; x < 256; x++) if (img.data[(y * 256 + x) * 3] === 255) img.data.fill(30, (y * 256 + x) * 3, (y * 256 + x) * 3 + 3);
    const asset = await renderAsset(img, { width: 64, height: 64, format: 'png', transparent: true });
    assert.equal((await decode(asset.bytes)).channels, 3);
    assert.match(asset.warnings[0] ?? '', /background not removed: only \d+% of the border matches/);
  });

  it('keeps a busy background opaque and says why', async () => {
    const asset = await renderAsset(noiseImage(256, 256), { width: 64, height: 64, format: 'png', transparent: true });
    const d = await decode(asset.bytes);
    assert.equal(d.channels, 3);
    assert.match(asset.warnings.join('\n'), /background not removed: only \d+% of the border matches/);
  });
});
