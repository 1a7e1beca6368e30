// `nanoforge generate "<prompt>" --out FILE [--model ID|DIR]` — runs the pipeline in this process (no
// worker: a crash here only ends this command) and writes the post-processed assets.
import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import {
  ASSET_KINDS, DECODER_CHOICES, DECODERS, DEFAULT_STRENGTH, formatFromPath, MAX_PIXELS, MAX_SIDE, parseSize, presetFor,
  PROVIDER_TABLE, REQUEST_LIMITS, SCHEDULER_NAMES, validateGenerationRequest, validDevices,
  type AssetResult, type DeviceName, type GenerationRequest, type Pipeline,
} from '../../inference';
import { defaultSampling } from '../../inference/image/generate-asset';
import { WRITABLE_EXTENSIONS } from '../../inference/image/limits';
import { inspectStartImage, StartImageError } from '../../inference/image/start-image';
import { MAX_LAYOUT_LENGTH, parseLayout, WIREFRAME_REGIONS } from '../../inference/image/wireframe';
import type { ModelChoice } from '../../inference/models/resolve';
import { choiceOption, CliUsageError, flag, MAX_SEED, parseCommandLine, requiredString, stringOption, type ParsedArgs } from '../args';
import type { CliCommand } from '../command';
import { deviceLines } from '../device-report';
import { unpreparedTip } from '../prepare-step';
import { escapeTerminal } from '../../inference/safety/text';
import { optionKinds, renderHelp, type CommandHelp, type OptionDocs } from '../help';
import { storeArgs } from '../model-arg';
import { firstTime, tinyDecoderTip } from '../tiny-decoder-tip';
import { readRequestOptions, requestOptionDocs, type OptionField, type RequestOptionHelp } from '../request-options';
import { generateWithProgress, loadModelFromArgs, runInterruptible, writeCandidates } from '../run-generation';

const SIZES = ASSET_KINDS.map((k) => `${k} ${presetFor(k).defaultSize.join('x')}`).join(', ');
const TURBO = defaultSampling(false);
const CLASSIC = defaultSampling(true);

/** The words for every request option (the flags, value names and ranges come from REQUEST_FIELDS). */
export const REQUEST_OPTION_HELP: Record<OptionField, RequestOptionHelp> = {
  negativePrompt: { help: 'What the image should not show.', default: "the --kind's negative prompt; none without --kind" },
  kind: { help: `One of ${ASSET_KINDS.join(', ')}: wraps the prompt in the kind's template, sets its size and post-processing (icon: background removed, subject trimmed and centred) and is stored in the file.`, default: 'none: the prompt goes to the model as written and no kind is stored' },
  count: { help: `Number of images, 1-${REQUEST_LIMITS.maxCount}; several are written as name-1.ext ... name-N.ext.`, default: '1' },
  seed: { help: `Seed of the first image, 0-${MAX_SEED}; the same seed, prompt, model and settings give the same image. Image i of --count uses S+i.`, default: 'a random seed (printed, and stored in the file)' },
  steps: { help: `Denoising steps, 1-${REQUEST_LIMITS.maxSteps}. More steps: slower, usually finer (turbo models are made for 1-4). With a start image only the last int(steps × strength) of them run.`, default: `${TURBO.steps} for guidance-free models (SD-Turbo, LCM), else ${CLASSIC.steps}; with a start image at least enough that steps × strength ≥ 1` },
  guidanceScale: { help: `Classifier-free guidance scale, 0-${REQUEST_LIMITS.maxGuidance}; applied only above 1 (turbo and LCM models are made for 0).`, default: `${TURBO.guidanceScale} for guidance-free models, else ${CLASSIC.guidanceScale}` },
  scheduler: { help: `Sampler: ${SCHEDULER_NAMES.join(', ')}.`, default: "the model's own (scheduler/scheduler_config.json)" },
  decoder: { help: `Which decoder turns the result into pixels: ${DECODER_CHOICES.map((d) => `${d}: ${DECODERS[d].description}`).join(' ')} The tiny decoder is the model's vae_decoder_tiny/ or, for SD 1.x/2.x models, the installed taesd model (nanoforge models pull taesd).`, default: 'auto' },
  initImage: { help: `Image-to-image: start from this image instead of noise. PNG, JPEG, WebP, AVIF, GIF, SVG (rasterised), ICO (its largest entry) or BMP; one frame, at most ${MAX_SIDE} px a side and ${REQUEST_LIMITS.maxInitImageBytes / 1024 / 1024} MB. It is fitted to the model's size like the output (the --kind's fit), and transparent parts become the kind's background. Needs a model with vae_encoder/ (or vae_encoder_tiny/).`, default: 'none: the image comes from the prompt alone' },
  strength: { help: 'With --init-image or --layout: how far the result may move from the start image, greater than 0 and at most 1 (near 0: a light touch-up; 1: only the rough composition survives). Only the last int(steps × strength) steps run, so steps × strength must be at least 1.', default: `${DEFAULT_STRENGTH}` },
  keepAlpha: { help: "With --init-image: the result takes the start image's transparency (its alpha mask) instead of having a background cut out, so an icon keeps its exact silhouette." },
  layout: { help: `Start a mockup from a wireframe of this layout (drawn at --size, as nanoforge placeholder --layout draws it) so the result keeps it: rows separated by ';', regions in a row by '|', regions ${WIREFRAME_REGIONS.join(', ')} (cards and grid take COLSxROWS, e.g. grid 3x2). At most ${MAX_LAYOUT_LENGTH} characters. Implies --kind mockup unless --kind is given; not with --init-image.`, default: 'none' },
};

