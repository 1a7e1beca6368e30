// Image-to-image in the schedulers: the begin index a strength gives (diffusers' get_timesteps), the
// noise each scheduler adds to a start image at that index (add_noise), and the truncated loops that
// follow, checked against diffusers' published numbers and independent float64 reference loops.
import * as assert from 'node:assert/strict';
import { createRng, createScheduler, strengthSchedule, StrengthError, type SchedulerConfig, type SigmaScheduler } from '../../src/inference';
import { assertClose, refAlphasCumprod, refLcmTimesteps, refOf, refSigma, refTimesteps, SD15, SD_TURBO } from './scheduler-refs';

/** diffusers' dummy_sample_deter / dummy_noise_deter, paired by element (the ops are elementwise). */
const dummySample = (): Float32Array => Float32Array.from({ length: 768 }, (_, i) => i / 768);
const dummyNoise = (): Float32Array => Float32Array.from({ length: 768 }, (_, i) => (767 - i) / 768);
const dummyModel = (x: Float32Array, t: number): Float32Array => x.map((v) => (v * t) / (t + 1));
const sumAbs = (x: ArrayLike<number>): number => Array.from(x).reduce((acc, v) => acc + Math.abs(v), 0);

const NAMES = ['euler', 'euler-ancestral', 'ddim', 'lcm'] as const;
type Name = (typeof NAMES)[number];

describe('image-to-image: begin index for a strength (diffusers StableDiffusionImg2ImgPipeline.get_timesteps)', () => {
  // [steps, strength, begin index, steps run]; the run count is Python's int(steps * strength) in float64.
  const table: Array<[number, number, number, number]> = [
    [1, 1, 0, 1], [2, 1, 0, 2], [2, 0.5, 1, 1], [4, 0.5, 2, 2], [4, 0.75, 1, 3], [4, 0.7, 2, 2], [50, 0.8, 10, 40],
    [10, 0.3, 7, 3], // 10 * 0.3 = 3.0000000000000004
    [3, 0.7, 1, 2], // 3 * 0.7 = 2.0999999999999996
    [100, 0.29, 72, 28], // 100 * 0.29 = 28.999999999999996: diffusers runs 28 steps, so do we
    [4, 0.25, 3, 1], [1000, 0.001, 999, 1],
  ];
  for (const [steps, strength, begin, run] of table) {
    it(`${steps} steps × strength ${strength} → begin index ${begin}, ${run} step(s) run`, () => {
      assert.deepEqual(strengthSchedule(steps, strength), { beginIndex: begin, denoiseSteps: run });
    });
  }

  it('SD-Turbo with 2 steps and strength 0.5 (its documented img2img setting) runs the single step t = 499', () => {
    const s = createScheduler(SD_TURBO);
    s.setTimesteps(2);
    const { beginIndex } = strengthSchedule(2, 0.5);
    assert.deepEqual([...s.timesteps.subarray(beginIndex)], [499]);
  });

  it('refuses steps × strength < 1 (SD-Turbo semantics) naming the smallest strength and step count that work', () => {
    assert.throws(() => strengthSchedule(2, 0.4), (e: unknown) => e instanceof StrengthError
      && e.message === 'strength 0.4 with 2 steps runs no denoising step: steps × strength must be ≥ 1 (int(2 × 0.4) = 0); use strength ≥ 0.5 or at least 3 steps.');
    assert.throws(() => strengthSchedule(1, 0.99), /strength 0\.99 with 1 step runs no denoising step: steps × strength must be ≥ 1 \(int\(1 × 0\.99\) = 0\); use strength ≥ 1 or at least 2 steps\./);
    assert.throws(() => strengthSchedule(3, 0.3), /use strength ≥ 0\.334 or at least 4 steps/);
    assert.ok(strengthSchedule(3, 0.334).denoiseSteps === 1 && strengthSchedule(4, 0.3).denoiseSteps === 1, 'the suggested values work');
  });

  it('refuses strengths outside (0, 1] and bad step counts', () => {
    for (const bad of [0, -0.1, 1.01, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => strengthSchedule(4, bad), /strength must be a number greater than 0 and at most 1, got /);
    }
    for (const bad of [0, -1, 2.5]) assert.throws(() => strengthSchedule(bad, 0.5), /steps must be a whole number ≥ 1, got /);
  });
});

