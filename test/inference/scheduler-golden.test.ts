// Golden values: diffusers' own published full-loop sums (its deterministic dummy sample and model are
// elementwise, so sums do not depend on tensor layout), and step-by-step float64 reference loops.
import * as assert from 'node:assert/strict';
import { createRng, createScheduler, type Rng, type SchedulerConfig } from '../../src/inference';
import { assertClose, refAlphasCumprod, refLcmTimesteps, refOf, refSigma, refTimesteps, SD_TURBO } from './scheduler-reference.test';

/** diffusers' dummy_sample_deter: arange(768) / 768 (4x3x8x8). */
const dummySample = (): Float32Array => Float32Array.from({ length: 768 }, (_, i) => i / 768);
/** diffusers' dummy_model: sample * t / (t + 1). */
const dummyModel = (x: Float32Array, t: number): Float32Array => x.map((v) => (v * t) / (t + 1));
const sumAbs = (x: Float32Array): number => x.reduce((acc, v) => acc + Math.abs(v), 0);

/** diffusers' test loop; Euler-family tests feed the scaled sample back into step, so we do too. */
function diffusersLoop(config: SchedulerConfig, steps: number, reuseScaled: boolean): { sum: number; mean: number } {
  const s = createScheduler(config);
  s.setTimesteps(steps);
  let x: Float32Array = dummySample().map((v) => v * s.initNoiseSigma);
  const rng = createRng(0);
  s.timesteps.forEach((t, i) => {
    const input = s.scaleModelInput(x, i);
    if (reuseScaled) x = input;
    x = s.step(dummyModel(input, t), i, x, rng).prevSample;
  });
  return { sum: sumAbs(x), mean: sumAbs(x) / x.length };
}

