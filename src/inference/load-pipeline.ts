// Where the backend is chosen: the text-to-image pipeline on onnxruntime-node unless the caller
// passes another InferenceBackend. The worker, the CLI and the tests load pipelines through here, so
// the pipeline itself never imports a runtime (see src/inference/backend/types.ts).
import { onnxBackend } from './backend/onnx';
import type { InferenceBackend } from './backend/types';
import { loadTextToImage, type LoadOptions } from './pipeline/text-to-image';
import type { Pipeline } from './pipeline/types';

export interface PipelineOptions extends LoadOptions {
  /** How the model's sessions run (default: onnxruntime-node in this process). */
  backend?: InferenceBackend;
}

/** Validates the folder, opens the sessions (cached per folder + device) and returns a ready pipeline. */
export function loadPipeline(dir: string, options: PipelineOptions = {}): Promise<Pipeline> {
  const { backend = onnxBackend, ...load } = options;
  return loadTextToImage(dir, backend, load);
}
