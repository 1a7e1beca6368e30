// Assets made from real generated pixels: the oracle model decodes "a green circle on white" to a
// green (0,128,0) disc of radius 0.3·min(W,H) on white, through real onnxruntime.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { generateAsset, loadPipeline, readIco, readMetadata, writeIconSet, type Pipeline } from '../../src/inference';
import { ICON_SET_FILE_NAMES } from '../../src/inference/image';
import type { RgbImage } from '../../src/inference/types';
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
    const result = await generateAsset(pipeline, { prompt: 'a green circle on white', kind: 'icon', width: 64, height: 64, format: 'png', seed: 5, steps: 2 });
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
    const result = await generateAsset(pipeline, { prompt: 'a green circle on white', kind: 'illustration', width: 1200, height: 630, format: 'jpeg', seed: 1, steps: 1 });
    const asset = result.candidates[0]!;
    const d = await decode(asset.bytes);
    assert.deepEqual([d.width, d.height], [1200, 630]);
    assert.match(asset.warnings.join('\n'), /upscaled 1\.\d\d×/);
    const c = pixel(d, 600, 315);
    assert.ok(c[0]! < 12 && Math.abs(c[1]! - 128) < 12 && c[2]! < 12, `centre ${c}`);
  });

  it('the 768×512 illustration default runs at 768×512 on the 512-px model: no upscale warning', async () => {
    const result = await generateAsset(pipeline, { prompt: 'a green circle on white', kind: 'illustration', width: 768, height: 512, format: 'png', seed: 1, steps: 1 });
    const asset = result.candidates[0]!;
    assert.equal(pipeline.info.nativeSize, 512);
    assert.deepEqual([asset.width, asset.height], [768, 512]);
    assert.deepEqual([...result.warnings, ...asset.warnings], []);
    assert.equal(asset.scale ?? 1, 1, 'generated at the output size');
    const d = await decode(asset.bytes);
    assert.deepEqual(pixel(d, 384, 256), [0, 128, 0]);
  });

  it('ICO and SVG icons from the same generation', async () => {
    const ico = (await generateAsset(pipeline, { prompt: 'a green circle on white', kind: 'icon', width: 48, height: 48, format: 'ico', seed: 2, steps: 1 })).candidates[0]!;
    assert.deepEqual(readIco(ico.bytes).map((e) => e.width), [16, 32, 48]);
    const svg = (await generateAsset(pipeline, { prompt: 'a green circle on white', kind: 'icon', width: 128, height: 128, format: 'svg', seed: 2, steps: 1 })).candidates[0]!;
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
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });

  describe('an icon set is written whole or not at all', () => {
    let root: string;
    let image: RgbImage;
    const listing = async (): Promise<string[]> => (await fs.readdir(path.join(root, 'public'))).sort();
    const contents = async (): Promise<string[]> =>
      Promise.all((await listing()).map(async (n) => `${n}:${(await fs.stat(path.join(root, 'public', n))).isDirectory() ? 'dir' : (await fs.readFile(path.join(root, 'public', n))).toString('base64')}`));
    before(async () => {
      image = (await pipeline.generate({ prompt: 'a green circle on white', width: 512, height: 512, steps: 1, guidanceScale: 0, seed: 3, count: 1 })).images[0]!;
    });
    beforeEach(async () => {
      root = await fs.mkdtemp(path.join(os.tmpdir(), 'nf-iconset-'));
    });
    afterEach(async () => {
      await fs.rm(root, { recursive: true, force: true });
    });

    it('a second run refuses, naming every existing file, and changes nothing; --force replaces the set under the same names', async () => {
      await writeIconSet(image, root, 'public', {});
      const first = await contents();
      await assert.rejects(writeIconSet(image, root, 'public', { appName: 'Other' }), (e: Error) => {
        assert.equal(e.name, 'IconSetExistsError');
        assert.equal(e.message, `${ICON_SET_FILE_NAMES.map((n) => path.join('public', n)).join(', ')} already exist; pass --force to replace the whole icon set.`);
        return true;
      });
      assert.deepEqual(await contents(), first);
      const forced = await writeIconSet(image, root, 'public', { appName: 'Other', force: true });
      assert.deepEqual(forced.files.map((f) => path.basename(f)), [...ICON_SET_FILE_NAMES]);
      assert.deepEqual(await listing(), [...ICON_SET_FILE_NAMES].sort(), 'no favicon-1.ico, no temp files');
      assert.match(forced.html, /href="\/favicon\.ico"/);
      const manifest = JSON.parse(await fs.readFile(path.join(root, 'public/site.webmanifest'), 'utf8')) as { name: string };
      assert.equal(manifest.name, 'Other');
    });

    it('one leftover file of a set is enough to refuse, and nothing else is written', async () => {
      await fs.mkdir(path.join(root, 'public'));
      await fs.writeFile(path.join(root, 'public/site.webmanifest'), '{}');
      await assert.rejects(writeIconSet(image, root, 'public', {}), { name: 'IconSetExistsError', message: `${path.join('public', 'site.webmanifest')} already exists; pass --force to replace the whole icon set.` });
      assert.deepEqual(await listing(), ['site.webmanifest']);
    });

    it('a failure while publishing with --force puts the previous set back and leaves no temp files', async () => {
      await fs.mkdir(path.join(root, 'public'));
      for (const name of ICON_SET_FILE_NAMES.slice(0, 3)) await fs.writeFile(path.join(root, 'public', name), `old ${name}`);
      // A folder where the 512 px PNG goes: the rename onto it fails after five files were published.
      await fs.mkdir(path.join(root, 'public/android-chrome-512x512.png'));
      const before = await contents();
      await assert.rejects(writeIconSet(image, root, 'public', { force: true }), /EISDIR|ENOTEMPTY|EEXIST|directory/i);
      assert.deepEqual(await contents(), before);
    });
  });
});
