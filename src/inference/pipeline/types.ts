// The pipeline's public shape (types only, so the extension host can import it without native code).
import type { SessionLoad } from '../backend/types';
import type { TinyDecoderOffer } from '../models/tiny-decoder';
import type { DecoderChoice, DecoderUsed, DeviceName, FinalLatents, GenerateCallbacks, GeneratedImage, PipelineRequest, GenerationResult, ProviderAttempt, SchedulerName } from '../types';

export interface PipelineInfo {
  modelDir: string;
  /** Provider that runs the sessions, e.g. 'cpu'. */
  device: Exclude<DeviceName, 'auto'>;
  /** Providers tried before `device`, each with why it failed. */
  fallbacks: ProviderAttempt[];
  /** The model's own scheduler (a request may override it). */
  scheduler: SchedulerName;
  /** Whether classifier-free guidance is the model's normal mode (false: turbo / LCM, guidance 0). */
  usesGuidance: boolean;
  /** Pixel size the model was trained at, e.g. 512. */
  nativeSize: number;
  modelId: string;
  /** Whether the folder has an image encoder (vae_encoder/ or vae_encoder_tiny/), which image-to-image needs. */
  imageToImage: boolean;
  /** The tiny decoder's source ('vae_decoder_tiny', or an installed decoder's id such as 'taesd'); absent: none. */
  tinyDecoder?: string;
  /** No tiny decoder, but the catalog has one for this model's latents: what to download. */
  tinyDecoderOffer?: TinyDecoderOffer;
  /** How each session opened: milliseconds and whether the optimized-graph cache served it. */
  loads: SessionLoad[];
}

export interface DecodeOptions {
  decoder?: DecoderChoice;
  signal?: AbortSignal;
}

export interface Pipeline {
  readonly info: PipelineInfo;
  generate(req: PipelineRequest, cb?: GenerateCallbacks): Promise<GenerationResult>;
  /** Decodes latents a generation returned (keepLatents) again, e.g. with the full VAE ("save in full quality"). */
  decode(latents: FinalLatents, seed: number, options?: DecodeOptions): Promise<{ image: GeneratedImage; decoder: DecoderUsed }>;
  /** Releases this pipeline's hold on the sessions; later `generate` calls reject. */
  dispose(): Promise<void>;
}
