// The main-thread side of one session thread: starts the thread that opens the model (see
// session-thread.ts), then forwards runs to it. A thread is referenced only while it has work, so an
// idle session never keeps a CLI process alive, and a pending run always does.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FloatTensor, IoInfo, ModelSession, TensorFeed } from './types';
import { makeWireTensor, type FromThread, type ThreadStart, type ToThread, type WireTensor } from './thread-protocol';

/** Receives the wall time of every bare `session.run` (benchmarks measure pipeline overhead with it). */
export type RunObserver = (file: string, ms: number) => void;
let runObserver: RunObserver | undefined;

/** Sets (or, with undefined, clears) the process-wide observer of bare `session.run` times. */
export function setRunObserver(observer: RunObserver | undefined): void {
  runObserver = observer;
}

/** A session that could not be opened: `reason` is onnxruntime's message, shortened. */
export class ThreadOpenError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'ThreadOpenError';
  }
}

/**
 * The thread's script: dist/session-thread.js beside the bundle that runs us (worker.js, cli.js), or
 * the TypeScript source under tsx (tests, benchmarks), which the thread registers for itself.
 */
function threadScript(): { filename: string; eval: boolean } {
  const bundled = path.join(__dirname, 'session-thread.js');
  if (existsSync(bundled)) return { filename: bundled, eval: false };
  const source = path.join(__dirname, 'session-thread.ts');
  if (existsSync(source)) {
    // Only source runs get here; createRequire keeps esbuild from trying to bundle tsx.
    const tsx = createRequire(__filename).resolve('tsx/cjs');
    return { filename: `require(${JSON.stringify(tsx)}); require(${JSON.stringify(source)});`, eval: true };
  }
  throw new Error(`the session thread script is missing: expected ${bundled} (run \`node esbuild.mjs\`)`);
}

interface Pending {
  resolve(message: FromThread): void;
  reject(error: Error): void;
}

export interface OpenedThread {
  session: ThreadSession;
  loadMs: number;
}

/** Opens `start.path` in a new thread; rejects with ThreadOpenError when onnxruntime refuses it. */
export function openInThread(file: string, start: ThreadStart): Promise<OpenedThread> {
  const script = threadScript();
  const worker = new Worker(script.filename, { eval: script.eval, workerData: start, stdout: false, stderr: false });
  return new Promise<OpenedThread>((resolve, reject) => {
    const onExit = (code: number): void => reject(new ThreadOpenError(`the session thread exited (code ${code}) before the model opened`));
    worker.once('error', reject);
    worker.once('exit', onExit);
    worker.once('message', (message: FromThread) => {
      worker.off('error', reject);
      worker.off('exit', onExit);
      if (message.type === 'ready') {
        resolve({ session: new ThreadSession(file, worker, message.inputs, message.outputs), loadMs: message.loadMs });
        return;
      }
      void worker.terminate();
      reject(new ThreadOpenError(message.type === 'failed' ? message.reason : `unexpected '${message.type}' while opening`));
    });
  });
}

export class ThreadSession implements ModelSession {
  private readonly pending = new Map<number, Pending>();
  private releasing: Promise<void> | undefined;
  private nextId = 1;
  private stopped: string | undefined;

  constructor(
    readonly file: string,
    private readonly worker: Worker,
    readonly inputs: IoInfo[],
    readonly outputs: IoInfo[],
  ) {
    worker.on('message', (message: FromThread) => this.onMessage(message));
    worker.on('error', (error) => this.stop(`the session thread failed: ${error.message}`));
    worker.on('exit', (code) => this.stop(`the session thread exited (code ${code})`));
    // After the listeners: adding a 'message' listener references the thread's port again, and an
    // idle session that is never released (a test, a crashed caller) must not keep the process alive.
    worker.unref();
  }

  async run(feeds: Record<string, TensorFeed>, outputNames: string[]): Promise<Record<string, FloatTensor>> {
    const wire: Record<string, WireTensor> = {};
    for (const input of this.inputs) {
      const feed = feeds[input.name];
      if (!feed) throw new Error(`${this.file}: no value for input '${input.name}'`);
      wire[input.name] = makeWireTensor(input.type, feed);
    }
    const id = this.nextId++;
    const reply = await this.request({ type: 'run', id, feeds: wire, outputs: outputNames }, id);
    if (reply.type === 'error') {
      const shapes = Object.entries(feeds).map(([name, f]) => `${name} [${f.dims.join(', ')}]`).join(', ');
      throw new Error(`${this.file}: inference failed with ${shapes}: ${reply.reason}`);
    }
    if (reply.type !== 'result') throw new Error(`${this.file}: unexpected '${reply.type}' from the session thread`);
    runObserver?.(this.file, reply.ms);
    const out: Record<string, FloatTensor> = {};
    for (const name of outputNames) {
      const tensor = reply.outputs[name];
      if (!tensor) throw new Error(`${this.file}: output '${name}' missing from the results`);
      out[name] = tensor;
    }
    return out;
  }

  /** Releases the session and ends its thread; later runs reject. */
  release(): Promise<void> {
    this.releasing ??= (async () => {
      if (!this.stopped) await this.request({ type: 'release' }, 0).catch(() => undefined);
      this.stop('the session was released');
      await this.worker.terminate();
    })();
    return this.releasing;
  }

  private request(message: ToThread, id: number): Promise<FromThread> {
    if (this.stopped) return Promise.reject(new Error(`${this.file}: ${this.stopped}`));
    return new Promise<FromThread>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Referenced while work is pending: the process must not exit under a running session.
      this.worker.ref();
      // Inputs are copied, not transferred: callers keep using their arrays (they are small).
      this.worker.postMessage(message);
    });
  }

  private onMessage(message: FromThread): void {
    const id = message.type === 'result' || message.type === 'error' ? message.id : 0;
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
    pending.resolve(message);
  }

  private stop(reason: string): void {
    if (!this.stopped) this.stopped = reason;
    const all = [...this.pending.values()];
    this.pending.clear();
    this.worker.unref();
    for (const p of all) p.reject(new Error(`${this.file}: ${reason}`));
  }
}
