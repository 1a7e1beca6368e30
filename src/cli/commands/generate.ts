// `nanoforge generate "<prompt>" --model DIR --out FILE` — runs the pipeline in this process (no
// worker: a crash here only ends this command) and writes the post-processed assets.
import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { generateAsset, type AssetRequest, type AssetResult } from '../../inference/image/generate-asset';
import { formatFromPath, parseSize } from '../../inference/image/limits';
import { ASSET_KINDS, presetFor } from '../../inference/image/presets';
import { writeFileSafely } from '../../inference/image/safe-write';
import { LIMITS } from '../../inference/pipeline/check-inputs';
import { loadPipeline } from '../../inference/pipeline/text-to-image';
import type { Pipeline } from '../../inference/pipeline/types';
import { SCHEDULER_NAMES } from '../../inference/schedulers';
import type { AssetFormat, AssetKind, DeviceName } from '../../inference/types';
import { choiceOption, CliUsageError, flag, numberOption, parseCommandLine, requiredString, stringOption, type ParsedArgs } from '../args';
import type { CliCommand } from '../command';
import { INTERRUPT_EXIT_CODE, watchInterrupt, type InterruptWatch } from '../interrupt';
import { createProgressBar } from '../progress';

const DEVICES: readonly DeviceName[] = ['auto', 'cpu', 'webgpu', 'cuda', 'dml', 'coreml'];

const OPTIONS = {
  model: 'string', out: 'string', size: 'string', steps: 'string', seed: 'string', guidance: 'string', negative: 'string',
  count: 'string', scheduler: 'string', device: 'string', kind: 'string', force: 'boolean', json: 'boolean', verbose: 'boolean',
} as const;

interface GenerateOptions {
  prompt: string;
  modelDir: string;
  out: string;
  device: DeviceName;
  kind: AssetKind;
  /** --kind was given: its preset size applies when --size is absent. */
  kindGiven: boolean;
  size?: { width: number; height: number };
  seed: number;
  force: boolean;
  json: boolean;
  /** Print the loader's log lines (provider attempts, config defaults) to stderr. */
  verbose: boolean;
  request: Omit<AssetRequest, 'prompt' | 'kind' | 'output' | 'seed'>;
}

