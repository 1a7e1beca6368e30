// Stage 6's choice: which decoder turns the final latents into pixels. 'auto' takes the tiny decoder
// on the CPU provider (there the full VAE costs more than the whole denoising of SD-Turbo) and the
// full VAE on GPU providers; 'tiny' and 'full' are explicit, and an explicit tiny on a model without
// one is an error that says how to get one.
import { InvalidRequestError } from '../errors';
import type { ConcreteDevice, DecoderChoice, DecoderKind } from '../tables';
import type { LoadedModel, ResolvedDecoder } from './model';

export function chooseDecoder(choice: DecoderChoice, device: ConcreteDevice, hasTiny: boolean): DecoderKind {
  if (choice === 'full') return 'full';
  if (choice === 'tiny') {
    if (!hasTiny) {
      throw new InvalidRequestError('decoder',
        "decoder 'tiny': this model has no tiny decoder (no vae_decoder_tiny/ folder, and no installed taesd for its latents: " +
        "nanoforge models pull taesd adds one for SD 1.x/2.x models); use decoder 'auto' or 'full'.");
    }
    return 'tiny';
  }
  return device === 'cpu' && hasTiny ? 'tiny' : 'full';
}

/** The decoder `choice` resolves to on this model (the full VAE opens here on first use). */
export async function resolveDecoder(model: LoadedModel, choice: DecoderChoice = 'auto'): Promise<ResolvedDecoder> {
  const kind = chooseDecoder(choice, model.device, model.tiny !== undefined);
  return kind === 'tiny' && model.tiny ? model.tiny : model.fullDecoder();
}
