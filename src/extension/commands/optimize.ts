// "Nanoforge: Optimize Model for This Machine": converts the current model to fp16 (GPU) or int8
// (CPU) by running `nanoforge quantize` in a child process — native code never loads in the
// extension host — with a cancellable progress notification, then offers to switch to the result.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import type { QuantizeManifest, QuantizeTarget } from '../../inference/models/quantize/folder';
import type { DeviceName } from '../../inference/types';
import type { Services } from '../services';
import { describeResult, EXIT_VERIFICATION_FAILED, parseProgressLine, progressPercent, quantizeArgs, recommendVariant, targetFolder } from './optimize-plan';
import { errorMessage } from '../../inference/errors';
import { COMMANDS } from '../command-ids';


type ConcreteDevice = Exclude<DeviceName, 'auto'>;

/** The device generations run on: the last one the worker reported, else ask the worker. */
async function currentDevice(services: Services, modelDir: string): Promise<ConcreteDevice> {
  const known = services.activity.state.device;
  if (known) return known;
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Nanoforge: checking which device runs the model…' },
    async () => (await services.worker().modelInfo(modelDir, services.settings().device, services.storeDir())).device);
}

async function pickVariant(device: ConcreteDevice): Promise<QuantizeTarget | undefined> {
  const recommended = recommendVariant(device);
  const all: { variant: QuantizeTarget; detail: string }[] = [
    // Figures from bench/int8.bench.ts on the full-size synthetic SD-Turbo, 2-core CPU (BENCHMARKS.md).
    { variant: 'fp16', detail: 'For GPUs (CUDA, DirectML, CoreML, WebGPU): half the size, near-identical images. On the CPU no faster than the original and uses more memory' },
    { variant: 'int8', detail: 'For the CPU: integer kernels, UNet step ~0.65× the original, 0.39× the size, half the memory, images within the quality check. On a GPU use fp16' },
    { variant: 'int4', detail: 'Smallest (0.24×) but lowest quality, no faster on the CPU; may fail the quality check (then nothing is saved)' },
  ];
  const items = all
    .sort((a, b) => Number(b.variant === recommended) - Number(a.variant === recommended))
    .map((v) => ({ label: v.variant, description: v.variant === recommended ? `recommended for ${device}` : undefined, detail: v.detail, variant: v.variant }));
  return (await vscode.window.showQuickPick(items, { title: `Optimize the model for this machine (runs on ${device})` }))?.variant;
}

async function confirmTarget(out: string): Promise<{ force: boolean } | undefined> {
  const existing = await fs.readdir(out).catch(() => undefined);
  if (!existing || existing.length === 0) return { force: false };
  const replace = 'Replace';
  const choice = await vscode.window.showWarningMessage(`${out} already exists. Replace it with the new conversion?`, { modal: true }, replace);
  return choice === replace ? { force: true } : undefined;
}

interface RunResult { code: number | null; manifest?: QuantizeManifest; lastError: string; cancelled: boolean }

/** Runs the CLI in a plain Node child (ELECTRON_RUN_AS_NODE) and follows its progress lines. */
function runQuantize(services: Services, args: string[], progress: vscode.Progress<{ message?: string; increment?: number }>, token: vscode.CancellationToken): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let pending = '';
    let lastError = '';
    let shown = 0;
    const cancel = token.onCancellationRequested(() => child.kill('SIGTERM'));
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      pending += d.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const p = parseProgressLine(line);
        if (!p) {
          if (line.trim()) { lastError = line.trim(); services.log.info(`[quantize] ${line}`); }
          continue;
        }
        const percent = progressPercent(p);
        progress.report({ increment: Math.max(0, percent - shown), message: p.phase === 'verify' ? p.message : p.component ?? p.phase });
        shown = Math.max(shown, percent);
      }
    });
    child.on('error', (error) => { cancel.dispose(); reject(error); });
    child.on('close', (code) => {
      cancel.dispose();
      let manifest: QuantizeManifest | undefined;
      if (stdout.trim()) {
        try {
          manifest = JSON.parse(stdout) as QuantizeManifest;
        } catch (error) {
          services.log.warn(`quantize printed something that is not a manifest: ${String(error)}`);
        }
      }
      resolve({ code, manifest, lastError, cancelled: token.isCancellationRequested });
    });
  });
}

/** Arguments for running the command from code (tests, other commands): each skips one question. */
export interface OptimizeArgs {
  variant?: QuantizeTarget;
  /** Output folder (default: beside the model, `<folder>-<variant>`). */
  target?: string;
  /** Replace an existing target without asking. */
  force?: boolean;
  /** Switch `nanoforge.model` to the result without asking (true) or never (false). */
  use?: boolean;
}

async function offerSwitch(out: string, manifest: QuantizeManifest, preset?: boolean): Promise<void> {
  if (preset !== undefined) {
    if (preset) await vscode.workspace.getConfiguration('nanoforge').update('model', out, vscode.ConfigurationTarget.Global);
    return;
  }
  const use = 'Use This Model';
  const choice = await vscode.window.showInformationMessage(`Nanoforge: ${describeResult(manifest)}.`, use);
  if (choice === use) await vscode.workspace.getConfiguration('nanoforge').update('model', out, vscode.ConfigurationTarget.Global);
}

async function optimizeModel(services: Services, opts: OptimizeArgs): Promise<QuantizeManifest | undefined> {
  const model = await services.resolveModel();
  if (!model) return undefined;
  const variant = opts.variant ?? (await pickVariant(await currentDevice(services, model.dir)));
  if (!variant) return undefined;
  const out = opts.target ?? targetFolder(model.dir, variant);
  const confirmed = opts.force ? { force: true } : await confirmTarget(out);
  if (!confirmed) return undefined;
  const args = quantizeArgs(services.context.asAbsolutePath('dist/cli.js'), model.dir, out, variant, confirmed.force);
  services.log.info(`optimize: ${args.slice(1).join(' ')}`);
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Nanoforge: converting ${model.id} to ${variant}`, cancellable: true },
    (progress, token) => runQuantize(services, args, progress, token),
  );
  if (result.cancelled) {
    services.log.info('optimize: cancelled; the converter removed its partial output');
    return undefined;
  }
  if (result.manifest && result.code === 0) {
    await offerSwitch(out, result.manifest, opts.use);
    return result.manifest;
  }
  if (result.manifest && result.code === EXIT_VERIFICATION_FAILED) {
    // The converter wrote nothing: the result was outside the quality thresholds.
    const failures = result.manifest.verification?.failures.join('; ') ?? '';
    services.log.warn(`optimize: ${variant} failed verification (${failures}); nothing written`);
    void vscode.window.showWarningMessage(`Nanoforge: the ${variant} conversion of ${model.id} failed the quality check (${failures}), so it was not saved. Try another variant.`);
    return result.manifest;
  }
  const reason = result.lastError.replace(/^nanoforge quantize: /, '') || `the converter exited with code ${String(result.code)}`;
  services.log.error(`optimize failed: ${reason}`);
  void vscode.window.showErrorMessage(`Nanoforge could not optimize the model: ${reason}`);
  return undefined;
}

export function registerOptimizeCommand(services: Services): vscode.Disposable {
  return vscode.commands.registerCommand(COMMANDS.optimizeModel, (args?: OptimizeArgs) =>
    optimizeModel(services, args && typeof args === 'object' && !(args instanceof vscode.Uri) ? args : {}).catch((error: unknown) => {
      services.log.error(`optimize: ${String(error)}`);
      void vscode.window.showErrorMessage(`Nanoforge could not optimize the model: ${errorMessage(error)}`);
      return undefined;
    }));
}
