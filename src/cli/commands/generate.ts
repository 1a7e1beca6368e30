// `nanoforge generate "<prompt>" --out FILE [--model ID|DIR]` — runs the pipeline in this process (no
// worker: a crash here only ends this command) and writes the post-processed assets.
import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { PROVIDER_TABLE, validDevices } from '../../inference/backend/onnx';
import { defaultSampling, generateAsset, type AssetRequest, type AssetResult } from '../../inference/image/generate-asset';
import { formatFromPath, IMAGE_EXTENSIONS, MAX_PIXELS, MAX_SIDE, parseSize } from '../../inference/image/limits';
import { ASSET_KINDS, presetFor } from '../../inference/image/presets';
import { writeFileSafely } from '../../inference/image/safe-write';
import type { ModelChoice } from '../../inference/models/resolve';
import { LIMITS } from '../../inference/pipeline/check-inputs';
import { loadPipeline } from '../../inference/pipeline/text-to-image';
import type { Pipeline } from '../../inference/pipeline/types';
import { SCHEDULER_NAMES } from '../../inference/schedulers';
import type { AssetKind, DeviceName } from '../../inference/types';
import { choiceOption, CliUsageError, flag, MAX_SEED, numberOption, parseCommandLine, requiredString, seedOption, stringOption, type ParsedArgs } from '../args';
import type { CliCommand } from '../command';
import { deviceLines } from '../device-report';
import { optionKinds, renderHelp, type CommandHelp, type OptionDocs } from '../help';
import { modelFromArgs } from '../model-arg';
import { createProgressBar } from '../progress';

const SIZES = ASSET_KINDS.map((k) => `${k} ${presetFor(k).defaultSize.join('x')}`).join(', ');
const TURBO = defaultSampling(false);
const CLASSIC = defaultSampling(true);

/** The parser's table and the help's, in one. */
export const GENERATE_OPTIONS = {
  model: { type: 'string', value: 'ID|DIR', help: 'The model: an installed model\'s id (nanoforge models list: a catalog id such as sd-turbo-fp16 once pulled, or the name given with models add --id) or a model folder in the diffusers ONNX layout.', default: 'the default model (nanoforge models default ID); without one, the installed models are listed' },
  out: { type: 'string', value: 'FILE', help: `Where to write the image. Its extension picks the format: ${IMAGE_EXTENSIONS.join(' ')}. Missing folders are created; an existing file is kept unless --force.`, required: true },
  size: { type: 'string', value: 'WxH', help: `Output size in pixels, WIDTHxHEIGHT or one number for a square (512 is 512x512); each side 1-${MAX_SIDE}, at most ${MAX_PIXELS / 1e6} megapixels. The model runs near its native size and the result is fitted.`, default: `the --kind's size (${SIZES}), else the model's native square` },
  steps: { type: 'string', value: 'N', help: `Denoising steps, 1-${LIMITS.maxSteps}. More steps: slower, usually finer (turbo models are made for 1-4).`, default: `${TURBO.steps} for guidance-free models (SD-Turbo, LCM), else ${CLASSIC.steps}` },
  seed: { type: 'string', value: 'S', help: `Seed of the first image, 0-${MAX_SEED}; the same seed, prompt, model and settings give the same image. Image i of --count uses S+i.`, default: 'a random seed (printed, and stored in the file)' },
  guidance: { type: 'string', value: 'G', help: 'Classifier-free guidance scale, 0-100; applied only above 1 (turbo and LCM models are made for 0).', default: `${TURBO.guidanceScale} for guidance-free models, else ${CLASSIC.guidanceScale}` },
  negative: { type: 'string', value: 'TEXT', help: 'What the image should not show.', default: "the --kind's negative prompt; none without --kind" },
  count: { type: 'string', value: 'N', help: `Number of images, 1-${LIMITS.maxCount}; several are written as name-1.ext ... name-N.ext.`, default: '1' },
  scheduler: { type: 'string', value: 'NAME', help: `Sampler: ${SCHEDULER_NAMES.join(', ')}.`, default: "the model's own (scheduler/scheduler_config.json)" },
  device: { type: 'string', value: 'NAME', help: `Where the model runs, on this platform one of ${validDevices().join(', ')}; auto tries ${autoOrder()} in that order and says which ran.`, default: 'auto' },
  kind: { type: 'string', value: 'KIND', help: `One of ${ASSET_KINDS.join(', ')}: wraps the prompt in the kind's template, sets its size and post-processing (icon: background removed, subject trimmed and centred) and is stored in the file.`, default: 'none: the prompt goes to the model as written and no kind is stored' },
  store: { type: 'string', value: 'DIR', help: 'The models folder in which --model ids and the default model are looked up.', default: '$NANOFORGE_MODELS, else ~/.cache/nanoforge/models' },
  force: { type: 'boolean', help: 'Overwrite existing files; without it, generate refuses before loading the model and writes nothing.' },
  json: { type: 'boolean', help: 'Print one JSON object on stdout: device, skipped GPU providers with their reasons, seeds, model, size, milliseconds per stage, files.' },
  verbose: { type: 'boolean', help: "Also print why each skipped GPU provider failed, and the model loader's log, on stderr." },
} satisfies OptionDocs;

