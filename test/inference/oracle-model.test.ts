// The oracle fixture models run under real onnxruntime-node, component by component and through a
// hand-written Euler loop, and land exactly where test/fixtures/README.md says they do.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { fromFloat16Array, toFloat16Array } from '../../scripts/lib/onnx-builder';
import { targetLatent } from '../../scripts/lib/oracle-graphs';
import { ORACLE_COLOURS, ORACLE_GREY, oracleSpec, trainSigmas, VARIANTS } from '../../scripts/make-test-models';
import { ensureFixtures, type FixtureName, type Fixtures } from '../fixtures/models';

// CLIP ids (real vocabulary, `word</w>`): a, an, apple, circle, on, photo, of, cat.
const T = { sot: 49406, eot: 49407, a: 320, an: 550, apple: 3055, circle: 7117, on: 525, photo: 1125, of: 539, cat: 2368 };
const colourId = (name: string): number[] => ORACLE_COLOURS.find((c) => c.name === name)?.ids ?? [];
const rgbOf = (name: string): number[] => ORACLE_COLOURS.find((c) => c.name === name)?.rgb ?? [];

/** [sot, ...words, eot, pad…] of length 77, like the pipeline's tokenizer. */
function ids(words: number[], pad = 0): number[] {
  const out = [T.sot, ...words, T.eot];
  while (out.length < 77) out.push(pad);
  return out;
}
const prompt = {
  colour: (c: string): number[] => ids([T.a, ...colourId(c), T.apple]),
  disc: (fg: string, bg: string): number[] => ids([T.a, ...colourId(fg), T.circle, T.on, ...colourId(bg)]),
};

interface Sessions { te: ort.InferenceSession; unet: ort.InferenceSession; vae: ort.InferenceSession; name: FixtureName }
const cache = new Map<string, Promise<Sessions>>();
let fx: Fixtures;

function sessions(name: FixtureName): Promise<Sessions> {
  let s = cache.get(name);
  if (!s) {
    const dir = fx.path(name);
    const open = (sub: string) => ort.InferenceSession.create(path.join(dir, sub, 'model.onnx'));
    s = Promise.all([open('text_encoder'), open('unet'), open('vae_decoder')]).then(([te, unet, vae]) => ({ te, unet, vae, name }));
    cache.set(name, s);
  }
  return s;
}

function inputMeta(s: ort.InferenceSession, name: string): { type: string; shape: readonly (number | string)[] } {
  const m = s.inputMetadata.find((x) => x.name === name);
  if (!m || !m.isTensor) throw new Error(`no tensor input ${name}`);
  return { type: m.type, shape: m.shape };
}

/** Float tensor in the dtype the session declares for `input` (fp16 models take float16). */
function floatTensor(s: ort.InferenceSession, input: string, data: ArrayLike<number>, dims: number[]): ort.Tensor {
  return inputMeta(s, input).type === 'float16'
    ? new ort.Tensor('float16', toFloat16Array(data), dims)
    : new ort.Tensor('float32', Float32Array.from(data), dims);
}

function floats(t: ort.Tensor | undefined): Float32Array {
  if (!t) throw new Error('missing output');
  return t.type === 'float16' ? fromFloat16Array(t.data as Uint16Array) : (t.data as Float32Array);
}

/** Timestep(s) in the dtype and rank the UNet declares: shape [] / [1] / [batch]. */
function timestepTensor(s: ort.InferenceSession, ts: number[]): ort.Tensor {
  const { type, shape } = inputMeta(s, 'timestep');
  const values = shape.length === 0 || shape[0] === 1 ? [ts[0] ?? 0] : ts;
  const dims = shape.length === 0 ? [] : [values.length];
  if (type === 'int64') return new ort.Tensor('int64', BigInt64Array.from(values.map((v) => BigInt(Math.round(v)))), dims);
  if (type === 'float16') return new ort.Tensor('float16', toFloat16Array(values), dims);
  return new ort.Tensor('float32', Float32Array.from(values), dims);
}

