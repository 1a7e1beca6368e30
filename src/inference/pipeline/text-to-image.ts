// Text-to-image as numbered stages: 1 checkInputs, 2 encodePrompt, 3 prepareTimesteps,
// 4 prepareLatents, 5 denoise, 6 decode. Same seed + settings + device = same pixels.
// Image-to-image (a request with `init`) differs in stages 3 and 4 only (image-to-image.ts): the
// schedule begins at the strength's step, and the latents are the encoded start image noised to it.
import type { InferenceBackend } from '../backend/types';
import { pairedDecoders } from '../models/tiny-decoder';
import { createScheduler, type Scheduler } from '../schedulers';
import type { DecoderUsed, FinalLatents, GenerateCallbacks, PipelineRequest, GenerationResult, GeneratedImage, RunCounters, StageTimings } from '../types';
import { checkInputs } from './check-inputs';
import { decodeWith } from './decode';
import { resolveDecoder } from './decoders';
import { denoise } from './denoise';
import { encodePromptCached } from './encode-prompt';
import { throwIfAborted } from '../errors';
import { openImageEncoder, type HeldImageEncoder } from './autoencoder-sessions';
import { beginIndexFor, prepareInitLatents } from './image-to-image';
import { prepareLatents, type LatentShape } from './latents';
import { loadModel, type LoadedModel, type LoadOptions, type ResolvedDecoder } from './model';
import type { DecodeOptions, Pipeline, PipelineInfo } from './types';
import { latentChannels } from './unet-feeds';

export type { LoadOptions } from './model';

class TextToImagePipeline implements Pipeline {
  readonly info: PipelineInfo;
  private disposed = false;
  /** Runs one generation at a time: sessions are shared and memory is the scarce resource. */
  private queue: Promise<unknown> = Promise.resolve();
  /** The image encoder, opened by the first image-to-image run (text-to-image never pays for it). */
  private encoder: Promise<HeldImageEncoder> | undefined;

