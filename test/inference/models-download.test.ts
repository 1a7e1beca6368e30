// Pulling models from a fake hub on 127.0.0.1: only the needed folders, verified hashes, a model that
// generates through the core, resume from the exact byte of a drop, stalls, wrong bytes, HTTP errors,
// disk space checked first, and cancellation that the next pull resumes.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadPipeline } from '../../src/inference';
import { DiskSpaceError } from '../../src/inference/models/disk';
import { HashMismatchError, type PullProgress } from '../../src/inference/models/download';
import { HubAuthError, HubNotFoundError } from '../../src/inference/models/hub';
import { ModelStore, type PullOptions } from '../../src/inference/models/store';
import { readManifest } from '../../src/inference/models/verify';
import { AbortError } from '../../src/inference/errors';
import { FakeHub } from '../fixtures/fake-hub';
import { ensureFixtures } from '../fixtures/models';
import { COLOURS, maxDiff, meanColour } from './pipeline-helpers';

const REPO = 'nanoforge-test/oracle-ext';
const VOCAB = 'tokenizer/vocab.json';
const UNET_DATA = 'unet/model.onnx.data';
/** Stands in for an image-to-image encoder; the folder validator checks it is there, nothing opens it. */
const ENCODER = Buffer.alloc(5000, 1);

async function listFilesUnder(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFilesUnder(path.join(dir, e.name), rel)));
    else out.push(rel);
  }
  return out.sort();
}

