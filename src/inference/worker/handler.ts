// Serves worker requests: keeps the most recent model loaded, runs generations, honours cancel, and
// keeps recent candidates' latents for a later full-quality decode. A model that loaded unprepared
// (no optimized graphs cached yet) is prepared in the background once the worker is idle.
import { decodeKeptAsset, generateAsset } from '../image/generate-asset';
import { KeptLatentsStore } from '../image/kept-latents';
import { makePlaceholder } from '../image/placeholder';
import { loadPipeline } from '../load-pipeline';
import type { Pipeline } from '../pipeline/types';
import { estimatePrepareBytes } from '../prepare-model';
import { BackgroundPreparer, prepareIdleMs } from './background-prepare';
import { toWireError, type ModelPlace, type WorkerEvent, type WorkerRequest, type WorkerResult } from './protocol';
import { errorMessage } from '../errors';

export interface HandlerHooks {
  send(event: WorkerEvent): void;
  log(line: string): void;
  shutdown(): void;
  /** Prepares models in the background (default: a BackgroundPreparer with NANOFORGE_PREPARE_IDLE_MS). */
  preparer?: BackgroundPreparer;
}

export class WorkerHandler {
  /** One model at a time: a 2-GB model per folder is what the worker exists to contain. */
  private current: { key: string; pipeline: Promise<Pipeline> } | undefined;
  private readonly active = new Map<number, AbortController>();
  /** Latents of recent candidates (generate with keepLatents); a model switch drops them. */
  private readonly kept = new KeptLatentsStore(32);
  private readonly preparer: BackgroundPreparer;

  constructor(private readonly hooks: HandlerHooks) {
    this.preparer = hooks.preparer ?? new BackgroundPreparer({ idleMs: prepareIdleMs(), log: hooks.log, neededMemory: (job) => estimatePrepareBytes(job.modelDir) });
  }

  handle(req: WorkerRequest): void {
    switch (req.type) {
      case 'cancel':
        this.active.get(req.id)?.abort();
        return;
      case 'shutdown':
        this.hooks.shutdown();
        return;
      case 'generate':
      case 'decodeLatents':
      case 'placeholder':
      case 'modelInfo':
      case 'prepare':
        void this.serve(req);
        return;
      default: {
        const unreachable: never = req;
        throw new Error(`unhandled request ${JSON.stringify(unreachable)}`);
      }
    }
  }

  private async serve(req: Extract<WorkerRequest, { id: number; type: 'generate' | 'decodeLatents' | 'placeholder' | 'modelInfo' | 'prepare' }>): Promise<void> {
    const controller = new AbortController();
    this.active.set(req.id, controller);
    // A preparation the worker waits for is not work that keeps the background one from starting.
    const busy = req.type !== 'prepare';
    if (busy) this.preparer.busy();
    try {
      const result = await this.compute(req, controller.signal);
      this.hooks.send({ type: 'result', id: req.id, result });
    } catch (error) {
      this.hooks.send({ type: 'error', id: req.id, error: toWireError(error) });
    } finally {
      this.active.delete(req.id);
      if (busy) this.preparer.idle();
    }
  }

  private async compute(req: Extract<WorkerRequest, { type: 'generate' | 'decodeLatents' | 'placeholder' | 'modelInfo' | 'prepare' }>, signal: AbortSignal): Promise<WorkerResult> {
    switch (req.type) {
      case 'prepare':
        return { kind: 'prepare', value: await this.preparer.prepareNow({ modelDir: req.modelDir, device: req.device, storeDir: req.storeDir }) };
      case 'placeholder':
        return { kind: 'placeholder', value: await makePlaceholder(req.options) };
      case 'modelInfo':
        return { kind: 'modelInfo', value: (await this.pipeline(req)).info };
      case 'decodeLatents': {
        // Latents that are gone (a restarted worker, another model since) fail here, before the
        // pipeline call below could load a model only to find nothing to decode.
        this.kept.get(req.request.latentsId);
        const pipeline = await this.pipeline(req.request);
        // Step 0 of 1: the decode started (opening the full VAE, then one decoder run).
        this.hooks.send({ type: 'progress', id: req.id, candidate: 0, step: 0, totalSteps: 1 });
        return { kind: 'decodeLatents', value: await decodeKeptAsset(pipeline, this.kept, req.request.latentsId, req.request.decoder ?? 'full', { signal }) };
      }
      case 'generate': {
        const { modelDir, device, storeDir, ...asset } = req.request;
        const pipeline = await this.pipeline({ modelDir, device, ...(storeDir === undefined ? {} : { storeDir }) });
        const value = await generateAsset(pipeline, asset, {
          signal,
          previews: req.previews,
          onProgress: (p) => {
            const base = { id: req.id, candidate: 0, step: p.step, totalSteps: p.totalSteps };
            this.hooks.send(p.preview ? { type: 'preview', ...base, image: p.preview } : { type: 'progress', ...base });
          },
        }, req.keepLatents ? { keep: this.kept } : {});
        return { kind: 'generate', value };
      }
    }
  }

  /** The pipeline for this folder + device + store; switching models disposes the previous one. */
  private pipeline({ modelDir, device, storeDir }: ModelPlace): Promise<Pipeline> {
    const key = `${modelDir}\u0000${device}\u0000${storeDir ?? ''}`;
    if (this.current?.key === key) return this.current.pipeline;
    const previous = this.current;
    this.kept.clear();
    const pipeline = loadPipeline(modelDir, { device, log: this.hooks.log, ...(storeDir === undefined ? {} : { storeDir }) });
    const entry = { key, pipeline };
    this.current = entry;
    pipeline.then((p) => {
      // Prepare on the device it runs on (a GPU's graphs are not cached: nothing comes back 'unprepared').
      if (storeDir !== undefined && p.info.loads.some((l) => l.graphCache === 'unprepared')) this.preparer.want({ modelDir, device: p.info.device, storeDir });
    }, () => undefined);
    pipeline.catch((error: unknown) => {
      // A failed load is forgotten so the next request retries (the caller gets the error).
      if (this.current === entry) this.current = undefined;
      this.hooks.log(`Loading ${modelDir} failed: ${errorMessage(error)}`);
    });
    previous?.pipeline.then((p) => p.dispose()).catch((error: unknown) => this.hooks.log(`Disposing the previous model failed: ${String(error)}`));
    return pipeline;
  }

  async dispose(): Promise<void> {
    this.preparer.dispose();
    for (const controller of this.active.values()) controller.abort();
    const pipeline = this.current?.pipeline;
    this.current = undefined;
    if (pipeline) await pipeline.then((p) => p.dispose(), () => undefined);
  }
}
