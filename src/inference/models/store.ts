// The models folder: downloaded models (one folder per id, each with its manifest), a registry of
// local folders the user pointed at, and the pull that fills it. A pull lists the repository at the
// revision, keeps only the folders a pipeline needs, checks free space, downloads into
// `.incoming/<id>` (part files survive cancellation), validates, and renames the finished folder in.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readTextFileBounded } from '../safety/bounded';
import { resolveInsideReal } from '../safety/paths';
import { isPinned, resolvePullSource, type PullSource } from './catalog';
import { ensureFreeSpace, fileSize, freeSpace as statfsFreeSpace, renameWithRetry, sizeOnDisk, type FreeSpaceFn } from './disk';
import { DEFAULT_RETRY, fetchFile, partPath, ProgressTracker, retryDelay, sleep, type FetchContext, type PullProgress, type RetryPolicy } from './download';
import { validateModelFolder, MODEL_FILES } from './folder';
import { HubHttpError, hubEndpoint, listRepoFiles, resolveRevision, resolveUrl, type HubOptions, type RepoFile } from './hub';
import { MANIFEST_FILE, ManifestError, readManifest, sha256File, verifyAgainstManifest, writeManifest, type ManifestFile, type ModelManifest, type VerifyReport } from './verify';
import { AbortError, errorMessage } from '../errors';

/** Folders of the diffusers ONNX layout a text-to-image pipeline loads. */
export const PIPELINE_FOLDERS = ['scheduler', 'tokenizer', 'text_encoder', 'unet', 'vae_decoder'];
/** Fetched too when the repository has them: image-to-image encoders and the tiny decoder (optional). */
export const OPTIONAL_PIPELINE_FOLDERS = ['vae_encoder', 'vae_encoder_tiny', 'vae_decoder_tiny'];
/** Weights in formats we never load, and TensorRT engines built for someone else's GPU. */
const SKIPPED_FILES = /\.(safetensors|bin|ckpt|pt|pth|msgpack|h5|engine|plan|trt)$/i;
const REGISTRY_FILE = 'local-models.json';
const INCOMING = '.incoming';
/** The registry of local folders is ours, but a broken or planted one must not be read without end. */
const REGISTRY_MAX_BYTES = 4 * 1024 * 1024;

export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreError';
  }
}

/** $NANOFORGE_MODELS, else ~/.cache/nanoforge/models. */
export function defaultStoreDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.NANOFORGE_MODELS || path.join(os.homedir(), '.cache', 'nanoforge', 'models');
}

export interface InstalledModel {
  id: string;
  dir: string;
  origin: 'downloaded' | 'local';
  /** 'preview-decoder' for a TAESD-style decoder: not a model to generate with. */
  kind: 'pipeline' | 'preview-decoder';
  sizeBytes: number;
  repo?: string;
  revision?: string;
  /** Local folders only: false when the registered folder is gone. */
  present: boolean;
}

export interface PullOptions {
  hub: HubOptions;
  signal?: AbortSignal;
  retry?: Partial<RetryPolicy>;
  onProgress?: (p: PullProgress) => void;
  log?: (line: string) => void;
  freeSpace?: FreeSpaceFn;
  /** Progress throttle (ms); tests use 0. */
  progressThrottleMs?: number;
  random?: () => number;
}

export interface PullResult {
  id: string;
  dir: string;
  status: 'downloaded' | 'already-installed' | 'repaired';
  repo: string;
  commit: string;
  totalBytes: number;
  /** Files fetched in this run (repair: only the damaged ones). */
  fetched: string[];
}

interface RegistryEntry { id: string; path: string; addedAt: string }

/** Keeps the files a pipeline (or a preview decoder) needs; throws when a required one is absent. */
export function selectModelFiles(files: RepoFile[], source: Pick<PullSource, 'repo' | 'revision' | 'kind' | 'fetchFolders'>): RepoFile[] {
  const folders = source.fetchFolders ?? (source.kind === 'pipeline' ? [...PIPELINE_FOLDERS, ...OPTIONAL_PIPELINE_FOLDERS] : ['vae_decoder']);
  const chosen = files.filter((f) => {
    const top = f.path.split('/')[0] ?? '';
    if (SKIPPED_FILES.test(f.path)) return false;
    return (f.path === MODEL_FILES.modelIndex && source.kind === 'pipeline') || (f.path.includes('/') && folders.includes(top));
  });
  const required = source.kind === 'pipeline'
    ? [MODEL_FILES.modelIndex, MODEL_FILES.scheduler, MODEL_FILES.vocab, MODEL_FILES.merges, MODEL_FILES.textEncoder, MODEL_FILES.unet, MODEL_FILES.vaeDecoder]
    : [MODEL_FILES.vaeDecoder];
  const missing = required.filter((r) => !chosen.some((f) => f.path === r));
  if (missing.length > 0) throw new StoreError(`${source.repo}@${source.revision} is not an ONNX export in the diffusers layout: it has no ${missing.join(', ')}`);
  return chosen.sort((a, b) => a.path.localeCompare(b.path));
}

