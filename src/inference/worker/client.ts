// Host side of the worker: spawns it on first use, routes replies to pending calls, survives its
// death. Imports only Node built-ins and types, so the extension host never loads native code.
import { fork, type ChildProcess } from 'node:child_process';
import type { AssetResult, KeptAssetResult } from '../image/generate-asset';
import type { PlaceholderOptions } from '../image/placeholder';
import type { PipelineInfo } from '../pipeline/types';
import type { PreparedModel } from '../prepare-model';
import type { DeviceName, EncodedAsset, RgbImage } from '../types';
import { parseWorkerEvent, type WireError, type WorkerDecodeRequest, type WorkerEvent, type WorkerGenerateRequest, type WorkerRequest, type WorkerResult } from './protocol';
import { AbortError, errorMessage } from '../errors';

export interface WorkerClientOptions {
  /** dist/worker.js, or src/inference/worker/main.ts with execArgv ['--require', 'tsx/cjs']. */
  workerPath: string;
  /** The worker is stopped after this long without work (default 5 minutes; 0 = never). */
  idleTimeoutMs?: number;
  log?: (line: string) => void;
  execArgv?: string[];
  /**
   * How long a cancelled call may take to answer before the worker is killed and the call rejected
   * (default 5 s). A worker stuck in synchronous code never reads the cancel; a model step on a
   * CPU takes a few seconds, so the grace is longer than a step, shorter than a user's patience.
   */
  cancelGraceMs?: number;
  /** Sees every generation of this client (the editor's status bar), whoever started it. */
  observer?: GenerationObserver;
}

/** Watches one generation: its progress, then exactly one of succeeded / failed. */
export interface GenerationWatch {
  progress(p: WorkerProgress): void;
  succeeded(result: AssetResult): void;
  failed(error: unknown): void;
}

export interface GenerationObserver {
  generationStarted(request: WorkerGenerateRequest): GenerationWatch;
}

export interface WorkerProgress {
  candidate: number;
  step: number;
  totalSteps: number;
  preview?: RgbImage;
}

export interface WorkerGenerateCallbacks {
  signal?: AbortSignal;
  onProgress?: (p: WorkerProgress) => void;
  previews?: boolean;
  /** Keep the candidates' latents in the worker (each candidate gets a `latentsId` for decodeLatents). */
  keepLatents?: boolean;
}

/** The worker died (crash, out of memory, killed) while this call was pending. */
export class WorkerCrashedError extends Error {
  constructor(
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stderrTail: string[],
  ) {
    const how = signal ? `was killed by ${signal}` : `exited with code ${String(exitCode)}`;
    // The worker's stderr is mostly its own routine log (provider attempts, "Loaded …"), already in
    // the caller's log; quoted here it buried the one line users read. It stays in `stderrTail`.
    const hint = signal === 'SIGKILL' ? ' SIGKILL often means the system ran out of memory: try fewer candidates or a smaller size.' : '';
    super(`The image worker ${how}; the next request starts a new one.${hint}`);
    this.name = 'WorkerCrashedError';
  }
}

/** An error the worker reported, with the name and fields it had there. */
export class WorkerError extends Error {
  readonly file?: string;
  readonly field?: string;
  constructor(wire: WireError) {
    super(wire.message);
    this.name = wire.name;
    if (wire.file !== undefined) this.file = wire.file;
    if (wire.field !== undefined) this.field = wire.field;
  }
}

interface Pending {
  resolve(result: WorkerResult): void;
  reject(error: Error): void;
  onProgress?: (p: WorkerProgress) => void;
}

const STDERR_LINES_KEPT = 20;

/**
 * On Linux the worker (and the preparing process it starts, which inherits its environment) runs
 * with glibc's malloc putting its mappings on transparent huge pages. onnxruntime's graph optimizer
 * allocates and touches gigabytes of reordered weights, and most of its time went to page faults:
 * the full-size SD-Turbo UNet's session creation at level 'all' took 41.6 s without, 11.2 s with it
 * (2.34 M → 0.13 M page faults; bench/huge-pages.bench.mjs, BENCHMARKS.md). glibc reads GLIBC_TUNABLES
 * only when a process starts (2.35 and later; older ones and other C libraries ignore it), and a
 * system with transparent huge pages set to 'never' is unaffected. A hugetlb value the user set wins.
 */
