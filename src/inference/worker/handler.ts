// Serves worker requests: keeps the most recent model loaded, runs generations, honours cancel.
import { generateAsset } from '../image/generate-asset';
import { makePlaceholder } from '../image/placeholder';
import { loadPipeline } from '../load-pipeline';
import type { Pipeline } from '../pipeline/types';
import type { DeviceName } from '../types';
import { toWireError, type WorkerEvent, type WorkerRequest, type WorkerResult } from './protocol';
import { errorMessage } from '../errors';

export interface HandlerHooks {
  send(event: WorkerEvent): void;
  log(line: string): void;
  shutdown(): void;
}

export class WorkerHandler {
  /** One model at a time: a 2-GB model per folder is what the worker exists to contain. */
  private current: { key: string; pipeline: Promise<Pipeline> } | undefined;
  private readonly active = new Map<number, AbortController>();

  constructor(private readonly hooks: HandlerHooks) {}

  handle(req: WorkerRequest): void {
    switch (req.type) {
      case 'cancel':
        this.active.get(req.id)?.abort();
        return;
      case 'shutdown':
        this.hooks.shutdown();
        return;
      case 'generate':
      case 'placeholder':
      case 'modelInfo':
        void this.serve(req);
        return;
      default: {
        const unreachable: never = req;
        throw new Error(`unhandled request ${JSON.stringify(unreachable)}`);
      }
    }
  }

  private async serve(req: Extract<WorkerRequest, { id: number; type: 'generate' | 'placeholder' | 'modelInfo' }>): Promise<void> {
    const controller = new AbortController();
    this.active.set(req.id, controller);
    try {
      const result = await this.compute(req, controller.signal);
      this.hooks.send({ type: 'result', id: req.id, result });
    } catch (error) {
      this.hooks.send({ type: 'error', id: req.id, error: toWireError(error) });
    } finally {
      this.active.delete(req.id);
    }
  }

  private async compute(req: Extract<WorkerRequest, { type: 'generate' | 'placeholder' | 'modelInfo' }>, signal: AbortSignal): Promise<WorkerResult> {
    switch (req.type) {
      case 'placeholder':
        return { kind: 'placeholder', value: await makePlaceholder(req.options) };
      case 'modelInfo':
        return { kind: 'modelInfo', value: (await this.pipeline(req.modelDir, req.device)).info };
      case 'generate': {
        const { modelDir, device, ...asset } = req.request;
        const pipeline = await this.pipeline(modelDir, device);
        const value = await generateAsset(pipeline, asset, {
          signal,
          previews: req.previews,
          onProgress: (p) => {
            const base = { id: req.id, candidate: 0, step: p.step, totalSteps: p.totalSteps };
            this.hooks.send(p.preview ? { type: 'preview', ...base, image: p.preview } : { type: 'progress', ...base });
          },
        });
        return { kind: 'generate', value };
      }
    }
  }

  /** The pipeline for this folder + device; switching models disposes the previous one. */
  private pipeline(modelDir: string, device: DeviceName): Promise<Pipeline> {
    const key = `${modelDir}\u0000${device}`;
    if (this.current?.key === key) return this.current.pipeline;
    const previous = this.current;
    const pipeline = loadPipeline(modelDir, { device, log: this.hooks.log });
    const entry = { key, pipeline };
    this.current = entry;
    pipeline.catch((error: unknown) => {
      // A failed load is forgotten so the next request retries (the caller gets the error).
      if (this.current === entry) this.current = undefined;
      this.hooks.log(`Loading ${modelDir} failed: ${errorMessage(error)}`);
    });
    previous?.pipeline.then((p) => p.dispose()).catch((error: unknown) => this.hooks.log(`Disposing the previous model failed: ${String(error)}`));
    return pipeline;
  }

  async dispose(): Promise<void> {
    for (const controller of this.active.values()) controller.abort();
    const pipeline = this.current?.pipeline;
    this.current = undefined;
    if (pipeline) await pipeline.then((p) => p.dispose(), () => undefined);
  }
}
