// Assets made from real generated pixels: the oracle model decodes "a green circle on white" to a
// green (0,128,0) disc of radius 0.3·min(W,H) on white, through real onnxruntime.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { generateAsset, loadPipeline, readIco, readMetadata, writeIconSet, type Pipeline } from '../../src/inference';
import { ensureFixtures } from '../fixtures/models';
import { decode, pixel } from './image-helpers';

describe('image: assets from the oracle model', function () {
  this.timeout(120_000);
  let pipeline: Pipeline;
  before(async () => {
    const fixtures = await ensureFixtures();
    pipeline = await loadPipeline(fixtures.path('oracle-fp32'), { device: 'cpu' });
  });
  after(async () => {
    await pipeline?.dispose();
  });

  it('icon PNG: alpha present, corners transparent, green subject centred, metadata stored', async () => {
    const result = await generateAsset(pipeline, { prompt: 'a green circle on white', kind: 'icon', output: { width: 64, height: 64, format: 'png' }, seed: 5, steps: 2 });
    assert.equal(result.candidates.length, 1);
    const asset = result.candidates[0]!;
    assert.deepEqual(asset.warnings, []);
    const d = await decode(asset.bytes);
    assert.deepEqual([d.width, d.height, d.channels], [64, 64, 4]);
    for (const [x, y] of [[0, 0], [63, 0], [0, 63], [63, 63]] as const) assert.equal(pixel(d, x, y)[3], 0);
    assert.deepEqual(pixel(d, 32, 32), [0, 128, 0, 255]);
    const meta = readMetadata(asset.bytes);
    assert.equal(meta?.prompt, 'a green circle on white');
    assert.equal(meta?.kind, 'icon');
    assert.equal(meta?.seed, 5);
    assert.equal(meta?.modelId, pipeline.info.modelId);
    assert.ok(result.timings.postprocess !== undefined);
  });

  it('plans a wide social card at the nearest native aspect and fits it exactly', async () => {
    const result = await generateAsset(pipeline, { prompt: 'a green circle on white', kind: 'illustration', output: { width: 1200, height: 630, format: 'jpeg' }, seed: 1, steps: 1 });
    const asset = result.candidates[0]!;
    const d = await decode(asset.bytes);
    assert.deepEqual([d.width, d.height], [1200, 630]);
    assert.match(asset.warnings.join('\n'), /upscaled 1\.\d\d×/);
    const c = pixel(d, 600, 315);
    assert.ok(c[0]! < 12 && Math.abs(c[1]! - 128) < 12 && c[2]! < 12, `centre ${c}`);
  });

  it('ICO and SVG icons from the same generation', async () => {
    const ico = (await generateAsset(pipeline, { prompt: 'a green circle on white', kind: 'icon', output: { width: 48, height: 48, format: 'ico' }, seed: 2, steps: 1 })).candidates[0]!;
    assert.deepEqual(readIco(ico.bytes).map((e) => e.width), [16, 32, 48]);
    const svg = (await generateAsset(pipeline, { prompt: 'a green circle on white', kind: 'icon', output: { width: 128, height: 128, format: 'svg' }, seed: 2, steps: 1 })).candidates[0]!;
    const text = Buffer.from(svg.bytes).toString('utf8');
    assert.ok((text.match(/<path /g) ?? []).length <= 10, 'flat disc traces to a handful of paths');
    const r = await decode(await sharp(svg.bytes).png().toBuffer());
    assert.equal(pixel(r, 0, 0)[3], 0);
    assert.deepEqual(pixel(r, 64, 64), [0, 128, 0, 255]);
  });

  it('an icon set written into a folder: every file decodes at its size', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'nf-iconset-'));
    try {
      const image = (await pipeline.generate({ prompt: 'a green circle on white', width: 512, height: 512, steps: 1, guidanceScale: 0, seed: 3, count: 1 })).images[0]!;
      const set = await writeIconSet(image, root, 'public', { appName: 'Demo', metadata: { prompt: 'a green circle on white', generator: 'test' } });
      const names = set.files.map((f) => path.basename(f));
      assert.deepEqual(names, ['favicon.ico', 'favicon-16x16.png', 'favicon-32x32.png', 'apple-touch-icon.png', 'android-chrome-192x192.png', 'android-chrome-512x512.png', 'site.webmanifest']);
      for (const [name, size, channels] of [['favicon-16x16.png', 16, 4], ['favicon-32x32.png', 32, 4], ['apple-touch-icon.png', 180, 3], ['android-chrome-192x192.png', 192, 4], ['android-chrome-512x512.png', 512, 4]] as const) {
        const d = await decode(await fs.readFile(path.join(root, 'public', name)));
        assert.deepEqual([d.width, d.height, d.channels], [size, size, channels], name);
      }
      const apple = await decode(await fs.readFile(path.join(root, 'public/apple-touch-icon.png')));
      assert.deepEqual(pixel(apple, 0, 0), [255, 255, 255], 'apple-touch-icon is opaque on the background colour');
      const manifest = JSON.parse(await fs.readFile(path.join(root, 'public/site.webmanifest'), 'utf8')) as { icons: { src: string }[] };
      assert.deepEqual(manifest.icons.map((i) => i.src), ['/android-chrome-192x192.png', '/android-chrome-512x512.png']);
      assert.match(set.html, /<link rel="icon" href="\/favicon.ico" sizes="48x48">/);
      assert.match(set.html, /<link rel="apple-touch-icon" sizes="180x180" href="\/apple-touch-icon.png">/);
      const again = await writeIconSet(image, root, 'public', {});
      assert.match(again.html, /href="\/favicon-1\.ico"/, 'a second run never overwrites; the snippet names the new files');
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});
