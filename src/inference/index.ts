// Public API of the inference core: what the CLI, the worker and the tests import.
export * from './types';
export { createScheduler, schedulerNameOf, SCHEDULER_CLASSES, SCHEDULER_NAMES, SchedulerConfigError } from './schedulers';
export type { Scheduler, SchedulerConfig, SigmaScheduler, StepResult } from './schedulers';
export { loadTokenizer, TokenizerError } from './tokenizer';
export type { ClipTokenizer, EncodedPrompt } from './tokenizer';
export { createRng, isValidSeed, RngSeedError } from './pipeline/rng';
export type { Rng } from './pipeline/rng';
export * from './image';
// Model folders, devices and the text-to-image pipeline.
export { validateModelFolder, MODEL_FILES } from './models/folder';
export type { ModelFolderInfo } from './models/folder';
export { ModelFolderError } from './models/errors';
export { DeviceError, validDevices, PROVIDER_TABLE } from './backend/onnx';
export { loadPipeline } from './pipeline/text-to-image';
export type { LoadOptions } from './pipeline/text-to-image';
export type { Pipeline, PipelineInfo } from './pipeline/types';
export { InvalidRequestError, AbortError } from './pipeline/errors';
export { LIMITS as GENERATION_LIMITS } from './pipeline/check-inputs';
// Worker process client (the extension host imports src/inference/worker/client directly, never this file).
export { WorkerClient, WorkerCrashedError, WorkerError } from './worker/client';
export type { WorkerClientOptions, WorkerGenerateCallbacks, WorkerProgress } from './worker/client';
export type { WorkerGenerateRequest, WorkerRequest, WorkerEvent } from './worker/protocol';
// Model manager: catalog, hub downloads, the models folder, verification (the extension host imports
// src/inference/models/* directly, never this file).
export { loadCatalog, resolvePullSource, CatalogError } from './models/catalog';
export type { Catalog, CatalogEntry, PullSource } from './models/catalog';
export { ModelStore, defaultStoreDir, StoreError } from './models/store';
export type { InstalledModel, PullOptions, PullResult } from './models/store';
export { HubAuthError, HubHttpError, HubNotFoundError, HubUnreachableError } from './models/hub';
export type { HubOptions } from './models/hub';
export { DownloadFailedError, HashMismatchError } from './models/download';
export type { PullProgress } from './models/download';
export { DiskSpaceError } from './models/disk';
export type { VerifyReport } from './models/verify';
// Local converter: fp16 / int8 (integer kernels, or weight-only) / int4 copies of a model folder, verified against the original.
export { quantizeModelFolder, QuantizeTargetError, UnsupportedModelError, QUANTIZE_TARGETS, THRESHOLDS as QUANTIZE_THRESHOLDS } from './models/quantize';
export type { QuantizeTarget, QuantizeOptions, QuantizeProgress, QuantizeManifest, VerificationReport } from './models/quantize';
