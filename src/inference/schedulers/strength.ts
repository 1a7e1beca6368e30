// Image-to-image: where in the schedule a start image enters, for a strength in (0, 1].
//
// We follow diffusers' StableDiffusionImg2ImgPipeline (the pipeline SD 1.x/2.x and SD-Turbo use):
// `setTimesteps(steps)` over the full schedule, then denoise only the last
// `int(steps × strength)` of them; the first one run is the begin index (diffusers'
// `set_begin_index`), and the start image is noised to that step's level (`addNoise`).
// The count is truncated, not rounded up: with 2 steps, strength 0.5 runs 1 step and strength 0.4
// runs none. That is why SD-Turbo's documentation asks for `steps × strength ≥ 1`; a request below
// it is refused here with the smallest strength and step count that would work. (diffusers' SD3 and
// Flux img2img pipelines round the other way, `steps − int(steps − steps × strength)`; we match the
// SD pipeline because our models are SD-family.) The product is IEEE float64 like Python's, so
// `int(100 × 0.29)` is 28, exactly as in diffusers.
// LCM note: diffusers' dedicated LatentConsistencyModelImg2ImgPipeline instead shortens LCM's
// distillation schedule by the strength inside `LCMScheduler.set_timesteps`; used through the SD
// img2img pipeline (as with LCM-LoRA) LCM behaves like every other scheduler here, which is what we do.

/** Which steps of a `steps`-step schedule an image-to-image run denoises. */
export interface StrengthSchedule {
  /** Index into `timesteps` (and `sigmas`) of the first step run; the start image is noised to its level. */
  beginIndex: number;
  /** Steps actually run: `steps − beginIndex` = int(steps × strength). */
  denoiseSteps: number;
}

/** A strength that is out of range, or too small to run a single step with this step count. */
export class StrengthError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'StrengthError';
  }
}

/** diffusers' get_timesteps: t_start = steps − min(int(steps × strength), steps). */
export function strengthSchedule(steps: number, strength: number): StrengthSchedule {
  if (!Number.isInteger(steps) || steps < 1) throw new StrengthError(`steps must be a whole number ≥ 1, got ${steps}.`);
  if (typeof strength !== 'number' || !Number.isFinite(strength) || strength <= 0 || strength > 1) {
    throw new StrengthError(`strength must be a number greater than 0 and at most 1, got ${String(strength)}.`);
  }
  const denoiseSteps = Math.min(Math.trunc(steps * strength), steps);
  if (denoiseSteps < 1) {
    throw new StrengthError(
      `strength ${strength} with ${steps} step${steps === 1 ? '' : 's'} runs no denoising step: steps × strength must be ≥ 1 (int(${steps} × ${strength}) = 0); ` +
      `use strength ≥ ${minimumStrength(steps)} or at least ${minimumSteps(strength)} steps.`);
  }
  return { beginIndex: steps - denoiseSteps, denoiseSteps };
}

/** Smallest strength (to 3 decimals, rounded up) with int(steps × strength) ≥ 1. */
function minimumStrength(steps: number): number {
  let s = Math.ceil((1 / steps) * 1000) / 1000;
  while (Math.trunc(steps * s) < 1) s = Math.round(s * 1000 + 1) / 1000;
  return s;
}

/** Smallest step count with int(steps × strength) ≥ 1. */
function minimumSteps(strength: number): number {
  let n = Math.max(1, Math.ceil(1 / strength));
  while (Math.trunc(n * strength) < 1) n++;
  return n;
}
