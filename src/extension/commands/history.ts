// "Nanoforge: History": a quick pick of saved generations (newest first); pick one to open it, re-run
// it with the same settings and seed, or vary it with a new seed. "Clear History" forgets them.
import * as vscode from 'vscode';
import { generateToFile } from '../generation';
import type { HistoryEntry } from '../history';
import { COMMANDS } from '../command-ids';
import type { Services } from '../services';

type Action = 'open' | 'rerun' | 'vary';

function describe(entry: HistoryEntry): vscode.QuickPickItem & { entry: HistoryEntry } {
  const target = vscode.Uri.parse(entry.target);
  const when = new Date(entry.time).toLocaleString();
  return {
    label: entry.prompt,
    description: vscode.workspace.asRelativePath(target),
    detail: `${entry.kind} ${entry.width}×${entry.height} · seed ${entry.seed ?? '?'}${startedFrom(entry)} · ${entry.modelId ?? '?'} on ${entry.device ?? '?'} · ${when}`,
    entry,
  };
}

/** " · from logo.png at strength 0.5" for image-to-image entries. */
function startedFrom(entry: HistoryEntry): string {
  if (entry.layout !== undefined) return ` · layout "${entry.layout}"`;
  if (entry.startImage === undefined) return '';
  const strength = entry.strength === undefined ? '' : ` at strength ${entry.strength}`;
  return ` · from ${vscode.workspace.asRelativePath(vscode.Uri.parse(entry.startImage))}${strength}`;
}

async function chooseAction(entry: HistoryEntry): Promise<Action | undefined> {
  const items: (vscode.QuickPickItem & { action: Action })[] = [
    { label: '$(go-to-file) Open', action: 'open' },
    { label: '$(refresh) Re-run', description: `same settings, seed ${entry.seed ?? 'random'}`, action: 'rerun' },
    { label: '$(sparkle) Create Variation', description: 'same settings, new seed', action: 'vary' },
  ];
  return (await vscode.window.showQuickPick(items, { title: entry.prompt }))?.action;
}

/** Re-runs an entry into its original file (the overwrite policy still applies). */
export function rerun(services: Services, entry: HistoryEntry, newSeed: boolean): Promise<vscode.Uri | undefined> {
  const { time: _time, target, format: _format, modelId: _modelId, device: _device, startImage, ...request } = entry;
  return generateToFile(services, {
    ...request, target: vscode.Uri.parse(target), seed: newSeed ? undefined : entry.seed, ...(startImage ? { startImage: vscode.Uri.parse(startImage) } : {}),
  });
}

async function showHistory(services: Services): Promise<void> {
  const entries = services.history.list();
  if (entries.length === 0) {
    void vscode.window.showInformationMessage('Nanoforge: no saved generations in this workspace yet.');
    return;
  }
  const picked = await vscode.window.showQuickPick(entries.map(describe), {
    title: 'Nanoforge: History', placeHolder: 'Pick a saved generation', matchOnDescription: true, matchOnDetail: true,
  });
  if (!picked) return;
  const action = await chooseAction(picked.entry);
  if (action === 'open') await vscode.commands.executeCommand('vscode.open', vscode.Uri.parse(picked.entry.target));
  else if (action) await rerun(services, picked.entry, action === 'vary');
}

export function registerHistory(services: Services): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand(COMMANDS.showHistory, () => showHistory(services)),
    vscode.commands.registerCommand(COMMANDS.clearHistory, () => services.history.clear()),
  );
}
