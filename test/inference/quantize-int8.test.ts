// int8 with integer kernels on real onnxruntime: the graph structure (which ops appear, int8
// weights, int32 bias), that onnxruntime's CPU provider fuses it into its integer kernels
// (DynamicQuantizeMatMul, QLinearConv), its numeric error against fp32, the per-operator choices the
// manifest records (and that the written graph follows them), and that a conversion failing
// verification is not written.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { attr, GraphBuilder } from '../../scripts/lib/onnx-builder';
import { copyFixture, ensureFixtures, type Fixtures } from '../fixtures/models';
import { runCli } from './cli-helpers';
import { DataType, OnnxSource, writeOnnx } from '../../src/inference/models/onnx-io';
import {
  activationParams, chooseKernel, findInt8Sites, instrument, MANIFEST_FILE, measureSite, quantizeInt8Kernels, quantizeModelFolder, QuantizeVerificationError,
  type ActivationRange, type KernelChoice, type OpChoice, type QuantizeManifest,
} from '../../src/inference/models/quantize';
import { FolderPlan } from '../../src/inference/models/quantize/int8-plan';
import { noiseToSignal } from '../../src/inference/models/quantize/int8-sites';
import { createRng } from '../../src/inference/pipeline/rng';

/** Uniform numbers in [-0.5, 0.5) from the pipeline's own seeded stream (the same on every platform). */
function uniformCentred(seed: number): () => number {
  const rng = createRng(seed);
  return () => rng.uniform() - 0.5;
}

/** x [1,16,8,8] → Conv 3×3 (+bias) → Relu → Conv 1×1 → Flatten → MatMul [2048,256] → Gemm (transB, bias) → y [1,64]. */
function randomModel(): GraphBuilder {
  const rnd = uniformCentred(11);
  const rand = (n: number, s: number) => Float32Array.from({ length: n }, () => rnd() * s);
  const b = new GraphBuilder('int8_kernels', 17);
  const x = b.input('x', 'float32', [1, 16, 8, 8]);
  const conv1 = b.op('Conv', [x, b.initializer('conv1_w', { dtype: 'float32', dims: [32, 16, 3, 3], data: rand(32 * 16 * 9, 0.2) }), b.initializer('conv1_b', { dtype: 'float32', dims: [32], data: rand(32, 0.2) })], { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]) });
  const conv2 = b.op('Conv', [b.op('Relu', [conv1]), b.initializer('conv2_w', { dtype: 'float32', dims: [32, 32, 1, 1], data: rand(32 * 32, 0.3) })], { kernel_shape: attr.ints([1, 1]) });
  const flat = b.op('Flatten', [conv2], { axis: attr.int(1) });
  const mm = b.op('MatMul', [flat, b.initializer('mm_w', { dtype: 'float32', dims: [2048, 256], data: rand(2048 * 256, 0.05) })]);
  const gemm = b.op('Gemm', [mm, b.initializer('gemm_w', { dtype: 'float32', dims: [64, 256], data: rand(64 * 256, 0.2) }), b.f32(new Array<number>(64).fill(0.1), [64])], { transB: attr.int(1) });
  b.outputFrom(gemm, 'y', 'float32', [1, 64]);
  return b;
}

const INPUT = Float32Array.from({ length: 16 * 64 }, (_, i) => Math.sin(i * 0.37) + 0.3 * Math.cos(i * 0.05));

async function run(file: string, options: ort.InferenceSession.SessionOptions = {}): Promise<Record<string, Float32Array>> {
  const s = await ort.InferenceSession.create(file, { logSeverityLevel: 3, ...options });
  try {
    const out = await s.run({ x: new ort.Tensor('float32', INPUT, [1, 16, 8, 8]) });
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
  } finally {
    await s.release();
  }
}

function relError(ref: Float32Array, got: Float32Array): number {
  let d = 0, r = 0;
  ref.forEach((v, i) => { d += Math.abs(v - (got[i] ?? 0)); r += Math.abs(v); });
  return d / r;
}

async function opTypes(file: string): Promise<string[]> {
  return onnx.ModelProto.decode(await fs.readFile(file)).graph?.node?.map((n) => n.opType ?? '') ?? [];
}

