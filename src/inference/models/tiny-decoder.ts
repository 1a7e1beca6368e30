// Where a model's TAESD-class tiny decoder comes from: its own `vae_decoder_tiny/`, else an installed
// preview decoder of the model's latent family (the catalog's `taesd` for SD 1.x/2.x: same latent
// space, so one 5 MB decoder serves every such model). Each keeps its own scaling and output range:
// - `scaling_factor` (default 1.0, AutoencoderTiny's: TAESD reads the UNet's latents as they are) and
//   `shift_factor` (default 0): the decoder reads latents / scaling_factor + shift_factor;
// - `output_range`, [-1, 1] (default: what diffusers' AutoencoderTiny returns) or [0, 1] (the raw
//   TAESD decoder, which ends in [0, 1]); a config key of ours, since diffusers' config has none.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { describeValue, ownValue, type NumberRange } from '../safety/ranges';
import { LATENT_FAMILIES, LATENT_FAMILY_NAMES, type LatentFamily } from '../tables';
import { SCALING_FACTOR_RANGE } from './autoencoders';
import { loadCatalog, type CatalogEntry } from './catalog';
import { ModelFolderError } from './errors';
import type { ModelFolderInfo } from './folder';
import { numberField, readJsonFile, type JsonObject } from './json';

/** What a decoder returns, as [black, white]. */
export type OutputRange = readonly [number, number];
export const OUTPUT_RANGES: readonly OutputRange[] = Object.freeze([[-1, 1], [0, 1]] as const);

export interface TinyDecoderSource {
  /** The folder `file` is relative to: the model folder, or the installed decoder's folder. */
  dir: string;
  file: string;
  scalingFactor: number;
  shiftFactor: number;
  outputRange: OutputRange;
  /** 'model' (its own vae_decoder_tiny/) or the id of the installed preview decoder, e.g. 'taesd'. */
  origin: string;
}

/** Preview decoders live in the store as `<store>/<id>/vae_decoder/` (selectModelFiles fetches only that). */
const PREVIEW_DECODER_FILE = 'vae_decoder/model.onnx';
const PREVIEW_DECODER_CONFIG = 'vae_decoder/config.json';

/** The latent family of a model's VAE (channels and scaling_factor), or undefined for one we do not know. */
export function latentFamilyOf(info: Pick<ModelFolderInfo, 'vae'>): LatentFamily | undefined {
  return LATENT_FAMILY_NAMES.find((name) => {
    const family = LATENT_FAMILIES[name];
    return family.latentChannels === info.vae.latentChannels && Math.abs(family.scalingFactor - info.vae.scalingFactor) < 1e-6;
  });
}

/** FLUX-style VAEs shift by ~0.1; anything far outside is a broken config, not a decoder. */
const SHIFT_FACTOR_RANGE: NumberRange = Object.freeze({ min: -100, max: 100 });

function readOutputRange(dir: string, file: string, config: JsonObject | undefined): OutputRange {
  const value = ownValue(config, 'output_range');
  if (value === undefined || value === null) return OUTPUT_RANGES[0] as OutputRange;
  const found = OUTPUT_RANGES.find((r) => Array.isArray(value) && value.length === 2 && value[0] === r[0] && value[1] === r[1]);
  if (!found) throw new ModelFolderError(dir, file, `field 'output_range' is ${describeValue(value)}; valid: [-1, 1] or [0, 1]`);
  return found;
}

async function describe(dir: string, file: string, configFile: string, origin: string): Promise<TinyDecoderSource> {
  const config = await readJsonFile(dir, configFile, { optional: true });
  const scaling = numberField(dir, configFile, config, 'scaling_factor', SCALING_FACTOR_RANGE);
  const shift = numberField(dir, configFile, config, 'shift_factor', SHIFT_FACTOR_RANGE);
  return { dir, file, scalingFactor: scaling ?? 1, shiftFactor: shift ?? 0, outputRange: readOutputRange(dir, configFile, config), origin };
}

/** The catalog's preview decoders that decode this model's latents, best first (catalog order). */
export function pairedDecoders(info: Pick<ModelFolderInfo, 'vae'>): CatalogEntry[] {
  const family = latentFamilyOf(info);
  if (!family) return [];
  return loadCatalog().models.filter((m) => m.kind === 'preview-decoder' && m.latentFamily === family);
}

/** The model's tiny decoder: its own vae_decoder_tiny/, else a paired one installed in `storeDir`. */
export async function findTinyDecoder(info: ModelFolderInfo, storeDir?: string): Promise<TinyDecoderSource | undefined> {
  const own = info.autoencoders.tinyDecoder;
  if (own) return describe(info.dir, own.file, path.join(path.dirname(own.file), 'config.json'), 'model');
  if (!storeDir) return undefined;
  for (const entry of pairedDecoders(info)) {
    const dir = path.join(storeDir, entry.id);
    if (existsSync(path.join(dir, PREVIEW_DECODER_FILE))) return describe(dir, PREVIEW_DECODER_FILE, PREVIEW_DECODER_CONFIG, entry.id);
  }
  return undefined;
}

export interface TinyDecoderOffer {
  id: string;
  name: string;
  approxDownloadBytes: number;
}

/** The catalog decoder to suggest for a model that has no tiny decoder (none when it has one or none pairs). */
export async function tinyDecoderOffer(info: ModelFolderInfo, storeDir?: string): Promise<TinyDecoderOffer | undefined> {
  if (await findTinyDecoder(info, storeDir)) return undefined;
  const entry = pairedDecoders(info)[0];
  return entry ? { id: entry.id, name: entry.name, approxDownloadBytes: entry.approxDownloadBytes } : undefined;
}
