// Preparing models in the worker: a model that loaded unprepared is prepared by the worker's own
// low-priority child process once the worker has been idle, the next worker opens every session from
// the cache, and a `prepare` request prepares at once. The scheduling rules (idle, busy, memory, one
// at a time, killed with the worker) are checked on BackgroundPreparer with real child processes.
import { strict as assert } from 'node:assert';
import { fork, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { copyFixture, ensureFixtures } from '../fixtures/models';
import { withHugePageMalloc, WorkerClient } from '../../src/inference/worker/client';
import { BackgroundPreparer, prepareIdleMs, type PrepareJob } from '../../src/inference/worker/background-prepare';
import { graphCacheDir } from '../../src/inference/models/store-cache';
import { estimatePrepareBytes } from '../../src/inference/prepare-model';

const WORKER = path.resolve(__dirname, '../../src/inference/worker/main.ts');
const EXEC_ARGV = ['--require', require.resolve('tsx/cjs')];

async function until<T>(probe: () => Promise<T | undefined>, ms: number): Promise<T | undefined> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined || Date.now() > end) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function entries(store: string): Promise<string[]> {
  return (await fs.readdir(graphCacheDir(store)).catch(() => [] as string[])).filter((e) => !e.startsWith('.'));
}

/** A stand-in child that answers like the real one after `delayMs` (or never), and records the job it got. */
const FAKE_CHILD = `
process.once('message', (job) => {
  const delay = Number(process.env.DELAY);
  if (delay < 0) return setInterval(() => undefined, 1000);
  setTimeout(() => process.send({ type: 'prepared', value: { dir: job.modelDir, device: 'cpu', fallbacks: [], files: [{ file: 'unet/model.onnx', graphCache: 'miss' }], ms: delay } }, () => process.disconnect()), delay);
});`;

