// Editor context menu "Generate Image for This Reference" (cursor on an asset reference) and
// "Regenerate / Create Variation" (the file exists): generates into exactly the referenced path; an
// existing file is kept unless the user confirms Overwrite (else it becomes "name-1.png").
import * as vscode from 'vscode';
import type { AssetKind } from '../../inference/types';
import { METADATA_SCAN_BYTES, readMetadata } from '../../inference/image/metadata';
import { generateToFile } from '../generation';
import { unwritableReason } from '../naming';
import { GeneratorPanel } from '../panel/generator-panel';
import { lookupReferenceAt, type ResolvedReference } from '../reference-lookup';
import { inferDefaults } from '../references/infer';
import { readImageInfo } from '../references/image-header';
import { COMMANDS, type ReferenceCommandArgs } from '../command-ids';
import type { Services } from '../services';
import type { Size } from '../settings';
import { askPrompt } from './inputs';

const MAX_LINES = 20_000;

/** From hovers, quick fixes and tests: the reference position, and optionally the prompt to use (a Uri is fine too). */
export type ReferenceArgs = Omit<ReferenceCommandArgs, 'uri'> & { uri: string | vscode.Uri };

export interface Defaults {
  prompt: string;
  kind: AssetKind;
  size: Size;
}

/**
 * An existing file keeps its size, prompt and kind (from its pixels and Nanoforge metadata); otherwise
 * the references layer infers them from alt text, comments, nearby sizes and the file name.
 */
export function defaultsFor(services: Services, document: vscode.TextDocument, ref: ResolvedReference, existing?: Uint8Array): Defaults {
  const meta = existing ? readMetadata(existing) : undefined;
  const info = existing ? readImageInfo(existing) : undefined;
  const lines = Array.from({ length: Math.min(document.lineCount, MAX_LINES) }, (_, i) => document.lineAt(i).text);
  const line = Math.min(ref.line, lines.length - 1);
  const inferred = inferDefaults(lines, line, ref.match);
  const kind = meta?.kind ?? inferred.kind;
  const size = (info && { width: info.width, height: info.height }) ?? inferred.size ?? services.settings().defaultSizes[kind];
  return { prompt: meta?.prompt ?? inferred.prompt.prompt, kind, size: { width: size.width, height: size.height } };
}

/** The reference the arguments point at (hover links, quick fixes), else the one under the cursor. */
export async function findReference(args: ReferenceArgs | undefined): Promise<{ ref?: ResolvedReference; document?: vscode.TextDocument }> {
  if (args && typeof args.line === 'number') {
    const uri = typeof args.uri === 'string' ? vscode.Uri.parse(args.uri) : args.uri;
    const document = await vscode.workspace.openTextDocument(uri);
    return { document, ref: await lookupReferenceAt(document, new vscode.Position(args.line, args.character)) };
  }
  const editor = vscode.window.activeTextEditor;
  if (!editor) return {};
  return { document: editor.document, ref: await lookupReferenceAt(editor.document, editor.selection.active) };
}

async function generateForReference(services: Services, args?: ReferenceArgs): Promise<vscode.Uri | undefined> {
  const { ref, document } = await findReference(args);
  if (!ref || !document) {
    void vscode.window.showInformationMessage('Nanoforge: put the cursor on an image path (e.g. "./logo.png") to generate it.');
    return undefined;
  }
  if (ref.refused) {
    void vscode.window.showErrorMessage(`Nanoforge: ${ref.refused}`);
    return undefined;
  }
  // Before the prompt box: asking for a prompt only to refuse `anim.gif` afterwards wasted the user's typing.
  const unwritable = unwritableReason(ref.target.path);
  if (unwritable) {
    void vscode.window.showErrorMessage(`Nanoforge cannot generate ${vscode.workspace.asRelativePath(ref.target)}: ${unwritable}.`);
    return undefined;
  }
  if (!(await services.trust.allowGeneration(args ? 'indirect' : 'command'))) return undefined;
  // A multi-gigabyte file at the path is not read into the extension host: its defaults then come from the code.
  const existing = ref.exists && (await vscode.workspace.fs.stat(ref.target)).size <= METADATA_SCAN_BYTES ? await vscode.workspace.fs.readFile(ref.target) : undefined;
  const d = defaultsFor(services, document, ref, existing);
  const prompt = args?.prompt ?? (await askPrompt(services.history.recentPrompts(), d.prompt));
  if (!prompt) return undefined;
  const spec = { prompt, kind: d.kind, width: d.size.width, height: d.size.height, target: ref.target };
  const mode = args?.mode ?? (services.settings().usePanel ? 'panel' : 'quick');
  if (mode === 'panel') {
    GeneratorPanel.show(services, spec);
    return undefined;
  }
  const verb = ref.exists ? 'regenerating' : 'generating';
  return generateToFile(services, spec, { title: `Nanoforge: ${verb} ${vscode.workspace.asRelativePath(ref.target)}` });
}

export function registerGenerateForReference(services: Services): vscode.Disposable {
  // The context menu passes the document URI as the first argument; only a ReferenceArgs object counts.
  const handler = (args?: unknown) =>
    generateForReference(services, args && typeof args === 'object' && 'line' in args ? (args as ReferenceArgs) : undefined);
  return vscode.Disposable.from(
    vscode.commands.registerCommand(COMMANDS.generateForReference, handler),
    vscode.commands.registerCommand(COMMANDS.regenerateReference, handler),
  );
}
