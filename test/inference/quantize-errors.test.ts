// Bad input to the quantizer gets a clear error and never leaves a half-written output folder:
// a folder that is not a model, an unsupported op or dtype, an existing or read-only target,
// cancellation; plus `nanoforge quantize` as a real process (one-line errors, --json manifest).
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { copyFixture, ensureFixtures, type Fixtures } from '../fixtures/models';
import { runCli, type CliRun } from './cli-helpers';
import { ModelFolderError } from '../../src/inference';
import { MANIFEST_FILE, quantizeModelFolder, QuantizeTargetError, UnsupportedModelError, type QuantizeManifest } from '../../src/inference/models/quantize';


/** Everything in `dir` (names only): proves that no `.partial` folder or output was left behind. */
async function entries(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).sort();
}

/** Makes `dir` unwritable even for root (immutable attribute), else by mode; undefined if neither works. */
function makeReadOnly(dir: string): (() => void) | undefined {
  if (process.getuid?.() === 0) {
    try {
      execFileSync('chattr', ['+i', dir], { stdio: 'ignore' });
      return () => execFileSync('chattr', ['-i', dir], { stdio: 'ignore' });
    } catch (error) {
      process.stderr.write(`chattr unavailable (${String(error)}); read-only test skipped\n`);
      return undefined;
    }
  }
  execFileSync('chmod', ['555', dir]);
  return () => execFileSync('chmod', ['755', dir]);
}

/** Rewrites a model file's graph: `edit` gets the decoded model and changes it in place. */
async function editModel(file: string, edit: (m: onnx.ModelProto) => void): Promise<void> {
  const model = onnx.ModelProto.decode(await fs.readFile(file));
  edit(model);
  await fs.writeFile(file, onnx.ModelProto.encode(model).finish());
}

function nanoforge(args: string[]): Promise<CliRun> {
  return runCli(args);
}

