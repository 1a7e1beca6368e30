// The onnxruntime-node backend, and the only module that imports it: execution providers,
// sessions and tensors behind the InferenceBackend seam of types.ts (plain numbers in, Float32Array out).
import * as ort from 'onnxruntime-node';
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CPU_ONLY_ROW, PROVIDER_TABLE, type ConcreteDevice, type DeviceName } from '../tables';
import type { ProviderAttempt } from '../types';
import { ModelFolderError } from '../models/errors';
import { fromFloat16Array, toFloat16Array } from './float16';
import { SharedLoads } from './session-cache';
import type { FloatTensor, HeldSessionSet, InferenceBackend, IoInfo, ModelSession, OpenOptions, SessionFile, SessionSet, TensorFeed } from './types';
import { hasVulkanLoader } from './vulkan';
import { errorMessage } from '../errors';

// onnxruntime-node 1.30's Linux library carries Microsoft's 1DS telemetry client (its strings name the
// collector URL): every process that opens a session writes `.ses` and `mat-debug-<pid>.log` into the
// temp folder. Nanoforge promises that nothing leaves the machine. The runtime reads this variable when
// it creates its environment (at the first session, after this module loaded), so setting it here is enough.
process.env.ORT_DISABLE_TELEMETRY = '1';

export type { ConcreteDevice } from '../tables';
/** The device → provider table lives with the other closed lists (src/inference/tables.ts). */
export { PROVIDER_TABLE } from '../tables';

/** The device settings valid on `platform`, `auto` first. */
export function validDevices(platform: string = process.platform): DeviceName[] {
  return Object.keys(PROVIDER_TABLE[platform] ?? CPU_ONLY_ROW) as DeviceName[];
}

/** Providers to try for `device`; an unknown device is an error that lists the valid ones. */
export function providersFor(device: string, platform: string = process.platform): readonly ConcreteDevice[] {
  const table = PROVIDER_TABLE[platform] ?? CPU_ONLY_ROW;
  const providers = Object.prototype.hasOwnProperty.call(table, device) ? table[device as DeviceName] : undefined;
  if (!providers) {
    throw new DeviceError(`Unknown device '${device}' on ${platform}. Valid devices: ${validDevices(platform).join(', ')}.`);
  }
  return providers;
}

export class DeviceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeviceError';
  }
}

/** Receives the wall time of every bare `session.run` (benchmarks measure pipeline overhead with it). */
export type RunObserver = (file: string, ms: number) => void;
let runObserver: RunObserver | undefined;

/** Sets (or, with undefined, clears) the process-wide observer of bare `session.run` times. */
export function setRunObserver(observer: RunObserver | undefined): void {
  runObserver = observer;
}

class OrtModelSession implements ModelSession {
  readonly inputs: IoInfo[];
  readonly outputs: IoInfo[];

  constructor(
    readonly file: string,
    readonly session: ort.InferenceSession,
  ) {
    this.inputs = session.inputMetadata.map(toIoInfo);
    this.outputs = session.outputMetadata.map(toIoInfo);
  }

  async run(feeds: Record<string, TensorFeed>, outputNames: string[]): Promise<Record<string, FloatTensor>> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const input of this.inputs) {
      const feed = feeds[input.name];
      if (!feed) throw new Error(`${this.file}: no value for input '${input.name}'`);
      ortFeeds[input.name] = makeTensor(input.type, feed);
    }
    let results: ort.InferenceSession.ReturnType;
    try {
      const started = runObserver ? performance.now() : 0;
      results = await this.session.run(ortFeeds, outputNames);
      runObserver?.(this.file, performance.now() - started);
    } catch (error) {
      const shapes = Object.entries(feeds).map(([name, f]) => `${name} [${f.dims.join(', ')}]`).join(', ');
      throw new Error(`${this.file}: inference failed with ${shapes}: ${summariseOrtError(error)}`);
    }
    const out: Record<string, FloatTensor> = {};
    for (const name of outputNames) {
      const tensor = results[name];
      if (!tensor) throw new Error(`${this.file}: output '${name}' missing from the results`);
      out[name] = { data: toFloat32(tensor), dims: tensor.dims.slice() };
    }
    return out;
  }
}

