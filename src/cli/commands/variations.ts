// `nanoforge variations FILE --count N [--strength S]` — image-to-image from an existing asset: N new
// images like it, written beside it as name-v1.ext, name-v2.ext … (numbers already taken are skipped),
// with its size and format; the prompt and kind come from the metadata Nanoforge stored in it, else
// from --prompt. Runs the model in this process, like generate.
import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import {
  ASSET_KINDS, assetFormatOfExtension, readMetadata, REQUEST_LIMITS, SCHEDULER_NAMES, validateGenerationRequest, validDevices,
  VARIATION_STRENGTH, type AssetFormat, type AssetKind, type DeviceName, type GenerationRequest, type SchedulerName,
} from '../../inference';
import { choiceOption, CliUsageError, flag, MAX_SEED, parseCommandLine, stringOption, type ParsedArgs } from '../args';
import type { CliCommand } from '../command';
import { deviceLines } from '../device-report';
import { optionKinds, renderHelp, type CommandHelp, type OptionDocs } from '../help';
import { readRequestOptions, requestOptionDocs, type OptionField, type RequestOptionHelp } from '../request-options';
import { generateWithProgress, loadModelFromArgs, runInterruptible, writeCandidates } from '../run-generation';
import { readStartImageFile } from '../start-image-file';
import { GENERATE_OPTIONS, REQUEST_OPTION_HELP, startImageSize } from './generate';

/** The request options variations takes (no --init-image, --layout or --size: the file decides those). */
const FIELDS = ['negativePrompt', 'kind', 'count', 'seed', 'steps', 'guidanceScale', 'scheduler', 'decoder', 'strength', 'keepAlpha'] as const;

/** What variations says differently from generate about the request options it shares. */
const OWN_HELP: Partial<Record<OptionField, RequestOptionHelp>> = {
  kind: { help: `One of ${ASSET_KINDS.join(', ')}: the kind's prompt template and post-processing (icon: background cut out unless --keep-alpha).`, default: 'the kind stored in FILE, else none' },
  negativePrompt: { help: 'What the variations should not show.', default: "the one stored in FILE, else the kind's" },
  count: { help: `Number of variations, 1-${REQUEST_LIMITS.maxCount}, written as name-v1.ext ... beside FILE (numbers already taken are skipped).`, default: '1' },
  seed: { help: `Seed of the first variation, 0-${MAX_SEED}; variation i uses S+i.`, default: 'a random seed' },
  scheduler: { help: `Sampler: ${SCHEDULER_NAMES.join(', ')}.`, default: "the one stored in FILE, else the model's own" },
  strength: { help: 'How far the variations may move from FILE, greater than 0 and at most 1: low keeps its shapes and colours, high keeps only its composition. Only the last int(steps × strength) steps run, so steps × strength must be at least 1.', default: `${VARIATION_STRENGTH}` },
  keepAlpha: { help: "The variations take FILE's transparency (its alpha mask) instead of having a background cut out." },
};

export const VARIATIONS_OPTIONS = {
  prompt: { type: 'string', value: 'TEXT', help: 'What the variations should show. Needed for a file without Nanoforge metadata (nanoforge info FILE shows what is stored).', default: "the prompt stored in FILE's metadata" },
  model: GENERATE_OPTIONS.model,
  ...requestOptionDocs(Object.fromEntries(FIELDS.map((f) => [f, OWN_HELP[f] ?? REQUEST_OPTION_HELP[f]]))),
  device: GENERATE_OPTIONS.device,
  store: GENERATE_OPTIONS.store,
  json: { type: 'boolean', help: 'Print one JSON object on stdout: device, seeds, strength, size, milliseconds per stage, files.' },
  verbose: GENERATE_OPTIONS.verbose,
} satisfies OptionDocs;

const HELP: CommandHelp = {
  usage: 'variations FILE [--count N] [--strength S] [--prompt TEXT] [options]',
  summary: 'Generates variations of an existing image with image-to-image: FILE is the start image, and each variation keeps its size and format and is written beside it as name-v1.ext, name-v2.ext, ... The prompt and kind come from what Nanoforge stored in FILE, or from --prompt.',
  details: [
    `FILE may be PNG, JPEG, WebP, AVIF, GIF (one frame), SVG, ICO (its largest entry) or BMP, at most ${REQUEST_LIMITS.maxSide} px a side; GIF and BMP variations are written as PNG. The model needs vae_encoder/ (or vae_encoder_tiny/). Prints the files written on stdout; errors are one line on stderr, exit code 1, and nothing is written.`,
  ],
  options: VARIATIONS_OPTIONS,
  examples: [
    'nanoforge variations icons/cart.png --count 3',
    'nanoforge variations hero.jpg --count 2 --strength 0.7 --prompt "a mountain lake at dawn" --model sd-turbo-fp16',
    'nanoforge variations logo.png --strength 0.3 --keep-alpha --seed 7',
  ],
};

