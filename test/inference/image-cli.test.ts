// The asset commands of the `nanoforge` CLI, run as real child processes from source (tsx).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readIco, readMetadata } from '../../src/inference/image';
import { ensureFixtures } from '../fixtures/models';
import { decode, pixel } from './image-helpers';

const MAIN = path.resolve(__dirname, '../../src/cli/main.ts');

function cli(cwd: string, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['-r', 'tsx/cjs', MAIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NODE_PATH: path.resolve(__dirname, '../../node_modules') } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('image: CLI placeholder / info / icons', function () {
  this.timeout(120_000);
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nf-cli-'));
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('placeholder writes the exact size, never overwrites, and info reads it back', async () => {
    const first = cli(dir, 'placeholder', '300x200', '--out', 'p.png', '--label', 'Hero', '--bg', '#336699');
    assert.equal(first.code, 0, first.stderr);
    const d = await decode(await fs.readFile(path.join(dir, 'p.png')));
    assert.deepEqual([d.width, d.height], [300, 200]);
    assert.deepEqual(pixel(d, 0, 0), [0x33, 0x66, 0x99]);
    const second = cli(dir, 'placeholder', '300x200', '--out', 'p.png');
    assert.match(second.stdout, /p-1\.png \(png, 300×200/);
    const info = cli(dir, 'info', 'p.png');
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /format:\s+png\nsize:\s+300×200, \d+ bytes\nkind:\s+placeholder/);
  });

  it('bad input exits 1 with one plain line and writes nothing', async () => {
    const before = await fs.readdir(dir);
    for (const [args, re] of [
      [['placeholder', '0x200', '--out', 'z.png'], /width must be a whole number of pixels ≥ 1, got 0/],
      [['placeholder', 'abcx200', '--out', 'z.png'], /size must look like WIDTHxHEIGHT/],
      [['placeholder', '30x20', '--out', 'z.gif'], /unsupported image extension '\.gif'/],
      [['placeholder', '30x20', '--out', '../z.png'], /refusing to write \.\.\/z\.png: it is outside .*--out must lie below the current folder \(cd to the project first\)\.\n$/],
      // Refused before the model is even loaded (the model path here does not exist).
      [['icons', 'a red star', '--model', '/no/such/model', '--out-dir', '../public'], /refusing to write \.\.\/public: it is outside .*--out-dir must lie below the current folder/],
      [['placeholder', '9000x20', '--out', 'z.png'], /above the maximum of 8192/],
      [['placeholder', '30x20', '--out', 'z.png', '--seed', '-1'], /--seed must be an integer from 0 to 4294967295, got '-1' \(leave --seed out for the default colour\)\.\n$/],
      [['info', 'missing.png'], /^nanoforge info: missing\.png: no such file\n$/],
      [['info', '.'], /^nanoforge info: \.: is a folder, not a file\n$/],
    ] as [string[], RegExp][]) {
      const r = cli(dir, ...args);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
    assert.deepEqual(await fs.readdir(dir), before);
  });

  it('icons writes the full set from the oracle model and prints the snippet', async () => {
    const model = (await ensureFixtures()).path('oracle-fp32');
    const r = cli(dir, 'icons', 'a green circle on white', '--model', model, '--out-dir', 'public', '--seed', '9', '--steps', '1', '--device', 'cpu', '--name', 'Demo');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /<link rel="manifest" href="\/site.webmanifest">/);
    const ico = await fs.readFile(path.join(dir, 'public/favicon.ico'));
    assert.deepEqual(readIco(ico).map((e) => e.width), [16, 32, 48]);
    const big = await fs.readFile(path.join(dir, 'public/android-chrome-512x512.png'));
    const d = await decode(big);
    assert.deepEqual([d.width, d.channels, pixel(d, 0, 0)[3]], [512, 4, 0]);
    assert.equal(readMetadata(big)?.seed, 9);
    const info = cli(dir, 'info', 'public/favicon.ico');
    assert.match(info.stdout, /format:\s+ico \(16x16, 32x32, 48x48\)[\s\S]*prompt:\s+a green circle on white[\s\S]*seed:\s+9/);
  });

  it('icons into a folder that has a set refuses before loading the model; --force replaces the whole set', async () => {
    const model = (await ensureFixtures()).path('oracle-fp32');
    const before = (await fs.readdir(path.join(dir, 'public'))).sort();
    assert.equal(before.length, 7, 'the previous test wrote a set');
    // The model path does not exist: the refusal must come first.
    const again = cli(dir, 'icons', 'a green circle on white', '--model', '/no/such/model', '--out-dir', 'public');
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^nanoforge icons: public\/favicon\.ico, public\/favicon-16x16\.png, .*public\/site\.webmanifest already exist; pass --force to replace the whole icon set\.\n$/);
    assert.deepEqual((await fs.readdir(path.join(dir, 'public'))).sort(), before);
    const forced = cli(dir, 'icons', 'a green circle on white', '--model', model, '--out-dir', 'public', '--seed', '10', '--steps', '1', '--device', 'cpu', '--force');
    assert.equal(forced.code, 0, forced.stderr);
    assert.deepEqual((await fs.readdir(path.join(dir, 'public'))).sort(), before, 'same names, no favicon-1.ico');
    assert.equal(readMetadata(await fs.readFile(path.join(dir, 'public/android-chrome-512x512.png')))?.seed, 10);
    assert.match(forced.stdout, /<link rel="icon" href="\/favicon\.ico" sizes="48x48">/);
  });
});