function toIoInfo(meta: ort.InferenceSession.ValueMetadata): IoInfo {
  if (!meta.isTensor) return { name: meta.name, type: 'non-tensor', shape: [] };
  return { name: meta.name, type: meta.type, shape: meta.shape };
}

function makeTensor(type: string, feed: TensorFeed): ort.Tensor {
  const dims = feed.dims.slice();
  switch (type) {
    case 'float32':
      return new ort.Tensor('float32', feed.values instanceof Float32Array ? feed.values : Float32Array.from(feed.values), dims);
    case 'float16':
      return new ort.Tensor('float16', toFloat16Array(feed.values), dims);
    case 'int64':
      return new ort.Tensor('int64', BigInt64Array.from(Array.from(feed.values, (v) => BigInt(Math.round(v)))), dims);
    case 'int32':
      return new ort.Tensor('int32', Int32Array.from(feed.values, (v) => Math.round(v)), dims);
    case 'float64':
      return new ort.Tensor('float64', Float64Array.from(feed.values), dims);
    default:
      throw new Error(`unsupported input element type '${type}'`);
  }
}

function toFloat32(tensor: ort.Tensor): Float32Array {
  const data = tensor.data;
  if (tensor.type === 'float32' && data instanceof Float32Array) return data;
  if (tensor.type === 'float16' && data instanceof Uint16Array) return fromFloat16Array(data);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Float32Array.from(data, (v) => Number(v));
  if (ArrayBuffer.isView(data)) return Float32Array.from(data as unknown as ArrayLike<number>);
  throw new Error(`output of type '${tensor.type}' is not numeric`);
}

/** onnxruntime messages start with a C++ source location; keep the part a person can act on. */
export function summariseOrtError(error: unknown): string {
  const message = errorMessage(error);
  const firstLine = message.split('\n')[0] ?? message;
  const afterCheck = /was false\. (.*)$/.exec(firstLine);
  if (afterCheck?.[1]) return afterCheck[1].trim();
  return firstLine.replace(/^\/onnxruntime_src\/\S+ \S+ /, '').trim();
}

/** A failure that the model file causes on every provider (not the provider's fault). */
function isModelProblem(reason: string): boolean {
  return /Load model from|Protobuf parsing|INVALID_PROTOBUF|INVALID_GRAPH|NO_SUCHFILE|external data|Deserialize tensor|model_path/i.test(reason);
}

