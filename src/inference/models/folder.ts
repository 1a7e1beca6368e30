// Model folder layout (diffusers/optimum ONNX export) and its configs, checked before any session opens.
import * as path from 'node:path';
import { describeValue, ownValue, type NumberRange } from '../safety/ranges';
import { createScheduler, schedulerNameOf, SchedulerConfigError, type SchedulerConfig } from '../schedulers';
import type { SchedulerName } from '../types';
import { AUTOENCODER_FILES, readAutoencoderParts, SCALING_FACTOR_RANGE, type AutoencoderParts } from './autoencoders';
import { ModelFolderError } from './errors';
import { readJsonFile, requireFile, requireFolder, numberField, type JsonObject } from './json';

/** Component files relative to the model folder. */
export const MODEL_FILES = Object.freeze({
  modelIndex: 'model_index.json',
  scheduler: 'scheduler/scheduler_config.json',
  vocab: 'tokenizer/vocab.json',
  merges: 'tokenizer/merges.txt',
  textEncoder: 'text_encoder/model.onnx',
  unet: 'unet/model.onnx',
  vaeDecoder: 'vae_decoder/model.onnx',
  textEncoderConfig: 'text_encoder/config.json',
  unetConfig: 'unet/config.json',
  vaeConfig: 'vae_decoder/config.json',
  // Optional: image-to-image encoders and the tiny decoder (autoencoders.ts).
  ...AUTOENCODER_FILES,
});

/** SD 1.x/2.x value, used only when vae_decoder/config.json does not say (reported in `notes`). */
const DEFAULT_VAE_SCALING_FACTOR = 0.18215;

/**
 * The documented valid range of every number read from unet/config.json and vae_decoder/config.json
 * (scheduler_config.json's are SCHEDULER_RANGES). sample_size × the VAE's down-scaling is the native
 * size, which sizes latents and the candidate-size search: a value past these ranges hung the worker.
 */
export const MODEL_CONFIG_RANGES = Object.freeze({
  sample_size: { integer: true, min: 8, max: 256 },
  in_channels: { integer: true, min: 1, max: 64 },
  time_cond_proj_dim: { integer: true, min: 4, max: 8192 },
  scaling_factor: SCALING_FACTOR_RANGE,
  latent_channels: { integer: true, min: 1, max: 64 },
  /** One entry per VAE level; the down-scaling is 2^(levels - 1). */
  block_out_levels: { integer: true, min: 1, max: 6 },
  block_out_channels: { integer: true, min: 1, max: 8192 },
  /** Pixels, the native size: what check-inputs accepts as an output side. */
  native_size: { integer: true, min: 64, max: 2048 },
} satisfies Record<string, NumberRange>);

export interface ModelFolderInfo {
  dir: string;
  /** The model folder's name (the catalog id for downloaded models). */
  modelId: string;
  tokenizerDir: string;
  scheduler: { className: string; name: SchedulerName; config: SchedulerConfig };
  vae: { scalingFactor: number; scalingFactorFromConfig: boolean; latentToPixel: number; latentChannels: number };
  unet: { sampleSize?: number; inChannels?: number; timeCondProjDim?: number };
  /** Optional vae_encoder/, vae_encoder_tiny/, vae_decoder_tiny/ with their scaling factors. */
  autoencoders: AutoencoderParts;
  /** Pixel size the model was trained at (unet sample_size × VAE down-scaling), e.g. 512. */
  nativeSize: number;
  /** Whether classifier-free guidance is the model's normal mode (false for turbo / LCM models). */
  usesGuidance: boolean;
  /** Things worth a log line, e.g. defaults used because a config did not say. */
  notes: string[];
}

