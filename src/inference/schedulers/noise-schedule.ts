// Training noise schedule shared by every scheduler: betas → alphas → alphas_cumprod.
// Values are rounded to float32 where torch keeps them in float32 (betas, alphas, the stored cumprod),
// while the running product is accumulated in float64 as torch's CPU cumprod does.
import { raw, readBool, readEnum, readNumber, SCHEDULER_RANGES } from './options';
import { SchedulerConfigError, type SchedulerConfig } from './types';

const f32 = Math.fround;

export type BetaSchedule = 'linear' | 'scaled_linear' | 'squaredcos_cap_v2';
export const BETA_SCHEDULES: readonly BetaSchedule[] = ['linear', 'scaled_linear', 'squaredcos_cap_v2'];

/** Per-class defaults of the fields every scheduler reads (they differ between diffusers classes). */
export interface NoiseDefaults {
  betaStart: number;
  betaEnd: number;
  betaSchedule: BetaSchedule;
}

export interface NoiseSchedule {
  trainSteps: number;
  betas: Float64Array;
  alphasCumprod: Float64Array;
}

/** torch.linspace(start, end, n, dtype=float32) on CPU: float32 maths, filled from both ends. */
export function linspaceF32(start: number, end: number, n: number): Float64Array {
  const out = new Float64Array(n);
  if (n === 1) {
    out[0] = f32(start);
    return out;
  }
  const s = f32(start);
  const e = f32(end);
  const step = f32((e - s) / (n - 1));
  const halfway = Math.floor(n / 2);
  for (let i = 0; i < n; i++) {
    out[i] = i < halfway ? f32(s + f32(step * i)) : f32(e - f32(step * (n - i - 1)));
  }
  return out;
}

/** GLIDE's cosine schedule (diffusers' betas_for_alpha_bar), capped at 0.999. */
function cosineBetas(n: number): Float64Array {
  const alphaBar = (t: number): number => Math.cos(((t + 0.008) / 1.008) * Math.PI / 2) ** 2;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = f32(Math.min(1 - alphaBar((i + 1) / n) / alphaBar(i / n), 0.999));
  return out;
}

function trainedBetas(config: SchedulerConfig, trainSteps: number): Float64Array | undefined {
  const given = raw(config, 'trained_betas');
  if (given === undefined || given === null) return undefined;
  const valid = Array.isArray(given) && given.length === trainSteps
    && given.every((b) => typeof b === 'number' && f32(b) >= 1e-8 && f32(b) < 1);
  if (!valid) {
    throw new SchedulerConfigError('trained_betas', '[…]',
      `scheduler_config.json: trained_betas must be ${trainSteps} numbers from 1e-8 to below 1 (one per num_train_timesteps).`);
  }
  return Float64Array.from(given, f32);
}

/** "Common Diffusion Noise Schedules and Sample Steps are Flawed" (2305.08891), Algorithm 1, in float32. */
function rescaleZeroTerminalSnr(betas: Float64Array): Float64Array {
  const n = betas.length;
  const sqrtBar = new Float64Array(n);
  let acc = 1;
  for (let i = 0; i < n; i++) {
    acc *= f32(1 - (betas[i] as number));
    sqrtBar[i] = f32(Math.sqrt(f32(acc)));
  }
  const first = sqrtBar[0] as number;
  const last = sqrtBar[n - 1] as number;
  const scale = f32(first / f32(first - last));
  const bar = sqrtBar.map((v) => f32(f32(f32(v - last) * scale) ** 2));
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const alpha = i === 0 ? (bar[0] as number) : f32((bar[i] as number) / (bar[i - 1] as number));
    out[i] = f32(1 - alpha);
  }
  return out;
}

/** alphas_cumprod[t] = prod_{s<=t} (1 - beta_s), accumulated in float64, stored as float32. */
export function cumprodOfAlphas(betas: Float64Array): Float64Array {
  const out = new Float64Array(betas.length);
  let acc = 1;
  for (let i = 0; i < betas.length; i++) {
    acc *= f32(1 - (betas[i] as number));
    out[i] = f32(acc);
  }
  return out;
}

export function buildNoiseSchedule(config: SchedulerConfig, defaults: NoiseDefaults): NoiseSchedule {
  const trainSteps = readNumber(config, 'num_train_timesteps', 1000, SCHEDULER_RANGES.num_train_timesteps);
  let betas = trainedBetas(config, trainSteps);
  if (betas === undefined) {
    const schedule = readEnum(config, 'beta_schedule', defaults.betaSchedule, BETA_SCHEDULES);
    const start = readNumber(config, 'beta_start', defaults.betaStart, SCHEDULER_RANGES.beta_start);
    const end = readNumber(config, 'beta_end', defaults.betaEnd, SCHEDULER_RANGES.beta_end);
    if (schedule === 'linear') betas = linspaceF32(start, end, trainSteps);
    else if (schedule === 'scaled_linear') betas = linspaceF32(Math.sqrt(start), Math.sqrt(end), trainSteps).map((b) => f32(b * b));
    else betas = cosineBetas(trainSteps);
  }
  const rescaled = readBool(config, 'rescale_betas_zero_snr', false);
  if (rescaled) betas = rescaleZeroTerminalSnr(betas);
  const alphasCumprod = cumprodOfAlphas(betas);
  // Each field can be in range and the product still reach 0 in float32 (many steps, large betas):
  // the last noise level is then infinite and every image comes out flat. Zero terminal SNR asks
  // for exactly that and is handled by the schedulers that allow it.
  const last = alphasCumprod[trainSteps - 1] as number;
  if (!rescaled && !(last > 0 && Number.isFinite(f32(f32(1 - last) / last)))) {
    throw new SchedulerConfigError('beta_end', raw(config, 'beta_end'),
      `scheduler_config.json: num_train_timesteps ${trainSteps} with these betas (beta_end ${JSON.stringify(raw(config, 'beta_end') ?? defaults.betaEnd)}${raw(config, 'trained_betas') !== undefined ? ', trained_betas' : ''}) drives alphas_cumprod to ${last}, an infinite noise level; expected a schedule whose alphas_cumprod stays above 0 (fewer steps or smaller betas).`);
  }
  return { trainSteps, betas, alphasCumprod };
}