export function withHugePageMalloc(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): NodeJS.ProcessEnv {
  if (platform !== 'linux') return env;
  const current = env.GLIBC_TUNABLES ?? '';
  if (/(^|:)glibc\.malloc\.hugetlb=/.test(current)) return env;
  return { ...env, GLIBC_TUNABLES: current ? `${current}:glibc.malloc.hugetlb=1` : 'glibc.malloc.hugetlb=1' };
}
const DEFAULT_CANCEL_GRACE_MS = 5000;
type WorkRequest = Extract<WorkerRequest, { id: number; type: 'generate' | 'decodeLatents' | 'placeholder' | 'modelInfo' | 'prepare' }>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export class WorkerClient {
  private child: ChildProcess | undefined;
  private readonly pending = new Map<number, Pending>();
  private stderrTail: string[] = [];
  private nextId = 1;
  private disposed = false;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: WorkerClientOptions) {}

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Process id of the running worker (diagnostics and tests), undefined when none runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async generate(req: WorkerGenerateRequest, cb: WorkerGenerateCallbacks = {}): Promise<AssetResult> {
    const watch = this.opts.observer?.generationStarted(req);
    const onProgress = watch ? (p: WorkerProgress): void => { watch.progress(p); cb.onProgress?.(p); } : cb.onProgress;
    try {
      const message = { type: 'generate' as const, request: req, previews: cb.previews === true, ...(cb.keepLatents ? { keepLatents: true } : {}) };
      const result = expectKind(await this.call(message, cb.signal, onProgress), 'generate');
      watch?.succeeded(result);
      return result;
    } catch (error) {
      watch?.failed(error);
      throw error;
    }
  }

  /**
   * Decodes a kept candidate again (default: with the full VAE, "save in full quality") and renders it
   * as the first time; a latentsId the worker no longer keeps fails with LatentsNotFoundError.
   */
  async decodeLatents(req: WorkerDecodeRequest, cb: Pick<WorkerGenerateCallbacks, 'signal' | 'onProgress'> = {}): Promise<KeptAssetResult> {
    return expectKind(await this.call({ type: 'decodeLatents', request: req }, cb.signal, cb.onProgress), 'decodeLatents');
  }

  async placeholder(options: PlaceholderOptions): Promise<EncodedAsset> {
    return expectKind(await this.call({ type: 'placeholder', options }), 'placeholder');
  }

  async modelInfo(modelDir: string, device: DeviceName, storeDir?: string): Promise<PipelineInfo> {
    return expectKind(await this.call({ type: 'modelInfo', modelDir, device, ...(storeDir === undefined ? {} : { storeDir }) }), 'modelInfo');
  }

  /** Prepares the model for `device` now, in the worker's low-priority child process (src/inference/prepare-model.ts). */
  async prepare(modelDir: string, device: DeviceName, storeDir: string): Promise<PreparedModel> {
    return expectKind(await this.call({ type: 'prepare', modelDir, device, storeDir }), 'prepare');
  }

  /** Stops the worker; pending calls reject. */
  dispose(): void {
    this.disposed = true;
    this.rejectAll(new Error('The image worker was stopped.'));
    this.stopChild();
  }

  /**
   * The host, not the worker, decides when an idle worker goes: the child is detached from this
   * client before it is told to stop, so a request made a moment later always starts a fresh worker
   * instead of racing an exiting one (a worker-side timer lost such requests with EPIPE).
   */
  private stopChild(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    if (child.connected) child.send({ type: 'shutdown' } satisfies WorkerRequest);
    // Give it a moment to release sessions, then make sure it is gone.
    setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }, 2000).unref();
  }

  private armIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const idleMs = this.opts.idleTimeoutMs ?? 300_000;
    if (idleMs <= 0 || this.pending.size > 0 || !this.child) return;
    this.idleTimer = setTimeout(() => {
      this.opts.log?.(`Image worker idle for ${idleMs} ms; stopping it to give its memory back.`);
      this.stopChild();
    }, idleMs);
    this.idleTimer.unref();
  }

  private call(request: DistributiveOmit<WorkRequest, 'id'>, signal?: AbortSignal, onProgress?: (p: WorkerProgress) => void): Promise<WorkerResult> {
    if (this.disposed) return Promise.reject(new Error('The image worker client was disposed.'));
    if (signal?.aborted) return Promise.reject(new AbortError());
    const id = this.nextId++;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const child = this.ensureChild();
    return new Promise<WorkerResult>((resolve, reject) => {
      let grace: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        if (child.connected) child.send({ type: 'cancel', id } satisfies WorkerRequest);
        grace = setTimeout(() => this.killUnresponsive(child, id), this.opts.cancelGraceMs ?? DEFAULT_CANCEL_GRACE_MS);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = (): void => {
        clearTimeout(grace);
        signal?.removeEventListener('abort', onAbort);
      };
      this.pending.set(id, {
        resolve: (r) => (done(), resolve(r)),
        reject: (e) => (done(), reject(e)),
        ...(onProgress ? { onProgress } : {}),
      });
      child.send({ ...request, id } as WorkRequest, (error) => {
        if (error) this.settle(id, (p) => p.reject(new Error(`Could not reach the image worker: ${error.message}`)));
      });
    });
  }

  /**
   * A cancel the worker did not answer within the grace period: it is stuck (a synchronous loop, a
   * native call that does not return). The child is detached and killed, the cancelled call rejects
   * as cancelled, the calls queued behind it reject with the reason, and the next request starts a
   * fresh worker instead of queueing behind this one forever.
   */
  private killUnresponsive(child: ChildProcess, id: number): void {
    if (!this.pending.has(id) || this.child !== child) return;
    const graceMs = this.opts.cancelGraceMs ?? DEFAULT_CANCEL_GRACE_MS;
    this.opts.log?.(`Image worker (pid ${String(child.pid)}) did not answer a cancel within ${graceMs} ms; killing it.`);
    this.child = undefined;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    child.kill('SIGKILL');
    this.settle(id, (p) => p.reject(new AbortError()));
    this.rejectAll(new Error(`The image worker stopped answering and was stopped (a cancel got no answer within ${graceMs} ms); run the request again.`));
  }

  private ensureChild(): ChildProcess {
    if (this.child) return this.child;
    this.stderrTail = [];
    const child = fork(this.opts.workerPath, [], {
      execArgv: this.opts.execArgv ?? [],
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Inside VS Code the host's execPath is Electron; this makes it behave as plain Node.
      env: withHugePageMalloc({ ...process.env, ELECTRON_RUN_AS_NODE: '1' }),
    });
    this.child = child;
    this.opts.log?.(`Started image worker (pid ${String(child.pid)}).`);
    child.stdout?.on('data', (chunk: Buffer) => this.onOutput(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.onOutput(chunk));
    child.on('message', (raw: unknown) => this.onMessage(raw));
    child.on('error', (error) => this.opts.log?.(`Image worker error: ${error.message}`));
    child.on('exit', (code, signal) => this.onExit(child, code, signal));
    return child;
  }

  private onOutput(chunk: Buffer): void {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      this.stderrTail.push(line);
      this.opts.log?.(`[worker] ${line}`);
    }
    if (this.stderrTail.length > STDERR_LINES_KEPT) this.stderrTail = this.stderrTail.slice(-STDERR_LINES_KEPT);
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.opts.log?.(`Image worker exited (${signal ?? `code ${String(code)}`}).`);
    this.rejectAll(new WorkerCrashedError(code, signal, this.stderrTail.slice()));
  }

  private onMessage(raw: unknown): void {
    let event: WorkerEvent;
    try {
      event = parseWorkerEvent(raw);
    } catch (error) {
      const reason = errorMessage(error);
      this.opts.log?.(`Invalid message from the image worker: ${reason}`);
      // A malformed reply must not leave its caller waiting forever.
      const id = (raw as { id?: unknown } | null)?.id;
      if (typeof id === 'number') this.settle(id, (p) => p.reject(new Error(`The image worker sent an invalid reply: ${reason}`)));
      return;
    }
    switch (event.type) {
      case 'progress':
      case 'preview': {
        const { candidate, step, totalSteps } = event;
        this.pending.get(event.id)?.onProgress?.({ candidate, step, totalSteps, ...(event.type === 'preview' ? { preview: event.image } : {}) });
        return;
      }
      case 'result':
        this.settle(event.id, (p) => p.resolve(event.result));
        return;
      case 'error':
        this.settle(event.id, (p) => p.reject(new WorkerError(event.error)));
        return;
      default: {
        const unreachable: never = event;
        this.opts.log?.(`Unhandled worker event ${JSON.stringify(unreachable)}`);
      }
    }
  }

  private settle(id: number, action: (p: Pending) => void): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    action(pending);
    this.armIdleTimer();
  }

  private rejectAll(error: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(error);
  }
}

type ResultValue<K extends WorkerResult['kind']> = Extract<WorkerResult, { kind: K }>['value'];

function expectKind<K extends WorkerResult['kind']>(result: WorkerResult, kind: K): ResultValue<K> {
  if (result.kind !== kind) throw new Error(`The image worker answered a '${kind}' request with '${result.kind}'.`);
  return result.value as ResultValue<K>;
}
