// Opens the optional autoencoder parts of a model folder on demand: the image encoder (image-to-image)
// and the tiny decoder. Each is its own cached session set, so text-to-image never pays for them.
import type { InferenceBackend, ModelSession } from '../backend/types';
import type { AutoencoderPart } from '../models/autoencoders';
import { ModelFolderError } from '../models/errors';
import type { ModelFolderInfo } from '../models/folder';
import { checkEncoderSignature, checkSignature, TINY_DECODER_SPEC } from '../models/signature';
import type { ConcreteDevice, ProviderAttempt } from '../types';
import type { LatentDecoder } from './decode';
import type { ImageEncoder } from './encode-image';
import type { LoadOptions } from './model';

interface Held {
  device: ConcreteDevice;
  fallbacks: ProviderAttempt[];
  /** Lets go of this hold on the session (shared with other holders of the same file). */
  release(): Promise<void>;
}

export type HeldImageEncoder = ImageEncoder & Held;
export type HeldLatentDecoder = LatentDecoder & Held;

export interface EncoderOptions extends LoadOptions {
  /** Which encoder when the folder has both: the full VAE's (default, matches the full decoder) or the tiny one. */
  prefer?: 'full' | 'tiny';
}

/** The folder's image encoder; a folder with neither encoder is a ModelFolderError saying what to add. */
export async function openImageEncoder(info: ModelFolderInfo, backend: InferenceBackend, options: EncoderOptions = {}): Promise<HeldImageEncoder> {
  const { encoder, tinyEncoder } = info.autoencoders;
  const chosen = options.prefer === 'tiny' ? tinyEncoder ?? encoder : encoder ?? tinyEncoder;
  if (!chosen) {
    throw new ModelFolderError(info.dir, 'vae_encoder',
      'is missing (and so is vae_encoder_tiny/): image-to-image needs an encoder; use an export that includes vae_encoder/ (optimum exports do) or add a TAESD-class vae_encoder_tiny/');
  }
  const { session, held } = await openPart(info, chosen, backend, options);
  try {
    const output = checkEncoderSignature(info.dir, chosen.file, session.inputs, session.outputs);
    const kind = chosen === encoder ? 'full' : 'tiny';
    return { kind, session, output, scalingFactor: chosen.scalingFactor, latentToPixel: info.vae.latentToPixel, latentChannels: info.vae.latentChannels, ...held };
  } catch (error) {
    await held.release();
    throw error;
  }
}

/** The folder's TAESD-class decoder (vae_decoder_tiny/); a ModelFolderError when there is none. */
export async function openTinyDecoder(info: ModelFolderInfo, backend: InferenceBackend, options: LoadOptions = {}): Promise<HeldLatentDecoder> {
  const part = info.autoencoders.tinyDecoder;
  if (!part) throw new ModelFolderError(info.dir, 'vae_decoder_tiny', 'is missing: this model has no tiny decoder');
  const { session, held } = await openPart(info, part, backend, options);
  try {
    checkSignature(info.dir, TINY_DECODER_SPEC, session.inputs, session.outputs);
    return { session, scalingFactor: part.scalingFactor, ...held };
  } catch (error) {
    await held.release();
    throw error;
  }
}

async function openPart(info: ModelFolderInfo, part: AutoencoderPart, backend: InferenceBackend, options: LoadOptions): Promise<{ session: ModelSession; held: Held }> {
  const set = await backend.acquireSessions(info.dir, [{ file: part.file }], options.device ?? 'auto', { log: options.log, threads: options.threads });
  const [session] = set.set.sessions as [ModelSession];
  return { session, held: { device: set.set.device, fallbacks: set.set.fallbacks, release: set.release } };
}
