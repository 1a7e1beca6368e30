// Editor context menu "Generate Variations…" and the hover's "Variations" link on an existing image
// reference: the generator panel opens with that image as its start image (strength slider at
// VARIATION_STRENGTH), its size, the prompt and kind stored in it (else inferred from the code around
// the reference), and a target beside it: name-v1.png, or the first name-vN free.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { VARIATION_STRENGTH } from '../../inference/request';
import { COMMANDS } from '../command-ids';
import { exists } from '../assets';
import { formatFromPath } from '../naming';
import { GeneratorPanel } from '../panel/generator-panel';
import type { Services } from '../services';
import { loadStartImageFile, StartImageRefused } from '../start-image';
import { defaultsFor, findReference, type ReferenceArgs } from './generate-for-reference';

const MAX_VARIATION_NUMBER = 999;

/** `name-vK.ext` beside `source` for the first K without a file; a format Nanoforge cannot write becomes .png. */
export async function variationTarget(source: vscode.Uri): Promise<vscode.Uri> {
  const ext = path.posix.extname(source.path);
  const stem = source.path.slice(0, source.path.length - ext.length);
  const own = formatFromPath(source.path) ? ext : '.png';
  for (let k = 1; k < MAX_VARIATION_NUMBER; k++) {
    const candidate = source.with({ path: `${stem}-v${k}${own}` });
    if (!(await exists(candidate))) return candidate;
  }
  return source.with({ path: `${stem}-v${MAX_VARIATION_NUMBER}${own}` });
}

async function generateVariations(services: Services, args?: ReferenceArgs): Promise<void> {
  const { ref, document } = await findReference(args);
  if (!ref || !document) {
    void vscode.window.showInformationMessage('Nanoforge: put the cursor on the path of an existing image (e.g. "./logo.png") to generate variations of it.');
    return;
  }
  if (ref.refused) {
    void vscode.window.showErrorMessage(`Nanoforge: ${ref.refused}`);
    return;
  }
  const name = vscode.workspace.asRelativePath(ref.target);
  if (!ref.exists) {
    void vscode.window.showInformationMessage(`Nanoforge: ${name} does not exist yet, so there is nothing to vary; generate it first (Generate Image for This Reference).`);
    return;
  }
  if (!(await services.trust.allowGeneration(args ? 'indirect' : 'command'))) return;
  let bytes: Uint8Array;
  let size: { width: number; height: number };
  try {
    const loaded = await loadStartImageFile(ref.target);
    bytes = loaded.bytes;
    size = { width: loaded.view.width, height: loaded.view.height };
  } catch (error) {
    if (!(error instanceof StartImageRefused)) throw error;
    void vscode.window.showErrorMessage(`Nanoforge: ${error.message}`);
    return;
  }
  const d = defaultsFor(services, document, ref, bytes);
  GeneratorPanel.show(services, {
    prompt: d.prompt, kind: d.kind, ...size, target: await variationTarget(ref.target), startImage: ref.target, strength: VARIATION_STRENGTH,
  });
}

export function registerGenerateVariations(services: Services): vscode.Disposable {
  // The context menu passes the document URI as the first argument; only a ReferenceArgs object counts.
  return vscode.commands.registerCommand(COMMANDS.generateVariations, (args?: unknown) =>
    generateVariations(services, args && typeof args === 'object' && 'line' in args ? (args as ReferenceArgs) : undefined));
}