describe('image-to-image: addNoise against the float64 reference, every scheduler', () => {
  const configs: Array<[string, SchedulerConfig]> = [
    ['SD-Turbo trailing', SD_TURBO],
    ['SD 1.5 leading', SD15],
    ['linspace', { ...SD15, timestep_spacing: 'linspace', steps_offset: 0 }],
  ];
  const x = createRng(3).normal(96);
  const noise = createRng(4).normal(96);
  for (const [label, cfg] of configs) {
    const ac = refAlphasCumprod(refOf(cfg));
    for (const [steps, strength] of [[1, 1], [2, 0.5], [4, 0.75], [4, 0.25], [25, 0.6]] as const) {
      it(`${label}, ${steps} steps, strength ${strength}`, () => {
        const { beginIndex } = strengthSchedule(steps, strength);
        for (const name of NAMES) {
          const s = createScheduler(cfg, name);
          s.setTimesteps(steps);
          const got = s.addNoise(x, noise, beginIndex);
          let expected: number[];
          if (name === 'euler' || name === 'euler-ancestral') {
            const t = refTimesteps(cfg.timestep_spacing as string, 1000, steps, cfg.steps_offset ?? 0, false)[beginIndex] as number;
            const sigma = refSigma(ac, t);
            expected = Array.from(x, (v, i) => v + sigma * (noise[i] as number));
          } else {
            const ts = name === 'lcm' ? refLcmTimesteps(1000, 50, steps) : refTimesteps(cfg.timestep_spacing as string, 1000, steps, cfg.steps_offset ?? 0, true);
            const a = ac[ts[beginIndex] as number] as number;
            expected = Array.from(x, (v, i) => Math.sqrt(a) * v + Math.sqrt(1 - a) * (noise[i] as number));
          }
          assertClose(got, expected, 2e-5, `${name} addNoise`);
        }
      });
    }
  }

  it('SD-Turbo at strength 1 noises to σ(999) = 14.6146 (Euler) and to √ᾱ = 0.06827, √(1−ᾱ) = 0.99767 (DDIM, LCM)', () => {
    const one = new Float32Array([1]);
    const zero = new Float32Array([0]);
    const euler = createScheduler(SD_TURBO);
    euler.setTimesteps(1);
    assert.ok(Math.abs((euler.addNoise(zero, one, 0)[0] as number) - 14.6146) < 1e-4);
    assert.ok(Math.abs((euler.addNoise(one, zero, 0)[0] as number) - 1) < 1e-7, 'the Euler family does not scale the image');
    for (const name of ['ddim', 'lcm'] as const) {
      const s = createScheduler(SD_TURBO, name);
      s.setTimesteps(1);
      assert.equal(s.timesteps[0], 999);
      assert.ok(Math.abs((s.addNoise(one, zero, 0)[0] as number) - 0.068265) < 1e-5, `${name} √ᾱ`);
      assert.ok(Math.abs((s.addNoise(zero, one, 0)[0] as number) - 0.997667) < 1e-5, `${name} √(1−ᾱ)`);
    }
  });

  it('the noise level falls with the strength: σ at the begin index of 4 trailing steps is σ(999) > σ(749) > σ(499) > σ(249)', () => {
    const s = createScheduler(SD_TURBO) as SigmaScheduler;
    s.setTimesteps(4);
    const levels = [1, 0.75, 0.5, 0.25].map((strength) => s.addNoise(new Float32Array([0]), new Float32Array([1]), strengthSchedule(4, strength).beginIndex)[0] as number);
    const ac = refAlphasCumprod(refOf(SD_TURBO));
    assertClose(levels, [999, 749, 499, 249].map((t) => refSigma(ac, t)), 2e-5, 'σ at begin');
    assert.ok(levels.every((v, i) => i === 0 || v < (levels[i - 1] as number)));
  });

  it('refuses noise of the wrong length, an index outside the schedule, and use before setTimesteps', () => {
    for (const name of NAMES) {
      const s = createScheduler(SD_TURBO, name);
      assert.throws(() => s.addNoise(new Float32Array(4), new Float32Array(4), 0), /Call setTimesteps\(n\) before/);
      s.setTimesteps(4);
      assert.throws(() => s.addNoise(new Float32Array(4), new Float32Array(3), 0), /Noise has 3 values but the sample has 4\./);
      assert.throws(() => s.addNoise(new Float32Array(4), new Float32Array(4), 4), /Step index 4 is outside the schedule of 4 steps\./);
    }
  });
});

