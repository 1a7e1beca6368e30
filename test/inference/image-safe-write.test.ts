import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UnsafePathError, writeFileSafely } from '../../src/inference/image';

const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text));

describe('image: writeFileSafely', () => {
  let root: string;
  let outside: string;
  beforeEach(async () => {
    const base = await fs.mkdtemp(path.join(os.tmpdir(), 'nf-safe-'));
    root = path.join(base, 'project');
    outside = path.join(base, 'outside');
    await fs.mkdir(root);
    await fs.mkdir(outside);
  });
  afterEach(async () => {
    await fs.chmod(root, 0o755).catch(() => undefined);
    await fs.rm(path.dirname(root), { recursive: true, force: true });
  });

  const listing = async (dir: string): Promise<string[]> => (await fs.readdir(dir)).sort();

  it('writes inside the root, creating folders, and leaves no temp file', async () => {
    const written = await writeFileSafely(root, 'public/img/a.png', bytes('one'));
    assert.equal(written, path.join(await fs.realpath(root), 'public/img/a.png'));
    assert.equal(await fs.readFile(written, 'utf8'), 'one');
    assert.deepEqual(await listing(path.join(root, 'public/img')), ['a.png']);
  });

  it('never overwrites without force: a.png, a-1.png, a-2.png; force replaces', async () => {
    const names = [];
    for (const text of ['1', '2', '3']) names.push(path.basename(await writeFileSafely(root, 'a.png', bytes(text))));
    assert.deepEqual(names, ['a.png', 'a-1.png', 'a-2.png']);
    assert.equal(await fs.readFile(path.join(root, 'a.png'), 'utf8'), '1');
    await writeFileSafely(root, 'a.png', bytes('forced'), { force: true });
    assert.equal(await fs.readFile(path.join(root, 'a.png'), 'utf8'), 'forced');
    assert.deepEqual(await listing(root), ['a-1.png', 'a-2.png', 'a.png']);
  });

  it('accepts an absolute path inside the root', async () => {
    const written = await writeFileSafely(root, path.join(root, 'b.png'), bytes('x'));
    assert.equal(path.basename(written), 'b.png');
  });

  it('refuses .. escapes, absolute paths elsewhere and symlinks that lead out, writing nothing', async () => {
    await fs.symlink(outside, path.join(root, 'linkdir'));
    await fs.symlink(path.join(outside, 'target.png'), path.join(root, 'link.png'));
    const attempts = ['../outside/x.png', 'a/../../outside/x.png', path.join(outside, 'x.png'), 'linkdir/x.png', 'linkdir/new/deeper/x.png', 'link.png'];
    for (const target of attempts) {
      await assert.rejects(writeFileSafely(root, target, bytes('bad'), { force: true }), (e: unknown) => e instanceof UnsafePathError && /refusing to write/.test(e.message), target);
    }
    assert.deepEqual(await listing(outside), [], 'nothing was created outside the root');
  });

  it('leaves no temp file when the final rename fails', async () => {
    await fs.mkdir(path.join(root, 'taken.png'));
    await assert.rejects(writeFileSafely(root, 'taken.png', bytes('x'), { force: true }), /EISDIR|EPERM|ENOTEMPTY|EEXIST/);
    assert.deepEqual(await listing(root), ['taken.png']);
  });

  it('leaves no temp file when the folder is read-only', async function () {
    const ro = path.join(root, 'ro');
    await fs.mkdir(ro);
    // root ignores permission bits, so as root the folder is made immutable (chattr +i) instead.
    const asRoot = process.getuid?.() === 0;
    const lock = (on: boolean): void => {
      if (asRoot) execFileSync('chattr', [on ? '+i' : '-i', ro]);
      else execFileSync('chmod', [on ? '555' : '755', ro]);
    };
    try {
      lock(true);
    } catch (error) {
      this.skip(); // file system without chattr support: nothing to test honestly
      void error;
    }
    try {
      await assert.rejects(writeFileSafely(root, 'ro/x.png', bytes('x')), /EACCES|EPERM/);
    } finally {
      lock(false);
    }
    assert.deepEqual(await listing(ro), []);
  });
});
