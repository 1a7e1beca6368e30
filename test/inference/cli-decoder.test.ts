// `nanoforge generate --decoder`, what --json says about the decoder and the session loads (the
// optimized-graph cache in the store), and the once-per-model tip that offers taesd. Real processes.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureFixtures, type Fixtures } from '../fixtures/models';
import { runCli } from './cli-helpers';

interface Summary {
  decoder: { kind: string; source: string; ms: number };
  loads: Array<{ file: string; graphCache: string }>;
  counters: { textEncoderRuns: number; decoderRuns: number };
  tinyDecoderOffer?: { id: string };
}

describe('nanoforge generate --decoder (CLI)', function () {
  this.timeout(120_000);
  let fx: Fixtures;
  let tmp: string;
  let env: NodeJS.ProcessEnv;

  before(async function () {
    this.timeout(180_000);
    fx = await ensureFixtures();
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nanoforge-cli-decoder-'));
    env = { NANOFORGE_MODELS: path.join(tmp, 'store') };
  });

  after(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  const generate = (model: string, out: string, extra: string[]) =>
    runCli(['generate', 'a green circle on white', '--model', fx.path(model as 'oracle-tiny'), '--out', path.join(tmp, out), '--size', '64', '--steps', '1', '--seed', '3', '--device', 'cpu', '--force', ...extra], { env });

  it('--json names the decoder that ran and its time, and each session load; after models prepare every load is a cache hit', async () => {
    const first = await generate('oracle-tiny', 'a.png', ['--json']);
    assert.equal(first.code, 0, first.stderr);
    const a = JSON.parse(first.stdout) as Summary;
    assert.deepEqual([a.decoder.kind, a.decoder.source, typeof a.decoder.ms], ['tiny', 'vae_decoder_tiny', 'number']);
    assert.deepEqual(a.loads.map((l) => [l.file, l.graphCache]), [['text_encoder/model.onnx', 'unprepared'], ['unet/model.onnx', 'unprepared'], ['vae_decoder_tiny/model.onnx', 'unprepared']]);
    assert.equal(a.counters.decoderRuns, 1);
    const prepared = await runCli(['models', 'prepare', fx.path('oracle-tiny'), '--device', 'cpu', '--json'], { env });
    assert.equal(prepared.code, 0, prepared.stderr);
    const p = JSON.parse(prepared.stdout) as { device: string; files: Array<{ file: string; graphCache: string }> };
    assert.deepEqual(p.files.map((f) => [f.file, f.graphCache]), [['text_encoder/model.onnx', 'miss'], ['vae_decoder_tiny/model.onnx', 'miss'], ['unet/model.onnx', 'miss'], ['vae_decoder/model.onnx', 'miss']]);
    const second = await generate('oracle-tiny', 'a.png', ['--json', '--decoder', 'full']);
    assert.equal(second.code, 0, second.stderr);
    const b = JSON.parse(second.stdout) as Summary;
    assert.deepEqual([b.decoder.kind, b.decoder.source], ['full', 'vae_decoder']);
    assert.deepEqual(b.loads.map((l) => l.graphCache), ['hit', 'hit', 'hit', 'hit'], 'the full VAE, opened on demand, was prepared too');
    const entries = await fs.readdir(path.join(tmp, 'store', '.cache', 'onnx-graphs'));
    assert.equal(entries.filter((e) => !e.startsWith('.')).length, 4);
  });

  it('--decoder tiny on a model without one exits 1 with one line that says how to get one', async () => {
    const r = await generate('oracle-fp32', 'b.png', ['--decoder', 'tiny']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^nanoforge generate: .*no tiny decoder.*nanoforge models pull taesd/);
    const bad = await generate('oracle-fp32', 'b.png', ['--decoder', 'small']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--decoder must be one of auto, tiny, full/);
  });

  it('offers taesd with its size once per model, the first time an SD 1.x/2.x model decodes with the full VAE on the CPU', async () => {
    const first = await generate('oracle-sd1', 'c.png', ['--steps', '2', '--verbose']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /^device: cpu; seed 3; \d+ ms$/m);
    assert.match(first.stderr, /^decoder: full \(vae_decoder\) \d+ ms$/m, '--verbose names the decoder that ran');
    assert.match(first.stderr, /^tip: this model has no tiny decoder; nanoforge models pull taesd \(about 10\.0 MB\) adds TAESD/m);
    const second = await generate('oracle-sd1', 'c.png', ['--steps', '2']);
    assert.equal(second.code, 0, second.stderr);
    assert.doesNotMatch(second.stderr, /tip:/, 'each tip once per model');
    const json = JSON.parse((await generate('oracle-sd1', 'c.png', ['--steps', '2', '--json'])).stdout) as Summary;
    assert.deepEqual(json.tinyDecoderOffer?.id, 'taesd');
    const sdxl = await generate('oracle-fp32', 'd.png', []);
    assert.doesNotMatch(sdxl.stderr, /tip: this model has no tiny decoder/, 'no catalog decoder for an SDXL-family latent space');
  });
});
