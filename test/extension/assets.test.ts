// writeAsset inside a real VS Code: real workspace.fs; only the overwrite modal's answer is stubbed.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { OverwriteChoice } from '../../src/extension/assets';
import type { Services } from '../../src/extension/services';
import { exists, scratch, services, withHooks, workspaceRoot } from './shell-helpers';

const OLD = new Uint8Array([1, 2, 3]);
const NEW = new Uint8Array([9, 8, 7, 6]);

async function read(uri: vscode.Uri): Promise<number[]> {
  return [...(await vscode.workspace.fs.readFile(uri))];
}

/** A confirm stub that answers `choice` and records what it was asked. */
function answering(choice: OverwriteChoice) {
  const calls: { target: string; copy: string }[] = [];
  const confirm: Services['writer']['confirm'] = async (target, copyUri) => {
    calls.push({ target: target.toString(), copy: path.posix.basename(copyUri.path) });
    return choice;
  };
  return { calls, confirm };
}

describe('writeAsset (extension shell)', () => {
  let s: Services;
  let dir: vscode.Uri;
  before(async () => {
    s = await services();
    dir = await scratch('assets');
  });

  it('writes a new file inside the workspace, creating folders, and leaves no temp file', async () => {
    const target = vscode.Uri.joinPath(dir, 'new', 'deep', 'a.png');
    const written = await s.writer.writeAsset(target, NEW, { overwrite: 'ask' });
    assert.equal(written?.toString(), target.toString());
    assert.deepEqual(await read(target), [...NEW]);
    const names = (await vscode.workspace.fs.readDirectory(vscode.Uri.joinPath(dir, 'new', 'deep'))).map(([n]) => n);
    assert.deepEqual(names, ['a.png']);
  });

  it('refuses a target outside every workspace folder', async () => {
    const outsideDir = mkdtempSync(path.join(os.tmpdir(), 'nanoforge-outside-'));
    try {
      const target = vscode.Uri.file(path.join(outsideDir, 'x.png'));
      assert.equal(await s.writer.writeAsset(target, NEW, { overwrite: 'always' }), undefined);
      assert.equal(await exists(target), false);
    } finally {
      rmSync(outsideDir, { recursive: true, force: true });
    }
  });

  it('refuses a path that climbs out with ..', async () => {
    const root = workspaceRoot();
    const escape = vscode.Uri.file(`${root.fsPath}/nanoforge-test/../../nanoforge-escape.png`);
    assert.equal(await s.writer.writeAsset(escape, NEW, { overwrite: 'always' }), undefined);
    assert.equal(await exists(vscode.Uri.file(path.resolve(root.fsPath, '..', 'nanoforge-escape.png'))), false);
  });

  it('refuses to write through a symlink that leads outside', async () => {
    const outsideDir = mkdtempSync(path.join(os.tmpdir(), 'nanoforge-link-'));
    try {
      symlinkSync(outsideDir, path.join(dir.fsPath, 'link'));
      const target = vscode.Uri.joinPath(dir, 'link', 'y.png');
      assert.equal(await s.writer.writeAsset(target, NEW, { overwrite: 'always' }), undefined);
      assert.equal(await exists(vscode.Uri.file(path.join(outsideDir, 'y.png'))), false);
    } finally {
      rmSync(outsideDir, { recursive: true, force: true });
    }
  });

  it('refuses a target that is a folder (never replaces a folder) and leaves no temp file', async () => {
    const folderTarget = vscode.Uri.joinPath(dir, 'is-a-folder.png');
    await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(folderTarget, 'child'));
    assert.equal(await s.writer.writeAsset(folderTarget, NEW, { overwrite: 'always' }), undefined);
    const names = (await vscode.workspace.fs.readDirectory(dir)).map(([n]) => n);
    assert.deepEqual(names.filter((n) => n.endsWith('.nanoforge-tmp')), []);
    assert.equal((await vscode.workspace.fs.stat(folderTarget)).type, vscode.FileType.Directory);
  });

  describe('an existing file', () => {
    let target: vscode.Uri;
    beforeEach(async () => {
      const sub = await scratch('assets-existing');
      target = vscode.Uri.joinPath(sub, 'cart.png');
      await vscode.workspace.fs.writeFile(target, OLD);
    });

    it('ask + Cancel keeps the old file and writes nothing', async () => {
      const stub = answering('cancel');
      const written = await withHooks(s, { confirm: stub.confirm }, () => s.writer.writeAsset(target, NEW, { overwrite: 'ask' }));
      assert.equal(written, undefined);
      assert.deepEqual(stub.calls, [{ target: target.toString(), copy: 'cart-1.png' }]);
      assert.deepEqual(await read(target), [...OLD]);
      assert.equal(await exists(vscode.Uri.joinPath(target, '..', 'cart-1.png')), false);
    });

    it('ask + Save as Copy writes cart-1.png, then cart-2.png, and keeps the original', async () => {
      const stub = answering('copy');
      const first = await withHooks(s, { confirm: stub.confirm }, () => s.writer.writeAsset(target, NEW, { overwrite: 'ask' }));
      const second = await withHooks(s, { confirm: stub.confirm }, () => s.writer.writeAsset(target, NEW, { overwrite: 'ask' }));
      assert.equal(path.posix.basename(first?.path ?? ''), 'cart-1.png');
      assert.equal(path.posix.basename(second?.path ?? ''), 'cart-2.png');
      assert.deepEqual(stub.calls.map((c) => c.copy), ['cart-1.png', 'cart-2.png']);
      assert.deepEqual(await read(target), [...OLD]);
      assert.deepEqual(await read(first!), [...NEW]);
    });

    it('ask + Overwrite replaces the file', async () => {
      const stub = answering('overwrite');
      const written = await withHooks(s, { confirm: stub.confirm }, () => s.writer.writeAsset(target, NEW, { overwrite: 'ask' }));
      assert.equal(written?.toString(), target.toString());
      assert.equal(stub.calls.length, 1);
      assert.deepEqual(await read(target), [...NEW]);
    });

    it('never: saves a copy without asking', async () => {
      const stub = answering('overwrite');
      const written = await withHooks(s, { confirm: stub.confirm }, () => s.writer.writeAsset(target, NEW, { overwrite: 'never' }));
      assert.equal(stub.calls.length, 0);
      assert.equal(path.posix.basename(written?.path ?? ''), 'cart-1.png');
      assert.deepEqual(await read(target), [...OLD]);
    });

    it('always: replaces without asking (the user opted in through the setting)', async () => {
      const stub = answering('cancel');
      await withHooks(s, { confirm: stub.confirm }, () => s.writer.writeAsset(target, NEW, { overwrite: 'always' }));
      assert.equal(stub.calls.length, 0);
      assert.deepEqual(await read(target), [...NEW]);
    });
  });
});
