// Stuck and orphaned workers, with real processes: the production worker entry plus a request that
// spins in a synchronous loop (test/fixtures/stuck-worker.ts). A cancel that gets no answer kills
// the worker and rejects the call; later requests get a fresh worker; a worker whose host dies
// exits even while it spins (its watchdog thread sees the parent go).
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { WorkerClient } from '../../src/inference/worker/client';
import { ensureFixtures, type Fixtures } from '../fixtures/models';

const STUCK_WORKER = path.resolve(__dirname, '../fixtures/stuck-worker.ts');
const HOST = path.resolve(__dirname, '../fixtures/worker-host.ts');
const EXEC_ARGV = ['--require', require.resolve('tsx/cjs')];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Polls `condition` every 50 ms, at most `tries` times (a bound on work, not a timing claim). */
async function eventually(condition: () => boolean, tries = 400): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (condition()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return condition();
}

/** The promise's outcome, or 'still pending' when it has not settled after `tries` polls. */
async function outcome<T>(promise: Promise<T>, tries = 400): Promise<{ value?: T; error?: Error } | 'still pending'> {
  let settled: { value?: T; error?: Error } | undefined;
  promise.then((value) => (settled = { value }), (error: Error) => (settled = { error }));
  await eventually(() => settled !== undefined, tries);
  return settled ?? 'still pending';
}

describe('hostile worker: stuck and orphaned', function () {
  this.timeout(90_000);
  let fx: Fixtures;
  const started: number[] = [];

  before(async function () {
    this.timeout(180_000);
    fx = await ensureFixtures();
  });
  after(() => {
    // Whatever a failed test left running is ended here, by pid.
    for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });

  const request = (prompt: string) => ({
    modelDir: fx.path('oracle-fp32'), device: 'cpu' as const, prompt, kind: 'illustration' as const,
    width: 64, height: 64, format: 'png' as const, steps: 2, guidanceScale: 0, seed: 1,
  });

  it('a cancel the worker never answers kills it after the grace, rejects the call and the queued one; the next request gets a new worker', async () => {
    const logs: string[] = [];
    const client = new WorkerClient({ workerPath: STUCK_WORKER, execArgv: EXEC_ARGV, cancelGraceMs: 500, log: (l) => logs.push(l) });
    try {
      const controller = new AbortController();
      const stuck = client.generate(request('__spin__'), { signal: controller.signal });
      const firstPid = client.pid as number;
      started.push(firstPid);
      assert.ok(await eventually(() => logs.some((l) => l.includes('spinning'))), `the worker never got stuck: ${logs.join(' | ')}`);
      const queued = outcome(client.placeholder({ width: 32, height: 32, format: 'png' }));
      controller.abort();
      const cancelled = await outcome(stuck);
      assert.notEqual(cancelled, 'still pending', 'the cancelled call never settled');
      assert.equal((cancelled as { error?: Error }).error?.name, 'AbortError');
      const second = await queued;
      assert.match((second as { error?: Error }).error?.message ?? '', /stopped answering/);
      assert.ok(await eventually(() => !alive(firstPid)), `worker ${firstPid} is still running`);
      assert.ok(logs.some((l) => /did not answer a cancel within 500 ms/.test(l)), logs.join(' | '));
      const next = await outcome(client.placeholder({ width: 32, height: 32, format: 'png' }));
      assert.equal((next as { value?: { width: number } }).value?.width, 32);
      assert.notEqual(client.pid, firstPid);
    } finally {
      client.dispose();
    }
  });

  for (const prompt of ['__spin__', 'orange']) {
    it(`a worker whose host is killed exits by itself (${prompt === '__spin__' ? 'stuck in a synchronous loop' : 'idle after its generation'})`, async () => {
      const host: ChildProcess = spawn(process.execPath, [...EXEC_ARGV, HOST, STUCK_WORKER, fx.path('oracle-fp32'), prompt], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      host.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      host.stderr?.on('data', (d: Buffer) => (out += d.toString()));
      const ready = prompt === '__spin__' ? /\[worker\] spinning/ : /^generated$/m;
      assert.ok(await eventually(() => ready.test(out), 1200), `host output: ${out}`);
      const pid = Number(/worker pid (\d+)/.exec(out)?.[1]);
      started.push(pid);
      assert.ok(alive(pid));
      host.kill('SIGKILL');
      assert.ok(await eventually(() => !alive(pid)), `worker ${pid} outlived its host`);
    });
  }
});