/** Retries listing-type calls on 429/5xx only; an unreachable hub fails at once (offline). */
async function withHubRetry<T>(what: () => Promise<T>, policy: RetryPolicy, opts: PullOptions): Promise<T> {
  for (let failures = 1; ; failures++) {
    try {
      return await what();
    } catch (error) {
      if (opts.signal?.aborted) throw new AbortError('Download cancelled before it started.');
      const wait = error instanceof HubHttpError && failures < policy.maxAttempts ? retryDelay(error, failures, policy, opts.random) : undefined;
      if (wait === undefined) throw error;
      opts.log?.(`${(error as Error).message}; retrying in ${(wait / 1000).toFixed(1)}s`);
      await sleep(wait, opts.signal);
    }
  }
}

export class ModelStore {
  constructor(readonly root: string) {}

  modelDir(id: string): string {
    if (!/^[\w.@-]+$/.test(id) || id.startsWith('.')) throw new StoreError(`"${id}" is not a valid model id`);
    return path.join(this.root, id);
  }

  incomingDir(id: string): string {
    return path.join(this.root, INCOMING, id);
  }

  /** Downloads a catalog id or owner/repo[@revision]; resumes what an earlier run left. */
  async pull(spec: string | PullSource, opts: PullOptions): Promise<PullResult> {
    const source = typeof spec === 'string' ? resolvePullSource(spec) : spec;
    const policy = { ...DEFAULT_RETRY, ...opts.retry };
    const finalDir = this.modelDir(source.id);
    // A damaged manifest throws ManifestError (naming the file): better than downloading over it.
    const existing = await readManifest(finalDir);
    if (existing) return { id: source.id, dir: finalDir, status: 'already-installed', repo: existing.source.repo, commit: existing.source.commit, totalBytes: sum(existing.files), fetched: [] };
    if (await exists(finalDir)) throw new StoreError(`${finalDir} already exists and is not a Nanoforge download; remove it or pick another id`);
    const unlock = await this.lock(source.id);
    try {
      return await this.download(source, finalDir, policy, opts);
    } finally {
      await unlock();
    }
  }

  private async download(source: PullSource, finalDir: string, policy: RetryPolicy, opts: PullOptions): Promise<PullResult> {
    const commit = isPinned(source.revision) ? source.revision : await withHubRetry(() => resolveRevision(source.repo, source.revision, opts.hub, opts.signal), policy, opts);
    const listing = await withHubRetry(() => listRepoFiles(source.repo, commit, opts.hub, opts.signal), policy, opts);
    const files = selectModelFiles(listing, { ...source, revision: commit });
    const incoming = this.incomingDir(source.id);
    const fetched = await this.fetchAll(source.repo, commit, files, incoming, policy, opts);
    const manifest: ModelManifest = {
      format: 1,
      id: source.id,
      kind: source.kind,
      source: { endpoint: hubEndpoint(opts.hub), repo: source.repo, revision: source.revision, commit },
      downloadedAt: new Date().toISOString(),
      files: fetched,
    };
    await writeManifest(incoming, manifest);
    if (source.kind === 'pipeline') await validateModelFolder(incoming);
    await renameWithRetry(incoming, finalDir);
    opts.log?.(`installed ${source.repo}@${commit.slice(0, 12)} as ${source.id} in ${finalDir}`);
    return { id: source.id, dir: finalDir, status: 'downloaded', repo: source.repo, commit, totalBytes: sum(fetched), fetched: fetched.map((f) => f.path) };
  }

