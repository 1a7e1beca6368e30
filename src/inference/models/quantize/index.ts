// Local model converter: fp32 → fp16, int8 with integer kernels (or weight-only), int4, verified against the original.
export { quantizeModelFolder, QuantizeTargetError, QuantizeVerificationError, QUANTIZE_TARGETS, MANIFEST_FILE, DEFAULT_MIN_SIZE } from './folder';
export type { QuantizeTarget, QuantizeOptions, QuantizeProgress, QuantizeManifest, ComponentReport, Int8Attempt } from './folder';
export { verifyConversion, THRESHOLDS, psnr, errorStats } from './verify';
export type { VerificationReport, VerifyOptions, ErrorStats } from './verify';
export { convertToFloat16, KEEP_FP32_OPS } from './fp16';
export { quantizeWeights, quantizePerChannel, packInt4 } from './weights';
export { quantizeInt8Kernels, activationParams } from './int8';
export type { Int8Plan, KernelStats } from './int8';
export { findInt8Sites, siteSignature, KERNEL_CHOICES } from './int8-sites';
export type { Int8Site, KernelChoice, ActivationRange } from './int8-sites';
export { planInt8, KERNEL_MODES } from './int8-plan';
export type { KernelMode, OpChoice, Int8Planning } from './int8-plan';
export { calibrate, instrument, CALIBRATED_FILES, DEFAULT_CALIBRATION_PROMPTS, TINY_DECODER_FILE } from './calibrate';
export type { CalibrationOptions, CalibrationSummary } from './calibrate';
export { measureSite, chooseKernel } from './measure';
export { UnsupportedModelError } from './graph';
