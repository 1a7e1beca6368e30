// Image-to-image at the function level on the oracle models, with real onnxruntime: the encoders
// (full and tiny) invert the decoders, and encode → addNoise → denoise from the begin index → decode
// lands on the float64 prediction of img2img-helpers.ts for every scheduler and strength.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildVaeEncoder, targetLatent } from '../../scripts/lib/oracle-graphs';
import { IMG2IMG_LATENT_SCALE, IMG2IMG_PULL, oracleSpec, VARIANTS } from '../../scripts/make-test-models';
import { copyFixture, ensureFixtures, type FixtureName, type Fixtures } from '../fixtures/models';
import { createRng, createScheduler, encodeImage, onnxBackend, openImageEncoder, openTinyDecoder, strengthSchedule, validateModelFolder, type PixelImage, type ProgressEvent } from '../../src/inference';
import { setRunObserver } from '../../src/inference/backend/onnx';
import { decodeLatents, decodeWith } from '../../src/inference/pipeline/decode';
import { denoise } from '../../src/inference/pipeline/denoise';
import type { ImageEncoder } from '../../src/inference/pipeline/encode-image';
import { encodePrompt } from '../../src/inference/pipeline/encode-prompt';
import { loadModel, type LoadedModel } from '../../src/inference/pipeline/model';
import type { GeneratedImage } from '../../src/inference/types';
import { blockImage, predictedColour, predictOracleImg2Img, type SchedulerKind } from './img2img-helpers';

const K = IMG2IMG_LATENT_SCALE;
const BLUE = [0, 0, 255];
/** A different colour for every 8×8 block (so a shifted, transposed or mixed-up latent shows). */
const paletteAt = (bx: number, by: number): number[] => [(bx * 37 + by * 11 + 20) % 256, (bx * 53 + by * 97 + 40) % 256, (bx * 13 + by * 71 + 60) % 256];
const specOf = (name: FixtureName) => oracleSpec(VARIANTS.find((v) => v.name === name) ?? assert.fail(name));

/** RGB at (x, y) of a decoded image. */
const rgbAt = (img: GeneratedImage, x: number, y: number): number[] => [...img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3)];

function assertBlocks(img: GeneratedImage, expected: (bx: number, by: number) => readonly number[], tolerance: number, what: string): void {
  for (let by = 0; by < img.height / 8; by++) {
    for (let bx = 0; bx < img.width / 8; bx++) {
      const want = expected(bx, by);
      for (const [x, y] of [[bx * 8, by * 8], [bx * 8 + 4, by * 8 + 4], [bx * 8 + 7, by * 8 + 7]] as const) {
        const got = rgbAt(img, x, y);
        assert.ok(got.every((v, c) => Math.abs(v - (want[c] ?? NaN)) <= tolerance), `${what}: block ${bx},${by} pixel ${x},${y} is ${got}, expected ${want.map((v) => v.toFixed(2))}`);
      }
    }
  }
}

interface Chain {
  image: GeneratedImage;
  latents: Float32Array;
  encoded: Float32Array;
  noise: Float32Array;
  unetRuns: number;
  progress: ProgressEvent[];
}

/** encode → addNoise at the begin index → denoise the remaining steps → decode, for one image. */
async function img2img(model: LoadedModel, encoder: ImageEncoder, image: PixelImage, prompt: string, o: { scheduler: SchedulerKind; steps: number; strength: number; seed: number }): Promise<Chain> {
  const { beginIndex } = strengthSchedule(o.steps, o.strength);
  const encoded = await encodeImage(encoder, image);
  const scheduler = createScheduler(model.info.scheduler.config, o.scheduler);
  scheduler.setTimesteps(o.steps);
  // The noise is the image's first draw from its seeded stream (as text-to-image's start latents are).
  const rng = createRng(o.seed);
  const noise = rng.normal(encoded.latents.length);
  const images = [{ seed: o.seed, rng, latents: scheduler.addNoise(encoded.latents, noise, beginIndex) }];
  const embeddings = await encodePrompt(model, prompt, undefined, false);
  const progress: ProgressEvent[] = [];
  let unetRuns = 0;
  setRunObserver((file) => { if (file === model.unet.file) unetRuns++; });
  try {
    await denoise({ model, schedulers: [scheduler], images, embeddings, guidanceScale: 0, shape: encoded.shape, callbacks: { onProgress: (p) => progress.push(p) }, timings: {}, beginIndex });
  } finally {
    setRunObserver(undefined);
  }
  const latents = images[0]?.latents ?? assert.fail('no latents');
  return { image: await decodeLatents(model, latents, encoded.shape, o.seed), latents, encoded: encoded.latents, noise, unetRuns, progress };
}

