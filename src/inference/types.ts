// Types shared across the inference core, the worker protocol, the CLI and the extension.
// Kept free of runtime code so every layer (including the extension host) can import them cheaply;
// the names of closed lists (devices, kinds, schedulers, formats) come from the tables in tables.ts.
import type { GenerationRequest } from './request';
import type { AssetFormat, AssetKind, ConcreteDevice, DecoderKind, DeviceName } from './tables';

export type { AssetFormat, AssetKind, ConcreteDevice, DecoderChoice, DecoderKind, DeviceName, FitMode, ImageFormat, SchedulerName } from './tables';
export type { GenerationRequest } from './request';

/** One provider the backend tried while opening sessions; `ok: false` carries why it failed. */
export interface ProviderAttempt {
  provider: ConcreteDevice;
  ok: boolean;
  reason?: string;
}

/**
 * What the text-to-image pipeline runs for one call: a GenerationRequest after planning (image/
 * generate-asset.ts), with the kind's template in `prompt`, every default resolved, and `width` ×
 * `height` the size the model runs at (multiples of the VAE factor; see pipeline/check-inputs.ts).
 */
export type PipelineRequest = Required<Pick<GenerationRequest, 'prompt' | 'width' | 'height' | 'steps' | 'guidanceScale' | 'seed' | 'count'>>
  & Pick<GenerationRequest, 'negativePrompt' | 'scheduler' | 'decoder'>
  & {
    /** Return each image's final latents (GeneratedImage.latents), e.g. to decode them again with the full VAE. */
    keepLatents?: boolean;
    /** Image-to-image: start from this image instead of pure noise. */
    init?: PipelineInit;
  };

/** An image's final latents, as the decoder reads them (before its own scaling). */
export interface FinalLatents {
  data: Float32Array;
  shape: { channels: number; height: number; width: number };
}

/** Which decoder made a result's pixels, and how long decoding took (all images). */
export interface DecoderUsed {
  kind: DecoderKind;
  /** 'vae_decoder', 'vae_decoder_tiny', or the installed tiny decoder's id ('taesd'). */
  source: string;
  ms: number;
}

/** How often each session ran for one result (what a cache saved shows here, not in wall time). */
export interface RunCounters {
  textEncoderRuns: number;
  /** Prompt embeddings taken from the cache of recent prompts instead of the text encoder. */
  promptCacheHits: number;
  unetRuns: number;
  decoderRuns: number;
  /** Tiny-decoder runs for per-step previews. */
  previewDecodes: number;
}

/** Interleaved 8-bit pixels, RGB or RGBA. */
export interface PixelImage {
  width: number;
  height: number;
  channels: 3 | 4;
  data: Uint8Array;
}

/** The image-to-image part of a planned run (image/init-image.ts builds it from a request's start image). */
export interface PipelineInit {
  /** The start image already fitted to the run size (the PipelineRequest's width × height). */
  image: PixelImage;
  /** 0 < strength ≤ 1: the last int(steps × strength) steps of the schedule run (schedulers/strength.ts). */
  strength: number;
  /** What transparent pixels of the start image become before encoding (the kind's background); white by default. */
  background?: readonly [number, number, number];
}

export interface RgbImage {
  width: number;
  height: number;
  /** Interleaved 8-bit RGB, width * height * 3 bytes. */
  data: Uint8Array;
}

export interface GeneratedImage extends RgbImage {
  seed: number;
  /** With PipelineRequest.keepLatents. */
  latents?: FinalLatents;
}

export interface StageTimings {
  [stage: string]: number;
}

export interface GenerationResult {
  images: GeneratedImage[];
  /** Provider that actually ran, e.g. 'cpu'. */
  device: ConcreteDevice;
  /** Every provider tried before `device`, with the reason it failed (never a silent fallback). */
  fallbacks: ProviderAttempt[];
  /** Milliseconds per stage: tokenize, textEncoder, unet (sum), unetStep[i] as `unet.i`, decode. */
  timings: StageTimings;
  warnings: string[];
  decoder: DecoderUsed;
  counters: RunCounters;
}

export interface ProgressEvent {
  /** 1-based step just finished. */
  step: number;
  totalSteps: number;
  /** Optional preview of image 0: the tiny decoder's (at most 256 px) when the model has one, else a latent → RGB approximation. */
  preview?: RgbImage;
}

export interface GenerateCallbacks {
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
  /** Ask for per-step previews (costs a little time per step). */
  previews?: boolean;
}

// ---- Assets (post-processing, see src/inference/image) ----


/** Settings stored inside a written asset so it can be regenerated or varied later. */
export interface AssetMetadata {
  prompt: string;
  negativePrompt?: string;
  seed?: number;
  steps?: number;
  guidanceScale?: number;
  scheduler?: string;
  modelId?: string;
  modelVersion?: string;
  kind?: AssetKind;
  width?: number;
  height?: number;
  /** Image-to-image: how far the result was allowed to move from its start image. */
  strength?: number;
  /** A mockup started from this layout's wireframe (image/wireframe.ts grammar). */
  layout?: string;
  /** Nanoforge's version that wrote the file. */
  generator: string;
}

/** What the renderer makes of one image: a GenerationRequest's output fields, with the format settled. */
export type OutputOptions = Pick<GenerationRequest, 'width' | 'height' | 'fit' | 'transparent' | 'quality'> & { format: AssetFormat };

export interface EncodedAsset {
  bytes: Uint8Array;
  format: AssetFormat;
  width: number;
  height: number;
  seed?: number;
  /** Resampling factor from the generated image to the output (> 1 means upscaled; see warnings). */
  scale?: number;
  /** Plain-language warnings for the user, e.g. "background not uniform enough to remove". */
  warnings: string[];
  metadata?: AssetMetadata;
  /** The id its latents are kept under (generateAsset with a KeptLatentsStore), for a later full-quality decode. */
  latentsId?: string;
}
