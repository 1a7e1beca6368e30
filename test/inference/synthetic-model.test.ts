// The synthetic SD-Turbo generator behind bench/: full-size parameter counts equal the published
// ones, and a small (--scale) model in fp32 and fp16 loads and runs through the normal pipeline
// with the real exports' input names, ranks and dtypes.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openSessionSet } from '../../src/inference/backend/onnx';
import { loadPipeline } from '../../src/inference';
import { countParameters, writeSynthetic } from '../../scripts/make-synthetic-sd-turbo';
import { PUBLISHED_PARAMS } from '../../scripts/synthetic/folder';

describe('synthetic SD-Turbo generator', function () {
  this.timeout(300_000);
  let root: string;
  before(() => { root = mkdtempSync(path.join(os.tmpdir(), 'nanoforge-synth-')); });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('builds full-size components with exactly the published parameter counts', () => {
    assert.deepEqual(countParameters(1), PUBLISHED_PARAMS);
  });

  for (const precision of ['fp32', 'fp16'] as const) {
    it(`writes a --scale 0.125 ${precision} folder that loadPipeline runs, with the real I/O signature`, async () => {
      const { dir } = await writeSynthetic({ precision, scale: 0.125, seed: 1, out: root, log: () => undefined });
      assert.ok(statSync(path.join(dir, 'unet', 'model.onnx.data')).size > 1e6, 'UNet weights live in external data');
      assert.ok(existsSync(path.join(`${dir}-taesd`, 'vae_decoder', 'model.onnx')));
      const float = precision === 'fp32' ? 'float32' : 'float16';
      const files = ['text_encoder/model.onnx', 'unet/model.onnx', 'vae_decoder/model.onnx', 'vae_encoder/model.onnx'].map((file) => ({ file }));
      const { sessions } = await openSessionSet(dir, files, 'cpu');
      const io = sessions.map((s) => [...s.inputs, ...s.outputs].map((i) => `${i.name}:${i.type}:${i.shape.length}`));
      assert.deepEqual(io, [
        ['input_ids:int32:2', `last_hidden_state:${float}:3`],
        [`sample:${float}:4`, 'timestep:float32:1', `encoder_hidden_states:${float}:3`, `out_sample:${float}:4`],
        [`latent_sample:${float}:4`, `sample:${float}:4`],
        [`sample:${float}:4`, `latent_parameters:${float}:4`],
      ]);
      for (const folder of [dir, `${dir}-taesd`]) {
        const pipeline = await loadPipeline(folder, { device: 'cpu' });
        const result = await pipeline.generate({ prompt: 'a red apple', width: 128, height: 64, steps: 2, guidanceScale: 0, seed: 1, count: 1 });
        await pipeline.dispose();
        const image = result.images[0];
        assert.ok(image);
        assert.deepEqual([image.width, image.height, image.data.length], [128, 64, 128 * 64 * 3]);
        assert.deepEqual(Object.keys(result.timings).filter((k) => k.startsWith('unet.')), ['unet.0', 'unet.1']);
      }
      // Image-to-image through the encoder: 4 steps at strength 0.5 run 2 UNet steps.
      const pipeline = await loadPipeline(dir, { device: 'cpu' });
      try {
        assert.equal(pipeline.info.imageToImage, true);
        const start = { width: 128, height: 64, channels: 3 as const, data: new Uint8Array(128 * 64 * 3).fill(200) };
        const result = await pipeline.generate({ prompt: 'a red apple', width: 128, height: 64, steps: 4, guidanceScale: 0, seed: 1, count: 1, init: { image: start, strength: 0.5 } });
        assert.deepEqual(Object.keys(result.timings).filter((k) => k.startsWith('unet.')), ['unet.0', 'unet.1']);
        assert.equal(typeof result.timings.encode, 'number');
      } finally {
        await pipeline.dispose();
      }
    });
  }
});
