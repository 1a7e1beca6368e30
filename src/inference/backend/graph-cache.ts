// The optimized-graph cache: onnxruntime's graph optimizations (constant folding, fusions, the CPU's
// NCHWc layout with its reordered weights) cost most of a large model's load time, so the first load
// saves the optimized graph (session option optimizedModelFilePath) and later loads open that copy
// with optimizations off. Caveats from onnxruntime's "Graph optimizations" page, and how they are met:
// - an optimized graph only runs with the same options, execution provider and hardware (layout
//   optimizations bake in CPU features such as AVX2/AVX-512): all of them are in the key, with the
//   onnxruntime version and the model files' identity (path, size, mtime of every file beside it);
// - one protobuf file holds at most 2 GB: initializers always go to an external data file;
// - a provider that compiles nodes (DirectML, Core ML) cannot serialize them, and GPU providers are
//   untested here: only the CPU provider is cached (CACHED_PROVIDERS);
// - an entry that fails to load (e.g. the optimized-model writer bug with external initializers that
//   onnxruntime users report) is evicted and rebuilt once, then the key is marked unusable.
// Entries are written into a temp folder and renamed into place with their manifest (atomic); a
// manifest that does not match the files (size, key) is a corrupt entry and is rebuilt. The folder is
// bounded by entry count and bytes, least recently used first.
// Who builds entries: building one runs every optimization, and for a full-size SD UNet on the CPU the
// NCHWc layout transform alone takes ~33 s of a ~39 s session creation. So a load that finds no entry
// ('fast', the default) opens the model with the 'extended' optimizations only — about 4× quicker to
// open, steps ~15 % slower — and reports 'unprepared'; preparing the model ('build': `nanoforge models
// prepare`, the end of a pull, the worker when idle) writes the entry every later load opens.
import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { errorMessage } from '../errors';
import { freeSpace as statfsFreeSpace, type FreeSpaceFn } from '../models/disk';
import { readTextFileBounded, TooLargeError } from '../safety/bounded';
import { entryPathProblem } from '../safety/paths';
import { inRange, ownValue } from '../safety/ranges';

export const GRAPH_FILE = 'model.onnx';
export const GRAPH_DATA_FILE = 'model.onnx.data';
const MANIFEST = 'entry.json';
const UNUSABLE = 'unusable.json';
/** Beside an evicted entry: its graph failed to load once, so the next build is the last try. */
const FAILED_ONCE = 'failed-once.json';
const MANIFEST_MAX_BYTES = 1024 * 1024;
/** Temp folders older than this belong to a process that died while writing. */
const STALE_TEMP_MS = 60 * 60 * 1000;

/** Providers whose optimized graphs are cached (see the caveats above). */
export const CACHED_PROVIDERS: readonly string[] = Object.freeze(['cpu']);

export interface GraphCacheOptions {
  /** The cache folder, e.g. `<model store>/.cache/onnx-graphs`. */
  dir: string;
  /** At most this many entries (one per model file × provider × options); default 16. */
  maxEntries?: number;
  /** At most this many bytes in all entries; default 24 GiB (an fp32 SD UNet's entry is ~3.4 GB). */
  maxBytes?: number;
  freeSpace?: FreeSpaceFn;
}

/**
 * hit: opened from the cache; miss / rebuilt: optimized and saved by this load (build mode);
 * unprepared: no entry yet, opened quickly with fewer optimizations (fast mode); off: not cached.
 */
export type GraphCacheStatus = 'hit' | 'miss' | 'rebuilt' | 'unprepared' | 'off';

/** What a load that finds no cached graph does (see the comment at the top). */
export type GraphCacheMissMode = 'fast' | 'build';

/** The optimization level of a fast (unprepared) load: everything but the CPU's layout transform. */
export const UNPREPARED_LEVEL = 'extended';

/** What identifies an optimized graph besides the model file: everything that changes the result. */
export interface GraphKeyParts {
  ortVersion: string;
  provider: string;
  /** The session options that shape the graph (optimization level, threads, memory settings). */
  options: Record<string, unknown>;
}

export interface GraphLoadPlan {
  status: GraphCacheStatus;
  /** Why the cache was not used or had to be rebuilt. */
  reason?: string;
  /** The file onnxruntime opens: the model itself, or the cached optimized copy. */
  path: string;
  /** Session options to add: where to save the optimized graph, or optimizations off for a hit. */
  options: Record<string, unknown>;
  /** The cache entry's folder (hit: where it lives; miss: where it will live). */
  entry?: string;
  /** Call after the session opened: a miss's copy is renamed into place and the cache is pruned. */
  opened(): Promise<void>;
  /** Call when the session did not open: a miss's temp folder is removed. */
  abandon(): Promise<void>;
}

