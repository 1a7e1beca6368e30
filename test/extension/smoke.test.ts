// The harness itself: the extension under test is loaded, activates, and the window has the
// fixture workspace open. If this fails, no other integration result means anything.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'nanoforge.nanoforge';

// 'smoke' in the title so NANOFORGE_TEST_GREP=smoke runs just this suite; the VSIX scope matches 'integration harness '.
describe('integration harness smoke', () => {
  it('opens the fixture workspace as the only folder', () => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.equal(folders.length, 1);
    const root = folders[0]!.uri;
    assert.equal(root.scheme, 'file');
    const pkg = JSON.parse(readFileSync(path.join(root.fsPath, 'package.json'), 'utf8')) as { name?: string };
    assert.equal(pkg.name, 'nanoforge-fixture-site');
    assert.ok(existsSync(path.join(root.fsPath, 'images', 'logo.png')), 'images/logo.png is part of the fixture');
    // Missing on purpose; the harness opens a fresh copy of the fixture each run.
    assert.ok(!existsSync(path.join(root.fsPath, 'images', 'hero.png')), 'images/hero.png must not exist yet');
  });

  it('loads the Nanoforge extension and activates it', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not loaded`);
    const manifest = extension.packageJSON as { name: string; publisher: string; main?: string };
    assert.equal(`${manifest.publisher}.${manifest.name}`, EXTENSION_ID);
    assert.ok(manifest.main && existsSync(path.join(extension.extensionPath, manifest.main)), `${manifest.main ?? 'main'} is built`);
    await extension.activate();
    assert.equal(extension.isActive, true);
  });

  it('passes the harness environment and the oracle model setting to the extension host', () => {
    assert.ok(process.env.NANOFORGE_TEST_RESULTS, 'NANOFORGE_TEST_RESULTS reaches the extension host');
    const model = vscode.workspace.getConfiguration('nanoforge').get<string>('model');
    assert.equal(model, process.env.NANOFORGE_TEST_MODEL);
    assert.ok(model && existsSync(path.join(model, 'model_index.json')), `the oracle model folder ${String(model)} exists`);
  });
});
