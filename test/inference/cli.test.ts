// `nanoforge generate` end to end (a real process, real onnxruntime and sharp on the oracle model),
// plus the shared argument parser and progress bar.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { ensureFixtures, type Fixtures } from '../fixtures/models';
import { CliUsageError, numberOption, parseCommandLine } from '../../src/cli/args';
import { createProgressBar } from '../../src/cli/progress';
import { outputPaths } from '../../src/cli/commands/generate';
import { CLI_MAIN, runCli, type CliRun } from './cli-helpers';

function nanoforge(args: string[]): Promise<CliRun> {
  return runCli(args);
}

async function meanOf(file: string): Promise<{ mean: number[]; width: number; height: number }> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const mean = [0, 1, 2].map((ch) => data.reduce((s, v, i) => (i % 3 === ch ? s + v : s), 0) / (data.length / 3));
  return { mean, width: info.width, height: info.height };
}

describe('nanoforge generate (CLI)', function () {
  this.timeout(120_000);
  let fx: Fixtures;
  let tmp: string;

  before(async function () {
    this.timeout(180_000);
    fx = await ensureFixtures();
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nanoforge-cli-'));
  });

  after(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('--json prints one object with device, fallbacks, seed, stage timings and files', async () => {
    const out = path.join(tmp, 'json', 'yellow.png');
    await fs.mkdir(path.dirname(out));
    const r = await nanoforge(['generate', 'a yellow circle', '--model', fx.path('oracle-fp32'), '--out', out,
      '--size', '128x96', '--steps', '2', '--seed', '11', '--guidance', '0', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    const summary = JSON.parse(lines[0]!) as Record<string, unknown> & { timings: Record<string, number>; fallbacks: Array<{ provider: string; reason: string }> };
    assert.equal(summary.device, 'cpu');
    assert.deepEqual(summary.fallbacks.map((f) => f.provider), ['webgpu', 'cuda']);
    assert.ok(summary.fallbacks.every((f) => f.reason.length > 10));
    // Without the Vulkan loader the WebGPU probe is skipped, so Dawn's "Couldn't load Vulkan" lines never appear.
    assert.equal(summary.fallbacks[0]?.reason, 'WebGPU needs the Vulkan loader (libvulkan.so.1), which is not installed');
    assert.doesNotMatch(r.stderr, /Vulkan|BackendVk|Dawn/);
    assert.equal(summary.seed, 11);
    assert.deepEqual(summary.files, [out]);
    for (const key of ['load', 'tokenize', 'textEncoder', 'unet', 'unet.0', 'unet.1', 'decode', 'postprocess', 'write', 'total']) {
      assert.equal(typeof summary.timings[key], 'number', key);
    }
    const png = await meanOf(out);
    assert.deepEqual([png.width, png.height], [128, 96]);
    assert.ok(Math.abs(png.mean[0]! - 255) < 2 && Math.abs(png.mean[1]! - 255) < 2 && png.mean[2]! < 2, png.mean.join(','));
  });

  it('--count 2 writes name-1 and name-2 with consecutive seeds, and never overwrites without --force', async () => {
    const out = path.join(tmp, 'batch.png');
    const args = ['generate', 'blue', '--model', fx.path('oracle-fp16'), '--out', out, '--size', '64x64', '--steps', '1', '--seed', '7',
      '--count', '2', '--scheduler', 'lcm', '--device', 'cpu', '--json'];
    const first = await nanoforge(args);
    assert.equal(first.code, 0, first.stderr);
    const files = [path.join(tmp, 'batch-1.png'), path.join(tmp, 'batch-2.png')];
    assert.deepEqual((JSON.parse(first.stdout) as { files: string[]; seeds: number[] }).files, files);
    assert.deepEqual((JSON.parse(first.stdout) as { seeds: number[] }).seeds, [7, 8]);
    assert.ok(files.every((f) => existsSync(f)) && !existsSync(out));
    const before = await fs.stat(files[0]!);
    const again = await nanoforge(args);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, `nanoforge generate: ${files.join(', ')} already exists; pass --force to overwrite.`);
    assert.equal((await fs.stat(files[0]!)).mtimeMs, before.mtimeMs);
    const forced = await nanoforge([...args, '--force', '--seed', '9']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.deepEqual((JSON.parse(forced.stdout) as { files: string[] }).files, files);
  });

  it('--out into folders that do not exist yet creates them', async () => {
    const out = path.join(tmp, 'new', 'deeper', 'n.png');
    const r = await nanoforge(['generate', 'red', '--model', fx.path('oracle-fp32'), '--out', out, '--size', '32x32', '--steps', '1', '--device', 'cpu']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), out);
    assert.deepEqual((await meanOf(out)).mean.map(Math.round), [255, 0, 0]);
  });

  it('<command> --help prints that command\'s usage and exits 0', async () => {
    for (const command of ['generate', 'placeholder', 'icons', 'info']) {
      const r = await nanoforge([command, '--help']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^Usage: nanoforge ${command} `));
    }
  });

  it('stops quietly when the reader of stdout goes away (nanoforge info … | head -1)', async () => {
    const png = path.join(tmp, 'pipe.png');
    await sharp({ create: { width: 4, height: 4, channels: 3, background: '#ff0000' } }).png().toFile(png);
    const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), CLI_MAIN, 'info', ...Array.from({ length: 400 }, () => png)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.doesNotMatch(stderr, /EPIPE|Unhandled/);
    assert.equal(code, 0);
  });

  const failures: Array<[string, string[], RegExp]> = [
    ['no prompt', ['--out', 'x.png'], /a prompt is required/],
    ['an unknown option', ['red', '--model', 'm', '--out', 'x.png', '--bogus'], /Unknown option '--bogus'.*Options: --model/],
    ['a bad size', ['red', '--model', 'M', '--out', 'x.png', '--size', 'big'], /size must look like WIDTHxHEIGHT/],
    ['zero steps', ['red', '--model', 'M', '--out', 'x.png', '--steps', '0'], /--steps must be an integer from 1 to 100, got '0'/],
    ['a bad seed', ['red', '--model', 'M', '--out', 'x.png', '--seed', '4294967296'], /--seed must be an integer from 0 to 4294967295, got '4294967296'/],
    ['a negative seed', ['red', '--model', 'M', '--out', 'x.png', '--seed', '-4'], /--seed must be an integer from 0 to 4294967295, got '-4' \(leave --seed out for a random seed\)\.$/],
    ['a fractional seed', ['red', '--model', 'M', '--out', 'x.png', '--seed=1.5'], /--seed must be an integer from 0 to 4294967295, got '1\.5'/],
    ['a negative size', ['red', '--model', 'M', '--out', 'x.png', '--size', '-5'], /size: width must be a whole number of pixels ≥ 1, got -5/],
    ['an unknown scheduler', ['red', '--model', 'M', '--out', 'x.png', '--scheduler', 'pndm'], /--scheduler must be one of euler, euler-ancestral, lcm, ddim/],
    ['an unknown device', ['red', '--model', 'M', '--out', 'x.png', '--device', 'tpu'], /--device must be one of auto, cpu/],
    ['an unknown image extension', ['red', '--model', 'M', '--out', 'x.bmp'], /unsupported image extension '\.bmp'/],
    ['a missing model folder', ['red', '--model', '/no/such/model', '--out', 'x.png'], /\/no\/such\/model: the model folder does not exist/],
  ];
  for (const [what, args, message] of failures) {
    it(`exits 1 with a one-line reason for ${what}`, async () => {
      const r = await nanoforge(['generate', ...args.map((a) => (a === 'x.png' || a === 'x.bmp' ? path.join(tmp, a) : a))]);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /^nanoforge generate: /);
      assert.match(r.stderr, message);
    });
  }

  it('a broken model folder exits 1 naming the file', async () => {
    const dir = path.join(tmp, 'broken');
    await fs.cp(fx.path('oracle-fp32'), dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'unet', 'model.onnx'), 'nope');
    const r = await nanoforge(['generate', 'red', '--model', dir, '--out', path.join(tmp, 'b.png'), '--device', 'cpu']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^nanoforge generate: .*broken\/unet\/model\.onnx: cannot be loaded as an ONNX model/);
    assert.equal(r.stderr.split('\n').length, 1);
  });

  describe('helpers', () => {
    it('numbers options to name-1 … name-N only for several images', () => {
      assert.deepEqual(outputPaths('/a/b.png', 1), ['/a/b.png']);
      assert.deepEqual(outputPaths('/a/b.v2.webp', 2), ['/a/b.v2-1.webp', '/a/b.v2-2.webp']);
    });

    it('parses options and range-checks numbers with the option in the message', () => {
      const parsed = parseCommandLine(['a', '--steps', '4', 'b', '--json'], { steps: 'string', json: 'boolean' });
      assert.deepEqual(parsed.positionals, ['a', 'b']);
      assert.equal(numberOption(parsed, 'steps', { min: 1, max: 8, integer: true }), 4);
      assert.throws(() => numberOption(parseCommandLine(['--steps', '2.5'], { steps: 'string' }), 'steps', { min: 1, max: 8, integer: true }),
        (e: Error) => e instanceof CliUsageError && /--steps must be an integer from 1 to 8, got '2.5'/.test(e.message));
    });

    it('draws a progress bar only on a terminal and clears it at the end', () => {
      const written: string[] = [];
      const stream = { isTTY: true, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
      const bar = createProgressBar('Generating', stream);
      bar.update(1, 4);
      bar.update(4, 4);
      bar.finish();
      assert.equal(written.length, 3);
      assert.match(written[0]!, /^\rGenerating █{7}░{21} 1\/4/);
      assert.match(written[1]!, /█{28} 4\/4/);
      assert.equal(written[2], '\r\u001b[K');
      const silent: string[] = [];
      const pipe = { isTTY: false, write: (s: string) => silent.push(s) } as unknown as NodeJS.WriteStream;
      createProgressBar('x', pipe).update(1, 2);
      assert.deepEqual(silent, []);
    });
  });
});
