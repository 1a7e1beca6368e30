// Model folder layout (diffusers/optimum ONNX export) and its configs, checked before any session opens.
import * as path from 'node:path';
import { schedulerNameOf, SchedulerConfigError, type SchedulerConfig } from '../schedulers';
import type { SchedulerName } from '../types';
import { AUTOENCODER_FILES, readAutoencoderParts, type AutoencoderParts } from './autoencoders';
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
    sampleSize: numberField(dir, MODEL_FILES.unetConfig, unetConfig, 'sample_size'),
    inChannels: numberField(dir, MODEL_FILES.unetConfig, unetConfig, 'in_channels'),
    timeCondProjDim: numberField(dir, MODEL_FILES.unetConfig, unetConfig, 'time_cond_proj_dim'),
  };
  const nativeSize = (unet.sampleSize ?? 64) * vae.latentToPixel;
  if (unet.sampleSize === undefined) notes.push(`${MODEL_FILES.unetConfig} gives no sample_size; assuming ${nativeSize} px native size.`);
  // The folder name is what the user chose (or the catalog id we downloaded to); the export's own
  // `_name_or_path` (e.g. "stabilityai/sd-turbo") is only a hint about how the model wants to be run.
  const modelId = path.basename(path.resolve(dir));
  const sourceName = typeof modelIndex._name_or_path === 'string' ? modelIndex._name_or_path : '';
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

function readScheduler(dir: string, config: SchedulerConfig): ModelFolderInfo['scheduler'] {
  try {
    return { className: String(config._class_name), name: schedulerNameOf(config), config };
  } catch (error) {
    if (!(error instanceof SchedulerConfigError)) throw error;
    throw new ModelFolderError(dir, MODEL_FILES.scheduler, error.message.replace(/^scheduler_config\.json: /, ''));
  }
}

function readVae(dir: string, config: JsonObject | undefined, notes: string[]): ModelFolderInfo['vae'] {
  const fromConfig = numberField(dir, MODEL_FILES.vaeConfig, config, 'scaling_factor');
  if (fromConfig === undefined) {
    notes.push(`${MODEL_FILES.vaeConfig} gives no scaling_factor; using the SD 1.x/2.x default ${DEFAULT_VAE_SCALING_FACTOR}.`);
  } else if (!(fromConfig > 0)) {
    throw new ModelFolderError(dir, MODEL_FILES.vaeConfig, `scaling_factor must be a positive number, got ${fromConfig}`);
  }
  const blocks = config?.block_out_channels;
  const latentToPixel = Array.isArray(blocks) && blocks.length > 0 ? 2 ** (blocks.length - 1) : 8;
  const latentChannels = numberField(dir, MODEL_FILES.vaeConfig, config, 'latent_channels') ?? 4;
  return { scalingFactor: fromConfig ?? DEFAULT_VAE_SCALING_FACTOR, scalingFactorFromConfig: fromConfig !== undefined, latentToPixel, latentChannels };
}

/**
 * Turbo and LCM models are distilled to run without classifier-free guidance. Nothing in the
 * folder says so for SD-Turbo, so the names (export's `_name_or_path`, folder) are the only hint; LCM UNets carry a guidance embedding.
 */
function guessUsesGuidance(names: string, scheduler: SchedulerName, timeCondProjDim: number | undefined): boolean {
  if (scheduler === 'lcm' || timeCondProjDim !== undefined) return false;
  return !/turbo|lcm|lightning|hyper/i.test(names);
}
