// The onnxruntime-node backend, and the only module that imports it: execution providers, sessions
// and tensors behind the InferenceBackend seam of types.ts (plain numbers in, Float32Array out).
// onnxruntime-node opens a session synchronously on the calling thread, so every session lives in a
// thread of its own (thread-session.ts, session-thread.ts): the sessions of a pipeline load at the
// same time, and the optimized-graph cache (graph-cache.ts) lets a second load skip optimization.
import * as ort from 'onnxruntime-node';
import * as os from 'node:os';
import * as path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type { ConcreteDevice, DeviceName } from '../tables';
import type { ProviderAttempt } from '../types';
import { ModelFolderError } from '../models/errors';
import { fromFloat16Array } from './float16';
import { failedTwice, GraphCache, uncachedPlan, type GraphCacheMissMode, type GraphKeyParts, type GraphLoadPlan } from './graph-cache';
import { DeviceError, isModelProblem, noteProviderFailure, NO_VULKAN_LOADER, providersFor, unavailableReason } from './providers';
import { SharedLoads } from './session-cache';
import { openInThread, ThreadOpenError, type ThreadSession } from './thread-session';
import type { FromThread, ThreadStart, ToThread } from './thread-protocol';
import type { HeldSessionSet, InferenceBackend, IoInfo, OpenOptions, SessionFile, SessionLoad, SessionSet } from './types';
import { errorMessage } from '../errors';

// onnxruntime-node 1.30's Linux library carries Microsoft's 1DS telemetry client (its strings name the
// collector URL): every process that opens a session writes `.ses` and `mat-debug-<pid>.log` into the
// temp folder. Nanoforge promises that nothing leaves the machine. The runtime reads this variable when
// it creates its environment (at the first session, after this module loaded), so setting it here is enough.
process.env.ORT_DISABLE_TELEMETRY = '1';

export type { ConcreteDevice } from '../tables';
/** The device → provider table lives with the other closed lists (src/inference/tables.ts). */
export { PROVIDER_TABLE } from '../tables';
export { DeviceError, NO_VULKAN_LOADER, providersFor, validDevices } from './providers';
export { setRunObserver, type RunObserver } from './thread-session';

/** onnxruntime-node's version (part of every optimized-graph cache key). */
export const ORT_VERSION: string = ort.env.versions.node ?? ort.env.versions.common;

/** onnxruntime messages start with a C++ source location; keep the part a person can act on. */
export function summariseOrtError(error: unknown): string {
  const message = errorMessage(error);
  const firstLine = message.split('\n')[0] ?? message;
  const afterCheck = /was false\. (.*)$/.exec(firstLine);
  if (afterCheck?.[1]) return afterCheck[1].trim();
  return firstLine.replace(/^\/onnxruntime_src\/\S+ \S+ /, '').trim();
}

// ---------------------------------------------------------------- inside a session thread

function toIoInfo(meta: ort.InferenceSession.ValueMetadata): IoInfo {
  if (!meta.isTensor) return { name: meta.name, type: 'non-tensor', shape: [] };
  return { name: meta.name, type: meta.type, shape: meta.shape };
}

/** A fresh Float32Array (its own buffer, so it can be transferred to the main thread). */
function toFloat32(tensor: ort.Tensor): Float32Array {
  const data = tensor.data;
  if (tensor.type === 'float32' && data instanceof Float32Array) return data.slice();
  if (tensor.type === 'float16' && data instanceof Uint16Array) return fromFloat16Array(data);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Float32Array.from(data, (v) => Number(v));
  if (ArrayBuffer.isView(data)) return Float32Array.from(data as unknown as ArrayLike<number>);
  throw new Error(`output of type '${tensor.type}' is not numeric`);
}

async function serveRun(session: ort.InferenceSession, message: Extract<ToThread, { type: 'run' }>): Promise<{ reply: FromThread; transfer: ArrayBuffer[] }> {
  try {
    const feeds = Object.fromEntries(Object.entries(message.feeds).map(([name, t]) => [name, new ort.Tensor(t.type, t.data, t.dims)]));
    const started = performance.now();
    const results = await session.run(feeds, message.outputs);
    const ms = performance.now() - started;
    const outputs: Record<string, { data: Float32Array; dims: number[] }> = {};
    for (const name of message.outputs) {
      const tensor = results[name];
      if (tensor) outputs[name] = { data: toFloat32(tensor), dims: tensor.dims.slice() };
    }
    return { reply: { type: 'result', id: message.id, outputs, ms }, transfer: Object.values(outputs).map((o) => o.data.buffer as ArrayBuffer) };
  } catch (error) {
    return { reply: { type: 'error', id: message.id, reason: summariseOrtError(error) }, transfer: [] };
  }
}

