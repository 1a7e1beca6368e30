// Preparing a model for this machine: every session a generation opens (text encoder, UNet, the tiny
// decoder that pairs with it, the full VAE decoder) is opened once with every optimization and its
// optimized graph saved in the store's cache (backend/graph-cache.ts), so no generation ever pays for
// the optimization. One file at a time, each released before the next: the peak is one UNet, not a
// pipeline. `nanoforge models prepare`, the end of `models pull`/`models add`, and the worker (when
// idle, in a low-priority child process, worker/background-prepare.ts) run it.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { GraphCacheStatus } from './backend/graph-cache';
import { onnxBackend } from './backend/onnx';
import type { InferenceBackend, SessionFile } from './backend/types';
import { MODEL_FILES, validateModelFolder } from './models/folder';
import { graphCacheDir } from './models/store-cache';
import { findTinyDecoder } from './models/tiny-decoder';
import { tinyDecoderFile } from './pipeline/model';
import type { ConcreteDevice, DeviceName, ProviderAttempt } from './types';

export interface PrepareOptions {
  /** The model store: its `.cache/onnx-graphs` receives the graphs, its installed taesd pairs with the model. */
  storeDir: string;
  device?: DeviceName;
  threads?: number;
  log?: (line: string) => void;
  /** Called before each file is opened. */
  onFile?: (file: PreparedFile, index: number, count: number) => void;
  backend?: InferenceBackend;
}

export interface PreparedFile {
  /** Relative to `dir`. */
  file: string;
  /** The folder `file` is in: the model's, or an installed tiny decoder's. */
  dir: string;
  /** 'miss' / 'rebuilt': optimized and saved now; 'hit': already prepared; 'off': this device is not cached. */
  graphCache?: GraphCacheStatus;
  reason?: string;
  ms?: number;
}

export interface PreparedModel {
  dir: string;
  device: ConcreteDevice;
  fallbacks: ProviderAttempt[];
  files: PreparedFile[];
  ms: number;
}

/** The files a generation opens, in the order they are prepared (largest last but one, so a failure shows early). */
async function sessionFiles(dir: string, storeDir: string): Promise<SessionFile[]> {
  const info = await validateModelFolder(dir);
  const tiny = await findTinyDecoder(info, storeDir);
  return [
    { file: MODEL_FILES.textEncoder },
    ...(tiny ? [tinyDecoderFile(tiny)] : []),
    { file: MODEL_FILES.unet },
    { file: MODEL_FILES.vaeDecoder },
  ];
}

/** Opens each file of the model with every optimization, saving the graphs, then releases it. */
export async function prepareModel(dir: string, options: PrepareOptions): Promise<PreparedModel> {
  const started = performance.now();
  const backend = options.backend ?? onnxBackend;
  const files = await sessionFiles(dir, options.storeDir);
  const prepared: PreparedFile[] = [];
  let device = options.device ?? 'auto';
  let first: { device: ConcreteDevice; fallbacks: ProviderAttempt[] } | undefined;
  for (const [index, f] of files.entries()) {
    const entry: PreparedFile = { file: f.file, dir: f.dir ?? dir };
    options.onFile?.(entry, index, files.length);
    const held = await backend.acquireSessions(dir, [f], device, {
      graphCache: { dir: graphCacheDir(options.storeDir) }, onGraphCacheMiss: 'build', parallel: false,
      ...(options.threads ? { threads: options.threads } : {}), ...(options.log ? { log: options.log } : {}),
    });
    try {
      const load = held.set.loads[0];
      prepared.push({ ...entry, ...(load ? { graphCache: load.graphCache, ms: load.ms, ...(load.graphCacheReason ? { reason: load.graphCacheReason } : {}) } : {}) });
      // The rest go to the provider the first one found, as a generation's sessions do.
      first ??= { device: held.set.device, fallbacks: held.set.fallbacks };
      device = held.set.device;
    } finally {
      await held.release();
    }
  }
  return { dir, device: first?.device ?? 'cpu', fallbacks: first?.fallbacks ?? [], files: prepared, ms: performance.now() - started };
}

/** One line for people: what was prepared, or why nothing needed to be. */
export function describePreparation(p: PreparedModel): string {
  const seconds = `${(p.ms / 1000).toFixed(1)} s`;
  const built = p.files.filter((f) => f.graphCache === 'miss' || f.graphCache === 'rebuilt').length;
  const ready = p.files.filter((f) => f.graphCache === 'hit').length;
  if (built + ready === 0) return `checked on ${p.device} in ${seconds}; nothing to save: ${p.files.find((f) => f.reason)?.reason ?? 'no optimized graph was cached'}`;
  const skipped = p.fallbacks.length ? `, after ${p.fallbacks.map((f) => f.provider).join(', ')} could not start` : '';
  const parts = [built ? `${built} optimized graph(s) saved` : '', ready ? `${ready} already prepared` : ''].filter(Boolean).join(', ') + skipped;
  return `prepared for ${p.device} in ${seconds} (${parts}); generations now load it from the cache`;
}

/**
 * Memory a preparation needs: about 1.5× the largest session's files (the model's weights, onnxruntime's
 * reordered copies while it optimizes) plus the runtime; BENCHMARKS.md "Before → after" has the measured peak.
 */
export async function estimatePrepareBytes(dir: string): Promise<number> {
  let largest = 0;
  for (const file of [MODEL_FILES.textEncoder, MODEL_FILES.unet, MODEL_FILES.vaeDecoder]) {
    const folder = path.join(dir, path.dirname(file));
    const names = await fs.readdir(folder).catch(() => [] as string[]);
    let bytes = 0;
    for (const name of names) bytes += await fs.stat(path.join(folder, name)).then((s) => (s.isFile() ? s.size : 0), () => 0);
    largest = Math.max(largest, bytes);
  }
  return Math.round(largest * 1.5) + 256 * 2 ** 20;
}
