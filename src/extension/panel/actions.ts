// What the panel does with a chosen candidate: Save (to the target, through the safe writer),
// Save as… (native dialog), Copy (data URI / Markdown / <img>) and picking the target path.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CandidateRef, CopyFormat, HistoryView, HostMessage, PanelRequest } from '../../protocol/panel';
import type { EncodedAsset } from '../../inference/types';
import { containingFolder } from '../assets';
import { resolveTarget } from '../generation';
import type { HistoryEntry } from '../history';
import { defaultTargetPath, extensionFor, formatFromPath, WRITABLE_EXTENSION_NAMES } from '../naming';
import type { CandidateStore, StoredGeneration } from './candidates';
import { assetToSave } from './full-quality';
import { dataUri } from './run';
import type { Services } from '../services';

export interface ActionContext {
  services: Services;
  store: CandidateStore;
  /** The folder relative targets resolve in (the one the panel was opened for). */
  folder(): vscode.WorkspaceFolder | undefined;
  post(message: HostMessage): void;
}

type Found = { generation: StoredGeneration; asset: EncodedAsset };

async function find(ctx: ActionContext, ref: CandidateRef): Promise<Found | undefined> {
  const generation = await ctx.store.get(ref.generationId);
  const asset = generation?.candidates[ref.index];
  if (generation && asset) return { generation, asset };
  ctx.post({ type: 'notice', level: 'error', text: 'That candidate is no longer available; generate again.' });
  return undefined;
}

/** The workspace-relative target for `asset`: the form's path, else the naming pattern's. */
function relativeTarget(ctx: ActionContext, target: string, { generation, asset }: Found): string {
  const settings = ctx.services.settings();
  const r = generation.request;
  const rel = target || defaultTargetPath(settings.outputFolder, settings.namingPattern, {
    prompt: r.prompt, kind: r.kind, width: asset.width, height: asset.height, format: asset.format, ...(asset.seed === undefined ? {} : { seed: asset.seed }),
  });
  return formatFromPath(rel) ? rel : `${rel}.${extensionFor(asset.format)}`;
}

/** Resolves and re-checks (the webview already did) that the target stays inside the workspace. */
async function targetUri(ctx: ActionContext, rel: string, asset: EncodedAsset): Promise<vscode.Uri | string> {
  const wanted = formatFromPath(rel);
  if (wanted !== asset.format) return `${rel} is a .${wanted} file but this candidate is ${asset.format}; change the target's extension or generate again with it.`;
  const uri = resolveTarget(rel, ctx.folder());
  if (!uri) return 'Open a folder first; generated images are saved inside the workspace.';
  if (path.isAbsolute(rel) || !(await containingFolder(uri))) return `${rel} is outside the workspace; choose a path inside it.`;
  return uri;
}

/**
 * What History keeps of a run's start image: a file by its URI, with the strength. A candidate has no
 * file to point to, so its run is kept as the text-to-image settings it had (strength and alpha dropped).
 */
function historyStart(ctx: ActionContext, request: PanelRequest): Partial<HistoryEntry> {
  const { startImage, strength, keepAlpha } = request;
  const folder = ctx.folder();
  if (!startImage || request.layout !== undefined) return {};
  if (!('path' in startImage) || !folder) return { strength: undefined, keepAlpha: undefined };
  return { startImage: vscode.Uri.joinPath(folder.uri, startImage.path).toString(), ...(strength === undefined ? {} : { strength }), ...(keepAlpha === undefined ? {} : { keepAlpha }) };
}

async function record(ctx: ActionContext, written: vscode.Uri, { generation, asset }: Found): Promise<void> {
  const { target: _target, seed: _seed, count: _count, startImage: _start, negativePrompt, ...fields } = generation.request;
  const entry: HistoryEntry = {
    ...fields, ...historyStart(ctx, generation.request), ...(negativePrompt ? { negativePrompt } : {}), time: Date.now(), target: written.toString(),
    width: asset.width, height: asset.height, format: asset.format, ...(asset.seed === undefined ? {} : { seed: asset.seed }),
    modelId: generation.modelId, device: generation.device as HistoryEntry['device'],
  };
  // A key whose value is undefined would still be stored as one in the JSON of workspaceState.
  await ctx.services.history.add(Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== undefined)) as HistoryEntry);
  ctx.post({ type: 'notice', level: 'info', text: `Saved ${vscode.workspace.asRelativePath(written)}` });
  ctx.post({ type: 'history', entries: historyViews(ctx.services) });
}

/** Save: `fullQuality` is "Save (full quality)"; otherwise nanoforge.saveQuality decides the pixels. */
export async function saveCandidate(ctx: ActionContext, ref: CandidateRef, target: string, fullQuality = false): Promise<void> {
  const candidate = await find(ctx, ref);
  if (!candidate) return;
  const asset = await assetToSave(ctx, candidate.generation, ref.index, fullQuality);
  if (!asset) return;
  const found = { ...candidate, asset };
  const uri = await targetUri(ctx, relativeTarget(ctx, target, found), found.asset);
  if (typeof uri === 'string') {
    ctx.services.log.warn(`panel: save refused: ${uri}`);
    ctx.post({ type: 'notice', level: 'error', text: uri });
    return;
  }
  const written = await ctx.services.writer.writeAsset(uri, found.asset.bytes, { overwrite: ctx.services.settings().overwrite });
  if (written) await record(ctx, written, found);
  else ctx.post({ type: 'notice', level: 'info', text: 'Not saved.' });
}

