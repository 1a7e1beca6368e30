// The pipeline's public shape (types only, so the extension host can import it without native code).
import type { DeviceName, GenerateCallbacks, PipelineRequest, GenerationResult, ProviderAttempt, SchedulerName } from '../types';

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
}

export interface Pipeline {
  readonly info: PipelineInfo;
  generate(req: PipelineRequest, cb?: GenerateCallbacks): Promise<GenerationResult>;
  /** Releases this pipeline's hold on the sessions; later `generate` calls reject. */
  dispose(): Promise<void>;
}