interface Manifest {
  key: string;
  material: unknown;
  files: Record<string, number>;
  createdAt: string;
  /** This entry replaced one that failed to load; a second failure marks the key unusable. */
  rebuiltAfterFailure?: boolean;
}

/** The CPU as the layout optimizer sees it: model name and, on Linux, its feature flags. */
async function hardwareId(): Promise<string> {
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown';
  const cpuinfo = process.platform === 'linux' ? await fs.readFile('/proc/cpuinfo', 'utf8').catch(() => '') : '';
  const flags = /^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? '';
  return `${process.platform}-${process.arch}-${cpu}-${createHash('sha256').update(flags).digest('hex').slice(0, 16)}`;
}

/** Every regular file beside the model file (its external data may have any name): name, size, mtime. */
async function sourceIdentity(modelPath: string): Promise<Array<[string, number, number]>> {
  const dir = path.dirname(modelPath);
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const files: Array<[string, number, number]> = [];
  for (const entry of entries.filter((e) => e.isFile()).sort((a, b) => a.name.localeCompare(b.name))) {
    const stat = await fs.stat(path.join(dir, entry.name));
    files.push([entry.name, stat.size, Math.round(stat.mtimeMs)]);
  }
  return files;
}

/** A file's size as a manifest may state it (an fp32 SDXL UNet's data is ~10 GB; far above is corrupt). */
const FILE_SIZE_RANGE = Object.freeze({ min: 0, max: 2 ** 40, integer: true });

async function readManifest(file: string): Promise<Manifest | undefined> {
  const stat = await fs.stat(file).catch(() => undefined);
  if (!stat || !stat.isFile()) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readTextFileBounded(file, MANIFEST_MAX_BYTES));
  } catch (error) {
    // A half-written, oversized or hand-edited manifest is a corrupt entry, rebuilt by the caller.
    if (error instanceof SyntaxError || error instanceof TooLargeError) return undefined;
    throw error;
  }
  const key = ownValue(parsed, 'key');
  const files = ownValue(parsed, 'files');
  if (typeof key !== 'string' || typeof files !== 'object' || files === null || Array.isArray(files)) return undefined;
  // Own entries only, each size a plausible byte count: a "__proto__" key never reaches a prototype.
  const sizes: Record<string, number> = {};
  for (const [name, size] of Object.entries(files)) {
    if (!inRange(size, FILE_SIZE_RANGE)) return undefined;
    sizes[name] = size;
  }
  return { ...(parsed as Manifest), key, files: sizes };
}

/** Why an entry cannot be used as it is, or undefined when its manifest, key and file sizes agree. */
async function entryProblem(entry: string, key: string, manifest: Manifest | undefined): Promise<string | undefined> {
  if (!manifest) return 'its manifest is missing or unreadable';
  if (manifest.key !== key) return 'its manifest names another key';
  if (!Object.hasOwn(manifest.files, GRAPH_FILE)) return `its manifest lists no ${GRAPH_FILE}`;
  for (const [name, size] of Object.entries(manifest.files)) {
    // The path rule, one segment, and no dot files (temp folders and markers start with a dot).
    if (entryPathProblem(name) !== undefined || name.includes('/') || name.startsWith('.')) return `its manifest names an odd file '${name.slice(0, 80)}'`;
    const actual = await fs.stat(path.join(entry, name)).then((s) => s.size, () => undefined);
    if (actual !== size) return `${name} is ${actual === undefined ? 'missing' : `${actual} bytes, not ${size}`}`;
  }
  return undefined;
}

/**
 * Whether the process that named a temp folder `.tmp-<key>-<pid>-<random>` still runs (a preparation
 * stopped by Ctrl-C or killed with its worker leaves one); unknown: assume it does.
 */