/** Reads and checks the folder's configs and that every component file exists; opens no sessions. */
export async function validateModelFolder(dir: string): Promise<ModelFolderInfo> {
  const notes: string[] = [];
  await requireFolder(dir);
  const modelIndex = await readJsonFile(dir, MODEL_FILES.modelIndex);
  const schedulerConfig = (await readJsonFile(dir, MODEL_FILES.scheduler)) as SchedulerConfig;
  for (const file of [MODEL_FILES.vocab, MODEL_FILES.merges, MODEL_FILES.textEncoder, MODEL_FILES.unet, MODEL_FILES.vaeDecoder]) {
    await requireFile(dir, file);
  }
  const scheduler = readScheduler(dir, schedulerConfig);
  const unetConfig = await readJsonFile(dir, MODEL_FILES.unetConfig, { optional: true });
  const vaeConfig = await readJsonFile(dir, MODEL_FILES.vaeConfig, { optional: true });
  const vae = readVae(dir, vaeConfig, notes);
  const autoencoders = await readAutoencoderParts(dir, vae, notes);
  const unet = {
    sampleSize: numberField(dir, MODEL_FILES.unetConfig, unetConfig, 'sample_size', MODEL_CONFIG_RANGES.sample_size),
    inChannels: numberField(dir, MODEL_FILES.unetConfig, unetConfig, 'in_channels', MODEL_CONFIG_RANGES.in_channels),
    timeCondProjDim: numberField(dir, MODEL_FILES.unetConfig, unetConfig, 'time_cond_proj_dim', MODEL_CONFIG_RANGES.time_cond_proj_dim),
  };
  const nativeSize = (unet.sampleSize ?? 64) * vae.latentToPixel;
  const { min, max } = MODEL_CONFIG_RANGES.native_size;
  if (nativeSize < min || nativeSize > max) {
    throw new ModelFolderError(dir, MODEL_FILES.unetConfig, `field 'sample_size' ${unet.sampleSize ?? 64} × ${vae.latentToPixel} (the VAE's down-scaling) is a native size of ${nativeSize} px; valid: ${min} to ${max} px`);
  }
  if (unet.sampleSize === undefined) notes.push(`${MODEL_FILES.unetConfig} gives no sample_size; assuming ${nativeSize} px native size.`);
  // The folder name is what the user chose (or the catalog id we downloaded to); the export's own
  // `_name_or_path` (e.g. "stabilityai/sd-turbo") is only a hint about how the model wants to be run.
  const modelId = path.basename(path.resolve(dir));
  const nameOrPath = ownValue(modelIndex, '_name_or_path');
  const sourceName = typeof nameOrPath === 'string' ? nameOrPath : '';
  return {
    dir,
    modelId,
    tokenizerDir: path.join(dir, 'tokenizer'),
    scheduler,
    vae,
    unet,
    autoencoders,
    nativeSize,
    usesGuidance: guessUsesGuidance(`${sourceName} ${modelId}`, scheduler.name, unet.timeCondProjDim),
    notes,
  };
}

/**
 * The scheduler class, and the whole config checked by building it once (every number against its
 * range, one step planned): `models add` and verify refuse what a generation would fail on later.
 */
function readScheduler(dir: string, config: SchedulerConfig): ModelFolderInfo['scheduler'] {
  try {
    const name = schedulerNameOf(config);
    createScheduler(config).setTimesteps(1);
    return { className: String(ownValue(config, '_class_name')), name, config };
  } catch (error) {
    if (!(error instanceof SchedulerConfigError) && !(error instanceof RangeError)) throw error;
    throw new ModelFolderError(dir, MODEL_FILES.scheduler, error.message.replace(/^scheduler_config\.json: /, ''));
  }
}

function readVae(dir: string, config: JsonObject | undefined, notes: string[]): ModelFolderInfo['vae'] {
  const fromConfig = numberField(dir, MODEL_FILES.vaeConfig, config, 'scaling_factor', MODEL_CONFIG_RANGES.scaling_factor);
  if (fromConfig === undefined) {
    notes.push(`${MODEL_FILES.vaeConfig} gives no scaling_factor; using the SD 1.x/2.x default ${DEFAULT_VAE_SCALING_FACTOR}.`);
  }
  const levels = blockLevels(dir, ownValue(config, 'block_out_channels'));
  const latentToPixel = levels === undefined ? 8 : 2 ** (levels - 1);
  const latentChannels = numberField(dir, MODEL_FILES.vaeConfig, config, 'latent_channels', MODEL_CONFIG_RANGES.latent_channels) ?? 4;
  return { scalingFactor: fromConfig ?? DEFAULT_VAE_SCALING_FACTOR, scalingFactorFromConfig: fromConfig !== undefined, latentToPixel, latentChannels };
}

/** Number of VAE levels from block_out_channels (absent → undefined), each entry a channel count in range. */
function blockLevels(dir: string, blocks: unknown): number | undefined {
  if (blocks === undefined || blocks === null) return undefined;
  const { min, max } = MODEL_CONFIG_RANGES.block_out_levels;
  const channels = MODEL_CONFIG_RANGES.block_out_channels;
  const ok = Array.isArray(blocks) && blocks.length >= min && blocks.length <= max
    && blocks.every((c) => Number.isSafeInteger(c) && (c as number) >= channels.min && (c as number) <= channels.max);
  if (!ok) {
    throw new ModelFolderError(dir, MODEL_FILES.vaeConfig,
      `field 'block_out_channels' is ${describeValue(blocks)}; valid: a list of ${min} to ${max} positive integers up to ${channels.max}`);
  }
  return blocks.length;
}

/**
 * Turbo and LCM models are distilled to run without classifier-free guidance. Nothing in the
 * folder says so for SD-Turbo, so the names (export's `_name_or_path`, folder) are the only hint; LCM UNets carry a guidance embedding.
 */
function guessUsesGuidance(names: string, scheduler: SchedulerName, timeCondProjDim: number | undefined): boolean {
  if (scheduler === 'lcm' || timeCondProjDim !== undefined) return false;
  return !/turbo|lcm|lightning|hyper/i.test(names);
}
