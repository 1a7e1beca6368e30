// "Optimize Model for This Machine" inside a real VS Code with the oracle model: the command runs
// the real `nanoforge quantize` (dist/cli.js) in a child process, returns its manifest, writes a
// complete model folder, switches nanoforge.model only when asked, and never loads onnxruntime
// into the extension host.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { QuantizeManifest } from '../../src/inference/models/quantize/folder';
import { scratch, services } from './shell-helpers';

describe('extension shell: optimize model', function () {
  this.timeout(120_000);

  it('converts the current model to int8 in a child process and switches to it when asked', async () => {
    await services();
    const config = vscode.workspace.getConfiguration('nanoforge');
    const original = config.get<string>('model');
    const dir = await scratch('optimize');
    const target = path.join(dir.fsPath, 'oracle-int8');
    const manifest = await vscode.commands.executeCommand<QuantizeManifest | undefined>('nanoforge.optimizeModel', { variant: 'int8', target, force: true, use: false });
    assert.ok(manifest, 'the command returns the manifest');
    assert.equal(manifest.to, 'int8');
    assert.equal(manifest.verdict, 'good');
    // Everything else in the folder is copied too (the fixture's hidden .fixture-stamp among it).
    assert.deepEqual(readdirSync(target).filter((n) => !n.startsWith('.')).sort(), ['model_index.json', 'nanoforge-quantize.json', 'scheduler', 'text_encoder', 'tokenizer', 'unet', 'vae_decoder']);
    assert.equal(vscode.workspace.getConfiguration('nanoforge').get('model'), original, 'use: false leaves the setting');
    assert.ok(!Object.keys(require.cache).some((m) => /onnxruntime-node|onnx-proto/.test(m)), 'no native inference code in the extension host');
    try {
      const again = await vscode.commands.executeCommand<QuantizeManifest | undefined>('nanoforge.optimizeModel', { variant: 'int8', target, force: true, use: true });
      assert.equal(again?.verdict, 'good');
      assert.equal(vscode.workspace.getConfiguration('nanoforge').inspect('model')?.globalValue, target);
      assert.ok(existsSync(path.join(target, 'unet', 'model.onnx')));
    } finally {
      await config.update('model', original === undefined ? undefined : original, vscode.ConfigurationTarget.Global);
    }
  });
});
