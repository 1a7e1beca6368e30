// Writes the tiny ORACLE test models in the diffusers/optimum ONNX folder layout.
//   npm run fixtures            → test/fixtures/models/<variant>/
//   tsx scripts/make-test-models.ts --out <dir> [--only oracle-fp32,oracle-fp16]
// Deterministic: no random weights; the same source always writes the same bytes.
// Semantics, colours and variants: test/fixtures/README.md.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { clipVocabDir } from './lib/clip-vocab';
import { buildTextEncoder, buildUnet, buildVaeDecoder, buildVaeEncoder, type OracleColour, type OracleSpec } from './lib/oracle-graphs';
import type { WeightStorage } from './lib/onnx-builder';
import { SD_TURBO_SCHEDULER } from './lib/sd-turbo-scheduler';

/** Bump when the generated models change in a way the source hash would not show. */
export const GENERATOR_VERSION = 1;

/** Colour words and their sRGB values; ids are the CLIP vocabulary's `word</w>` tokens. */
export const ORACLE_COLOURS: OracleColour[] = [
  { name: 'red', ids: [736], rgb: [255, 0, 0] },
  { name: 'green', ids: [1901], rgb: [0, 128, 0] },
  { name: 'blue', ids: [1746], rgb: [0, 0, 255] },
  { name: 'yellow', ids: [4481], rgb: [255, 255, 0] },
  { name: 'cyan', ids: [1470, 550], rgb: [0, 255, 255] },
  { name: 'magenta', ids: [38091], rgb: [255, 0, 255] },
  { name: 'white', ids: [1579], rgb: [255, 255, 255] },
  { name: 'black', ids: [1449], rgb: [0, 0, 0] },
  { name: 'orange', ids: [4287], rgb: [255, 165, 0] },
  { name: 'purple', ids: [5496], rgb: [128, 0, 128] },
  { name: 'pink', ids: [3360], rgb: [255, 192, 203] },
  { name: 'brown', ids: [2866], rgb: [165, 42, 42] },
  { name: 'grey', ids: [5046], rgb: [128, 128, 128] },
  { name: 'gray', ids: [7048], rgb: [128, 128, 128] },
];

export const ORACLE_GREY: [number, number, number] = [128, 128, 128];

export interface SchedulerConfigJson {
  _class_name: string;
  beta_start: number;
  beta_end: number;
  beta_schedule: 'scaled_linear' | 'linear';
  num_train_timesteps: number;
  prediction_type: 'epsilon' | 'v_prediction';
  timestep_spacing: 'leading' | 'trailing' | 'linspace';
  steps_offset: number;
  [key: string]: unknown;
}

/** diffusers' sigmas: betas in float32 (torch.linspace), ᾱ cumulated in float64, σ = √((1−ᾱ)/ᾱ). */
export function trainSigmas(cfg: Pick<SchedulerConfigJson, 'beta_start' | 'beta_end' | 'beta_schedule' | 'num_train_timesteps'>): Float64Array {
  const T = cfg.num_train_timesteps;
  const lo = cfg.beta_schedule === 'scaled_linear' ? Math.sqrt(cfg.beta_start) : cfg.beta_start;
  const hi = cfg.beta_schedule === 'scaled_linear' ? Math.sqrt(cfg.beta_end) : cfg.beta_end;
  const sigmas = new Float64Array(T);
  let cumprod = 1;
  for (let i = 0; i < T; i++) {
    const b = Math.fround(lo + ((hi - lo) * i) / (T - 1));
    const beta = cfg.beta_schedule === 'scaled_linear' ? Math.fround(b * b) : b;
    cumprod *= Math.fround(1 - beta);
    sigmas[i] = Math.sqrt((1 - cumprod) / cumprod);
  }
  return sigmas;
}

export interface VariantDef {
  name: string;
  description: string;
  scheduler: SchedulerConfigJson;
  spec: Omit<OracleSpec, 'sigmas' | 'predictionType'>;
  /** 'turbo' pads with "!" (SD 2.x / SD-Turbo), 'sd1' pads with <|endoftext|>. */
  tokenizer: 'turbo' | 'sd1';
  unetExternalData: boolean;
}

const TURBO_SCHEDULER: SchedulerConfigJson = { ...SD_TURBO_SCHEDULER };

