// The optimized-graph cache, observed through real session loads: a miss writes an entry (atomically,
// with its manifest), a hit opens that entry without rewriting it, a changed model file is a new key
// (the stale entry is not used), a corrupt entry is detected and rebuilt, a cached graph onnxruntime
// refuses is evicted and rebuilt once and then the key is left uncached, and the folder stays bounded.
// Those are the 'build' loads that prepare a model; a generation's load ('fast', the default) never
// writes: without an entry it opens the model with fewer optimizations and reports 'unprepared'.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { copyFixture } from '../fixtures/models';
import { openSessionSet, ORT_VERSION } from '../../src/inference/backend/onnx';
import { GraphCache, GRAPH_FILE, type GraphCacheOptions } from '../../src/inference/backend/graph-cache';
import type { ModelSession, SessionSet } from '../../src/inference/backend/types';
import { loadPipeline } from '../../src/inference';
import { graphCacheDir } from '../../src/inference/models/store-cache';
import { prepareModel } from '../../src/inference/prepare-model';

const DECODER = 'vae_decoder/model.onnx';
const UNET = 'unet/model.onnx';

async function decode(session: ModelSession): Promise<number[]> {
  const latent = Float32Array.from({ length: 4 * 2 * 3 }, (_, i) => (i % 7) / 7 - 0.4);
  const out = await session.run({ latent_sample: { values: latent, dims: [1, 4, 2, 3] } }, ['sample']);
  return Array.from(out.sample?.data ?? []);
}

async function identity(file: string): Promise<string> {
  const stat = await fs.stat(file);
  return `${stat.ino}:${stat.mtimeMs}:${stat.size}`;
}

