// A hostile hub on 127.0.0.1 (the fake hub in `hostile` mode, as a mirror in HF_ENDPOINT could be):
// listed paths that climb out of the model folder, sizes that are not sizes, answers and paging that
// never end, and manifests that point through symlinks. Each gets one clear error and writes nothing
// outside the models folder.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ModelStore, type PullOptions } from '../../src/inference/models/store';
import { MANIFEST_FILE } from '../../src/inference/models/verify';
import { FakeHub, gitListingEntry } from '../fixtures/fake-hub';
import { ensureFixtures } from '../fixtures/models';

const REPO = 'evil/model';
const PAYLOAD = Buffer.from('written by a hostile hub\n');

async function filesUnder(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await filesUnder(path.join(dir, entry.name), rel)));
    else out.push(rel);
  }
  return out;
}

describe('hostile hub: listings, sizes, endless answers', function () {
  this.timeout(60_000);
  let hub: FakeHub;
  let tmp: string;
  let store: ModelStore;
  const options = (extra: Partial<PullOptions> = {}): PullOptions => ({
    hub: { endpoint: hub.url, env: {} },
    retry: { baseDelayMs: 5, maxDelayMs: 20, stallTimeoutMs: 1500, maxAttempts: 2 },
    random: () => 0.5,
    ...extra,
  });

  before(async () => {
    const fx = await ensureFixtures();
    hub = await FakeHub.start();
    await hub.addRepo(REPO, { dir: fx.path('oracle-fp32') });
  });
  after(async () => {
    await hub.close();
  });
  beforeEach(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nf-hostile-hub-'));
    store = new ModelStore(path.join(tmp, 'store'));
    hub.requests.length = 0;
    hub.hostile = {};
    hub.pageSize = 1000;
  });
  afterEach(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  /** Nothing outside the store; inside it, no model and nothing half-downloaded. */
  async function assertNothingWritten(): Promise<void> {
    assert.deepEqual((await fs.readdir(tmp)).filter((n) => n !== 'store'), [], 'nothing beside the store');
    assert.deepEqual((await filesUnder(path.join(tmp, 'store'))).filter((f) => !/^\.incoming\/[^/]+\.lock$/.test(f)), [], 'no file in the store');
  }

  it('refuses a listed path that climbs out of the model folder, naming it, and writes nothing anywhere', async () => {
    const entry = 'unet/../../../../escape.txt';
    hub.hostile = { listing: [gitListingEntry(entry, PAYLOAD)], anyPath: PAYLOAD };
    await assert.rejects(store.pull(REPO, options()), (e: Error) => {
      assert.match(e.message, /unsafe file path "unet\/\.\.\/\.\.\/\.\.\/\.\.\/escape\.txt"/);
      assert.doesNotMatch(e.message, /\n/);
      return true;
    });
    await assertNothingWritten();
    assert.equal(hub.requests.filter((r) => r.file !== '@tree' && r.file !== '@revision').length, 0, 'no file was requested');
  });

  it('refuses every other unsafe path form: absolute, backslash, drive letter, NUL, empty or dot segments, streams, overlong', async () => {
    const entries = [
      '/etc/escape.txt', 'unet\\..\\..\\escape.txt', 'C:/escape.txt', 'unet/C:escape.txt', 'unet/a\u0000b.txt',
      'unet//model.onnx', 'unet/./model.onnx', 'unet/..', 'unet/model.onnx:stream', `unet/${'a'.repeat(300)}.txt`,
      `unet/${'a/'.repeat(600)}x`, 'unet/\u001b[31mred', '',
    ];
    for (const entry of entries) {
      hub.hostile = { listing: [gitListingEntry(entry, PAYLOAD)], anyPath: PAYLOAD };
      await assert.rejects(store.pull(REPO, options()), (e: Error) => /unsafe file path/.test(e.message) && !/\n/.test(e.message) && !e.message.includes('\u001b'), JSON.stringify(entry));
      await assertNothingWritten();
    }
  });

  it('refuses listed sizes that are not non-negative safe integers, naming the entry', async () => {
    for (const size of [-1, 1.5, 1e300, 2 ** 53, '12', null]) {
      hub.hostile = { listing: [{ type: 'file', path: 'unet/extra.txt', size, oid: '0'.repeat(40) }] };
      await assert.rejects(store.pull(REPO, options()), (e: Error) => /unet\/extra\.txt/.test(e.message) && /size/.test(e.message), String(size));
      await assertNothingWritten();
    }
  });

  it('stops reading a revision answer that never ends, with "answer too large", after a bounded number of bytes', async () => {
    hub.hostile = { endless: '@revision', endlessCap: 64 * 1024 * 1024 };
    await assert.rejects(store.pull(REPO, options()), /answer too large/);
    const served = hub.served('@revision').reduce((n, r) => n + r.bytes, 0);
    assert.ok(served < 16 * 1024 * 1024, `the client read on: the server wrote ${served} bytes`);
    await assertNothingWritten();
  });

  it('stops reading a listing page that never ends', async () => {
    hub.hostile = { endless: '@tree', endlessCap: 64 * 1024 * 1024 };
    await assert.rejects(store.pull(REPO, options()), /answer too large/);
    const served = hub.served('@tree').reduce((n, r) => n + r.bytes, 0);
    assert.ok(served < 48 * 1024 * 1024, `the server wrote ${served} bytes`);
    await assertNothingWritten();
  });

  // Error pages and redirects are drained so the connection can be reused: a body that never ends
  // kept the CLI reading after its error line (tens of GiB a minute), so it never exited.
  for (const [status, files, expected] of [[404, false, /not found/], [500, false, /answered 500/], [302, false, /too many redirects/], [500, true, /answered 500/]] as const) {
    it(`abandons ${files ? 'a download' : 'an API'} answer with status ${status} whose body never ends after a bounded number of bytes`, async () => {
      hub.hostile = { endlessError: { status, files }, endlessCap: 512 * 1024 * 1024 };
      await assert.rejects(store.pull(REPO, options()), expected);
      const endless = () => hub.requests.filter((r) => r.status === status && r.server === 'hub' && (files ? !r.file.startsWith('@') : r.file.startsWith('@')));
      assert.ok(endless().length > 0, 'the hostile answer was asked for');
      // The client hangs up; the server then notices (bounded by polls, not by a clock).
      for (let poll = 0; poll < 400 && endless().some((r) => !r.closed); poll++) await new Promise((resolve) => setTimeout(resolve, 25));
      for (const r of endless()) {
        assert.ok(r.closed, `${r.file}: the client is still reading (${r.bytes} bytes so far)`);
        assert.ok(r.bytes < 32 * 1024 * 1024, `${r.file}: the client read on, the server wrote ${r.bytes} bytes`);
      }
      await assertNothingWritten();
    });
  }

  it('gives up on paging that never ends after a fixed number of pages', async () => {
    hub.pageSize = 1;
    hub.hostile = { endlessPaging: true };
    await assert.rejects(store.pull(REPO, options()), /more than \d+ pages/);
    const pages = hub.served('@tree').length;
    assert.ok(pages >= 10 && pages <= 1001, `${pages} pages requested`);
    await assertNothingWritten();
  });
});

