// Workspace trust: the manifest's honest declaration, and the gate that keeps indirect triggers
// (directive CodeLens, links) from generating in Restricted Mode without the user's say-so. VS Code's
// own trust state is stubbed through the services' hook; generation and files are real.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Services } from '../../src/extension/services';
import { EXTENSION_ID, exists, pngSize, scratch, services, withHooks } from './shell-helpers';

interface TrustManifest {
  capabilities: { untrustedWorkspaces: { supported: boolean | 'limited'; description?: string; restrictedConfigurations?: string[] } };
}

describe('extension shell: workspace trust', () => {
  let s: Services;
  let dir: vscode.Uri;
  before(async () => {
    s = await services();
    dir = await scratch('trust');
  });

  it('declares limited support and restricts the settings that choose what code and files are loaded', () => {
    const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as TrustManifest;
    const u = manifest.capabilities.untrustedWorkspaces;
    assert.equal(u.supported, 'limited');
    assert.ok((u.description ?? '').length > 40);
    assert.deepEqual([...(u.restrictedConfigurations ?? [])].sort(), ['nanoforge.hub.endpoint', 'nanoforge.model', 'nanoforge.modelsFolder']);
  });

  it('in Restricted Mode a directive asks first, and a "no" writes nothing', async () => {
    let asked = 0;
    const target = vscode.Uri.joinPath(dir, 'refused.png');
    const result = await withHooks(s, { isTrusted: () => false, ask: async () => (asked++, false) }, () =>
      vscode.commands.executeCommand('nanoforge.generateFromDirective', { prompt: 'a blue cart', kind: 'icon', width: 32, target }));
    assert.equal(result, undefined);
    assert.equal(asked, 1);
    assert.equal(await exists(target), false);
  });

  it('in Restricted Mode a directive generates into its target after a "yes"', async () => {
    const doc = vscode.Uri.joinPath(dir, 'app.ts');
    await vscode.workspace.fs.writeFile(doc, Buffer.from('// @image icon 24x24: a blue cart -> ./icons/cart.png\n'));
    const result = await withHooks(s, { isTrusted: () => false, ask: async () => true }, () =>
      vscode.commands.executeCommand<vscode.Uri | undefined>('nanoforge.generateFromDirective', {
        prompt: 'a blue cart', kind: 'icon', width: 24, height: 24, target: './icons/cart.png', documentUri: doc.toString(),
      }));
    const expected = vscode.Uri.joinPath(dir, 'icons', 'cart.png');
    assert.equal(result?.toString(), expected.toString());
    assert.deepEqual(pngSize(await vscode.workspace.fs.readFile(expected)), { width: 24, height: 24 });
  });

  it('an explicit command is never blocked, and a trusted workspace never asks', async () => {
    let asked = 0;
    const ask = async () => (asked++, false);
    assert.equal(await withHooks(s, { isTrusted: () => false, ask }, () => s.trust.allowGeneration('command')), true);
    assert.equal(await withHooks(s, { isTrusted: () => true, ask }, () => s.trust.allowGeneration('indirect')), true);
    assert.equal(asked, 0);
  });

  it('recognises references regardless of trust (the context key logic runs without a model)', async () => {
    const { lookupReferenceAt } = await import('../../src/extension/reference-lookup');
    const page = vscode.Uri.joinPath(dir, 'index.html');
    await vscode.workspace.fs.writeFile(page, Buffer.from('<img src="pics/a.png">\n'));
    const doc = await vscode.workspace.openTextDocument(page);
    const ref = await withHooks(s, { isTrusted: () => false }, () => lookupReferenceAt(doc, new vscode.Position(0, 12)));
    assert.equal(ref?.target.toString(), vscode.Uri.joinPath(dir, 'pics', 'a.png').toString());
    assert.equal(ref?.exists, false);
  });
});