async function encode(s: Sessions, batch: number[][]): Promise<{ hidden: ort.Tensor; pooled: Float32Array }> {
  const flat = batch.flat();
  const type = inputMeta(s.te, 'input_ids').type;
  const t = type === 'int32'
    ? new ort.Tensor('int32', Int32Array.from(flat), [batch.length, 77])
    : new ort.Tensor('int64', BigInt64Array.from(flat.map(BigInt)), [batch.length, 77]);
  const out = await s.te.run({ input_ids: t });
  return { hidden: out.last_hidden_state as ort.Tensor, pooled: floats(out.pooler_output) };
}

const variantOf = (name: FixtureName) => VARIANTS.find((v) => v.name === name) ?? assert.fail(name);

/** σ(t) by linear interpolation in float64, as diffusers' Euler does. */
function sigmaAt(name: FixtureName, t: number): number {
  const sig = trainSigmas(variantOf(name).scheduler);
  const lo = Math.min(Math.floor(t), sig.length - 2);
  return (sig[lo] ?? 0) + (t - lo) * ((sig[lo + 1] ?? 0) - (sig[lo] ?? 0));
}

function gaussian(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const u = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 1) / 4294967297;
  return Float32Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
}

/** Expected x0 latent [batch,4,h,w] for (fg, bg) colours with the centred disc. */
function expectedX0(name: FixtureName, pairs: [number[], number[]][], h: number, w: number): Float32Array {
  const spec = oracleSpec(variantOf(name));
  const out = new Float32Array(pairs.length * 4 * h * w);
  const r = spec.discRadius * Math.min(h, w);
  pairs.forEach(([fg, bg], b) => {
    const lf = targetLatent(spec, fg);
    const lb = targetLatent(spec, bg);
    for (let c = 0; c < 4; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const inside = (y + 0.5 - h / 2) ** 2 + (x + 0.5 - w / 2) ** 2 < r * r;
      out[((b * 4 + c) * h + y) * w + x] = (inside ? lf[c] : lb[c]) ?? 0;
    }
  });
  return out;
}

interface Image { width: number; height: number; batch: number; data: Uint8Array /* [b][c][y][x] */ }

/** A hand-written Euler loop (diffusers' EulerDiscrete) that decodes to 8-bit RGB planes. */
async function euler(name: FixtureName, batch: number[][], h: number, w: number, timesteps: number[], opts: { scaling?: number; seed?: number } = {}): Promise<Image> {
  const s = await sessions(name);
  const v = variantOf(name);
  const { hidden } = await encode(s, batch);
  const n = batch.length * 4 * h * w;
  const sig = timesteps.map((t) => sigmaAt(name, t)).concat(0);
  let x = gaussian(n, opts.seed ?? 7).map((e) => e * Math.sqrt((sig[0] ?? 0) ** 2 + 1));
  for (let i = 0; i < timesteps.length; i++) {
    const sg = sig[i] ?? 0;
    const k = Math.sqrt(sg * sg + 1);
    const out = floats((await s.unet.run({
      sample: floatTensor(s.unet, 'sample', x.map((q) => q / k), [batch.length, 4, h, w]),
      timestep: timestepTensor(s.unet, batch.map(() => timesteps[i] ?? 0)),
      encoder_hidden_states: hidden,
    })).out_sample);
    const x0 = v.scheduler.prediction_type === 'v_prediction'
      ? x.map((q, j) => (out[j] ?? 0) * (-sg / k) + q / (k * k))
      : x.map((q, j) => q - sg * (out[j] ?? 0));
    x = x.map((q, j) => q + ((sig[i + 1] ?? 0) - sg) * ((q - (x0[j] ?? 0)) / sg));
  }
  return decode(s, x, batch.length, h, w, opts.scaling ?? v.spec.scalingFactor);
}

