// Model folder validation: configs are read (never hard-coded), and every broken folder gives one
// ModelFolderError that names the file and what is wrong.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { copyFixture, ensureFixtures, type FixtureName, type Fixtures } from '../fixtures/models';
import { attr, GraphBuilder, type DType, type Dim } from '../../scripts/lib/onnx-builder';
import { loadPipeline, ModelFolderError, validateModelFolder } from '../../src/inference';
import { checkSignature, UNET_SPEC } from '../../src/inference/models/signature';

/** A tiny stand-in graph: one float input reshaped to an output, to give sessions odd signatures. */
function passThrough(input: { name: string; dtype: DType; shape: Dim[] }, output: { name: string; shape: number[] }): Uint8Array {
  const b = new GraphBuilder('stand_in');
  const x = b.input(input.name, input.dtype, input.shape);
  const f = input.dtype === 'float32' ? x : b.op('Cast', [x], { to: attr.int(1) });
  b.outputFrom(b.op('Reshape', [f, b.i64(output.shape)]), output.name, 'float32', output.shape);
  return b.serialize().model;
}

function expectFolderError(file: string, message: RegExp): (e: Error) => boolean {
  return (e) => {
    assert.ok(e instanceof ModelFolderError, `${e.name}: ${e.message}`);
    assert.equal(e.file, file);
    assert.match(e.message, message);
    return true;
  };
}

