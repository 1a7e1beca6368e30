// The worker prepares models (src/inference/prepare-model.ts) in a child process of its own: a model
// that loaded unprepared is prepared once the worker has been idle a while, and a `prepare` request
// (the editor, right after a download) starts one at once. The child runs at the lowest CPU priority,
// one at a time, only with enough free memory for the largest file, and is killed with the worker.
import { fork, type ChildProcess } from 'node:child_process';
import * as os from 'node:os';
import { errorMessage } from '../errors';
import type { PreparedFile, PreparedModel } from '../prepare-model';
import type { DeviceName } from '../tables';
import { preparedModel } from './protocol';

/** What to prepare: the device a load actually ran on, and the store whose cache receives the graphs. */
export interface PrepareJob {
  modelDir: string;
  device: DeviceName;
  storeDir: string;
  /** Leave out the loader's log lines (provider attempts) on the shared stderr: the CLI prints its own. */
  quiet?: boolean;
}

/** The argument that makes the worker's entry run one preparation instead of serving requests. */
export const PREPARE_CHILD_ARG = '--prepare-model';

export interface BackgroundPrepareOptions {
  /** Quiet time after the last request before a wanted preparation starts; undefined: never by itself. */
  idleMs: number | undefined;
  log(line: string): void;
  /** Starts the child (default: this worker's entry with PREPARE_CHILD_ARG). */
  spawn?: () => ChildProcess;
  /** Free memory now (default os.freemem()). */
  freeMemory?: () => number;
  /** Memory a preparation of the job needs (prepare-model.ts estimatePrepareBytes). */
  neededMemory(job: PrepareJob): Promise<number>;
}

/** The idle delay from NANOFORGE_PREPARE_IDLE_MS ('off' or a negative number: never), default 10 s. */
export function prepareIdleMs(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.NANOFORGE_PREPARE_IDLE_MS;
  if (raw === undefined || raw === '') return 10_000;
  const ms = Number(raw);
  return raw === 'off' || !Number.isFinite(ms) || ms < 0 ? undefined : Math.min(ms, 3_600_000);
}

function keyOf(job: PrepareJob): string {
  return `${job.modelDir}\u0000${job.device}\u0000${job.storeDir}`;
}

