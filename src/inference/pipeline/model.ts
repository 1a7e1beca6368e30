// Opens a model folder for the pipeline: configs, tokenizer, and through the backend the caller
// passes in: the text encoder, the UNet and the tiny decoder (when there is one) at the same time,
// and the full VAE decoder only when a decode asks for it (it is the biggest user of memory).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { GraphCacheMissMode, GraphCacheOptions } from '../backend/graph-cache';
import type { HeldSessionSet, InferenceBackend, IoInfo, ModelSession, OpenOptions, SessionFile, SessionLoad } from '../backend/types';
import { ModelFolderError } from '../models/errors';
import { MODEL_FILES, validateModelFolder, type ModelFolderInfo } from '../models/folder';
import { OnnxParseError, readOnnxSignature } from '../models/onnx-signature';
import { checkSignature, TEXT_ENCODER_SPEC, UNET_SPEC, VAE_DECODER_SPEC } from '../models/signature';
import { graphCacheDir } from '../models/store-cache';
import { findTinyDecoder, type OutputRange, type TinyDecoderSource } from '../models/tiny-decoder';
import { createScheduler, SchedulerConfigError } from '../schedulers';
import type { DecoderKind } from '../tables';
import { loadTokenizer, TokenizerError, type ClipTokenizer } from '../tokenizer';
import type { ConcreteDevice, DeviceName, ProviderAttempt } from '../types';
import type { LatentDecoder } from './decode';
import { PromptCache, PROMPT_CACHE_ENTRIES } from './prompt-cache';

export interface LoadOptions {
  device?: DeviceName;
  log?: (line: string) => void;
  /** Intra-op threads per session (default: NANOFORGE_THREADS or the available cores, max 8). */
  threads?: number;
  /**
   * The model store: an installed preview decoder (taesd) serves its latent family's models, and its
   * `.cache/onnx-graphs` keeps optimized graphs so the next load skips graph optimization.
   */
  storeDir?: string;
  /** Cache optimized graphs: false turns it off, an object places it (default: under storeDir when given). */
  graphCache?: boolean | GraphCacheOptions;
  /** Open the sessions at the same time (default) or one after another. */
  parallel?: boolean;
  /** A session with no cached graph yet: opened quickly ('fast', default) or optimized and saved ('build'). */
  onGraphCacheMiss?: GraphCacheMissMode;
}

/** A decoder ready to run: which one, its session, scaling and output range. */
export interface ResolvedDecoder extends LatentDecoder {
  kind: DecoderKind;
  shiftFactor: number;
  outputRange: OutputRange;
  /** Where it comes from: 'vae_decoder', 'vae_decoder_tiny', or the installed decoder's id ('taesd'). */
  source: string;
}

export interface LoadedModel {
  info: ModelFolderInfo;
  tokenizer: ClipTokenizer;
  textEncoder: ModelSession;
  unet: ModelSession;
  /** The tiny decoder, open from the start; undefined when the model has none. */
  tiny?: ResolvedDecoder;
  /** The full VAE decoder, opened on the first call (concurrent calls share one open). */
  fullDecoder(): Promise<ResolvedDecoder>;
  /** Whether the full VAE decoder's session is open. */
  readonly fullDecoderOpen: boolean;
  /** Identifies the text encoder's weights (prompt-embedding cache key). */
  textEncoderId: string;
  /** Text-encoder outputs of recent prompts, for this model's sessions only. */
  promptCache: PromptCache;
  device: ConcreteDevice;
  fallbacks: ProviderAttempt[];
  /** How each session opened (time, graph cache), the full decoder's once it has. */
  loads: SessionLoad[];
  release(): Promise<void>;
}

function graphCacheOption(options: LoadOptions): GraphCacheOptions | undefined {
  if (options.graphCache === false) return undefined;
  if (typeof options.graphCache === 'object') return options.graphCache;
  return options.storeDir ? { dir: graphCacheDir(options.storeDir) } : undefined;
}

async function fileIdentity(file: string): Promise<string> {
  const stat = await fs.stat(file);
  return `${path.resolve(file)}:${stat.size}:${Math.round(stat.mtimeMs)}`;
}

