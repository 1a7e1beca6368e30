// Convergence property (mirrors the oracle model): when the model returns the exact epsilon (or v) for a
// fixed clean sample x0, every scheduler lands on x0, for 1 and 4 steps. The oracle only sees the UNet
// input and the timestep, and looks alphas_cumprod up in the scheduler's table, as the fixture graph does.
import * as assert from 'node:assert/strict';
import { createRng, createScheduler, type Scheduler, type SchedulerConfig, type SchedulerName } from '../../src/inference';
import { SD15, SD_TURBO } from './scheduler-reference.test';

const SIZE = 4 * 8 * 8;
/** A fixed clean latent with values in about [-1.5, 1.5]. */
const X0 = Float32Array.from({ length: SIZE }, (_, i) => 1.5 * Math.sin(i * 0.37) * Math.cos(i * 0.11));

/** alphas_cumprod at a possibly fractional timestep: interpolate sigma like diffusers' Euler, convert back. */
function alphaAt(table: Float64Array, t: number): number {
  const sigmaOf = (k: number): number => Math.sqrt((1 - (table[k] as number)) / (table[k] as number));
  const lo = Math.min(Math.floor(t), table.length - 1);
  const hi = Math.min(lo + 1, table.length - 1);
  const sigma = sigmaOf(lo) + (t - lo) * (sigmaOf(hi) - sigmaOf(lo));
  return 1 / (1 + sigma * sigma);
}

/** The exact model output for X0: input = sqrt(a) x0 + sqrt(1 - a) eps. */
function oracle(input: Float32Array, t: number, table: Float64Array, prediction: string): Float32Array {
  const a = alphaAt(table, t);
  const sa = Math.sqrt(a);
  const sb = Math.sqrt(1 - a);
  if (prediction === 'sample') return X0.slice();
  return input.map((x, i) => {
    const eps = (x - sa * (X0[i] as number)) / sb;
    return prediction === 'v_prediction' ? sa * eps - sb * (X0[i] as number) : eps;
  });
}

function denoise(s: Scheduler, steps: number, seed: number): Float32Array {
  s.setTimesteps(steps);
  const rng = createRng(seed);
  let x: Float32Array = rng.normal(SIZE).map((v) => v * s.initNoiseSigma);
  const prediction = (s.config.prediction_type as string | undefined) ?? 'epsilon';
  s.timesteps.forEach((t, i) => {
    const out = oracle(s.scaleModelInput(x, i), t, s.alphasCumprod, prediction);
    x = s.step(out, i, x, rng).prevSample;
  });
  return x;
}

function maxError(x: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs((x[i] as number) - (X0[i] as number)));
  return worst;
}

const CONFIGS: Array<[string, SchedulerConfig]> = [
  ['SD-Turbo (trailing, epsilon)', { ...SD_TURBO, set_alpha_to_one: true }],
  ['SD-Turbo v_prediction', { ...SD_TURBO, prediction_type: 'v_prediction', set_alpha_to_one: true }],
  ['SD 1.5 (leading, steps_offset 1)', { ...SD15, set_alpha_to_one: true }],
  ['linspace spacing (fractional Euler timesteps)', { ...SD15, timestep_spacing: 'linspace', steps_offset: 0, set_alpha_to_one: true }],
  ['linear betas, 1000 steps', { beta_schedule: 'linear', beta_start: 0.0001, beta_end: 0.02, timestep_spacing: 'trailing', clip_sample: false }],
];
const NAMES: SchedulerName[] = ['euler', 'euler-ancestral', 'ddim', 'lcm'];

describe('every scheduler lands on x0 when the model predicts exactly', () => {
  for (const [label, config] of CONFIGS) {
    for (const name of NAMES) {
      for (const steps of [1, 4]) {
        it(`${name}, ${steps} step(s), ${label}`, () => {
          const err = maxError(denoise(createScheduler(config, name), steps, 1234));
          assert.ok(err < 1e-4, `max |x - x0| = ${err}`);
        });
      }
    }
  }

  it('also for 25 steps and the ancestral noise of other seeds', () => {
    for (const seed of [0, 99, 4294967295]) {
      for (const name of NAMES) {
        const err = maxError(denoise(createScheduler({ ...SD_TURBO, set_alpha_to_one: true }, name), 25, seed));
        assert.ok(err < 1e-4, `${name} seed ${seed}: ${err}`);
      }
    }
  });

  for (const name of ['euler', 'ddim', 'lcm'] as const) {
    it(`${name} with prediction_type "sample", 1 and 4 steps`, () => {
      for (const steps of [1, 4]) {
        const err = maxError(denoise(createScheduler({ ...SD_TURBO, prediction_type: 'sample', set_alpha_to_one: true }, name), steps, 3));
        assert.ok(err < 1e-4, `${steps} steps: ${err}`);
      }
    });
  }

  it('DDIM with set_alpha_to_one false (SD-Turbo, SD 1.5 as shipped) ends at alphas_cumprod[0], not exactly x0', () => {
    const s = createScheduler(SD_TURBO, 'ddim');
    const x = denoise(s, 4, 1234);
    const a0 = s.alphasCumprod[0] as number;
    // Last step: x = sqrt(a0) x0 + sqrt(1 - a0) eps, with eps the noise the oracle recovered.
    const err = maxError(x);
    assert.ok(err > 1e-3 && err < 0.2, `deviation ${err}`);
    let meanAbs = 0;
    for (let i = 0; i < SIZE; i++) meanAbs += Math.abs((x[i] as number) - (X0[i] as number)) / SIZE;
    assert.ok(meanAbs < 2 * Math.sqrt(1 - a0), `mean deviation ${meanAbs} vs sqrt(1 - a0) ${Math.sqrt(1 - a0)}`);
  });

  it('predOriginal is x0 from the first step for every scheduler', () => {
    for (const name of NAMES) {
      const s = createScheduler({ ...SD_TURBO, set_alpha_to_one: true }, name);
      s.setTimesteps(4);
      const rng = createRng(5);
      const x = rng.normal(SIZE).map((v) => v * s.initNoiseSigma);
      const out = oracle(s.scaleModelInput(x, 0), s.timesteps[0] as number, s.alphasCumprod, 'epsilon');
      const { predOriginal } = s.step(out, 0, x, rng);
      assert.ok(maxError(predOriginal) < 1e-3, `${name}: ${maxError(predOriginal)}`);
    }
  });
});
