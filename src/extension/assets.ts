// Writes generated assets into the workspace: through vscode.workspace.fs (works in remote workspaces),
// atomically (temp sibling + rename), only inside a workspace folder, never over a file without consent.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { copyName } from './naming';
import { checkRealTarget, isInsideFolder } from './references/safety';
import type { OverwritePolicy } from './settings';
import { errorMessage } from '../inference/errors';

export type OverwriteChoice = 'overwrite' | 'copy' | 'cancel';
/** Asks what to do about an existing file; `copyUri` is the "Save as Copy" name that would be used. */
export type ConfirmOverwrite = (target: vscode.Uri, copyUri: vscode.Uri) => Promise<OverwriteChoice>;

const MAX_COPIES = 999;

/** The modal the user sees; tests replace it through `AssetWriter.confirm`. */
export const askOverwrite: ConfirmOverwrite = async (target, copyUri) => {
  const overwrite = 'Overwrite';
  const copy = `Save as Copy (${path.posix.basename(copyUri.path)})`;
  const answer = await vscode.window.showWarningMessage(
    `${vscode.workspace.asRelativePath(target)} already exists. Replace it with the new image?`,
    { modal: true, detail: 'The existing file is kept unless you choose Overwrite.' },
    // The first item is the dialog's default (Enter): the choice that keeps the existing file.
    copy,
    overwrite,
  );
  return answer === overwrite ? 'overwrite' : answer === copy ? 'copy' : 'cancel';
};

/**
 * The workspace folder that contains `target` after `..` is resolved, or undefined. For local files
 * symlinks are followed too (a link inside the workspace pointing outside is refused).
 */
export async function containingFolder(target: vscode.Uri): Promise<vscode.WorkspaceFolder | undefined> {
  const local = target.scheme === 'file';
  const key = (u: vscode.Uri) => (local ? u.fsPath : u.path);
  const candidates = (vscode.workspace.workspaceFolders ?? []).filter(
    (f) => f.uri.scheme === target.scheme && f.uri.authority === target.authority && isInsideFolder(key(target), key(f.uri)),
  );
  // The innermost folder wins in nested multi-root setups.
  const folder = candidates.sort((a, b) => key(b.uri).length - key(a.uri).length)[0];
  if (!folder || !local) return folder;
  const verdict = await checkRealTarget(target.fsPath, [folder.uri.fsPath], (p) => fs.realpath(p));
  return verdict.ok ? folder : undefined;
}

async function statOrUndefined(uri: vscode.Uri): Promise<vscode.FileStat | undefined> {
  try {
    return await vscode.workspace.fs.stat(uri);
  } catch (err) {
    if (err instanceof vscode.FileSystemError && err.code === 'FileNotFound') return undefined;
    throw err;
  }
}

export async function exists(uri: vscode.Uri): Promise<boolean> {
  return (await statOrUndefined(uri)) !== undefined;
}

async function freeCopyUri(target: vscode.Uri): Promise<vscode.Uri> {
  const dir = vscode.Uri.joinPath(target, '..');
  const name = path.posix.basename(target.path);
  for (let n = 1; n <= MAX_COPIES; n++) {
    const candidate = vscode.Uri.joinPath(dir, copyName(name, n));
    if (!(await exists(candidate))) return candidate;
  }
  throw new Error(`No free copy name next to ${vscode.workspace.asRelativePath(target)} (tried ${MAX_COPIES}).`);
}

async function atomicWrite(target: vscode.Uri, bytes: Uint8Array, overwrite: boolean, log?: vscode.LogOutputChannel): Promise<void> {
  const dir = vscode.Uri.joinPath(target, '..');
  await vscode.workspace.fs.createDirectory(dir);
  const tmp = vscode.Uri.joinPath(dir, `.${path.posix.basename(target.path)}.${randomBytes(4).toString('hex')}.nanoforge-tmp`);
  await vscode.workspace.fs.writeFile(tmp, bytes);
  try {
    await vscode.workspace.fs.rename(tmp, target, { overwrite });
  } catch (err) {
    // Best effort: the rename error is the one to report; a leftover temp file is only logged.
    await vscode.workspace.fs.delete(tmp).then(undefined, (e: unknown) => log?.warn(`could not remove ${tmp.toString()}: ${String(e)}`));
    throw err;
  }
}

export class AssetWriter {
  /** Replaceable by tests to answer the overwrite modal; everything else stays real. */
  confirm: ConfirmOverwrite = askOverwrite;

  constructor(private readonly log?: vscode.LogOutputChannel) {}

  /**
   * Writes `bytes` to `target` and returns where they went (a "-1" copy when the user chose so), or
   * undefined when refused or cancelled. A target outside every workspace folder is refused with a message.
   */
  async writeAsset(target: vscode.Uri, bytes: Uint8Array, opts: { overwrite: OverwritePolicy }): Promise<vscode.Uri | undefined> {
    const clean = target.with({ path: path.posix.normalize(target.path) });
    if (!(await containingFolder(clean))) {
      const shown = clean.scheme === 'file' ? clean.fsPath : clean.toString();
      void vscode.window.showErrorMessage(`Nanoforge writes only inside a workspace folder; refused to write ${shown}.`);
      this.log?.warn(`refused write outside the workspace: ${clean.toString()}`);
      return undefined;
    }
    let destination = clean;
    let overwrite = false;
    const current = await statOrUndefined(clean);
    if (current && (current.type & vscode.FileType.Directory) !== 0) {
      // A rename with overwrite would replace the whole folder; an image never does that.
      void vscode.window.showErrorMessage(`Nanoforge: ${vscode.workspace.asRelativePath(clean)} is a folder; choose a file name.`);
      return undefined;
    }
    if (current) {
      const choice = await this.decide(clean, opts.overwrite);
      if (choice === 'cancel') return undefined;
      if (choice === 'copy') destination = await freeCopyUri(clean);
      overwrite = choice === 'overwrite';
    }
    try {
      await atomicWrite(destination, bytes, overwrite, this.log);
    } catch (err) {
      const reason = errorMessage(err);
      this.log?.error(`write failed: ${destination.toString()}: ${reason}`);
      void vscode.window.showErrorMessage(`Nanoforge could not write ${vscode.workspace.asRelativePath(destination)}: ${reason}`);
      return undefined;
    }
    this.log?.info(`wrote ${bytes.byteLength} bytes to ${destination.toString()}`);
    return destination;
  }

  private async decide(target: vscode.Uri, policy: OverwritePolicy): Promise<OverwriteChoice> {
    switch (policy) {
      case 'always': return 'overwrite';
      case 'never': return 'copy';
      case 'ask': return this.confirm(target, await freeCopyUri(target));
    }
  }
}

/** Contract entry point (contracts.md): uses the real modal for 'ask'. */
export function writeAsset(target: vscode.Uri, bytes: Uint8Array, opts: { overwrite: OverwritePolicy }): Promise<vscode.Uri | undefined> {
  return new AssetWriter().writeAsset(target, bytes, opts);
}