/** The parser's table and the help's, in one. */
export const GENERATE_OPTIONS = {
  model: { type: 'string', value: 'ID|DIR', help: 'The model: an installed model\'s id (nanoforge models list: a catalog id such as sd-turbo-fp16 once pulled, or the name given with models add --id) or a model folder in the diffusers ONNX layout.', default: 'the default model (nanoforge models default ID); without one, the installed models are listed' },
  out: { type: 'string', value: 'FILE', help: `Where to write the image. Its extension picks the format: ${WRITABLE_EXTENSIONS.join(' ')}. Missing folders are created; an existing file is kept unless --force.`, required: true },
  size: { type: 'string', value: 'WxH', help: `Output size in pixels, WIDTHxHEIGHT or one number for a square (512 is 512x512); each side 1-${MAX_SIDE}, at most ${MAX_PIXELS / 1e6} megapixels. The model runs near its native size and the result is fitted.`, default: `the --kind's size (${SIZES}), else the model's native square` },
  ...requestOptionDocs(REQUEST_OPTION_HELP),
  device: { type: 'string', value: 'NAME', help: `Where the model runs, on this platform one of ${validDevices().join(', ')}; auto tries ${autoOrder()} in that order and says which ran.`, default: 'auto' },
  store: { type: 'string', value: 'DIR', help: 'The models folder in which --model ids and the default model are looked up.', default: '$NANOFORGE_MODELS, else ~/.cache/nanoforge/models' },
  force: { type: 'boolean', help: 'Overwrite existing files; without it, generate refuses before loading the model and writes nothing.' },
  json: { type: 'boolean', help: 'Print one JSON object on stdout: device, skipped GPU providers with their reasons, seeds, model, size, the decoder that ran and its milliseconds, milliseconds per stage, how each session loaded (optimized-graph cache hit or miss), run counts, files.' },
  verbose: { type: 'boolean', help: "Also print why each skipped GPU provider failed, the model loader's log, and which decoder ran and its milliseconds, on stderr." },
} satisfies OptionDocs;

const HELP: CommandHelp = {
  usage: 'generate "<prompt>" --out FILE [--model ID|DIR] [options]',
  summary: 'Generates an image from a prompt with a local model and writes it to --out, with the prompt, seed and model stored inside the file (nanoforge info reads them back).',
  details: [
    'Prints the file written on stdout, and on stderr one line with the device, the seed and the time. Errors: one line on stderr, exit code 1.',
    'Image-to-image (--init-image FILE or --layout): the start image is encoded, noised to the step the strength names, and denoised from there, so the result keeps its composition and colours as far as --strength allows. Without --size the output has the start image\'s size.',
  ],
  options: GENERATE_OPTIONS,
  examples: [
    'nanoforge generate "a green circle on white" --model test/fixtures/models/oracle-fp32 --kind icon --out logo.png',
    'nanoforge generate "a cabin in the snow" --model sd-turbo-fp16 --size 768x512 --seed 42 --out cabin.webp',
    'nanoforge generate "a paper plane" --kind icon --size 64 --count 4 --out icons/plane.png    # the default model',
    'nanoforge generate "the same cart, in blue" --init-image icons/cart.png --strength 0.5 --kind icon --keep-alpha --out icons/cart-blue.png',
    'nanoforge generate "an analytics dashboard" --layout "header; sidebar | grid 3x2; footer" --size 1280x800 --out mockups/dashboard.png',
  ],
};

