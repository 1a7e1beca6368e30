// What `generate` and `variations` share once their request is settled: loading the model, running
// it with a progress bar (Ctrl-C stops between denoising steps and leaves no half-written file), and
// writing each candidate through the safe writer.
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { generateAsset, loadPipeline, writeFileSafely, type AssetResult, type DeviceName, type EncodedAsset, type GenerationRequest, type Pipeline } from '../inference';
import type { ModelChoice } from '../inference/models/resolve';
import type { ParsedArgs } from './args';
import { modelFromArgs } from './model-arg';
import { createProgressBar } from './progress';

export interface LoadedModel {
  model: ModelChoice;
  pipeline: Pipeline;
  /** performance.now() when loading began, and how long it took. */
  started: number;
  loadMs: number;
}

/** The model `--model` names (or the default one), loaded on `device`; `verbose` prints the loader's log. */
export async function loadModelFromArgs(parsed: ParsedArgs, device: DeviceName, verbose: boolean): Promise<LoadedModel> {
  const model = await modelFromArgs(parsed);
  const started = performance.now();
  const pipeline = await loadPipeline(model.dir, { device, log: verbose ? (line) => process.stderr.write(`${line}\n`) : undefined });
  return { model, pipeline, started, loadMs: performance.now() - started };
}

/** Runs the request with a progress bar on a terminal (none with --json). */
export async function generateWithProgress(pipeline: Pipeline, request: GenerationRequest, json: boolean): Promise<AssetResult> {
  const bar = createProgressBar('Generating', process.stderr, !json && process.stderr.isTTY === true);
  const interrupt = new AbortController();
  const onSigint = (): void => interrupt.abort();
  process.once('SIGINT', onSigint);
  try {
    return await generateAsset(pipeline, request, { signal: interrupt.signal, onProgress: (p) => bar.update(p.step, p.totalSteps) });
  } finally {
    process.removeListener('SIGINT', onSigint);
    bar.finish();
  }
}

/** Writes candidate i to targets[i] (absolute paths); an existing file is replaced only with `force`. */
export async function writeCandidates(candidates: readonly EncodedAsset[], targets: readonly string[], force: boolean): Promise<string[]> {
  const files: string[] = [];
  for (const [i, candidate] of candidates.entries()) {
    const target = targets[i] as string;
    // The safe writer's root is the target's own folder, so it has to exist (--out new/dir/a.png).
    await mkdir(path.dirname(target), { recursive: true });
    files.push(await writeFileSafely(path.dirname(target), path.basename(target), candidate.bytes, { force }));
  }
  return files;
}