const HELP: CommandHelp = {
  usage: 'generate "<prompt>" --out FILE [--model ID|DIR] [options]',
  summary: 'Generates an image from a prompt with a local model and writes it to --out, with the prompt, seed and model stored inside the file (nanoforge info reads them back).',
  details: ['Prints the file written on stdout, and on stderr one line with the device, the seed and the time. Errors: one line on stderr, exit code 1.'],
  options: GENERATE_OPTIONS,
  examples: [
    'nanoforge generate "a green circle on white" --model test/fixtures/models/oracle-fp32 --kind icon --out logo.png',
    'nanoforge generate "a cabin in the snow" --model sd-turbo-fp16 --size 768x512 --seed 42 --out cabin.webp',
    'nanoforge generate "a paper plane" --kind icon --size 64 --count 4 --out icons/plane.png    # the default model',
  ],
};

/** The providers `auto` tries here, e.g. "webgpu, cuda, cpu". */
function autoOrder(): string {
  return (PROVIDER_TABLE[process.platform]?.auto ?? ['cpu']).join(', ');
}

interface GenerateOptions {
  prompt: string;
  out: string;
  device: DeviceName;
  /** Absent: the prompt as written, the model's native square, no kind in the metadata. */
  kind?: AssetKind;
  size?: { width: number; height: number };
  seed: number;
  force: boolean;
  json: boolean;
  /** Print why GPU providers were skipped and the loader's log lines (config defaults) to stderr. */
  verbose: boolean;
  request: Omit<AssetRequest, 'prompt' | 'kind' | 'output' | 'seed'>;
}

