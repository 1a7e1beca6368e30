// Public API of the inference core: what the CLI's commands, the benchmarks and the tests import
// (the worker entry and the extension host import single modules, to keep their bundles small).
export * from './types';
export * from './tables';
export { createScheduler, schedulerNameOf, SCHEDULER_CLASSES, SCHEDULER_NAMES, SchedulerConfigError, strengthSchedule, StrengthError } from './schedulers';
export type { Scheduler, SchedulerConfig, SigmaScheduler, StepResult, StrengthSchedule } from './schedulers';
export { loadTokenizer, TokenizerError } from './tokenizer';
export type { ClipTokenizer, EncodedPrompt } from './tokenizer';
export { createRng, isValidSeed, RngSeedError } from './pipeline/rng';
export type { Rng } from './pipeline/rng';
export * from './image';
// Model folders, devices and the text-to-image pipeline.
export { validateModelFolder, MODEL_FILES } from './models/folder';
export type { ModelFolderInfo } from './models/folder';
export { ModelFolderError } from './models/errors';
export { DeviceError, validDevices, onnxBackend } from './backend/onnx';
export type { FloatTensor, InferenceBackend, IoInfo, ModelSession, SessionSet, TensorFeed } from './backend/types';
export { loadPipeline } from './load-pipeline';
export type { PipelineOptions } from './load-pipeline';
export type { LoadOptions } from './pipeline/text-to-image';
export type { Pipeline, PipelineInfo } from './pipeline/types';
export { AbortError, errorMessage, InvalidRequestError, isAbortError, throwIfAborted } from './errors';
export { LIMITS as PIPELINE_SIZE_LIMITS } from './pipeline/check-inputs';
export { DEFAULT_STRENGTH, VARIATION_STRENGTH, REQUEST_FIELDS, REQUEST_LIMITS, validateGenerationRequest } from './request';
// Image-to-image building blocks (encoders, the tiny decoder); requests use them through initImage / layout.
export { encodeImage } from './pipeline/encode-image';
export type { ImageEncoder, PixelImage, EncodedLatents, EncodeImageOptions } from './pipeline/encode-image';
export { openImageEncoder, openTinyDecoder } from './pipeline/autoencoder-sessions';
export type { HeldImageEncoder, HeldLatentDecoder, EncoderOptions } from './pipeline/autoencoder-sessions';
export type { AutoencoderPart, AutoencoderParts } from './models/autoencoders';
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