describe('optimized-graph cache', function () {
  this.timeout(120_000);
  let tmp: string;
  let model: string;
  let reference: number[];
  const opened: SessionSet[] = [];

  async function openWith(file: string, cache: GraphCacheOptions | undefined, dir = model, onGraphCacheMiss: 'fast' | 'build' = 'build'): Promise<SessionSet> {
    const set = await openSessionSet(dir, [{ file }], 'cpu', cache ? { graphCache: cache, onGraphCacheMiss } : {});
    opened.push(set);
    return set;
  }

  async function cacheFolder(): Promise<string[]> {
    return (await fs.readdir(path.join(tmp, 'cache')).catch(() => [] as string[])).sort();
  }

  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nanoforge-graph-cache-'));
    model = await copyFixture('oracle-ext-data', tmp);
    reference = await decode((await openWith(DECODER, undefined)).sessions[0] as ModelSession);
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).flatMap((s) => s.sessions.map((x) => (x as unknown as { release(): Promise<void> }).release())));
  });

  after(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('miss: the first load saves the optimized graph as one entry, renamed into place with its manifest', async () => {
    const cache = { dir: path.join(tmp, 'cache') };
    const set = await openWith(DECODER, cache);
    const load = set.loads[0] ?? assert.fail('no load');
    assert.equal(load.graphCache, 'miss');
    const entry = load.graphCacheEntry ?? assert.fail('no entry');
    assert.deepEqual((await fs.readdir(entry)).sort(), ['entry.json', GRAPH_FILE]);
    const manifest = JSON.parse(await fs.readFile(path.join(entry, 'entry.json'), 'utf8')) as { key: string; files: Record<string, number>; material: { ortVersion: string; provider: string; options: Record<string, unknown> } };
    // The options the sessions were made with: on the CPU without the memory pattern (its block is held beside the arena's).
    assert.equal(manifest.material.options.enableMemPattern, false);
    assert.equal(manifest.material.options.graphOptimizationLevel, 'all');
    assert.equal(manifest.key, path.basename(entry));
    assert.deepEqual([manifest.material.ortVersion, manifest.material.provider], [ORT_VERSION, 'cpu']);
    assert.equal(manifest.files[GRAPH_FILE], (await fs.stat(path.join(entry, GRAPH_FILE))).size);
    assert.deepEqual(await cacheFolder(), [path.basename(entry)], 'no temp folder left behind');
    assert.deepEqual(await decode(set.sessions[0] as ModelSession), reference);
  });

  it('hit: the second load opens the cached graph and leaves the entry as it was; the output is the same', async () => {
    const cache = { dir: path.join(tmp, 'cache') };
    const entry = (await openWith(DECODER, cache)).loads[0]?.graphCacheEntry ?? assert.fail('no entry');
    const before = await identity(path.join(entry, GRAPH_FILE));
    const set = await openWith(DECODER, cache);
    assert.deepEqual([set.loads[0]?.graphCache, set.loads[0]?.graphCacheEntry], ['hit', entry]);
    assert.equal(await identity(path.join(entry, GRAPH_FILE)), before, 'not rewritten');
    assert.deepEqual(await decode(set.sessions[0] as ModelSession), reference);
  });

  it('keeps graphs over 2 GB possible: initializers go to an external data file (the ext-data UNet here)', async () => {
    const set = await openWith(UNET, { dir: path.join(tmp, 'cache') });
    const entry = set.loads[0]?.graphCacheEntry ?? assert.fail('no entry');
    const files = (await fs.readdir(entry)).sort();
    assert.deepEqual(files, ['entry.json', GRAPH_FILE, 'model.onnx.data']);
    assert.ok((await fs.stat(path.join(entry, 'model.onnx.data'))).size >= 4000, 'the sigma table lives in the data file');
  });

  it('stale: a changed model file is another key; the old entry is not used', async () => {
    const cache = { dir: path.join(tmp, 'cache') };
    const old = (await openWith(DECODER, cache)).loads[0]?.graphCacheEntry ?? assert.fail('no entry');
    const source = path.join(model, DECODER);
    const later = new Date(Date.now() + 60_000);
    await fs.utimes(source, later, later);
    const set = await openWith(DECODER, cache);
    const fresh = set.loads[0]?.graphCacheEntry ?? assert.fail('no entry');
    assert.equal(set.loads[0]?.graphCache, 'miss');
    assert.notEqual(fresh, old);
    assert.ok((await cacheFolder()).includes(path.basename(old)), 'the stale entry is only pruned by the bounds');
    const again = await openWith(DECODER, cache);
    assert.deepEqual([again.loads[0]?.graphCache, again.loads[0]?.graphCacheEntry], ['hit', fresh]);
  });

  it('corrupt: a truncated cached graph is detected and rebuilt', async () => {
    const cache = { dir: path.join(tmp, 'cache') };
    const entry = (await openWith(DECODER, cache)).loads[0]?.graphCacheEntry ?? assert.fail('no entry');
    const graph = path.join(entry, GRAPH_FILE);
    const size = (await fs.stat(graph)).size;
    await fs.truncate(graph, 10);
    const set = await openWith(DECODER, cache);
    assert.equal(set.loads[0]?.graphCache, 'rebuilt');
    assert.match(set.loads[0]?.graphCacheReason ?? '', /corrupt: model\.onnx is 10 bytes, not \d+/);
    assert.equal((await fs.stat(graph)).size, size);
    assert.deepEqual(await decode(set.sessions[0] as ModelSession), reference);
  });

  it('a cached graph onnxruntime refuses is evicted and rebuilt once; refused again, the key stays uncached', async () => {
    const cache = { dir: path.join(tmp, 'cache') };
    const spoil = async (entry: string): Promise<void> => {
      const graph = path.join(entry, GRAPH_FILE);
      await fs.writeFile(graph, Buffer.alloc((await fs.stat(graph)).size, 0x5a)); // same size, not a model
    };
    const entry = (await openWith(DECODER, cache)).loads[0]?.graphCacheEntry ?? assert.fail('no entry');
    await spoil(entry);
    const rebuilt = await openWith(DECODER, cache);
    assert.equal(rebuilt.loads[0]?.graphCache, 'rebuilt');
    assert.match(rebuilt.loads[0]?.graphCacheReason ?? '', /did not load/);
    assert.deepEqual(await decode(rebuilt.sessions[0] as ModelSession), reference);
    await spoil(entry);
    const off = await openWith(DECODER, cache);
    assert.equal(off.loads[0]?.graphCache, 'off', 'falls back to the model file');
    assert.deepEqual(await decode(off.sessions[0] as ModelSession), reference);
    assert.match(off.loads[0]?.graphCacheReason ?? '', /failed to load twice/);
    assert.equal((await openWith(DECODER, cache)).loads[0]?.graphCache, 'off', 'and stays so');
  });

  it('fast (a generation\'s load): no entry → opened with the extended optimizations, "unprepared", nothing written; an entry → hit', async () => {
    const cache = { dir: path.join(tmp, 'fast') };
    const set = await openWith(DECODER, cache, model, 'fast');
    assert.equal(set.loads[0]?.graphCache, 'unprepared');
    assert.match(set.loads[0]?.graphCacheReason ?? '', /no optimized graph is cached for it yet; opened with the 'extended' optimizations/);
    assert.equal(set.loads[0]?.graphCacheEntry, undefined);
    assert.deepEqual((await fs.readdir(cache.dir).catch(() => [] as string[])), [], 'nothing written, not even a temp folder');
    const out = await decode(set.sessions[0] as ModelSession);
    assert.equal(out.length, reference.length);
    assert.ok(out.every((v, i) => Math.abs(v - (reference[i] as number)) < 1e-4), 'the same decoder output, up to float rounding');
    assert.equal((await openWith(DECODER, cache, model, 'fast')).loads[0]?.graphCache, 'unprepared', 'and stays so until something builds it');
    const built = await openWith(DECODER, cache, model, 'build');
    assert.equal(built.loads[0]?.graphCache, 'miss');
    const hit = await openWith(DECODER, cache, model, 'fast');
    assert.deepEqual([hit.loads[0]?.graphCache, hit.loads[0]?.graphCacheEntry], ['hit', built.loads[0]?.graphCacheEntry]);
  });

  it('fast: a refused cached graph is evicted and the load goes on unprepared; the next build is its last try', async () => {
    const cache = { dir: path.join(tmp, 'fast-refused') };
    const spoil = async (entry: string): Promise<void> => {
      const graph = path.join(entry, GRAPH_FILE);
      await fs.writeFile(graph, Buffer.alloc((await fs.stat(graph)).size, 0x5a));
    };
    const entry = (await openWith(DECODER, cache)).loads[0]?.graphCacheEntry ?? assert.fail('no entry');
    await spoil(entry);
    const fast = await openWith(DECODER, cache, model, 'fast');
    assert.equal(fast.loads[0]?.graphCache, 'unprepared');
    assert.match(fast.loads[0]?.graphCacheReason ?? '', /did not load/);
    assert.deepEqual(await fs.readdir(cache.dir), [`${path.basename(entry)}.failed-once.json`], 'the entry is gone, the failure remembered');
    const rebuilt = await openWith(DECODER, cache);
    assert.equal(rebuilt.loads[0]?.graphCache, 'rebuilt');
    assert.match(rebuilt.loads[0]?.graphCacheReason ?? '', /failed to load before/);
    assert.deepEqual(await fs.readdir(cache.dir), [path.basename(entry)], 'a build clears the marker');
    await spoil(entry);
    const last = await openWith(DECODER, cache, model, 'fast');
    assert.equal(last.loads[0]?.graphCache, 'off', 'refused twice: the key is no longer cached');
    assert.match(last.loads[0]?.graphCacheReason ?? '', /failed to load twice/);
    assert.deepEqual(await decode(last.sessions[0] as ModelSession), reference, 'the model file itself, fully optimized');
    assert.equal((await openWith(DECODER, cache)).loads[0]?.graphCache, 'off', 'refused twice: not built again');
  });

  it('stays within its bounds, dropping the least recently used entry', async () => {
    const dir = path.join(tmp, 'bounded');
    const first = (await openWith(DECODER, { dir, maxEntries: 2 })).loads[0]?.graphCacheEntry ?? assert.fail('no entry');
    await new Promise((r) => setTimeout(r, 20));
    const second = (await openWith(UNET, { dir, maxEntries: 2 })).loads[0]?.graphCacheEntry ?? assert.fail('no entry');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal((await openWith(DECODER, { dir, maxEntries: 2 })).loads[0]?.graphCache, 'hit', 'a hit marks the entry used');
    await new Promise((r) => setTimeout(r, 20));
    const third = (await openWith('text_encoder/model.onnx', { dir, maxEntries: 2 })).loads[0]?.graphCacheEntry ?? assert.fail('no entry');
    assert.deepEqual((await fs.readdir(dir)).sort(), [path.basename(first), path.basename(third)].sort(), `${path.basename(second)} was least recently used`);
    const budget = new GraphCache({ dir, maxBytes: 1 });
    assert.deepEqual((await budget.prune(first)).sort(), [third], 'only the entry in use survives a 1-byte budget');
  });

  it('prune removes the temp folder of a writer that died (a preparation stopped by Ctrl-C), and keeps a live writer\'s', async () => {
    const dir = path.join(tmp, 'temps');
    await fs.mkdir(dir, { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const deadTemp = path.join(dir, `.tmp-0123abcd-${dead}-deadbeef`);
    const liveTemp = path.join(dir, `.tmp-0123abcd-${process.ppid}-cafebabe`);
    const ownTemp = path.join(dir, `.tmp-0123abcd-${process.pid}-feedface`);
    for (const t of [deadTemp, liveTemp, ownTemp]) await fs.mkdir(t);
    await new GraphCache({ dir }).prune();
    assert.deepEqual((await fs.readdir(dir)).sort(), [liveTemp, ownTemp].map((t) => path.basename(t)).sort());
  });

  it('caches only the CPU provider, and only with room on the disk', async () => {
    const parts = { ortVersion: ORT_VERSION, provider: 'cuda', options: {} };
    const gpu = await new GraphCache({ dir: path.join(tmp, 'other') }).plan(path.join(model, DECODER), parts);
    assert.deepEqual([gpu.status, gpu.reason, gpu.path], ['off', "the cuda provider's graphs are not cached", path.join(model, DECODER)]);
    const full = await new GraphCache({ dir: path.join(tmp, 'other'), freeSpace: async () => 1000 }).plan(path.join(model, DECODER), { ...parts, provider: 'cpu' });
    assert.equal(full.status, 'off');
    assert.match(full.reason ?? '', /MiB free/);
  });

  it('a pipeline loads unprepared until prepareModel saves its graphs under the store\'s .cache; then every load is a hit', async () => {
    const store = path.join(tmp, 'store');
    const request = { prompt: 'green', width: 64, height: 64, steps: 1, guidanceScale: 0, seed: 1, count: 1 };
    const first = await loadPipeline(model, { device: 'cpu', storeDir: store });
    const before = await first.generate(request);
    assert.deepEqual(first.info.loads.map((l) => [l.file, l.graphCache]), [['text_encoder/model.onnx', 'unprepared'], [UNET, 'unprepared'], [DECODER, 'unprepared']]);
    await first.dispose();
    assert.deepEqual(await fs.readdir(graphCacheDir(store)).catch(() => [] as string[]), [], 'a generation writes no graph');
    const files: string[] = [];
    const prepared = await prepareModel(model, { storeDir: store, device: 'cpu', onFile: (f) => files.push(f.file) });
    assert.deepEqual(files, ['text_encoder/model.onnx', UNET, DECODER], 'one file at a time');
    assert.deepEqual(prepared.files.map((f) => [f.file, f.graphCache]), [['text_encoder/model.onnx', 'miss'], [UNET, 'miss'], [DECODER, 'miss']]);
    assert.equal(prepared.device, 'cpu');
    assert.equal((await fs.readdir(graphCacheDir(store))).length, 3);
    const again = await prepareModel(model, { storeDir: store, device: 'cpu' });
    assert.deepEqual(again.files.map((f) => f.graphCache), ['hit', 'hit', 'hit'], 'preparing twice rebuilds nothing');
    const second = await loadPipeline(model, { device: 'cpu', storeDir: store });
    try {
      const after = await second.generate(request);
      assert.deepEqual(second.info.loads.map((l) => l.graphCache), ['hit', 'hit', 'hit']);
      assert.ok(second.info.loads.every((l) => l.graphCacheEntry?.startsWith(graphCacheDir(store))));
      const [a, b] = [before.images[0]?.data, after.images[0]?.data];
      assert.ok(a && b && a.length === b.length && a.every((v, i) => Math.abs(v - (b[i] as number)) <= 1), 'the same image from either graph');
    } finally {
      await second.dispose();
    }
  });
});