/** μ of the image-to-image variants: each step's x0 estimate goes half way from its input to the target. */
export const IMG2IMG_PULL = 0.5;
/**
 * K of the image-to-image variants: next to latents of ~1e5 the added noise (σ·ε, at most ~80) moves a
 * pixel by < 0.1 level, while float32 still resolves it in the latents (ulp 0.016 at 2e5).
 */
export const IMG2IMG_LATENT_SCALE = 1e5;

/**
 * oracle-tiny-soft's tiny decoder renders (2c/255 − 1)·0.75: a colour channel c decodes to
 * 127.5 + 0.75·(c − 127.5), e.g. 0 → 32 and 255 → 223, where the full VAE gives c exactly.
 */
export const TINY_SOFT_GAIN = 0.75;

const F32: WeightStorage = { kind: 'float32' };
const F16: WeightStorage = { kind: 'float16' };

const BASE_SPEC: VariantDef['spec'] = {
  colours: ORACLE_COLOURS,
  grey: ORACLE_GREY,
  hiddenSize: 16,
  vaeMix: [0.9, 0.1, -0.05, 0.05, 0.8, 0.15, -0.1, 0.1, 1.1],
  vaeChannel3: 0.3,
  scalingFactor: 0.13025,
  floatType: 'float32',
  inputIdsType: 'int64',
  timestep: { dtype: 'float32', shape: [1] },
  storage: { colourTable: F32, vae: F32, unet: F32 },
  discRadius: 0.3,
};

interface VariantOverrides {
  tokenizer?: VariantDef['tokenizer'];
  unetExternalData?: boolean;
  spec?: Partial<VariantDef['spec']>;
  scheduler?: Partial<SchedulerConfigJson>;
}

function variant(name: string, description: string, over: VariantOverrides = {}): VariantDef {
  return {
    name,
    description,
    tokenizer: over.tokenizer ?? 'turbo',
    unetExternalData: over.unetExternalData ?? false,
    scheduler: { ...TURBO_SCHEDULER, ...over.scheduler },
    spec: { ...BASE_SPEC, ...over.spec },
  };
}

export const VARIANTS: VariantDef[] = [
  variant('oracle-fp32', 'main: SD-Turbo-like, EulerDiscrete trailing, fp32, input_ids int64, timestep float32 [1], scaling 0.13025'),
  variant('oracle-fp16', 'whole model float16: float inputs/outputs/initializers fp16, timestep float16 [1]', {
    spec: { floatType: 'float16', timestep: { dtype: 'float16', shape: [1] }, storage: { colourTable: F16, vae: F16, unet: F16 } },
  }),
  variant('oracle-int8', 'colour table and VAE conv weight stored int8 behind DequantizeLinear', {
    spec: { storage: { colourTable: { kind: 'int8', scale: [1 / 255], zeroPoint: [-128] }, vae: { kind: 'int8', axis: 0 }, unet: F32 } },
  }),
  variant('oracle-vpred', 'UNet predicts v (prediction_type v_prediction)', { scheduler: { prediction_type: 'v_prediction' } }),
  variant('oracle-sd1', 'SD 1.x-like: pads with <|endoftext|>, input_ids int32, timestep int64 [1], leading spacing, scaling 0.18215', {
    tokenizer: 'sd1',
    scheduler: { timestep_spacing: 'leading', steps_offset: 1 },
    spec: { inputIdsType: 'int32', timestep: { dtype: 'int64', shape: [1] }, scalingFactor: 0.18215 },
  }),
  variant('oracle-ext-data', 'UNet weights in unet/model.onnx.data (external data)', { unetExternalData: true }),
  variant('oracle-ts-f16-scalar', 'fp32 model whose timestep input is float16 of shape [] (scalar)', {
    spec: { timestep: { dtype: 'float16', shape: [] } },
  }),
  variant('oracle-ts-batch', 'fp32 model whose timestep input is float32 of shape [batch]', {
    spec: { timestep: { dtype: 'float32', shape: ['batch'] } },
  }),
  variant('oracle-img2img', 'image-to-image: vae_encoder/ (latent_parameters); the UNet pulls its input half way to the target (μ 0.5); latents × 1e5', {
    spec: { pull: IMG2IMG_PULL, latentScale: IMG2IMG_LATENT_SCALE, encoderOutput: 'latent_parameters' },
  }),
  variant('oracle-taesd', 'as oracle-img2img, but vae_encoder_tiny/ and vae_decoder_tiny/ (AutoencoderTiny, scaling_factor 1) instead of vae_encoder/', {
    spec: { pull: IMG2IMG_PULL, latentScale: IMG2IMG_LATENT_SCALE, tinyAutoencoder: true },
  }),
  variant('oracle-tiny', 'oracle-fp32 plus vae_decoder_tiny/ (AutoencoderTiny, scaling_factor 1): text-to-image decodes to the same colours with either decoder', {
    spec: { tinyDecoder: true },
  }),
  variant('oracle-tiny-soft', 'oracle-tiny whose tiny decoder pulls every colour 25 % towards mid-grey (gain 0.75): the full VAE and the tiny decoder give different pixels for the same latents', {
    spec: { tinyDecoder: true, tinyDecoderGain: TINY_SOFT_GAIN },
  }),
];