/** The body of a session thread (session-thread.ts): open one session, then serve runs until released. */
export function serveSessionThread(): void {
  const port = parentPort;
  if (!port) throw new Error('serveSessionThread() runs inside a session thread');
  const start = workerData as ThreadStart;
  void (async () => {
    const started = performance.now();
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(start.path, start.options as ort.InferenceSession.SessionOptions);
    } catch (error) {
      port.postMessage({ type: 'failed', reason: summariseOrtError(error) } satisfies FromThread);
      return;
    }
    const ready: FromThread = { type: 'ready', inputs: session.inputMetadata.map(toIoInfo), outputs: session.outputMetadata.map(toIoInfo), loadMs: performance.now() - started };
    port.postMessage(ready);
    port.on('message', (message: ToThread) => {
      if (message.type === 'release') {
        void session.release().finally(() => {
          port.postMessage({ type: 'released' } satisfies FromThread);
          port.close();
        });
        return;
      }
      void serveRun(session, message).then(({ reply, transfer }) => port.postMessage(reply, transfer));
    });
  })();
}

// ---------------------------------------------------------------- the main thread

function defaultThreads(): number {
  const fromEnv = Number(process.env.NANOFORGE_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return Math.max(1, Math.min(8, os.availableParallelism()));
}

/** NANOFORGE_LOAD=sequential opens a set's sessions one after another (the old behaviour, for benchmarks). */
function defaultParallel(): boolean {
  return process.env.NANOFORGE_LOAD !== 'sequential';
}

class OpenFailure extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

function sessionOptions(provider: ConcreteDevice, threads: number): Record<string, unknown> {
  return {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    logSeverityLevel: 3, // errors only: ort's warnings would clutter the CLI's stderr
    // onnxruntime's DirectML provider requires both (its documented session-option constraint).
    ...(provider === 'dml' ? { enableMemPattern: false, executionMode: 'sequential' } : {}),
    // CPU: the memory pattern plans one block for the whole run on the second run, which the arena
    // then holds beside the first run's chunks: +0.69 GiB for the full-size UNet at 512², no speed
    // gained (2.49-2.67 s vs 2.50-2.55 s per step, BENCHMARKS.md "Memory pattern").
    ...(provider === 'cpu' ? { enableMemPattern: false } : {}),
  };
}

interface OpenContext {
  provider: ConcreteDevice;
  threads: number;
  cache?: GraphCache;
  onMiss: GraphCacheMissMode;
  log?: (line: string) => void;
}

async function openPlanned(file: string, modelPath: string, base: Record<string, unknown>, plan: GraphLoadPlan | undefined): Promise<{ session: ThreadSession; load: SessionLoad }> {
  const start: ThreadStart = { path: plan?.path ?? modelPath, options: { ...base, ...plan?.options } };
  try {
    const { session, loadMs } = await openInThread(file, start);
    await plan?.opened();
    const load: SessionLoad = {
      file, ms: loadMs, graphCache: plan?.status ?? 'off',
      ...(plan?.reason ? { graphCacheReason: plan.reason } : {}), ...(plan?.entry ? { graphCacheEntry: plan.entry } : {}),
    };
    return { session, load };
  } catch (error) {
    await plan?.abandon();
    throw error;
  }
}

/** Opens one file on `provider`, through the graph cache when there is one (a cached graph that fails is rebuilt). */
async function openOne(root: string, file: string, ctx: OpenContext): Promise<{ session: ThreadSession; load: SessionLoad }> {
  const modelPath = path.join(root, file);
  const base = sessionOptions(ctx.provider, ctx.threads);
  const parts: GraphKeyParts = { ortVersion: ORT_VERSION, provider: ctx.provider, options: base };
  const plan = ctx.cache ? await ctx.cache.plan(modelPath, parts, undefined, ctx.onMiss) : undefined;
  try {
    return await openPlanned(file, modelPath, base, plan);
  } catch (error) {
    if (!(error instanceof ThreadOpenError)) throw error;
    if (!(ctx.cache && plan?.status === 'hit' && plan.entry)) throw new OpenFailure(file, error.reason);
    const reason = `the cached optimized graph did not load (${error.reason})`;
    ctx.log?.(`${file}: ${reason}; rebuilding it from the model`);
    const { retry } = await ctx.cache.evict(plan.entry, error.reason);
    // Refused twice: this load (and later ones, via the unusable marker) opens the model file itself.
    const again = retry ? await ctx.cache.plan(modelPath, parts, { rebuild: reason }, ctx.onMiss) : uncachedPlan(path.resolve(modelPath), failedTwice(error.reason));
    return openPlanned(file, modelPath, base, again).catch((second: unknown) => {
      throw second instanceof ThreadOpenError ? new OpenFailure(file, second.reason) : second;
    });
  }
}

async function openAll(dir: string, files: SessionFile[], ctx: OpenContext, parallel: boolean): Promise<{ sessions: ThreadSession[]; loads: SessionLoad[] }> {
  const open = (f: SessionFile): Promise<{ session: ThreadSession; load: SessionLoad }> => openOne(f.dir ?? dir, f.file, ctx);
  const settled: Array<PromiseSettledResult<{ session: ThreadSession; load: SessionLoad }>> = [];
  if (parallel) {
    settled.push(...(await Promise.allSettled(files.map(open))));
  } else {
    for (const f of files) {
      const [result] = await Promise.allSettled([open(f)]);
      settled.push(result as PromiseSettledResult<{ session: ThreadSession; load: SessionLoad }>);
      if (result?.status === 'rejected') break;
    }
  }
  const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  const opened = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  if (failure) {
    await Promise.all(opened.map((o) => o.session.release()));
    throw failure.reason;
  }
  return { sessions: opened.map((o) => o.session), loads: opened.map((o) => o.load) };
}

function supportedProviders(): string[] {
  return ort.listSupportedBackends().map((b) => b.name);
}

/** Opens every file on the first provider of `device` that works, recording each that did not. */
export async function openSessionSet(dir: string, files: SessionFile[], device: DeviceName, options: OpenOptions = {}): Promise<SessionSet> {
  const providers = providersFor(device);
  const fallbacks: ProviderAttempt[] = [];
  const threads = options.threads ?? defaultThreads();
  const cache = options.graphCache ? new GraphCache(options.graphCache) : undefined;
  for (const provider of providers) {
    const skip = unavailableReason(provider, supportedProviders());
    const ctx: OpenContext = { provider, threads, onMiss: options.onGraphCacheMiss ?? 'fast', ...(cache ? { cache } : {}), ...(options.log ? { log: options.log } : {}) };
    const result = skip ?? (await tryOpen(dir, files, ctx, options.parallel ?? defaultParallel()));
    if (typeof result !== 'string') return { sessions: result.sessions, loads: result.loads, device: provider, fallbacks };
    noteProviderFailure(provider, result);
    fallbacks.push({ provider, ok: false, reason: result });
    options.log?.(`Execution provider '${provider}' unavailable: ${result}`);
  }
  const last = fallbacks[fallbacks.length - 1];
  const install = last?.reason === NO_VULKAN_LOADER ? ` Install it (Debian/Ubuntu: libvulkan1) with your GPU's Vulkan driver, or use` : ` Use`;
  const suggestion = device === 'auto' ? '' : `${install} device 'auto' to fall back to another provider, or 'cpu'.`;
  throw new DeviceError(`Device '${device}' could not start: ${last?.reason ?? 'no provider available'}.${suggestion}`);
}

/** The sessions, or why this provider failed; a problem with the model file itself is thrown. */
async function tryOpen(dir: string, files: SessionFile[], ctx: OpenContext, parallel: boolean): Promise<{ sessions: ThreadSession[]; loads: SessionLoad[] } | string> {
  try {
    return await openAll(dir, files, ctx, parallel);
  } catch (error) {
    if (!(error instanceof OpenFailure)) throw error;
    if (isModelProblem(error.reason) || ctx.provider === 'cpu') {
      const owner = files.find((f) => f.file === error.file)?.dir ?? dir;
      throw new ModelFolderError(owner, error.file, `cannot be loaded as an ONNX model (${error.reason})`);
    }
    return `${error.reason} (while opening ${error.file})`;
  }
}

async function releaseSet(set: SessionSet): Promise<void> {
  await Promise.all(set.sessions.map((s) => (s as ThreadSession).release()));
}

const sharedSets = new SharedLoads<SessionSet>(releaseSet);

/**
 * Sessions cached per model folder + device + file list (the pipeline's, a decoder on its own); a
 * failed open is not cached, so a retry reopens.
 */
export async function acquireSessionSet(dir: string, files: SessionFile[], device: DeviceName, options: OpenOptions = {}): Promise<HeldSessionSet> {
  providersFor(device); // unknown device: fail before touching the cache
  // A build (preparing a model) never shares: it exists to open the files again and save their graphs.
  const key = [device, options.onGraphCacheMiss === 'build' ? 'build' : '', ...files.map((f) => path.resolve(f.dir ?? dir, f.file))].join('\u0000');
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
