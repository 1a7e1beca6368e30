// Runs only against the extension installed from the built VSIX (test/harness/run-packaged.ts):
// proves the package holds working native binaries by generating one image through it.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

/** Width and height from a PNG's IHDR chunk (bytes 16..23, big-endian). */
function pngSize(bytes: Uint8Array): { width: number; height: number } {
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

describe('packaged VSIX', () => {
  const extensionsDir = process.env.NANOFORGE_TEST_EXTENSIONS_DIR ?? '';

  it('is loaded from the installed package, with only this platform\'s native binaries', () => {
    const extension = vscode.extensions.getExtension('nanoforge.nanoforge');
    assert.ok(extension, 'nanoforge.nanoforge is installed');
    assert.ok(extensionsDir && extension.extensionPath.startsWith(extensionsDir), `${extension.extensionPath} lies in ${extensionsDir}`);
    assert.ok(!existsSync(path.join(extension.extensionPath, 'src')), 'sources are not shipped');
    const napi = path.join(extension.extensionPath, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6');
    assert.deepEqual(readdirSync(napi), [process.platform]);
    assert.deepEqual(readdirSync(path.join(napi, process.platform)), [process.arch]);
  });

  it('generates a 32x32 PNG through the installed worker and native modules', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'a workspace is open');
    const args = { prompt: 'a red circle icon', kind: 'icon', width: 32, height: 32, target: 'images/packaged-icon.png', mode: 'quick', seed: 7 };
    const written = await vscode.commands.executeCommand<vscode.Uri | undefined>('nanoforge.generateImage', args);
    const file = path.join(folder.uri.fsPath, 'images', 'packaged-icon.png');
    assert.ok(written, 'the command returned the written file');
    assert.equal(written.fsPath, file);
    assert.deepEqual(pngSize(readFileSync(file)), { width: 32, height: 32 });
  });
});
