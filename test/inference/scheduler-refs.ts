// Independent float64 reference of diffusers' schedule maths (written from the formulas, no float32
// emulation), shared by the scheduler tests and the image-to-image prediction (img2img-helpers.ts).
// A plain module (no mocha calls) so helpers and scripts can import it.
import * as assert from 'node:assert/strict';
import type { SchedulerConfig } from '../../src/inference';

export const SD_TURBO: SchedulerConfig = {
  _class_name: 'EulerDiscreteScheduler', _diffusers_version: '0.24.0.dev0', beta_end: 0.012, beta_schedule: 'scaled_linear',
  beta_start: 0.00085, clip_sample: false, interpolation_type: 'linear', num_train_timesteps: 1000, prediction_type: 'epsilon',
  sample_max_value: 1.0, set_alpha_to_one: false, skip_prk_steps: true, steps_offset: 1, timestep_spacing: 'trailing',
  timestep_type: 'discrete', trained_betas: null, use_karras_sigmas: false,
};
/** SD 1.5's scheduler config (PNDM in the repo; diffusers users swap in Euler/DDIM with it). */
export const SD15: SchedulerConfig = {
  _class_name: 'EulerDiscreteScheduler', beta_end: 0.012, beta_schedule: 'scaled_linear', beta_start: 0.00085,
  clip_sample: false, num_train_timesteps: 1000, set_alpha_to_one: false, skip_prk_steps: true, steps_offset: 1,
  timestep_spacing: 'leading', trained_betas: null,
};

export interface Ref {
  N: number;
  betaStart: number;
  betaEnd: number;
  schedule: 'linear' | 'scaled_linear';
}

export function refOf(c: SchedulerConfig): Ref {
  return { N: c.num_train_timesteps ?? 1000, betaStart: c.beta_start ?? 0.0001, betaEnd: c.beta_end ?? 0.02, schedule: (c.beta_schedule ?? 'linear') as Ref['schedule'] };
}

/** prod (1 - beta_s), s <= t, with betas evenly spaced (in sqrt space for scaled_linear). */
export function refAlphasCumprod(r: Ref): number[] {
  const out: number[] = [];
  let prod = 1;
  for (let t = 0; t < r.N; t++) {
    const frac = t / (r.N - 1);
    const beta = r.schedule === 'linear'
      ? r.betaStart + frac * (r.betaEnd - r.betaStart)
      : (Math.sqrt(r.betaStart) + frac * (Math.sqrt(r.betaEnd) - Math.sqrt(r.betaStart))) ** 2;
    prod *= 1 - beta;
    out.push(prod);
  }
  return out;
}

export const refSigmaAt = (ac: number[], t: number): number => Math.sqrt((1 - (ac[t] as number)) / (ac[t] as number));

function halfEven(x: number): number {
  const fl = Math.floor(x);
  const diff = x - fl;
  if (diff > 0.5) return fl + 1;
  if (diff < 0.5) return fl;
  return fl % 2 === 0 ? fl : fl + 1;
}

/** Table 2 of 2305.08891 as diffusers implements it. */
export function refTimesteps(spacing: string, N: number, n: number, offset: number, roundLinspace: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    if (spacing === 'leading') out.push(Math.floor(N / n) * (n - 1 - i) + offset);
    else if (spacing === 'trailing') out.push(halfEven(N - (i * N) / n) - 1);
    else {
      const v = n === 1 ? 0 : ((N - 1) * (n - 1 - i)) / (n - 1);
      out.push(roundLinspace ? halfEven(v) : v);
    }
  }
  return out;
}

/** Sigma at a fractional timestep: linear interpolation of the sigma table. */
export function refSigma(ac: number[], t: number): number {
  const lo = Math.floor(t);
  if (lo >= ac.length - 1) return refSigmaAt(ac, ac.length - 1);
  const w = t - lo;
  return (1 - w) * refSigmaAt(ac, lo) + w * refSigmaAt(ac, lo + 1);
}

export function refLcmTimesteps(N: number, original: number, n: number): number[] {
  const k = Math.floor(N / original);
  const schedule = Array.from({ length: original }, (_, j) => (original - j) * k - 1); // descending
  return Array.from({ length: n }, (_, i) => schedule[Math.floor((i * original) / n)] as number);
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    assert.ok(Math.abs(a - e) <= rel * Math.max(1, Math.abs(e)), `${what}[${i}]: got ${a}, expected ${e}`);
  }
}
