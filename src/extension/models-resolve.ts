// Finds the model folder named by `nanoforge.model` (an absolute folder, or the id of a model installed in
// the models folder: downloaded, or added with `nanoforge models add --id`), else the folder's default
// model (`nanoforge models default`), else the first one installed; or explains why there is none.
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { findCatalogEntry, loadCatalog } from '../inference/models/catalog';
import { readDefaultModel } from '../inference/models/default-model';
import { formatBytes } from '../inference/models/disk';
import { ModelStore, StoreError } from '../inference/models/store';
import type { NanoforgeSettings } from './settings';
import { COMMANDS } from './command-ids';

export interface ResolvedModel {
  /** Local folder in the diffusers/optimum ONNX layout. */
  dir: string;
  /** Catalog id or folder name, shown in the status bar. */
  id: string;
}

const MARKER = 'model_index.json';

async function isModelFolder(dir: vscode.Uri): Promise<boolean> {
  try {
    const stat = await vscode.workspace.fs.stat(vscode.Uri.joinPath(dir, MARKER));
    return (stat.type & vscode.FileType.File) !== 0;
  } catch (err) {
    if (err instanceof vscode.FileSystemError) return false;
    throw err;
  }
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
}

/** The folder catalog models are installed in: the setting, else `<globalStorage>/models`. */
export function modelsRoot(settings: NanoforgeSettings, defaultRoot: vscode.Uri): vscode.Uri {
  const folder = expandHome(settings.modelsFolder);
  return folder && path.isAbsolute(folder) ? vscode.Uri.file(folder) : defaultRoot;
}

async function firstInstalled(root: vscode.Uri): Promise<ResolvedModel | undefined> {
  let entries: [string, vscode.FileType][];
  try {
    entries = await vscode.workspace.fs.readDirectory(root);
  } catch (err) {
    if (err instanceof vscode.FileSystemError) return undefined; // no models folder yet
    throw err;
  }
  const names = entries.filter(([, type]) => type & vscode.FileType.Directory).map(([name]) => name).sort();
  for (const name of names) {
    const dir = vscode.Uri.joinPath(root, name);
    if (await isModelFolder(dir)) return { dir: dir.fsPath, id: name };
  }
  return undefined;
}

/**
 * A model installed under `id` in a local models folder: a folder added with `models add --id` lives
 * elsewhere and is found through the store's registry (downloaded ones are `root/<id>`, checked first).
 */
async function installedById(root: vscode.Uri, id: string): Promise<ResolvedModel | undefined> {
  const dir = vscode.Uri.joinPath(root, id);
  if (await isModelFolder(dir)) return { dir: dir.fsPath, id };
  if (root.scheme !== 'file') return undefined;
  const model = (await new ModelStore(root.fsPath).list()).find((m) => m.id === id && m.kind === 'pipeline' && m.present);
  return model ? { dir: model.dir, id: model.id } : undefined;
}

export async function resolveModelFolder(
  settings: NanoforgeSettings,
  defaultRoot: vscode.Uri,
): Promise<{ model: ResolvedModel } | { problem: string }> {
  try {
    return await resolveFromSettings(settings, defaultRoot);
  } catch (err) {
    // An unreadable registry or default-model file: say which file, like any other missing model.
    if (err instanceof StoreError) return { problem: err.message };
    throw err;
  }
}

async function resolveFromSettings(settings: NanoforgeSettings, defaultRoot: vscode.Uri): Promise<{ model: ResolvedModel } | { problem: string }> {
  const root = modelsRoot(settings, defaultRoot);
  const setting = expandHome(settings.model);
  if (setting && path.isAbsolute(setting)) {
    const dir = vscode.Uri.file(setting);
    if (await isModelFolder(dir)) return { model: { dir: dir.fsPath, id: path.basename(dir.fsPath) } };
    // "has no model_index.json" sent people looking inside a folder that was not there (a typo, a moved drive).
    const folderExists = await vscode.workspace.fs.stat(dir).then(() => true, (err: unknown) => {
      if (err instanceof vscode.FileSystemError) return false;
      throw err;
    });
    return { problem: folderExists ? `nanoforge.model points at ${setting}, which has no ${MARKER}` : `nanoforge.model points at ${setting}, which does not exist` };
  }
  if (setting) {
    if (/[\\/]|\.\./.test(setting)) return { problem: `nanoforge.model "${setting}" is neither an absolute folder nor a model id` };
    const installed = await installedById(root, setting);
    if (installed) return { model: installed };
    const entry = findCatalogEntry(setting);
    return { problem: `model "${setting}" is not installed in ${root.fsPath}${entry ? ` (Download Model gets it, about ${formatBytes(entry.approxDownloadBytes)})` : ''}` };
  }
  const defaultId = root.scheme === 'file' ? await readDefaultModel(root.fsPath) : undefined;
  const chosen = defaultId === undefined ? undefined : await installedById(root, defaultId);
  if (chosen) return { model: chosen };
  const found = await firstInstalled(root);
  return found ? { model: found } : { problem: `no model is installed in ${root.fsPath}` };
}

/** Non-blocking: tells the user why there is no model and offers download, settings or placeholders. */
export function offerModelSetup(problem: string): void {
  const download = 'Download Model';
  const settings = 'Open Settings';
  const placeholder = 'Insert Placeholder';
  void vscode.window
    .showWarningMessage(
      `Nanoforge needs a model: ${problem}. Download one (${smallestDownload()}), or set "nanoforge.model" to a model folder. ` +
        '"Insert Placeholder Image" works without a model.',
      download,
      settings,
      placeholder,
    )
    .then(async (choice) => {
      if (choice === download) await runDownload();
      else if (choice === settings) await vscode.commands.executeCommand('workbench.action.openSettings', 'nanoforge.model');
      else if (choice === placeholder) await vscode.commands.executeCommand(COMMANDS.insertPlaceholder);
    });
}

/** The size the user signs up for, e.g. "SD-Turbo (fp16, ONNX Runtime export): about 2.6 GB". */
export function smallestDownload(): string {
  const pipelines = loadCatalog().models.filter((m) => m.kind === 'pipeline');
  const smallest = pipelines.reduce<(typeof pipelines)[number] | undefined>((best, m) => (!best || m.approxDownloadBytes < best.approxDownloadBytes ? m : best), undefined);
  return smallest ? `the smallest, ${smallest.name}, is about ${formatBytes(smallest.approxDownloadBytes)}` : 'see the model list for sizes';
}

/** Runs the model downloader when this build has it; otherwise says how to point at a folder. */
export async function runDownload(): Promise<void> {
  const commands = await vscode.commands.getCommands(true);
  if (commands.includes(COMMANDS.downloadModel)) {
    await vscode.commands.executeCommand(COMMANDS.downloadModel);
    return;
  }
  const open = 'Open Settings';
  const choice = await vscode.window.showInformationMessage(
    'Model download is not available in this build. Export a Stable Diffusion model to ONNX in the diffusers layout ' +
      '(model_index.json, unet/, vae_decoder/, text_encoder/, tokenizer/, scheduler/) and set "nanoforge.model" to that folder.',
    open,
  );
  if (choice === open) await vscode.commands.executeCommand('workbench.action.openSettings', 'nanoforge.model');
}
