// Image-to-image stages 3b and 4b (diffusers' StableDiffusionImg2ImgPipeline): where the schedule
// begins for a strength, and the start latents — the encoded start image noised to that step's level,
// with each candidate's noise drawn first from its own seeded stream (seed + i, as text-to-image's
// start latents are), so one candidate of a batch matches a single run with its seed.
import { InvalidRequestError } from '../errors';
import { strengthSchedule, StrengthError, type Scheduler } from '../schedulers';
import type { PipelineInit } from '../types';
import { encodeImage, type ImageEncoder } from './encode-image';
import type { ImageLatents, LatentShape } from './latents';
import { createRng } from './rng';

/** The first step to run: 0 for text-to-image; for a strength, steps − int(steps × strength). */
export function beginIndexFor(steps: number, init: PipelineInit | undefined): number {
  if (!init) return 0;
  try {
    return strengthSchedule(steps, init.strength).beginIndex;
  } catch (error) {
    // Named as a request field so the message reaches the user as "strength …" from any layer.
    if (error instanceof StrengthError) throw new InvalidRequestError('strength', error.message);
    throw error;
  }
}

/** Encodes the start image once and noises it to `beginIndex` for every candidate. */
export async function prepareInitLatents(
  encoder: ImageEncoder, init: PipelineInit, o: { seed: number; count: number; schedulers: Scheduler[]; beginIndex: number; shape: LatentShape },
): Promise<ImageLatents[]> {
  const encoded = await encodeImage(encoder, init.image, init.background ? { background: init.background } : {});
  const { shape } = o;
  if (encoded.shape.channels !== shape.channels || encoded.shape.height !== shape.height || encoded.shape.width !== shape.width) {
    throw new Error(`${encoder.session.file}: encodes a ${init.image.width}×${init.image.height} image to latents [${encoded.shape.channels}, ${encoded.shape.height}, ${encoded.shape.width}], the UNet expects [${shape.channels}, ${shape.height}, ${shape.width}]`);
  }
  return Array.from({ length: o.count }, (_, i) => {
    const seed = (o.seed + i) % 0x100000000;
    const rng = createRng(seed);
    const noise = rng.normal(encoded.latents.length);
    return { seed, rng, latents: (o.schedulers[i] as Scheduler).addNoise(encoded.latents, noise, o.beginIndex) };
  });
}
