// Downloading one file so that real networks cannot hurt it: stream into `<file>.part`, resume with
// HTTP Range after a drop (only when the server really answered from our byte), retry with
// exponential backoff + jitter (429 waits for Retry-After), abort a stalled transfer, and verify the
// SHA-256 (LFS) or git blob id before the part is renamed. Cancellation leaves the part for resume.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import * as path from 'node:path';
import { discardBounded } from '../safety/bounded';
import { fileSize, renameWithRetry } from './disk';
import { errorForStatus, HubAuthError, HubError, HubHttpError, HubNotFoundError, hubRequest, HubUnreachableError, type HubOptions } from './hub';
import { AbortError, errorMessage } from '../errors';

export interface RetryPolicy {
  /** Failed attempts in a row (without new bytes) before giving up. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest Retry-After we honour; longer answers fail with the hub's message. */
  maxRetryAfterMs: number;
  /** No byte for this long → the attempt is aborted and retried. */
  stallTimeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 1000, maxDelayMs: 30_000, maxRetryAfterMs: 120_000, stallTimeoutMs: 30_000 };

export class HashMismatchError extends Error {
  constructor(readonly file: string, readonly expected: string, readonly actual: string) {
    super(`${file} failed verification twice: expected SHA-256 ${expected}, got ${actual}. The file on the hub or the connection is corrupt; nothing was installed.`);
    this.name = 'HashMismatchError';
  }
}

/** A transfer problem worth another attempt (drop, stall, short body, ignored Range). */
export class TransferError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransferError';
  }
}

export class DownloadFailedError extends Error {
  constructor(readonly file: string, attempts: number, readonly lastError: unknown) {
    super(`${file}: gave up after ${attempts} attempts (${errorMessage(lastError)}). Run the same pull again to resume.`);
    this.name = 'DownloadFailedError';
  }
}

export interface FileJob {
  /** Path in the repository, e.g. `unet/model.onnx_data`. */
  path: string;
  size: number;
  sha256?: string;
  gitOid?: string;
  url: string;
  /** Absolute final path; the part file is `${dest}.part`. */
  dest: string;
}

export interface FetchContext {
  hub: HubOptions;
  repo: string;
  retry: RetryPolicy;
  signal?: AbortSignal;
  /** Bytes added to (or, on a restart, removed from) this file's part. */
  onBytes?: (delta: number, file: string) => void;
  log?: (line: string) => void;
  /** For tests: deterministic jitter. */
  random?: () => number;
}

export const partPath = (dest: string) => `${dest}.part`;

/** Both digests the hub can give us: SHA-256 (LFS oid) and the git blob SHA-1. */
class Digests {
  private readonly sha256 = createHash('sha256');
  private readonly git: Hash | undefined;
  constructor(size: number, withGit: boolean) {
    this.git = withGit ? createHash('sha1').update(`blob ${size}\0`) : undefined;
  }
  update(chunk: Buffer): void {
    this.sha256.update(chunk);
    this.git?.update(chunk);
  }
  digest(): { sha256: string; gitOid?: string } {
    return { sha256: this.sha256.digest('hex'), gitOid: this.git?.digest('hex') };
  }
}

/** Bytes already in a `.part` file (0 before the first byte arrives). */
async function partBytes(part: string): Promise<number> {
  return (await fileSize(part)) ?? 0;
}

async function hashPrefix(file: string, digests: Digests, signal?: AbortSignal): Promise<void> {
  for await (const chunk of createReadStream(file, { signal })) digests.update(chunk as Buffer);
}

function contentRangeStart(header: string | undefined): number | undefined {
  const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(header ?? '');
  return m ? Number(m[1]) : undefined;
}