async function decode(s: Sessions, latents: Float32Array, batch: number, h: number, w: number, scaling: number): Promise<Image> {
  const out = await s.vae.run({ latent_sample: floatTensor(s.vae, 'latent_sample', latents.map((q) => q / scaling), [batch, 4, h, w]) });
  const px = floats(out.sample);
  assert.deepEqual(out.sample?.dims, [batch, 3, 8 * h, 8 * w]);
  return { width: 8 * w, height: 8 * h, batch, data: Uint8Array.from(px, (q) => Math.round(Math.min(1, Math.max(0, q / 2 + 0.5)) * 255)) };
}

function pixel(img: Image, x: number, y: number, b = 0): number[] {
  const plane = img.width * img.height;
  return [0, 1, 2].map((c) => img.data[(b * 3 + c) * plane + y * img.width + x] ?? -1);
}

/** Largest |pixel − rgb| over every pixel of image `b`. */
function maxDeviation(img: Image, rgb: number[], b = 0): number {
  let worst = 0;
  for (let y = 0; y < img.height; y++) for (let x = 0; x < img.width; x++) {
    pixel(img, x, y, b).forEach((v, c) => { worst = Math.max(worst, Math.abs(v - (rgb[c] ?? 0))); });
  }
  return worst;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs((actual[i] ?? NaN) - (expected[i] ?? NaN)));
  assert.ok(worst <= tol, `${what}: max error ${worst} > ${tol}`);
}

