// "Download Model", "Select Model" and "Manage Models": VS Code glue over the model store in
// src/inference/models (pure Node networking and files, no native code, so it runs in the host).
// A downloaded pipeline is then prepared for this machine by the image worker (a low-priority child
// process of it), with a status-bar progress, so its first generation opens cached optimized graphs.
// The hub token lives in SecretStorage only; the proxy comes from `http.proxy` (else HTTPS_PROXY);
// the endpoint from `nanoforge.hub.endpoint` when the user set it, else HF_ENDPOINT.
import * as vscode from 'vscode';
import { findCatalogEntry, loadCatalog, resolvePullSource, type CatalogEntry, type PullSource } from '../../inference/models/catalog';
import { DiskSpaceError, formatBytes, formatDuration } from '../../inference/models/disk';
import { validateModelFolder } from '../../inference/models/folder';
import { tinyDecoderOffer } from '../../inference/models/tiny-decoder';
import type { PullProgress } from '../../inference/models/download';
import { HubAuthError, HubUnreachableError, type HubOptions } from '../../inference/models/hub';
import { ModelStore, type InstalledModel, type PullResult } from '../../inference/models/store';
import { modelsRoot } from '../models-resolve';
import { COMMANDS } from '../command-ids';
import { withCancellableProgress } from '../progress';
import type { Services } from '../services';
import { AbortError, errorMessage } from '../../inference/errors';
import type { PreparedModel } from '../../inference/prepare-model';

const TOKEN_KEY = 'nanoforge.hub.token';

export function modelStore(services: Services): ModelStore {
  const root = modelsRoot(services.settings(), vscode.Uri.joinPath(services.context.globalStorageUri, 'models'));
  return new ModelStore(root.fsPath);
}

async function hubOptions(services: Services): Promise<HubOptions> {
  const endpoint = vscode.workspace.getConfiguration('nanoforge').inspect<string>('hub.endpoint');
  const http = vscode.workspace.getConfiguration('http');
  // Only an endpoint the user chose beats HF_ENDPOINT (the setting's default does not); workspace
  // values count only in a trusted workspace (hub.endpoint is a restricted setting).
  const workspaceValue = vscode.workspace.isTrusted ? endpoint?.workspaceFolderValue ?? endpoint?.workspaceValue : undefined;
  const noProxy = [process.env.NO_PROXY ?? process.env.no_proxy, ...http.get<string[]>('noProxy', [])].filter(Boolean).join(',');
  return {
    endpoint: workspaceValue ?? endpoint?.globalValue ?? undefined,
    token: await services.context.secrets.get(TOKEN_KEY),
    proxy: http.get<string>('proxy') || undefined,
    strictSSL: http.get<boolean>('proxyStrictSSL', true),
    env: { ...process.env, NO_PROXY: noProxy },
  };
}

/** What a Select Model quick pick shows: installed models first, then the ways to get one. */
export interface ModelChoice extends vscode.QuickPickItem {
  action: 'use' | 'folder' | 'download';
  model?: InstalledModel;
}

export async function modelChoices(services: Services): Promise<ModelChoice[]> {
  const current = services.settings().model;
  const installed = (await modelStore(services).list()).filter((m) => m.kind === 'pipeline');
  const items: ModelChoice[] = installed.map((m) => ({
    action: 'use',
    model: m,
    label: `${m.id === current || m.dir === current ? '$(check) ' : ''}${m.id}`,
    description: `${m.origin === 'local' ? 'local folder' : findCatalogEntry(m.id)?.name ?? m.repo ?? 'downloaded'} · ${formatBytes(m.sizeBytes)}`,
    detail: m.present ? m.dir : `${m.dir} (missing)`,
  }));
  items.push({ action: 'folder', label: '$(folder-opened) Use a Model Folder…', description: 'a diffusers ONNX export you already have' });
  items.push({ action: 'download', label: '$(cloud-download) Download a Model…', description: 'from the Hugging Face Hub' });
  return items;
}

async function useModel(model: InstalledModel): Promise<void> {
  // Downloaded models are named by id (resolved under the models folder); local ones by path.
  const value = model.origin === 'downloaded' ? model.id : model.dir;
  await vscode.workspace.getConfiguration('nanoforge').update('model', value, vscode.ConfigurationTarget.Global);
}

async function addFolder(services: Services): Promise<InstalledModel | undefined> {
  const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Use This Model Folder', title: 'Folder with model_index.json, unet/, vae_decoder/, text_encoder/, tokenizer/, scheduler/' });
  const folder = picked?.[0];
  if (!folder) return undefined;
  try {
    const added = await modelStore(services).add(folder.fsPath);
    await useModel(added);
    void vscode.window.showInformationMessage(`Nanoforge now uses ${added.id} (${formatBytes(added.sizeBytes)}).`);
    return added;
  } catch (error) {
    void vscode.window.showErrorMessage(`Nanoforge cannot use that folder: ${errorMessage(error)}`);
    return undefined;
  }
}

