// Crafted model folders: every number read from a config has a documented range and a value
// outside it is one ModelFolderError naming the file, the field, the value and the range; keys are
// looked up as own properties only ("__proto__" is a class name like any other wrong one). The
// validator is what `models add`, `verify` and every load run first, so nothing hangs, balloons or
// silently draws a grey image later.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { copyFixture, ensureFixtures } from '../fixtures/models';
import { ModelFolderError, validateModelFolder } from '../../src/inference';
import { loadPipeline } from '../../src/inference/load-pipeline';
import { onnx } from 'onnx-proto';
import { isExternal, OnnxSource } from '../../src/inference/models/onnx-io';
import { quantizeModelFolder } from '../../src/inference/models/quantize';
import { ModelStore } from '../../src/inference/models/store';
import { runCli } from './cli-helpers';

type Json = Record<string, unknown>;
type Case = [file: string, edit: (json: Json) => void, field: string, value: string, range: RegExp];

const SCHEDULER = 'scheduler/scheduler_config.json';
const UNET = 'unet/config.json';
const VAE = 'vae_decoder/config.json';

const CASES: Case[] = [
  [SCHEDULER, (j) => (j._class_name = '__proto__'), '_class_name', '"__proto__"', /valid: EulerDiscreteScheduler/],
  [SCHEDULER, (j) => (j._class_name = 'constructor'), '_class_name', '"constructor"', /valid: EulerDiscreteScheduler/],
  [SCHEDULER, (j) => (j._class_name = 'hasOwnProperty'), '_class_name', '"hasOwnProperty"', /valid: EulerDiscreteScheduler/],
  [SCHEDULER, (j) => (j.num_train_timesteps = 1e9), 'num_train_timesteps', '1000000000', /an integer from 2 to 10000/],
  [SCHEDULER, (j) => (j.beta_end = 1.5), 'beta_end', '1.5', /at least 1e-8 and below 1/],
  [SCHEDULER, (j) => (j.beta_start = 2), 'beta_start', '2', /at least 1e-8 and below 1/],
  [SCHEDULER, (j) => Object.assign(j, { num_train_timesteps: 10_000, beta_schedule: 'linear', beta_end: 0.5 }), 'num_train_timesteps 10000', 'alphas_cumprod to 0', /stays above 0/],
  [SCHEDULER, (j) => (j.steps_offset = 1e6), 'steps_offset', '1000000', /an integer from 0 to 1000/],
  [SCHEDULER, (j) => (j.sigma_max = 1e300), 'sigma_max', '1e+300', /above 0 and at most 10000/],
  [UNET, (j) => (j.sample_size = 1e9), 'sample_size', '1000000000', /an integer from 8 to 256/],
  [UNET, (j) => (j.sample_size = 7.5), 'sample_size', '7.5', /an integer from 8 to 256/],
  [UNET, (j) => (j.in_channels = 1e6), 'in_channels', '1000000', /an integer from 1 to 64/],
  [UNET, (j) => (j.time_cond_proj_dim = 2), 'time_cond_proj_dim', '2', /an integer from 4 to 8192/],
  [VAE, (j) => (j.scaling_factor = 1e30), 'scaling_factor', '1e+30', /above 0 and at most 100/],
  [VAE, (j) => (j.latent_channels = 1e9), 'latent_channels', '1000000000', /an integer from 1 to 64/],
  [VAE, (j) => (j.block_out_channels = new Array(40).fill(128)), 'block_out_channels', '[128,128,', /1 to 6 positive integers/],
];