export class BackgroundPreparer {
  private wanted: PrepareJob | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: { key: string; child: ChildProcess; done: Promise<PreparedModel> } | undefined;
  /** Jobs finished or failed in this worker's life: never started again by idleness. */
  private readonly settled = new Set<string>();
  private busyCount = 0;
  private disposed = false;
  /** prepareNow jobs waiting for the running one, and the promise the next one waits for. */
  private readonly queued = new Map<string, Promise<PreparedModel>>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: BackgroundPrepareOptions) {}

  /** A load opened sessions that were never prepared: prepare the model when the worker is idle. */
  want(job: PrepareJob): void {
    if (this.disposed || this.settled.has(keyOf(job)) || this.running?.key === keyOf(job)) return;
    this.wanted = job;
    this.schedule();
  }

  /** A request started: wait for it before starting anything. */
  busy(): void {
    this.busyCount++;
    this.clearTimer();
  }

  /** A request ended. */
  idle(): void {
    this.busyCount = Math.max(0, this.busyCount - 1);
    this.schedule();
  }

  /** Prepares now (a `prepare` request); the same job running or queued is shared, another one waits its turn. */
  prepareNow(job: PrepareJob): Promise<PreparedModel> {
    if (this.disposed) return Promise.reject(new Error('The worker is shutting down.'));
    const key = keyOf(job);
    if (this.running?.key === key) return this.running.done;
    const queued = this.queued.get(key);
    if (queued) return queued;
    if (this.wanted && keyOf(this.wanted) === key) this.wanted = undefined;
    if (!this.running && this.queued.size === 0) {
      const done = this.start(job);
      this.tail = done.catch(() => undefined);
      return done;
    }
    const run = this.tail.then(() => {
      if (this.disposed) throw new Error('The worker is shutting down.');
      return this.start(job);
    });
    this.tail = run.catch(() => undefined);
    this.queued.set(key, run);
    void run.catch(() => undefined).finally(() => this.queued.delete(key));
    return run;
  }

  dispose(): void {
    this.disposed = true;
    this.clearTimer();
    // SIGKILL: a child mid-way through creating a session cannot stop cleanly; its temp folder is
    // removed by the cache's pruning (graph-cache.ts) and the entry is simply not there.
    this.running?.child.kill('SIGKILL');
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    this.clearTimer();
    const { idleMs } = this.opts;
    if (this.disposed || idleMs === undefined || !this.wanted || this.busyCount > 0 || this.running || this.queued.size > 0) return;
    this.timer = setTimeout(() => void this.startWanted(), idleMs);
    this.timer.unref();
  }

  private async startWanted(): Promise<void> {
    const job = this.wanted;
    if (!job || this.running || this.queued.size > 0 || this.busyCount > 0 || this.disposed) return;
    this.wanted = undefined;
    const free = (this.opts.freeMemory ?? os.freemem)();
    const needed = await this.opts.neededMemory(job).catch(() => Number.POSITIVE_INFINITY);
    if (free < needed) {
      // Not now: the next load that finds the model unprepared asks again.
      this.opts.log(`Not preparing ${job.modelDir} now: ${Math.round(free / 2 ** 20)} MiB free, it needs about ${Math.round(needed / 2 ** 20)} MiB.`);
      return;
    }
    await this.start(job).catch(() => undefined); // logged by start()
  }

  private start(job: PrepareJob): Promise<PreparedModel> {
    const key = keyOf(job);
    const { child, done } = runPrepareProcess(job, (this.opts.spawn ?? (() => spawnPrepareChild()))());
    this.opts.log(`Preparing ${job.modelDir} for ${job.device} in the background (pid ${String(child.pid)}, lowest priority).`);
    this.running = { key, child, done };
    done.then(
      (p) => this.opts.log(`Prepared ${job.modelDir} on ${p.device} in ${(p.ms / 1000).toFixed(1)} s: ${p.files.map((f) => `${f.file} ${f.graphCache ?? '?'}`).join(', ')}.`),
      (error: unknown) => this.opts.log(`Preparing ${job.modelDir} failed: ${errorMessage(error)}`),
    ).finally(() => {
      this.settled.add(key);
      if (this.running?.key === key) this.running = undefined;
      this.schedule();
    });
    return done;
  }
}

/**
 * Sends `job` to a preparing child and follows it: each file as it starts (`onFile`), then its report.
 * The promise rejects with the child's own error, or with how it ended when it sent no report.
 */
export function runPrepareProcess(job: PrepareJob, child: ChildProcess, onFile?: (file: PreparedFile, index: number, count: number) => void): { child: ChildProcess; done: Promise<PreparedModel> } {
  const done = new Promise<PreparedModel>((resolve, reject) => {
    let result: PreparedModel | undefined;
    let failure: string | undefined;
    child.on('message', (message: unknown) => {
      const m = message as { type?: unknown; value?: unknown; message?: unknown; index?: unknown; count?: unknown } | null;
      try {
        if (m?.type === 'prepared') result = preparedModel(m.value, 'prepared');
        else if (m?.type === 'failed') failure = String(m.message).slice(0, 2000);
        else if (m?.type === 'file' && typeof m.index === 'number' && typeof m.count === 'number') {
          const f = m.value as { file?: unknown; dir?: unknown } | null;
          if (typeof f?.file === 'string' && typeof f.dir === 'string') onFile?.({ file: f.file, dir: f.dir }, m.index, m.count);
        }
      } catch (error) {
        failure = `the preparing process sent an invalid report: ${errorMessage(error)}`;
      }
    });
    child.on('error', (error) => { failure ??= errorMessage(error); });
    child.on('exit', (code, signal) => {
      if (result) resolve(result);
      else reject(new Error(failure ?? `the preparing process ${signal ? `was killed by ${signal}` : `exited with code ${String(code)}`}`));
    });
    child.send(job);
  });
  return { child, done };
}

/**
 * A preparing process: the worker's entry (default: the script running now, the worker itself) in
 * preparing mode, stderr shared with this process, stdout unused.
 */
export function spawnPrepareChild(entry = process.argv[1], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  if (!entry) throw new Error('cannot tell which script runs this worker');
  return fork(entry, [PREPARE_CHILD_ARG], { execArgv: process.execArgv, env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
}