export async function saveCandidateAs(ctx: ActionContext, ref: CandidateRef): Promise<void> {
  const candidate = await find(ctx, ref);
  if (!candidate) return;
  const asset = await assetToSave(ctx, candidate.generation, ref.index, false);
  if (!asset) return;
  const found = { ...candidate, asset };
  const ext = extensionFor(found.asset.format);
  const suggested = resolveTarget(relativeTarget(ctx, '', found), ctx.folder());
  const uri = await vscode.window.showSaveDialog({
    ...(suggested ? { defaultUri: suggested } : {}), filters: { [`${found.asset.format.toUpperCase()} image`]: [ext] }, title: 'Save candidate as',
  });
  if (!uri) return;
  // The dialog already asked about replacing; the path came from the user, not from the webview.
  const written = (await containingFolder(uri))
    ? await ctx.services.writer.writeAsset(uri, found.asset.bytes, { overwrite: 'always' })
    : await vscode.workspace.fs.writeFile(uri, found.asset.bytes).then(() => uri);
  if (written) await record(ctx, written, found);
}

function escapeText(text: string, chars: RegExp): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 120).replace(chars, (c) => `&#${c.charCodeAt(0)};`);
}

export async function copyCandidate(ctx: ActionContext, ref: CandidateRef, as: CopyFormat, target: string): Promise<void> {
  const found = await find(ctx, ref);
  if (!found) return;
  const rel = relativeTarget(ctx, target, found).replace(/\\/g, '/');
  const alt = found.generation.request.prompt;
  const { width, height } = found.asset;
  const text = as === 'dataUri' ? dataUri(found.asset)
    : as === 'markdown' ? `![${escapeText(alt, /[[\]\\]/g)}](${encodeURI(rel)})`
    : `<img src="${escapeText(rel, /["&<>]/g)}" width="${width}" height="${height}" alt="${escapeText(alt, /["&<>]/g)}">`;
  await vscode.env.clipboard.writeText(text);
  const what = as === 'dataUri' ? 'data URI' : as === 'markdown' ? 'Markdown' : '<img> tag';
  ctx.post({ type: 'notice', level: 'info', text: `Copied the ${what}${as === 'dataUri' ? '' : ` for ${rel}`} to the clipboard` });
}

export async function browseTarget(ctx: ActionContext, current: string): Promise<void> {
  const folder = ctx.folder();
  if (!folder) {
    ctx.post({ type: 'notice', level: 'error', text: 'Open a folder first; generated images are saved inside the workspace.' });
    return;
  }
  const settings = ctx.services.settings();
  const uri = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.joinPath(folder.uri, current || `${settings.outputFolder}/image.${extensionFor(settings.format)}`),
    filters: { Images: WRITABLE_EXTENSION_NAMES },
    title: 'Target for generated images', saveLabel: 'Use as target',
  });
  if (!uri) return;
  const inside = await containingFolder(uri);
  if (!inside) {
    ctx.post({ type: 'notice', level: 'error', text: `${uri.fsPath} is outside the workspace; choose a path inside it.` });
    return;
  }
  ctx.post({ type: 'targetChosen', target: path.posix.relative(inside.uri.path, uri.path) });
}

/** History entries as the webview shows them (newest first, a screenful). */
export function historyViews(services: Services, limit = 30): HistoryView[] {
  return services.history.list().slice(0, limit).map((h): HistoryView => {
    const uri = vscode.Uri.parse(h.target);
    const rel = vscode.workspace.asRelativePath(uri, false);
    // The form's request: the entry's request fields; the format follows the target as in any run.
    const { time, target, format: _format, modelId: _modelId, device: _device, seed, negativePrompt, steps, kind, startImage, ...fields } = h;
    const start = startImage === undefined ? undefined : vscode.workspace.asRelativePath(vscode.Uri.parse(startImage), false);
    // A start image outside the workspace (moved folders) cannot be named by the form: the run restores without it.
    const startRef = start !== undefined && !path.isAbsolute(start) ? { startImage: { path: start } } : {};
    const { strength, keepAlpha, ...rest } = fields;
    const i2i = startImage === undefined || 'startImage' in startRef ? { ...(strength === undefined ? {} : { strength }), ...(keepAlpha === undefined ? {} : { keepAlpha }) } : {};
    return {
      id: `${time}-${target}`, at: time, seeds: seed === undefined ? [] : [seed], savedTo: rel,
      request: { ...rest, ...i2i, ...startRef, kind: kind ?? 'illustration', negativePrompt: negativePrompt ?? '', count: 1, steps: steps ?? 4, seed: seed ?? null, target: path.isAbsolute(rel) ? '' : rel },
    };
  });
}
