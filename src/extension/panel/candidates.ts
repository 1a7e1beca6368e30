// Keeps the encoded candidates of recent panel generations so Save / Copy can act on the exact
// bytes the user saw. The newest generation is also written to the extension's storage folder, so
// after a window reload (the webview comes back with its thumbnails) Save still has full bytes.
import * as vscode from 'vscode';
import type { PanelRequest } from '../../protocol/panel';
import type { DecoderKind, EncodedAsset } from '../../inference/types';
import type { ModelPlace } from '../../inference/worker/protocol';
import { errorMessage } from '../../inference/errors';

export interface StoredGeneration {
  id: string;
  request: PanelRequest;
  modelId: string;
  /**
   * Where the worker ran it (model folder, the device as requested, model store): a full-quality
   * decode must ask for the same place, or the worker would load the model again and drop the
   * kept latents. Absent in a store written by an older version.
   */
  place?: ModelPlace;
  device: string;
  /** Which decoder made the candidates' pixels; each candidate's `latentsId` names its kept latents. */
  decoder?: DecoderKind;
  candidates: EncodedAsset[];
}

const KEPT_IN_MEMORY = 3;

/** JSON file beside the bytes: everything but the bytes themselves. */
interface DiskMeta {
  id: string;
  request: PanelRequest;
  modelId: string;
  place?: ModelPlace;
  device: string;
  decoder?: DecoderKind;
  candidates: Omit<EncodedAsset, 'bytes'>[];
}

export class CandidateStore {
  private readonly recent: StoredGeneration[] = [];

  constructor(private readonly folder: vscode.Uri, private readonly log: vscode.LogOutputChannel) {}

  async put(generation: StoredGeneration): Promise<void> {
    this.recent.unshift(generation);
    this.recent.splice(KEPT_IN_MEMORY);
    try {
      await vscode.workspace.fs.delete(this.folder, { recursive: true }).then(undefined, () => undefined /* absent the first time */);
      await vscode.workspace.fs.createDirectory(this.folder);
      const meta: DiskMeta = { ...generation, candidates: generation.candidates.map(({ bytes: _bytes, ...rest }) => rest) };
      await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(this.folder, 'generation.json'), Buffer.from(JSON.stringify(meta)));
      await Promise.all(generation.candidates.map((c, i) => vscode.workspace.fs.writeFile(vscode.Uri.joinPath(this.folder, `${i}.bin`), c.bytes)));
    } catch (error) {
      // Only the after-reload Save depends on this copy; say so in the log and carry on.
      this.log.warn(`could not keep candidates on disk for after a reload: ${errorMessage(error)}`);
    }
  }

  async get(generationId: string): Promise<StoredGeneration | undefined> {
    const hit = this.recent.find((g) => g.id === generationId);
    if (hit) return hit;
    try {
      const raw = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(this.folder, 'generation.json'));
      const meta = JSON.parse(Buffer.from(raw).toString('utf8')) as DiskMeta;
      if (meta.id !== generationId) return undefined;
      const candidates = await Promise.all(meta.candidates.map(async (c, i) => ({
        ...c, bytes: await vscode.workspace.fs.readFile(vscode.Uri.joinPath(this.folder, `${i}.bin`)),
      })));
      const restored = { ...meta, candidates };
      this.recent.push(restored);
      return restored;
    } catch (error) {
      this.log.info(`no stored candidates for generation ${generationId}: ${errorMessage(error)}`);
      return undefined;
    }
  }
}
