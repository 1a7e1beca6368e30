// Maintains the context keys behind the editor context menu: `nanoforge.onAssetReference` (the cursor
// is on an asset reference in a format Nanoforge writes) and `nanoforge.referenceExists` (that file exists → "Regenerate").
// Cheap: only the cursor's line is scanned, synchronously so the key is current when a right-click
// opens the menu; the existence check is async, and a key is only set when its value changes.
import * as vscode from 'vscode';
import { referenceAt } from './references/recognizers';
import { unwritableReason } from './naming';
import { resolveInDocument } from './reference-lookup';
import { cleanReference } from './references/resolvers';
import type { Services } from './services';

export const ON_REFERENCE_KEY = 'nanoforge.onAssetReference';
export const REFERENCE_EXISTS_KEY = 'nanoforge.referenceExists';

export function registerReferenceContext(services: Services): vscode.Disposable {
  let generation = 0;
  const current = new Map<string, boolean>();
  const set = (key: string, value: boolean) => {
    if (current.get(key) === value) return;
    current.set(key, value);
    void vscode.commands.executeCommand('setContext', key, value);
  };

  const update = (editor: vscode.TextEditor | undefined) => {
    const mine = ++generation;
    const doc = editor?.document;
    const pos = editor?.selection.active;
    const found = doc && pos ? referenceAt(doc.lineAt(pos.line).text, doc.languageId, pos.character) : undefined;
    // No "Generate Image for This Reference" on a .gif/.bmp: the command could only refuse it.
    const match = found && unwritableReason(cleanReference(found.path)) === undefined ? found : undefined;
    set(ON_REFERENCE_KEY, match !== undefined);
    if (!doc || !pos || !match) return set(REFERENCE_EXISTS_KEY, false);
    resolveInDocument(doc, match, pos.line).then(
      (target) => mine === generation && set(REFERENCE_EXISTS_KEY, target?.exists ?? false),
      (err: unknown) => services.log.error(`reference context: ${String(err)}`),
    );
  };

  update(vscode.window.activeTextEditor);
  return vscode.Disposable.from(
    vscode.window.onDidChangeTextEditorSelection((e) => update(e.textEditor)),
    vscode.window.onDidChangeActiveTextEditor(update),
  );
}