function readOptions(parsed: ParsedArgs): GenerateOptions {
  const prompt = parsed.positionals.join(' ').trim();
  if (!prompt) throw new CliUsageError('a prompt is required, e.g. nanoforge generate "a red fox icon" --model DIR --out fox.png');
  const size = stringOption(parsed, 'size');
  const request: GenerateOptions['request'] = {
    negativePrompt: stringOption(parsed, 'negative'),
    steps: numberOption(parsed, 'steps', { min: 1, max: LIMITS.maxSteps, integer: true }),
    guidanceScale: numberOption(parsed, 'guidance', { min: 0, max: 100 }),
    count: numberOption(parsed, 'count', { min: 1, max: LIMITS.maxCount, integer: true }),
    scheduler: choiceOption(parsed, 'scheduler', SCHEDULER_NAMES),
  };
  return {
    prompt,
    modelDir: requiredString(parsed, 'model'),
    out: requiredString(parsed, 'out'),
    device: choiceOption(parsed, 'device', DEVICES) ?? 'auto',
    kind: choiceOption(parsed, 'kind', ASSET_KINDS) ?? 'illustration',
    kindGiven: stringOption(parsed, 'kind') !== undefined,
    ...(size !== undefined ? { size: parseSize(size) } : {}),
    seed: numberOption(parsed, 'seed', { min: 0, max: 0xffffffff, integer: true }) ?? randomInt(0, 2 ** 32),
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
  const opts = readOptions(parseCommandLine(args, OPTIONS));
  const format = formatFromPath(opts.out);
  const targets = outputPaths(opts.out, opts.request.count ?? 1);
  const existing = targets.filter((t) => existsSync(t));
  if (existing.length > 0 && !opts.force) {
    throw new CliUsageError(`${existing.join(', ')} already exists; pass --force to overwrite.`);
  }
  // Ctrl-C at any stage from here: one line, exit 130, no partial file (see ../interrupt.ts).
  const interrupt = watchInterrupt('generate');
  try {
    return await generateAndWrite(opts, format, targets, interrupt);
  } catch (error) {
    if (interrupt.signal.aborted) return INTERRUPT_EXIT_CODE; // the message is already out
    throw error;
  } finally {
    interrupt.dispose();
  }
}

async function generateAndWrite(opts: GenerateOptions, format: AssetFormat, targets: string[], interrupt: InterruptWatch): Promise<number> {
  const started = performance.now();
  // After Ctrl-C the interrupt line is the last thing printed; the load itself cannot be aborted.
  const log = (line: string): void => void (interrupt.signal.aborted || process.stderr.write(`${line}\n`));
  const pipeline = await loadPipeline(opts.modelDir, { device: opts.device, log: opts.verbose ? log : undefined });
  const loadMs = performance.now() - started;
  try {
    if (interrupt.signal.aborted) return INTERRUPT_EXIT_CODE;
    const { width, height } = opts.size ?? defaultSize(opts, pipeline);
    const bar = createProgressBar('Generating', process.stderr, !opts.json && process.stderr.isTTY === true);
    let result: AssetResult;
    try {
      result = await generateAsset(pipeline, { ...opts.request, prompt: opts.prompt, kind: opts.kind, seed: opts.seed, output: { width, height, format } }, {
        signal: interrupt.signal,
        onProgress: (p) => bar.update(p.step, p.totalSteps),
      });
    } finally {
      bar.finish();
    }
    const writeStarted = performance.now();
    const files: string[] = [];
    for (const [i, candidate] of result.candidates.entries()) {
      if (interrupt.signal.aborted) return INTERRUPT_EXIT_CODE;
      const target = targets[i] as string;
      // The safe writer's root is the target's own folder, so it has to exist (--out new/dir/a.png).
      await mkdir(path.dirname(target), { recursive: true });
      files.push(await writeFileSafely(path.dirname(target), path.basename(target), candidate.bytes, { force: opts.force }));
    }
    if (interrupt.signal.aborted) return INTERRUPT_EXIT_CODE;
    const timings = { load: loadMs, ...result.timings, write: performance.now() - writeStarted, total: performance.now() - started };
    report(opts, pipeline, result, files, timings, { width, height });
    return 0;
  } finally {
    await pipeline.dispose();
  }
}

function defaultSize(opts: GenerateOptions, pipeline: Pipeline): { width: number; height: number } {
  // An explicit --kind brings its preset size; otherwise the model's own square.
  if (opts.kindGiven) {
    const [width, height] = presetFor(opts.kind).defaultSize;
    return { width, height };
  }
  return { width: pipeline.info.nativeSize, height: pipeline.info.nativeSize };
}

function report(opts: GenerateOptions, pipeline: Pipeline, result: AssetResult, files: string[], timings: Record<string, number>, size: { width: number; height: number }): void {
  const ms = Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v * 10) / 10]));
  if (opts.json) {
    const summary = {
      device: result.device, fallbacks: result.fallbacks, seed: opts.seed, seeds: result.candidates.map((c) => c.seed),
      model: pipeline.info.modelId, kind: opts.kind, width: size.width, height: size.height,
      scheduler: opts.request.scheduler ?? pipeline.info.scheduler, timings: ms, files, warnings: result.warnings,
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
  const fell = result.fallbacks.map((f) => `${f.provider}: ${f.reason ?? 'failed'}`).join('; ');
  process.stderr.write(`device: ${result.device}${fell ? ` (fell back from ${fell})` : ''}; seed ${opts.seed}; ${Math.round(timings.total ?? 0)} ms\n`);
  for (const file of files) process.stdout.write(`${file}\n`);
}

export const generateCommand: CliCommand = {
  name: 'generate',
  usage: 'generate "<prompt>" --model DIR --out FILE.png [--size WxH] [--steps N] [--seed S] [--guidance G] [--negative TEXT] [--count N] [--scheduler euler|euler-ancestral|lcm|ddim] [--device auto|cpu|webgpu|cuda|dml|coreml] [--kind KIND] [--force] [--json] [--verbose]',
  run,
};