function bindingDir(): string {
  const pkg = require.resolve('onnxruntime-node/package.json');
  return path.join(path.dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
}

/**
 * Failures that depend on the machine, not the model (no GPU adapter, missing provider library):
 * remembered for the life of the process so switching models does not probe the GPU again.
 */
const MACHINE_FAILURE = /adapter|Failed to load shared library|backend not found|not installed/i;
const machineFailures = new Map<ConcreteDevice, string>();

export const NO_VULKAN_LOADER = 'WebGPU needs the Vulkan loader (libvulkan.so.1), which is not installed';

/** Why `provider` cannot work in this install, without trying it (undefined: worth trying). */
function unavailableReason(provider: ConcreteDevice): string | undefined {
  if (provider === 'cpu') return undefined;
  const known = machineFailures.get(provider);
  if (known) return known;
  const supported = ort.listSupportedBackends().map((b) => b.name);
  if (!supported.includes(provider)) {
    return `this onnxruntime-node build has no '${provider}' provider on ${process.platform} (it has: ${supported.join(', ')})`;
  }
  // Asking for WebGPU without the loader only makes Dawn print its Vulkan warning and fail.
  if (provider === 'webgpu' && process.platform === 'linux' && !hasVulkanLoader()) return NO_VULKAN_LOADER;
  if (provider === 'cuda') {
    const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    if (!existsSync(path.join(bindingDir(), lib))) {
      // npm install runs no dependency install scripts here (package.json's allowScripts denies
      // onnxruntime-node's, which downloads these from NuGet), so the fetch is a step of its own.
      const script = path.join(path.dirname(require.resolve('onnxruntime-node/package.json')), 'script', 'install');
      return `CUDA provider libraries are not installed (${lib} not found; fetch them with: ONNXRUNTIME_NODE_INSTALL=cuda12 node ${script})`;
    }
  }
  return undefined;
}

function defaultThreads(): number {
  const fromEnv = Number(process.env.NANOFORGE_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return Math.max(1, Math.min(8, os.availableParallelism()));
}

class OpenFailure extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

async function openAll(dir: string, files: SessionFile[], provider: ConcreteDevice, threads: number): Promise<OrtModelSession[]> {
  const opened: OrtModelSession[] = [];
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    logSeverityLevel: 3, // errors only: ort's warnings would clutter the CLI's stderr
    // onnxruntime's DirectML provider requires both (its documented session-option constraint).
    ...(provider === 'dml' ? { enableMemPattern: false, executionMode: 'sequential' as const } : {}),
  };
  for (const { file } of files) {
    try {
      opened.push(new OrtModelSession(file, await ort.InferenceSession.create(path.join(dir, file), options)));
    } catch (error) {
      await Promise.all(opened.map((s) => s.session.release()));
      throw new OpenFailure(file, summariseOrtError(error));
    }
  }
  return opened;
}

/** Opens every file on the first provider of `device` that works, recording each that did not. */
export async function openSessionSet(dir: string, files: SessionFile[], device: DeviceName, options: OpenOptions = {}): Promise<SessionSet> {
  const providers = providersFor(device);
  const fallbacks: ProviderAttempt[] = [];
  const threads = options.threads ?? defaultThreads();
  for (const provider of providers) {
    const skip = unavailableReason(provider);
    const reason = skip ?? (await tryOpen(dir, files, provider, threads));
    if (typeof reason !== 'string') return { sessions: reason, device: provider, fallbacks };
    if (MACHINE_FAILURE.test(reason)) machineFailures.set(provider, reason.replace(/ \(while opening [^)]*\)$/, ''));
    fallbacks.push({ provider, ok: false, reason });
    options.log?.(`Execution provider '${provider}' unavailable: ${reason}`);
  }
  const last = fallbacks[fallbacks.length - 1];
  const install = last?.reason === NO_VULKAN_LOADER ? ` Install it (Debian/Ubuntu: libvulkan1) with your GPU's Vulkan driver, or use` : ` Use`;
  const suggestion = device === 'auto' ? '' : `${install} device 'auto' to fall back to another provider, or 'cpu'.`;
  throw new DeviceError(`Device '${device}' could not start: ${last?.reason ?? 'no provider available'}.${suggestion}`);
}

/** The sessions, or why this provider failed; a problem with the model file itself is thrown. */
async function tryOpen(dir: string, files: SessionFile[], provider: ConcreteDevice, threads: number): Promise<OrtModelSession[] | string> {
  try {
    return await openAll(dir, files, provider, threads);
  } catch (error) {
    if (!(error instanceof OpenFailure)) throw error;
    if (isModelProblem(error.reason) || provider === 'cpu') {
      throw new ModelFolderError(dir, error.file, `cannot be loaded as an ONNX model (${error.reason})`);
    }
    return `${error.reason} (while opening ${error.file})`;
  }
}

async function releaseSet(set: SessionSet): Promise<void> {
  await Promise.all(set.sessions.map((s) => (s as OrtModelSession).session.release()));
}

const sharedSets = new SharedLoads<SessionSet>(releaseSet);

/**
 * Sessions cached per model folder + device + file list (the pipeline's three, an encoder on its own);
 * a failed open is not cached, so a retry reopens.
 */
export async function acquireSessionSet(dir: string, files: SessionFile[], device: DeviceName, options: OpenOptions = {}): Promise<HeldSessionSet> {
  providersFor(device); // unknown device: fail before touching the cache
  const key = [path.resolve(dir), device, ...files.map((f) => f.file)].join('\u0000');
  const set = await sharedSets.acquire(key, () => openSessionSet(dir, files, device, options));
  let released = false;
  return {
    set,
    release: async () => {
      if (released) return;
      released = true;
      await sharedSets.releaseKey(key);
    },
  };
}

/** Number of model folder + device + file list combinations with open sessions (for tests and diagnostics). */
export function openSessionSetCount(): number {
  return sharedSets.size;
}

/** The onnxruntime-node implementation of the backend seam (src/inference/backend/types.ts). */
export const onnxBackend: InferenceBackend = Object.freeze({ name: 'onnxruntime', acquireSessions: acquireSessionSet });