  /** Checks space, then fetches every file into `dir` (skipping complete ones); returns the manifest list. */
  private async fetchAll(repo: string, commit: string, files: RepoFile[], dir: string, policy: RetryPolicy, opts: PullOptions): Promise<ManifestFile[]> {
    // Every destination (and its part file) must resolve inside `dir`, symlinks included, before
    // anything is stat'ed, deleted or written: the listing and the manifest are not ours.
    const where = `${repo}@${commit}`;
    const dests = await Promise.all(files.map(async (f) => {
      await resolveInsideReal(dir, `${f.path}.part`, where);
      return resolveInsideReal(dir, f.path, where);
    }));
    const onDisk = await Promise.all(dests.map((dest) => Promise.all([fileSize(dest), fileSize(partPath(dest))])));
    const have = onDisk.reduce((total, [done, part], i) => total + (done !== undefined && done === files[i]?.size ? done : Math.max(0, Math.min(part ?? 0, files[i]?.size ?? 0))), 0);
    const total = sum(files);
    await fs.mkdir(this.root, { recursive: true });
    await ensureFreeSpace(this.root, total - have, opts.freeSpace ?? statfsFreeSpace);
    const tracker = new ProgressTracker(total, files.length, opts.onProgress, { throttleMs: opts.progressThrottleMs });
    tracker.preload(have);
    const ctx: FetchContext = { hub: opts.hub, repo, retry: policy, signal: opts.signal, log: opts.log, random: opts.random, onBytes: (delta) => tracker.add(delta) };
    const result: ManifestFile[] = [];
    for (const [index, file] of files.entries()) {
      if (opts.signal?.aborted) throw new AbortError('Download cancelled; the next pull resumes from the .part files.');
      tracker.startFile(file.path, index);
      const dest = dests[index] as string;
      const complete = onDisk[index]?.[0] === file.size ? await sha256File(dest, opts.signal) : undefined;
      if (complete && (!file.sha256 || complete === file.sha256)) {
        result.push({ path: file.path, size: file.size, sha256: complete });
        continue;
      }
      if (complete) await fs.rm(dest); // a finished file from an earlier run that no longer matches
      const sha256 = await fetchFile({ ...file, url: resolveUrl(repo, commit, file.path, opts.hub), dest }, ctx);
      result.push({ path: file.path, size: file.size, sha256 });
    }
    tracker.finish();
    return result;
  }

  /** Re-fetches only the files `verify` finds damaged, from the manifest's commit. */
  async repair(id: string, opts: PullOptions): Promise<PullResult & { report: VerifyReport }> {
    const dir = this.modelDir(id);
    const manifest = await readManifest(dir);
    if (!manifest) throw new StoreError(`${id} has no ${MANIFEST_FILE}: only downloaded models can be repaired`);
    const unlock = await this.lock(id);
    try {
      return await this.repairUnlocked(id, dir, manifest, opts);
    } finally {
      await unlock();
    }
  }

