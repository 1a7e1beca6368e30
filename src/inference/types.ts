// Types shared across the inference core, the worker protocol, the CLI and the extension.
// Kept free of runtime code so every layer (including the extension host) can import them cheaply;
// the names of closed lists (devices, kinds, schedulers, formats) come from the tables in tables.ts.
import type { AssetFormat, AssetKind, ConcreteDevice, DeviceName, SchedulerName } from './tables';

export type { AssetFormat, AssetKind, ConcreteDevice, DeviceName, ImageFormat, SchedulerName } from './tables';

/** One provider the backend tried while opening sessions; `ok: false` carries why it failed. */
export interface ProviderAttempt {
  provider: ConcreteDevice;
  ok: boolean;
  reason?: string;
}

/** What the text-to-image pipeline needs for one call (no post-processing here). */
export interface GenerationRequest {
  prompt: string;
  negativePrompt?: string;
  /** Pixel size the model runs at: multiples of 8, bounded (see pipeline validation). */
  width: number;
  height: number;
  steps: number;
  /** Classifier-free guidance only when > 1; turbo models use 0. */
  guidanceScale: number;
  /** Seed of the first image; image i uses seed + i. */
  seed: number;
  /** Number of images (batch). */
  count: number;
  /** Overrides the model's scheduler class. */
  scheduler?: SchedulerName;
}

export interface RgbImage {
  width: number;
  height: number;
  /** Interleaved 8-bit RGB, width * height * 3 bytes. */
  data: Uint8Array;
}

export interface GeneratedImage extends RgbImage {
  seed: number;
}

export interface StageTimings {
  [stage: string]: number;
}

export interface GenerationResult {
  images: GeneratedImage[];
  /** Provider that actually ran, e.g. 'cpu'. */
  device: Exclude<DeviceName, 'auto'>;
  /** Every provider tried before `device`, with the reason it failed (never a silent fallback). */
  fallbacks: ProviderAttempt[];
  /** Milliseconds per stage: tokenize, textEncoder, unet (sum), unetStep[i] as `unet.i`, decode. */
  timings: StageTimings;
  warnings: string[];
}

export interface ProgressEvent {
  /** 1-based step just finished. */
  step: number;
  totalSteps: number;
  /** Optional cheap preview of image 0 (latent → RGB approximation), small size. */
  preview?: RgbImage;
}

export interface GenerateCallbacks {
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
  /** Ask for per-step previews (costs a little time per step). */
  previews?: boolean;
}

// ---- Assets (post-processing, see src/inference/image) ----

export type FitMode = 'cover' | 'contain' | 'stretch';

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
  /** Nanoforge's version that wrote the file. */
  generator: string;
}

export interface OutputOptions {
  width: number;
  height: number;
  format: AssetFormat;
  fit?: FitMode;
  /** Remove a plain background (icons). */
  transparent?: boolean;
  /** JPEG/WebP/AVIF quality 1..100. */
  quality?: number;
}

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
}