/** The providers `auto` tries here, e.g. "webgpu, cuda, cpu". */
function autoOrder(): string {
  return (PROVIDER_TABLE[process.platform]?.auto ?? ['cpu']).join(', ');
}

type Size = { width: number; height: number };

interface GenerateOptions {
  out: string;
  device: DeviceName;
  /** --size, else the start image's size, else the preset size of the kind; undefined: the model's native square. */
  size?: Size;
  force: boolean;
  json: boolean;
  /** Print why GPU providers were skipped and the loader's log lines (config defaults) to stderr. */
  verbose: boolean;
  /** The --init-image path, for messages. */
  initFile?: string;
  /** Everything but the size, which may have to wait for the model (its native square). */
  request: Omit<GenerationRequest, 'width' | 'height'> & { seed: number };
}

/** What only makes sense with a start image, said with the options' own names before any work. */
function checkImageToImageOptions(given: Partial<GenerationRequest>): void {
  const start = given.initImage !== undefined || given.layout !== undefined;
  for (const [option, set] of [['strength', given.strength !== undefined], ['keep-alpha', given.keepAlpha === true]] as const) {
    if (set && !start) throw new CliUsageError(`--${option} applies to image-to-image: give a start image with --init-image FILE (or a mockup layout with --layout "…") as well.`);
  }
  if (given.initImage !== undefined && given.layout !== undefined) {
    throw new CliUsageError('--layout draws its own start image; give either --init-image or --layout, not both.');
  }
  if (given.layout !== undefined) {
    try {
      parseLayout(given.layout);
    } catch (error) {
      throw new CliUsageError(`--layout: ${(error as Error).message}`);
    }
  }
}

function readOptions(parsed: ParsedArgs): GenerateOptions {
  const prompt = parsed.positionals.join(' ').trim();
  if (!prompt) throw new CliUsageError('a prompt is required, e.g. nanoforge generate "a red fox icon" --out fox.png (nanoforge generate --help lists the options)');
  const size = stringOption(parsed, 'size');
  const out = requiredString(parsed, 'out');
  const read = readRequestOptions(parsed);
  checkImageToImageOptions(read);
  // A layout is a mockup's wireframe unless another kind is asked for.
  const given = read.layout !== undefined && read.kind === undefined ? { ...read, kind: 'mockup' as const } : read;
  // An explicit --kind brings its preset size; otherwise the model's own square (known after loading).
  const preset = given.kind === undefined || given.initImage !== undefined ? undefined : presetFor(given.kind).defaultSize;
  const fixed = size !== undefined ? parseSize(size) : preset && { width: preset[0], height: preset[1] };
  const initFile = stringOption(parsed, 'init-image');
  return {
    out,
    device: choiceOption(parsed, 'device', validDevices()) ?? 'auto',
    ...(fixed ? { size: fixed } : {}),
    force: flag(parsed, 'force'),
    json: flag(parsed, 'json'),
    verbose: flag(parsed, 'verbose') || Boolean(process.env.NANOFORGE_DEBUG),
    ...(initFile !== undefined ? { initFile } : {}),
    request: { ...given, prompt, format: formatFromPath(out), seed: given.seed ?? randomInt(0, 2 ** 32) },
  };
}

/** Checks the start image's content before the model loads; without --size the output takes its size. */
export async function startImageSize(bytes: Uint8Array, file: string): Promise<Size> {
  try {
    const { width, height } = await inspectStartImage(bytes);
    return { width, height };
  } catch (error) {
    if (error instanceof StartImageError) throw new CliUsageError(`start image ${file} ${error.problem}`);
    throw error;
  }
}

/** The whole request, checked by the core's one validator ("prompt is 2500 characters; at most 2000"). */
function requestAt(opts: GenerateOptions, size: Size): GenerationRequest {
  return validateGenerationRequest({ ...opts.request, ...size }, { where: '' });
}

/** `out` for one image; `name-1.ext` … `name-N.ext` for several. */
export function outputPaths(out: string, count: number): string[] {
  if (count === 1) return [path.resolve(out)];
  const ext = path.extname(out);
  const stem = path.resolve(out.slice(0, out.length - ext.length));
  return Array.from({ length: count }, (_, i) => `${stem}-${i + 1}${ext}`);
}