export function oracleSpec(v: VariantDef): OracleSpec {
  return { ...v.spec, sigmas: trainSigmas(v.scheduler), predictionType: v.scheduler.prediction_type };
}

// ---------------------------------------------------------------- folder writing

async function writeJson(file: string, value: unknown): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, JSON.stringify(value, null, 2) + '\n');
}

function addedToken(content: string): Record<string, unknown> {
  return { __type: 'AddedToken', content, lstrip: false, normalized: true, rstrip: false, single_word: false };
}

async function writeTokenizer(dir: string, kind: VariantDef['tokenizer'], clipDir: string): Promise<void> {
  const tok = path.join(dir, 'tokenizer');
  await fs.mkdir(tok, { recursive: true });
  await fs.copyFile(path.join(clipDir, 'vocab.json'), path.join(tok, 'vocab.json'));
  await fs.copyFile(path.join(clipDir, 'merges.txt'), path.join(tok, 'merges.txt'));
  const pad = kind === 'turbo' ? '!' : '<|endoftext|>';
  const special = (s: string): unknown => (kind === 'turbo' ? addedToken(s) : s);
  await writeJson(path.join(tok, 'tokenizer_config.json'), {
    add_prefix_space: false,
    bos_token: special('<|startoftext|>'),
    clean_up_tokenization_spaces: true,
    do_lower_case: true,
    eos_token: special('<|endoftext|>'),
    errors: 'replace',
    model_max_length: 77,
    pad_token: pad,
    tokenizer_class: 'CLIPTokenizer',
    unk_token: special('<|endoftext|>'),
  });
  await writeJson(path.join(tok, 'special_tokens_map.json'), {
    bos_token: '<|startoftext|>',
    eos_token: '<|endoftext|>',
    pad_token: pad,
    unk_token: '<|endoftext|>',
  });
}

