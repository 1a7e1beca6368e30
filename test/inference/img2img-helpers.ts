// Image-to-image on the oracle, predicted in float64 (test/fixtures/README.md, "Image-to-image").
// The oracle UNet's x0 estimate is (1 − μ)·z + μ·T (z = the clean-space sample it sees, T the
// prompt's target latent), which is affine, so every scheduler keeps the latent an affine form
// init·u + target·T + noise·ε of the encoded start image u, the target T and the noise ε that
// addNoise put in; fresh noise (ancestral, LCM) only adds its own independent term. This file runs
// diffusers' formulas for each scheduler on those three coefficients, independently of src/.
import type { SchedulerConfig } from '../../src/inference';
import type { PixelImage } from '../../src/inference/pipeline/encode-image';
import { refAlphasCumprod, refLcmTimesteps, refOf, refSigma, refTimesteps } from './scheduler-refs';

export type SchedulerKind = 'euler' | 'euler-ancestral' | 'ddim' | 'lcm';

/** Coefficients of the final latent on the start image's latent, the target latent and the added noise. */
export interface Img2ImgPrediction {
  init: number;
  target: number;
  noise: number;
}

type Form = Img2ImgPrediction;
const form = (init: number, target: number, noise: number): Form => ({ init, target, noise });
const add = (a: Form, b: Form): Form => form(a.init + b.init, a.target + b.target, a.noise + b.noise);
const scale = (k: number, a: Form): Form => form(k * a.init, k * a.target, k * a.noise);
const TARGET = form(0, 1, 0);

/** The oracle's eps for sample x when its clean-space sample is z = zScale·x: μ·(z − T)/σ. */
function oracleEps(x: Form, zScale: number, sigma: number, pull: number): Form {
  return scale(pull / sigma, add(scale(zScale, x), scale(-1, TARGET)));
}

export interface PredictOptions {
  config: SchedulerConfig;
  scheduler: SchedulerKind;
  steps: number;
  beginIndex: number;
  /** μ of the variant (1 for the text-to-image oracles). */
  pull: number;
}

export function predictOracleImg2Img(o: PredictOptions): Img2ImgPrediction {
  return o.scheduler === 'euler' || o.scheduler === 'euler-ancestral' ? predictEuler(o) : predictAlpha(o);
}

function predictEuler(o: PredictOptions): Form {
  const ac = refAlphasCumprod(refOf(o.config));
  const ts = refTimesteps(o.config.timestep_spacing as string, ac.length, o.steps, o.config.steps_offset ?? 0, false);
  const sig = ts.map((t) => refSigma(ac, t)).concat(0);
  let x = form(1, 0, sig[o.beginIndex] as number); // addNoise: u + σ·ε
  for (let i = o.beginIndex; i < o.steps; i++) {
    const s = sig[i] as number;
    const next = sig[i + 1] as number;
    // scale_model_input divides by √(σ² + 1); the oracle multiplies back, so z = x.
    const eps = oracleEps(x, 1, s, o.pull);
    const up = o.scheduler === 'euler-ancestral' ? Math.sqrt((next * next * (s * s - next * next)) / (s * s)) : 0;
    const down = o.scheduler === 'euler-ancestral' ? Math.sqrt(next * next - up * up) : next;
    // x0 = x − σ·eps, so the Euler derivative (x − x0)/σ is eps; the ancestral step adds up·(fresh noise).
    x = add(x, scale(down - s, eps));
  }
  return x;
}

function predictAlpha(o: PredictOptions): Form {
  const ac = refAlphasCumprod(refOf(o.config));
  const N = ac.length;
  const ts = o.scheduler === 'lcm'
    ? refLcmTimesteps(N, o.config.original_inference_steps ?? 50, o.steps)
    : refTimesteps(o.config.timestep_spacing as string, N, o.steps, o.config.steps_offset ?? 0, true);
  const final = o.config.set_alpha_to_one === false ? (ac[0] as number) : 1;
  const alphaAt = (t: number): number => (t >= 0 ? (ac[t] as number) : final);
  const a0 = alphaAt(ts[o.beginIndex] as number);
  let x = form(Math.sqrt(a0), 0, Math.sqrt(1 - a0)); // addNoise: √ᾱ·u + √(1 − ᾱ)·ε
  for (let i = o.beginIndex; i < o.steps; i++) {
    const t = ts[i] as number;
    const a = alphaAt(t);
    const eps = oracleEps(x, 1 / Math.sqrt(a), Math.sqrt((1 - a) / a), o.pull);
    const x0 = scale(1 / Math.sqrt(a), add(x, scale(-Math.sqrt(1 - a), eps)));
    if (o.scheduler === 'ddim') {
      const prev = alphaAt(t - Math.floor(N / o.steps));
      x = add(scale(Math.sqrt(prev), x0), scale(Math.sqrt(1 - prev), eps));
      continue;
    }
    const scaled = t * (o.config.timestep_scaling ?? 10);
    const cSkip = 0.25 / (scaled * scaled + 0.25);
    const cOut = scaled / Math.sqrt(scaled * scaled + 0.25);
    const denoised = add(scale(cOut, x0), scale(cSkip, x));
    // Not the last step: re-noised to the next timestep with fresh noise (its own independent term).
    x = i === o.steps - 1 ? denoised : scale(Math.sqrt(alphaAt(ts[i + 1] as number)), denoised);
  }
  return x;
}

/**
 * The decoded colour (0..255, before rounding) of a block whose start colour is `init` under a
 * target colour: the oracle decoders are linear, 2c/255 − 1 = init·(2i/255 − 1) + target·(2t/255 − 1).
 * The added noise is left out: on the ×1e5 image-to-image variants it moves a pixel < 0.1 level.
 */
export function predictedColour(p: Img2ImgPrediction, init: readonly number[], target: readonly number[]): number[] {
  return [0, 1, 2].map((c) => {
    const v = p.init * ((2 * (init[c] ?? 0)) / 255 - 1) + p.target * ((2 * (target[c] ?? 0)) / 255 - 1);
    return Math.min(255, Math.max(0, ((v + 1) / 2) * 255));
  });
}

/** An RGB image made of 8×8 blocks (what the oracle encoder inverts exactly); `colourAt(bx, by)` per block. */
export function blockImage(width: number, height: number, colourAt: (bx: number, by: number) => readonly number[]): PixelImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(colourAt(Math.floor(x / 8), Math.floor(y / 8)).slice(0, 3), (y * width + x) * 3);
  }
  return { width, height, channels: 3, data };
}
