// `--model` as people type it: an installed model's id (a catalog id that was pulled, or the name that
// `models add --id` gave), a model folder, or nothing at all (the models folder's default model). Every
// failure is one line that names what was looked at and the command that fixes it.
import { promises as fs, type Stats } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findCatalogEntry, loadCatalog, type CatalogEntry } from './catalog';
import { readDefaultModel } from './default-model';
import { formatBytes } from './disk';
import { MODEL_FILES } from './folder';
import type { InstalledModel, ModelStore } from './store';

export class ModelChoiceError extends Error {
  override readonly name = 'ModelChoiceError';
}

export interface ModelChoice {
  dir: string;
  /** The installed id, or the folder's name. */
  id: string;
  source: 'folder' | 'installed' | 'default';
}

export interface ResolveOptions {
  /** Relative folders are resolved against this (default: the process's). */
  cwd?: string;
  /** Extra arguments the suggested commands need to reach the same store, e.g. `--store DIR`. */
  storeArgs?: string;
}

/** What a model folder must have before any config is read (the rest is checked when it loads). */
const REQUIRED_FILES = [MODEL_FILES.modelIndex, MODEL_FILES.scheduler, MODEL_FILES.vocab, MODEL_FILES.merges, MODEL_FILES.textEncoder, MODEL_FILES.unet, MODEL_FILES.vaeDecoder];

/** Written as a path: absolute, `.`/`..`, `~`, or with a separator. A bare name is an id first. */
export function looksLikePath(ref: string): boolean {
  return path.isAbsolute(ref) || ref === '.' || ref === '..' || ref === '~' || ref.startsWith('~/') || /[\\/]/.test(ref);
}

/** Single-quotes a shell word when it needs it (the suggested commands are meant to be pasted). */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export async function resolveModelRef(store: ModelStore, ref: string | undefined, opts: ResolveOptions = {}): Promise<ModelChoice> {
  const all = await store.list();
  const pipelines = all.filter((m) => m.kind === 'pipeline');
  if (ref === undefined || ref.trim() === '') return defaultChoice(store, pipelines, opts);
  const cwd = opts.cwd ?? process.cwd();
  if (looksLikePath(ref)) return folderChoice(path.resolve(cwd, expandHome(ref)));
  const installed = all.find((m) => m.id === ref);
  if (installed) return installedChoice(installed, 'installed');
  // A bare name that is a folder here (`--model my-export`) still means that folder.
  if (await isDirectory(path.resolve(cwd, ref))) return folderChoice(path.resolve(cwd, ref));
  const entry = findCatalogEntry(ref);
  if (entry) {
    throw new ModelChoiceError(`${ref} is not installed in ${store.root}; download it (about ${formatBytes(entry.approxDownloadBytes)}) with: ${pullCommand(entry, opts)}`);
  }
  const have = pipelines.length > 0 ? `installed: ${pipelines.map((m) => m.id).join(', ')}` : 'nothing is installed there';
  throw new ModelChoiceError(`no model "${ref}": not installed in ${store.root} (${have}), not a catalog id, and no folder ${path.resolve(cwd, ref)}; nanoforge models list shows what there is`);
}

async function defaultChoice(store: ModelStore, pipelines: InstalledModel[], opts: ResolveOptions): Promise<ModelChoice> {
  const id = await readDefaultModel(store.root);
  const chosen = id === undefined ? undefined : pipelines.find((m) => m.id === id);
  if (chosen) return installedChoice(chosen, 'default');
  const sameStore = opts.storeArgs ? ` ${opts.storeArgs}` : '';
  if (pipelines.length === 0) {
    const suggestions = suggestedDownloads().map((e) => `${pullCommand(e, opts)} (${e.devices.includes('cpu') ? 'CPU' : 'GPU'}, about ${formatBytes(e.approxDownloadBytes)})`);
    throw new ModelChoiceError(`no --model given and no model installed in ${store.root}: download one with ${suggestions.join(' or ')}, or pass --model DIR (a model folder)`);
  }
  const first = pipelines[0] as InstalledModel;
  const installed = pipelines.map((m) => m.id).join(', ');
  if (id !== undefined) {
    throw new ModelChoiceError(`the default model "${id}" is no longer installed in ${store.root} (installed: ${installed}); choose another with nanoforge models default ${shellWord(first.id)}${sameStore}`);
  }
  throw new ModelChoiceError(`no --model given and no default model; installed in ${store.root}: ${installed}. Pass --model ${shellWord(first.id)}, or make it the default: nanoforge models default ${shellWord(first.id)}${sameStore}`);
}

function installedChoice(model: InstalledModel, source: ModelChoice['source']): ModelChoice {
  if (model.kind !== 'pipeline') throw new ModelChoiceError(`${model.id} is a preview decoder (used for step previews), not a model to generate with`);
  if (!model.present) {
    throw new ModelChoiceError(`model "${model.id}" is registered for ${model.dir}, which no longer exists; forget it with nanoforge models rm ${shellWord(model.id)}, or put the folder back`);
  }
  return { dir: model.dir, id: model.id, source };
}

/** A folder that has the files a model needs; otherwise an error naming the folder and what it lacks. */
async function folderChoice(dir: string): Promise<ModelChoice> {
  const stat = await statOrNothing(dir);
  if (!stat) throw new ModelChoiceError(`${dir}: the model folder does not exist`);
  if (!stat.isDirectory()) throw new ModelChoiceError(`${dir}: is a file, not a model folder`);
  const missing: string[] = [];
  for (const file of REQUIRED_FILES) if (!(await isFile(path.join(dir, file)))) missing.push(file);
  if (missing.length === REQUIRED_FILES.length) {
    throw new ModelChoiceError(`${dir} is not a model folder: it has none of ${REQUIRED_FILES.join(', ')} (a Stable Diffusion export in the diffusers ONNX layout)`);
  }
  if (missing.length > 0) throw new ModelChoiceError(`${dir} is not a complete model folder: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing`);
  return { dir, id: path.basename(dir), source: 'folder' };
}

/** The exact command that downloads a catalog entry into the same store. */
export function pullCommand(entry: Pick<CatalogEntry, 'id'>, opts: Pick<ResolveOptions, 'storeArgs'> = {}): string {
  return `nanoforge models pull ${shellWord(entry.id)}${opts.storeArgs ? ` ${opts.storeArgs}` : ''}`;
}

/** The catalog's first pipeline for a GPU and its first that runs on the CPU (the catalog lists its picks first). */
export function suggestedDownloads(): CatalogEntry[] {
  const pipelines = loadCatalog().models.filter((m) => m.kind === 'pipeline');
  const gpu = pipelines.find((m) => !m.devices.includes('cpu'));
  const cpu = pipelines.find((m) => m.devices.includes('cpu'));
  return [gpu, cpu].filter((m): m is CatalogEntry => m !== undefined);
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
}

/** stat, or undefined where nothing is (a permission problem is still an error worth seeing). */
async function statOrNothing(p: string): Promise<Stats | undefined> {
  return fs.stat(p).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
    throw error;
  });
}

async function isDirectory(p: string): Promise<boolean> {
  return (await statOrNothing(p))?.isDirectory() === true;
}

async function isFile(p: string): Promise<boolean> {
  return (await statOrNothing(p))?.isFile() === true;
}
