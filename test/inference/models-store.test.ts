// The catalog, the models folder (local registry, list, remove), verify/repair against the manifest,
// proxies, listing pages and the progress arithmetic.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ModelFolderError } from '../../src/inference';
import { checkCatalog, checkCatalogEntry, CatalogError, isPinned, loadCatalog, resolvePullSource, type CatalogEntry } from '../../src/inference/models/catalog';
import { formatBytes, formatDuration } from '../../src/inference/models/disk';
import { ProgressTracker, type PullProgress } from '../../src/inference/models/download';
import { proxyFor } from '../../src/inference/models/hub';
import { ModelStore, selectModelFiles, StoreError, type PullOptions } from '../../src/inference/models/store';
import { FakeHub } from '../fixtures/fake-hub';
import { copyFixture, ensureFixtures } from '../fixtures/models';

describe('models: catalog', () => {
  const catalog = loadCatalog();

  it('every entry has the required fields and the catalog checks clean', () => {
    assert.deepEqual(checkCatalog(catalog), []);
    assert.ok(catalog.models.filter((m) => m.kind === 'pipeline').length >= 4);
    for (const m of catalog.models) {
      assert.ok(m.license.name && m.license.url.startsWith('https://'), m.id);
      assert.ok(m.approxDownloadBytes > 0, m.id);
    }
  });

  it('claims no verified hashes it does not have, and says what was not checked', () => {
    for (const m of catalog.models) {
      if (!m.verified) {
        assert.ok(!(m.files ?? []).some((f) => f.sha256), `${m.id} has hashes but says unverified`);
        assert.match(m.notes ?? '', /not checked|not pinned/i, m.id);
      }
      if (m.verified) assert.ok(isPinned(m.revision) && (m.files ?? []).length > 0, m.id);
    }
    const liar = { ...catalog.models[0], verified: true, filesChecked: true, files: [] } as CatalogEntry;
    assert.match(checkCatalogEntry(liar).join('\n'), /must list every file with size and sha256/);
    const invented = { ...catalog.models[0], files: [{ path: 'unet/model.onnx', size: 1, sha256: 'a'.repeat(64) }] } as CatalogEntry;
    assert.match(checkCatalogEntry(invented).join('\n'), /must not carry hashes/);
  });

  it('covers SD-Turbo on GPU (fp16) and CPU (fp32), an LCM model, and a preview decoder; non-commercial licences say so', () => {
    const turbo = catalog.models.filter((m) => m.family === 'sd-turbo');
    assert.ok(turbo.some((m) => m.precision === 'fp16' && !m.devices.includes('cpu')));
    assert.ok(turbo.some((m) => m.precision === 'fp32' && m.devices.includes('cpu')));
    assert.ok(catalog.models.some((m) => m.family === 'lcm' && m.scheduler === 'lcm'));
    assert.ok(catalog.models.some((m) => m.kind === 'preview-decoder'));
    for (const m of turbo) {
      assert.equal(m.license.id, 'sai-nc-community');
      assert.equal(m.license.commercialUse, false);
      assert.match(m.license.summary, /non-commercial/i);
    }
    assert.equal(catalog.models.find((m) => m.id === 'sd-turbo-fp16')?.revision, '6d0b4c16d1606606694b58681a91b0edf1415268');
  });

  it('turns catalog ids and owner/repo[@revision] into pull sources', () => {
    assert.deepEqual(
      [resolvePullSource('sd-turbo-fp32').repo, resolvePullSource('sd-turbo-fp32').revision],
      ['TensorStack/SD-Turbo-onnx', '4ea2c74bb4d440bdda4212f9a1a711bbf90b43ec'],
    );
    assert.equal(resolvePullSource('onnxruntime/sd-turbo').id, 'sd-turbo-fp16');
    assert.deepEqual(resolvePullSource('someone/My-Model'), { id: 'someone--my-model', repo: 'someone/My-Model', revision: 'main', kind: 'pipeline' });
    assert.equal(resolvePullSource('someone/model@0123456789abcdef0123456789abcdef01234567').id, 'someone--model@0123456789ab');
    assert.throws(() => resolvePullSource('not a model'), (e: unknown) => e instanceof CatalogError && /sd-turbo-fp16/.test(e.message));
    assert.throws(() => resolvePullSource('a/b@../x'), CatalogError);
  });

  it('selects the needed folders, whatever the external-data file is called', () => {
    const listing = ['model_index.json', 'scheduler/scheduler_config.json', 'tokenizer/vocab.json', 'tokenizer/merges.txt', 'text_encoder/model.onnx', 'unet/model.onnx', 'unet/model.onnx_data', 'vae_decoder/model.onnx', 'vae_encoder/model.onnx', 'unet/diffusion_pytorch_model.safetensors', 'feature_extractor/preprocessor_config.json', 'README.md']
      .map((p) => ({ path: p, size: 1 }));
    const chosen = selectModelFiles(listing, { repo: 'a/b', revision: 'main', kind: 'pipeline' }).map((f) => f.path);
    assert.ok(chosen.includes('unet/model.onnx_data'));
    assert.ok(!chosen.some((p) => /safetensors|feature_extractor|README/.test(p)));
    // The image-to-image encoder (and TAESD-class parts) come along when the repository has them.
    assert.ok(chosen.includes('vae_encoder/model.onnx'));
    const withTiny = [...listing, { path: 'vae_encoder_tiny/model.onnx', size: 1 }, { path: 'vae_decoder_tiny/config.json', size: 1 }, { path: 'vae_decoder_tiny/model.onnx', size: 1 }];
    assert.deepEqual(selectModelFiles(withTiny, { repo: 'a/b', revision: 'main', kind: 'pipeline' }).map((f) => f.path).filter((p) => /^vae_(encoder|encoder_tiny|decoder_tiny)\//.test(p)).sort(),
      ['vae_decoder_tiny/config.json', 'vae_decoder_tiny/model.onnx', 'vae_encoder/model.onnx', 'vae_encoder_tiny/model.onnx']);
    assert.deepEqual(selectModelFiles(listing.filter((f) => f.path !== 'vae_encoder/model.onnx'), { repo: 'a/b', revision: 'main', kind: 'pipeline' }).map((f) => f.path),
      chosen.filter((p) => p !== 'vae_encoder/model.onnx'), 'an encoder stays optional');
    assert.throws(() => selectModelFiles(listing.filter((f) => f.path !== 'unet/model.onnx'), { repo: 'a/b', revision: 'main', kind: 'pipeline' }), /a\/b@main is not an ONNX export .* no unet\/model\.onnx/);
    assert.deepEqual(selectModelFiles(listing, { repo: 't/taesd', revision: 'main', kind: 'preview-decoder' }).map((f) => f.path), ['vae_decoder/model.onnx']);
  });
});

describe('models: store, verify, repair, proxy', function () {
  this.timeout(120_000);
  const REPO = 'nanoforge-test/oracle';
  let hub: FakeHub;
  let tmp: string;
  let store: ModelStore;
  const opts = (extra: Partial<PullOptions> = {}): PullOptions => ({ hub: { endpoint: hub.url, env: {} }, retry: { baseDelayMs: 5, maxDelayMs: 10 }, ...extra });

  before(async () => {
    hub = await FakeHub.start();
    await hub.addRepo(REPO, { dir: (await ensureFixtures()).path('oracle-ext-data') });
  });
  after(() => hub.close());
  beforeEach(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nf-store-'));
    store = new ModelStore(path.join(tmp, 'store'));
    hub.requests.length = 0;
    hub.pageSize = 1000;
  });
  afterEach(() => fs.rm(tmp, { recursive: true, force: true }));

  it('adds a local folder after validation, lists it with its size, and removing only unregisters it', async () => {
    const local = await copyFixture('oracle-fp32', tmp);
    const added = await store.add(local, 'mine');
    assert.equal(added.origin, 'local');
    const listed = await store.list();
    assert.deepEqual(listed.map((m) => [m.id, m.origin, m.present]), [['mine', 'local', true]]);
    assert.ok(listed[0]!.sizeBytes > 1_400_000, 'vocab + merges + models');
    await assert.rejects(store.add(local, 'mine'), StoreError);
    const broken = await copyFixture('oracle-sd1', path.join(tmp, 'b'));
    await fs.rm(path.join(broken, 'unet', 'model.onnx'));
    await assert.rejects(store.add(broken), (e: unknown) => e instanceof ModelFolderError && e.file === 'unet/model.onnx');
    assert.equal((await store.list()).length, 1);
    assert.deepEqual(await store.remove('mine'), { id: 'mine', deleted: false, dir: local });
    assert.ok((await fs.stat(path.join(local, 'unet', 'model.onnx'))).isFile(), 'the user folder is untouched');
    assert.deepEqual(await store.list(), []);
    assert.equal((await store.verify((await store.add(local)).id)).hasManifest, false);
  });

  it('verify names truncated and corrupt files; repair re-fetches only those', async () => {
    const pulled = await store.pull(REPO, opts());
    assert.equal((await store.verify(pulled.id)).ok, true);
    const vocab = path.join(pulled.dir, 'tokenizer', 'vocab.json');
    await fs.truncate(vocab, 1000);
    const data = path.join(pulled.dir, 'unet', 'model.onnx.data');
    const bytes = await fs.readFile(data);
    bytes[100] = (bytes[100] ?? 0) ^ 1;
    await fs.writeFile(data, bytes);
    const report = await store.verify(pulled.id);
    assert.equal(report.ok, false);
    assert.deepEqual(report.problems.map((p) => [p.path, p.problem]), [['tokenizer/vocab.json', 'truncated'], ['unet/model.onnx.data', 'corrupt']]);

    hub.requests.length = 0;
    const repaired = await store.repair(pulled.id, opts());
    assert.deepEqual(repaired.fetched.sort(), ['tokenizer/vocab.json', 'unet/model.onnx.data']);
    const contentRequests = hub.requests.filter((r) => r.server === 'cdn' || !r.file.startsWith('@')).map((r) => r.file);
    assert.deepEqual([...new Set(contentRequests)].sort(), ['tokenizer/vocab.json', 'unet/model.onnx.data']);
    assert.equal((await store.verify(pulled.id)).ok, true);
  });

  it('removes a downloaded model from disk, and refuses folders it did not download', async () => {
    const pulled = await store.pull(REPO, opts());
    assert.deepEqual((await store.list()).map((m) => [m.id, m.origin, m.repo]), [[pulled.id, 'downloaded', REPO]]);
    await store.remove(pulled.id);
    await assert.rejects(fs.stat(pulled.dir), /ENOENT/);
    await fs.mkdir(path.join(store.root, 'hand-made'), { recursive: true });
    await assert.rejects(store.remove('hand-made'), /not deleted/);
    await assert.rejects(store.remove('../etc'), /not a valid model id/);
  });

  it('one download per model at a time: a second pull or a remove is refused while the first runs', async () => {
    hub.fault(REPO, 'tokenizer/vocab.json', { kind: 'stall', afterBytes: 1000 });
    const first = store.pull(REPO, opts({ retry: { stallTimeoutMs: 1500, baseDelayMs: 5, maxDelayMs: 10 } }));
    await until(() => hub.served('tokenizer/vocab.json').length > 0);
    await assert.rejects(store.pull(REPO, opts()), /nanoforge-test--oracle is already being downloaded \(process \d+\)/);
    await assert.rejects(store.remove('nanoforge-test--oracle'), /already being downloaded/);
    const done = await first;
    assert.equal(done.status, 'downloaded');
    await assert.rejects(fs.stat(path.join(store.root, '.incoming', 'nanoforge-test--oracle.lock')), /ENOENT/);
    // A lock left by a process that no longer exists is taken over.
    await store.remove(done.id);
    await fs.mkdir(path.join(store.root, '.incoming'), { recursive: true });
    await fs.writeFile(path.join(store.root, '.incoming', 'nanoforge-test--oracle.lock'), '999999999');
    assert.equal((await store.pull(REPO, opts())).status, 'downloaded');
  });

  it('pulls the catalog preview decoder: only vae_decoder/, listed as a preview decoder', async () => {
    const fx = await ensureFixtures();
    const decoder = await fs.readFile(path.join(fx.path('oracle-fp32'), 'vae_decoder', 'model.onnx'));
    await hub.addRepo('julienkay/taesd', { files: { 'vae_decoder/model.onnx': decoder, 'vae_encoder/model.onnx': Buffer.alloc(900, 7), 'README.md': 'taesd' } });
    const pulled = await store.pull('taesd', opts());
    assert.deepEqual(pulled.fetched, ['vae_decoder/model.onnx']);
    assert.deepEqual((await store.list()).map((m) => [m.id, m.kind]), [['taesd', 'preview-decoder']]);
    assert.equal((await store.verify('taesd')).ok, true);
  });

  it('follows paged listings', async () => {
    hub.pageSize = 3;
    const pulled = await store.pull(REPO, opts());
    assert.ok(hub.served('@tree').length >= 4);
    const report = await store.verify(pulled.id);
    assert.equal(report.ok, true);
    assert.equal(report.checked, pulled.fetched.length);
    assert.ok(pulled.fetched.length > 3 * 3, 'more files than three pages of three');
  });

  it('goes through an HTTP proxy from the option or HTTPS_PROXY, and NO_PROXY bypasses it', async () => {
    const seen: string[] = [];
    const proxy = http.createServer((req, res) => {
      seen.push(req.url ?? '');
      const target = new URL(req.url ?? '');
      const upstream = http.request(target, { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
      await store.pull(REPO, opts({ hub: { endpoint: hub.url, proxy: proxyUrl, env: {} } }));
      assert.ok(seen.some((u) => u.includes('/api/models/')) && seen.some((u) => u.startsWith(hub.cdnUrl)), seen.join('\n'));
      assert.equal(seen.length, hub.requests.length);
      const target = new URL(hub.url);
      assert.equal(proxyFor(target, { env: { HTTP_PROXY: proxyUrl } })?.href, `${proxyUrl}/`);
      assert.equal(proxyFor(new URL('https://huggingface.co'), { env: { HTTPS_PROXY: 'proxy.corp:3128' } })?.href, 'http://proxy.corp:3128/');
      assert.equal(proxyFor(target, { env: { HTTP_PROXY: proxyUrl, NO_PROXY: 'localhost,127.0.0.1' } }), undefined);
      assert.equal(proxyFor(target, { proxy: '', env: { HTTP_PROXY: proxyUrl } }), undefined);
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});

describe('models: progress arithmetic', () => {
  it('reports bytes, a windowed rate and the time left', () => {
    let now = 0;
    const seen: PullProgress[] = [];
    const t = new ProgressTracker(10_000, 2, (p) => seen.push(p), { throttleMs: 0, windowMs: 5000, now: () => now });
    t.preload(1000);
    t.startFile('unet/model.onnx', 0);
    for (let i = 0; i < 5; i++) {
      now += 1000;
      t.add(1000);
    }
    const last = seen.at(-1)!;
    assert.deepEqual([last.doneBytes, last.totalBytes, last.bytesPerSecond, last.etaSeconds, last.file], [6000, 10_000, 1000, 4, 'unet/model.onnx']);
    t.add(-2000); // a restarted file gives its bytes back
    assert.equal(seen.at(-1)?.doneBytes, 4000);
    assert.equal(formatBytes(2_580_000_000), '2.58 GB');
    assert.equal(formatDuration(95), '1m 35s');
  });
});

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), 'condition not reached');
}