async function selectModel(services: Services, id?: string): Promise<InstalledModel | undefined> {
  const choices = await modelChoices(services);
  const choice = id !== undefined ? choices.find((c) => c.model?.id === id) : await vscode.window.showQuickPick(choices, { title: 'Nanoforge: Select Model', placeHolder: 'Model to generate with' });
  if (!choice) {
    if (id !== undefined) void vscode.window.showErrorMessage(`Nanoforge: no installed model "${id}".`);
    return undefined;
  }
  if (choice.action === 'folder') return addFolder(services);
  if (choice.action === 'download') return (await downloadModel(services))?.model;
  if (!choice.model) return undefined;
  await useModel(choice.model);
  return choice.model;
}

function catalogItem(entry: CatalogEntry, installed: Set<string>): vscode.QuickPickItem & { entry?: CatalogEntry } {
  const licence = entry.license.commercialUse === false ? `${entry.license.name} (non-commercial)` : entry.license.name;
  return {
    entry,
    label: `${installed.has(entry.id) ? '$(check) ' : ''}${entry.name}`,
    description: `~${formatBytes(entry.approxDownloadBytes)} · ${entry.precision} · ${entry.devices.join(', ')}`,
    detail: `${entry.repo} · ${licence}`,
  };
}

async function pickSource(services: Services): Promise<PullSource | undefined> {
  const installed = new Set((await modelStore(services).list()).map((m) => m.id));
  const items = loadCatalog().models.filter((m) => m.kind === 'pipeline').map((m) => catalogItem(m, installed));
  const other = { label: '$(repo) Another Hugging Face repository…', description: 'owner/name[@revision], diffusers ONNX layout' };
  const picked = await vscode.window.showQuickPick([...items, other], { title: 'Nanoforge: Download Model', placeHolder: 'Download size, precision and suited devices are shown for each model' });
  if (!picked) return undefined;
  if ('entry' in picked && picked.entry) return resolvePullSource(picked.entry.id);
  const repo = await vscode.window.showInputBox({ title: 'Hugging Face repository', prompt: 'owner/name or owner/name@revision', validateInput: (v) => (/^[\w.-]+\/[\w.-]+(@\S+)?$/.test(v.trim()) ? undefined : 'Use owner/name or owner/name@revision') });
  return repo ? resolvePullSource(repo.trim()) : undefined;
}

/** Shows a non-commercial (or unchecked) licence before anything is downloaded. */
async function acceptLicense(entry: CatalogEntry | undefined): Promise<boolean> {
  if (!entry || entry.license.commercialUse === true) return true;
  const accept = 'Accept and Download';
  const read = 'Read the Licence';
  for (;;) {
    const choice = await vscode.window.showWarningMessage(
      `${entry.name} is licensed under the ${entry.license.name}.`,
      { modal: true, detail: `${entry.license.summary}\n\nDownload: about ${formatBytes(entry.approxDownloadBytes)}.` },
      accept,
      read,
    );
    if (choice !== read) return choice === accept;
    await vscode.env.openExternal(vscode.Uri.parse(entry.license.url));
  }
}

function progressMessage(p: PullProgress): string {
  const rate = p.bytesPerSecond > 0 ? ` · ${formatBytes(p.bytesPerSecond)}/s` : '';
  const eta = p.etaSeconds !== undefined ? ` · ${formatDuration(p.etaSeconds)} left` : '';
  return `${formatBytes(p.doneBytes)} of ${formatBytes(p.totalBytes)}${rate}${eta} · ${p.file}`;
}

async function runPull(services: Services, source: PullSource, repair: boolean): Promise<PullResult> {
  const store = modelStore(services);
  const hub = await hubOptions(services);
  const title = `${repair ? 'Repairing' : 'Downloading'} ${source.entry?.name ?? source.repo}`;
  return withCancellableProgress(title, async (signal, report) => {
    const opts = {
      hub,
      signal,
      log: (line: string) => services.log.info(`[models] ${line}`),
      onProgress: (p: PullProgress) => report(p.totalBytes > 0 ? p.doneBytes / p.totalBytes : 0, progressMessage(p)),
    };
    return repair ? await store.repair(source.id, opts) : await store.pull(source, opts);
  });
}

