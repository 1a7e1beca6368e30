// The file an asset reference under the cursor points at (or should be created at), for Generate for
// Reference and the `nanoforge.onAssetReference` context key. Recognition is the references layer's.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { referenceAt } from './references/recognizers';
import type { AssetMatch } from './references/types';

export interface ReferenceTarget {
  match: AssetMatch;
  /** Zero-based line of the reference. */
  line: number;
  target: vscode.Uri;
  exists: boolean;
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch (err) {
    if (err instanceof vscode.FileSystemError) return false;
    throw err;
  }
}

/** `./a.png?v=2#x` → `./a.png`; URLs and data URIs are not workspace files. */
function localPart(reference: string): string | undefined {
  if (/^(?:[a-z][a-z0-9+.-]*:|\/\/)/i.test(reference) && !/^[a-z]:[\\/]/i.test(reference)) return undefined;
  return reference.replace(/[?#].*$/, '');
}

/** Site-root paths (`/logo.png`) are served from these folders by the common web tool chains. */
const WEB_ROOTS = ['public', 'static', ''];

async function candidatesFor(reference: string, document: vscode.Uri, folder: vscode.WorkspaceFolder): Promise<vscode.Uri[]> {
  if (reference.startsWith('/')) return WEB_ROOTS.map((root) => vscode.Uri.joinPath(folder.uri, root, reference));
  const alias = /^[@~]\//.exec(reference);
  if (alias) return [vscode.Uri.joinPath(folder.uri, 'src', reference.slice(2))];
  return [vscode.Uri.joinPath(document, '..', reference)];
}

/** Resolves `match` in `document`: the existing file, else the best place to create it. */
export async function resolveMatch(document: vscode.TextDocument, match: AssetMatch, line: number): Promise<ReferenceTarget | undefined> {
  const reference = localPart(match.path);
  const folder = vscode.workspace.getWorkspaceFolder(document.uri) ?? vscode.workspace.workspaceFolders?.[0];
  if (!reference || !folder) return undefined;
  const candidates = await candidatesFor(reference, document.uri, folder);
  for (const candidate of candidates) {
    if (await exists(candidate)) return { match, line, target: candidate, exists: true };
  }
  // For a missing site-root file prefer an existing web root folder, else the workspace root.
  for (const candidate of candidates) {
    if (await exists(vscode.Uri.joinPath(candidate, '..'))) return { match, line, target: candidate, exists: false };
  }
  const fallback = candidates[candidates.length - 1];
  return fallback && { match, line, target: fallback, exists: false };
}

/** The reference at `position`, resolved; undefined when the cursor is on none. */
export async function referenceTargetAt(document: vscode.TextDocument, position: vscode.Position): Promise<ReferenceTarget | undefined> {
  const match = referenceAt(document.lineAt(position.line).text, document.languageId, position.character);
  return match && resolveMatch(document, match, position.line);
}

/** Used by `path.posix` style display. */
export function displayPath(uri: vscode.Uri): string {
  return vscode.workspace.asRelativePath(uri) || path.posix.basename(uri.path);
}
