// Local model converter: fp32 → fp16, weight-only int8 / int4, verified against the original.
export { quantizeModelFolder, QuantizeTargetError, QUANTIZE_TARGETS, MANIFEST_FILE, DEFAULT_MIN_SIZE } from './folder';
export type { QuantizeTarget, QuantizeOptions, QuantizeProgress, QuantizeManifest, ComponentReport } from './folder';
export { verifyConversion, THRESHOLDS, psnr, errorStats } from './verify';
export type { VerificationReport, VerifyOptions, ErrorStats } from './verify';
export { convertToFloat16, KEEP_FP32_OPS } from './fp16';
export { quantizeWeights, quantizePerChannel, packInt4 } from './weights';
export { UnsupportedModelError } from './graph';
