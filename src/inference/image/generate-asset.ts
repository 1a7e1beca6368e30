// The composition the CLI, the worker and the extension use: plan a generation for an asset kind,
// run the pipeline at the model's native size, post-process every candidate into the asset.
import { randomInt } from 'node:crypto';
import type {
  AssetMetadata,
  DecoderChoice,
  DecoderUsed,
  DeviceName,
  EncodedAsset,
  GenerateCallbacks,
  GenerationRequest,
  OutputOptions,
  PipelineRequest,
  ProviderAttempt,
  RunCounters,
  StageTimings,
} from '../types';
import { throwIfAborted } from '../errors';
import type { Pipeline } from '../pipeline/types';
import { NANOFORGE_VERSION } from '../version';
import { planStartImage, stepsForStrength } from './init-image';
import type { KeptLatentsStore } from './kept-latents';
import { planGeneration, presetFor } from './presets';
import { renderAsset, type RenderOptions } from './render';

/** The part of the pipeline this module needs (tests and the worker pass a full Pipeline). */
export type AssetPipeline = Pick<Pipeline, 'info' | 'generate'>;

export interface AssetResult {
  candidates: EncodedAsset[];
  device: Exclude<DeviceName, 'auto'>;
  fallbacks: ProviderAttempt[];
  timings: StageTimings;
  warnings: string[];
  decoder: DecoderUsed;
  counters: RunCounters;
}

export interface AssetOptions {
  /** Keep every candidate's latents here; each candidate then carries its `latentsId`. */
  keep?: KeptLatentsStore;
}

/** Turbo (guidance-free) models are tuned for very few steps; classic SD needs ~25 with CFG 7.5. */
export function defaultSampling(usesGuidance: boolean): { steps: number; guidanceScale: number } {
  return usesGuidance ? { steps: 25, guidanceScale: 7.5 } : { steps: 2, guidanceScale: 0 };
}

/**
 * The request's output fields with the kind's defaults filled in (format, fit mode, transparency).
 * No kind (`nanoforge generate` without `--kind`): PNG, cover, opaque.
 */
export function resolveOutput(req: Pick<GenerationRequest, 'kind' | 'width' | 'height' | 'format' | 'fit' | 'transparent' | 'quality'>): OutputOptions {
  const preset = req.kind === undefined ? undefined : presetFor(req.kind);
  return {
    width: req.width, height: req.height, format: req.format ?? preset?.defaultFormat ?? 'png',
    fit: req.fit ?? preset?.fit ?? 'cover', transparent: req.transparent ?? preset?.transparent ?? false,
    ...(req.quality === undefined ? {} : { quality: req.quality }),
  };
}

/**
 * Plans `req` for the model (template, run size, defaults, the start image of image-to-image), runs
 * the pipeline and renders every candidate.
 */
export async function generateAsset(pipeline: AssetPipeline, req: GenerationRequest, cb?: GenerateCallbacks, opts: AssetOptions = {}): Promise<AssetResult> {
  const resolved = resolveOutput(req);
  const plan = planGeneration(req.kind, req.prompt, resolved, pipeline.info.nativeSize);
  const sampling = defaultSampling(pipeline.info.usesGuidance);
  // Decoded and checked before the model runs, so a bad start image costs no denoising.
  const start = await planStartImage(req, resolved, plan);
  const output: OutputOptions = start ? { ...resolved, fit: start.outputFit } : resolved;
  const defaultSteps = start ? stepsForStrength(sampling.steps, start.init.strength) : sampling.steps;
  const generation: PipelineRequest = {
    prompt: plan.prompt,
    negativePrompt: req.negativePrompt ?? plan.negativePrompt,
    width: plan.width,
    height: plan.height,
    steps: req.steps ?? defaultSteps,
    guidanceScale: req.guidanceScale ?? sampling.guidanceScale,
    seed: req.seed ?? randomInt(0, 2 ** 31),
    count: req.count ?? 1,
    ...(req.scheduler ? { scheduler: req.scheduler } : {}),
    ...(req.decoder ? { decoder: req.decoder } : {}),
    ...(opts.keep ? { keepLatents: true } : {}),
    ...(start ? { init: start.init } : {}),
  };
  const result = await pipeline.generate(generation, cb);
  const started = performance.now();
  const candidates: EncodedAsset[] = [];
  for (const image of result.images) {
    throwIfAborted(cb?.signal);
    // The user's own prompt and the kind are stored, so "vary" re-applies the template once.
    const metadata: AssetMetadata = {
      prompt: req.prompt,
      ...(req.negativePrompt !== undefined ? { negativePrompt: req.negativePrompt } : {}),
      seed: image.seed,
      steps: generation.steps,
      guidanceScale: generation.guidanceScale,
      scheduler: req.scheduler ?? pipeline.info.scheduler,
      modelId: pipeline.info.modelId,
      ...(req.kind !== undefined ? { kind: req.kind } : {}),
      ...(start ? { strength: start.init.strength } : {}),
      ...(req.layout !== undefined ? { layout: req.layout } : {}),
      generator: `nanoforge ${NANOFORGE_VERSION}`,
    };
    const render: RenderOptions = start?.alphaSource ? { alphaSource: start.alphaSource } : {};
    const kept = opts.keep && image.latents
      ? opts.keep.keep({ latents: image.latents, seed: image.seed, modelDir: pipeline.info.modelDir, output, metadata, render })
      : undefined;
    const rendered = await renderAsset(image, output, metadata, render);
    candidates.push({ ...rendered, seed: image.seed, ...(kept ? { latentsId: kept } : {}) });
  }
  const timings = { ...result.timings, postprocess: performance.now() - started };
  const warnings = [...new Set([...result.warnings, ...candidates.flatMap((c) => c.warnings)])];
  return { candidates, device: result.device, fallbacks: result.fallbacks, timings, warnings, decoder: result.decoder, counters: result.counters };
}

export interface KeptAssetResult {
  asset: EncodedAsset;
  decoder: DecoderUsed;
  timings: StageTimings;
}

/**
 * A kept candidate decoded again (default: with the full VAE) and rendered exactly as it was the
 * first time (size, fit, transparency, format, metadata).
 */
export async function decodeKeptAsset(pipeline: Pick<Pipeline, 'info' | 'decode'>, store: KeptLatentsStore, latentsId: string, decoder: DecoderChoice = 'full', cb: Pick<GenerateCallbacks, 'signal'> = {}): Promise<KeptAssetResult> {
  const kept = store.get(latentsId);
  if (kept.modelDir !== pipeline.info.modelDir) {
    throw new Error(`The latents '${latentsId}' were made by ${kept.modelDir}, not by the loaded ${pipeline.info.modelDir}; generate the image again.`);
  }
  const decoded = await pipeline.decode(kept.latents, kept.seed, { decoder, ...(cb.signal ? { signal: cb.signal } : {}) });
  throwIfAborted(cb.signal);
  const started = performance.now();
  const asset = { ...(await renderAsset(decoded.image, kept.output, kept.metadata, kept.render ?? {})), seed: kept.seed, latentsId };
  return { asset, decoder: decoded.decoder, timings: { decode: decoded.decoder.ms, postprocess: performance.now() - started } };
}