/** Least-squares slope of `residual` on `noise`: how much of the added noise is left in the latents. */
function noiseSlope(residual: Float64Array, noise: Float32Array): number {
  let rn = 0;
  let nn = 0;
  residual.forEach((r, i) => {
    rn += r * (noise[i] as number);
    nn += (noise[i] as number) ** 2;
  });
  return rn / nn;
}

describe('image-to-image on the oracle (function level)', function () {
  this.timeout(180_000);
  let fx: Fixtures;
  let tmp: string;
  const held: Array<{ release(): Promise<void> }> = [];

  before(async () => {
    fx = await ensureFixtures();
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nf-img2img-'));
  });
  after(async () => {
    for (const h of held.splice(0)) await h.release();
    await fs.rm(tmp, { recursive: true, force: true });
  });

  async function encoderFor(dir: string, prefer?: 'full' | 'tiny'): Promise<ImageEncoder> {
    const encoder = await openImageEncoder(await validateModelFolder(dir), onnxBackend, { device: 'cpu', prefer });
    held.push(encoder);
    return encoder;
  }

  async function modelFor(dir: string): Promise<LoadedModel> {
    const model = await loadModel(dir, onnxBackend, { device: 'cpu' });
    held.push(model);
    return model;
  }

  /** Adds an encoder built by the oracle generator to a copied fixture (vae_encoder/ without a config). */
  async function withEncoder(name: FixtureName, label: string, output: 'latent_parameters' | 'latent_sample'): Promise<string> {
    const dir = await copyFixture(name, path.join(tmp, label));
    await fs.mkdir(path.join(dir, 'vae_encoder'));
    await buildVaeEncoder(specOf(name), output).save(path.join(dir, 'vae_encoder', 'model.onnx'));
    return dir;
  }

  describe('encoders', () => {
    it('vae_encoder (latent_parameters): the mean, times scaling_factor, is K·A⁻¹(2c/255 − 1) per block; decoding gives the image back', async () => {
      const dir = fx.path('oracle-img2img');
      assert.deepEqual((await validateModelFolder(dir)).autoencoders, { encoder: { file: 'vae_encoder/model.onnx', scalingFactor: 0.13025, scalingFrom: 'config' } });
      const encoder = await encoderFor(dir);
      assert.deepEqual([encoder.kind, encoder.output, encoder.scalingFactor, encoder.latentChannels], ['full', 'latent_parameters', 0.13025, 4]);
      const image = blockImage(128, 96, paletteAt);
      const { latents, shape } = await encodeImage(encoder, image);
      assert.deepEqual(shape, { channels: 4, height: 12, width: 16 });
      const spec = specOf('oracle-img2img');
      for (let by = 0; by < 12; by++) {
        for (let bx = 0; bx < 16; bx++) {
          const want = targetLatent(spec, paletteAt(bx, by));
          for (let c = 0; c < 4; c++) {
            const got = latents[(c * 12 + by) * 16 + bx] as number;
            assert.ok(Math.abs(got - (want[c] ?? NaN)) <= 1e-5 * K, `latent c${c} at ${bx},${by}: ${got} vs ${want[c]}`);
          }
        }
      }
      const model = await modelFor(dir);
      const back = await decodeLatents(model, latents, shape, 0);
      assert.deepEqual([back.width, back.height], [128, 96]);
      assert.ok(Buffer.from(back.data).equals(Buffer.from(image.data)), 'decode(encode(image)) is the image');
    });

    it('an image that is not block-constant comes back as its 8×8 block means; RGBA is composited on the background first', async () => {
      const dir = fx.path('oracle-img2img');
      const encoder = await encoderFor(dir);
      const model = await modelFor(dir);
      const data = new Uint8Array(16 * 8 * 3).map((_, i) => (i % 3 === 0 ? ((i / 3) % 16 < 8 ? (i / 3) % 2 * 200 : 90) : 10));
      const striped = await decodeLatents(model, (await encodeImage(encoder, { width: 16, height: 8, channels: 3, data })).latents, { channels: 4, height: 1, width: 2 }, 0);
      assert.deepEqual([rgbAt(striped, 3, 3), rgbAt(striped, 12, 3)], [[100, 10, 10], [90, 10, 10]], 'the mean of 0/200 stripes is 100');
      const rgba = new Uint8Array(8 * 8 * 4);
      for (let p = 0; p < 64; p++) rgba.set(p < 48 ? [255, 0, 0, 255] : [0, 0, 255, 0], p * 4);
      const composited = await encodeImage(encoder, { width: 8, height: 8, channels: 4, data: rgba }, { background: [0, 255, 0] });
      const mean = await decodeLatents(model, composited.latents, composited.shape, 0);
      assert.deepEqual(rgbAt(mean, 0, 0), [191, 64, 0], '3/4 red, 1/4 transparent blue over green: 191.25, 63.75, 0');
    });

    it('vae_encoder_tiny (AutoencoderTiny, scaling_factor 1) gives the same latents, and vae_decoder_tiny decodes them', async () => {
      const dir = fx.path('oracle-taesd');
      const info = await validateModelFolder(dir);
      assert.deepEqual(info.autoencoders, {
        tinyEncoder: { file: 'vae_encoder_tiny/model.onnx', scalingFactor: 1, scalingFrom: 'config' },
        tinyDecoder: { file: 'vae_decoder_tiny/model.onnx', scalingFactor: 1, scalingFrom: 'config' },
      });
      const encoder = await encoderFor(dir);
      assert.deepEqual([encoder.kind, encoder.output, encoder.scalingFactor], ['tiny', 'latent_sample', 1]);
      const image = blockImage(64, 64, paletteAt);
      const tiny = await encodeImage(encoder, image);
      const full = await encodeImage(await encoderFor(fx.path('oracle-img2img')), image);
      tiny.latents.forEach((v, i) => assert.ok(Math.abs(v - (full.latents[i] as number)) <= 1e-5 * K, `latent ${i}`));
      const decoder = await openTinyDecoder(info, onnxBackend, { device: 'cpu' });
      held.push(decoder);
      const back = await decodeWith(decoder, tiny.latents, tiny.shape, 0);
      assert.ok(Buffer.from(back.data).equals(Buffer.from(image.data)), 'tiny decode(tiny encode(image)) is the image');
    });

    it('with both encoders the full one is used unless the tiny one is preferred', async () => {
      const dir = await copyFixture('oracle-taesd', path.join(tmp, 'both'));
      await fs.cp(path.join(fx.path('oracle-img2img'), 'vae_encoder'), path.join(dir, 'vae_encoder'), { recursive: true });
      assert.equal((await encoderFor(dir)).kind, 'full');
      assert.equal((await encoderFor(dir, 'tiny')).kind, 'tiny');
    });

    it('an older export whose float16 encoder returns latent_sample is fed float16 and read as is', async () => {
      const dir = await withEncoder('oracle-fp16', 'legacy', 'latent_sample');
      const spec = specOf('oracle-fp16');
      assert.deepEqual((await validateModelFolder(dir)).autoencoders.encoder, { file: 'vae_encoder/model.onnx', scalingFactor: 0.13025, scalingFrom: 'vae_decoder' }, 'no vae_encoder/config.json: the decoder’s factor');
      const encoder = await encoderFor(dir);
      assert.deepEqual([encoder.kind, encoder.output, encoder.session.inputs[0]?.type], ['full', 'latent_sample', 'float16']);
      const { latents } = await encodeImage(encoder, blockImage(16, 8, (bx) => (bx === 0 ? [255, 0, 0] : [0, 128, 0])));
      const red = targetLatent(spec, [255, 0, 0]);
      const green = targetLatent(spec, [0, 128, 0]);
      for (let c = 0; c < 4; c++) {
        assert.ok(Math.abs((latents[c * 2] as number) - (red[c] ?? NaN)) < 2e-2, `red c${c}`);
        assert.ok(Math.abs((latents[c * 2 + 1] as number) - (green[c] ?? NaN)) < 2e-2, `green c${c}`);
      }
    });
  });

  describe('encode → addNoise → denoise → decode', () => {
    const cases: Array<[number, number]> = [[1, 1], [2, 0.5], [4, 1], [4, 0.75], [4, 0.5], [4, 0.25]];
    for (const scheduler of ['euler', 'euler-ancestral', 'ddim', 'lcm'] as const) {
      it(`${scheduler}: int(steps × strength) UNet runs, and every block lands on the predicted blend of start image and prompt`, async () => {
        const dir = fx.path('oracle-img2img');
        const model = await modelFor(dir);
        const encoder = await encoderFor(dir);
        const image = blockImage(128, 96, paletteAt);
        const config = model.info.scheduler.config;
        for (const [steps, strength] of cases) {
          const what = `${scheduler} ${steps} steps × ${strength}`;
          const { beginIndex, denoiseSteps } = strengthSchedule(steps, strength);
          const run = await img2img(model, encoder, image, 'a blue apple', { scheduler, steps, strength, seed: 5 });
          assert.equal(run.unetRuns, denoiseSteps, `${what}: UNet runs`);
          assert.deepEqual(run.progress.map((p) => [p.step, p.totalSteps]), Array.from({ length: denoiseSteps }, (_, i) => [i + 1, denoiseSteps]), `${what}: progress`);
          const p = predictOracleImg2Img({ config, scheduler, steps, beginIndex, pull: IMG2IMG_PULL });
          assert.ok(p.init > 0.05 && p.init < 0.95, `${what}: the start image keeps a share (${p.init})`);
          assertBlocks(run.image, (bx, by) => predictedColour(p, paletteAt(bx, by), BLUE), 1, what);
          // In the latents the added noise is still resolvable: what is left of it matches the prediction
          // (measured within 0.2 %, so a noise level 1 % off fails).
          if (scheduler === 'euler' || scheduler === 'ddim') {
            const blue = targetLatent(specOf('oracle-img2img'), BLUE);
            const plane = run.latents.length / 4;
            const residual = Float64Array.from(run.latents, (v, i) => v - p.init * (run.encoded[i] as number) - p.target * (blue[Math.floor(i / plane)] ?? NaN));
            const slope = noiseSlope(residual, run.noise);
            assert.ok(Math.abs(slope - p.noise) <= 0.005 * Math.abs(p.noise), `${what}: noise left ${slope}, predicted ${p.noise}`);
          }
        }
      });
    }

    it('the result moves from the start image to the prompt as the strength grows, and follows the start image', async () => {
      const dir = fx.path('oracle-img2img');
      const model = await modelFor(dir);
      const encoder = await encoderFor(dir);
      const config = model.info.scheduler.config;
      const shares = [0.25, 0.5, 0.75, 1].map((strength) => predictOracleImg2Img({ config, scheduler: 'euler', steps: 4, beginIndex: strengthSchedule(4, strength).beginIndex, pull: IMG2IMG_PULL }).init);
      assert.ok(shares.every((s, i) => i === 0 || s < (shares[i - 1] as number)), `start-image share falls with strength: ${shares}`);
      const red = [220, 30, 30];
      const white = [255, 255, 255];
      const square = (bx: number, by: number): number[] => (bx >= 2 && bx < 6 && by >= 2 && by < 6 ? red : white);
      const run = await img2img(model, encoder, blockImage(64, 64, square), 'a blue apple', { scheduler: 'euler', steps: 4, strength: 0.5, seed: 9 });
      const p = predictOracleImg2Img({ config, scheduler: 'euler', steps: 4, beginIndex: 2, pull: IMG2IMG_PULL });
      assertBlocks(run.image, (bx, by) => predictedColour(p, square(bx, by), BLUE), 1, 'red square on white, half strength');
      assert.notDeepEqual(rgbAt(run.image, 32, 32), rgbAt(run.image, 4, 4), 'the square is still there');
    });

    it('on the text-to-image oracle (μ = 1) the start image is replaced by the prompt at any strength', async () => {
      const dir = await withEncoder('oracle-fp16', 'fp16-encoder', 'latent_sample');
      const model = await modelFor(dir);
      const encoder = await encoderFor(dir);
      for (const strength of [0.5, 1]) {
        const run = await img2img(model, encoder, blockImage(64, 64, paletteAt), 'a green apple', { scheduler: 'euler', steps: 2, strength, seed: 3 });
        assertBlocks(run.image, () => [0, 128, 0], 4, `fp16 oracle, strength ${strength}`);
      }
    });
  });

  describe('bad input', () => {
    it('a model without any encoder is one clear error naming the missing folder', async () => {
      await assert.rejects(openImageEncoder(await validateModelFolder(fx.path('oracle-fp32')), onnxBackend, { device: 'cpu' }),
        /oracle-fp32\/vae_encoder: is missing \(and so is vae_encoder_tiny\/\): image-to-image needs an encoder; use an export that includes vae_encoder\/ \(optimum exports do\) or add a TAESD-class vae_encoder_tiny\//);
      await assert.rejects(openTinyDecoder(await validateModelFolder(fx.path('oracle-img2img')), onnxBackend, { device: 'cpu' }), /vae_decoder_tiny: is missing: this model has no tiny decoder/);
    });

    it('a broken encoder folder, a scaling factor that differs from the decoder, or foreign outputs are refused with the file named', async () => {
      const empty = await copyFixture('oracle-img2img', path.join(tmp, 'empty'));
      await fs.rm(path.join(empty, 'vae_encoder', 'model.onnx'));
      await assert.rejects(validateModelFolder(empty), /vae_encoder\/model\.onnx: is missing/);
      const mismatch = await copyFixture('oracle-img2img', path.join(tmp, 'mismatch'));
      await fs.writeFile(path.join(mismatch, 'vae_encoder', 'config.json'), JSON.stringify({ scaling_factor: 0.18215 }));
      await assert.rejects(validateModelFolder(mismatch), /vae_encoder\/config\.json: scaling_factor 0\.18215 differs from 0\.13025 used by vae_decoder\/config\.json; the encoder and decoder of one VAE must use the same factor/);
      const zero = await copyFixture('oracle-taesd', path.join(tmp, 'zero'));
      await fs.writeFile(path.join(zero, 'vae_decoder_tiny', 'config.json'), JSON.stringify({ scaling_factor: 0 }));
      await assert.rejects(validateModelFolder(zero), /vae_decoder_tiny\/config\.json: field 'scaling_factor' is 0; valid: a number above 0 and at most 100/);
      const foreign = await copyFixture('oracle-img2img', path.join(tmp, 'foreign'));
      await fs.copyFile(path.join(fx.path('oracle-img2img'), 'vae_decoder', 'model.onnx'), path.join(foreign, 'vae_encoder', 'model.onnx'));
      await assert.rejects(openImageEncoder(await validateModelFolder(foreign), onnxBackend, { device: 'cpu' }),
        /vae_encoder\/model\.onnx: has no output named 'latent_parameters' or 'latent_sample' \(what diffusers\/optimum VAE encoders return\); its outputs are: 'sample'/);
    });

    it('an image not fitted to a multiple of 8, or with the wrong byte count, is refused before the encoder runs', async () => {
      const encoder = await encoderFor(fx.path('oracle-img2img'));
      await assert.rejects(encodeImage(encoder, blockImage(60, 64, paletteAt)), /start image is 60×64; fit it to the generation size first \(both sides whole multiples of 8 px\)/);
      await assert.rejects(encodeImage(encoder, { width: 8, height: 8, channels: 3, data: new Uint8Array(10) }), /start image 8×8 with 3 channels should hold 192 bytes, has 10/);
    });
  });
});