function readOptions(parsed: ParsedArgs): GenerateOptions {
  const prompt = parsed.positionals.join(' ').trim();
  if (!prompt) throw new CliUsageError('a prompt is required, e.g. nanoforge generate "a red fox icon" --out fox.png (nanoforge generate --help lists the options)');
  const size = stringOption(parsed, 'size');
  const kind = choiceOption(parsed, 'kind', ASSET_KINDS);
  const request: GenerateOptions['request'] = {
    negativePrompt: stringOption(parsed, 'negative'),
    steps: numberOption(parsed, 'steps', { min: 1, max: LIMITS.maxSteps, integer: true }),
    guidanceScale: numberOption(parsed, 'guidance', { min: 0, max: 100 }),
    count: numberOption(parsed, 'count', { min: 1, max: LIMITS.maxCount, integer: true }),
    scheduler: choiceOption(parsed, 'scheduler', SCHEDULER_NAMES),
  };
  return {
    prompt,
    out: requiredString(parsed, 'out'),
    device: choiceOption(parsed, 'device', validDevices()) ?? 'auto',
    ...(kind !== undefined ? { kind } : {}),
    ...(size !== undefined ? { size: parseSize(size) } : {}),
    seed: seedOption(parsed) ?? randomInt(0, 2 ** 32),
    force: flag(parsed, 'force'),
    json: flag(parsed, 'json'),
    verbose: flag(parsed, 'verbose') || Boolean(process.env.NANOFORGE_DEBUG),
    request: Object.fromEntries(Object.entries(request).filter(([, v]) => v !== undefined)) as GenerateOptions['request'],
  };
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
  const format = formatFromPath(opts.out);
  const targets = outputPaths(opts.out, opts.request.count ?? 1);
  const existing = targets.filter((t) => existsSync(t));
  if (existing.length > 0 && !opts.force) {
    throw new CliUsageError(`${existing.join(', ')} already exists; pass --force to overwrite.`);
  }
  const model = await modelFromArgs(parsed);
  const started = performance.now();
  const pipeline = await loadPipeline(model.dir, { device: opts.device, log: opts.verbose ? (line) => process.stderr.write(`${line}\n`) : undefined });
  const loadMs = performance.now() - started;
  try {
    const { width, height } = opts.size ?? defaultSize(opts, pipeline);
    const bar = createProgressBar('Generating', process.stderr, !opts.json && process.stderr.isTTY === true);
    // Ctrl-C stops between denoising steps and leaves no half-written file.
    const interrupt = new AbortController();
    const onSigint = (): void => interrupt.abort();
    process.once('SIGINT', onSigint);
    let result: AssetResult;
    try {
      result = await generateAsset(pipeline, { ...opts.request, prompt: opts.prompt, ...(opts.kind ? { kind: opts.kind } : {}), seed: opts.seed, output: { width, height, format } }, {
        signal: interrupt.signal,
        onProgress: (p) => bar.update(p.step, p.totalSteps),
      });
    } finally {
      process.removeListener('SIGINT', onSigint);
      bar.finish();
    }
    const writeStarted = performance.now();
    const files: string[] = [];
    for (const [i, candidate] of result.candidates.entries()) {
      const target = targets[i] as string;
      // The safe writer's root is the target's own folder, so it has to exist (--out new/dir/a.png).
      await mkdir(path.dirname(target), { recursive: true });
      files.push(await writeFileSafely(path.dirname(target), path.basename(target), candidate.bytes, { force: opts.force }));
    }
    const timings = { load: loadMs, ...result.timings, write: performance.now() - writeStarted, total: performance.now() - started };
    report(opts, model, pipeline, result, files, timings, { width, height });
    return 0;
  } finally {
    await pipeline.dispose();
  }
}

function defaultSize(opts: GenerateOptions, pipeline: Pipeline): { width: number; height: number } {
  // An explicit --kind brings its preset size; otherwise the model's own square.
  if (opts.kind) {
    const [width, height] = presetFor(opts.kind).defaultSize;
    return { width, height };
  }
  return { width: pipeline.info.nativeSize, height: pipeline.info.nativeSize };
}

function report(opts: GenerateOptions, model: ModelChoice, pipeline: Pipeline, result: AssetResult, files: string[], timings: Record<string, number>, size: { width: number; height: number }): void {
  const ms = Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v * 10) / 10]));
  if (opts.json) {
    const summary = {
      device: result.device, fallbacks: result.fallbacks, seed: opts.seed, seeds: result.candidates.map((c) => c.seed),
      model: pipeline.info.modelId, modelDir: model.dir, kind: opts.kind, width: size.width, height: size.height,
      scheduler: opts.request.scheduler ?? pipeline.info.scheduler, timings: ms, files, warnings: result.warnings,
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
  for (const line of deviceLines(result.device, result.fallbacks, opts.verbose, `; seed ${opts.seed}; ${Math.round(timings.total ?? 0)} ms`)) process.stderr.write(`${line}\n`);
  for (const file of files) process.stdout.write(`${file}\n`);
}

export const generateCommand: CliCommand = {
  name: 'generate',
  usage: 'generate "<prompt>" --out FILE [--model ID|DIR] [--size WxH] [--kind KIND] [--seed S] [--count N] ...',
  help: () => renderHelp(HELP),
  run,
};