async function writeConfigs(dir: string, v: VariantDef): Promise<void> {
  const D = v.spec.hiddenSize;
  await writeJson(path.join(dir, 'model_index.json'), {
    _class_name: 'StableDiffusionPipeline',
    _diffusers_version: '0.24.0.dev0',
    // Like real exports, the source model's name: it tells the loader an SD-Turbo-class model runs
    // without classifier-free guidance and in a few steps.
    _name_or_path: v.tokenizer === 'turbo' ? 'nanoforge-test/oracle-sd-turbo' : 'nanoforge-test/oracle-sd-1-5',
    feature_extractor: [null, null],
    requires_safety_checker: false,
    safety_checker: [null, null],
    scheduler: ['diffusers', v.scheduler._class_name],
    text_encoder: ['onnxruntime', 'ORTModel'],
    tokenizer: ['transformers', 'CLIPTokenizer'],
    unet: ['onnxruntime', 'ORTModel'],
    vae_decoder: ['onnxruntime', 'ORTModel'],
    ...(v.spec.encoderOutput ? { vae_encoder: ['onnxruntime', 'ORTModel'] } : {}),
  });
  await writeJson(path.join(dir, 'scheduler', 'scheduler_config.json'), v.scheduler);
  await writeJson(path.join(dir, 'text_encoder', 'config.json'), {
    architectures: ['CLIPTextModel'],
    model_type: 'clip_text_model',
    hidden_size: D,
    max_position_embeddings: 77,
    vocab_size: 49408,
    bos_token_id: 49406,
    eos_token_id: 49407,
    pad_token_id: v.tokenizer === 'turbo' ? 0 : 49407,
    torch_dtype: v.spec.floatType,
  });
  await writeJson(path.join(dir, 'unet', 'config.json'), {
    _class_name: 'UNet2DConditionModel',
    _diffusers_version: '0.24.0.dev0',
    sample_size: 64,
    in_channels: 4,
    out_channels: 4,
    cross_attention_dim: D,
  });
  const vaeConfig = {
    _class_name: 'AutoencoderKL',
    _diffusers_version: '0.24.0.dev0',
    in_channels: 3,
    out_channels: 3,
    latent_channels: 4,
    sample_size: 512,
    scaling_factor: v.spec.scalingFactor,
  };
  await writeJson(path.join(dir, 'vae_decoder', 'config.json'), vaeConfig);
  // optimum writes the same AutoencoderKL config into vae_encoder/.
  if (v.spec.encoderOutput) await writeJson(path.join(dir, 'vae_encoder', 'config.json'), vaeConfig);
  const tiny = { _class_name: 'AutoencoderTiny', _diffusers_version: '0.24.0.dev0', in_channels: 3, out_channels: 3, latent_channels: 4, scaling_factor: 1.0 };
  if (v.spec.tinyAutoencoder) await writeJson(path.join(dir, 'vae_encoder_tiny', 'config.json'), tiny);
  if (v.spec.tinyAutoencoder || v.spec.tinyDecoder) await writeJson(path.join(dir, 'vae_decoder_tiny', 'config.json'), tiny);
}

async function writeModels(dir: string, v: VariantDef): Promise<void> {
  const spec = oracleSpec(v);
  const opts = { metadata: { 'nanoforge.fixture': v.name } };
  await buildTextEncoder(spec).save(path.join(dir, 'text_encoder', 'model.onnx'), opts);
  const external = v.unetExternalData ? { location: 'model.onnx.data', minBytes: 64, align: 4096 } : undefined;
  await buildUnet(spec).save(path.join(dir, 'unet', 'model.onnx'), { ...opts, external });
  await buildVaeDecoder(spec).save(path.join(dir, 'vae_decoder', 'model.onnx'), opts);
  if (v.spec.encoderOutput) await buildVaeEncoder(spec, v.spec.encoderOutput).save(path.join(dir, 'vae_encoder', 'model.onnx'), opts);
  if (v.spec.tinyAutoencoder) await buildVaeEncoder(spec, 'latent_sample', 1, 'oracle_tiny_encoder').save(path.join(dir, 'vae_encoder_tiny', 'model.onnx'), opts);
  if (v.spec.tinyAutoencoder || v.spec.tinyDecoder) await buildVaeDecoder(spec, v.spec.tinyDecoderGain ?? 1, 'oracle_tiny_decoder').save(path.join(dir, 'vae_decoder_tiny', 'model.onnx'), opts);
}

export async function writeVariant(root: string, v: VariantDef, clipDir = clipVocabDir()): Promise<string> {
  const dir = path.join(root, v.name);
  await fs.rm(dir, { recursive: true, force: true });
  await writeConfigs(dir, v);
  await writeTokenizer(dir, v.tokenizer, clipDir);
  await writeModels(dir, v);
  return dir;
}

/** File in every written variant folder that records which generator wrote it. */
export const STAMP_FILE = '.fixture-stamp';