describe('quantize int8: integer kernels on a random MatMul/Gemm/Conv model', function () {
  this.timeout(60_000);
  let tmp: string;
  let original: string;
  let reference: Float32Array;
  const ranges = new Map<string, ActivationRange>();

  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nanoforge-int8-'));
    original = path.join(tmp, 'model.onnx');
    await randomModel().save(original);
    reference = (await run(original)).y as Float32Array;
    // Calibrate the Conv activations the way the converter does: ReduceMin/ReduceMax/Shape outputs.
    const source = await OnnxSource.open(original);
    const convs = findInt8Sites(source.graph, 1024).filter((s) => s.op === 'Conv');
    const taps = convs.flatMap((s) => [s.input, s.output]);
    const instrumented = instrument(source.model, taps);
    const file = path.join(tmp, 'instrumented.onnx');
    await writeOnnx(file, instrumented.model, source.graph.initializer.map((t) => ({ header: t, byteLength: t.rawData?.byteLength ?? 0, bytes: async () => t.rawData as Uint8Array })), { external: false });
    await source.close();
    const out = await run(file);
    for (const t of instrumented.taps) ranges.set(t.value, { min: out[t.min]?.[0] ?? NaN, max: out[t.max]?.[0] ?? NaN, dims: Array.from(out[t.shape] ?? [], Number) });
    assert.equal(ranges.size, 4, 'x, the first Conv output, the Relu output and the second Conv output');
  });
  after(async () => fs.rm(tmp, { recursive: true, force: true }));

  async function convert(choice: 'integer' | 'weight-only' | 'float'): Promise<{ file: string; kernels: { integerMatMul: number; integerConv: number; weightOnly: number; float: number } }> {
    const source = await OnnxSource.open(original);
    try {
      const converted = await quantizeInt8Kernels(source, { choice: () => choice, range: (v) => ranges.get(v) }, { minSize: 1024 });
      const file = path.join(tmp, `${choice}.onnx`);
      await writeOnnx(file, converted.model, converted.tensors, { external: false });
      return { file, kernels: converted.kernels };
    } finally {
      await source.close();
    }
  }

  it('integer: MatMul and Gemm on MatMulInteger, Convs between Q/DQ, int8 weights and int32 bias, within 2 % of fp32', async () => {
    const { file, kernels } = await convert('integer');
    assert.deepEqual({ ...kernels, dynamicQuantize: undefined }, { integerMatMul: 2, integerConv: 2, weightOnly: 0, float: 0, dynamicQuantize: undefined });
    const model = onnx.ModelProto.decode(await fs.readFile(file));
    const nodes = model.graph?.node ?? [];
    const ops = nodes.map((n) => n.opType);
    assert.ok(!ops.includes('MatMul') && !ops.includes('Gemm'), `no float MatMul/Gemm left: ${ops.join(' ')}`);
    assert.equal(ops.filter((o) => o === 'MatMulInteger').length, 2);
    assert.equal(ops.filter((o) => o === 'DynamicQuantizeLinear').length, 2);
    const inits = new Map((model.graph?.initializer ?? []).map((t) => [t.name ?? '', t]));
    for (const mmi of nodes.filter((n) => n.opType === 'MatMulInteger')) {
      const w = inits.get(mmi.input?.[1] ?? '');
      assert.equal(w?.dataType, DataType.INT8, 'MatMulInteger weight stored as int8');
    }
    const gemmWeight = inits.get(nodes.filter((n) => n.opType === 'MatMulInteger')[1]?.input?.[1] ?? '');
    assert.deepEqual(gemmWeight?.dims?.map(Number), [256, 64], 'Gemm transB weight stored as [K, N]');
    for (const conv of nodes.filter((n) => n.opType === 'Conv')) {
      const producers = (conv.input ?? []).map((i) => nodes.find((n) => n.output?.includes(i))?.opType);
      assert.ok(producers.every((p) => p === 'DequantizeLinear'), `every Conv input comes from DequantizeLinear: ${producers.join(',')}`);
      const consumer = nodes.find((n) => n.input?.includes(conv.output?.[0] ?? ''));
      assert.equal(consumer?.opType, 'QuantizeLinear');
    }
    const bias = [...inits.values()].find((t) => t.name?.startsWith('conv1_b') && t.dataType === DataType.INT32);
    assert.ok(bias, 'Conv bias quantized to int32');
    assert.ok(![...inits.keys()].some((n) => ['conv1_w', 'conv2_w', 'mm_w', 'gemm_w', 'conv1_b'].includes(n)), 'no float copy of a quantized weight is kept');
    const err = relError(reference, (await run(file)).y as Float32Array);
    assert.ok(err < 0.02, `relative error ${err}`);
  });

  it('onnxruntime fuses the integer graph into DynamicQuantizeMatMul and QLinearConv (the kernels that run)', async () => {
    const { file } = await convert('integer');
    const optimized = path.join(tmp, 'integer-optimized.onnx');
    await run(file, { graphOptimizationLevel: 'all', optimizedModelFilePath: optimized, intraOpNumThreads: 1 });
    const ops = await opTypes(optimized);
    assert.equal(ops.filter((o) => o === 'DynamicQuantizeMatMul').length, 2, ops.join(' '));
    assert.equal(ops.filter((o) => o === 'QLinearConv').length, 2, ops.join(' '));
    assert.ok(!ops.includes('MatMul') && !ops.includes('Conv') && !ops.includes('MatMulInteger'), ops.join(' '));
  });

  it('weight-only keeps float maths behind DequantizeLinear; float leaves the graph as it was', async () => {
    const weightOnly = await convert('weight-only');
    assert.equal(weightOnly.kernels.weightOnly, 4);
    const ops = await opTypes(weightOnly.file);
    assert.equal(ops.filter((o) => o === 'DequantizeLinear').length, 4);
    assert.ok(ops.includes('MatMul') && ops.includes('Gemm') && !ops.includes('MatMulInteger'));
    assert.ok(relError(reference, (await run(weightOnly.file)).y as Float32Array) < 0.01);
    const float = await convert('float');
    assert.equal(float.kernels.float, 4);
    assert.deepEqual(await opTypes(float.file), await opTypes(original));
    assert.deepEqual((await run(float.file)).y, reference);
  });

  it('measureSite times every kernel of a site the given number of rounds, reports medians and fastest runs, and removes its scratch folder', async () => {
    const source = await OnnxSource.open(original);
    try {
      const sites = findInt8Sites(source.graph, 1024);
      const conv = sites.find((s) => s.op === 'Conv' && s.available.includes('integer'));
      assert.ok(conv, sites.map((s) => `${s.op} ${s.available.join('/')}`).join(', '));
      const scratch = path.join(tmp, 'measure');
      const m = await measureSite(scratch, conv, [1, 16, 8, 8], { x: ranges.get(conv.input), y: ranges.get(conv.output) }, [{ domain: '', version: 17 }], { rounds: 3, warmups: 2 });
      assert.equal(m.rounds, 3);
      assert.deepEqual(Object.keys(m.ms).sort(), [...conv.available].sort());
      for (const k of conv.available) {
        const median = m.ms[k] ?? NaN, fastest = m.fastestMs[k] ?? NaN;
        assert.ok(fastest > 0 && fastest <= median, `${k}: fastest ${fastest} ms, median ${median} ms`);
      }
      await assert.rejects(fs.stat(scratch), { code: 'ENOENT' });
    } finally {
      await source.close();
    }
  });

  it('activation parameters cover zero and the calibrated range; the kernel rule prefers weight-only within 5 %', () => {
    assert.deepEqual(activationParams({ min: -1, max: 3, dims: [] }), { scale: 4 / 255, zero: 64 });
    const positive = activationParams({ min: 0.5, max: 2.55, dims: [] });
    assert.ok(Math.abs(positive.scale - 0.01) < 1e-12 && positive.zero === 0, JSON.stringify(positive));
    assert.deepEqual(activationParams({ min: 0, max: 0, dims: [] }), { scale: 1, zero: 0 });
    assert.equal(chooseKernel({ integer: 5, 'weight-only': 10, float: 9 }).chosen, 'integer');
    assert.equal(chooseKernel({ integer: 10, 'weight-only': 10.4, float: 12 }).chosen, 'weight-only');
    assert.equal(chooseKernel({ integer: 10, 'weight-only': 12, float: 8 }).chosen, 'float');
    assert.equal(chooseKernel({ 'weight-only': 8.3, float: 8 }).chosen, 'weight-only');
    assert.equal(chooseKernel({ integer: 0.01, 'weight-only': 0.08, float: 0.02 }).chosen, 'weight-only', 'below 0.1 ms it is noise');
    assert.equal(chooseKernel({ integer: 1, 'weight-only': 1.2, float: 1.3 }).chosen, 'integer');
  });
});

