// `nanoforge generate --init-image / --strength / --keep-alpha / --layout` and `nanoforge variations`
// end to end: real processes, real onnxruntime and sharp on the oracle image-to-image model. Every bad
// input is one line on stderr, exit code 1, and nothing written.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { ensureFixtures, type Fixtures } from '../fixtures/models';
import { readMetadata } from '../../src/inference';
import { variationPaths } from '../../src/cli/commands/variations';
import { runCli, type CliRun } from './cli-helpers';

async function pixel(file: string, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  return [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x + 1) * info.channels)];
}

/** Exit 1 and one line on stderr starting with `nanoforge <command>: `. */
function oneLine(r: CliRun, command: string, message: RegExp): void {
  assert.equal(r.code, 1, `exit code; stderr: ${r.stderr}`);
  assert.equal(r.stderr.split('\n').length, 1, `one line: ${r.stderr}`);
  assert.ok(r.stderr.startsWith(`nanoforge ${command}: `), r.stderr);
  assert.match(r.stderr, message);
  assert.equal(r.stdout, '');
}

describe('nanoforge generate --init-image and nanoforge variations (CLI)', function () {
  this.timeout(180_000);
  let fx: Fixtures;
  let tmp: string;
  let model: string;

  before(async () => {
    fx = await ensureFixtures();
    model = fx.path('oracle-img2img');
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nanoforge-cli-i2i-'));
  });
  after(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  /** The files in `dir` (names), to prove a refusal wrote nothing. */
  const listing = async (dir: string): Promise<string[]> => (await fs.readdir(dir)).sort();

  it('generate --init-image: the result follows the start image, at its size, with the strength stored', async () => {
    const dir = path.join(tmp, 'generate');
    await fs.mkdir(dir);
    // Left half red, right half white, 96×64.
    const start = path.join(dir, 'start.png');
    const raw = Buffer.alloc(96 * 64 * 3);
    for (let p = 0; p < 96 * 64; p++) raw.set(p % 96 < 48 ? [220, 30, 30] : [255, 255, 255], p * 3);
    await sharp(raw, { raw: { width: 96, height: 64, channels: 3 } }).png().toFile(start);
    const out = path.join(dir, 'blue.png');
    const r = await runCli(['generate', 'a blue apple', '--model', model, '--init-image', start, '--strength', '0.5', '--steps', '4', '--seed', '3', '--out', out, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { width: number; height: number; strength: number; files: string[]; timings: Record<string, number> };
    assert.deepEqual([summary.width, summary.height, summary.strength, summary.files], [96, 64, 0.5, [out]]);
    assert.equal(typeof summary.timings.encode, 'number', 'the encode stage is timed');
    assert.deepEqual((await sharp(out).metadata()).width, 96);
    // Euler 4 × 0.5 on the oracle keeps P = 0.357 of the start image (test/fixtures/README.md): each
    // channel decodes to P·(2c/255 − 1) + (1 − P)·(2t/255 − 1) for start colour c and blue t.
    const blend = (c: number[]): number[] => c.map((v, i) => ((0.357 * (2 * v / 255 - 1) + 0.643 * (i === 2 ? 1 : -1) + 1) / 2) * 255);
    for (const [x, colour] of [[10, [220, 30, 30]], [80, [255, 255, 255]]] as const) {
      const got = await pixel(out, x, 32);
      assert.ok(blend([...colour]).every((v, c) => Math.abs(v - (got[c] ?? NaN)) <= 2), `at x ${x}: ${got} vs ${blend([...colour]).map((v) => v.toFixed(1))}`);
    }
    const meta = readMetadata(await fs.readFile(out));
    assert.deepEqual([meta?.prompt, meta?.strength, meta?.steps], ['a blue apple', 0.5, 4]);
  });

  it('generate --layout draws the wireframe as the start image of a mockup (kind implied)', async () => {
    const dir = path.join(tmp, 'layout');
    await fs.mkdir(dir);
    const out = path.join(dir, 'dashboard.png');
    const r = await runCli(['generate', 'an analytics dashboard', '--model', model, '--layout', 'header; sidebar | grid 3x2; footer', '--size', '768x512', '--seed', '1', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    const meta = readMetadata(await fs.readFile(out));
    assert.deepEqual([meta?.kind, meta?.layout, meta?.width, meta?.height], ['mockup', 'header; sidebar | grid 3x2; footer', 768, 512]);
    // The header band (light grey fill) and the sidebar (another fill) stay distinct.
    assert.notDeepEqual(await pixel(out, 384, 25), await pixel(out, 90, 250));
  });

  it('variations: name-v1.png … beside the file, its size and format, the stored prompt, numbers already taken skipped', async () => {
    const dir = path.join(tmp, 'variations');
    await fs.mkdir(dir);
    const icon = path.join(dir, 'cart icon.png');
    const made = await runCli(['generate', 'a red cart', '--model', model, '--kind', 'icon', '--size', '48', '--seed', '2', '--out', icon]);
    assert.equal(made.code, 0, made.stderr);
    await fs.writeFile(path.join(dir, 'cart icon-v2.png'), 'taken');
    const r = await runCli(['variations', icon, '--count', '2', '--model', model, '--seed', '40', '--strength', '0.5', '--steps', '4', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { files: string[]; prompt: string; promptFrom: string; seeds: number[]; strength: number; width: number; height: number };
    assert.deepEqual(summary.files, [path.join(dir, 'cart icon-v1.png'), path.join(dir, 'cart icon-v3.png')]);
    assert.deepEqual([summary.prompt, summary.promptFrom, summary.seeds, summary.strength, summary.width, summary.height], ['a red cart', 'metadata', [40, 41], 0.5, 48, 48]);
    for (const file of summary.files) {
      const meta = readMetadata(await fs.readFile(file));
      assert.deepEqual([meta?.prompt, meta?.kind, meta?.strength, meta?.width, meta?.height], ['a red cart', 'icon', 0.5, 48, 48]);
    }
    assert.equal(await fs.readFile(path.join(dir, 'cart icon-v2.png'), 'utf8'), 'taken', 'an existing file is never replaced');
    // A JPEG without metadata needs --prompt, and its variations are JPEGs of its size.
    const photo = path.join(dir, 'photo.jpg');
    await sharp({ create: { width: 80, height: 48, channels: 3, background: { r: 20, g: 120, b: 40 } } }).jpeg().toFile(photo);
    oneLine(await runCli(['variations', photo, '--model', model]), 'variations', /photo\.jpg has no prompt stored by Nanoforge; say what it shows with --prompt "…"$/);
    const jpeg = await runCli(['variations', photo, '--prompt', 'a white field', '--model', model, '--seed', '1']);
    assert.equal(jpeg.code, 0, jpeg.stderr);
    assert.equal(jpeg.stdout.trim(), path.join(dir, 'photo-v1.jpg'));
    const info = await sharp(path.join(dir, 'photo-v1.jpg')).metadata();
    assert.deepEqual([info.format, info.width, info.height], ['jpeg', 80, 48]);
    // A GIF cannot be written back: its variations are PNGs, said in a warning.
    const gif = path.join(dir, 'anim.gif');
    await sharp({ create: { width: 16, height: 16, channels: 3, background: 'red' } }).gif().toFile(gif);
    const fromGif = await runCli(['variations', gif, '--prompt', 'a red square', '--model', model]);
    assert.equal(fromGif.code, 0, fromGif.stderr);
    assert.equal(fromGif.stdout.trim(), path.join(dir, 'anim-v1.png'));
    assert.match(fromGif.stderr, /warning: .*anim\.gif: Nanoforge does not write \.gif; the variations are PNG/);
    assert.deepEqual(variationPaths(path.join(dir, 'anim.gif'), 'png', 2), [path.join(dir, 'anim-v2.png'), path.join(dir, 'anim-v3.png')]);
  });

  it('bad start images: missing, a folder, not an image, animated, huge — one line naming the file, nothing written', async () => {
    const dir = path.join(tmp, 'bad');
    await fs.mkdir(dir);
    const out = path.join(dir, 'out.png');
    const generate = (file: string): Promise<CliRun> => runCli(['generate', 'x', '--model', model, '--init-image', file, '--out', out]);
    oneLine(await generate(path.join(dir, 'missing.png')), 'generate', /start image .*missing\.png does not exist; check the path$/);
    oneLine(await generate(dir), 'generate', /start image .*bad is a folder; give an image file$/);
    const text = path.join(dir, 'notes.png');
    await fs.writeFile(text, 'not an image at all');
    oneLine(await generate(text), 'generate', /start image .*notes\.png is not an image Nanoforge can read \(PNG, JPEG, WebP, AVIF, GIF, SVG, ICO or BMP\)/);
    const frame = (c: string) => sharp({ create: { width: 8, height: 8, channels: 3, background: c } }).png().toBuffer();
    const anim = path.join(dir, 'spinner.gif');
    await fs.writeFile(anim, await sharp([await frame('red'), await frame('blue')], { join: { animated: true } }).gif().toBuffer());
    oneLine(await generate(anim), 'generate', /start image .*spinner\.gif is animated \(2 frames\); image-to-image starts from one still image: save the frame you want as PNG$/);
    const huge = path.join(dir, 'banner.png');
    await sharp({ create: { width: 9000, height: 2, channels: 3, background: 'white' } }).png().toFile(huge);
    oneLine(await generate(huge), 'generate', /start image .*banner\.png is 9000×2 px; start images may be at most 8192 px a side \(save a smaller copy\)$/);
    oneLine(await runCli(['variations', anim, '--prompt', 'p', '--model', model]), 'variations', /start image .*spinner\.gif is animated/);
    oneLine(await runCli(['variations', path.join(dir, 'gone.png'), '--model', model]), 'variations', /start image .*gone\.png does not exist/);
    assert.deepEqual(await listing(dir), ['banner.png', 'notes.png', 'spinner.gif']);
  });

  it('bad options: strength out of range or without a start image, a start image with a layout, a bad layout, a model without encoder — one line, nothing written', async () => {
    const dir = path.join(tmp, 'options');
    await fs.mkdir(dir);
    const start = path.join(dir, 'start.png');
    await sharp({ create: { width: 16, height: 16, channels: 3, background: 'red' } }).png().toFile(start);
    const out = path.join(dir, 'out.png');
    const generate = (...args: string[]): Promise<CliRun> => runCli(['generate', 'x', '--model', model, '--out', out, ...args]);
    oneLine(await generate('--init-image', start, '--strength', '0'), 'generate', /--strength must be a number greater than 0 and at most 1, got '0'\.$/);
    oneLine(await generate('--init-image', start, '--strength', '1.5'), 'generate', /--strength must be a number greater than 0 and at most 1, got '1\.5'\.$/);
    oneLine(await generate('--strength', '0.5'), 'generate', /--strength applies to image-to-image: give a start image with --init-image FILE \(or a mockup layout with --layout "…"\) as well\.$/);
    oneLine(await generate('--keep-alpha'), 'generate', /--keep-alpha applies to image-to-image/);
    oneLine(await generate('--init-image', start, '--layout', 'header'), 'generate', /--layout draws its own start image; give either --init-image or --layout, not both\.$/);
    oneLine(await generate('--layout', 'header; sidebr'), 'generate', /--layout: unknown region "sidebr" at row 2, region 1; valid regions: header/);
    oneLine(await generate('--init-image', start, '--strength', '0.3', '--steps', '2'), 'generate', /strength 0\.3 with 2 steps runs no denoising step: steps × strength must be ≥ 1 \(int\(2 × 0\.3\) = 0\); use strength ≥ 0\.5 or at least 4 steps\.$/);
    oneLine(await runCli(['variations', start, '--prompt', 'p', '--model', model, '--strength', '-1']), 'variations', /--strength must be a number greater than 0 and at most 1, got '-1'\.$/);
    oneLine(await runCli(['generate', 'x', '--model', fx.path('oracle-fp32'), '--init-image', start, '--out', out]), 'generate',
      /oracle-fp32\/vae_encoder: is missing \(and so is vae_encoder_tiny\/\): image-to-image needs an encoder; use an export that includes vae_encoder\/ \(optimum exports do\) or add a TAESD-class vae_encoder_tiny\/$/);
    oneLine(await runCli(['variations', start, '--prompt', 'p', '--model', fx.path('oracle-fp32')]), 'variations', /oracle-fp32\/vae_encoder: is missing/);
    assert.deepEqual(await listing(dir), ['start.png']);
  });
});