describe('quantize: errors leave no half-written output', function () {
  this.timeout(90_000);
  let fx: Fixtures;
  let tmp: string;

  before(async () => {
    fx = await ensureFixtures();
  });
  beforeEach(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nanoforge-quant-err-'));
  });
  afterEach(async () => fs.rm(tmp, { recursive: true, force: true }));

  it('a folder that is not a model: ModelFolderError naming the missing file', async () => {
    const notModel = path.join(tmp, 'photos');
    await fs.mkdir(notModel);
    await fs.writeFile(path.join(notModel, 'cat.jpg'), 'not a model');
    await assert.rejects(quantizeModelFolder(notModel, path.join(tmp, 'out'), { to: 'int8' }), (e: Error) => e instanceof ModelFolderError && /model_index\.json/.test(e.message));
    assert.deepEqual(await entries(tmp), ['photos']);
  });

  it('an unsupported op (If with a subgraph): names the node and the op', async () => {
    const model = await copyFixture('oracle-fp32', tmp);
    await editModel(path.join(model, 'unet/model.onnx'), (m) => {
      const branch = { name: 'branch', node: [], output: [] };
      m.graph?.node?.push(onnx.NodeProto.create({ opType: 'If', name: 'pick_branch', input: ['cond'], output: ['unused'], attribute: [
        { name: 'then_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: branch },
        { name: 'else_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: branch },
      ] }));
    });
    await assert.rejects(quantizeModelFolder(model, path.join(tmp, 'out'), { to: 'fp16' }), (e: Error) =>
      e instanceof UnsupportedModelError && /unet[\\/]model\.onnx/.test(e.message) && /node 'pick_branch' \(If\)/.test(e.message));
    assert.deepEqual(await entries(tmp), ['oracle-fp32']);
  });

  it('an unsupported dtype or opset: bfloat16 weights for fp16, int8 below opset 13', async () => {
    const model = await copyFixture('oracle-fp32', tmp);
    await editModel(path.join(model, 'vae_decoder/model.onnx'), (m) => {
      m.graph?.initializer?.push(onnx.TensorProto.create({ name: 'odd', dims: [1], dataType: onnx.TensorProto.DataType.BFLOAT16, rawData: new Uint8Array(2) }));
    });
    await assert.rejects(quantizeModelFolder(model, path.join(tmp, 'out'), { to: 'fp16' }), (e: Error) =>
      e instanceof UnsupportedModelError && /initializer 'odd' has dtype bfloat16/.test(e.message));
    await editModel(path.join(model, 'unet/model.onnx'), (m) => {
      const op = m.opsetImport.find((o) => !o.domain);
      if (op) op.version = 12;
    });
    await assert.rejects(quantizeModelFolder(model, path.join(tmp, 'out'), { to: 'int8', minSize: 1 }), (e: Error) =>
      e instanceof UnsupportedModelError && /unet[\\/]model\.onnx: uses opset 12/.test(e.message));
    assert.deepEqual(await entries(tmp), ['oracle-fp32']);
  });

  it('truncated external data: names the data file and the tensor', async () => {
    const model = await copyFixture('oracle-ext-data', tmp);
    const data = path.join(model, 'unet/model.onnx.data');
    await fs.truncate(data, 100);
    await assert.rejects(quantizeModelFolder(model, path.join(tmp, 'out'), { to: 'int8', minSize: 1 }), (e: Error) =>
      /unet[\\/]model\.onnx\.data: ends before the \d+ bytes of '/.test(e.message));
    assert.deepEqual(await entries(tmp), ['oracle-ext-data']);
  });

  it('an existing non-empty target is refused (and left alone) unless force, which replaces it whole', async () => {
    const out = path.join(tmp, 'out');
    await fs.mkdir(out);
    await fs.writeFile(path.join(out, 'keep.txt'), 'mine');
    await assert.rejects(quantizeModelFolder(fx.path('oracle-fp32'), out, { to: 'int8', verify: false }), (e: Error) =>
      e instanceof QuantizeTargetError && /already exists and is not empty \(use --force/.test(e.message));
    assert.deepEqual(await entries(out), ['keep.txt']);
    const manifest = await quantizeModelFolder(fx.path('oracle-fp32'), out, { to: 'int8', verify: false, force: true, minSize: 1 });
    assert.equal(manifest.verdict, 'unverified');
    assert.ok(!(await entries(out)).includes('keep.txt'));
    assert.ok((await entries(out)).includes(MANIFEST_FILE));
    assert.deepEqual(await entries(tmp), ['out']);
    await assert.rejects(quantizeModelFolder(fx.path('oracle-fp32'), fx.path('oracle-fp32'), { to: 'int8', force: true }), /must not be the input folder/);
  });

  it('a read-only target folder: clear error, nothing written', async function () {
    const parent = path.join(tmp, 'locked');
    await fs.mkdir(parent);
    const unlock = makeReadOnly(parent);
    if (!unlock) this.skip();
    try {
      await assert.rejects(quantizeModelFolder(fx.path('oracle-fp32'), path.join(parent, 'out'), { to: 'int8' }), (e: Error) =>
        e instanceof QuantizeTargetError && /locked/.test(e.message) && /(not writable|cannot write)/.test(e.message) && /(EACCES|EPERM|EROFS)/.test(e.message));
      assert.deepEqual(await entries(parent), []);
    } finally {
      unlock?.();
    }
  });

  it('cancellation mid-way removes the partial folder', async () => {
    const abort = new AbortController();
    let seen = 0;
    await assert.rejects(quantizeModelFolder(fx.path('oracle-ext-data'), path.join(tmp, 'out'), {
      to: 'fp16', signal: abort.signal, onProgress: (p) => { if (p.phase === 'convert' && ++seen === 2) abort.abort(new Error('user cancelled')); },
    }), /user cancelled/);
    assert.ok(seen >= 2);
    assert.deepEqual(await entries(tmp), []);
  });

  it('nanoforge quantize: one-line errors with exit 1, usage errors, --json manifest on success', async () => {
    const bad = await nanoforge(['quantize', path.join(tmp, 'nothing'), path.join(tmp, 'out'), '--to', 'int8']);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr.split('\n').length, 1, bad.stderr);
    assert.match(bad.stderr, /^nanoforge quantize: .*nothing/);
    const usage = await nanoforge(['quantize', fx.path('oracle-fp32'), path.join(tmp, 'out'), '--to', 'int2']);
    assert.equal(usage.code, 1);
    assert.match(usage.stderr, /--to must be one of fp16, int8, int4, got 'int2'/);
    const ok = await nanoforge(['quantize', fx.path('oracle-fp32'), path.join(tmp, 'out'), '--to', 'int8', '--min-size', '1', '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    const manifest = JSON.parse(ok.stdout) as QuantizeManifest;
    assert.equal(manifest.verdict, 'good');
    assert.ok(manifest.verification && manifest.verification.image.psnr >= 24);
    assert.deepEqual(JSON.parse(await fs.readFile(path.join(tmp, 'out', MANIFEST_FILE), 'utf8')), manifest);
    const again = await nanoforge(['quantize', fx.path('oracle-fp32'), path.join(tmp, 'out'), '--to', 'int8']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists and is not empty/);
  });
});
