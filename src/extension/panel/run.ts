// One panel generation: validated form request → worker request → progress and previews streamed
// to the webview → candidates kept for Save/Copy and shown as data: URIs.
import { toGenerationRequest, type CandidateView, type HostMessage, type PanelRequest, type PreviewView } from '../../protocol/panel';
import { mimeTypeOf } from '../../inference/tables';
import type { EncodedAsset } from '../../inference/types';
import type { WorkerProgress } from '../../inference/worker/client';
import type { ResolvedModel } from '../models-resolve';
import { randomSeed } from '../generation';
import { formatFromPath } from '../naming';
import type { CandidateStore } from './candidates';
import type { Services } from '../services';
import { errorMessage, isAbortError } from '../../inference/errors';
import { parseLayout } from '../../inference/image/wireframe';
import type * as vscode from 'vscode';
import { loadStartImage } from './start-image';


export function dataUri(asset: Pick<EncodedAsset, 'bytes' | 'format'>): string {
  return `data:${mimeTypeOf(asset.format)};base64,${Buffer.from(asset.bytes).toString('base64')}`;
}

export function candidateView(asset: EncodedAsset, index: number): CandidateView {
  return {
    index, src: dataUri(asset), format: asset.format, width: asset.width, height: asset.height,
    ...(asset.seed === undefined ? {} : { seed: asset.seed }), warnings: asset.warnings,
  };
}

function previewView(p: WorkerProgress): PreviewView | undefined {
  if (!p.preview) return undefined;
  return { width: p.preview.width, height: p.preview.height, rgb: Buffer.from(p.preview.data).toString('base64') };
}

export interface RunContext {
  services: Services;
  store: CandidateStore;
  /** The folder a start image's workspace-relative path is read from. */
  folder: vscode.WorkspaceFolder | undefined;
  post(message: HostMessage): void;
}

/** The start image's bytes (checked again here: the form's path came from the webview), and a layout checked before the worker runs. */
async function imageToImageInput(ctx: RunContext, request: PanelRequest): Promise<Uint8Array | undefined> {
  if (request.layout !== undefined) parseLayout(request.layout);
  if (!request.startImage) return undefined;
  return (await loadStartImage(request.startImage, ctx.folder, ctx.store)).bytes;
}

/** Runs to the end (result, failure or cancel) and always tells the webview which one it was. */
export async function runPanelGeneration(
  ctx: RunContext, id: string, request: PanelRequest, model: ResolvedModel, signal: AbortSignal, opts: { live?: boolean } = {},
): Promise<void> {
  const { services } = ctx;
  const settings = services.settings();
  const seed = request.seed ?? randomSeed();
  const format = formatFromPath(request.target) ?? request.format ?? settings.format;
  ctx.post({ type: 'started', generationId: id, request, seed, ...(opts.live ? { live: true } : {}) });
  const from = request.startImage ? `, from ${'path' in request.startImage ? request.startImage.path : `candidate ${request.startImage.candidate.index + 1}`} at strength ${request.strength ?? 'default'}` : request.layout ? `, layout "${request.layout}"` : '';
  services.log.info(`panel: generating${opts.live ? ' (live)' : ''} ${request.count}× "${request.prompt}" (${request.kind} ${request.width}x${request.height}, ${request.steps} steps, seed ${seed}${from}) with ${model.id}`);
  const started = Date.now();
  try {
    const initImage = await imageToImageInput(ctx, request);
    const place = { modelDir: model.dir, device: settings.device, storeDir: services.storeDir() };
    const result = await services.worker().generate({ ...place, decoder: settings.decoder, ...toGenerationRequest(request, seed, format, initImage) }, {
      // Kept latents let Save decode the chosen candidate again with the full VAE (full-quality.ts).
      signal, previews: true, keepLatents: true,
      onProgress: (p) => {
        const preview = previewView(p);
        ctx.post({ type: 'progress', generationId: id, candidate: p.candidate, step: p.step, totalSteps: p.totalSteps, ...(preview ? { preview } : {}) });
      },
    });
    // Aborted after the worker finished (a Live edit, Cancel): the user asked not to see this one.
    signal.throwIfAborted();
    await ctx.store.put({ id, request: { ...request, seed }, modelId: model.id, place, device: result.device, decoder: result.decoder.kind, candidates: result.candidates });
    signal.throwIfAborted();
    for (const w of result.warnings) services.log.warn(`panel: ${w}`);
    ctx.post({
      type: 'result', generationId: id, candidates: result.candidates.map(candidateView),
      device: result.device, warnings: result.warnings, elapsedMs: Date.now() - started, decoder: result.decoder.kind,
    });
  } catch (error) {
    const cancelled = isAbortError(error, signal);
    const message = cancelled ? 'Cancelled' : errorMessage(error);
    if (cancelled) services.log.info(`panel: generation ${id} cancelled`);
    else services.log.error(`panel: generation ${id} failed: ${message}`);
    ctx.post({ type: 'failed', generationId: id, message, cancelled });
  }
}