/** Reacts to a failed pull in plain words; returns true when the pull should be tried again. */
async function explainFailure(services: Services, error: unknown): Promise<boolean> {
  services.log.error(`[models] ${errorMessage(error)}`);
  if (error instanceof AbortError) {
    void vscode.window.showInformationMessage('Nanoforge: download paused. Run "Download Model" again to resume where it stopped.');
  } else if (error instanceof HubAuthError) {
    return askToken(services, error.message);
  } else if (error instanceof HubUnreachableError) {
    const placeholder = 'Insert Placeholder';
    const choice = await vscode.window.showErrorMessage(`Nanoforge is offline: ${error.message}. Placeholder images work without a model.`, placeholder);
    if (choice === placeholder) await vscode.commands.executeCommand(COMMANDS.insertPlaceholder);
  } else if (error instanceof DiskSpaceError) {
    const folder = 'Choose Models Folder';
    if ((await vscode.window.showErrorMessage(`Nanoforge: ${error.message}`, folder)) === folder) await vscode.commands.executeCommand('workbench.action.openSettings', 'nanoforge.modelsFolder');
  } else {
    void vscode.window.showErrorMessage(`Nanoforge could not download the model: ${errorMessage(error)}`);
  }
  return false;
}

async function askToken(services: Services, why: string): Promise<boolean> {
  const token = await vscode.window.showInputBox({
    title: 'Hugging Face token',
    prompt: `${why}. Paste a read token from huggingface.co/settings/tokens; it is kept in VS Code's secret storage, never in settings.`,
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (/^hf_\w{8,}$/.test(v.trim()) ? undefined : 'Hugging Face tokens start with hf_'),
  });
  if (!token) return false;
  await services.context.secrets.store(TOKEN_KEY, token.trim());
  return true;
}

async function downloadModel(services: Services, spec?: string, opts: { repair?: boolean } = {}): Promise<{ model: InstalledModel; result: PullResult } | undefined> {
  let source: PullSource | undefined;
  try {
    // A repair names an installed id, which need not be a catalog id (e.g. owner--repo).
    source = opts.repair && spec ? { id: spec, repo: spec, revision: '', kind: 'pipeline' } : spec ? resolvePullSource(spec) : await pickSource(services);
  } catch (error) {
    void vscode.window.showErrorMessage(`Nanoforge: ${errorMessage(error)}`);
    return undefined;
  }
  if (!source || (!opts.repair && !(await acceptLicense(source.entry)))) return undefined;
  for (let tries = 0; tries < 2; tries++) {
    try {
      const result = await runPull(services, source, opts.repair === true);
      const model = (await modelStore(services).list()).find((m) => m.id === result.id);
      const pipeline = source.kind === 'pipeline' && result.status === 'downloaded';
      if (model && source.kind === 'pipeline' && result.status !== 'already-installed') void prepareInstalled(services, model);
      if (model) {
        void offerToUse(services, model, result)
          .then(() => (pipeline ? offerTinyDecoder(services, model) : undefined))
          .catch((error: unknown) => services.log.warn(`[models] tiny decoder offer: ${errorMessage(error)}`));
      }
      return model ? { model, result } : undefined;
    } catch (error) {
      if (!(await explainFailure(services, error))) return undefined;
    }
  }
  return undefined;
}