/** Producer op of each site key, and whether its weight input is int8 / float. */
async function checkGraphFollowsChoices(dir: string, manifest: QuantizeManifest): Promise<number> {
  let checked = 0;
  for (const row of manifest.int8?.choices ?? []) {
    const model = onnx.ModelProto.decode(await fs.readFile(path.join(dir, row.component)));
    const nodes = model.graph?.node ?? [];
    const inits = new Map((model.graph?.initializer ?? []).map((t) => [t.name ?? '', t]));
    const producer = (value: string) => nodes.find((n) => n.output?.includes(value));
    for (const key of row.nodes) {
      const node = producer(key);
      assert.ok(node, `${row.component}: ${key} still produced`);
      if (row.chosen === 'integer' && row.op !== 'Conv') {
        const integer = nodes.find((n) => n.opType === 'MatMulInteger' && n.output?.[0]?.startsWith(`${key}_int32`));
        assert.ok(integer, `${key}: MatMulInteger`);
      } else if (row.chosen === 'integer') {
        assert.equal(node.opType, 'DequantizeLinear', `${key}: Conv output dequantized`);
      } else {
        assert.equal(node.opType, row.op, `${key}: still ${row.op}`);
        const weight = node.input?.[1] ?? '';
        if (row.chosen === 'float') assert.equal(inits.get(weight)?.dataType, DataType.FLOAT, `${key}: float weight`);
        else assert.equal(producer(weight)?.opType, 'DequantizeLinear', `${key}: weight-only`);
      }
      checked++;
    }
  }
  return checked;
}

