// Host ↔ worker messages: discriminated unions on `type`, validated on arrival in both directions.
// The channel uses Node's 'advanced' (structured clone) serialization, so image bytes cross as
// Uint8Array without base64's extra third and its encode/decode passes.
import type { AssetResult, KeptAssetResult } from '../image/generate-asset';
import type { PlaceholderOptions } from '../image/placeholder';
import type { PipelineInfo } from '../pipeline/types';
import type { PreparedModel } from '../prepare-model';
import { validateGenerationRequest, type GenerationRequest } from '../request';
import { DECODER_CHOICES, DEVICE_NAMES, type DecoderChoice, type DeviceName } from '../tables';
import type { EncodedAsset, RgbImage } from '../types';

/**
 * Where a model runs: its folder, the device, and the model store (optional): the store's installed
 * tiny decoder pairs with the model and its `.cache` keeps optimized graphs (pipeline/model.ts).
 */
export interface ModelPlace {
  modelDir: string;
  device: DeviceName;
  storeDir?: string;
}

/** The core's request plus where to run it; its fields are checked by the core's one validator. */
export type WorkerGenerateRequest = ModelPlace & GenerationRequest;

/** Decode a kept candidate's latents again (default with the full VAE) and render it as before. */
export type WorkerDecodeRequest = ModelPlace & { latentsId: string; decoder?: DecoderChoice };

export type WorkerRequest =
  | { type: 'generate'; id: number; request: WorkerGenerateRequest; previews: boolean; keepLatents?: boolean }
  | { type: 'decodeLatents'; id: number; request: WorkerDecodeRequest }
  | { type: 'placeholder'; id: number; options: PlaceholderOptions }
  | { type: 'modelInfo'; id: number; modelDir: string; device: DeviceName; storeDir?: string }
  /** Prepare a model now (prepare-model.ts), in a low-priority child process of the worker. */
  | { type: 'prepare'; id: number; modelDir: string; device: DeviceName; storeDir: string }
  | { type: 'cancel'; id: number }
  | { type: 'shutdown' };

export type WorkerResult =
  | { kind: 'generate'; value: AssetResult }
  | { kind: 'decodeLatents'; value: KeptAssetResult }
  | { kind: 'placeholder'; value: EncodedAsset }
  | { kind: 'modelInfo'; value: PipelineInfo }
  | { kind: 'prepare'; value: PreparedModel };

/** An error as it crosses the process boundary (class identity is lost; name and fields are not). */
export interface WireError {
  name: string;
  message: string;
  /** ModelFolderError: the file; InvalidRequestError: the field. */
  file?: string;
  field?: string;
}

export type WorkerEvent =
  | { type: 'progress'; id: number; candidate: number; step: number; totalSteps: number }
  | { type: 'preview'; id: number; candidate: number; step: number; totalSteps: number; image: RgbImage }
  | { type: 'result'; id: number; result: WorkerResult }
  | { type: 'error'; id: number; error: WireError };

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

type Obj = Record<string, unknown>;

function object(value: unknown, what: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ProtocolError(`${what} must be an object`);
  return value as Obj;
}

function int(o: Obj, key: string, what: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new ProtocolError(`${what}.${key} must be a non-negative integer`);
  return v;
}

function str(o: Obj, key: string, what: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new ProtocolError(`${what}.${key} must be a string`);
  return v;
}

function optionalStr(o: Obj, key: string, what: string): string | undefined {
  return o[key] === undefined ? undefined : str(o, key, what);
}

/** modelDir, device and the optional storeDir of a request object. */
function place(o: Obj, what: string): ModelPlace {
  const storeDir = optionalStr(o, 'storeDir', what);
  return { modelDir: str(o, 'modelDir', what), device: device(o, what), ...(storeDir === undefined ? {} : { storeDir }) };
}

function device(o: Obj, what: string): DeviceName {
  const v = str(o, 'device', what);
  if (!(DEVICE_NAMES as readonly string[]).includes(v)) throw new ProtocolError(`${what}.device '${v}' is not one of ${DEVICE_NAMES.join(', ')}`);
  return v as DeviceName;
}

