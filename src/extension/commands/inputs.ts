// The small quick inputs the commands share: prompt (with recent prompts), kind, size, target path.
// Each resolves to undefined when the user presses Escape.
import * as vscode from 'vscode';
import { ASSET_KIND_TABLE, ASSET_KINDS, type AssetKind } from '../../inference/tables';
import { activeFolder, resolveTarget } from '../generation';
import { pathOf } from '../reference-lookup';
import { parseSize, type Size } from '../settings';
import { validateTargetInput, type TargetInputContext } from './target-input';

/** Quick pick over recent prompts that also accepts whatever the user types. */
export function askPrompt(recent: readonly string[], initial = ''): Promise<string | undefined> {
  return new Promise((resolve) => {
    const pick = vscode.window.createQuickPick();
    pick.title = 'Nanoforge: Generate Image';
    pick.placeholder = 'Describe the image (Enter to use the text, or pick a recent prompt)';
    pick.value = initial;
    const recentItems = recent.map((label) => ({ label, description: 'recent' }));
    const refresh = () => {
      const typed = pick.value.trim();
      pick.items = typed && !recent.includes(typed) ? [{ label: typed, description: 'new prompt' }, ...recentItems] : recentItems;
    };
    refresh();
    let result: string | undefined;
    pick.onDidChangeValue(refresh);
    pick.onDidAccept(() => {
      result = (pick.selectedItems[0]?.label ?? pick.value).trim() || undefined;
      pick.hide();
    });
    pick.onDidHide(() => {
      pick.dispose();
      resolve(result);
    });
    pick.show();
  });
}

export async function askKind(initial?: AssetKind): Promise<AssetKind | undefined> {
  const items = ASSET_KINDS.map((kind) => ({ label: kind, description: ASSET_KIND_TABLE[kind].description, picked: kind === initial }));
  const chosen = await vscode.window.showQuickPick(items, { title: 'Nanoforge: kind of image', placeHolder: 'What is it for?' });
  return chosen?.label;
}

export async function askSize(initial: Size): Promise<Size | undefined> {
  const value = await vscode.window.showInputBox({
    title: 'Nanoforge: size',
    prompt: 'Width x height in pixels (e.g. 64x64, or 64 for a square)',
    value: `${initial.width}x${initial.height}`,
    validateInput: (text) => (parseSize(text) ? undefined : 'Use WIDTHxHEIGHT, or one number for a square, with whole numbers from 1 to 4096.'),
  });
  return value === undefined ? undefined : parseSize(value);
}

/** What a typed target is checked against: the folder `resolveTarget` joins it to, and every folder. */
export function targetInputContext(): TargetInputContext {
  const base = activeFolder();
  return { ...(base ? { base: pathOf(base.uri) } : {}), folders: (vscode.workspace.workspaceFolders ?? []).map((f) => pathOf(f.uri)) };
}

export async function askTarget(initial: string): Promise<string | undefined> {
  const context = targetInputContext();
  const value = await vscode.window.showInputBox({
    title: 'Nanoforge: save as',
    prompt: 'Path relative to the workspace folder',
    value: initial,
    valueSelection: [initial.lastIndexOf('/') + 1, initial.lastIndexOf('.') > 0 ? initial.lastIndexOf('.') : initial.length],
    // Said while typing rather than after Enter, where the writer or the panel would refuse it anyway.
    validateInput: (text) => validateTargetInput(text, context),
  });
  return value?.trim() || undefined;
}

/**
 * The file a command writes: the caller's target (History, links, other extensions) or the one the
 * user types, resolved against the workspace and checked like the input box checks typed text.
 * Says why and returns undefined when there is none.
 */
export async function chooseTarget(given: string | vscode.Uri | undefined, suggested: string, what: string): Promise<vscode.Uri | undefined> {
  const targetText = given ?? (await askTarget(suggested));
  if (!targetText) return undefined;
  const target = typeof targetText === 'string' ? resolveTarget(targetText, activeFolder()) : targetText;
  if (!target) {
    void vscode.window.showErrorMessage(`Nanoforge: open a folder first; ${what} are saved inside the workspace.`);
    return undefined;
  }
  const problem = validateTargetInput(pathOf(target), targetInputContext());
  if (problem) {
    void vscode.window.showErrorMessage(`Nanoforge: ${problem}`);
    return undefined;
  }
  return target;
}
