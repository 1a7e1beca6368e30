// What `generate` and `variations` share once their request is settled: Ctrl-C handling for the
// whole run (one line, exit 130, no partial file: see ./interrupt.ts), loading the model, running it
// with a progress bar, and writing each candidate through the safe writer.
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { generateAsset, loadPipeline, writeFileSafely, type AssetResult, type DeviceName, type EncodedAsset, type GenerationRequest, type Pipeline } from '../inference';
import { throwIfAborted } from '../inference/errors';
import type { ModelChoice } from '../inference/models/resolve';
import type { ParsedArgs } from './args';
import { INTERRUPT_EXIT_CODE, watchInterrupt } from './interrupt';
import { modelFromArgs, storeFromArgs } from './model-arg';
import { createProgressBar } from './progress';

export interface LoadedModel {
  model: ModelChoice;
  pipeline: Pipeline;
  /** The model store's folder (its installed taesd pairs with the model; its .cache keeps optimized graphs). */
  storeDir: string;
  /** performance.now() when loading began, and how long it took. */
  started: number;
  loadMs: number;
}

/**
 * Runs `work` with Ctrl-C watched from here on: the first Ctrl-C prints one line and aborts
 * `signal` (every helper below stops at its next step), and the command ends with exit code 130.
 */
export async function runInterruptible(command: string, work: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const interrupt = watchInterrupt(command);
  try {
    const code = await work(interrupt.signal);
    return interrupt.signal.aborted ? INTERRUPT_EXIT_CODE : code;
  } catch (error) {
    if (interrupt.signal.aborted) return INTERRUPT_EXIT_CODE; // the message is already out
    throw error;
  } finally {
    interrupt.dispose();
  }
}

/** The model `--model` names (or the default one), loaded on `device`; `verbose` prints the loader's log. */
export async function loadModelFromArgs(parsed: ParsedArgs, device: DeviceName, verbose: boolean, signal: AbortSignal): Promise<LoadedModel> {
  const model = await modelFromArgs(parsed);
  const storeDir = storeFromArgs(parsed).root;
  const started = performance.now();
  // After Ctrl-C the interrupt line is the last thing printed; the load itself cannot be aborted.
  const log = (line: string): void => void (signal.aborted || process.stderr.write(`${line}\n`));
  const pipeline = await loadPipeline(model.dir, { device, storeDir, log: verbose ? log : undefined });
  const loaded = { model, pipeline, storeDir, started, loadMs: performance.now() - started };
  if (signal.aborted) {
    await pipeline.dispose();
    throwIfAborted(signal);
  }
  return loaded;
}

/** Runs the request with a progress bar on a terminal (none with --json); stops between steps on `signal`. */
export async function generateWithProgress(pipeline: Pipeline, request: GenerationRequest, json: boolean, signal: AbortSignal): Promise<AssetResult> {
  const bar = createProgressBar('Generating', process.stderr, !json && process.stderr.isTTY === true);
  try {
    return await generateAsset(pipeline, request, { signal, onProgress: (p) => bar.update(p.step, p.totalSteps) });
  } finally {
    bar.finish();
  }
}

/**
 * Writes candidate i to targets[i] (absolute paths); an existing file is replaced only with `force`.
 * Each write is whole or absent (temp file + rename); after Ctrl-C no further file is started.
 */
export async function writeCandidates(candidates: readonly EncodedAsset[], targets: readonly string[], force: boolean, signal: AbortSignal): Promise<string[]> {
  const files: string[] = [];
  for (const [i, candidate] of candidates.entries()) {
    throwIfAborted(signal);
    const target = targets[i] as string;
    // The safe writer's root is the target's own folder, so it has to exist (--out new/dir/a.png).
    await mkdir(path.dirname(target), { recursive: true });
    files.push(await writeFileSafely(path.dirname(target), path.basename(target), candidate.bytes, { force }));
  }
  throwIfAborted(signal);
  return files;
}
