// The seam between the pipeline and whatever runs a model: the pipeline sees sessions with named
// inputs and outputs, plain numbers in (TensorFeed) and Float32Array out, and never a runtime's own
// types. onnx.ts (onnxruntime-node) is one implementation; a remote inference server would be another.
import type { ConcreteDevice, DeviceName } from '../tables';
import type { ProviderAttempt } from '../types';
import type { GraphCacheMissMode, GraphCacheOptions, GraphCacheStatus } from './graph-cache';

/** One input or output as the session reports it (`shape` entries are sizes or symbolic names). */
export interface IoInfo {
  name: string;
  /** ONNX element type: 'float32', 'float16', 'int64', 'int32', … ('non-tensor' for anything else). */
  type: string;
  shape: ReadonlyArray<number | string>;
}

/** Values for one input; the backend casts them to the input's declared element type. */
export interface TensorFeed {
  values: ArrayLike<number>;
  dims: readonly number[];
}

export interface FloatTensor {
  data: Float32Array;
  dims: number[];
}

export interface ModelSession {
  /** Path relative to the model folder, used in every error about this session. */
  readonly file: string;
  readonly inputs: readonly IoInfo[];
  readonly outputs: readonly IoInfo[];
  run(feeds: Record<string, TensorFeed>, outputNames: string[]): Promise<Record<string, FloatTensor>>;
}

export interface SessionFile {
  /** Relative to the model folder, e.g. `unet/model.onnx` (an external `.onnx.data` beside it loads too). */
  file: string;
  /** Another folder the file lives in (an installed tiny decoder paired with the model); default: the set's folder. */
  dir?: string;
}

/** How one session of a set was opened. */
export interface SessionLoad {
  file: string;
  /** Wall time of creating the session (its thread's own measure). */
  ms: number;
  /** Whether it came from the optimized-graph cache ('unprepared': not yet, opened quickly; 'off': no cache, or this provider is not cached). */
  graphCache: GraphCacheStatus;
  /** Why the cache was off or rebuilt. */
  graphCacheReason?: string;
  /** The cache entry's folder the session came from (hit) or was saved to (miss, rebuilt). */
  graphCacheEntry?: string;
}

export interface SessionSet {
  /** One session per requested file, in the same order. */
  sessions: ModelSession[];
  device: ConcreteDevice;
  /** Providers tried before `device`, each with why it failed. */
  fallbacks: ProviderAttempt[];
  /** One entry per session, in the same order. */
  loads: SessionLoad[];
}

export interface OpenOptions {
  log?: (line: string) => void;
  /** Intra-op threads; defaults to NANOFORGE_THREADS or the available cores (max 8). */
  threads?: number;
  /** Cache optimized graphs in this folder (see graph-cache.ts); absent: every load optimizes. */
  graphCache?: GraphCacheOptions;
  /**
   * With a cache, a file that has no cached graph yet: 'fast' (default) opens it quickly with fewer
   * optimizations ('unprepared'), 'build' optimizes it fully and saves the graph (preparing a model).
   */
  onGraphCacheMiss?: GraphCacheMissMode;
  /** Open the set's sessions at the same time (default), or one after another (NANOFORGE_LOAD=sequential). */
  parallel?: boolean;
}

export interface HeldSessionSet {
  set: SessionSet;
  /** Lets go of this hold; the sessions are released when no pipeline holds them. */
  release(): Promise<void>;
}

/** What the pipeline needs from a way of running models. */
export interface InferenceBackend {
  /** Shown in logs and errors, e.g. 'onnxruntime'. */
  readonly name: string;
  /**
   * Opens the sessions of `files` in the model folder `dir` on `device` (or shares ones already
   * open); an unknown device or a file that cannot load is an error naming it.
   */
  acquireSessions(dir: string, files: SessionFile[], device: DeviceName, options?: OpenOptions): Promise<HeldSessionSet>;
}