describe('hostile model folders: ranges for every number, own properties only', function () {
  this.timeout(60_000);
  let tmp: string;
  let n = 0;

  before(async function () {
    this.timeout(180_000);
    await ensureFixtures();
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nf-hostile-model-'));
  });
  after(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  async function crafted(file: string, edit: (json: Json) => void): Promise<string> {
    const dir = await copyFixture('oracle-fp32', path.join(tmp, String(n++)));
    const full = path.join(dir, file);
    const json = JSON.parse(await fs.readFile(full, 'utf8').catch(() => '{}')) as Json;
    edit(json);
    await fs.writeFile(full, JSON.stringify(json));
    return dir;
  }

  for (const [file, edit, field, value, range] of CASES) {
    it(`${file} ${field} = ${value}: one ModelFolderError naming the file, field, value and range`, async () => {
      const dir = await crafted(file, edit);
      await assert.rejects(validateModelFolder(dir), (e: Error) => {
        assert.ok(e instanceof ModelFolderError, `${e.name}: ${e.message}`);
        assert.equal(e.file, file);
        assert.ok(e.message.includes(field) && e.message.includes(value), e.message);
        assert.match(e.message, range);
        assert.doesNotMatch(e.message, /\n/);
        return true;
      });
    });
  }

  it('models add refuses such a folder before registering it', async () => {
    const dir = await crafted(UNET, (j) => (j.sample_size = 1e9));
    const store = new ModelStore(path.join(tmp, `store-${n++}`));
    await assert.rejects(store.add(dir), (e: Error) => e instanceof ModelFolderError && /sample_size/.test(e.message));
    assert.deepEqual((await store.list()).filter((m) => m.origin === 'local'), []);
  });

  it('a config file larger than the limit is refused as too large, not read whole', async () => {
    const dir = await copyFixture('oracle-fp32', path.join(tmp, String(n++)));
    await fs.writeFile(path.join(dir, 'model_index.json'), `{"pad":"${'x'.repeat(17 * 1024 * 1024)}"}`);
    await assert.rejects(validateModelFolder(dir), (e: Error) => e instanceof ModelFolderError && e.file === 'model_index.json' && /too large/.test(e.message));
  });

  // An ONNX file's external data entries (location, offset) are a manifest inside the model: the
  // quantizer reads them with the same path rule as listings and manifests; onnxruntime has its own.
  // The tokenizer pads every prompt to model_max_length: 1e6 made each encode a million tokens long.
  for (const value of [1_000_000, -5, 7.5, 'x', true]) {
    it(`tokenizer/tokenizer_config.json model_max_length = ${JSON.stringify(value)}: one ModelFolderError naming the file, field, value and range`, async () => {
      const dir = await crafted('tokenizer/tokenizer_config.json', (j) => (j.model_max_length = value));
      await assert.rejects(loadPipeline(dir, { device: 'cpu' }), (e: Error) => {
        assert.ok(e instanceof ModelFolderError, `${e.name}: ${e.message}`);
        assert.equal(e.file, path.join('tokenizer', 'tokenizer_config.json'));
        assert.ok(e.message.includes('model_max_length') && e.message.includes(JSON.stringify(value)), e.message);
        assert.match(e.message, /an integer from 2 to 4096/);
        assert.doesNotMatch(e.message, /\n/);
        return true;
      });
    });
  }

  async function withExternalEntry(key: string, value: string): Promise<{ dir: string; file: string }> {
    const dir = await copyFixture('oracle-ext-data', path.join(tmp, String(n++)));
    const file = path.join(dir, 'unet/model.onnx');
    const model = onnx.ModelProto.decode(await fs.readFile(file));
    for (const t of model.graph?.initializer ?? []) for (const e of t.externalData ?? []) if (e.key === key) e.value = value;
    await fs.writeFile(file, onnx.ModelProto.encode(model).finish());
    return { dir, file };
  }
  const namesTensor = (key: string, value: string) => (e: Error): boolean => {
    assert.equal(e.name, 'OnnxFileError', `${e.name}: ${e.message}`);
    assert.ok(e.message.includes('unet') && e.message.includes(key) && e.message.includes(value), e.message);
    assert.match(e.message, /tensor '[^']+'/);
    assert.doesNotMatch(e.message, /\n/);
    return true;
  };

  for (const [name, value] of [
    ['climbs out of the folder', '../../outside.data'],
    ['is absolute', '/etc/hostname'],
    ['starts with a drive letter', 'C:model.onnx.data'],
  ] as const) {
    it(`quantizing a model whose external data location ${name}: one OnnxFileError naming the tensor, no output`, async () => {
      const { dir } = await withExternalEntry('location', value);
      // Where a climbing location leads, the data is really there: only the rule can stop the read.
      if (value.startsWith('..')) await fs.copyFile(path.join(dir, 'unet/model.onnx.data'), path.resolve(dir, 'unet', value));
      const out = path.join(tmp, `quantized-${n++}`);
      await assert.rejects(quantizeModelFolder(dir, out, { to: 'int8', minSize: 1 }), namesTensor('location', value));
      await assert.rejects(fs.stat(out), 'no output folder');
    });
  }

  // onnxruntime refuses these when the quantizer loads the model; its own reader must not rely on that.
  for (const value of ['abc', '-4096', '1e3', '99999999999999999999']) {
    it(`reading external data at offset "${value}": one OnnxFileError naming the tensor and the offset`, async () => {
      const { file } = await withExternalEntry('offset', value);
      const source = await OnnxSource.open(file);
      try {
        const tensor = source.graph.initializer.find(isExternal);
        assert.ok(tensor, 'the fixture has external tensors');
        await assert.rejects(source.bytesOf(tensor), namesTensor('offset', value));
      } finally {
        await source.close();
      }
    });
  }

  it('nanoforge generate on a folder with betas above 1 exits 1 naming the field instead of writing a flat image', async () => {
    const dir = await crafted(SCHEDULER, (j) => (j.beta_end = 1.5));
    const out = path.join(tmp, `flat-${n++}.png`);
    const r = await runCli(['generate', 'a red square', '--model', dir, '--out', out, '--size', '64x64', '--steps', '2', '--seed', '1', '--device', 'cpu']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr.split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /scheduler_config\.json.*beta_end 1\.5/);
    await assert.rejects(fs.stat(out));
  });
});
