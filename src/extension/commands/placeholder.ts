// "Nanoforge: Insert Placeholder Image": a model-free placeholder (solid colour + "W×H" label) drawn
// by the worker, saved in the workspace, and referenced at the cursor in the active editor.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { defaultTargetPath, formatFromPath } from '../naming';
import type { Services } from '../services';
import { askSize, chooseTarget } from './inputs';
import { errorMessage } from '../../inference/errors';
import { COMMANDS } from '../command-ids';


export interface PlaceholderArgs {
  width?: number;
  height?: number;
  label?: string;
  target?: string | vscode.Uri;
  /** Insert a reference at the cursor (default true). */
  insert?: boolean;
}

/** A reference in the editor's language: `![alt](p)`, `<img src>`, `url(p)`, else a quoted path. */
export function referenceSnippet(languageId: string, relPath: string, alt: string, width: number, height: number): string {
  switch (languageId) {
    case 'markdown': return `![${alt}](${relPath})`;
    case 'html': case 'vue': case 'svelte': case 'javascriptreact': case 'typescriptreact': case 'php':
      return `<img src="${relPath}" width="${width}" height="${height}" alt="${alt}">`;
    case 'css': case 'scss': case 'less': return `url("${relPath}")`;
    default: return `"${relPath}"`;
  }
}

async function insertReference(editor: vscode.TextEditor, written: vscode.Uri, width: number, height: number): Promise<void> {
  let rel = path.posix.relative(path.posix.dirname(editor.document.uri.path), written.path);
  if (!rel.startsWith('.')) rel = `./${rel}`;
  const snippet = referenceSnippet(editor.document.languageId, rel, `placeholder ${width}×${height}`, width, height);
  await editor.edit((edit) => edit.replace(editor.selection, snippet));
}

async function insertPlaceholder(services: Services, args: PlaceholderArgs = {}): Promise<vscode.Uri | undefined> {
  const settings = services.settings();
  const size = args.width ? { width: args.width, height: args.height ?? args.width } : await askSize(settings.defaultSizes.placeholder);
  if (!size) return undefined;
  const suggested = defaultTargetPath(settings.outputFolder, 'placeholder-{size}', { prompt: 'placeholder', kind: 'placeholder', ...size, format: settings.format });
  const target = await chooseTarget(args.target, suggested, 'placeholders');
  if (!target) return undefined;
  const editor = vscode.window.activeTextEditor;
  let asset;
  try {
    asset = await services.worker().placeholder({ ...size, format: formatFromPath(target.path) ?? settings.format, label: args.label });
  } catch (err) {
    services.log.error(`placeholder failed: ${String(err)}`);
    void vscode.window.showErrorMessage(`Nanoforge could not draw the placeholder: ${errorMessage(err)}`);
    return undefined;
  }
  const written = await services.writer.writeAsset(target, asset.bytes, { overwrite: settings.overwrite });
  if (written && editor && args.insert !== false && !editor.document.isClosed) await insertReference(editor, written, size.width, size.height);
  return written;
}

export function registerInsertPlaceholder(services: Services): vscode.Disposable {
  return vscode.commands.registerCommand(COMMANDS.insertPlaceholder, (args?: PlaceholderArgs) =>
    insertPlaceholder(services, args && typeof args === 'object' && !(args instanceof vscode.Uri) ? args : {}),
  );
}
