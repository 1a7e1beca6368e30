// One generation from request to saved file, shared by quick-mode Generate Image, Generate for
// Reference, directives and History: resolve the model, run the worker under a cancellable progress
// notification, write the first candidate, record it in History.
import * as path from 'node:path';
import { randomInt } from 'node:crypto';
import * as vscode from 'vscode';
import type { GenerationRequest } from '../inference/request';
import type { WorkerClient } from '../inference/worker/client';
import { formatFromPath, WRITABLE_EXTENSIONS } from './naming';
import { loadStartImageFile, StartImageRefused } from './start-image';
import { withCancellableProgress } from './progress';
import type { Services } from './services';
import type { OverwritePolicy } from './settings';
import { errorMessage, isAbortError } from '../inference/errors';

type WorkerRequest = Parameters<WorkerClient['generate']>[0];
type WorkerResult = Awaited<ReturnType<WorkerClient['generate']>>;

/**
 * One image to generate into `target`: the core's request (one candidate, the format from the
 * target's extension), with a start image named by its file (read and checked here, not passed as bytes).
 */
export type GenerationSpec = Omit<GenerationRequest, 'count' | 'format' | 'initImage'> & { target: vscode.Uri; startImage?: vscode.Uri };

export function randomSeed(): number {
  return randomInt(0, 2 ** 31 - 1);
}

/** Workspace-relative (or absolute) path → URI; relative paths resolve in `folder` or the first folder. */
export function resolveTarget(p: string, folder?: vscode.WorkspaceFolder): vscode.Uri | undefined {
  if (path.isAbsolute(p)) return vscode.Uri.file(p);
  const base = folder ?? vscode.workspace.workspaceFolders?.[0];
  return base ? vscode.Uri.joinPath(base.uri, p.replace(/\\/g, '/')) : undefined;
}

/** The folder of the active editor's file, else the first workspace folder. */
export function activeFolder(): vscode.WorkspaceFolder | undefined {
  const doc = vscode.window.activeTextEditor?.document;
  return (doc && vscode.workspace.getWorkspaceFolder(doc.uri)) ?? vscode.workspace.workspaceFolders?.[0];
}

async function runWithProgress(services: Services, request: WorkerRequest, title: string): Promise<WorkerResult | undefined> {
  return withCancellableProgress(title, async (signal, report) => {
    try {
      return await services.worker().generate(request, {
        signal,
        onProgress: (p) => report(p.step / Math.max(1, p.totalSteps), `step ${p.step}/${p.totalSteps}`),
      });
    } catch (err) {
      if (!isAbortError(err, signal)) throw err;
      services.log.info(`generation cancelled: ${request.prompt}`);
      return undefined;
    }
  });
}

function showFailure(services: Services, err: unknown): void {
  const message = errorMessage(err);
  services.log.error(`generation failed: ${message}`);
  // A crash was already reported with its "Show Log" button by the services wrapper.
  if (err instanceof Error && err.name === 'WorkerCrashedError') return;
  const showLog = 'Show Log';
  void vscode.window
    .showErrorMessage(`Nanoforge could not generate the image: ${message}`, showLog)
    .then((c) => c === showLog && services.log.show());
}

/** The start image's bytes, or null after telling the user why it cannot be used. */
async function readStart(services: Services, uri: vscode.Uri): Promise<Uint8Array | null> {
  try {
    return (await loadStartImageFile(uri)).bytes;
  } catch (error) {
    if (!(error instanceof StartImageRefused)) throw error;
    services.log.warn(`start image refused: ${error.message}`);
    void vscode.window.showErrorMessage(`Nanoforge: ${error.message}`);
    return null;
  }
}

/** Generates one image for `spec` and saves it; resolves to where it was written, or undefined. */
export async function generateToFile(
  services: Services,
  spec: GenerationSpec,
  opts: { title?: string; overwrite?: OverwritePolicy } = {},
): Promise<vscode.Uri | undefined> {
  // Checked before the model and the worker: PNG bytes under `notes.txt` or `anim.gif` help nobody.
  const format = formatFromPath(spec.target.path);
  if (!format) {
    void vscode.window.showErrorMessage(
      `Nanoforge cannot write ${vscode.workspace.asRelativePath(spec.target)}: it needs an image extension Nanoforge can write (${WRITABLE_EXTENSIONS}).`,
    );
    return undefined;
  }
  const initImage = spec.startImage && (await readStart(services, spec.startImage));
  if (initImage === null) return undefined;
  const model = await services.resolveModel();
  if (!model) return undefined;
  const settings = services.settings();
  const seed = spec.seed ?? randomSeed();
  const { target, startImage, ...fields } = spec;
  const request: WorkerRequest = {
    modelDir: model.dir, device: settings.device, storeDir: services.storeDir(), decoder: settings.decoder,
    ...fields, format, seed, count: 1, ...(initImage ? { initImage } : {}),
  };
  const name = vscode.workspace.asRelativePath(target);
  services.log.info(`generating ${name} with ${model.id}: "${spec.prompt}" (${spec.kind} ${spec.width}x${spec.height}, seed ${seed})`);
  let result: WorkerResult | undefined;
  try {
    result = await runWithProgress(services, request, opts.title ?? `Nanoforge: generating ${name}`);
  } catch (err) {
    showFailure(services, err);
    return undefined;
  }
  if (!result) return undefined; // cancelled
  const candidate = result.candidates[0];
  if (!candidate) {
    showFailure(services, new Error('the worker returned no image'));
    return undefined;
  }
  const warnings = [...result.warnings, ...candidate.warnings];
  for (const w of warnings) services.log.warn(w);
  const written = await services.writer.writeAsset(spec.target, candidate.bytes, { overwrite: opts.overwrite ?? settings.overwrite });
  if (!written) return undefined;
  await services.history.add({
    ...fields, ...(startImage ? { startImage: startImage.toString() } : {}), time: Date.now(), target: written.toString(),
    width: candidate.width, height: candidate.height, format: candidate.format, seed: candidate.seed ?? seed,
    modelId: model.id, device: result.device,
  });
  const open = 'Open';
  const note = warnings.length ? ` (${warnings[0]})` : '';
  void vscode.window
    .showInformationMessage(`Nanoforge saved ${vscode.workspace.asRelativePath(written)}${note}`, open)
    .then((c) => c === open && vscode.commands.executeCommand('vscode.open', written));
  return written;
}