  constructor(private readonly model: LoadedModel, private readonly openEncoder: () => Promise<HeldImageEncoder>) {
    const { info } = model;
    this.info = {
      modelDir: info.dir,
      device: model.device,
      fallbacks: model.fallbacks,
      scheduler: info.scheduler.name,
      usesGuidance: info.usesGuidance,
      nativeSize: info.nativeSize,
      modelId: info.modelId,
      imageToImage: info.autoencoders.encoder !== undefined || info.autoencoders.tinyEncoder !== undefined,
      loads: model.loads,
      ...(model.tiny ? { tinyDecoder: model.tiny.source } : {}),
      ...(!model.tiny && pairedDecoders(info)[0] ? { tinyDecoderOffer: offerOf(info) } : {}),
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
    const beginIndex = beginIndexFor(req.steps, req.init);
    // A model without an encoder is reported before anything runs; opening it is timed on its own.
    const opening = performance.now();
    const encoder = req.init ? await this.imageEncoder() : undefined;
    if (encoder) timings.openEncoder = performance.now() - opening;
    throwIfAborted(cb.signal);
    // 2. encodePrompt: classifier-free guidance only when guidance > 1 and the UNet has no guidance embedding.
    const guided = req.guidanceScale > 1 && !model.unet.inputs.some((i) => i.name === 'timestep_cond');
    const embeddings = await encodePromptCached(model, req.prompt, req.negativePrompt, guided);
    Object.assign(timings, embeddings.timings);
    const counters: RunCounters = { textEncoderRuns: embeddings.encoderRuns, promptCacheHits: embeddings.fromCache ? 1 : 0, unetRuns: 0, decoderRuns: 0, previewDecodes: 0 };
    // 3. prepareTimesteps
    const schedulers = this.prepareTimesteps(req);
    // 4. prepareLatents
    let started = performance.now();
    const shape: LatentShape = {
      channels: latentChannels(model),
      height: req.height / model.info.vae.latentToPixel,
      width: req.width / model.info.vae.latentToPixel,
    };
    const images = req.init && encoder
      ? await prepareInitLatents(encoder, req.init, { seed: req.seed, count: req.count, schedulers, beginIndex, shape })
      : prepareLatents(req.seed, req.count, shape, (schedulers[0] as Scheduler).initNoiseSigma);
    timings[req.init ? 'encode' : 'latents'] = performance.now() - started;
    // 5. denoise
    started = performance.now();
    await denoise({ model, schedulers, images, embeddings, guidanceScale: req.guidanceScale, shape, callbacks: cb, timings, counters, beginIndex });
    timings.denoise = performance.now() - started;
    // 6. decode, with the decoder the request chose (decoders.ts); opening the full VAE is part of it
    throwIfAborted(cb.signal);
    started = performance.now();
    const decoder = await resolveDecoder(model, req.decoder);
    const decoded: GeneratedImage[] = [];
    for (const image of images) {
      throwIfAborted(cb.signal);
      const pixels = await decodeWith(decoder, image.latents, shape, image.seed);
      counters.decoderRuns++;
      decoded.push(req.keepLatents ? { ...pixels, latents: { data: image.latents, shape: { ...shape } } } : pixels);
    }
    timings.decode = performance.now() - started;
    timings.total = performance.now() - startedAt;
    const used: DecoderUsed = { kind: decoder.kind, source: decoder.source, ms: timings.decode };
    return { images: decoded, device: model.device, fallbacks: model.fallbacks, timings, warnings: embeddings.warnings, decoder: used, counters };
  }

  decode(latents: FinalLatents, seed: number, options: DecodeOptions = {}): Promise<{ image: GeneratedImage; decoder: DecoderUsed }> {
    const run = this.queue.then(async () => {
      if (this.disposed) throw new Error('This pipeline was disposed; load the model again.');
      throwIfAborted(options.signal);
      checkLatents(latents, this.model);
      const started = performance.now();
      const decoder: ResolvedDecoder = await resolveDecoder(this.model, options.decoder);
      throwIfAborted(options.signal);
      const image = await decodeWith(decoder, latents.data, latents.shape, seed);
      return { image, decoder: { kind: decoder.kind, source: decoder.source, ms: performance.now() - started } };
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private prepareTimesteps(req: PipelineRequest): Scheduler[] {
    const config = this.model.info.scheduler.config;
    return Array.from({ length: req.count }, () => {
      const scheduler = createScheduler(config, req.scheduler);
      scheduler.setTimesteps(req.steps);
      return scheduler;
    });
  }

  /** The encoder of the first image-to-image run, kept for the next; a failed open is forgotten so a retry can succeed. */
  private imageEncoder(): Promise<HeldImageEncoder> {
    if (!this.encoder) {
      const opening = this.openEncoder();
      this.encoder = opening;
      opening.catch(() => { if (this.encoder === opening) this.encoder = undefined; });
    }
    return this.encoder;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.queue;
    const encoder = this.encoder;
    this.encoder = undefined;
    if (encoder) await encoder.then((e) => e.release(), () => undefined /* never opened: nothing to release */);
    await this.model.release();
  }
}

function offerOf(info: LoadedModel['info']): PipelineInfo['tinyDecoderOffer'] {
  const entry = pairedDecoders(info)[0];
  return entry && { id: entry.id, name: entry.name, approxDownloadBytes: entry.approxDownloadBytes };
}

/** Latents someone kept must still fit this model (channels) and be a plausible size. */
function checkLatents(latents: FinalLatents, model: LoadedModel): void {
  const { channels, height, width } = latents.shape;
  const ok = [channels, height, width].every((n) => Number.isInteger(n) && n > 0 && n <= 4096) && latents.data.length === channels * height * width;
  if (!ok || channels !== latentChannels(model)) {
    throw new Error(`latents of shape [${channels}, ${height}, ${width}] (${latents.data.length} values) do not fit this model's ${latentChannels(model)}-channel decoder`);
  }
}

/** Validates the folder, opens the sessions through `backend` and returns a ready pipeline. */
export async function loadTextToImage(dir: string, backend: InferenceBackend, options: LoadOptions = {}): Promise<Pipeline> {
  const model = await loadModel(dir, backend, options);
  // On the device the other sessions ended up on, so a fallback is not tried twice.
  return new TextToImagePipeline(model, () => openImageEncoder(model.info, backend, { ...options, device: model.device }));
}