function writerAlive(name: string): boolean {
  const pid = Number(/^\.tmp-[0-9a-f]+-(\d+)-/.exec(name)?.[1]);
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Opening the model file itself, without the cache, and why. */
export function uncachedPlan(source: string, reason: string): GraphLoadPlan {
  return { status: 'off', reason, path: source, options: {}, opened: async () => undefined, abandon: async () => undefined };
}

/** Why a key is no longer cached: its rebuilt graph was refused as well. */
export function failedTwice(reason: string): string {
  return `this model's optimized graph failed to load twice (${reason})`;
}

export class GraphCache {
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly free: FreeSpaceFn;

  constructor(private readonly opts: GraphCacheOptions) {
    this.maxEntries = opts.maxEntries ?? 16;
    this.maxBytes = opts.maxBytes ?? 24 * 2 ** 30;
    this.free = opts.freeSpace ?? statfsFreeSpace;
  }

  get dir(): string {
    return this.opts.dir;
  }

  /** The key of `modelPath` loaded with `parts`, and the material it hashes (kept in the manifest). */
  async keyOf(modelPath: string, parts: GraphKeyParts): Promise<{ key: string; material: unknown }> {
    const material = {
      format: 1, ...parts, hardware: await hardwareId(), source: path.resolve(modelPath), files: await sourceIdentity(modelPath),
    };
    return { key: createHash('sha256').update(JSON.stringify(material)).digest('hex').slice(0, 32), material };
  }

  /**
   * How to open `modelPath`: from the cache (hit); without an entry, from the source either saving
   * the optimized graph (mode 'build') or quickly with fewer optimizations (mode 'fast').
   */
  async plan(modelPath: string, parts: GraphKeyParts, force?: { rebuild: string }, mode: GraphCacheMissMode = 'build'): Promise<GraphLoadPlan> {
    const source = path.resolve(modelPath);
    const off = (reason: string): GraphLoadPlan => uncachedPlan(source, reason);
    if (!CACHED_PROVIDERS.includes(parts.provider)) return off(`the ${parts.provider} provider's graphs are not cached`);
    const { key, material } = await this.keyOf(source, parts);
    const entry = path.join(this.opts.dir, key);
    const unusable = await readManifest(path.join(this.opts.dir, `${key}.${UNUSABLE}`));
    if (unusable) return off(failedTwice(String((unusable as { reason?: unknown }).reason ?? '')));
    let reason = force?.rebuild;
    if (!force) {
      const manifest = await readManifest(path.join(entry, MANIFEST));
      const problem = await entryProblem(entry, key, manifest);
      if (!problem && manifest) {
        await fs.utimes(path.join(entry, MANIFEST), new Date(), new Date()).catch(() => undefined);
        return {
          status: 'hit', path: path.join(entry, GRAPH_FILE), options: { graphOptimizationLevel: 'disabled' }, entry,
          opened: async () => undefined, abandon: async () => undefined,
        };
      }
      const exists = await fs.stat(entry).then(() => true, () => false);
      if (exists) reason = `the cached entry is corrupt: ${problem ?? 'unknown'}`;
    }
    if (mode === 'fast') {
      const why = reason ?? 'no optimized graph is cached for it yet';
      return { ...uncachedPlan(source, `${why}; opened with the '${UNPREPARED_LEVEL}' optimizations until the model is prepared`), status: 'unprepared', options: { graphOptimizationLevel: UNPREPARED_LEVEL } };
    }
    const needed = (await sourceIdentity(source)).reduce((sum, [, size]) => sum + size, 0);
    await fs.mkdir(this.opts.dir, { recursive: true });
    const free = await this.free(this.opts.dir).catch(() => Number.POSITIVE_INFINITY);
    if (free < needed * 1.1 + 256 * 2 ** 20) return off(`only ${Math.round(free / 2 ** 20)} MiB free in ${this.opts.dir} for a ${Math.round(needed / 2 ** 20)} MiB graph`);
    const previous = reason !== undefined ? await readManifest(path.join(entry, MANIFEST)) : undefined;
    const failedOnce = await readManifest(`${entry}.${FAILED_ONCE}`);
    if (failedOnce && reason === undefined) reason = `its optimized graph failed to load before (${String((failedOnce as { reason?: unknown }).reason ?? '')})`;
    return this.missPlan(source, key, material, entry, reason, force !== undefined || failedOnce !== undefined || previous?.rebuiltAfterFailure === true);
  }

  private async missPlan(source: string, key: string, material: unknown, entry: string, reason: string | undefined, afterFailure: boolean): Promise<GraphLoadPlan> {
    const temp = path.join(this.opts.dir, `.tmp-${key}-${process.pid}-${randomUUID().slice(0, 8)}`);
    await fs.mkdir(temp, { recursive: true });
    const options = {
      optimizedModelFilePath: path.join(temp, GRAPH_FILE),
      // Always external initializers: a protobuf file cannot exceed 2 GB (an fp32 UNet is 3.4 GB).
      extra: { session: { optimized_model_external_initializers_file_name: GRAPH_DATA_FILE, optimized_model_external_initializers_min_size_in_bytes: '1024' } },
    };
    const status: GraphCacheStatus = reason === undefined ? 'miss' : 'rebuilt';
    return {
      status, ...(reason === undefined ? {} : { reason }), path: source, options, entry,
      opened: () => this.commit(temp, entry, key, material, afterFailure),
      abandon: () => fs.rm(temp, { recursive: true, force: true }),
    };
  }

  /** Writes the manifest into the finished temp folder and renames it into place, then prunes. */
  private async commit(temp: string, entry: string, key: string, material: unknown, afterFailure: boolean): Promise<void> {
    try {
      const files: Record<string, number> = {};
      for (const name of await fs.readdir(temp)) files[name] = (await fs.stat(path.join(temp, name))).size;
      if (!Object.hasOwn(files, GRAPH_FILE)) throw new Error(`onnxruntime wrote no ${GRAPH_FILE}`);
      const manifest: Manifest = { key, material, files, createdAt: new Date().toISOString(), ...(afterFailure ? { rebuiltAfterFailure: true } : {}) };
      await fs.writeFile(path.join(temp, MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`);
      await fs.rm(entry, { recursive: true, force: true });
      await fs.rename(temp, entry).catch(async (error: NodeJS.ErrnoException) => {
        // Another process put the same entry in place first: theirs is as good as ours.
        if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
      });
      await fs.rm(`${entry}.${FAILED_ONCE}`, { force: true });
    } finally {
      await fs.rm(temp, { recursive: true, force: true });
    }
    await this.prune(entry);
  }

  /**
   * A cached graph that onnxruntime refused: the entry goes; an entry that was itself a rebuild after
   * a failure marks the key unusable, so a graph onnxruntime cannot reload is not rewritten forever.
   * Otherwise a marker remembers the failure until the next build (which may be another process's).
   */
  async evict(entry: string, reason: string): Promise<{ retry: boolean }> {
    const manifest = await readManifest(path.join(entry, MANIFEST));
    await fs.rm(entry, { recursive: true, force: true });
    const marker = (key: string): string => `${JSON.stringify({ key, files: {}, reason, createdAt: new Date().toISOString() })}\n`;
    if (manifest?.rebuiltAfterFailure) {
      await fs.writeFile(`${entry}.${UNUSABLE}`, marker(manifest.key));
      await fs.rm(`${entry}.${FAILED_ONCE}`, { force: true });
      return { retry: false };
    }
    await fs.writeFile(`${entry}.${FAILED_ONCE}`, marker(manifest?.key ?? path.basename(entry)));
    return { retry: true };
  }

  /** Removes the least recently used entries past the bounds (never `keep`) and dead temp folders. */
  async prune(keep?: string): Promise<string[]> {
    const names = await fs.readdir(this.opts.dir).catch(() => [] as string[]);
    const entries: Array<{ dir: string; used: number; bytes: number }> = [];
    const removed: string[] = [];
    for (const name of names) {
      const full = path.join(this.opts.dir, name);
      if (name.startsWith('.tmp-')) {
        const stat = await fs.stat(full).catch(() => undefined);
        if (stat && (Date.now() - stat.mtimeMs > STALE_TEMP_MS || !writerAlive(name))) await fs.rm(full, { recursive: true, force: true });
        continue;
      }
      const manifest = await fs.stat(path.join(full, MANIFEST)).catch(() => undefined);
      const bytes = (await readManifest(path.join(full, MANIFEST)))?.files ?? {};
      entries.push({ dir: full, used: manifest?.mtimeMs ?? 0, bytes: Object.values(bytes).reduce((a, b) => a + b, 0) });
    }
    entries.sort((a, b) => b.used - a.used);
    let count = 0;
    let total = 0;
    for (const e of entries) {
      count++;
      total += e.bytes;
      if (e.dir === keep || (count <= this.maxEntries && total <= this.maxBytes)) continue;
      await fs.rm(e.dir, { recursive: true, force: true }).catch((error: unknown) => {
        throw new Error(`cannot prune the graph cache entry ${e.dir}: ${errorMessage(error)}`);
      });
      removed.push(e.dir);
    }
    return removed;
  }
}