describe("schedulers reproduce diffusers' published golden sums", () => {
  const euler: SchedulerConfig = { _class_name: 'EulerDiscreteScheduler', num_train_timesteps: 1100, beta_start: 0.0001, beta_end: 0.02, beta_schedule: 'linear' };
  const ddim: SchedulerConfig = { _class_name: 'DDIMScheduler', num_train_timesteps: 1000, beta_start: 0.0001, beta_end: 0.02, beta_schedule: 'linear', clip_sample: true };
  const lcm: SchedulerConfig = { _class_name: 'LCMScheduler', num_train_timesteps: 1000, beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear', prediction_type: 'epsilon' };
  // [label, config, steps, reuse scaled sample, expected sum, expected mean] from tests/schedulers/test_scheduler_{euler,ddim,lcm}.py
  const cases: Array<[string, SchedulerConfig, number, boolean, number, number]> = [
    ['Euler full loop', euler, 10, true, 10.0807, 0.0131],
    ['Euler v_prediction', { ...euler, prediction_type: 'v_prediction' }, 10, true, 0.0002, 2.2676e-6],
    ['Euler Karras sigmas', { ...euler, use_karras_sigmas: true }, 10, true, 124.52299499511719, 0.16213932633399963],
    ['DDIM full loop (clip_sample)', ddim, 10, false, 172.0067, 0.223967],
    ['DDIM v_prediction', { ...ddim, prediction_type: 'v_prediction' }, 10, false, 52.5302, 0.0684],
    ['DDIM set_alpha_to_one', { ...ddim, set_alpha_to_one: true, beta_start: 0.01 }, 10, false, 149.8295, 0.1951],
    ['DDIM no set_alpha_to_one', { ...ddim, set_alpha_to_one: false, beta_start: 0.01 }, 10, false, 149.0784, 0.1941],
    ['LCM one step', lcm, 1, false, 18.7097, 0.0244],
  ];
  for (const [label, config, steps, reuse, sum, mean] of cases) {
    it(`${label}: sum ${sum}`, () => {
      const got = diffusersLoop(config, steps, reuse);
      assert.ok(Math.abs(got.sum - sum) < 1e-2, `sum ${got.sum}`);
      assert.ok(Math.abs(got.mean - mean) < 1e-3, `mean ${got.mean}`);
    });
  }
});

// ---- float64 reference loops on SD-Turbo's config ----

/** A deterministic, elementwise stand-in for the UNet. */
const model = (x: Float32Array, t: number): Float32Array => x.map((v, i) => 0.3 * v + 0.05 * Math.sin(i + t / 100));
const start = (n: number): Float32Array => createRng(11).normal(n);
type Loop = (x: number[], rng: Rng) => number[];

const ac = refAlphasCumprod(refOf(SD_TURBO));

function refEuler(n: number, ancestral: boolean, prediction: 'epsilon' | 'v_prediction'): Loop {
  const ts = refTimesteps('trailing', 1000, n, 1, false);
  const sig = ts.map((t) => refSigma(ac, t)).concat(0);
  return (x0, rng) => {
    let x = x0.map((v) => v * (sig[0] as number));
    ts.forEach((t, i) => {
      const s = sig[i] as number;
      const next = sig[i + 1] as number;
      const out = model(Float32Array.from(x, (v) => v / Math.sqrt(s * s + 1)), t);
      const pred = x.map((v, k) => (prediction === 'epsilon' ? v - s * (out[k] as number) : (out[k] as number) * (-s / Math.sqrt(s * s + 1)) + v / (s * s + 1)));
      if (!ancestral) {
        x = x.map((v, k) => v + ((v - (pred[k] as number)) / s) * (next - s));
        return;
      }
      const up = Math.sqrt((next * next * (s * s - next * next)) / (s * s));
      const down = Math.sqrt(next * next - up * up);
      const noise = rng.normal(x.length);
      x = x.map((v, k) => v + ((v - (pred[k] as number)) / s) * (down - s) + (noise[k] as number) * up);
    });
    return x;
  };
}

function refDdim(n: number): Loop {
  const ts = refTimesteps('trailing', 1000, n, 1, true);
  return (x0) => {
    let x = [...x0];
    for (const t of ts) {
      const eps = model(Float32Array.from(x), t);
      const a = ac[t] as number;
      const prev = t - Math.floor(1000 / n);
      const ap = prev >= 0 ? (ac[prev] as number) : (ac[0] as number); // set_alpha_to_one false
      x = x.map((v, k) => {
        const pred = (v - Math.sqrt(1 - a) * (eps[k] as number)) / Math.sqrt(a);
        return Math.sqrt(ap) * pred + Math.sqrt(1 - ap) * (eps[k] as number);
      });
    }
    return x;
  };
}

function refLcm(n: number): Loop {
  const ts = refLcmTimesteps(1000, 50, n);
  return (x0, rng) => {
    let x = [...x0];
    ts.forEach((t, i) => {
      const eps = model(Float32Array.from(x), t);
      const a = ac[t] as number;
      const scaled = 10 * t;
      const cSkip = 0.25 / (scaled * scaled + 0.25);
      const cOut = scaled / Math.sqrt(scaled * scaled + 0.25);
      const den = x.map((v, k) => cOut * ((v - Math.sqrt(1 - a) * (eps[k] as number)) / Math.sqrt(a)) + cSkip * v);
      if (i === ts.length - 1) {
        x = den;
        return;
      }
      const ap = ac[ts[i + 1] as number] as number;
      const noise = rng.normal(x.length);
      x = den.map((d, k) => Math.sqrt(ap) * d + Math.sqrt(1 - ap) * (noise[k] as number));
    });
    return x;
  };
}

function runOurs(config: SchedulerConfig, name: 'euler' | 'euler-ancestral' | 'ddim' | 'lcm', n: number, len: number): Float32Array {
  const s = createScheduler(config, name);
  s.setTimesteps(n);
  let x: Float32Array = start(len).map((v) => v * s.initNoiseSigma);
  const rng = createRng(77);
  s.timesteps.forEach((t, i) => {
    x = s.step(model(s.scaleModelInput(x, i), t), i, x, rng).prevSample;
  });
  return x;
}

describe('scheduler loops match float64 reference loops (SD-Turbo config, same noise stream)', () => {
  const len = 64;
  for (const n of [1, 2, 4, 25]) {
    it(`Euler, ${n} steps (epsilon and v_prediction)`, () => {
      assertClose(runOurs(SD_TURBO, 'euler', n, len), refEuler(n, false, 'epsilon')(Array.from(start(len)), createRng(77)), 1e-4, 'euler');
      const vpred = { ...SD_TURBO, prediction_type: 'v_prediction' };
      assertClose(runOurs(vpred, 'euler', n, len), refEuler(n, false, 'v_prediction')(Array.from(start(len)), createRng(77)), 1e-4, 'euler v');
    });
    it(`Euler-ancestral, ${n} steps`, () => {
      assertClose(runOurs(SD_TURBO, 'euler-ancestral', n, len), refEuler(n, true, 'epsilon')(Array.from(start(len)), createRng(77)), 1e-4, 'ancestral');
    });
    it(`DDIM, ${n} steps`, () => {
      assertClose(runOurs(SD_TURBO, 'ddim', n, len), refDdim(n)(Array.from(start(len)), createRng(77)), 1e-4, 'ddim');
    });
    it(`LCM, ${n} steps`, () => {
      assertClose(runOurs(SD_TURBO, 'lcm', n, len), refLcm(n)(Array.from(start(len)), createRng(77)), 1e-4, 'lcm');
    });
  }
});
