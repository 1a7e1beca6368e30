// The graph builder behind the fixture models, checked against real onnxruntime-node: fp16 bits
// agree with ORT's own Cast, int8 weights dequantize within half a step, external data loads.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { attr, elemType, float16ToFloat32, float32ToFloat16, GraphBuilder, quantizeInt8, type WeightStorage } from '../../scripts/lib/onnx-builder';

async function session(b: GraphBuilder): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(b.serialize().model);
}

/** y = x · W for a [2, 3] weight stored as asked. */
function matmulModel(weights: number[], storage: WeightStorage): GraphBuilder {
  const b = new GraphBuilder('matmul');
  const x = b.input('x', 'float32', ['batch', 2]);
  const w = b.weight('w', weights, [2, 3], storage);
  b.outputFrom(b.op('MatMul', [x, w]), 'y', 'float32', ['batch', 3]);
  return b;
}

async function rowsOf(s: ort.InferenceSession): Promise<Float32Array> {
  const out = await s.run({ x: new ort.Tensor('float32', Float32Array.of(1, 0, 0, 1), [2, 2]) });
  return out.y?.data as Float32Array;
}

describe('onnx-builder', () => {
  it('converts float32 to float16 bits like the IEEE rules (ties to even, subnormals, overflow)', () => {
    const cases: [number, number][] = [
      [1, 0x3c00], [-2, 0xc000], [0.1, 0x2e66], [65504, 0x7bff], [65520, 0x7c00], [-1e9, 0xfc00],
      [2 ** -14, 0x0400], [2 ** -24, 0x0001], [2 ** -26, 0x0000], [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], [-0, 0x8000],
    ];
    for (const [v, bits] of cases) assert.equal(float32ToFloat16(v), bits, `${v}`);
    for (let bits = 0; bits < 0x10000; bits++) {
      if ((bits & 0x7c00) === 0x7c00 && bits & 0x3ff) continue; // NaN payloads are not preserved
      assert.equal(float32ToFloat16(float16ToFloat32(bits)), bits, `round trip 0x${bits.toString(16)}`);
    }
  });

  it('agrees with onnxruntime Cast(float32 → float16) on a sweep of values', async () => {
    const b = new GraphBuilder('cast');
    const x = b.input('x', 'float32', ['n']);
    b.outputFrom(b.op('Cast', [x], { to: attr.int(elemType('float16')) }), 'y', 'float16', ['n']);
    const values = Float32Array.from({ length: 4001 }, (_, i) => (i - 2000) * 0.0377 * Math.exp((i % 37) / 3));
    const out = await (await session(b)).run({ x: new ort.Tensor('float32', values, [values.length]) });
    const ortBits = out.y?.data as Uint16Array;
    values.forEach((v, i) => assert.equal(float32ToFloat16(v), ortBits[i], `value ${v}`));
  });

  it('stores weights as fp32, fp16 + Cast and int8 + DequantizeLinear (per tensor and per axis)', async () => {
    const w = [0.9, -0.31, 0.05, 0.002, 1.7, -0.6];
    const exact = await rowsOf(await session(matmulModel(w, { kind: 'float32' })));
    assert.deepEqual(Array.from(exact), w.map(Math.fround));
    const half = await rowsOf(await session(matmulModel(w, { kind: 'float16' })));
    half.forEach((v, i) => assert.ok(Math.abs(v - (w[i] ?? 0)) <= Math.abs(w[i] ?? 0) * 2 ** -11, `fp16 ${i}`));
    for (const axis of [undefined, 0]) {
      const q = quantizeInt8(w, [2, 3], axis);
      const got = await rowsOf(await session(matmulModel(w, { kind: 'int8', axis })));
      got.forEach((v, i) => {
        const scale = q.scale[axis === undefined ? 0 : Math.floor(i / 3)] ?? 1;
        assert.ok(Math.abs(v - (w[i] ?? 0)) <= scale / 2 + 1e-7, `int8 axis=${axis} [${i}] ${v} vs ${w[i]}`);
      });
    }
    const table = await rowsOf(await session(matmulModel([1, 0.5, 0, 128 / 255, 165 / 255, 42 / 255], { kind: 'int8', scale: [1 / 255], zeroPoint: [-128] })));
    // scale 1/255 with zero point −128 holds every 8-bit colour exactly (0.5 rounds to 128/255).
    assert.deepEqual(Array.from(table, (v) => Math.round(v * 255 * 1e4) / 1e4), [255, 128, 0, 128, 165, 42]);
  });

  it('writes external data with aligned offsets that onnxruntime loads', async () => {
    const b = new GraphBuilder('affine');
    const x = b.input('x', 'float32', ['batch', 2]);
    const w = b.weight('w', [1, 2, 3, 4, 5, 6], [2, 3], { kind: 'float32' });
    const bias = b.initializer('bias', { dtype: 'float32', dims: [3], data: Float32Array.of(10, 20, 30) });
    b.outputFrom(b.op('Add', [b.op('MatMul', [x, w]), bias]), 'y', 'float32', ['batch', 3]);
    const external = { location: 'model.onnx.data', minBytes: 0, align: 4096 };
    const { model, externalData } = b.serialize({ external });
    assert.ok(externalData && externalData.byteLength === 4096 + 12);
    const decoded = onnx.ModelProto.decode(model);
    const entries = (decoded.graph?.initializer ?? []).map((t) => Object.fromEntries((t.externalData ?? []).map((e) => [e.key, e.value])));
    assert.deepEqual(entries.map((e) => [e.location, Number(e.offset) % 4096, e.length]), [['model.onnx.data', 0, '24'], ['model.onnx.data', 0, '12']]);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nf-builder-'));
    try {
      assert.deepEqual(await b.save(path.join(dir, 'model.onnx'), { external }), { modelBytes: model.byteLength, dataBytes: 4096 + 12 });
      assert.deepEqual(new Uint8Array(await fs.readFile(path.join(dir, 'model.onnx.data'))), externalData);
      const s = await ort.InferenceSession.create(path.join(dir, 'model.onnx'));
      assert.deepEqual(Array.from(await rowsOf(s)), [11, 22, 33, 14, 25, 36]);
      assert.deepEqual(s.inputMetadata[0]?.isTensor ? s.inputMetadata[0].shape : [], ['batch', 2]);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
