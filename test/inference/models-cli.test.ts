// `nanoforge models …` as real child processes against the fake hub (so the hub keeps serving while
// the CLI runs, the child is started asynchronously).
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FakeHub } from '../fixtures/fake-hub';
import { copyFixture, ensureFixtures } from '../fixtures/models';

const MAIN = path.resolve(__dirname, '../../src/cli/main.ts');

interface Run { code: number; stdout: string; stderr: string }

function cli(env: Record<string, string>, ...args: string[]): Promise<Run> {
  return nanoforge(env, 'models', ...args);
}

function nanoforge(env: Record<string, string>, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const childEnv = { ...process.env, NODE_PATH: path.resolve(__dirname, '../../node_modules'), HTTP_PROXY: '', HTTPS_PROXY: '', http_proxy: '', https_proxy: '', HF_TOKEN: '', ...env };
    execFile(process.execPath, ['-r', 'tsx/cjs', MAIN, ...args], { env: childEnv }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('models: CLI', function () {
  this.timeout(120_000);
  let hub: FakeHub;
  let tmp: string;
  let env: Record<string, string>;

  before(async () => {
    hub = await FakeHub.start();
    const fx = await ensureFixtures();
    await hub.addRepo('nanoforge-test/oracle', { dir: fx.path('oracle-fp32') });
    await hub.addRepo('nanoforge-test/gated', { dir: fx.path('oracle-fp32'), token: 'hf_cli_token' });
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nf-models-cli-'));
    env = { NANOFORGE_MODELS: path.join(tmp, 'store'), HF_ENDPOINT: hub.url };
  });
  after(async () => {
    await hub.close();
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('pull → list → verify → corrupt → verify names it → pull --repair → rm, all with --json', async () => {
    const pulled = await cli(env, 'pull', 'nanoforge-test/oracle', '--json');
    assert.equal(pulled.code, 0, pulled.stderr);
    const result = JSON.parse(pulled.stdout) as { id: string; dir: string; status: string; fetched: string[] };
    assert.equal(result.status, 'downloaded');
    assert.ok(result.fetched.includes('unet/model.onnx'));

    const listed = JSON.parse((await cli(env, 'list', '--json')).stdout) as { models: { id: string; origin: string; sizeBytes: number }[]; catalog: { id: string }[] };
    assert.deepEqual(listed.models.map((m) => [m.id, m.origin]), [['nanoforge-test--oracle', 'downloaded']]);
    assert.ok(listed.models[0]!.sizeBytes > 1_400_000);
    assert.ok(listed.catalog.some((c) => c.id === 'sd-turbo-fp32'));

    assert.equal((await cli(env, 'verify', result.id)).code, 0);
    await fs.appendFile(path.join(result.dir, 'unet', 'model.onnx'), 'x');
    const bad = await cli(env, 'verify', result.id);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /unet\/model\.onnx: oversized/);
    assert.match(bad.stdout, /--repair/);

    hub.requests.length = 0;
    const repaired = await cli(env, 'pull', result.id, '--repair');
    assert.equal(repaired.code, 0, repaired.stderr);
    assert.match(repaired.stdout, /repaired 1 file\(s\): unet\/model\.onnx/);
    assert.deepEqual([...new Set(hub.requests.map((r) => r.file))], ['unet/model.onnx']);
    assert.equal((await cli(env, 'verify', result.id, '--json')).code, 0);

    const removed = await cli(env, 'rm', result.id, '--json');
    assert.equal(JSON.parse(removed.stdout).deleted, true);
    await assert.rejects(fs.stat(result.dir), /ENOENT/);
  });

  it('add validates the folder; errors are one line with the next step', async () => {
    const folder = await copyFixture('oracle-fp32', tmp);
    const added = await cli(env, 'add', folder, '--id', 'my-oracle');
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /added my-oracle/);
    await fs.rm(path.join(folder, 'vae_decoder', 'model.onnx'));
    const again = await cli(env, 'add', folder, '--id', 'other');
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^nanoforge models: .*vae_decoder\/model\.onnx: is missing\n$/);
    assert.match((await cli(env, 'rm', 'my-oracle')).stdout, /unregistered my-oracle; the folder .* was left/);

    const gated = await cli(env, 'pull', 'nanoforge-test/gated');
    assert.equal(gated.code, 1);
    assert.match(gated.stderr, /needs a Hugging Face token.*Set HF_TOKEN/);
    const withToken = await cli({ ...env, HF_TOKEN: 'hf_cli_token' }, 'pull', 'nanoforge-test/gated', '--json');
    assert.equal(withToken.code, 0, withToken.stderr);
    assert.ok(!withToken.stdout.includes('hf_cli_token'));

    const usage = await cli(env, 'frobnicate');
    assert.equal(usage.code, 1);
    assert.match(usage.stderr, /give a sub-command: list, pull, add, prepare, verify, rm/);
    const offline = await cli({ ...env, HF_ENDPOINT: 'http://127.0.0.1:9' }, 'pull', 'taesd');
    assert.match(offline.stderr, /cannot reach .*placeholders still work/);
  });

  it('pull and add prepare the model (its optimized graphs are saved, a generation loads them); --no-prepare leaves it to a later models prepare, and generate says so once', async () => {
    const store = path.join(tmp, 'prepared-store');
    const penv = { ...env, NANOFORGE_MODELS: store };
    const graphs = async (): Promise<string[]> => (await fs.readdir(path.join(store, '.cache', 'onnx-graphs')).catch(() => [] as string[])).filter((e) => !e.startsWith('.'));
    const pulled = await cli(penv, 'pull', 'nanoforge-test/oracle', '--json');
    assert.equal(pulled.code, 0, pulled.stderr);
    const result = JSON.parse(pulled.stdout) as { id: string; prepared: { device: string; files: Array<{ file: string; graphCache: string }> } };
    assert.deepEqual(result.prepared.files.map((f) => [f.file, f.graphCache]), [['text_encoder/model.onnx', 'miss'], ['unet/model.onnx', 'miss'], ['vae_decoder/model.onnx', 'miss']]);
    assert.equal((await graphs()).length, 3);
    const generate = (model: string, ...extra: string[]) =>
      nanoforge(penv, 'generate', 'a green circle', '--model', model, '--out', path.join(tmp, 'p.png'), '--size', '64', '--steps', '1', '--device', 'cpu', '--force', ...extra);
    const hit = await generate(result.id, '--json');
    assert.equal(hit.code, 0, hit.stderr);
    assert.deepEqual((JSON.parse(hit.stdout) as { loads: Array<{ graphCache: string }> }).loads.map((l) => l.graphCache), ['hit', 'hit', 'hit']);

    const text = await cli(penv, 'pull', 'nanoforge-test/oracle', '--repair');
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stderr, /Preparing nanoforge-test--oracle for this machine/);
    assert.match(text.stderr, /prepared for cpu in \d+\.\d s \(3 already prepared(, after webgpu, cuda could not start)?\); generations now load it from the cache/, 'nothing changed, nothing rebuilt');

    const folder = await copyFixture('oracle-sd1', tmp);
    const skipped = await cli(penv, 'add', folder, '--id', 'later', '--no-prepare', '--json');
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.equal((JSON.parse(skipped.stdout) as { prepared: unknown }).prepared, null);
    assert.equal((await graphs()).length, 3, '--no-prepare saved nothing');
    const first = await generate('later');
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /tip: this model is not prepared for this machine yet.*nanoforge models prepare later \(once/);
    assert.doesNotMatch((await generate('later')).stderr, /not prepared/, 'the tip is shown once');
    const prepared = await cli(penv, 'prepare', 'later');
    assert.equal(prepared.code, 0, prepared.stderr);
    assert.match(prepared.stderr, /1\/3 text_encoder\/model\.onnx\n {2}2\/3 unet\/model\.onnx\n {2}3\/3 vae_decoder\/model\.onnx\nprepared for cpu/);
    assert.equal((await graphs()).length, 6);
    const added = await cli(penv, 'add', await copyFixture('oracle-fp16', tmp), '--id', 'now', '--json');
    assert.equal(added.code, 0, added.stderr);
    assert.ok((JSON.parse(added.stdout) as { prepared: { files: Array<{ graphCache: string }> } }).prepared.files.every((f) => f.graphCache === 'miss'));

    const missing = await cli(penv, 'prepare', 'no-such-model');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^nanoforge models: .*no-such-model/);
  });
});