/**
 * Validates a message from the host. A generate request's fields go through the core's
 * validateGenerationRequest and fail with its InvalidRequestError (field and name reach the host).
 */
export function parseWorkerRequest(raw: unknown): WorkerRequest {
  const msg = object(raw, 'request');
  switch (msg.type) {
    case 'generate': {
      const id = int(msg, 'id', 'generate');
      const raw = object(msg.request, 'generate.request');
      const { modelDir: _dir, device: _device, storeDir: _store, ...fields } = raw;
      const where = place(raw, 'generate.request');
      return {
        type: 'generate', id, request: { ...where, ...validateGenerationRequest(fields, { where: 'generate.request' }) },
        previews: msg.previews === true, ...(msg.keepLatents === true ? { keepLatents: true } : {}),
      };
    }
    case 'decodeLatents': {
      const raw = object(msg.request, 'decodeLatents.request');
      const decoder = optionalStr(raw, 'decoder', 'decodeLatents.request');
      if (decoder !== undefined && !(DECODER_CHOICES as readonly string[]).includes(decoder)) {
        throw new ProtocolError(`decodeLatents.request.decoder '${decoder}' is not one of ${DECODER_CHOICES.join(', ')}`);
      }
      const latentsId = str(raw, 'latentsId', 'decodeLatents.request');
      if (latentsId.length > 100) throw new ProtocolError('decodeLatents.request.latentsId is longer than 100 characters');
      const request: WorkerDecodeRequest = { ...place(raw, 'decodeLatents.request'), latentsId, ...(decoder === undefined ? {} : { decoder: decoder as DecoderChoice }) };
      return { type: 'decodeLatents', id: int(msg, 'id', 'decodeLatents'), request };
    }
    case 'placeholder': {
      const options = object(msg.options, 'placeholder.options');
      return { type: 'placeholder', id: int(msg, 'id', 'placeholder'), options: options as unknown as PlaceholderOptions };
    }
    case 'modelInfo':
      return { type: 'modelInfo', id: int(msg, 'id', 'modelInfo'), ...place(msg, 'modelInfo') };
    case 'prepare':
      return { type: 'prepare', id: int(msg, 'id', 'prepare'), ...parsePrepareJob(msg) };
    case 'cancel':
      return { type: 'cancel', id: int(msg, 'id', 'cancel') };
    case 'shutdown':
      return { type: 'shutdown' };
    default:
      throw new ProtocolError(`unknown request type ${JSON.stringify(msg.type)}`);
  }
}

function rgbImage(value: unknown, what: string): RgbImage {
  const o = object(value, what);
  const width = int(o, 'width', what);
  const height = int(o, 'height', what);
  if (!(o.data instanceof Uint8Array) || o.data.length !== width * height * 3) throw new ProtocolError(`${what}.data must be ${width}×${height}×3 bytes`);
  return { width, height, data: o.data };
}

function encodedAsset(value: unknown, what: string): EncodedAsset {
  const o = object(value, what);
  if (!(o.bytes instanceof Uint8Array)) throw new ProtocolError(`${what}.bytes must be a Uint8Array`);
  str(o, 'format', what);
  int(o, 'width', what);
  int(o, 'height', what);
  if (!Array.isArray(o.warnings)) throw new ProtocolError(`${what}.warnings must be an array`);
  return o as unknown as EncodedAsset;
}

/** What to prepare, as the host sends it to the worker and the worker to its preparing process. */
export function parsePrepareJob(raw: unknown, what = 'prepare'): { modelDir: string; device: DeviceName; storeDir: string; quiet?: true } {
  const o = object(raw, what);
  const where = place(o, what);
  if (where.storeDir === undefined) throw new ProtocolError(`${what}.storeDir must be a string`);
  return { ...where, storeDir: where.storeDir, ...(o.quiet === true ? { quiet: true as const } : {}) };
}