describe("image-to-image loops: diffusers' published add_noise golden sums", () => {
  it('EulerDiscrete test_full_loop_with_noise (1100 train steps, 10 steps, begin index 8): sum 57062.9297, mean 74.3007', () => {
    const s = createScheduler({ _class_name: 'EulerDiscreteScheduler', num_train_timesteps: 1100, beta_start: 0.0001, beta_end: 0.02, beta_schedule: 'linear' });
    s.setTimesteps(10);
    let x = s.addNoise(dummySample().map((v) => v * s.initNoiseSigma), dummyNoise(), 8);
    const rng = createRng(0);
    for (let i = 8; i < 10; i++) {
      x = s.scaleModelInput(x, i); // diffusers' test feeds the scaled sample back into step
      x = s.step(dummyModel(x, s.timesteps[i] as number), i, x, rng).prevSample;
    }
    assert.ok(Math.abs(sumAbs(x) - 57062.9297) < 1e-2, `sum ${sumAbs(x)}`);
    assert.ok(Math.abs(sumAbs(x) / x.length - 74.3007) < 1e-3, `mean ${sumAbs(x) / x.length}`);
  });

  it('DDIM test_full_loop_with_noise (clip_sample, 10 steps, begin index 8 = t 100): sum 354.5418, mean 0.4616', () => {
    const s = createScheduler({ _class_name: 'DDIMScheduler', num_train_timesteps: 1000, beta_start: 0.0001, beta_end: 0.02, beta_schedule: 'linear', clip_sample: true });
    s.setTimesteps(10);
    assert.deepEqual([...s.timesteps.subarray(8)], [100, 0]);
    let x = s.addNoise(dummySample(), dummyNoise(), 8);
    const rng = createRng(0);
    for (let i = 8; i < 10; i++) x = s.step(dummyModel(x, s.timesteps[i] as number), i, x, rng).prevSample;
    assert.ok(Math.abs(sumAbs(x) - 354.5418) < 1e-2, `sum ${sumAbs(x)}`);
    assert.ok(Math.abs(sumAbs(x) / x.length - 0.4616) < 1e-3, `mean ${sumAbs(x) / x.length}`);
  });
});

// ---- truncated loops (start image noised to the begin index, then the remaining steps) in float64 ----

const elementwiseModel = (x: ArrayLike<number>, t: number): number[] => Array.from(x, (v, i) => 0.3 * v + 0.05 * Math.sin(i + t / 100));
const ac = refAlphasCumprod(refOf(SD_TURBO));

/** Our scheduler from `begin`: addNoise, then steps begin..n−1 with the same noise stream. */
function ours(name: Name, n: number, begin: number, image: Float32Array, noise: Float32Array): Float32Array {
  const s = createScheduler(SD_TURBO, name);
  s.setTimesteps(n);
  let x = s.addNoise(image, noise, begin);
  const rng = createRng(77);
  for (let i = begin; i < n; i++) {
    x = s.step(Float32Array.from(elementwiseModel(s.scaleModelInput(x, i), s.timesteps[i] as number)), i, x, rng).prevSample;
  }
  return x;
}