function linkedSha256(headers: Record<string, string | string[] | undefined>): string | undefined {
  const raw = headers['x-linked-etag'] ?? headers.etag;
  const value = (Array.isArray(raw) ? raw[0] : raw)?.replace(/^W\//, '').replace(/"/g, '');
  return value && /^[0-9a-f]{64}$/.test(value) ? value : undefined;
}

/** Bytes received but not yet written before the body is paused (bounds memory on a slow disk). */
const QUEUE_HIGH_WATER = 8 * 1024 * 1024;

/**
 * Copies the body into the part file. Chunks are taken as 'data' events into our own queue rather
 * than read with for-await: when a connection drops, Node destroys the response and discards what
 * it still buffers, so reading eagerly keeps every byte that arrived and resume starts right there.
 */
async function pump(job: FileJob, body: IncomingMessage, out: fs.FileHandle, digests: Digests, offset: number, ctx: FetchContext, stall: () => void): Promise<void> {
  let written = offset;
  const queue: Buffer[] = [];
  let queued = 0;
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  body.on('data', (chunk: Buffer) => {
    stall();
    queue.push(chunk);
    queued += chunk.length;
    if (queued > QUEUE_HIGH_WATER) body.pause();
    notify();
  });
  body.once('end', () => { ended = true; notify(); });
  body.once('close', () => { ended = true; notify(); });
  body.once('error', (error) => { failure = error; notify(); });
  for (;;) {
    if (queue.length === 0) {
      if (failure) throw failure;
      if (ended) return;
      await new Promise<void>((resolve) => { wake = resolve; });
      continue;
    }
    // One write for everything that arrived meanwhile: per-chunk (16-64 KB) writes cost a
    // thread-pool round trip each and dominated the time on fast links.
    let chunk = queue.length === 1 ? (queue[0] as Buffer) : Buffer.concat(queue);
    queue.length = 0;
    queued = 0;
    if (body.isPaused() && queued < QUEUE_HIGH_WATER / 2) body.resume();
    if (written + chunk.length > job.size) {
      ctx.log?.(`${job.path}: the server sent more than the ${job.size} bytes the listing gives; keeping the first ${job.size}`);
      chunk = chunk.subarray(0, job.size - written);
    }
    await out.write(chunk);
    digests.update(chunk);
    written += chunk.length;
    ctx.onBytes?.(chunk.length, job.path);
    if (written >= job.size) {
      body.destroy();
      return;
    }
  }
}

/** Opens the GET (with Range from `offset`); returns the offset the body really starts at. */
async function openBody(job: FileJob, offset: number, ctx: FetchContext, signal: AbortSignal) {
  const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
  const res = await hubRequest(job.url, ctx.hub, { headers, signal, what: `${ctx.repo} ${job.path}`, repo: ctx.repo });
  if (res.status === 416) {
    discardBounded(res.body);
    await fs.rm(partPath(job.dest), { force: true });
    ctx.onBytes?.(-offset, job.path);
    throw new TransferError(`${job.path}: the server cannot resume at byte ${offset} (416); starting the file again`);
  }
  if (res.status >= 400) throw errorForStatus(res.body, `${ctx.repo} ${job.path}`, ctx.repo);
  if (res.status === 206) {
    const start = contentRangeStart(res.headers['content-range']);
    if (start !== offset) {
      discardBounded(res.body);
      throw new TransferError(`${job.path}: asked to resume at byte ${offset} but the server answered from ${start ?? 'an unknown byte'}`);
    }
    return { res, start };
  }
  if (res.status !== 200) {
    discardBounded(res.body);
    throw new HubHttpError(`${ctx.repo} ${job.path}`, res.status);
  }
  if (offset > 0) ctx.log?.(`${job.path}: the server ignored the Range request; downloading from the start`);
  return { res, start: 0 };
}

/** One attempt: resume or start the part, stream, and check size and digest. Returns the SHA-256. */
async function attempt(job: FileJob, ctx: FetchContext): Promise<string> {
  const part = partPath(job.dest);
  let offset = await partBytes(part);
  if (offset > job.size) offset = 0;
  const controller = new AbortController();
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, controller.signal]) : controller.signal;
  let stalled = false;
  let timer: NodeJS.Timeout | undefined;
  const kick = () => {
    clearTimeout(timer);
    timer = setTimeout(() => { stalled = true; controller.abort(); }, ctx.retry.stallTimeoutMs);
  };
  try {
    const withGit = !!job.gitOid && !job.sha256;
    let digests = new Digests(job.size, withGit);
    let expected = job.sha256;
    // Hash what is already there before the request (and outside the stall timer): re-reading a
    // multi-GB part can take longer than the stall timeout.
    if (offset > 0) await hashPrefix(part, digests, ctx.signal);
    if (offset < job.size) {
      kick();
      const { res, start } = await openBody(job, offset, ctx, signal);
      expected ??= linkedSha256(res.firstHeaders);
      if (start !== offset) {
        ctx.onBytes?.(-offset, job.path);
        offset = 0;
        digests = new Digests(job.size, withGit);
      }
      const out = await fs.open(part, offset > 0 ? 'a' : 'w');
      try {
        await pump(job, res.body, out, digests, offset, ctx, kick);
      } finally {
        await out.close();
      }
    }
    const size = await partBytes(part);
    if (size < job.size) throw new TransferError(`${job.path}: the connection ended at byte ${size} of ${job.size}`);
    const actual = digests.digest();
    if (expected && actual.sha256 !== expected) throw new HashMismatchError(job.path, expected, actual.sha256);
    if (!expected && job.gitOid && actual.gitOid !== job.gitOid) throw new HashMismatchError(job.path, `git ${job.gitOid}`, `git ${actual.gitOid ?? '?'}`);
    return actual.sha256;
  } catch (error) {
    if (ctx.signal?.aborted) throw new AbortError('Download cancelled; the next pull resumes from the .part files.');
    if (stalled) throw new TransferError(`${job.path}: no data for ${ctx.retry.stallTimeoutMs / 1000}s (have ${await partBytes(part)} of ${job.size} bytes)`);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ECONNRESET' || code === 'EPIPE' || (error instanceof Error && error.message === 'aborted')) {
      throw new TransferError(`${job.path}: the connection dropped at byte ${await partBytes(part)} of ${job.size}`);
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** How long to wait before the next attempt, or undefined when the error is final. */
export function retryDelay(error: unknown, failures: number, policy: RetryPolicy, random: () => number = Math.random): number | undefined {
  if (error instanceof HubAuthError || error instanceof HubNotFoundError || error instanceof AbortError || error instanceof HashMismatchError) return undefined;
  if (error instanceof HubHttpError) {
    if (!error.retryable) return undefined;
    if (error.retryAfterMs !== undefined) return error.retryAfterMs <= policy.maxRetryAfterMs ? error.retryAfterMs : undefined;
  }
  const known = error instanceof TransferError || error instanceof HubHttpError || error instanceof HubUnreachableError || error instanceof HubError;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (!known && !(code && /^E[A-Z]+$/.test(code)) && !(error instanceof Error && error.message === 'aborted')) return undefined;
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failures - 1));
  return Math.round(exp / 2 + random() * (exp / 2)); // "equal jitter": never less than half the step
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortError('Download cancelled; the next pull resumes from the .part files.'));
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = () => { clearTimeout(timer); reject(new AbortError('Download cancelled; the next pull resumes from the .part files.')); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Downloads `job` into `job.dest` (via its part file) and returns the SHA-256 of what was written.
 * A digest mismatch deletes the part and starts once more from byte 0; a second mismatch fails
 * naming the file. Attempts that add bytes do not count towards `maxAttempts`.
 */
export async function fetchFile(job: FileJob, ctx: FetchContext): Promise<string> {
  await fs.mkdir(path.dirname(job.dest), { recursive: true });
  const part = partPath(job.dest);
  let failures = 0;
  let hashFailures = 0;
  let total = 0;
  for (;;) {
    const before = await partBytes(part);
    try {
      const sha256 = await attempt(job, ctx);
      await renameWithRetry(part, job.dest);
      return sha256;
    } catch (error) {
      if (error instanceof HashMismatchError) {
        const had = await partBytes(part);
        await fs.rm(part, { force: true });
        ctx.onBytes?.(-had, job.path);
        if (++hashFailures >= 2) throw error;
        ctx.log?.(`${job.path}: SHA-256 mismatch (${error.actual}); deleted the part and fetching it again`);
        continue;
      }
      const progressed = (await partBytes(part)) > before;
      failures = progressed ? 1 : failures + 1;
      total++;
      const wait = retryDelay(error, failures, ctx.retry, ctx.random);
      if (wait === undefined) throw error;
      if (failures >= ctx.retry.maxAttempts || total >= ctx.retry.maxAttempts * 20) throw new DownloadFailedError(job.path, total, error);
      const message = errorMessage(error);
      ctx.log?.(`${message.startsWith(job.path) ? message : `${job.path}: ${message}`}; retrying in ${(wait / 1000).toFixed(1)}s`);
      await sleep(wait, ctx.signal);
    }
  }
}

/** What a pull reports while it runs. */
export interface PullProgress {
  doneBytes: number;
  totalBytes: number;
  /** Bytes per second over the last few seconds. */
  bytesPerSecond: number;
  /** Seconds left at the current rate; undefined until there is a rate. */
  etaSeconds?: number;
  file: string;
  fileIndex: number;
  fileCount: number;
}

/** Sums per-file byte deltas into whole-pull progress with a windowed rate, throttled. */
export class ProgressTracker {
  private done = 0;
  private samples: { at: number; done: number }[] = [];
  private lastEmit = -Infinity;
  file = '';
  fileIndex = 0;

  constructor(
    readonly totalBytes: number,
    readonly fileCount: number,
    private readonly emit: ((p: PullProgress) => void) | undefined,
    private readonly opts: { windowMs?: number; throttleMs?: number; now?: () => number } = {},
  ) {}

  /** Bytes already on disk before this run (complete files, parts): counted as done, not as rate. */
  preload(bytes: number): void {
    this.done += bytes;
  }

  startFile(file: string, index: number): void {
    this.file = file;
    this.fileIndex = index;
    this.report(true);
  }

  add(delta: number): void {
    this.done += delta;
    this.report(false);
  }

  snapshot(): PullProgress {
    const now = (this.opts.now ?? Date.now)();
    const first = this.samples[0];
    const seconds = first ? (now - first.at) / 1000 : 0;
    const rate = first && seconds > 0 ? Math.max(0, (this.done - first.done) / seconds) : 0;
    const left = Math.max(0, this.totalBytes - this.done);
    return { doneBytes: this.done, totalBytes: this.totalBytes, bytesPerSecond: rate, etaSeconds: rate > 0 ? left / rate : undefined, file: this.file, fileIndex: this.fileIndex, fileCount: this.fileCount };
  }

  private report(force: boolean): void {
    const now = (this.opts.now ?? Date.now)();
    const windowMs = this.opts.windowMs ?? 5000;
    this.samples.push({ at: now, done: this.done });
    while (this.samples.length > 2 && (this.samples[0]?.at ?? now) < now - windowMs) this.samples.shift();
    if (!this.emit || (!force && now - this.lastEmit < (this.opts.throttleMs ?? 200))) return;
    this.lastEmit = now;
    this.emit(this.snapshot());
  }

  finish(): void {
    this.report(true);
  }
}
