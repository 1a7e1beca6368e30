// Start image files for image-to-image (the panel's Browse… and drops, Generate Variations, History
// re-runs, quick generation), checked on the host before any byte goes to the worker: the file must
// lie inside the workspace (symlinks followed), be at most REQUEST_LIMITS.maxInitImageBytes, and have
// a header we read with at most 8192 px a side. The worker decodes the bytes and refuses the rest
// (animation, damage) with its own message.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { StartImageView } from '../protocol/panel';
import { REQUEST_LIMITS } from '../inference/request';
import { mimeTypeOf } from '../inference/tables';
import { containingFolder } from './assets';
import { readImageInfo } from './references/image-header';

/** Larger files are used but not shown: a thumbnail of them would be a data: URI of many megabytes. */
const PREVIEW_BYTES = 4 * 1024 * 1024;

export interface LoadedStartImage {
  bytes: Uint8Array;
  view: StartImageView;
}

/** A refusal the user reads as it is (the file named, what to do). */
export class StartImageRefused extends Error {
  override readonly name = 'StartImageRefused';
}

/** A data: URI for a thumbnail, or '' above PREVIEW_BYTES. */
export function previewUri(bytes: Uint8Array, mime: string): string {
  return bytes.byteLength <= PREVIEW_BYTES ? `data:${mime};base64,${Buffer.from(bytes).toString('base64')}` : '';
}

/** Reads a workspace file as a start image, or throws StartImageRefused saying why not. */
export async function loadStartImageFile(uri: vscode.Uri): Promise<LoadedStartImage> {
  const name = vscode.workspace.asRelativePath(uri, false);
  const folder = await containingFolder(uri);
  if (!folder) throw new StartImageRefused(`${uri.scheme === 'file' ? uri.fsPath : uri.toString()} is outside the workspace; use an image inside it as the start image.`);
  let size: number;
  try {
    const stat = await vscode.workspace.fs.stat(uri);
    if (stat.type & vscode.FileType.Directory) throw new StartImageRefused(`${name} is a folder; choose an image file.`);
    size = stat.size;
  } catch (error) {
    if (error instanceof StartImageRefused) throw error;
    throw new StartImageRefused(`${name} cannot be read as a start image: ${error instanceof vscode.FileSystemError && error.code === 'FileNotFound' ? 'it does not exist' : (error as Error).message}.`);
  }
  const max = REQUEST_LIMITS.maxInitImageBytes;
  if (size > max) throw new StartImageRefused(`${name} is ${(size / 1024 / 1024).toFixed(1)} MB; start images may be at most ${max / 1024 / 1024} MB.`);
  const bytes = await vscode.workspace.fs.readFile(uri);
  const info = readImageInfo(bytes);
  if (!info) throw new StartImageRefused(`${name} is not an image Nanoforge can read (PNG, JPEG, WebP, AVIF, GIF, SVG, ICO or BMP).`);
  const side = REQUEST_LIMITS.maxSide;
  if (info.width > side || info.height > side) throw new StartImageRefused(`${name} is ${info.width}×${info.height} px; start images may be at most ${side} px a side.`);
  const rel = path.posix.relative(folder.uri.path, uri.path);
  return { bytes, view: { ref: { path: rel }, label: path.posix.basename(uri.path), width: info.width, height: info.height, src: previewUri(bytes, mimeTypeOf(info.format)) } };
}

/** A URI from a drag and drop (text/uri-list), or a workspace-relative path; undefined when it names nothing usable. */
export function droppedUri(text: string, folder: vscode.WorkspaceFolder | undefined): vscode.Uri | undefined {
  const first = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#'));
  if (!first) return undefined;
  if (/^[a-z][a-z0-9+.-]*:/i.test(first) && !/^[a-z]:[\\/]/i.test(first)) {
    try {
      return vscode.Uri.parse(first, true);
    } catch (error) {
      // Not a URI after all (Uri.parse is strict about schemes): there is nothing to read.
      void error;
      return undefined;
    }
  }
  if (path.isAbsolute(first)) return vscode.Uri.file(first);
  return folder ? vscode.Uri.joinPath(folder.uri, first.replace(/\\/g, '/')) : undefined;
}
