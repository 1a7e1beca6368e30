// Editor context menu "Generate Image for This Reference" (cursor on an asset reference) and
// "Regenerate / Create Variation" (the file exists): generates into exactly the referenced path; an
// existing file is kept unless the user confirms Overwrite (else it becomes "name-1.png").
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AssetKind } from '../../inference/types';
import { readMetadata } from '../../inference/image/metadata';
import { generateToFile } from '../generation';
import { GeneratorPanel } from '../panel';
import { referenceTargetAt, type ReferenceTarget } from '../reference-target';
import type { AssetAttributes } from '../references/types';
import type { Services } from '../services';
import { parseSize, type Size } from '../settings';
import { askPrompt } from './inputs';

export const GENERATE_FOR_REFERENCE_COMMAND = 'nanoforge.generateForReference';
export const REGENERATE_REFERENCE_COMMAND = 'nanoforge.regenerateReference';

/** From hovers, quick fixes and tests: the reference position, and optionally the prompt to use. */
export interface ReferenceArgs {
  uri: string | vscode.Uri;
  line: number;
  character: number;
  prompt?: string;
  mode?: 'panel' | 'quick';
}

interface Defaults {
  prompt: string;
  kind: AssetKind;
  size: Size;
}

/** `icons/shopping-cart-64x64.png` → "shopping cart"; a size in the name or attributes wins. */
function inferDefaults(services: Services, target: vscode.Uri, attributes: AssetAttributes | undefined, existing?: Uint8Array): Defaults {
  const meta = existing ? readMetadata(existing) : undefined;
  const stem = path.posix.basename(target.path).replace(/\.[^.]+$/, '');
  const sizeInName = /(\d{1,4})x(\d{1,4})/i.exec(stem);
  const words = stem.replace(/[-_.]?\d{1,4}x\d{1,4}/i, '').replace(/[-_.@]+/g, ' ').trim();
  const looksLikeIcon = /\b(icon|logo|favicon|avatar|badge)\b/i.test(`${words} ${target.path}`);
  const kind: AssetKind = meta?.kind ?? (looksLikeIcon ? 'icon' : 'illustration');
  const fromAttributes = attributes?.width ? parseSize(`${attributes.width}x${attributes.height ?? attributes.width}`) : undefined;
  const fromName = sizeInName ? parseSize(`${sizeInName[1]}x${sizeInName[2]}`) : undefined;
  const fromMeta = meta?.width && meta.height ? { width: meta.width, height: meta.height } : undefined;
  const size = fromMeta ?? fromAttributes ?? fromName ?? services.settings().defaultSizes[kind];
  return { prompt: meta?.prompt ?? attributes?.alt ?? (words || 'image'), kind, size };
}

async function findReference(args: ReferenceArgs | undefined): Promise<{ ref?: ReferenceTarget; document?: vscode.TextDocument }> {
  if (args && typeof args.line === 'number') {
    const uri = typeof args.uri === 'string' ? vscode.Uri.parse(args.uri) : args.uri;
    const document = await vscode.workspace.openTextDocument(uri);
    return { document, ref: await referenceTargetAt(document, new vscode.Position(args.line, args.character)) };
  }
  const editor = vscode.window.activeTextEditor;
  if (!editor) return {};
  return { document: editor.document, ref: await referenceTargetAt(editor.document, editor.selection.active) };
}

async function generateForReference(services: Services, args?: ReferenceArgs): Promise<vscode.Uri | undefined> {
  const { ref } = await findReference(args);
  if (!ref) {
    void vscode.window.showInformationMessage('Nanoforge: put the cursor on an image path (e.g. "./logo.png") to generate it.');
    return undefined;
  }
  if (!(await services.trust.allowGeneration(args ? 'indirect' : 'command'))) return undefined;
  const existing = ref.exists ? await vscode.workspace.fs.readFile(ref.target) : undefined;
  const d = inferDefaults(services, ref.target, ref.match.attributes, existing);
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
    vscode.commands.registerCommand(GENERATE_FOR_REFERENCE_COMMAND, handler),
    vscode.commands.registerCommand(REGENERATE_REFERENCE_COMMAND, handler),
  );
}
