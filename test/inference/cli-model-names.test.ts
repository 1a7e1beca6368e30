// `--model` by name, the default model and the commands the CLI suggests, as real child processes: a
// catalog id pulled from the fake hub, a folder added with an id, folders that are not models, and
// generate without --model. Every suggested command is run as printed, and the images are checked.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { findCatalogEntry } from '../../src/inference/models/catalog';
import { FakeHub } from '../fixtures/fake-hub';
import { copyFixture, ensureFixtures } from '../fixtures/models';
import { runCli, type CliRun } from './cli-helpers';

/** Splits a command line the CLI printed into arguments (double-quoted words, as it prints them). */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');
}

/** Mean RGB of an image and its size. */
async function look(file: string): Promise<{ centre: number[]; corner: number[]; width: number; height: number }> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number): number[] => Array.from(data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3));
  return { centre: at(info.width >> 1, info.height >> 1), corner: at(0, 0), width: info.width, height: info.height };
}

describe('nanoforge CLI: models by name and the default model', function () {
  this.timeout(180_000);
  let hub: FakeHub;
  let tmp: string;
  let work: string;
  let env: NodeJS.ProcessEnv;
  const cli = (...args: string[]): Promise<CliRun> => runCli(args, { cwd: work, env });

  before(async function () {
    this.timeout(300_000);
    const fx = await ensureFixtures();
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nanoforge-names-'));
    work = path.join(tmp, 'project');
    await fs.mkdir(work);
    hub = await FakeHub.start();
    // The catalog's sd-turbo-fp16, served at its pinned revision (with the oracle's files in it).
    const entry = findCatalogEntry('sd-turbo-fp16');
    assert.ok(entry);
    await hub.addRepo(entry.repo, { dir: fx.path('oracle-fp32'), commit: entry.revision });
    env = { NANOFORGE_MODELS: path.join(tmp, 'store'), HF_ENDPOINT: hub.url, HF_TOKEN: '', HTTP_PROXY: '', HTTPS_PROXY: '', http_proxy: '', https_proxy: '' };
  });
  after(async () => {
    await hub?.close();
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('with nothing installed, generate without --model names the store and the exact pull commands', async () => {
    const r = await cli('generate', 'a red apple', '--out', 'a.png');
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `nanoforge generate: no --model given and no model installed in ${env.NANOFORGE_MODELS}: download one with ` +
      'nanoforge models pull sd-turbo-fp16 (GPU, about 2.60 GB) or nanoforge models pull sd-turbo-fp32 (CPU, about 5.00 GB), or pass --model DIR (a model folder)');
    await assert.rejects(fs.stat(path.join(work, 'a.png')), /ENOENT/);
  });

  it('a catalog id that is not installed says so and gives the pull command, which then works', async () => {
    const missing = await cli('generate', 'a red apple', '--model', 'sd-turbo-fp16', '--out', 'a.png');
    assert.equal(missing.code, 1);
    const match = /^nanoforge generate: sd-turbo-fp16 is not installed in (.+); download it \(about 2\.60 GB\) with: (nanoforge models pull sd-turbo-fp16)$/.exec(missing.stderr);
    assert.ok(match, missing.stderr);
    assert.equal(match[1], env.NANOFORGE_MODELS);

    const pulled = await cli(...words(match[2]!).slice(1));
    assert.equal(pulled.code, 0, pulled.stderr);
    const lines = pulled.stdout.trim().split('\n');
    assert.match(lines[0]!, /^sd-turbo-fp16: downloaded [\d.]+ MB \(onnxruntime\/sd-turbo@6d0b4c16d160\) in /);
    // The closing line is the command to generate with it; run it as printed.
    const next = /^Generate with it: (nanoforge generate .*)$/.exec(lines.at(-1)!);
    assert.ok(next, pulled.stdout);
    assert.deepEqual(words(next[1]!).slice(1, 4), ['generate', 'a red fox, flat icon', '--model']);
    const generated = await cli(...words(next[1]!).slice(1), '--size', '64');
    assert.equal(generated.code, 0, generated.stderr);
    const fox = await look(path.join(work, 'fox.png'));
    assert.deepEqual([fox.width, fox.height, ...fox.centre], [64, 64, 255, 0, 0], 'the oracle paints "red" flat');
  });

  it('an id given with models add works as --model; models default makes generate use it', async () => {
    const folder = await copyFixture('oracle-sd1', tmp);
    const added = await cli('models', 'add', folder, '--id', 'mine');
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /^added mine → .*oracle-sd1 \([\d.]+ MB\); generate with it: nanoforge generate "a red fox" --model mine --out fox\.png\n$/);

    const noDefault = await cli('generate', 'blue', '--out', 'b.png');
    assert.equal(noDefault.code, 1);
    assert.equal(noDefault.stderr, `nanoforge generate: no --model given and no default model; installed in ${env.NANOFORGE_MODELS}: sd-turbo-fp16, mine. ` +
      'Pass --model sd-turbo-fp16, or make it the default: nanoforge models default sd-turbo-fp16');

    const byId = await cli('generate', 'a green circle on white', '--model', 'mine', '--out', 'byid.png', '--size', '96x64', '--steps', '2');
    assert.equal(byId.code, 0, byId.stderr);
    const disc = await look(path.join(work, 'byid.png'));
    assert.deepEqual([disc.width, disc.height, ...disc.centre, ...disc.corner], [96, 64, 0, 128, 0, 255, 255, 255]);

    const set = await cli('models', 'default', 'mine');
    assert.equal(set.code, 0, set.stderr);
    assert.equal(set.stdout, `default model: mine (${folder}); generate now uses it without --model\n`);
    assert.equal((await cli('models', 'default')).stdout, `mine (${folder})\n`);
    const listed = JSON.parse((await cli('models', 'list', '--json')).stdout) as { default: string };
    assert.equal(listed.default, 'mine');

    const byDefault = await cli('generate', 'a yellow circle on blue', '--out', 'default.png', '--size', '64', '--json');
    assert.equal(byDefault.code, 0, byDefault.stderr);
    assert.equal((JSON.parse(byDefault.stdout) as { modelDir: string }).modelDir, folder);
    const yellow = await look(path.join(work, 'default.png'));
    assert.deepEqual([...yellow.centre, ...yellow.corner], [255, 255, 0, 0, 0, 255]);

    // Forgetting the default model leaves none (and says so); the next generate lists what is left.
    const removed = await cli('models', 'rm', 'mine');
    assert.match(removed.stdout, /^unregistered mine; the folder .* was left as it is; it was the default model, so there is none now\n$/);
    assert.match((await cli('generate', 'blue', '--out', 'c.png')).stderr, /no default model; installed in .*: sd-turbo-fp16\. Pass --model sd-turbo-fp16/);
  });

  it('models default refuses what is not installed, naming the pull command for a catalog id', async () => {
    const catalog = await cli('models', 'default', 'sd-turbo-fp32');
    assert.equal(catalog.code, 1);
    assert.equal(catalog.stderr, `nanoforge models: sd-turbo-fp32 is not installed in ${env.NANOFORGE_MODELS}; download it first: nanoforge models pull sd-turbo-fp32`);
    const unknown = await cli('models', 'default', 'nope');
    assert.match(unknown.stderr, /^nanoforge models: nope is not installed in .*; installed: sd-turbo-fp16$/);
  });

  it('a folder that is not a model is named with what it lacks; `--model .` names the folder', async () => {
    const dot = await cli('generate', 'red', '--model', '.', '--out', 'x.png');
    assert.equal(dot.code, 1);
    assert.equal(dot.stderr, `nanoforge generate: ${work} is not a model folder: it has none of model_index.json, scheduler/scheduler_config.json, ` +
      'tokenizer/vocab.json, tokenizer/merges.txt, text_encoder/model.onnx, unet/model.onnx, vae_decoder/model.onnx (a Stable Diffusion export in the diffusers ONNX layout)');
    const partial = await copyFixture('oracle-fp16', tmp);
    await fs.rm(path.join(partial, 'unet'), { recursive: true });
    await fs.rm(path.join(partial, 'tokenizer', 'merges.txt'));
    const incomplete = await cli('generate', 'red', '--model', partial, '--out', 'x.png');
    assert.equal(incomplete.stderr, `nanoforge generate: ${partial} is not a complete model folder: tokenizer/merges.txt, unet/model.onnx are missing`);
    const unknown = await cli('generate', 'red', '--model', 'no-such-model', '--out', 'x.png');
    assert.equal(unknown.stderr, `nanoforge generate: no model "no-such-model": not installed in ${env.NANOFORGE_MODELS} (installed: sd-turbo-fp16), ` +
      `not a catalog id, and no folder ${path.join(work, 'no-such-model')}; nanoforge models list shows what there is`);
    await assert.rejects(fs.stat(path.join(work, 'x.png')), /ENOENT/);
  });

  it('with --store, the suggested commands carry it, and ids are looked up there', async () => {
    const other = path.join(tmp, 'other store');
    const r = await cli('generate', 'red', '--model', 'sd-turbo-fp32', '--store', other, '--out', 'x.png');
    assert.equal(r.stderr, `nanoforge generate: sd-turbo-fp32 is not installed in ${other}; download it (about 5.00 GB) with: nanoforge models pull sd-turbo-fp32 --store '${other}'`);
    const model = (await ensureFixtures()).path('oracle-fp32');
    assert.equal((await cli('models', 'add', model, '--id', 'there', '--store', other)).code, 0);
    assert.equal((await cli('models', 'default', 'there', '--store', other)).code, 0);
    const icons = await cli('icons', 'a green circle on white', '--store', other, '--out-dir', 'public', '--seed', '3', '--steps', '1', '--name', 'Paper Plane Mail');
    assert.equal(icons.code, 0, icons.stderr);
    const manifest = JSON.parse(await fs.readFile(path.join(work, 'public', 'site.webmanifest'), 'utf8')) as { name: string; short_name: string };
    assert.deepEqual([manifest.name, manifest.short_name], ['Paper Plane Mail', 'Paper Plane']);
  });
});