/** A preparation's report, from the worker or from its preparing child process. */
export function preparedModel(value: unknown, what: string): PreparedModel {
  const v = object(value, what);
  str(v, 'dir', what);
  str(v, 'device', what);
  if (typeof v.ms !== 'number' || !Array.isArray(v.files) || !Array.isArray(v.fallbacks)) throw new ProtocolError(`${what} must have ms, files and fallbacks`);
  v.files.forEach((f, i) => str(object(f, `${what}.files[${i}]`), 'file', `${what}.files[${i}]`));
  return v as unknown as PreparedModel;
}

function workerResult(value: unknown): WorkerResult {
  const o = object(value, 'result');
  switch (o.kind) {
    case 'generate': {
      const v = object(o.value, 'result.value');
      if (!Array.isArray(v.candidates)) throw new ProtocolError('result.value.candidates must be an array');
      v.candidates.forEach((c, i) => encodedAsset(c, `result.value.candidates[${i}]`));
      str(v, 'device', 'result.value');
      if (!Array.isArray(v.fallbacks) || !Array.isArray(v.warnings)) throw new ProtocolError('result.value.fallbacks/warnings must be arrays');
      object(v.timings, 'result.value.timings');
      object(v.decoder, 'result.value.decoder');
      object(v.counters, 'result.value.counters');
      return { kind: 'generate', value: v as unknown as AssetResult };
    }
    case 'decodeLatents': {
      const v = object(o.value, 'result.value');
      encodedAsset(v.asset, 'result.value.asset');
      str(object(v.decoder, 'result.value.decoder'), 'kind', 'result.value.decoder');
      object(v.timings, 'result.value.timings');
      return { kind: 'decodeLatents', value: v as unknown as KeptAssetResult };
    }
    case 'placeholder':
      return { kind: 'placeholder', value: encodedAsset(o.value, 'result.value') };
    case 'modelInfo': {
      const v = object(o.value, 'result.value');
      str(v, 'modelDir', 'result.value');
      str(v, 'device', 'result.value');
      return { kind: 'modelInfo', value: v as unknown as PipelineInfo };
    }
    case 'prepare':
      return { kind: 'prepare', value: preparedModel(o.value, 'result.value') };
    default:
      throw new ProtocolError(`unknown result kind ${JSON.stringify(o.kind)}`);
  }
}

/** Validates a message from the worker. */
export function parseWorkerEvent(raw: unknown): WorkerEvent {
  const msg = object(raw, 'event');
  const id = int(msg, 'id', 'event');
  switch (msg.type) {
    case 'progress':
      return { type: 'progress', id, candidate: int(msg, 'candidate', 'progress'), step: int(msg, 'step', 'progress'), totalSteps: int(msg, 'totalSteps', 'progress') };
    case 'preview':
      return {
        type: 'preview', id, candidate: int(msg, 'candidate', 'preview'), step: int(msg, 'step', 'preview'),
        totalSteps: int(msg, 'totalSteps', 'preview'), image: rgbImage(msg.image, 'preview.image'),
      };
    case 'result':
      return { type: 'result', id, result: workerResult(msg.result) };
    case 'error': {
      const e = object(msg.error, 'error.error');
      const error: WireError = { name: str(e, 'name', 'error.error'), message: str(e, 'message', 'error.error') };
      if (typeof e.file === 'string') error.file = e.file;
      if (typeof e.field === 'string') error.field = e.field;
      return { type: 'error', id, error };
    }
    default:
      throw new ProtocolError(`unknown event type ${JSON.stringify(msg.type)}`);
  }
}

/** Any thrown value as a WireError, keeping the name and the fields callers branch on. */
export function toWireError(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const wire: WireError = { name: error.name, message: error.message };
  const extra = error as Error & { file?: unknown; field?: unknown };
  if (typeof extra.file === 'string') wire.file = extra.file;
  if (typeof extra.field === 'string') wire.field = extra.field;
  return wire;
}
