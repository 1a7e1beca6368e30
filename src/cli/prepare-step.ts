// Preparing a model from the CLI (src/inference/prepare-model.ts): `nanoforge models prepare`, and the
// step that ends `models pull` and `models add`. It runs in the worker's preparing process, as the
// editor's does, so that it gets the worker's huge-page malloc (about 3× faster, worker/client.ts).
// A line per file on stderr, Ctrl-C ends it with exit 130 and says how to finish later, and
// `generate` shows a one-time tip when it loaded a model that was never prepared.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { escapeTerminal } from '../inference/safety/text';
import { AbortError, errorMessage, isAbortError } from '../inference/errors';
import { shellWord } from '../inference/models/resolve';
import { describePreparation, type PreparedModel } from '../inference/prepare-model';
import { runPrepareProcess, spawnPrepareChild } from '../inference/worker/background-prepare';
import { withHugePageMalloc } from '../inference/worker/client';
import type { DeviceName } from '../inference/tables';
import type { SessionLoad } from '../inference/backend/types';
import { watchInterrupt } from './interrupt';
import { firstTime } from './tiny-decoder-tip';

export interface PrepareStep {
  /** The model folder. */
  dir: string;
  /** How a later command names it: an installed id, or the folder. */
  ref: string;
  storeDir: string;
  /** ` --store DIR` when the user named a store, so the suggested command reaches it. */
  storeArgs?: string;
  device: DeviceName;
  /** The command for the interrupt line, e.g. 'models pull'. */
  command: string;
  /** Print the per-file lines and the summary (false with --json). */
  verbose: boolean;
}

/** The command that prepares the model later. */
export function prepareCommand(step: Pick<PrepareStep, 'ref' | 'storeArgs'>): string {
  return `nanoforge models prepare ${shellWord(step.ref)}${step.storeArgs ? ` ${step.storeArgs}` : ''}`;
}

/** The worker's entry: dist/worker.js beside dist/cli.js, or the source when the CLI runs under tsx. */
function workerEntry(): string {
  const bundled = path.join(__dirname, 'worker.js');
  return existsSync(bundled) ? bundled : path.resolve(__dirname, '../inference/worker/main.ts');
}

/**
 * Prepares the model; Ctrl-C prints one line (the model stays installed), stops the preparing
 * process and ends with 130 (AbortError). Other failures are thrown with the preparation's message.
 */
export async function runPrepareStep(step: PrepareStep): Promise<PreparedModel> {
  const interrupt = watchInterrupt(step.command, `The model itself is complete; prepare it later with: ${prepareCommand(step)}`);
  const child = spawnPrepareChild(workerEntry(), withHugePageMalloc(process.env));
  const stop = (): void => void child.kill('SIGKILL');
  interrupt.signal.addEventListener('abort', stop, { once: true });
  try {
    if (step.verbose) process.stderr.write(`Preparing ${escapeTerminal(step.ref)} for this machine (once: saves onnxruntime's optimized graphs so every load skips that work)…\n`);
    const job = { modelDir: step.dir, device: step.device, storeDir: step.storeDir, quiet: !process.env.NANOFORGE_DEBUG };
    const prepared = await runPrepareProcess(job, child, (f, i, n) => {
      if (step.verbose && !interrupt.signal.aborted) process.stderr.write(`  ${i + 1}/${n} ${escapeTerminal(f.file)}\n`);
    }).done.catch((error: unknown) => {
      throw interrupt.signal.aborted ? new AbortError() : error;
    });
    if (step.verbose) process.stderr.write(`${escapeTerminal(describePreparation(prepared))}\n`);
    return prepared;
  } finally {
    interrupt.signal.removeEventListener('abort', stop);
    interrupt.dispose();
  }
}

/** The JSON a command prints for its preparation. */
export function preparedJson(p: PreparedModel): Record<string, unknown> {
  return { device: p.device, ms: Math.round(p.ms), files: p.files.map((f) => ({ file: f.file, graphCache: f.graphCache, ms: Math.round(f.ms ?? 0), ...(f.reason ? { reason: f.reason } : {}) })) };
}

/**
 * After a download or `models add`, preparing is a bonus: a failure is a warning (the model is
 * installed and a generation loads it anyway, a little slower), not the command's failure.
 */
export async function prepareAfterInstall(step: PrepareStep): Promise<{ prepared?: PreparedModel; prepareError?: string; interrupted?: true }> {
  try {
    return { prepared: await runPrepareStep(step) };
  } catch (error) {
    // Ctrl-C: the interrupt line is out already; the command ends with 130.
    if (isAbortError(error)) return { interrupted: true };
    const message = errorMessage(error);
    if (step.verbose) process.stderr.write(`warning: could not prepare ${escapeTerminal(step.ref)} (${escapeTerminal(message)}); generations still load it. Try again: ${escapeTerminal(prepareCommand(step))}\n`);
    return { prepareError: message };
  }
}

/** Once per model and store: a generation opened sessions that were never prepared. */
export async function unpreparedTip(loads: readonly SessionLoad[], step: Pick<PrepareStep, 'ref' | 'storeArgs' | 'storeDir'>, modelId: string): Promise<string | undefined> {
  if (!loads.some((l) => l.graphCache === 'unprepared')) return undefined;
  if (!(await firstTime(step.storeDir, `prepare-${modelId}`))) return undefined;
  return `tip: this model is not prepared for this machine yet, so it loaded without onnxruntime's CPU layout optimizations (on some CPUs that makes its UNet steps slower). ` +
    `${prepareCommand(step)} (once; under half a minute for SD-Turbo on a CPU) saves the fully optimized graphs, and every later load opens them.`;
}
