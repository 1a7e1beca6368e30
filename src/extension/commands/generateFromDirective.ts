// Runs a comment directive (`// @image icon 64x64: a blue cart -> ./assets/cart.png`). The references
// layer parses directives and its CodeLens calls this command with the parsed fields; this file only
// turns them into a generation into the directive's target.
import * as vscode from 'vscode';
import type { AssetKind } from '../../inference/types';
import { generateToFile } from '../generation';
import type { Services } from '../services';
import { ASSET_KINDS } from '../settings';

export const GENERATE_FROM_DIRECTIVE_COMMAND = 'nanoforge.generateFromDirective';

export interface DirectiveArgs {
  prompt: string;
  kind?: AssetKind;
  width?: number;
  height?: number;
  /** Absolute URI, or a path relative to the document (`./a.png`) or to its workspace folder (`/a.png`). */
  target: string | vscode.Uri;
  /** The document containing the directive. */
  documentUri?: string | vscode.Uri;
  seed?: number;
}

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

async function generateFromDirective(services: Services, args: unknown): Promise<vscode.Uri | undefined> {
  if (!validArgs(args)) {
    void vscode.window.showInformationMessage(
      `Nanoforge: write a directive such as "// ${services.settings().directiveTag} icon 64x64: a blue cart -> ./cart.png" and use its "Generate" CodeLens.`,
    );
    return undefined;
  }
  // A CodeLens click is a user action, but the directive's text came from the repository: ask first in
  // Restricted Mode.
  if (!(await services.trust.allowGeneration('indirect'))) return undefined;
  const target = directiveTarget(args);
  if (!target) {
    void vscode.window.showErrorMessage('Nanoforge: open a folder first; directive targets are saved inside the workspace.');
    return undefined;
  }
  const kind: AssetKind = args.kind && ASSET_KINDS.includes(args.kind) ? args.kind : 'icon';
  const preset = services.settings().defaultSizes[kind];
  const width = args.width ?? preset.width;
  const height = args.height ?? args.width ?? preset.height;
  return generateToFile(services, { prompt: args.prompt.trim(), kind, width, height, target, seed: args.seed });
}

export function registerGenerateFromDirective(services: Services): vscode.Disposable {
  return vscode.commands.registerCommand(GENERATE_FROM_DIRECTIVE_COMMAND, (args?: unknown) => generateFromDirective(services, args));
}
