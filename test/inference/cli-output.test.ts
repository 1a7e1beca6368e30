// What `nanoforge` prints on a normal run and with --verbose / --json, and the small things users type:
// `--size 512`, no `--kind`, an app name for the web manifest. Real child processes on the oracle model.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { shortName, SHORT_NAME_MAX } from '../../src/inference/image';
import { ensureFixtures } from '../fixtures/models';
import { runCli } from './cli-helpers';

describe('nanoforge CLI: output and everyday input', function () {
  this.timeout(120_000);
  let tmp: string;
  let model: string;

  before(async function () {
    this.timeout(300_000);
    model = (await ensureFixtures()).path('oracle-fp32');
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nanoforge-cli-out-'));
  });
  after(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  const generate = (name: string, ...extra: string[]) =>
    runCli(['generate', 'a green circle on white', '--model', model, '--out', path.join(tmp, name), '--steps', '1', '--seed', '4', ...extra]);

  it('a normal run says which device ran in one line, and how to see why the GPU providers were skipped; the first run of an unprepared model adds one tip', async () => {
    const env = { NANOFORGE_MODELS: path.join(tmp, 'store') };
    const run = () => runCli(['generate', 'a green circle on white', '--model', model, '--out', path.join(tmp, 'quiet.png'), '--steps', '1', '--seed', '4', '--size', '64', '--force'], { env });
    const first = await run();
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr.split('\n')[2] ?? '', /^tip: this model is not prepared for this machine yet.*nanoforge models prepare /);
    const r = await run();
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stderr.split('\n');
    assert.match(lines[0]!, /^device: cpu; seed 4; \d+ ms$/);
    // This machine has neither a Vulkan loader nor the CUDA libraries: auto skipped both.
    assert.deepEqual(lines.slice(1), ['skipped webgpu, cuda (run with --verbose to see why)'], 'the tip is shown once');
    assert.equal(r.stdout, `${path.join(tmp, 'quiet.png')}\n`);
  });

  it('--verbose gives each skipped provider with its reason; --device cpu skips nothing', async () => {
    const verbose = await generate('verbose.png', '--size', '64', '--verbose');
    assert.equal(verbose.code, 0, verbose.stderr);
    const skipped = verbose.stderr.split('\n').filter((l) => l.startsWith('skipped '));
    assert.deepEqual(skipped.map((l) => l.split(':')[0]), ['skipped webgpu', 'skipped cuda']);
    assert.match(skipped[0]!, /Vulkan loader \(libvulkan\.so\.1\)/);
    assert.match(skipped[1]!, /libonnxruntime_providers_cuda\.so not found; fetch them with: ONNXRUNTIME_NODE_INSTALL=cuda12 node .*onnxruntime-node\/script\/install\)$/);
    const cpu = await generate('cpu.png', '--size', '64', '--device', 'cpu');
    assert.match(cpu.stderr, /^device: cpu; seed 4; \d+ ms$/);
  });

  it('--size 512 is 512x512, for generate and placeholder', async () => {
    const r = await generate('square.png', '--size', '512');
    assert.equal(r.code, 0, r.stderr);
    const meta = await sharp(path.join(tmp, 'square.png')).metadata();
    assert.deepEqual([meta.width, meta.height], [512, 512]);
    const p = await runCli(['placeholder', '48', '--out', 'p.png'], { cwd: tmp });
    assert.equal(p.code, 0, p.stderr);
    assert.match(p.stdout, /p\.png \(png, 48×48, \d+ bytes\)/);
  });

  it('without --kind the prompt is used as written and no kind is stored; --kind icon stores it', async () => {
    const plain = await generate('plain.png', '--size', '64', '--json');
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal('kind' in (JSON.parse(plain.stdout) as object), false);
    const info = JSON.parse((await runCli(['info', path.join(tmp, 'plain.png'), '--json'])).stdout) as { metadata: Record<string, unknown>; hasAlpha: boolean };
    assert.equal(info.metadata.prompt, 'a green circle on white');
    assert.equal('kind' in info.metadata, false);
    assert.equal(info.hasAlpha, false, 'no kind: no background removal');
    const { data } = await sharp(path.join(tmp, 'plain.png')).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const centre = (32 * 64 + 32) * 3;
    assert.deepEqual([...data.subarray(centre, centre + 3), ...data.subarray(0, 3)], [0, 128, 0, 255, 255, 255]);

    const icon = await generate('icon.png', '--size', '64', '--kind', 'icon');
    assert.equal(icon.code, 0, icon.stderr);
    const iconInfo = JSON.parse((await runCli(['info', path.join(tmp, 'icon.png'), '--json'])).stdout) as { metadata: { kind?: string } };
    assert.equal(iconInfo.metadata.kind, 'icon');
  });

  it(`the web manifest's short_name is at most ${SHORT_NAME_MAX} characters, taken from the name`, () => {
    assert.equal(shortName('Demo'), 'Demo');
    assert.equal(shortName('  Paper   Plane Mail '), 'Paper Plane');
    assert.equal(shortName('a green circle on white'), 'a green');
    assert.equal(shortName('Supercalifragilistic'), 'Supercalifra');
    assert.equal(shortName('🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀'), '🚀'.repeat(12), 'counted in code points, never splitting one');
    for (const name of ['x'.repeat(40), 'An app with a long name', 'é'.repeat(13)]) assert.ok(Array.from(shortName(name)).length <= SHORT_NAME_MAX, name);
  });

  it('icons without --name names the app after the prompt and shortens it for short_name', async () => {
    const r = await runCli(['icons', 'a green circle on white with a thin ring around it', '--model', model, '--out-dir', 'site', '--seed', '2', '--steps', '1', '--device', 'cpu'], { cwd: tmp });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^device: cpu; seed 2$/m);
    const manifest = JSON.parse(await fs.readFile(path.join(tmp, 'site', 'site.webmanifest'), 'utf8')) as { name: string; short_name: string };
    assert.deepEqual([manifest.name, manifest.short_name], ['a green circle on white with a thin ring', 'a green']);
  });
});