/** Changes whenever the generator's source (or GENERATOR_VERSION) changes. */
export function generatorStamp(scriptsDir = __dirname): string {
  const hash = createHash('sha256').update(`v${GENERATOR_VERSION}\n`);
  for (const rel of ['make-test-models.ts', 'lib/onnx-builder.ts', 'lib/oracle-graphs.ts', 'lib/sd-turbo-scheduler.ts']) {
    const file = path.join(scriptsDir, rel);
    // A bundled copy has no sources beside it; the version number alone then stands for them.
    if (existsSync(file)) hash.update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

/** The named variants (all when `only` is undefined); an unknown name is an error listing the known ones. */
function chooseVariants(only: string[] | undefined): VariantDef[] {
  const unknown = (only ?? []).filter((n) => !VARIANTS.some((v) => v.name === n));
  if (unknown.length) throw new Error(`unknown fixture variant(s): ${unknown.join(', ')}; known: ${VARIANTS.map((v) => v.name).join(', ')}`);
  return only ? VARIANTS.filter((v) => only.includes(v.name)) : VARIANTS;
}

/** Writes variants straight into `root` (not atomic; see installVariants). */
export async function writeAllVariants(root: string, only?: string[], clipDir = clipVocabDir()): Promise<string[]> {
  const chosen = chooseVariants(only);
  await fs.mkdir(root, { recursive: true });
  const dirs: string[] = [];
  const stamp = generatorStamp();
  for (const v of chosen) {
    const dir = await writeVariant(root, v, clipDir);
    await fs.writeFile(path.join(dir, STAMP_FILE), stamp + '\n');
    dirs.push(dir);
  }
  return dirs;
}

async function readStamp(dir: string): Promise<string | undefined> {
  try {
    return (await fs.readFile(path.join(dir, STAMP_FILE), 'utf8')).trim();
  } catch (err) {
    if (errCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Renames a finished variant folder over `dst` (moving an old one aside first); rename is atomic. */
async function install(src: string, dst: string, stamp: string, replaceCurrent: boolean): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    if (!replaceCurrent && (await readStamp(dst)) === stamp) return;
    try {
      await fs.rename(src, dst);
      return;
    } catch (err) {
      if (errCode(err) !== 'ENOTEMPTY' && errCode(err) !== 'EEXIST') throw err;
    }
    // Another process may move or replace dst at the same time; then the next round sees its result.
    const old = path.join(path.dirname(dst), `.old-${process.pid}-${randomUUID().slice(0, 8)}`);
    try {
      await fs.rename(dst, old);
      await fs.rm(old, { recursive: true, force: true });
    } catch (err) {
      if (errCode(err) !== 'ENOENT') throw err;
    }
    replaceCurrent = false;
  }
  throw new Error(`could not install fixture ${path.basename(dst)} into ${path.dirname(dst)}`);
}

/**
 * Brings `root/<variant>` up to date without ever exposing a half-written folder: stale (or, with
 * `force`, all) variants are written into `root/.tmp-*` and renamed into place. Safe to run from
 * several processes at once. Returns the names it wrote.
 */
export async function installVariants(root: string, opts: { only?: string[]; force?: boolean; clipDir?: string } = {}): Promise<string[]> {
  const stamp = generatorStamp();
  await fs.mkdir(root, { recursive: true });
  const stale: string[] = [];
  for (const v of chooseVariants(opts.only)) {
    if (opts.force || (await readStamp(path.join(root, v.name))) !== stamp) stale.push(v.name);
  }
  if (stale.length === 0) return [];
  const tmp = path.join(root, `.tmp-${process.pid}-${randomUUID().slice(0, 8)}`);
  try {
    await writeAllVariants(tmp, stale, opts.clipDir);
    for (const name of stale) await install(path.join(tmp, name), path.join(root, name), stamp, opts.force ?? false);
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
  return stale;
}

interface CliArgs { out: string; only?: string[]; force: boolean }

function parseArgs(argv: string[]): CliArgs {
  const args: CliArgs = { out: path.resolve(__dirname, '..', 'test', 'fixtures', 'models'), force: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = argv[i + 1];
    if (a === '--force') { args.force = true; continue; }
    if ((a === '--out' || a === '--only') && value === undefined) throw new Error(`${a} needs a value`);
    if (a === '--out') args.out = path.resolve(value ?? '');
    else if (a === '--only') args.only = (value ?? '').split(',').filter(Boolean);
    else throw new Error(`unknown argument ${a}; usage: make-test-models [--out dir] [--only a,b] [--force]`);
    i++;
  }
  return args;
}

async function main(): Promise<void> {
  const { out, only, force } = parseArgs(process.argv.slice(2));
  const written = await installVariants(out, { only, force });
  const where = path.relative(process.cwd(), out) || out;
  console.log(written.length ? `wrote ${written.join(', ')} in ${where}` : `fixtures in ${where} are current (--force rewrites them)`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