describe('quantize int8: oracle folders, manifest choices and the failure path', function () {
  this.timeout(120_000);
  let fx: Fixtures;
  let tmp: string;

  before(async () => {
    fx = await ensureFixtures();
  });
  beforeEach(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nanoforge-int8-folder-'));
  });
  afterEach(async () => fs.rm(tmp, { recursive: true, force: true }));

  it('--kernels integer: UNet MatMuls on MatMulInteger, the VAE Conv calibrated, verified good; the manifest records each choice', async () => {
    const out = path.join(tmp, 'int8');
    const manifest = await quantizeModelFolder(fx.path('oracle-fp32'), out, { to: 'int8', minSize: 1, kernels: 'integer' });
    assert.equal(manifest.verdict, 'good', JSON.stringify(manifest.verification?.failures));
    const onDisk = JSON.parse(await fs.readFile(path.join(out, MANIFEST_FILE), 'utf8')) as QuantizeManifest;
    assert.equal(onDisk.int8?.mode, 'integer');
    assert.deepEqual(onDisk.int8?.calibration?.runs, { 'text_encoder/model.onnx': 3, 'unet/model.onnx': 12, 'vae_decoder/model.onnx': 4 });
    const rows = onDisk.int8?.choices ?? [];
    const row = (component: string) => rows.find((r) => r.component === component);
    assert.deepEqual([row('unet/model.onnx')?.op, row('unet/model.onnx')?.chosen, row('unet/model.onnx')?.nodes.length], ['MatMul', 'integer', 2]);
    assert.deepEqual([row('vae_decoder/model.onnx')?.op, row('vae_decoder/model.onnx')?.chosen], ['Conv', 'integer']);
    // The colour table feeds two MatMuls: shared weights cannot be integer, and the reason says so.
    assert.deepEqual([row('text_encoder/model.onnx')?.chosen, row('text_encoder/model.onnx')?.reason], ['weight-only', 'weight used 2 times']);
    assert.deepEqual(onDisk.components.map((c) => c.kernels?.integerMatMul), [0, 2, 0]);
    assert.deepEqual(onDisk.components.map((c) => c.kernels?.integerConv), [0, 0, 1]);
    assert.equal(await checkGraphFollowsChoices(out, onDisk), 4);
    const v = onDisk.verification;
    assert.ok(v && v.unet.relMean <= 0.05 && v.vaeDecoder.relMean <= 0.05 && v.image.psnr >= 24, JSON.stringify(v));
  });

  it('--kernels auto (default): every integer-capable site is timed, the rule picks the kernel, the graph follows', async () => {
    const out = path.join(tmp, 'auto');
    const manifest = await quantizeModelFolder(fx.path('oracle-ext-data'), out, { to: 'int8', minSize: 1, measureRounds: 3 });
    assert.equal(manifest.verdict, 'good', JSON.stringify(manifest.verification?.failures));
    assert.equal(manifest.int8?.mode, 'auto');
    assert.ok(manifest.int8?.measurement && manifest.int8.measurement.signatures === 2, JSON.stringify(manifest.int8?.measurement));
    for (const row of manifest.int8?.choices ?? []) {
      if (!row.available.includes('integer')) continue;
      assert.deepEqual(Object.keys(row.ms ?? {}).sort(), ['float', 'integer', 'weight-only'], row.signature);
      assert.equal(row.chosen, chooseKernel(row.ms ?? {}).chosen, row.signature);
      assert.match(row.signature, /x\[1,/, 'activation shape known from calibration');
    }
    assert.equal(await checkGraphFollowsChoices(out, manifest), 4);
    const unet = await OnnxSource.open(path.join(out, 'unet/model.onnx'));
    assert.deepEqual(unet.externalFiles(), ['model.onnx.data'], 'external data kept external');
    await unet.close();
    assert.deepEqual((await fs.readdir(out)).filter((n) => n.startsWith('.nanoforge')), [], 'no work files left in the output');
  });

  it('a model that fails verification is not written: integer, then weight-only are tried, the error carries the measurements', async () => {
    const model = await copyFixture('oracle-fp32', tmp);
    // An outlier in a row the embedding never reads (the zero padding): float output unchanged,
    // but its column's int8 scale grows 10⁴× and the real weights of that column round to zero.
    const unetFile = path.join(model, 'unet/model.onnx');
    const m = onnx.ModelProto.decode(await fs.readFile(unetFile));
    const proj = m.graph?.initializer?.find((t) => t.name?.startsWith('fg_latent_proj') && t.dims?.length === 2);
    assert.ok(proj?.rawData, 'the oracle UNet has its fg projection as a float initializer');
    const values = new Float32Array(new Uint8Array(proj.rawData).buffer);
    values[10 * 4] = 1e4;
    proj.rawData = new Uint8Array(values.buffer);
    await fs.writeFile(unetFile, onnx.ModelProto.encode(m).finish());
    const out = path.join(tmp, 'out');
    let failure: QuantizeVerificationError | undefined;
    await quantizeModelFolder(model, out, { to: 'int8', minSize: 1, kernels: 'integer' }).catch((e: unknown) => {
      if (e instanceof QuantizeVerificationError) failure = e;
      else throw e;
    });
    assert.ok(failure, 'rejected with QuantizeVerificationError');
    assert.match(failure.message, /failed verification \(UNet: relative mean error [\d.e-]+ > 0\.05.*\); nothing was written$/);
    const attempts = failure.manifest.int8?.attempts ?? [];
    assert.equal(attempts.length, 2, JSON.stringify(attempts));
    assert.deepEqual(attempts.map((a) => a.passed), [false, false]);
    assert.deepEqual(attempts[1]?.downgraded, ['unet/model.onnx: 2 integer site(s) off the integer kernel']);
    assert.ok((attempts[0]?.errors.unet ?? 0) > 0.05 && (attempts[1]?.errors.unet ?? 0) > 0.05);
    assert.equal(failure.manifest.verdict, 'failed');
    assert.deepEqual((await fs.readdir(tmp)).sort(), ['oracle-fp32'], 'no output folder, no partial folder');
    const cli = await runCli(['quantize', model, out, '--to', 'int8', '--min-size', '1', '--kernels', 'integer', '--json']);
    assert.equal(cli.code, 3, cli.stderr);
    assert.equal((JSON.parse(cli.stdout) as QuantizeManifest).verdict, 'failed');
    assert.match(cli.stderr, /nothing was written/);
    assert.deepEqual((await fs.readdir(tmp)).sort(), ['oracle-fp32']);
  });

  it('--kernels is checked: a wrong mode or a non-int8 target is a one-line usage error', async () => {
    const bad = await runCli(['quantize', fx.path('oracle-fp32'), path.join(tmp, 'o'), '--to', 'int8', '--kernels', 'fast']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--kernels must be one of auto, integer, weight-only, got 'fast'/);
    const fp16 = await runCli(['quantize', fx.path('oracle-fp32'), path.join(tmp, 'o'), '--to', 'fp16', '--kernels', 'integer']);
    assert.equal(fp16.code, 1);
    assert.match(fp16.stderr, /--kernels applies to --to int8 only/);
    assert.deepEqual(await fs.readdir(tmp), []);
  });
});