/** Prepares a new or repaired model in the worker's background process; a failure only goes to the log (a load prepares it later). */
async function prepareInstalled(services: Services, model: InstalledModel): Promise<PreparedModel | undefined> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Nanoforge: preparing ${model.id} for this machine` }, async () => {
    try {
      const prepared = await services.worker().prepare(model.dir, services.settings().device, services.storeDir());
      const files = prepared.files.map((f) => `${f.file} ${f.graphCache ?? '?'}`).join(', ');
      services.log.info(`[models] prepared ${model.id} on ${prepared.device} in ${(prepared.ms / 1000).toFixed(1)} s: ${files}`);
      return prepared;
    } catch (error) {
      services.log.warn(`[models] could not prepare ${model.id} (${errorMessage(error)}); its first load opens it unprepared and the worker tries again`);
      return undefined;
    }
  });
}

async function offerToUse(services: Services, model: InstalledModel, result: PullResult): Promise<void> {
  const done = result.status === 'repaired' ? `repaired ${result.fetched.length} file(s) of ${model.id}` : result.status === 'already-installed' ? `${model.id} is already installed` : `downloaded ${model.id} (${formatBytes(result.totalBytes)})`;
  if (services.settings().model === model.id) {
    void vscode.window.showInformationMessage(`Nanoforge: ${done}.`);
    return;
  }
  const use = 'Use It';
  if ((await vscode.window.showInformationMessage(`Nanoforge: ${done}.`, use)) === use) await useModel(model);
}

/** A pipeline model without a tiny decoder: offer the catalog's one for its latents (taesd), with its size. */
async function offerTinyDecoder(services: Services, model: InstalledModel): Promise<void> {
  const offer = await tinyDecoderOffer(await validateModelFolder(model.dir), modelStore(services).root);
  if (!offer) return;
  const download = `Download ${offer.id} (~${formatBytes(offer.approxDownloadBytes)})`;
  const message = `Nanoforge: ${model.id} has no tiny decoder. ${offer.name} shows real previews while generating and, on the CPU, decodes a 512×512 image about 15× faster.`;
  if ((await vscode.window.showInformationMessage(message, download)) === download) await downloadModel(services, offer.id);
}

async function manageModel(services: Services, model: InstalledModel): Promise<void> {
  const actions = ['Use for Generation', 'Verify Files', ...(model.origin === 'downloaded' ? ['Repair'] : []), 'Reveal in File Explorer', model.origin === 'downloaded' ? 'Delete' : 'Forget (keep the folder)'];
  const action = await vscode.window.showQuickPick(actions, { title: `${model.id} · ${formatBytes(model.sizeBytes)} · ${model.dir}` });
  if (action === 'Use for Generation') await useModel(model);
  else if (action === 'Reveal in File Explorer') await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(model.dir));
  else if (action === 'Repair') await downloadModel(services, model.id, { repair: true });
  else if (action === 'Verify Files') await verifyModel(services, model);
  else if (action?.startsWith('Delete') || action?.startsWith('Forget')) {
    const confirm = model.origin === 'downloaded' ? 'Delete' : 'Forget';
    const detail = model.origin === 'downloaded' ? `This deletes ${model.dir} (${formatBytes(model.sizeBytes)}).` : `The folder ${model.dir} stays on disk.`;
    if ((await vscode.window.showWarningMessage(`${confirm} ${model.id}?`, { modal: true, detail }, confirm)) !== confirm) return;
    await modelStore(services).remove(model.id);
  }
}

async function verifyModel(services: Services, model: InstalledModel): Promise<void> {
  const report = await withCancellableProgress(`Verifying ${model.id}`, (signal, progress) => {
    let done = 0;
    return modelStore(services).verify(model.id, {
      signal,
      onBytes: (n) => {
        done += n;
        progress(model.sizeBytes > 0 ? done / model.sizeBytes : 0, `${formatBytes(done)} of ${formatBytes(model.sizeBytes)} re-hashed`);
      },
    });
  });
  if (report.ok) {
    void vscode.window.showInformationMessage(report.hasManifest ? `${model.id}: all ${report.checked} files match their SHA-256.` : `${model.id}: the folder layout is valid (a local folder has no hashes to check).`);
    return;
  }
  const names = report.problems.map((p) => `${p.path} (${p.problem})`).join(', ');
  const repair = 'Repair';
  if ((await vscode.window.showErrorMessage(`${model.id}: damaged files: ${names}.`, repair)) === repair) await downloadModel(services, model.id, { repair: true });
}

async function manageModels(services: Services): Promise<void> {
  const installed = await modelStore(services).list();
  const hasToken = (await services.context.secrets.get(TOKEN_KEY)) !== undefined;
  type Item = vscode.QuickPickItem & { run: () => Thenable<unknown> };
  const items: Item[] = installed.map((m) => ({ label: m.id, description: `${m.origin} · ${formatBytes(m.sizeBytes)}${m.present ? '' : ' · missing'}`, detail: m.dir, run: () => manageModel(services, m) }));
  items.push({ label: '$(cloud-download) Download a Model…', run: () => downloadModel(services) });
  items.push({ label: '$(folder-opened) Use a Model Folder…', run: () => addFolder(services) });
  items.push({ label: hasToken ? '$(key) Forget the Hugging Face Token' : '$(key) Set a Hugging Face Token…', run: () => (hasToken ? services.context.secrets.delete(TOKEN_KEY) : askToken(services, 'Gated models need a token')) });
  const picked = await vscode.window.showQuickPick(items, { title: `Nanoforge: Manage Models (${modelStore(services).root})` });
  await picked?.run();
}

export function registerModelCommands(services: Services): vscode.Disposable {
  const guarded = <A extends unknown[]>(name: string, body: (...args: A) => Promise<unknown>) => async (...args: A) => {
    try {
      return await body(...args);
    } catch (error) {
      services.log.error(`[models] ${name}: ${errorMessage(error)}`);
      void vscode.window.showErrorMessage(`Nanoforge: ${errorMessage(error)}`);
      return undefined;
    }
  };
  return vscode.Disposable.from(
    vscode.commands.registerCommand(COMMANDS.downloadModel, guarded('download', (spec?: string) => downloadModel(services, typeof spec === 'string' ? spec : undefined))),
    vscode.commands.registerCommand(COMMANDS.selectModel, guarded('select', (id?: string) => selectModel(services, typeof id === 'string' ? id : undefined))),
    vscode.commands.registerCommand(COMMANDS.manageModels, guarded('manage', () => manageModels(services))),
  );
}
