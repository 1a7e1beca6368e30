// The model store's cache folder: `<store>/.cache/` (a dot folder, so `models list` never shows it).
// What lives there can be deleted at any time and is rebuilt: optimized onnxruntime graphs, and the
// notes that remember which hints were already shown.
import * as path from 'node:path';

export const STORE_CACHE_FOLDER = '.cache';

export function storeCacheDir(storeDir: string): string {
  return path.join(storeDir, STORE_CACHE_FOLDER);
}

/** Optimized graphs (src/inference/backend/graph-cache.ts). */
export function graphCacheDir(storeDir: string): string {
  return path.join(storeCacheDir(storeDir), 'onnx-graphs');
}

/** One empty file per hint already shown (e.g. the tiny-decoder offer for one model). */
export function hintsDir(storeDir: string): string {
  return path.join(storeCacheDir(storeDir), 'hints');
}