describe('models: pull from a hub', function () {
  this.timeout(120_000);
  let hub: FakeHub;
  let tmp: string;
  let store: ModelStore;
  let logs: string[];

  const options = (extra: Partial<PullOptions> = {}): PullOptions => ({
    hub: { endpoint: hub.url, env: {} },
    retry: { baseDelayMs: 5, maxDelayMs: 20, stallTimeoutMs: 1500, maxAttempts: 4 },
    log: (line) => logs.push(line),
    random: () => 0.5,
    ...extra,
  });

  before(async () => {
    const fx = await ensureFixtures();
    hub = await FakeHub.start();
    await hub.addRepo(REPO, {
      dir: fx.path('oracle-ext-data'),
      // What real repositories also carry: a pull skips the weights for other runtimes, the card and
      // engines, and takes the image-to-image encoder along.
      files: { 'vae_encoder/model.onnx': ENCODER, 'unet/diffusion_pytorch_model.safetensors': Buffer.alloc(7000, 2), 'README.md': '# card', 'engine/unet.engine': Buffer.alloc(3000, 3) },
    });
  });
  after(async () => {
    await hub.close();
  });
  beforeEach(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nf-models-'));
    store = new ModelStore(tmp);
    hub.requests.length = 0;
    logs = [];
  });
  afterEach(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('fetches only the pipeline folders (with the optional encoder), writes a manifest, and the model generates an image', async () => {
    const progress: PullProgress[] = [];
    const result = await store.pull(REPO, options({ onProgress: (p) => progress.push(p), progressThrottleMs: 0 }));
    assert.equal(result.status, 'downloaded');
    assert.equal(result.id, 'nanoforge-test--oracle-ext');
    const files = await listFilesUnder(result.dir);
    assert.ok(!files.some((f) => /safetensors|README|engine|\.part$/.test(f)), files.join(' '));
    assert.deepEqual(await fs.readFile(path.join(result.dir, 'vae_encoder/model.onnx')), ENCODER);
    assert.ok(files.includes(UNET_DATA) && files.includes('nanoforge-model.json'));
    assert.deepEqual(await listFilesUnder(path.join(tmp, '.incoming')), []);
    const manifest = await readManifest(result.dir);
    assert.equal(manifest?.source.repo, REPO);
    assert.equal(manifest?.source.endpoint, hub.url);
    for (const f of manifest?.files ?? []) {
      assert.equal(f.sha256, hub.file(REPO, f.path).sha256, f.path);
      assert.equal(f.size, hub.file(REPO, f.path).bytes.length, f.path);
    }
    // LFS files went through the CDN redirect; nothing needless was requested.
    assert.equal(hub.served(UNET_DATA, 'cdn').length, 1);
    assert.equal(hub.requests.filter((r) => /safetensors|engine/.test(r.file)).length, 0);
    const last = progress.at(-1);
    assert.equal(last?.doneBytes, result.totalBytes);
    assert.equal(last?.totalBytes, result.totalBytes);
    assert.ok(progress.some((p) => p.file === VOCAB));

    const pipeline = await loadPipeline(result.dir, { device: 'cpu' });
    try {
      const r = await pipeline.generate({ prompt: 'a cyan square', width: 64, height: 64, steps: 2, guidanceScale: 0, seed: 3, count: 1 });
      const mean = meanColour(r.images[0]!);
      assert.ok(maxDiff(mean, COLOURS.cyan!) < 3, `mean ${mean.join(',')}`);
    } finally {
      await pipeline.dispose();
    }
    assert.equal((await store.pull(REPO, options())).status, 'already-installed');
  });

  it('resumes a dropped transfer from the exact byte it reached', async () => {
    const size = hub.file(REPO, VOCAB).bytes.length;
    hub.fault(REPO, VOCAB, { kind: 'drop', afterBytes: 300_000 });
    await store.pull(REPO, options());
    const served = hub.served(VOCAB);
    assert.equal(served.length, 2);
    assert.equal(served[0]?.rangeStart, undefined);
    assert.equal(served[0]?.bytes, 300_000);
    // Every byte that arrived before the drop is kept: the retry asks for exactly the next one, and
    // the server sends exactly the rest (no byte twice).
    assert.match(logs.join('\n'), /vocab\.json: the connection dropped at byte 300000 of 961143/);
    assert.deepEqual([served[1]?.status, served[1]?.rangeStart, served[1]?.bytes], [206, 300_000, size - 300_000]);
    assert.equal(served[0]!.bytes + served[1]!.bytes, size);
  });

  it('restarts from zero when the server ignores Range, and still verifies', async () => {
    const size = hub.file(REPO, VOCAB).bytes.length;
    hub.fault(REPO, VOCAB, { kind: 'drop', afterBytes: 300_000 }, { kind: 'ignore-range' });
    const result = await store.pull(REPO, options());
    const served = hub.served(VOCAB);
    assert.equal(served.length, 2);
    assert.deepEqual([served[1]?.status, served[1]?.rangeStart, served[1]?.bytes], [200, 300_000, size]);
    assert.match(logs.join('\n'), /ignored the Range request/);
    assert.equal((await readManifest(result.dir))?.files.find((f) => f.path === VOCAB)?.sha256, hub.file(REPO, VOCAB).sha256);
  });

  it('a wrong byte is fetched again; twice wrong never becomes a model and names the file', async () => {
    hub.fault(REPO, UNET_DATA, { kind: 'wrong-bytes' });
    await store.pull(REPO, options());
    assert.equal(hub.served(UNET_DATA, 'cdn').length, 2);
    await store.remove('nanoforge-test--oracle-ext');

    hub.requests.length = 0;
    hub.fault(REPO, UNET_DATA, { kind: 'wrong-bytes' }, { kind: 'wrong-bytes' });
    await assert.rejects(store.pull(REPO, options()), (e: unknown) => e instanceof HashMismatchError && e.file === UNET_DATA && e.message.includes(UNET_DATA));
    await assert.rejects(fs.stat(path.join(tmp, 'nanoforge-test--oracle-ext')), /ENOENT/);
    const incoming = await listFilesUnder(path.join(tmp, '.incoming'));
    assert.ok(!incoming.some((f) => f.endsWith(UNET_DATA) || f.endsWith(`${UNET_DATA}.part`)), incoming.join(' '));
  });

  it('a stalled transfer times out and the retry resumes it', async () => {
    hub.fault(REPO, VOCAB, { kind: 'stall', afterBytes: 100_000 });
    await store.pull(REPO, options());
    const served = hub.served(VOCAB);
    assert.deepEqual(served.map((s) => s.rangeStart), [undefined, 100_000]);
    assert.match(logs.join('\n'), /tokenizer\/vocab\.json: no data for 1\.5s \(have 100000 of 961143 bytes\); retrying/);
  });

  it('a body shorter than its Content-Length is resumed', async () => {
    hub.fault(REPO, VOCAB, { kind: 'wrong-length', extra: 5000 });
    hub.fault(REPO, 'tokenizer/merges.txt', { kind: 'wrong-length', extra: -1000 });
    const result = await store.pull(REPO, options());
    const merges = hub.served('tokenizer/merges.txt');
    assert.equal(merges[1]?.rangeStart, hub.file(REPO, 'tokenizer/merges.txt').bytes.length - 1000);
    // The whole body arrived before the early close, so nothing is asked for twice.
    assert.deepEqual(hub.served(VOCAB).map((r) => r.bytes), [hub.file(REPO, VOCAB).bytes.length]);
    assert.equal((await store.verify(result.id)).ok, true);
  });

  it('401 asks for a token, which is sent to the hub but never to the CDN', async () => {
    await hub.addRepo('gated/model', { dir: (await ensureFixtures()).path('oracle-fp32'), token: 'hf_secret' });
    await assert.rejects(store.pull('gated/model', options()), (e: unknown) => e instanceof HubAuthError && e.status === 401 && /needs a Hugging Face token/.test(e.message));
    await assert.rejects(store.pull('gated/model', options({ hub: { endpoint: hub.url, env: {}, token: 'hf_wrong' } })), (e: unknown) => e instanceof HubAuthError && e.status === 403);
    hub.requests.length = 0;
    const result = await store.pull('gated/model', options({ hub: { endpoint: hub.url, env: {}, token: 'hf_secret' } }));
    assert.equal(result.status, 'downloaded');
    assert.ok(hub.requests.filter((r) => r.server === 'hub').every((r) => r.authorized));
    assert.ok(hub.requests.filter((r) => r.server === 'cdn').length > 0);
    assert.ok(hub.requests.filter((r) => r.server === 'cdn').every((r) => !r.authorized));
    assert.ok(!logs.join('\n').includes('hf_secret'));
  });

  it('404 says what was not found; 429 waits for Retry-After; 500 is retried', async () => {
    await assert.rejects(store.pull('nobody/nothing', options()), (e: unknown) => e instanceof HubNotFoundError && /nobody\/nothing@main/.test(e.message));
    hub.fault(REPO, '@tree', { kind: 'status', status: 429, retryAfter: '0.25' });
    hub.fault(REPO, VOCAB, { kind: 'status', status: 500 }, { kind: 'status', status: 503 });
    await store.pull(REPO, options());
    assert.match(logs.join('\n'), /answered 429 .*retrying in 0\.3s/);
    assert.deepEqual(hub.served(VOCAB).map((s) => s.status), [500, 503, 200]);
  });

  it('checks free space before downloading anything', async () => {
    await assert.rejects(store.pull(REPO, options({ freeSpace: async () => 1_000_000 })), (e: unknown) => {
      assert.ok(e instanceof DiskSpaceError);
      assert.match(e.message, /needs .* more, 1\.00 MB is free/);
      return true;
    });
    assert.deepEqual(hub.requests.map((r) => r.file), ['@revision', '@tree']);
  });

  it('cancellation leaves only .part files and the next pull resumes them', async () => {
    const controller = new AbortController();
    hub.fault(REPO, VOCAB, { kind: 'stall', afterBytes: 200_000 });
    const pending = store.pull(REPO, options({ signal: controller.signal, retry: { stallTimeoutMs: 60_000 } }));
    await until(() => (hub.served(VOCAB)[0]?.bytes ?? 0) > 0);
    await until(async () => (await fs.stat(path.join(tmp, '.incoming', 'nanoforge-test--oracle-ext', `${VOCAB}.part`)).catch(() => undefined))?.size === 200_000);
    controller.abort();
    await assert.rejects(pending, AbortError);
    const left = await listFilesUnder(path.join(tmp, '.incoming'));
    assert.ok(left.includes(`nanoforge-test--oracle-ext/${VOCAB}.part`), left.join(' '));
    assert.ok(!left.includes(`nanoforge-test--oracle-ext/${VOCAB}`));
    await assert.rejects(fs.stat(path.join(tmp, 'nanoforge-test--oracle-ext')), /ENOENT/);

    hub.requests.length = 0;
    const result = await store.pull(REPO, options());
    assert.equal(hub.served(VOCAB)[0]?.rangeStart, 200_000);
    assert.ok(!hub.requests.some((r) => r.file === 'model_index.json'), 'finished files are not fetched again');
    assert.equal((await store.verify(result.id)).ok, true);
  });
});

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition not reached');
}