  private async repairUnlocked(id: string, dir: string, manifest: ModelManifest, opts: PullOptions): Promise<PullResult & { report: VerifyReport }> {
    const report = await verifyAgainstManifest(dir, manifest, { signal: opts.signal });
    const damaged = manifest.files.filter((f) => report.problems.some((p) => p.path === f.path));
    for (const f of damaged) await fs.rm(await resolveInsideReal(dir, f.path, path.join(dir, MANIFEST_FILE)), { force: true });
    const files: RepoFile[] = damaged.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 }));
    await this.fetchAll(manifest.source.repo, manifest.source.commit, files, dir, { ...DEFAULT_RETRY, ...opts.retry }, opts);
    return { id, dir, status: 'repaired', repo: manifest.source.repo, commit: manifest.source.commit, totalBytes: sum(manifest.files), fetched: damaged.map((f) => f.path), report };
  }

  async verify(id: string, opts: { signal?: AbortSignal; onBytes?: (n: number) => void } = {}): Promise<VerifyReport & { id: string; hasManifest: boolean }> {
    const found = (await this.list()).find((m) => m.id === id);
    if (!found) throw new StoreError(`no model "${id}" in ${this.root}`);
    const manifest = await readManifest(found.dir);
    if (manifest) return { id, hasManifest: true, ...(await verifyAgainstManifest(found.dir, manifest, opts)) };
    // A local folder has nothing to hash against: check its layout with the core's validator.
    await validateModelFolder(found.dir);
    return { id, hasManifest: false, dir: found.dir, ok: true, checked: 0, problems: [] };
  }

  async list(): Promise<InstalledModel[]> {
    const models: InstalledModel[] = [];
    const entries = await fs.readdir(this.root, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    for (const entry of entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).sort((a, b) => a.name.localeCompare(b.name))) {
      const dir = path.join(this.root, entry.name);
      // A damaged manifest still lists the folder (as ours, without a source); verify reports why.
      const manifest = await readManifest(dir).catch((error: unknown) => {
        if (error instanceof ManifestError) return undefined;
        throw error;
      });
      if (!manifest && !(await exists(path.join(dir, MODEL_FILES.modelIndex)))) continue;
      models.push({ id: entry.name, dir, origin: 'downloaded', kind: manifest?.kind ?? 'pipeline', sizeBytes: await sizeOnDisk(dir), repo: manifest?.source.repo, revision: manifest?.source.commit, present: true });
    }
    for (const local of await this.readRegistry()) {
      const present = await exists(local.path);
      models.push({ id: local.id, dir: local.path, origin: 'local', kind: 'pipeline', sizeBytes: present ? await sizeOnDisk(local.path) : 0, present });
    }
    return models;
  }

  /** Registers a folder the user already has, after the core's validator accepts it. */
  async add(folder: string, id?: string): Promise<InstalledModel> {
    const dir = path.resolve(folder);
    const info = await validateModelFolder(dir);
    // A manifest that came with the folder is what verify will walk: its paths pass the same rule now.
    await readManifest(dir);
    const chosen = id ?? (slug(path.basename(dir)) || slug(info.modelId));
    this.modelDir(chosen); // validates the id
    const taken = (await this.list()).find((m) => m.id === chosen);
    if (taken) throw new StoreError(`a model called "${chosen}" is already listed (${taken.dir}); choose another id with --id`);
    const registry = await this.readRegistry();
    registry.push({ id: chosen, path: dir, addedAt: new Date().toISOString() });
    await this.writeRegistry(registry);
    return { id: chosen, dir, origin: 'local', kind: 'pipeline', sizeBytes: await sizeOnDisk(dir), present: true };
  }

  /** Deletes a downloaded model (and its unfinished download); only unregisters a local folder. */
  async remove(id: string): Promise<{ id: string; deleted: boolean; dir: string }> {
    const registry = await this.readRegistry();
    const local = registry.find((r) => r.id === id);
    if (local) {
      await this.writeRegistry(registry.filter((r) => r !== local));
      return { id, deleted: false, dir: local.path };
    }
    const dir = this.modelDir(id);
    const unlock = await this.lock(id); // never delete under a running download
    try {
      return await this.removeDownloaded(id, dir);
    } finally {
      await unlock();
    }
  }

  private async removeDownloaded(id: string, dir: string): Promise<{ id: string; deleted: boolean; dir: string }> {
    const hadIncoming = await exists(this.incomingDir(id));
    await fs.rm(this.incomingDir(id), { recursive: true, force: true });
    if (!(await exists(path.join(dir, MANIFEST_FILE)))) {
      if (hadIncoming) return { id, deleted: true, dir: this.incomingDir(id) };
      throw new StoreError(`no downloaded model "${id}" in ${this.root} (folders without ${MANIFEST_FILE} are not deleted)`);
    }
    await fs.rm(dir, { recursive: true });
    return { id, deleted: true, dir };
  }

  /**
   * One download per model id at a time, across processes (the CLI and VS Code may share a models
   * folder): `.incoming/<id>.lock` holds the owner's pid; a lock whose process is gone is taken over.
   */
  private async lock(id: string): Promise<() => Promise<void>> {
    const file = path.join(this.root, INCOMING, `${id}.lock`);
    const key = path.resolve(file);
    await fs.mkdir(path.dirname(file), { recursive: true });
    for (let tries = 0; ; tries++) {
      try {
        await fs.writeFile(file, String(process.pid), { flag: 'wx' });
        HELD_LOCKS.add(key);
        return async () => {
          HELD_LOCKS.delete(key);
          await fs.rm(file, { force: true });
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || tries > 0) throw error;
        // Unreadable (being written, or vanished): treated as no owner, and the next write decides.
        const owner = Number(await fs.readFile(file, 'utf8').catch(() => '0'));
        const busy = owner === process.pid ? HELD_LOCKS.has(key) : processAlive(owner);
        if (busy) throw new StoreError(`${id} is already being downloaded (process ${owner}); wait for it to finish or cancel it`);
        await fs.rm(file, { force: true }); // left by a process that died mid-download
      }
    }
  }

  private async readRegistry(): Promise<RegistryEntry[]> {
    try {
      const data = JSON.parse(await readTextFileBounded(path.join(this.root, REGISTRY_FILE), REGISTRY_MAX_BYTES)) as { models?: unknown } | null;
      const models = Array.isArray(data?.models) ? (data.models as Partial<RegistryEntry>[]) : [];
      return models.filter((m): m is RegistryEntry => typeof m?.id === 'string' && typeof m.path === 'string');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new StoreError(`${path.join(this.root, REGISTRY_FILE)} is unreadable (${errorMessage(error)})`);
    }
  }

  private async writeRegistry(models: RegistryEntry[]): Promise<void> {
    await fs.mkdir(this.root, { recursive: true });
    const file = path.join(this.root, REGISTRY_FILE);
    await fs.writeFile(`${file}.tmp`, `${JSON.stringify({ version: 1, models }, null, 2)}\n`);
    await fs.rename(`${file}.tmp`, file);
  }
}

/** Locks this process holds (a pid alone cannot tell two downloads in one process apart). */
const HELD_LOCKS = new Set<string>();

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^\w.@-]+/g, '-').replace(/^[.-]+/, '');
}

function sum(files: { size: number }[]): number {
  return files.reduce((total, f) => total + f.size, 0);
}

async function exists(file: string): Promise<boolean> {
  return (await fileSize(file)) !== undefined;
}