async function run(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, optionKinds(GENERATE_OPTIONS));
  const opts = readOptions(parsed);
  if (opts.request.initImage && opts.initFile !== undefined) {
    const own = await startImageSize(opts.request.initImage, opts.initFile);
    opts.size ??= own;
  }
  // Checked before the (slow) model load whenever the size is already known.
  const early = opts.size && requestAt(opts, opts.size);
  const targets = outputPaths(opts.out, opts.request.count ?? 1);
  const existing = targets.filter((t) => existsSync(t));
  if (existing.length > 0 && !opts.force) {
    throw new CliUsageError(`${existing.join(', ')} already exists; pass --force to overwrite.`);
  }
  return runInterruptible('generate', (signal) => generateAndWrite(parsed, opts, early, targets, signal));
}

async function generateAndWrite(parsed: ParsedArgs, opts: GenerateOptions, early: GenerationRequest | undefined, targets: string[], signal: AbortSignal): Promise<number> {
  const { model, pipeline, storeDir, started, loadMs } = await loadModelFromArgs(parsed, opts.device, opts.verbose, signal);
  try {
    const request = early || requestAt(opts, { width: pipeline.info.nativeSize, height: pipeline.info.nativeSize });
    const { width, height } = request;
    const result = await generateWithProgress(pipeline, request, opts.json, signal);
    const writeStarted = performance.now();
    const files = await writeCandidates(result.candidates, targets, opts.force, signal);
    const timings = { load: loadMs, ...result.timings, write: performance.now() - writeStarted, total: performance.now() - started };
    report(opts, model, pipeline, result, files, timings, { width, height });
    const offer = pipeline.info.tinyDecoderOffer;
    if (offer && !opts.json && result.device === 'cpu' && result.decoder.kind === 'full' && (await firstTime(storeDir, `tiny-decoder-${pipeline.info.modelId}`))) {
      process.stderr.write(`${tinyDecoderTip(offer, storeArgs(parsed))}\n`);
    }
    const extra = storeArgs(parsed);
    const tip = opts.json ? undefined : await unpreparedTip(pipeline.info.loads, { ref: model.source === 'folder' ? model.dir : model.id, storeDir, ...(extra ? { storeArgs: extra } : {}) }, pipeline.info.modelId);
    if (tip) process.stderr.write(`${escapeTerminal(tip)}\n`);
    return 0;
  } finally {
    await pipeline.dispose();
  }
}

function report(opts: GenerateOptions, model: ModelChoice, pipeline: Pipeline, result: AssetResult, files: string[], timings: Record<string, number>, size: Size): void {
  const ms = Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v * 10) / 10]));
  if (opts.json) {
    const summary = {
      device: result.device, fallbacks: result.fallbacks, seed: opts.request.seed, seeds: result.candidates.map((c) => c.seed),
      model: pipeline.info.modelId, modelDir: model.dir, kind: opts.request.kind, width: size.width, height: size.height,
      scheduler: opts.request.scheduler ?? pipeline.info.scheduler,
      decoder: { ...result.decoder, ms: Math.round(result.decoder.ms * 10) / 10 },
      ...(pipeline.info.tinyDecoderOffer ? { tinyDecoderOffer: pipeline.info.tinyDecoderOffer } : {}),
      timings: ms, loads: pipeline.info.loads.map((l) => ({ file: l.file, ms: Math.round(l.ms), graphCache: l.graphCache })),
      counters: result.counters, files, warnings: result.warnings,
      ...(opts.initFile !== undefined || opts.request.layout !== undefined ? { strength: opts.request.strength ?? DEFAULT_STRENGTH } : {}),
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
  for (const line of deviceLines(result.device, result.fallbacks, opts.verbose, `; seed ${opts.request.seed}; ${Math.round(timings.total ?? 0)} ms`)) process.stderr.write(`${line}\n`);
  // The one-line summary stays as it was (scripts read it); the decoder is a detail for --verbose and --json.
  if (opts.verbose) process.stderr.write(`decoder: ${result.decoder.kind} (${result.decoder.source}) ${Math.round(result.decoder.ms)} ms\n`);
  for (const file of files) process.stdout.write(`${file}\n`);
}

export const generateCommand: CliCommand = {
  name: 'generate',
  usage: 'generate "<prompt>" --out FILE [--model ID|DIR] [--size WxH] [--kind KIND] [--init-image FILE --strength S] [--layout LAYOUT] ...',
  help: () => renderHelp(HELP),
  run,
};