describe('background preparation', function () {
  this.timeout(120_000);
  let tmp: string;
  let fakeChild: string;

  before(async () => {
    await ensureFixtures();
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nf-background-prepare-'));
    fakeChild = path.join(tmp, 'fake-child.js');
    await fs.writeFile(fakeChild, FAKE_CHILD);
  });

  after(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  function preparer(opts: { idleMs?: number; delayMs: number; free?: number; spawned: ChildProcess[]; logs: string[] }): BackgroundPreparer {
    return new BackgroundPreparer({
      idleMs: opts.idleMs,
      log: (l) => opts.logs.push(l),
      freeMemory: () => opts.free ?? 64 * 2 ** 30,
      neededMemory: async () => 2 ** 30,
      spawn: () => {
        const child = fork(fakeChild, [], { env: { ...process.env, DELAY: String(opts.delayMs) }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
        opts.spawned.push(child);
        return child;
      },
    });
  }

  const job: PrepareJob = { modelDir: '/models/a', device: 'cpu', storeDir: '/store' };

  it('reads NANOFORGE_PREPARE_IDLE_MS: default 10 s, a number, or off', () => {
    assert.equal(prepareIdleMs({}), 10_000);
    assert.equal(prepareIdleMs({ NANOFORGE_PREPARE_IDLE_MS: '250' }), 250);
    assert.equal(prepareIdleMs({ NANOFORGE_PREPARE_IDLE_MS: 'off' }), undefined);
    assert.equal(prepareIdleMs({ NANOFORGE_PREPARE_IDLE_MS: '-1' }), undefined);
    assert.equal(prepareIdleMs({ NANOFORGE_PREPARE_IDLE_MS: '1e12' }), 3_600_000);
  });

  it('starts only after the idle time with no request in flight; a request postpones it; a finished job is not started again', async () => {
    const spawned: ChildProcess[] = [];
    const logs: string[] = [];
    const p = preparer({ idleMs: 300, delayMs: 50, spawned, logs });
    try {
      p.busy();
      p.want(job);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(spawned.length, 0, 'a request is in flight');
      p.idle();
      await new Promise((r) => setTimeout(r, 150));
      p.busy(); // another request before the idle time passed
      p.idle();
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(spawned.length, 0, 'the idle time restarts with each request');
      assert.ok(await until(async () => (spawned.length === 1 ? true : undefined), 2000));
      assert.ok(await until(async () => (logs.some((l) => /^Prepared \/models\/a on cpu/.test(l)) ? true : undefined), 5000), logs.join('\n'));
      p.want(job);
      await new Promise((r) => setTimeout(r, 600));
      assert.equal(spawned.length, 1, 'prepared once per worker life');
    } finally {
      p.dispose();
    }
  });

  it('does not start without enough free memory, and says so', async () => {
    const spawned: ChildProcess[] = [];
    const logs: string[] = [];
    const p = preparer({ idleMs: 50, delayMs: 10, free: 100 * 2 ** 20, spawned, logs });
    try {
      p.want(job);
      assert.ok(await until(async () => (logs.length > 0 ? true : undefined), 2000));
      assert.match(logs[0] ?? '', /Not preparing \/models\/a now: 100 MiB free, it needs about 1024 MiB/);
      assert.equal(spawned.length, 0);
    } finally {
      p.dispose();
    }
  });

  it('prepareNow shares a running job, runs another one after it, and dispose kills a child that is still at work', async () => {
    const spawned: ChildProcess[] = [];
    const logs: string[] = [];
    const quick = preparer({ delayMs: 200, spawned, logs });
    const [a, b] = await Promise.all([quick.prepareNow(job), quick.prepareNow(job)]);
    assert.equal(a, b);
    assert.equal(spawned.length, 1, 'one child for the same job');
    const other = await quick.prepareNow({ ...job, modelDir: '/models/b' });
    assert.equal(other.dir, '/models/b');
    quick.dispose();

    const stuck = preparer({ delayMs: -1, spawned, logs });
    const pending = stuck.prepareNow(job);
    await until(async () => (spawned[2]?.pid ? true : undefined), 2000);
    stuck.dispose();
    await assert.rejects(pending, /the preparing process was killed by SIGKILL/);
    assert.equal(spawned[2]?.signalCode, 'SIGKILL');
    await assert.rejects(stuck.prepareNow(job), /shutting down/);
  });

  it('the worker and its preparing process get glibc malloc on transparent huge pages on Linux; a value the user set wins', () => {
    assert.equal(withHugePageMalloc({}, 'linux').GLIBC_TUNABLES, 'glibc.malloc.hugetlb=1');
    assert.equal(withHugePageMalloc({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }, 'linux').GLIBC_TUNABLES, 'glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1');
    assert.equal(withHugePageMalloc({ GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' }, 'linux').GLIBC_TUNABLES, 'glibc.malloc.hugetlb=0');
    assert.equal(withHugePageMalloc({}, 'darwin').GLIBC_TUNABLES, undefined);
    assert.equal(withHugePageMalloc({}, 'win32').GLIBC_TUNABLES, undefined);
  });

  it('the estimate covers the largest session with room for onnxruntime\'s copies', async () => {
    const fx = await ensureFixtures();
    const unet = (await fs.readdir(path.join(fx.path('oracle-fp32'), 'unet'))).length;
    assert.ok(unet > 0);
    const bytes = await estimatePrepareBytes(fx.path('oracle-fp32'));
    assert.ok(bytes > 256 * 2 ** 20 && bytes < 300 * 2 ** 20, String(bytes));
  });

  it('a real worker: the model loads unprepared, the worker prepares it when idle, the next worker opens every session from the cache', async () => {
    const store = path.join(tmp, 'store');
    const model = await copyFixture('oracle-sd1', tmp);
    const previous = process.env.NANOFORGE_PREPARE_IDLE_MS;
    process.env.NANOFORGE_PREPARE_IDLE_MS = '300'; // the worker reads it when it starts
    const logs: string[] = [];
    const first = new WorkerClient({ workerPath: WORKER, execArgv: EXEC_ARGV, idleTimeoutMs: 60_000, log: (l) => logs.push(l) });
    try {
      const info = await first.modelInfo(model, 'cpu', store);
      assert.deepEqual(info.loads.map((l) => l.graphCache), ['unprepared', 'unprepared']);
      if (process.platform === 'linux') {
        const environ = await fs.readFile(`/proc/${String(first.pid)}/environ`, 'utf8');
        assert.ok(environ.split('\0').some((v) => /^GLIBC_TUNABLES=(.*:)?glibc\.malloc\.hugetlb=1$/.test(v)), 'the worker started with the tunable');
      }
      const saved = await until(async () => ((await entries(store)).length === 3 ? true : undefined), 60_000);
      assert.ok(saved, `the worker prepared the model in the background:\n${logs.join('\n')}`);
    } finally {
      first.dispose();
      if (previous === undefined) delete process.env.NANOFORGE_PREPARE_IDLE_MS;
      else process.env.NANOFORGE_PREPARE_IDLE_MS = previous;
    }
    const second = new WorkerClient({ workerPath: WORKER, execArgv: EXEC_ARGV, idleTimeoutMs: 60_000 });
    try {
      const info = await second.modelInfo(model, 'cpu', store);
      assert.deepEqual(info.loads.map((l) => l.graphCache), ['hit', 'hit']);
      const again = await second.prepare(model, 'cpu', store);
      assert.deepEqual(again.files.map((f) => f.graphCache), ['hit', 'hit', 'hit'], 'a prepare request finds it prepared');
      const other = await copyFixture('oracle-fp32', tmp);
      const prepared = await second.prepare(other, 'auto', store);
      assert.equal(prepared.device, 'cpu');
      assert.deepEqual(prepared.files.map((f) => [f.file, f.graphCache]), [['text_encoder/model.onnx', 'miss'], ['unet/model.onnx', 'miss'], ['vae_decoder/model.onnx', 'miss']]);
    } finally {
      second.dispose();
    }
  });
});