/** `dir/name-vK.ext` for the first `count` K ≥ 1 whose file does not exist yet. */
export function variationPaths(file: string, format: AssetFormat, count: number): string[] {
  const ext = path.extname(file);
  const keepsExtension = assetFormatOfExtension(ext) === format;
  const stem = path.resolve(file.slice(0, file.length - ext.length));
  const suffix = keepsExtension ? ext : `.${format === 'jpeg' ? 'jpg' : format}`;
  const paths: string[] = [];
  for (let k = 1; paths.length < count && k <= 9999; k++) {
    const candidate = `${stem}-v${k}${suffix}`;
    if (!existsSync(candidate)) paths.push(candidate);
  }
  return paths;
}

interface Plan {
  request: GenerationRequest;
  file: string;
  targets: string[];
  warnings: string[];
  promptFrom: 'metadata' | 'option';
}

async function plan(parsed: ParsedArgs): Promise<Plan> {
  const [file, ...extra] = parsed.positionals;
  if (!file || extra.length > 0) throw new CliUsageError('give one image file, e.g. nanoforge variations icons/cart.png --count 3 (quote a path with spaces)');
  const options = readRequestOptions(parsed, FIELDS);
  const bytes = readStartImageFile(file, REQUEST_LIMITS.maxInitImageBytes);
  const size = await startImageSize(bytes, file);
  const meta = readMetadata(bytes);
  const prompt = stringOption(parsed, 'prompt') ?? meta?.prompt;
  if (prompt === undefined || prompt.trim() === '') {
    throw new CliUsageError(`${file} has no prompt stored by Nanoforge; say what it shows with --prompt "…"`);
  }
  const storedKind = ASSET_KINDS.find((k) => k === meta?.kind);
  const storedScheduler = SCHEDULER_NAMES.find((s) => s === meta?.scheduler);
  const warnings: string[] = [];
  const own = assetFormatOfExtension(path.extname(file));
  if (!own) warnings.push(`${file}: Nanoforge does not write ${path.extname(file) || 'files without an extension'}; the variations are PNG`);
  const format: AssetFormat = own ?? 'png';
  const fields: Partial<GenerationRequest> = {
    ...(storedKind ? { kind: storedKind as AssetKind } : {}),
    ...(meta?.negativePrompt ? { negativePrompt: meta.negativePrompt } : {}),
    ...(storedScheduler ? { scheduler: storedScheduler as SchedulerName } : {}),
    ...options,
  };
  const request = validateGenerationRequest({
    strength: VARIATION_STRENGTH, seed: randomInt(0, 2 ** 32), ...fields, prompt, ...size, format, initImage: bytes,
  }, { where: '' });
  const targets = variationPaths(file, format, request.count ?? 1);
  return { request, file, targets, warnings, promptFrom: stringOption(parsed, 'prompt') === undefined ? 'metadata' : 'option' };
}

async function run(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, optionKinds(VARIATIONS_OPTIONS));
  const json = flag(parsed, 'json');
  const verbose = flag(parsed, 'verbose') || Boolean(process.env.NANOFORGE_DEBUG);
  const p = await plan(parsed);
  const device = choiceOption(parsed, 'device', validDevices()) ?? 'auto';
  return runInterruptible('variations', (signal) => generateVariations(parsed, p, { device, json, verbose }, signal));
}

async function generateVariations(parsed: ParsedArgs, p: Plan, how: { device: DeviceName; json: boolean; verbose: boolean }, signal: AbortSignal): Promise<number> {
  const { json, verbose } = how;
  const { pipeline, started, loadMs } = await loadModelFromArgs(parsed, how.device, verbose, signal);
  try {
    const result = await generateWithProgress(pipeline, p.request, json, signal);
    const files = await writeCandidates(result.candidates, p.targets, false, signal);
    const warnings = [...p.warnings, ...result.warnings];
    const total = performance.now() - started;
    if (json) {
      const timings = Object.fromEntries(Object.entries({ load: loadMs, ...result.timings, total }).map(([k, v]) => [k, Math.round(v * 10) / 10]));
      const { width, height, strength, seed } = p.request;
      process.stdout.write(`${JSON.stringify({ device: result.device, fallbacks: result.fallbacks, from: path.resolve(p.file), prompt: p.request.prompt, promptFrom: p.promptFrom, seed, seeds: result.candidates.map((c) => c.seed), strength, width, height, timings, files, warnings })}\n`);
      return 0;
    }
    for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
    const extra = `; seed ${p.request.seed ?? '?'}; strength ${p.request.strength ?? VARIATION_STRENGTH}; ${Math.round(total)} ms`;
    for (const line of deviceLines(result.device, result.fallbacks, verbose, extra)) process.stderr.write(`${line}\n`);
    for (const file of files) process.stdout.write(`${file}\n`);
    return 0;
  } finally {
    await pipeline.dispose();
  }
}

export const variationsCommand: CliCommand = {
  name: 'variations',
  usage: 'variations FILE [--count N] [--strength S] [--prompt TEXT] ...   (image-to-image beside FILE)',
  help: () => renderHelp(HELP),
  run,
};
