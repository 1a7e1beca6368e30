// Writes stay inside a workspace folder: lexical `..` escapes, absolute paths elsewhere, Windows
// separators, and symlinked directories that lead outside (checked on a real temp tree).
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkRealTarget, checkTarget, containingFolder, isInsideFolder } from '../../src/extension/references/safety';

describe('path safety', () => {
  it('accepts the folder itself and paths below it', () => {
    assert.equal(isInsideFolder('/w/app', '/w/app'), true);
    assert.equal(isInsideFolder('/w/app/src/a.png', '/w/app'), true);
    assert.equal(isInsideFolder('/w/app/./img/../a.png', '/w/app/'), true);
    assert.equal(isInsideFolder('/w/app/..foo/a.png', '/w/app'), true);
  });

  it('refuses .. escapes, sibling prefixes and other roots', () => {
    assert.equal(isInsideFolder('/w/app/../secret.png', '/w/app'), false);
    assert.equal(isInsideFolder('/w/app-other/a.png', '/w/app'), false);
    assert.equal(isInsideFolder('/etc/passwd', '/w/app'), false);
    assert.equal(isInsideFolder('', '/w/app'), false);
  });

  it('handles Windows separators, drive letters and case', () => {
    assert.equal(isInsideFolder('C:\\Work\\App\\img\\a.png', 'c:\\work\\app'), true);
    assert.equal(isInsideFolder('C:/Work/App/img/a.png', 'C:\\Work\\App'), true);
    assert.equal(isInsideFolder('C:\\Work\\App\\..\\a.png', 'C:\\Work\\App'), false);
    assert.equal(isInsideFolder('D:\\Work\\App\\a.png', 'C:\\Work\\App'), false);
  });

  it('picks the innermost containing folder in a multi-root workspace', () => {
    assert.equal(containingFolder('/w/mono/packages/ui/a.png', ['/w/mono', '/w/mono/packages/ui', '/w/other']), '/w/mono/packages/ui');
    assert.equal(containingFolder('/tmp/a.png', ['/w/mono']), undefined);
  });

  it('checks relative targets against the document folder and refuses escapes with a reason', () => {
    assert.deepEqual(checkTarget('./img/a.png', ['/w/app'], '/w/app/src'), { ok: true, path: '/w/app/src/img/a.png', folder: '/w/app' });
    const escape = checkTarget('../../../etc/x.png', ['/w/app'], '/w/app/src');
    assert.equal(escape.ok, false);
    assert.match(escape.ok ? '' : escape.reason, /outside every workspace folder/);
    const absolute = checkTarget('/tmp/x.png', ['/w/app']);
    assert.equal(absolute.ok, false);
    assert.equal(checkTarget('/w/app/x.png', ['/w/a', '/w/app']).ok, true);
    assert.equal(checkTarget('x.png', []).ok, false);
    assert.equal(checkTarget('   ', ['/w/app']).ok, false);
    assert.equal(checkTarget('x.png', ['/w/app']).ok, false);
  });

  describe('through symbolic links (real temp tree)', () => {
    let root: string;
    before(async () => {
      root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'nanoforge-safety-')));
      await fs.mkdir(path.join(root, 'ws', 'img'), { recursive: true });
      await fs.mkdir(path.join(root, 'outside'), { recursive: true });
      await fs.symlink(path.join(root, 'outside'), path.join(root, 'ws', 'escape'));
      await fs.symlink(path.join(root, 'ws', 'img'), path.join(root, 'ws', 'alias'));
    });
    after(async () => fs.rm(root, { recursive: true, force: true }));

    it('refuses a target under a symlink that points outside the workspace', async () => {
      const ws = path.join(root, 'ws');
      assert.equal(checkTarget('escape/new/a.png', [ws], ws).ok, true, 'lexically inside');
      const verdict = await checkRealTarget('escape/new/a.png', [ws], fs.realpath, ws);
      assert.equal(verdict.ok, false);
      assert.match(verdict.ok ? '' : verdict.reason, /symbolic link/);
    });

    it('accepts a symlink that stays inside and paths that do not exist yet', async () => {
      const ws = path.join(root, 'ws');
      assert.deepEqual(await checkRealTarget('alias/a.png', [ws], fs.realpath, ws), { ok: true, path: path.join(ws, 'alias', 'a.png'), folder: ws });
      assert.equal((await checkRealTarget('brand/new/dir/a.png', [ws], fs.realpath, ws)).ok, true);
    });
  });
});
