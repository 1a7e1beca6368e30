// The pipeline's small pure pieces (guidance maths, UNet feed shapes, LCM guidance embedding, RGB
// conversion, previews), and a fixed-batch export whose UNet only takes one row at a time.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { copyFixture, ensureFixtures } from '../fixtures/models';
import { loadPipeline } from '../../src/inference';
import type { IoInfo, ModelSession } from '../../src/inference/backend/types';
import { combineGuidance } from '../../src/inference/pipeline/denoise';
import { planarToRgb } from '../../src/inference/pipeline/decode';
import { prepareLatents, previewFromLatents, toByte } from '../../src/inference/pipeline/latents';
import type { LoadedModel } from '../../src/inference/pipeline/model';
import { guidanceEmbedding, timestepFeed, unetBatchLimit } from '../../src/inference/pipeline/unet-feeds';
import { COLOURS, guided, maxDiff, meanColour } from './pipeline-helpers';

function fakeModel(unetInputs: IoInfo[], timeCondProjDim?: number): LoadedModel {
  const unet = { file: 'unet/model.onnx', inputs: unetInputs, outputs: [] } as unknown as ModelSession;
  return { unet, info: { unet: { timeCondProjDim } } } as unknown as LoadedModel;
}

describe('pipeline pieces', () => {
  it('combines guidance as uncond + g·(cond − uncond)', () => {
    const out = combineGuidance(Float32Array.of(1, -2, 0.5), Float32Array.of(3, 2, 0.5), 7.5);
    assert.deepEqual(Array.from(out), [16, 28, 0.5]);
  });

  it('shapes the timestep as the export declares it', () => {
    const info = (shape: Array<number | string>): IoInfo => ({ name: 'timestep', type: 'float32', shape });
    assert.deepEqual(timestepFeed(info([]), 999, 2), { values: [999], dims: [] });
    assert.deepEqual(timestepFeed(info([1]), 999, 2), { values: [999], dims: [1] });
    assert.deepEqual(timestepFeed(info(['batch']), 999, 3), { values: [999, 999, 999], dims: [3] });
  });

  it('reads a fixed UNet batch size from the sample input', () => {
    const sample = (dim0: number | string): IoInfo => ({ name: 'sample', type: 'float32', shape: [dim0, 4, 64, 64] });
    assert.equal(unetBatchLimit(fakeModel([sample(1)])), 1);
    assert.equal(unetBatchLimit(fakeModel([sample('batch')])), Infinity);
  });

  it("builds an LCM UNet's guidance embedding like diffusers (sin/cos of (w − 1)·1000 · 10000^(−k/(half − 1)))", () => {
    const model = fakeModel([{ name: 'timestep_cond', type: 'float32', shape: ['batch', 8] }]);
    const feed = guidanceEmbedding(model, 8.5, 2);
    assert.ok(feed);
    assert.deepEqual(feed.dims, [2, 8]);
    const w = 7500;
    const want = [0, 1, 2, 3].map((k) => Math.sin(w * Math.exp((-Math.log(10000) / 3) * k)))
      .concat([0, 1, 2, 3].map((k) => Math.cos(w * Math.exp((-Math.log(10000) / 3) * k))));
    const values = Array.from(feed.values);
    assert.ok(maxDiff(values.slice(0, 8), want) < 1e-6 && maxDiff(values.slice(8), want) < 1e-6);
    assert.equal(guidanceEmbedding(fakeModel([]), 8.5, 1), undefined);
    assert.equal(guidanceEmbedding(fakeModel([{ name: 'timestep_cond', type: 'float32', shape: ['b', 'd'] }], 256), 1, 1)?.dims[1], 256);
  });

  it('maps decoder output to bytes with clamp((x + 1) / 2)·255 rounded, planar → interleaved', () => {
    assert.deepEqual([-2, -1, 0, 0.5, 1, 3].map(toByte), [0, 0, 128, 191, 255, 255]);
    const rgb = planarToRgb(Float32Array.of(1, -1, 0, 0, -1, 1), 2, 1);
    assert.deepEqual(Array.from(rgb), [255, 128, 0, 0, 128, 255]); // R plane 1,-1; G 0,0; B -1,1
  });

  it('draws seeded latents scaled by the initial sigma, one stream per image', () => {
    const shape = { channels: 4, height: 2, width: 3 };
    const [a, b] = prepareLatents(10, 2, shape, 2);
    const [alone] = prepareLatents(11, 1, shape, 1);
    assert.equal(a!.latents.length, 24);
    assert.deepEqual(Array.from(b!.latents), Array.from(alone!.latents, (v) => Math.fround(v * 2)));
  });

  it('previews a 4-channel latent at latent resolution, and skips other channel counts', () => {
    const preview = previewFromLatents(new Float32Array(4 * 6), { channels: 4, height: 2, width: 3 });
    assert.deepEqual([preview?.width, preview?.height, preview?.data.length], [3, 2, 18]);
    assert.ok(preview!.data.every((v) => v === 128));
    assert.equal(previewFromLatents(new Float32Array(16), { channels: 16, height: 1, width: 1 }), undefined);
  });
});

describe('fixed-batch export (UNet sample declared [1, 4, h, w])', function () {
  let tmp: string;
  before(async function () {
    this.timeout(180_000);
    await ensureFixtures();
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nanoforge-batch1-'));
  });
  after(async () => fs.rm(tmp, { recursive: true, force: true }));

  it('runs the UNet one row at a time and still lands on the guided colour for every image', async function () {
    this.timeout(60_000);
    const dir = await copyFixture('oracle-fp32', tmp);
    const file = path.join(dir, 'unet', 'model.onnx');
    const model = onnx.ModelProto.decode(await fs.readFile(file));
    for (const value of [...(model.graph?.input ?? []), ...(model.graph?.output ?? [])]) {
      const dims = value.type?.tensorType?.shape?.dim;
      if (dims && dims.length >= 3) dims[0] = onnx.TensorShapeProto.Dimension.create({ dimValue: 1 });
    }
    await fs.writeFile(file, onnx.ModelProto.encode(model).finish());
    const p = await loadPipeline(dir, { device: 'cpu' });
    try {
      const r = await p.generate({ prompt: 'purple', negativePrompt: 'blue', guidanceScale: 1.5, width: 64, height: 64, steps: 2, seed: 1, count: 2 });
      for (const img of r.images) assert.ok(maxDiff(meanColour(img), guided(COLOURS.blue!, COLOURS.purple!, 1.5)) < 1.5);
    } finally {
      await p.dispose();
    }
  });
});