describe('oracle fixture models', function () {
  this.timeout(180_000);
  before(async () => { fx = await ensureFixtures(); });

  describe('folder layout', () => {
    it('writes every variant in the diffusers/optimum layout with its configs', async () => {
      for (const v of VARIANTS) {
        const dir = fx.path(v.name as FixtureName);
        for (const f of ['model_index.json', 'scheduler/scheduler_config.json', 'tokenizer/vocab.json', 'tokenizer/merges.txt',
          'tokenizer/tokenizer_config.json', 'tokenizer/special_tokens_map.json', 'text_encoder/model.onnx', 'text_encoder/config.json',
          'unet/model.onnx', 'unet/config.json', 'vae_decoder/model.onnx', 'vae_decoder/config.json']) {
          await fs.access(path.join(dir, f));
        }
        const index = JSON.parse(await fs.readFile(path.join(dir, 'model_index.json'), 'utf8')) as Record<string, unknown>;
        assert.equal(index._class_name, 'StableDiffusionPipeline');
        for (const sub of ['text_encoder', 'unet', 'vae_decoder']) {
          const st = await fs.stat(path.join(dir, sub, 'model.onnx'));
          assert.ok(st.size < 2_000_000, `${v.name}/${sub} is ${st.size} bytes`);
        }
      }
      const vaeCfg = async (n: FixtureName) => JSON.parse(await fs.readFile(path.join(fx.path(n), 'vae_decoder/config.json'), 'utf8')) as { scaling_factor: number };
      assert.equal((await vaeCfg('oracle-fp32')).scaling_factor, 0.13025);
      assert.equal((await vaeCfg('oracle-sd1')).scaling_factor, 0.18215);
      const sched = JSON.parse(await fs.readFile(path.join(fx.path('oracle-fp32'), 'scheduler/scheduler_config.json'), 'utf8')) as Record<string, unknown>;
      assert.deepEqual([sched._class_name, sched.timestep_spacing, sched.steps_offset, sched.beta_schedule], ['EulerDiscreteScheduler', 'trailing', 1, 'scaled_linear']);
      const tok = JSON.parse(await fs.readFile(path.join(fx.path('oracle-sd1'), 'tokenizer/tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
      assert.equal(tok.pad_token, '<|endoftext|>');
    });

    it('keeps the ext-data UNet weights in model.onnx.data', async () => {
      const data = await fs.stat(path.join(fx.path('oracle-ext-data'), 'unet/model.onnx.data'));
      assert.ok(data.size >= 4000, 'the 1000-entry sigma table lives in the data file');
      const onnx = await fs.readFile(path.join(fx.path('oracle-ext-data'), 'unet/model.onnx'));
      assert.ok(onnx.includes('model.onnx.data'), 'model.onnx names its data file');
      await assert.rejects(fs.access(path.join(fx.path('oracle-fp32'), 'unet/model.onnx.data')));
    });

    it('uses the real CLIP ids for every colour word', async () => {
      const vocab = JSON.parse(await fs.readFile(path.join(fx.path('oracle-fp32'), 'tokenizer/vocab.json'), 'utf8')) as Record<string, number>;
      for (const c of ORACLE_COLOURS) {
        const expected = c.name === 'cyan' ? [vocab['cy'], vocab['an</w>']] : [vocab[`${c.name}</w>`]];
        assert.deepEqual(c.ids, expected, c.name);
      }
      assert.deepEqual([vocab['a</w>'], vocab['apple</w>'], vocab['circle</w>'], vocab['on</w>'], vocab['an</w>']], [T.a, T.apple, T.circle, T.on, T.an]);
    });
  });

  describe('text encoder', () => {
    it('maps each colour word to its sRGB value as foreground and background', async () => {
      const s = await sessions('oracle-fp32');
      const { pooled, hidden } = await encode(s, ORACLE_COLOURS.map((c) => prompt.colour(c.name)));
      ORACLE_COLOURS.forEach((c, b) => {
        const rgb = c.rgb.map((v) => v / 255);
        assertClose(pooled.subarray(b * 16, b * 16 + 8), [...rgb, ...rgb, 1, 0], 1e-6, c.name);
      });
      assert.deepEqual(hidden.dims, [ORACLE_COLOURS.length, 77, 16]);
      const h = floats(hidden);
      assertClose(h.subarray(76 * 16, 77 * 16), pooled.subarray(0, 16), 0, 'every position carries the embedding');
    });

    it('gives mid-grey for unknown words, an empty prompt and a lone "an"', async () => {
      const s = await sessions('oracle-fp32');
      const { pooled } = await encode(s, [ids([T.a, T.photo, T.of, T.a, T.cat]), ids([]), ids([T.an, T.apple])]);
      const grey = ORACLE_GREY.map((v) => v / 255);
      for (let b = 0; b < 3; b++) assertClose(pooled.subarray(b * 16, b * 16 + 8), [...grey, ...grey, 0, 0], 1e-6, `prompt ${b}`);
    });

    it('reads the first two colours as disc and background', async () => {
      const s = await sessions('oracle-fp32');
      const { pooled } = await encode(s, [prompt.disc('green', 'white'), ids([T.a, ...colourId('cyan'), T.on, ...colourId('red'), ...colourId('blue')])]);
      assertClose(pooled.subarray(0, 8), [0, 128 / 255, 0, 1, 1, 1, 1, 1], 1e-6, 'green on white');
      assertClose(pooled.subarray(16, 24), [0, 1, 1, 1, 0, 0, 1, 1], 1e-6, 'cyan on red (blue ignored)');
    });

    it('takes int32 ids padded with the end token (sd1 variant)', async () => {
      const s = await sessions('oracle-sd1');
      assert.equal(inputMeta(s.te, 'input_ids').type, 'int32');
      const { pooled } = await encode(s, [ids([T.a, ...colourId('orange'), T.apple], T.eot)]);
      assertClose(pooled.subarray(0, 6), [1, 165 / 255, 0, 1, 165 / 255, 0], 1e-6, 'orange');
    });
  });

  describe('UNet', () => {
    const timesteps = [999, 998.25, 750, 499.5, 250.75, 10, 1, 0];
    for (const [name, tol] of [['oracle-fp32', 1e-4], ['oracle-vpred', 1e-4], ['oracle-ext-data', 1e-4], ['oracle-fp16', 1e-2]] as const) {
      it(`${name} returns the exact ${name === 'oracle-vpred' ? 'v' : 'eps'} for x_in = sqrt(ab)·x0 + sqrt(1−ab)·eps`, async () => {
        const s = await sessions(name);
        const { hidden } = await encode(s, [prompt.disc('red', 'blue')]);
        const [h, w] = [12, 10];
        const x0 = expectedX0(name, [[rgbOf('red'), rgbOf('blue')]], h, w);
        const eps = gaussian(x0.length, 3);
        for (const t of timesteps) {
          const sg = sigmaAt(name, name === 'oracle-fp16' ? fromFloat16Array(toFloat16Array([t]))[0] ?? t : t);
          const [sa, sb] = [1 / Math.sqrt(1 + sg * sg), sg / Math.sqrt(1 + sg * sg)];
          const xIn = x0.map((q, i) => sa * q + sb * (eps[i] ?? 0));
          const out = floats((await s.unet.run({ sample: floatTensor(s.unet, 'sample', xIn, [1, 4, h, w]), timestep: timestepTensor(s.unet, [t]), encoder_hidden_states: hidden })).out_sample);
          const want = name === 'oracle-vpred' ? eps.map((e, i) => sa * e - sb * (x0[i] ?? 0)) : eps;
          // fp16 rounds x_in to ~5e-4 relative; eps = (k·x_in − x0)/σ amplifies that by k/σ near t = 0.
          const tolAt = name === 'oracle-fp16' ? tol * Math.max(1, 1 / sg) : tol;
          assertClose(out, want, tolAt, `${name} t=${t}`);
        }
      });
    }

    it('reads per-row timesteps of shape [batch] and an int64 / fp16-scalar timestep', async () => {
      for (const name of ['oracle-ts-batch', 'oracle-sd1', 'oracle-ts-f16-scalar'] as const) {
        const s = await sessions(name);
        const batch = [prompt.colour('yellow'), prompt.colour('purple')];
        const { hidden } = await encode(s, batch);
        const ts = name === 'oracle-ts-batch' ? [900, 123.5] : [601, 601];
        const [h, w] = [6, 8];
        const x0 = expectedX0(name, [[rgbOf('yellow'), rgbOf('yellow')], [rgbOf('purple'), rgbOf('purple')]], h, w);
        const eps = gaussian(x0.length, 5);
        const per = 4 * h * w;
        const xIn = x0.map((q, i) => {
          const sg = sigmaAt(name, ts[Math.floor(i / per)] ?? 0);
          return (q + sg * (eps[i] ?? 0)) / Math.sqrt(1 + sg * sg);
        });
        const out = floats((await s.unet.run({ sample: floatTensor(s.unet, 'sample', xIn, [2, 4, h, w]), timestep: timestepTensor(s.unet, ts), encoder_hidden_states: hidden })).out_sample);
        assertClose(out, eps, 1e-4, name);
      }
    });
  });

  describe('VAE decoder and end-to-end Euler', () => {
    it('decodes every target latent to the exact colour', async () => {
      const s = await sessions('oracle-fp32');
      const spec = oracleSpec(variantOf('oracle-fp32'));
      for (const c of [...ORACLE_COLOURS, { name: 'grey', rgb: ORACLE_GREY }]) {
        const lat = expectedX0('oracle-fp32', [[c.rgb, c.rgb]], 2, 3);
        const img = await decode(s, lat, 1, 2, 3, spec.scalingFactor);
        assert.equal(maxDeviation(img, c.rgb), 0, c.name);
      }
    });

    it('lands exactly on each colour after one Euler step at t=999', async () => {
      const img = await euler('oracle-fp32', ORACLE_COLOURS.map((c) => prompt.colour(c.name)), 8, 8, [999]);
      ORACLE_COLOURS.forEach((c, b) => assert.ok(maxDeviation(img, c.rgb, b) <= 1, `${c.name}: ${maxDeviation(img, c.rgb, b)}`));
    });

    it('lands on the colour with 4 trailing steps and with fractional linspace timesteps', async () => {
      const trailing = await euler('oracle-fp32', [prompt.colour('magenta')], 8, 8, [999, 749, 499, 249]);
      assert.ok(maxDeviation(trailing, rgbOf('magenta')) <= 1);
      const linspace = await euler('oracle-fp32', [prompt.colour('orange')], 8, 8, [999, 749.25, 499.5, 249.75, 0]);
      assert.ok(maxDeviation(linspace, rgbOf('orange')) <= 1);
    });

    it('draws a centred disc of the first colour on the second at any size', async () => {
      for (const [h, w] of [[64, 64], [128, 96], [40, 72]] as const) {
        const img = await euler('oracle-fp32', [prompt.disc('green', 'white')], h, w, [999]);
        const [H, W] = [img.height, img.width];
        const r = 0.3 * Math.min(H, W);
        assert.deepEqual(pixel(img, W / 2, H / 2), [0, 128, 0], `${h}x${w} centre`);
        for (const [x, y] of [[0, 0], [W - 1, 0], [0, H - 1], [W - 1, H - 1]]) assert.deepEqual(pixel(img, x ?? 0, y ?? 0), [255, 255, 255], `${h}x${w} corner`);
        assert.deepEqual(pixel(img, Math.round(W / 2 + 0.85 * r), H / 2), [0, 128, 0], `${h}x${w} inside the rim`);
        assert.deepEqual(pixel(img, Math.round(W / 2 + 1.15 * r), H / 2), [255, 255, 255], `${h}x${w} outside the rim`);
      }
    });

    it('punishes a hard-coded 0.18215 scaling factor and a skipped input scaling', async () => {
      const wrongScale = await euler('oracle-fp32', [prompt.colour('red')], 4, 4, [999], { scaling: 0.18215 });
      assert.ok(maxDeviation(wrongScale, rgbOf('red')) > 20);
      const s = await sessions('oracle-fp32');
      const { hidden } = await encode(s, [prompt.colour('red')]);
      const sg = sigmaAt('oracle-fp32', 999);
      const x = gaussian(64, 9).map((e) => e * Math.sqrt(sg * sg + 1));
      const eps = floats((await s.unet.run({ sample: floatTensor(s.unet, 'sample', x, [1, 4, 4, 4]), timestep: timestepTensor(s.unet, [999]), encoder_hidden_states: hidden })).out_sample);
      const img = await decode(s, x.map((q, i) => q - sg * (eps[i] ?? 0)), 1, 4, 4, 0.13025);
      assert.ok(maxDeviation(img, rgbOf('red')) > 20, 'x not divided by sqrt(σ²+1) before the UNet');
    });
  });

  describe('variants', () => {
    const cases: [FixtureName, number, number[]][] = [
      ['oracle-fp16', 3, [999]], ['oracle-int8', 2, [999]], ['oracle-vpred', 1, [999, 499]],
      ['oracle-sd1', 1, [751, 501, 251, 1]], ['oracle-ext-data', 1, [999]], ['oracle-ts-f16-scalar', 1, [999]], ['oracle-ts-batch', 1, [999]],
    ];
    for (const [name, tol, steps] of cases) {
      it(`${name} lands within ${tol}/255 on every colour and draws the disc`, async () => {
        const pad = name === 'oracle-sd1' ? T.eot : 0;
        const batch = ORACLE_COLOURS.map((c) => ids([T.a, ...colourId(c.name), T.apple], pad));
        const img = await euler(name, batch, 8, 8, steps);
        const worst = Math.max(...ORACLE_COLOURS.map((c, b) => maxDeviation(img, c.rgb, b)));
        assert.ok(worst <= tol, `${name}: worst deviation ${worst}/255`);
        if (process.env.ORACLE_REPORT) console.log(`      ${name}: worst colour deviation ${worst}/255`);
        const disc = await euler(name, [ids([T.a, ...colourId('blue'), T.circle, T.on, ...colourId('yellow')], pad)], 16, 16, steps);
        assert.ok(maxDeviation({ ...disc, data: disc.data }, [0, 0, 255]) > 100, 'not flat');
        const centre = pixel(disc, 64, 64);
        const corner = pixel(disc, 0, 0);
        centre.forEach((v, c) => assert.ok(Math.abs(v - ([0, 0, 255][c] ?? 0)) <= tol, `${name} centre ${centre}`));
        corner.forEach((v, c) => assert.ok(Math.abs(v - ([255, 255, 0][c] ?? 0)) <= tol, `${name} corner ${corner}`));
      });
    }
  });
});