export async function loadModel(dir: string, backend: InferenceBackend, options: LoadOptions = {}): Promise<LoadedModel> {
  const log = options.log ?? (() => undefined);
  const info = await validateModelFolder(dir);
  for (const note of info.notes) log(note);
  checkSchedulerOptions(info);
  const tokenizer = await openTokenizer(info);
  await checkFullDecoderFile(info);
  const tinySource = await findTinyDecoder(info, options.storeDir);
  const cache = graphCacheOption(options);
  const open: OpenOptions = {
    log, threads: options.threads, ...(cache ? { graphCache: cache } : {}),
    ...(options.parallel === undefined ? {} : { parallel: options.parallel }), ...(options.onGraphCacheMiss ? { onGraphCacheMiss: options.onGraphCacheMiss } : {}),
  };
  const files: SessionFile[] = [{ file: MODEL_FILES.textEncoder }, { file: MODEL_FILES.unet }];
  if (tinySource) files.push(tinyDecoderFile(tinySource));
  const held: HeldSessionSet = await backend.acquireSessions(dir, files, options.device ?? 'auto', open);
  const [textEncoder, unet, tinySession] = held.set.sessions as [ModelSession, ModelSession, ModelSession | undefined];
  try {
    checkSignature(dir, TEXT_ENCODER_SPEC, textEncoder.inputs, textEncoder.outputs);
    checkSignature(dir, UNET_SPEC, unet.inputs, unet.outputs);
    if (tinySource && tinySession) checkSignature(tinySource.dir, { ...VAE_DECODER_SPEC, file: tinySource.file }, tinySession.inputs, tinySession.outputs);
  } catch (error) {
    await held.release();
    throw error;
  }
  const device = held.set.device;
  log(`Loaded ${path.resolve(dir)} on ${device}` +
    (held.set.fallbacks.length ? ` (after ${held.set.fallbacks.map((f) => `${f.provider}: ${f.reason}`).join('; ')})` : '') +
    (tinySource ? `; tiny decoder: ${tinySource.origin === 'model' ? 'vae_decoder_tiny/' : `${tinySource.origin} (${tinySource.dir})`}` : '; no tiny decoder'));
  const loads = [...held.set.loads];
  const full = new LazyFullDecoder(info, backend, device, open, loads);
  return {
    info, tokenizer, textEncoder, unet, device, fallbacks: held.set.fallbacks, loads,
    ...(tinySource && tinySession ? { tiny: tinyDecoder(tinySource, tinySession) } : {}),
    fullDecoder: () => full.get(),
    get fullDecoderOpen() {
      return full.open;
    },
    textEncoderId: await fileIdentity(path.join(dir, MODEL_FILES.textEncoder)),
    promptCache: new PromptCache(PROMPT_CACHE_ENTRIES),
    release: async () => {
      await Promise.all([held.release(), full.release()]);
    },
  };
}

/** The tiny decoder's session file (the model's own, or the paired one in the store). */
export function tinyDecoderFile(source: Pick<TinyDecoderSource, 'file' | 'dir'>): SessionFile {
  return { file: source.file, dir: source.dir };
}

function tinyDecoder(source: TinyDecoderSource, session: ModelSession): ResolvedDecoder {
  const origin = source.origin === 'model' ? path.dirname(source.file) : source.origin;
  return { kind: 'tiny', session, scalingFactor: source.scalingFactor, shiftFactor: source.shiftFactor, outputRange: source.outputRange, source: origin };
}

/** The full VAE decoder, opened on the device the model runs on when first asked for. */
class LazyFullDecoder {
  private opening: Promise<{ decoder: ResolvedDecoder; held: HeldSessionSet }> | undefined;
  private released = false;
  open = false;

  constructor(
    private readonly info: ModelFolderInfo,
    private readonly backend: InferenceBackend,
    private readonly device: ConcreteDevice,
    private readonly options: OpenOptions,
    private readonly loads: SessionLoad[],
  ) {}

  async get(): Promise<ResolvedDecoder> {
    if (this.released) throw new Error('This model was released; load it again.');
    this.opening ??= this.openDecoder();
    const pending = this.opening;
    try {
      return (await pending).decoder;
    } catch (error) {
      // A failed open is forgotten, so the next decode tries again.
      if (this.opening === pending) this.opening = undefined;
      throw error;
    }
  }

  private async openDecoder(): Promise<{ decoder: ResolvedDecoder; held: HeldSessionSet }> {
    const { dir } = this.info;
    const held = await this.backend.acquireSessions(dir, [{ file: MODEL_FILES.vaeDecoder }], this.device, this.options);
    const [session] = held.set.sessions as [ModelSession];
    try {
      checkSignature(dir, VAE_DECODER_SPEC, session.inputs, session.outputs);
    } catch (error) {
      await held.release();
      throw error;
    }
    if (this.released) {
      await held.release();
      throw new Error('This model was released while its VAE decoder opened.');
    }
    this.open = true;
    this.loads.push(...held.set.loads);
    const decoder: ResolvedDecoder = {
      kind: 'full', session, scalingFactor: this.info.vae.scalingFactor, shiftFactor: 0, outputRange: [-1, 1], source: path.dirname(MODEL_FILES.vaeDecoder),
    };
    return { decoder, held };
  }

  async release(): Promise<void> {
    this.released = true;
    const opening = this.opening;
    this.opening = undefined;
    this.open = false;
    if (opening) await opening.then((o) => o.held.release(), () => undefined);
  }
}

/**
 * The full VAE opens only when a decode needs it, so its file is checked here from its protobuf alone
 * (no session, no weights read): a broken or mismatched vae_decoder/ is named when the model loads,
 * not when someone saves in full quality.
 */
async function checkFullDecoderFile(info: ModelFolderInfo): Promise<void> {
  let signature: Awaited<ReturnType<typeof readOnnxSignature>>;
  try {
    signature = await readOnnxSignature(path.join(info.dir, MODEL_FILES.vaeDecoder));
  } catch (error) {
    if (error instanceof OnnxParseError) throw new ModelFolderError(info.dir, MODEL_FILES.vaeDecoder, `cannot be loaded as an ONNX model (${error.message})`);
    throw error;
  }
  checkSignature(info.dir, VAE_DECODER_SPEC, signature.inputs, signature.outputs);
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
