// The optional autoencoder parts of a model folder: the full VAE encoder (`vae_encoder/`, image-to-image)
// and TAESD-class tiny parts (`vae_encoder_tiny/`, `vae_decoder_tiny/`). None is required: a folder
// without them still generates from text. A part's folder that exists must hold its model.onnx.
//
// Latent scaling (what turns an encoder's output into the UNet's latents, and back before a decoder):
// - vae_encoder: `scaling_factor` from vae_encoder/config.json, else from vae_decoder/config.json
//   (optimum writes the same AutoencoderKL config into both); the two must agree when both say.
// - vae_encoder_tiny / vae_decoder_tiny: `scaling_factor` from their config.json, else 1.0, diffusers'
//   AutoencoderTiny default: TAESD's latents already are the UNet's (scaled) latents.
// Images go in and out in [-1, 1] as diffusers' AutoencoderTiny wraps TAESD (the raw TAESD ONNX files,
// which take [0, 1], are not this layout).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { NumberRange } from '../safety/ranges';
import { ModelFolderError } from './errors';
import { numberField, readJsonFile, requireFile, type JsonObject } from './json';

export const AUTOENCODER_FILES = Object.freeze({
  vaeEncoder: 'vae_encoder/model.onnx',
  vaeEncoderConfig: 'vae_encoder/config.json',
  vaeEncoderTiny: 'vae_encoder_tiny/model.onnx',
  vaeEncoderTinyConfig: 'vae_encoder_tiny/config.json',
  vaeDecoderTiny: 'vae_decoder_tiny/model.onnx',
  vaeDecoderTinyConfig: 'vae_decoder_tiny/config.json',
});

/** AutoencoderTiny's scaling_factor when its config does not say. */
const TINY_SCALING_FACTOR = 1.0;

export interface AutoencoderPart {
  /** The model file relative to the model folder, e.g. `vae_encoder/model.onnx`. */
  file: string;
  /** Encoder output × scalingFactor = UNet latents; UNet latents / scalingFactor = decoder input. */
  scalingFactor: number;
  /** Where the factor came from: the part's own config, the VAE decoder's config, or the default. */
  scalingFrom: 'config' | 'vae_decoder' | 'default';
}

export interface AutoencoderParts {
  encoder?: AutoencoderPart;
  tinyEncoder?: AutoencoderPart;
  tinyDecoder?: AutoencoderPart;
}

/** What the VAE decoder uses (folder.ts): its factor, and whether its config gave it. */
export interface DecoderScaling {
  scalingFactor: number;
  scalingFactorFromConfig: boolean;
}

/** The parts present in `dir`, each with the scaling factor it must use. */
export async function readAutoencoderParts(dir: string, decoder: DecoderScaling, notes: string[]): Promise<AutoencoderParts> {
  const parts: AutoencoderParts = {};
  const F = AUTOENCODER_FILES;
  const encoderConfig = await readPart(dir, F.vaeEncoder, F.vaeEncoderConfig);
  if (encoderConfig !== undefined) {
    const own = positiveScaling(dir, F.vaeEncoderConfig, encoderConfig.config);
    // decode(encode(image)) must give the image back, so the encoder scales exactly as the decoder unscales.
    if (own !== undefined && own !== decoder.scalingFactor) {
      const theirs = decoder.scalingFactorFromConfig ? 'vae_decoder/config.json' : 'the decoder (the SD default; vae_decoder/config.json gives none)';
      throw new ModelFolderError(dir, F.vaeEncoderConfig,
        `scaling_factor ${own} differs from ${decoder.scalingFactor} used by ${theirs}; the encoder and decoder of one VAE must use the same factor`);
    }
    parts.encoder = { file: F.vaeEncoder, scalingFactor: decoder.scalingFactor, scalingFrom: own !== undefined ? 'config' : 'vae_decoder' };
  }
  for (const [key, file, configFile] of [['tinyEncoder', F.vaeEncoderTiny, F.vaeEncoderTinyConfig], ['tinyDecoder', F.vaeDecoderTiny, F.vaeDecoderTinyConfig]] as const) {
    const found = await readPart(dir, file, configFile);
    if (found === undefined) continue;
    const own = positiveScaling(dir, configFile, found.config);
    if (own === undefined) notes.push(`${configFile} gives no scaling_factor; using AutoencoderTiny's ${TINY_SCALING_FACTOR}.`);
    parts[key] = { file, scalingFactor: own ?? TINY_SCALING_FACTOR, scalingFrom: own !== undefined ? 'config' : 'default' };
  }
  return parts;
}

/** undefined when the part's folder is absent; its config (optional) when the model file is there. */
async function readPart(dir: string, file: string, configFile: string): Promise<{ config: JsonObject | undefined } | undefined> {
  const folder = path.dirname(file);
  const stat = await fs.stat(path.join(dir, folder)).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new ModelFolderError(dir, folder, `cannot be read (${error.message})`);
  });
  if (!stat) return undefined;
  if (!stat.isDirectory()) throw new ModelFolderError(dir, folder, 'is not a folder');
  await requireFile(dir, file);
  return { config: await readJsonFile(dir, configFile, { optional: true }) };
}

/** Every VAE config's scaling_factor (SD 0.18215, SDXL 0.13025, TAESD 1): positive, and not absurd. */
export const SCALING_FACTOR_RANGE: NumberRange = Object.freeze({ min: 0, max: 100, exclusiveMin: true });

function positiveScaling(dir: string, file: string, config: JsonObject | undefined): number | undefined {
  return numberField(dir, file, config, 'scaling_factor', SCALING_FACTOR_RANGE);
}
