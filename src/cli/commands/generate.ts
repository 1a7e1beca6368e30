// `nanoforge generate "<prompt>" --model DIR --out FILE` — runs the pipeline in this process (no
// worker: a crash here only ends this command) and writes the post-processed assets.
import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import {
  DEVICE_NAMES, formatFromPath, generateAsset, loadPipeline, parseSize, presetFor, validateGenerationRequest, writeFileSafely,
  type AssetResult, type DeviceName, type GenerationRequest, type Pipeline,
} from '../../inference';
import { choiceOption, CliUsageError, flag, parseCommandLine, requiredString, stringOption, type OptionKinds, type ParsedArgs } from '../args';
import type { CliCommand } from '../command';
import { createProgressBar } from '../progress';
import { readRequestOptions, requestOptionKinds, requestUsage } from '../request-options';

const OPTIONS: OptionKinds = {
  model: 'string', out: 'string', size: 'string', device: 'string', force: 'boolean', json: 'boolean', verbose: 'boolean',
  ...requestOptionKinds(),
};

type Size = { width: number; height: number };

interface GenerateOptions {
  modelDir: string;
  out: string;
  device: DeviceName;
  /** --size, else the preset size of an explicit --kind; undefined: the model's native square. */
  size?: Size;
  force: boolean;
  json: boolean;
  /** Print the loader's log lines (provider attempts, config defaults) to stderr. */
  verbose: boolean;
  /** Everything but the size, which may have to wait for the model (its native square). */
  request: Omit<GenerationRequest, 'width' | 'height'> & { seed: number };
}

function readOptions(parsed: ParsedArgs): GenerateOptions {
  const prompt = parsed.positionals.join(' ').trim();
  if (!prompt) throw new CliUsageError('a prompt is required, e.g. nanoforge generate "a red fox icon" --model DIR --out fox.png');
  const size = stringOption(parsed, 'size');
  const out = requiredString(parsed, 'out');
  const given = readRequestOptions(parsed);
  const kind = given.kind ?? 'illustration';
  // An explicit --kind brings its preset size; otherwise the model's own square (known after loading).
  const preset = given.kind === undefined ? undefined : presetFor(kind).defaultSize;
  const fixed = size !== undefined ? parseSize(size) : preset && { width: preset[0], height: preset[1] };
  return {
    modelDir: requiredString(parsed, 'model'),
    out,
    device: choiceOption(parsed, 'device', DEVICE_NAMES) ?? 'auto',
    ...(fixed ? { size: fixed } : {}),
    force: flag(parsed, 'force'),
    json: flag(parsed, 'json'),
    verbose: flag(parsed, 'verbose') || Boolean(process.env.NANOFORGE_DEBUG),
    request: { ...given, prompt, kind, format: formatFromPath(out), seed: given.seed ?? randomInt(0, 2 ** 32) },
  };
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
  const opts = readOptions(parseCommandLine(args, OPTIONS));
  // Checked before the (slow) model load whenever the size is already known.
  const early = opts.size && requestAt(opts, opts.size);
  const targets = outputPaths(opts.out, opts.request.count ?? 1);
  const existing = targets.filter((t) => existsSync(t));
  if (existing.length > 0 && !opts.force) {
    throw new CliUsageError(`${existing.join(', ')} already exists; pass --force to overwrite.`);
  }
  const started = performance.now();
  const pipeline = await loadPipeline(opts.modelDir, { device: opts.device, log: opts.verbose ? (line) => process.stderr.write(`${line}\n`) : undefined });
  const loadMs = performance.now() - started;
  try {
    const request = early || requestAt(opts, { width: pipeline.info.nativeSize, height: pipeline.info.nativeSize });
    const { width, height } = request;
    const bar = createProgressBar('Generating', process.stderr, !opts.json && process.stderr.isTTY === true);
    // Ctrl-C stops between denoising steps and leaves no half-written file.
    const interrupt = new AbortController();
    const onSigint = (): void => interrupt.abort();
    process.once('SIGINT', onSigint);
    let result: AssetResult;
    try {
      result = await generateAsset(pipeline, request, {
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
    report(opts, pipeline, result, files, timings, { width, height });
    return 0;
  } finally {
    await pipeline.dispose();
  }
}

function report(opts: GenerateOptions, pipeline: Pipeline, result: AssetResult, files: string[], timings: Record<string, number>, size: { width: number; height: number }): void {
  const ms = Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v * 10) / 10]));
  if (opts.json) {
    const summary = {
      device: result.device, fallbacks: result.fallbacks, seed: opts.request.seed, seeds: result.candidates.map((c) => c.seed),
      model: pipeline.info.modelId, kind: opts.request.kind, width: size.width, height: size.height,
      scheduler: opts.request.scheduler ?? pipeline.info.scheduler, timings: ms, files, warnings: result.warnings,
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
  const fell = result.fallbacks.map((f) => `${f.provider}: ${f.reason ?? 'failed'}`).join('; ');
  process.stderr.write(`device: ${result.device}${fell ? ` (fell back from ${fell})` : ''}; seed ${opts.request.seed}; ${Math.round(timings.total ?? 0)} ms\n`);
  for (const file of files) process.stdout.write(`${file}\n`);
}

export const generateCommand: CliCommand = {
  name: 'generate',
  usage: `generate "<prompt>" --model DIR --out FILE.png [--size WxH] ${requestUsage()} [--device ${DEVICE_NAMES.join('|')}] [--force] [--json] [--verbose]`,
  run,
};
