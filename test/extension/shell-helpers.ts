// Shared by the extension-shell integration suites (commands, assets, trust): the activated services,
// a scratch folder inside the fixture workspace, and PNG header reading.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { NanoforgeExports } from '../../src/extension/extension';
import type { Services } from '../../src/extension/services';

export const EXTENSION_ID = 'nanoforge.nanoforge';

export async function services(): Promise<Services> {
  const extension = vscode.extensions.getExtension<NanoforgeExports>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is not loaded`);
  const api = await extension.activate();
  return api.services;
}

export function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the fixture workspace is open');
  return folder.uri;
}

/** A fresh folder under the workspace for one suite, so suites never see each other's files. */
export async function scratch(name: string): Promise<vscode.Uri> {
  const dir = vscode.Uri.joinPath(workspaceRoot(), 'nanoforge-test', name);
  await vscode.workspace.fs.delete(dir, { recursive: true }).then(undefined, () => undefined /* not there yet */);
  await vscode.workspace.fs.createDirectory(dir);
  return dir;
}

export async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch (err) {
    if (err instanceof vscode.FileSystemError) return false;
    throw err;
  }
}

/** Width and height from a PNG's IHDR chunk; fails unless `bytes` is a PNG. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  assert.deepEqual([...bytes.subarray(0, 8)], signature, 'PNG signature');
  assert.equal(Buffer.from(bytes.subarray(12, 16)).toString('latin1'), 'IHDR');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** Runs `body` with services' test hooks replaced, restoring them afterwards. */
export async function withHooks<T>(
  s: Services,
  hooks: { confirm?: Services['writer']['confirm']; isTrusted?: () => boolean; ask?: () => Promise<boolean> },
  body: () => Thenable<T>,
): Promise<T> {
  const saved = { confirm: s.writer.confirm, isTrusted: s.trust.isTrusted, ask: s.trust.ask };
  if (hooks.confirm) s.writer.confirm = hooks.confirm;
  if (hooks.isTrusted) s.trust.isTrusted = hooks.isTrusted;
  if (hooks.ask) s.trust.ask = hooks.ask;
  try {
    return await body();
  } finally {
    Object.assign(s.writer, { confirm: saved.confirm });
    Object.assign(s.trust, { isTrusted: saved.isTrusted, ask: saved.ask });
  }
}
