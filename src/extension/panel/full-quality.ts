// Save in full quality: the panel's candidates come from the fast (tiny) decoder; before Save writes
// one, the worker decodes that candidate's kept latents again with the full VAE (when the setting or
// "Save (full quality)" says so), with progress. Kept latents that are gone (another model loaded,
// too many newer candidates, a restarted worker) are said in one line and the image as shown is
// saved instead: nothing is lost.
import * as vscode from 'vscode';
import type { EncodedAsset } from '../../inference/types';
import { errorMessage, isAbortError } from '../../inference/errors';
import type { ActionContext } from './actions';
import type { StoredGeneration } from './candidates';
import { wantsFullDecode } from './save-quality';

/** Why the full decode could not run and the preview is saved instead (shown and logged). */
function gone(ctx: ActionContext, why: string): void {
  const text = `Saved the image as shown: ${why}`;
  ctx.services.log.warn(`panel: ${text}`);
  ctx.post({ type: 'notice', level: 'info', text });
}

/**
 * The pixels Save writes for candidate `index`: the kept latents decoded with the full VAE when
 * wanted, else (or when they are gone) the candidate as shown; undefined when the user cancelled.
 */
export async function assetToSave(ctx: ActionContext, generation: StoredGeneration, index: number, forced: boolean): Promise<EncodedAsset | undefined> {
  const shown = generation.candidates[index];
  if (!shown) return undefined;
  const settings = ctx.services.settings();
  if (!wantsFullDecode({ setting: settings.saveQuality, forced, decodedWith: generation.decoder, device: generation.device })) return shown;
  if (!shown.latentsId || !generation.modelDir) {
    gone(ctx, 'this candidate\'s latents were not kept (it was generated before a window reload or by an older version).');
    return shown;
  }
  const current = await ctx.services.resolveModel();
  if (current?.id !== generation.modelId) {
    gone(ctx, `the model changed since (${generation.modelId} → ${current?.id ?? 'none'}), which drops the kept latents.`);
    return shown;
  }
  const label = `Candidate ${index + 1}`;
  const { modelDir } = generation;
  const { latentsId } = shown;
  ctx.post({ type: 'notice', level: 'info', text: `Decoding ${label} with the full VAE…` });
  const abort = new AbortController();
  try {
    const decoded = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Nanoforge: decoding ${label} in full quality`, cancellable: true },
      (_progress, token) => {
        token.onCancellationRequested(() => abort.abort());
        const where = { modelDir, device: settings.device, storeDir: ctx.services.storeDir() };
        return ctx.services.worker().decodeLatents({ ...where, latentsId, decoder: 'full' }, { signal: abort.signal });
      },
    );
    ctx.services.log.info(`panel: ${label} decoded with ${decoded.decoder.source} in ${Math.round(decoded.decoder.ms)} ms`);
    ctx.post({ type: 'notice', level: 'info', text: `${label} decoded with the full VAE` });
    return decoded.asset;
  } catch (error) {
    if (isAbortError(error, abort.signal)) {
      ctx.post({ type: 'notice', level: 'info', text: 'Not saved: the full-quality decode was cancelled.' });
      return undefined;
    }
    const why = error instanceof Error && error.name === 'LatentsNotFoundError'
      ? 'its kept latents are gone (another model was loaded, or many newer candidates came since).'
      : `the full-quality decode failed (${errorMessage(error)}).`;
    gone(ctx, why);
    return shown;
  }
}
