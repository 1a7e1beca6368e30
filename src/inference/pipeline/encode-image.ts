// Image-to-image stage 4a: a start image (already fitted to the generation size) → the UNet's latents,
// with whichever encoder the model folder has (vae_encoder/, else vae_encoder_tiny/). Runs through the
// session seam like the other stages; the sessions come from autoencoder-sessions.ts.
import type { ModelSession } from '../backend/types';
import type { EncoderOutput } from '../models/signature';
import type { PixelImage } from '../types';
import type { LatentShape } from './latents';

export type { PixelImage } from '../types';

/** An encoder session with what the pipeline needs to read its output. */
export interface ImageEncoder {
  kind: 'full' | 'tiny';
  session: ModelSession;
  /** `latent_parameters` (mean ‖ log-variance) or `latent_sample`; see models/signature.ts. */
  output: EncoderOutput;
  /** Encoder output × scalingFactor = UNet latents. */
  scalingFactor: number;
  /** Pixels per latent along each side (8 for SD's VAE and TAESD). */
  latentToPixel: number;
  /** Latent channels the UNet expects (4 for SD). */
  latentChannels: number;
}

export interface EncodeImageOptions {
  /** What transparent pixels of an RGBA image become (the kind's background); white by default. */
  background?: readonly [number, number, number];
}

export interface EncodedLatents {
  latents: Float32Array;
  shape: LatentShape;
}

const WHITE = [255, 255, 255] as const;

/**
 * Encodes one image. For `latent_parameters` the posterior's mean is taken (diffusers' "argmax"
 * mode): deterministic for a seed, and the SD VAE's posterior spread is far below the noise that
 * image-to-image adds next. A `latent_sample` output is used as the export gives it.
 */
export async function encodeImage(encoder: ImageEncoder, image: PixelImage, options: EncodeImageOptions = {}): Promise<EncodedLatents> {
  checkImage(encoder, image);
  const { width, height } = image;
  const out = await encoder.session.run({ sample: { values: toPlanar(image, options.background ?? WHITE), dims: [1, 3, height, width] } }, [encoder.output]);
  const tensor = out[encoder.output];
  const shape: LatentShape = { channels: encoder.latentChannels, height: height / encoder.latentToPixel, width: width / encoder.latentToPixel };
  const perLatent = encoder.output === 'latent_parameters' ? 2 : 1;
  const expected = [1, shape.channels * perLatent, shape.height, shape.width];
  if (!tensor || tensor.dims.length !== 4 || tensor.dims.some((d, i) => d !== expected[i])) {
    throw new Error(`${encoder.session.file}: expected output '${encoder.output}' of shape [${expected.join(', ')}] for a ${width}×${height} image, got [${tensor?.dims.join(', ') ?? ''}]`);
  }
  // The mean is the first half of the channels; the log-variance half is not needed.
  const size = shape.channels * shape.height * shape.width;
  const latents = new Float32Array(size);
  for (let i = 0; i < size; i++) latents[i] = (tensor.data[i] as number) * encoder.scalingFactor;
  return { latents, shape };
}

function checkImage(encoder: ImageEncoder, image: PixelImage): void {
  const { width, height, channels, data } = image;
  const step = encoder.latentToPixel;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < step || height < step || width % step !== 0 || height % step !== 0) {
    throw new RangeError(`start image is ${width}×${height}; fit it to the generation size first (both sides whole multiples of ${step} px)`);
  }
  if ((channels !== 3 && channels !== 4) || data.length !== width * height * channels) {
    throw new RangeError(`start image ${width}×${height} with ${channels} channels should hold ${width * height * channels} bytes, has ${data.length}`);
  }
}

/** Interleaved RGB(A) bytes → planar [3, H, W] in [-1, 1] (x / 127.5 − 1), alpha composited on `bg`. */
export function toPlanar(image: PixelImage, bg: readonly [number, number, number]): Float32Array {
  const plane = image.width * image.height;
  const out = new Float32Array(plane * 3);
  const { data, channels } = image;
  for (let p = 0; p < plane; p++) {
    const alpha = channels === 4 ? (data[p * 4 + 3] as number) / 255 : 1;
    for (let c = 0; c < 3; c++) {
      const value = (data[p * channels + c] as number) * alpha + (bg[c] as number) * (1 - alpha);
      out[c * plane + p] = value / 127.5 - 1;
    }
  }
  return out;
}