describe('model folder validation', function () {
  let fx: Fixtures;
  let tmp: string;
  let n = 0;

  before(async function () {
    this.timeout(180_000);
    fx = await ensureFixtures();
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nanoforge-folder-'));
  });

  after(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  async function copy(name: FixtureName = 'oracle-fp32'): Promise<string> {
    return copyFixture(name, path.join(tmp, String(n++)));
  }

  async function editJson(dir: string, file: string, edit: (json: Record<string, unknown>) => void): Promise<void> {
    const full = path.join(dir, file);
    const json = JSON.parse(await fs.readFile(full, 'utf8')) as Record<string, unknown>;
    edit(json);
    await fs.writeFile(full, JSON.stringify(json));
  }

  it('reads the scheduler, VAE scaling factor and native size from the configs', async () => {
    const info = await validateModelFolder(fx.path('oracle-fp32'));
    assert.equal(info.scheduler.name, 'euler');
    assert.equal(info.scheduler.className, 'EulerDiscreteScheduler');
    assert.equal(info.vae.scalingFactor, 0.13025);
    assert.equal(info.vae.scalingFactorFromConfig, true);
    assert.equal(info.nativeSize, 512);
    assert.deepEqual(info.notes, []);
    assert.equal((await validateModelFolder(fx.path('oracle-sd1'))).vae.scalingFactor, 0.18215);
  });

  it('falls back to 0.18215 only when the VAE config has no scaling_factor, and says so', async () => {
    const dir = await copy();
    await editJson(dir, 'vae_decoder/config.json', (j) => delete j.scaling_factor);
    const info = await validateModelFolder(dir);
    assert.equal(info.vae.scalingFactor, 0.18215);
    assert.equal(info.vae.scalingFactorFromConfig, false);
    assert.match(info.notes.join('\n'), /vae_decoder\/config.json gives no scaling_factor; using the SD 1.x\/2.x default 0.18215/);
    const lines: string[] = [];
    const p = await loadPipeline(dir, { device: 'cpu', log: (l) => lines.push(l) });
    await p.dispose();
    assert.ok(lines.some((l) => l.includes('no scaling_factor')));
  });

  it('marks turbo/LCM models as guidance-free by name or scheduler', async () => {
    const dir = path.join(await copy(), '..', 'sd-turbo-like');
    await fs.rename(path.join(dir, '..', 'oracle-fp32'), dir);
    assert.equal((await validateModelFolder(dir)).usesGuidance, false);
    // The export's own `_name_or_path` counts too: the SD-Turbo-like oracle says so, the SD 1.x one does not.
    assert.equal((await validateModelFolder(fx.path('oracle-fp32'))).usesGuidance, false);
    assert.equal((await validateModelFolder(fx.path('oracle-sd1'))).usesGuidance, true);
    const renamed = path.join(await copy(), '..', 'my-model');
    await fs.rename(path.join(renamed, '..', 'oracle-fp32'), renamed);
    const index = JSON.parse(await fs.readFile(path.join(renamed, 'model_index.json'), 'utf8')) as Record<string, unknown>;
    await fs.writeFile(path.join(renamed, 'model_index.json'), JSON.stringify({ ...index, _name_or_path: 'runwayml/stable-diffusion-v1-5' }));
    assert.equal((await validateModelFolder(renamed)).usesGuidance, true);
    assert.equal((await validateModelFolder(renamed)).modelId, 'my-model');
  });

  const missing: string[] = ['model_index.json', 'scheduler/scheduler_config.json', 'tokenizer/vocab.json', 'tokenizer/merges.txt',
    'text_encoder/model.onnx', 'unet/model.onnx', 'vae_decoder/model.onnx'];
  for (const file of missing) {
    it(`names a missing ${file}`, async () => {
      const dir = await copy();
      await fs.rm(path.join(dir, file));
      await assert.rejects(validateModelFolder(dir), expectFolderError(file, new RegExp(`${file.replace('.', '\\.')}: is missing$`)));
    });
  }

  it('names a broken tokenizer file', async () => {
    const dir = await copy();
    await fs.writeFile(path.join(dir, 'tokenizer/vocab.json'), '["not", "an", "object"]');
    await assert.rejects(loadPipeline(dir, { device: 'cpu' }), expectFolderError('tokenizer/vocab.json', /vocab\.json: must hold a JSON object$/));
  });

  it('names a folder that does not exist', async () => {
    await assert.rejects(validateModelFolder(path.join(tmp, 'nope')), /nope: the model folder does not exist/);
  });

  it('names a config that is not JSON', async () => {
    const dir = await copy();
    await fs.writeFile(path.join(dir, 'scheduler/scheduler_config.json'), '{ "_class_name": ');
    await assert.rejects(validateModelFolder(dir), expectFolderError('scheduler/scheduler_config.json', /is not valid JSON/));
  });

  it('names an unsupported scheduler class and lists the supported ones', async () => {
    const dir = await copy();
    await editJson(dir, 'scheduler/scheduler_config.json', (j) => (j._class_name = 'PNDMScheduler'));
    await assert.rejects(validateModelFolder(dir), expectFolderError('scheduler/scheduler_config.json',
      /"PNDMScheduler" is not supported; valid: EulerDiscreteScheduler, EulerAncestralDiscreteScheduler, LCMScheduler, DDIMScheduler/));
  });

  it('names an unknown scheduler option at load time', async () => {
    const dir = await copy();
    await editJson(dir, 'scheduler/scheduler_config.json', (j) => (j.beta_schedule = 'squaredcos_cap_v3'));
    await assert.rejects(loadPipeline(dir, { device: 'cpu' }), expectFolderError('scheduler/scheduler_config.json', /squaredcos_cap_v3/));
  });

  it('names a corrupt ONNX file', async () => {
    const dir = await copy();
    await fs.writeFile(path.join(dir, 'vae_decoder/model.onnx'), Buffer.from('this is not protobuf at all \u0000\u0001'));
    await assert.rejects(loadPipeline(dir, { device: 'cpu' }), expectFolderError('vae_decoder/model.onnx', /cannot be loaded as an ONNX model \(.*Protobuf parsing failed/));
  });

  it('names a corrupt ONNX file under auto too (not blamed on a provider)', async () => {
    const dir = await copy();
    await fs.writeFile(path.join(dir, 'text_encoder/model.onnx'), 'garbage');
    await assert.rejects(loadPipeline(dir, { device: 'auto' }), expectFolderError('text_encoder/model.onnx', /cannot be loaded/));
  });

  it('loads external weight data and names the model when the .onnx.data file is missing', async () => {
    const p = await loadPipeline(fx.path('oracle-ext-data'), { device: 'cpu' });
    await p.dispose();
    const dir = await copy('oracle-ext-data');
    await fs.rm(path.join(dir, 'unet/model.onnx.data'));
    await assert.rejects(loadPipeline(dir, { device: 'cpu' }), expectFolderError('unet/model.onnx', /cannot be loaded/));
  });

  it('names a wrong input name and lists the names found', async () => {
    const dir = await copy();
    await fs.writeFile(path.join(dir, 'vae_decoder/model.onnx'),
      passThrough({ name: 'latents', dtype: 'float32', shape: [1, 4, 8, 8] }, { name: 'sample', shape: [1, 4, 8, 8] }));
    await assert.rejects(loadPipeline(dir, { device: 'cpu' }),
      expectFolderError('vae_decoder/model.onnx', /has no input named 'latent_sample'; its inputs are: 'latents'$/));
  });

  it('names a wrong output name', async () => {
    const dir = await copy();
    await fs.writeFile(path.join(dir, 'text_encoder/model.onnx'),
      passThrough({ name: 'input_ids', dtype: 'int64', shape: [1, 77] }, { name: 'hidden', shape: [1, 77, 1] }));
    await assert.rejects(loadPipeline(dir, { device: 'cpu' }),
      expectFolderError('text_encoder/model.onnx', /has no output named 'last_hidden_state'; its outputs are: 'hidden'$/));
  });

  it('names a wrong rank with the shape found', async () => {
    const dir = await copy();
    await fs.writeFile(path.join(dir, 'text_encoder/model.onnx'),
      passThrough({ name: 'input_ids', dtype: 'int64', shape: [77] }, { name: 'last_hidden_state', shape: [1, 77, 1] }));
    await assert.rejects(loadPipeline(dir, { device: 'cpu' }),
      expectFolderError('text_encoder/model.onnx', /input 'input_ids' has rank 1 \(shape \[77\]\); expected rank 2$/));
  });

  it('names a wrong element type', async () => {
    const dir = await copy();
    await fs.writeFile(path.join(dir, 'text_encoder/model.onnx'),
      passThrough({ name: 'input_ids', dtype: 'float32', shape: [1, 77] }, { name: 'last_hidden_state', shape: [1, 77, 1] }));
    await assert.rejects(loadPipeline(dir, { device: 'cpu' }),
      expectFolderError('text_encoder/model.onnx', /input 'input_ids' has element type float32; expected int32 or int64/));
  });

  describe('UNet signature', () => {
    const ok = [
      { name: 'sample', type: 'float32', shape: ['batch', 4, 'h', 'w'] },
      { name: 'timestep', type: 'int64', shape: [] },
      { name: 'encoder_hidden_states', type: 'float32', shape: ['batch', 77, 768] },
    ];
    const out = [{ name: 'out_sample', type: 'float32', shape: ['batch', 4, 'h', 'w'] }];

    it('accepts timestep rank 0 or 1 and an LCM timestep_cond', () => {
      checkSignature('/m', UNET_SPEC, ok, out);
      checkSignature('/m', UNET_SPEC, [...ok.slice(0, 1), { name: 'timestep', type: 'float16', shape: ['batch'] }, ...ok.slice(2),
        { name: 'timestep_cond', type: 'float32', shape: ['batch', 256] }], out);
    });

    it('rejects a timestep of rank 2, a float64 timestep and inputs it cannot feed (SDXL)', () => {
      assert.throws(() => checkSignature('/m', UNET_SPEC, [ok[0]!, { name: 'timestep', type: 'float32', shape: [1, 1] }, ok[2]!], out),
        /input 'timestep' has rank 2 \(shape \[1, 1\]\); expected rank 0 or 1/);
      assert.throws(() => checkSignature('/m', UNET_SPEC, [ok[0]!, { name: 'timestep', type: 'float64', shape: [1] }, ok[2]!], out),
        /expected float32 or float16 or int64/);
      assert.throws(() => checkSignature('/m', UNET_SPEC, [...ok, { name: 'text_embeds', type: 'float32', shape: ['batch', 1280] }], out),
        /needs input\(s\) 'text_embeds' that Nanoforge does not provide/);
    });
  });
});
