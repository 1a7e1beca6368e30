// Runs a comment directive (`// @image icon 64x64: a blue cart -> ./assets/cart.png`, or a mockup from
// a wireframe: `// @image mockup 1280x800 [layout: header; grid 3x2]: a dashboard`). The references
// layer parses directives and its CodeLens calls this command with the parsed fields; from the palette
// the directive on the cursor's line is used. This file only turns them into a generation.
import * as vscode from 'vscode';
import { ASSET_KINDS, type AssetKind } from '../../inference/tables';
import { generateToFile } from '../generation';
import { directiveCommandArgs, directivesIn, resolveDirectiveTarget } from '../reference-lookup';
import { COMMANDS, type DirectiveCommandArgs } from '../command-ids';
import type { Services } from '../services';

/** What the CodeLens sends, and what tests and other callers may send instead (URIs, relative targets, no line). */
export type DirectiveArgs = Omit<DirectiveCommandArgs, 'target' | 'documentUri' | 'line'> & {
  /** Absolute URI, or a path relative to the document (`./a.png`) or to its workspace folder (`/a.png`). */
  target: string | vscode.Uri;
  documentUri?: string | vscode.Uri;
  line?: number;
};

function toUri(value: string | vscode.Uri): vscode.Uri {
  return typeof value === 'string' ? vscode.Uri.parse(value) : value;
}

function directiveTarget(args: DirectiveArgs): vscode.Uri | undefined {
  if (typeof args.target !== 'string') return args.target;
  if (/^[a-z][a-z0-9+.-]+:\/\//i.test(args.target)) return vscode.Uri.parse(args.target);
  const doc = args.documentUri ? toUri(args.documentUri) : vscode.window.activeTextEditor?.document.uri;
  const folder = (doc && vscode.workspace.getWorkspaceFolder(doc)) ?? vscode.workspace.workspaceFolders?.[0];
  if (args.target.startsWith('/')) return folder && vscode.Uri.joinPath(folder.uri, args.target);
  if (doc) return vscode.Uri.joinPath(doc, '..', args.target);
  return folder && vscode.Uri.joinPath(folder.uri, args.target);
}

function validArgs(value: unknown): value is DirectiveArgs {
  if (!value || typeof value !== 'object') return false;
  const v = value as Partial<DirectiveArgs>;
  return typeof v.prompt === 'string' && v.prompt.trim() !== '' && (typeof v.target === 'string' || v.target instanceof vscode.Uri);
}

/** The directive on the active editor's cursor line, as command arguments; says why when there is none. */
async function directiveAtCursor(services: Services): Promise<DirectiveArgs | undefined> {
  const editor = vscode.window.activeTextEditor;
  const tag = services.settings().directiveTag;
  const d = editor && directivesIn(editor.document, tag, editor.selection.active.line)[0];
  if (!editor || !d) {
    void vscode.window.showInformationMessage(
      `Nanoforge: put the cursor on a directive such as "// ${tag} icon 64x64: a blue cart -> ./cart.png".`,
    );
    return undefined;
  }
  const ref = await resolveDirectiveTarget(editor.document, d);
  const args = await directiveCommandArgs(editor.document, d, ref, services);
  if (!args) void vscode.window.showErrorMessage(`Nanoforge: ${d.error ?? ref?.refused ?? 'this directive has no target to write'}`);
  return args;
}

async function generateFromDirective(services: Services, input: unknown): Promise<vscode.Uri | undefined> {
  const fromPalette = input === undefined || input instanceof vscode.Uri;
  const args = fromPalette ? await directiveAtCursor(services) : input;
  if (!validArgs(args)) {
    if (!fromPalette) services.log.warn(`generateFromDirective: ignored malformed arguments ${JSON.stringify(input)}`);
    return undefined;
  }
  // A CodeLens click is a user action, but the directive's text came from the repository: ask first in
  // Restricted Mode (running it from the palette is explicit).
  if (!(await services.trust.allowGeneration(fromPalette ? 'command' : 'indirect'))) return undefined;
  const target = directiveTarget(args);
  if (!target) {
    void vscode.window.showErrorMessage('Nanoforge: open a folder first; directive targets are saved inside the workspace.');
    return undefined;
  }
  const layout = typeof args.layout === 'string' && args.layout.trim() !== '' ? args.layout : undefined;
  const kind: AssetKind = args.kind && ASSET_KINDS.includes(args.kind) ? args.kind : layout ? 'mockup' : 'icon';
  const preset = services.settings().defaultSizes[kind];
  const width = args.width ?? preset.width;
  const height = args.height ?? args.width ?? preset.height;
  return generateToFile(services, { prompt: args.prompt.trim(), kind, width, height, target, seed: args.seed, ...(layout ? { layout } : {}) });
}

export function registerGenerateFromDirective(services: Services): vscode.Disposable {
  return vscode.commands.registerCommand(COMMANDS.generateFromDirective, (args?: unknown) => generateFromDirective(services, args));
}
