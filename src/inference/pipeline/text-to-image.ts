// Text-to-image as numbered stages: 1 checkInputs, 2 encodePrompt, 3 prepareTimesteps,
// 4 prepareLatents, 5 denoise, 6 decode. Same seed + settings + device = same pixels.
import type { InferenceBackend } from '../backend/types';
import { createScheduler, type Scheduler } from '../schedulers';
import type { GenerateCallbacks, PipelineRequest, GenerationResult, GeneratedImage, StageTimings } from '../types';
import { checkInputs } from './check-inputs';
import { decodeLatents } from './decode';
import { denoise } from './denoise';
import { encodePrompt } from './encode-prompt';
import { throwIfAborted } from '../errors';
import { prepareLatents, type LatentShape } from './latents';
import { loadModel, type LoadedModel, type LoadOptions } from './model';
import type { Pipeline, PipelineInfo } from './types';
import { latentChannels } from './unet-feeds';

export type { LoadOptions } from './model';

class TextToImagePipeline implements Pipeline {
  readonly info: PipelineInfo;
  private disposed = false;
  /** Runs one generation at a time: sessions are shared and memory is the scarce resource. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly model: LoadedModel) {
    const { info } = model;
    this.info = {
      modelDir: info.dir,
      device: model.device,
      fallbacks: model.fallbacks,
      scheduler: info.scheduler.name,
      usesGuidance: info.usesGuidance,
      nativeSize: info.nativeSize,
      modelId: info.modelId,
    };
  }

  generate(req: PipelineRequest, cb: GenerateCallbacks = {}): Promise<GenerationResult> {
    const run = this.queue.then(() => this.run(req, cb));
    this.queue = run.catch(() => undefined); // a failed run must not block the next one
    return run;
  }

  private async run(req: PipelineRequest, cb: GenerateCallbacks): Promise<GenerationResult> {
    if (this.disposed) throw new Error('This pipeline was disposed; load the model again.');
    const startedAt = performance.now();
    const timings: StageTimings = {};
    const { model } = this;
    // 1. checkInputs
    checkInputs(req, model.info.vae.latentToPixel);
    throwIfAborted(cb.signal);
    // 2. encodePrompt: classifier-free guidance only when guidance > 1 and the UNet has no guidance embedding.
    const guided = req.guidanceScale > 1 && !model.unet.inputs.some((i) => i.name === 'timestep_cond');
    const embeddings = await encodePrompt(model, req.prompt, req.negativePrompt, guided);
    Object.assign(timings, embeddings.timings);
    // 3. prepareTimesteps
    const schedulers = this.prepareTimesteps(req);
    // 4. prepareLatents
    let started = performance.now();
    const shape: LatentShape = {
      channels: latentChannels(model),
      height: req.height / model.info.vae.latentToPixel,
      width: req.width / model.info.vae.latentToPixel,
    };
    const images = prepareLatents(req.seed, req.count, shape, (schedulers[0] as Scheduler).initNoiseSigma);
    timings.latents = performance.now() - started;
    // 5. denoise
    started = performance.now();
    await denoise({ model, schedulers, images, embeddings, guidanceScale: req.guidanceScale, shape, callbacks: cb, timings });
    timings.denoise = performance.now() - started;
    // 6. decode
    started = performance.now();
    const decoded: GeneratedImage[] = [];
    for (const image of images) {
      throwIfAborted(cb.signal);
      decoded.push(await decodeLatents(model, image.latents, shape, image.seed));
    }
    timings.decode = performance.now() - started;
    timings.total = performance.now() - startedAt;
    return { images: decoded, device: model.device, fallbacks: model.fallbacks, timings, warnings: embeddings.warnings };
  }

  private prepareTimesteps(req: PipelineRequest): Scheduler[] {
    const config = this.model.info.scheduler.config;
    return Array.from({ length: req.count }, () => {
      const scheduler = createScheduler(config, req.scheduler);
      scheduler.setTimesteps(req.steps);
      return scheduler;
    });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.queue;
    await this.model.release();
  }
}

/** Validates the folder, opens the sessions through `backend` and returns a ready pipeline. */
export async function loadTextToImage(dir: string, backend: InferenceBackend, options: LoadOptions = {}): Promise<Pipeline> {
  return new TextToImagePipeline(await loadModel(dir, backend, options));
}
