// Opens a model folder for the pipeline: configs, tokenizer, the three sessions (through the backend
// the caller passes in) and their signatures.
import * as path from 'node:path';
import type { HeldSessionSet, InferenceBackend, IoInfo, ModelSession } from '../backend/types';
import { ModelFolderError } from '../models/errors';
import { MODEL_FILES, validateModelFolder, type ModelFolderInfo } from '../models/folder';
import { checkSignature, TEXT_ENCODER_SPEC, UNET_SPEC, VAE_DECODER_SPEC } from '../models/signature';
import { createScheduler, SchedulerConfigError } from '../schedulers';
import { loadTokenizer, TokenizerError, type ClipTokenizer } from '../tokenizer';
import type { ConcreteDevice, DeviceName, ProviderAttempt } from '../types';

export interface LoadOptions {
  device?: DeviceName;
  log?: (line: string) => void;
  /** Intra-op threads per session (default: NANOFORGE_THREADS or the available cores, max 8). */
  threads?: number;
}

export interface LoadedModel {
  info: ModelFolderInfo;
  tokenizer: ClipTokenizer;
  textEncoder: ModelSession;
  unet: ModelSession;
  vae: ModelSession;
  device: ConcreteDevice;
  fallbacks: ProviderAttempt[];
  release(): Promise<void>;
}

export async function loadModel(dir: string, backend: InferenceBackend, options: LoadOptions = {}): Promise<LoadedModel> {
  const log = options.log ?? (() => undefined);
  const info = await validateModelFolder(dir);
  for (const note of info.notes) log(note);
  checkSchedulerOptions(info);
  const tokenizer = await openTokenizer(info);
  const files = [MODEL_FILES.textEncoder, MODEL_FILES.unet, MODEL_FILES.vaeDecoder].map((file) => ({ file }));
  const held: HeldSessionSet = await backend.acquireSessions(dir, files, options.device ?? 'auto', { log, threads: options.threads });
  const [textEncoder, unet, vae] = held.set.sessions as [ModelSession, ModelSession, ModelSession];
  try {
    checkSignature(dir, TEXT_ENCODER_SPEC, textEncoder.inputs, textEncoder.outputs);
    checkSignature(dir, UNET_SPEC, unet.inputs, unet.outputs);
    checkSignature(dir, VAE_DECODER_SPEC, vae.inputs, vae.outputs);
  } catch (error) {
    await held.release();
    throw error;
  }
  log(`Loaded ${path.resolve(dir)} on ${held.set.device}` +
    (held.set.fallbacks.length ? ` (after ${held.set.fallbacks.map((f) => `${f.provider}: ${f.reason}`).join('; ')})` : ''));
  return { info, tokenizer, textEncoder, unet, vae, device: held.set.device, fallbacks: held.set.fallbacks, release: held.release };
}

/** The tokenizer; its file errors become ModelFolderErrors like every other broken-folder error. */
async function openTokenizer(info: ModelFolderInfo): Promise<ClipTokenizer> {
  try {
    return await loadTokenizer(info.tokenizerDir);
  } catch (error) {
    if (!(error instanceof TokenizerError)) throw error;
    const problem = error.message.replace(`Tokenizer file ${error.file}`, '').replace(/^[:\s]+/, '').replace(/\.$/, '');
    throw new ModelFolderError(info.dir, path.relative(info.dir, error.file), problem);
  }
}

/** Building the scheduler once surfaces unknown options (beta schedule, spacing …) at load time. */
function checkSchedulerOptions(info: ModelFolderInfo): void {
  try {
    createScheduler(info.scheduler.config).setTimesteps(1);
  } catch (error) {
    if (error instanceof SchedulerConfigError) throw new ModelFolderError(info.dir, MODEL_FILES.scheduler, error.message);
    throw error;
  }
}

/** The input named `name` (the signature check guarantees the required ones exist). */
export function inputInfo(session: ModelSession, name: string): IoInfo | undefined {
  return session.inputs.find((i) => i.name === name);
}