describe('hostile model folders: manifests and symlinks', function () {
  this.timeout(60_000);
  let hub: FakeHub;
  let tmp: string;
  let store: ModelStore;
  const options = (): PullOptions => ({ hub: { endpoint: hub.url, env: {} }, retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 2 }, random: () => 0.5 });

  before(async () => {
    hub = await FakeHub.start();
    await hub.addRepo(REPO, { dir: (await ensureFixtures()).path('oracle-fp32') });
  });
  after(async () => {
    await hub.close();
  });
  beforeEach(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nf-hostile-folder-'));
    store = new ModelStore(path.join(tmp, 'store'));
  });
  afterEach(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  async function editManifest(dir: string, edit: (m: { files: { path: string; size: number; sha256: string }[] }) => void): Promise<void> {
    const file = path.join(dir, MANIFEST_FILE);
    const manifest = JSON.parse(await fs.readFile(file, 'utf8'));
    edit(manifest);
    await fs.writeFile(file, JSON.stringify(manifest));
  }

  it('refuses a manifest entry with an unsafe path or a size that is not a size, naming the entry', async () => {
    const pulled = await store.pull(REPO, options());
    for (const [p, size] of [['../../outside.txt', 1], ['unet\\..\\..\\x', 1], ['/etc/passwd', 1], ['unet/model.onnx', -1], ['unet/model.onnx', 1e300]] as const) {
      await editManifest(pulled.dir, (m) => { m.files[0] = { path: p, size, sha256: 'a'.repeat(64) }; });
      await assert.rejects(store.verify(pulled.id), (e: Error) => e.name === 'ManifestError' && e.message.includes(MANIFEST_FILE), `${p} ${size}`);
      await assert.rejects(store.repair(pulled.id, options()), (e: Error) => e.name === 'ManifestError', `${p} ${size}`);
    }
  });

  it('repair never deletes or writes through a folder symlinked out of the model folder', async () => {
    const pulled = await store.pull(REPO, options());
    const outside = path.join(tmp, 'outside');
    await fs.rename(path.join(pulled.dir, 'unet'), outside);
    await fs.symlink(outside, path.join(pulled.dir, 'unet'));
    const victim = path.join(outside, 'model.onnx');
    await fs.writeFile(victim, 'the user\'s own file');
    await assert.rejects(store.repair(pulled.id, options()), /unet\/[a-z_.]+" \(it leads outside/);
    assert.equal(await fs.readFile(victim, 'utf8'), 'the user\'s own file');
  });

  it('models add / verify of a local folder whose manifest names files outside it is refused', async () => {
    const fx = await ensureFixtures();
    const local = path.join(tmp, 'local-model');
    await fs.cp(fx.path('oracle-fp32'), local, { recursive: true });
    const manifest = (files: unknown[]) => JSON.stringify({ format: 1, id: 'x', kind: 'pipeline', source: { endpoint: '', repo: 'a/b', revision: 'main', commit: 'c' }, downloadedAt: '', files });
    const outside = [{ path: 'unet/../../outside', size: 1, sha256: 'a'.repeat(64) }];
    const isOutside = (e: Error) => e.name === 'ManifestError' && /unet\/\.\.\/\.\.\/outside/.test(e.message) && !e.message.includes('\n');
    await fs.writeFile(path.join(local, MANIFEST_FILE), manifest(outside));
    await assert.rejects(store.add(local), isOutside);
    assert.deepEqual(await store.list(), [], 'nothing registered');
    // A manifest edited after the folder was added: verify refuses it as well.
    await fs.writeFile(path.join(local, MANIFEST_FILE), manifest([]));
    const added = await store.add(local);
    await fs.writeFile(path.join(local, MANIFEST_FILE), manifest(outside));
    await assert.rejects(store.verify(added.id), isOutside);
  });
});