function refEulerFrom(n: number, begin: number, ancestral: boolean, image: number[], noise: number[]): number[] {
  const ts = refTimesteps('trailing', 1000, n, 1, false);
  const sig = ts.map((t) => refSigma(ac, t)).concat(0);
  const rng = createRng(77);
  let x = image.map((v, k) => v + (sig[begin] as number) * (noise[k] as number));
  for (let i = begin; i < n; i++) {
    const s = sig[i] as number;
    const next = sig[i + 1] as number;
    const eps = elementwiseModel(x.map((v) => v / Math.sqrt(s * s + 1)), ts[i] as number);
    const up = ancestral ? Math.sqrt((next * next * (s * s - next * next)) / (s * s)) : 0;
    const down = ancestral ? Math.sqrt(next * next - up * up) : next;
    const fresh = ancestral ? rng.normal(x.length) : undefined;
    // x0 = x − σ·eps, so the Euler derivative (x − x0)/σ is eps itself.
    x = x.map((v, k) => v + (eps[k] as number) * (down - s) + (fresh ? (fresh[k] as number) * up : 0));
  }
  return x;
}

function refAlphaFrom(name: 'ddim' | 'lcm', n: number, begin: number, image: number[], noise: number[]): number[] {
  const ts = name === 'lcm' ? refLcmTimesteps(1000, 50, n) : refTimesteps('trailing', 1000, n, 1, true);
  const rng = createRng(77);
  const a0 = ac[ts[begin] as number] as number;
  let x = image.map((v, k) => Math.sqrt(a0) * v + Math.sqrt(1 - a0) * (noise[k] as number));
  for (let i = begin; i < n; i++) {
    const t = ts[i] as number;
    const a = ac[t] as number;
    const eps = elementwiseModel(x, t);
    const x0 = x.map((v, k) => (v - Math.sqrt(1 - a) * (eps[k] as number)) / Math.sqrt(a));
    if (name === 'ddim') {
      const prev = t - Math.floor(1000 / n);
      const ap = prev >= 0 ? (ac[prev] as number) : (ac[0] as number); // set_alpha_to_one false
      x = x0.map((p, k) => Math.sqrt(ap) * p + Math.sqrt(1 - ap) * (eps[k] as number));
      continue;
    }
    const scaled = 10 * t;
    const cSkip = 0.25 / (scaled * scaled + 0.25);
    const cOut = scaled / Math.sqrt(scaled * scaled + 0.25);
    const den = x0.map((p, k) => cOut * p + cSkip * (x[k] as number));
    if (i === n - 1) return den;
    const ap = ac[ts[i + 1] as number] as number;
    const fresh = rng.normal(x.length);
    x = den.map((d, k) => Math.sqrt(ap) * d + Math.sqrt(1 - ap) * (fresh[k] as number));
  }
  return x;
}

describe('image-to-image loops from the begin index match float64 reference loops (SD-Turbo config)', () => {
  const image = createRng(21).normal(64).map((v) => 0.5 * v);
  const noise = createRng(22).normal(64);
  for (const [n, strength] of [[1, 1], [2, 0.5], [4, 0.75], [4, 0.5], [8, 0.25]] as const) {
    it(`${n} steps, strength ${strength}: euler, euler-ancestral, ddim, lcm`, () => {
      const { beginIndex } = strengthSchedule(n, strength);
      const img = Array.from(image);
      const eps = Array.from(noise);
      assertClose(ours('euler', n, beginIndex, image, noise), refEulerFrom(n, beginIndex, false, img, eps), 1e-4, 'euler');
      assertClose(ours('euler-ancestral', n, beginIndex, image, noise), refEulerFrom(n, beginIndex, true, img, eps), 1e-4, 'euler-ancestral');
      assertClose(ours('ddim', n, beginIndex, image, noise), refAlphaFrom('ddim', n, beginIndex, img, eps), 1e-4, 'ddim');
      assertClose(ours('lcm', n, beginIndex, image, noise), refAlphaFrom('lcm', n, beginIndex, img, eps), 1e-4, 'lcm');
    });
  }
});