describe('quantize int8: fallback after a failed verification', () => {
  it('first the noisiest half of the integer Convs leaves the integer kernel (to the faster of weight-only and float), then the rest', () => {
    const ms = { integer: 1, 'weight-only': 3, float: 2 };
    const rows: OpChoice[] = [
      { component: 'unet/model.onnx', op: 'Conv', signature: 'a', nodes: ['c1', 'c2', 'c3'], available: ['integer', 'weight-only', 'float'], ms, chosen: 'integer', reason: 'r' },
      { component: 'unet/model.onnx', op: 'Conv', signature: 'b', nodes: ['c4'], available: ['integer', 'weight-only', 'float'], chosen: 'integer', reason: 'r' },
      { component: 'unet/model.onnx', op: 'MatMul', signature: 'm', nodes: ['m1'], available: ['integer', 'weight-only', 'float'], chosen: 'integer', reason: 'r' },
    ];
    // Same RMS (1), different ranges: the widest range has the coarsest step relative to the signal.
    const range = (w: number): ActivationRange => ({ min: -w / 2, max: w / 2, dims: [10], sumSquares: 10, count: 10 });
    assert.ok(Math.abs(noiseToSignal(range(255 * Math.sqrt(12))) - 1) < 1e-12, 'step / √12 over RMS');
    const ranges = new Map([['unet/model.onnx', new Map([['x1', range(1)], ['x2', range(300)], ['x3', range(6)], ['x4', range(200)], ['y', range(2)]])]]);
    const sites = new Map([['unet/model.onnx', new Map([['c1', 'x1'], ['c2', 'x2'], ['c3', 'x3'], ['c4', 'x4'], ['m1', 'x1']].map(([k, x]) => [k as string, { input: x as string, output: 'y' }]))]]);
    const choices = new Map([['unet/model.onnx', new Map<string, KernelChoice>([['c1', 'integer'], ['c2', 'integer'], ['c3', 'integer'], ['c4', 'integer'], ['m1', 'integer']])]]);
    const plan = new FolderPlan(choices, ranges, rows, sites);
    assert.equal(plan.downgradeNoisiestConvs('unet/model.onnx', 'UNet over'), 2);
    const chosen = choices.get('unet/model.onnx');
    assert.deepEqual(['c1', 'c2', 'c3', 'c4', 'm1'].map((k) => chosen?.get(k)), ['integer', 'float', 'integer', 'weight-only', 'integer'], 'c2 (measured: float faster) and c4 (unmeasured) moved');
    assert.deepEqual(rows.map((r) => [r.nodes.join(','), r.chosen]), [['c1,c3', 'integer'], ['c2', 'float'], ['c4', 'weight-only'], ['m1', 'integer']], 'the manifest rows are split per node');
    assert.equal(plan.downgradeNoisiestConvs('unet/model.onnx', 'again'), 0, 'halving happens once per component');
    assert.equal(plan.downgrade('unet/model.onnx', ['Conv'], 'still over'), 2);
    assert.deepEqual([...plan.integerOps('unet/model.onnx')], ['MatMul']);
  });
});
