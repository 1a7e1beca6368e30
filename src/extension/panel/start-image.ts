// The start image a panel request names: a workspace file (read and checked again by
// ../start-image.ts: the path came from the webview) or a candidate the CandidateStore still keeps.
import * as vscode from 'vscode';
import type { CandidateRef, StartImageRef, StartImageView } from '../../protocol/panel';
import { mimeTypeOf } from '../../inference/tables';
import { loadStartImageFile, previewUri, StartImageRefused, type LoadedStartImage } from '../start-image';
import type { CandidateStore } from './candidates';

/** A candidate of a recent run as a start image. */
async function loadCandidate(store: CandidateStore, ref: CandidateRef): Promise<LoadedStartImage> {
  const generation = await store.get(ref.generationId);
  const asset = generation?.candidates[ref.index];
  if (!asset) throw new StartImageRefused('That candidate is no longer kept; choose the start image again (Browse…) or save the candidate first.');
  const seed = asset.seed === undefined ? '' : ` (seed ${asset.seed})`;
  const view: StartImageView = { ref: { candidate: ref }, label: `Candidate ${ref.index + 1}${seed}`, width: asset.width, height: asset.height, src: previewUri(asset.bytes, mimeTypeOf(asset.format)) };
  return { bytes: asset.bytes, view };
}

/** The bytes a form's start image names; a path is resolved in `folder` and checked again. */
export async function loadStartImage(ref: StartImageRef, folder: vscode.WorkspaceFolder | undefined, store: CandidateStore): Promise<LoadedStartImage> {
  if ('candidate' in ref) return loadCandidate(store, ref.candidate);
  if (!folder) throw new StartImageRefused('Open a folder first; start images are read from the workspace.');
  return loadStartImageFile(vscode.Uri.joinPath(folder.uri, ref.path));
}
