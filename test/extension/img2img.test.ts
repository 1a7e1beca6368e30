// Image-to-image in a real VS Code with the oracle image-to-image model: Generate Variations on an
// existing PNG opens the panel with it as the start image; a run from it (and from a candidate) saves
// name-v1.png with the strength stored and recorded in History; start images are checked on the host
// (inside the workspace, bounded, an image header of at most 8192 px a side); the hover links
// Variations; a directive with [layout: …] writes a mockup; quick generation reads a start image too.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readNanoforgeMetadata } from '../../src/extension/references/image-header';
import type { Services } from '../../src/extension/services';
import { exists, pngSize, scratch, services, workspaceRoot } from './shell-helpers';
import { hook, PANEL_HOOK, until } from './panel-hook';

async function waitForFile(uri: vscode.Uri): Promise<void> {
  for (let i = 0; i < 400 && !(await exists(uri)); i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(await exists(uri), true, `${uri.fsPath} was written`);
}

/** A PNG whose header says width × height (the body is not needed to refuse it). */
function pngHeader(width: number, height: number): Buffer {
  const bytes = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]).copy(bytes);
  bytes.writeUInt32BE(width, 16);
  bytes.writeUInt32BE(height, 20);
  return bytes;
}

describe('image-to-image in the editor (real VS Code)', function () {
  this.timeout(120_000);
  let s: Services;
  let dir: vscode.Uri;
  const rel = (name: string): string => `nanoforge-test/img2img/${name}`;
  const config = () => vscode.workspace.getConfiguration('nanoforge');
  const W = vscode.ConfigurationTarget.Workspace; // never the user's settings

  before(async function () {
    s = await services();
    if (!(await vscode.commands.getCommands(true)).includes(PANEL_HOOK)) this.skip(); // packaged (Production) run
    dir = await scratch('img2img');
    const oracle = String(config().get<string>('model'));
    await config().update('model', path.join(path.dirname(oracle), 'oracle-img2img'), W);
    // A 32×32 PNG with Nanoforge metadata (prompt "a blue shopping cart", kind icon) as the asset to vary.
    await vscode.workspace.fs.copy(vscode.Uri.joinPath(workspaceRoot(), 'references', 'cart-icon.png'), vscode.Uri.joinPath(dir, 'cart.png'));
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(dir, 'page.md'), Buffer.from('![cart](cart.png)\n'));
  });
  after(async () => {
    await config().update('model', undefined, W);
    if ((await vscode.commands.getCommands(true)).includes(PANEL_HOOK)) await hook({ op: 'close' });
  });

  let generationId = '';

  it('Generate Variations on an existing PNG opens the panel with it as the start image, its size, prompt and a -v1 target', async () => {
    const page = vscode.Uri.joinPath(dir, 'page.md');
    await vscode.workspace.openTextDocument(page);
    await vscode.commands.executeCommand('nanoforge.generateVariations', { uri: page.toString(), line: 0, character: 10 });
    const init = await until((st) => st.toWebview.find((m) => m.type === 'init' && m.startImage !== undefined), 'the prefill with a start image');
    const cartPng = (await vscode.workspace.fs.readFile(vscode.Uri.joinPath(dir, 'cart.png')));
    assert.deepEqual(pngSize(cartPng), { width: 64, height: 64 });
    assert.equal(init.startImage, `cart.png 64x64 ${rel('cart.png')} (thumbnail)`);
    assert.deepEqual([init.text, init.target, init.strength], ['a blue shopping cart', rel('cart-v1.png'), 0.5]);
  });

  it('a run from that start image saves cart-v1.png with the strength stored, and History records the start image and strength', async () => {
    const seen = (await hook({ op: 'state' })).toWebview.length;
    await hook({
      op: 'send',
      message: { type: 'generate', request: { prompt: 'a red shopping cart', negativePrompt: '', kind: 'icon', width: 64, height: 64, count: 2, steps: 4, seed: 3, target: rel('cart-v1.png'), startImage: { path: rel('cart.png') }, strength: 0.5 } },
    });
    const result = await until((st) => st.toWebview.slice(seen).find((m) => m.type === 'result' || m.type === 'failed'), 'the run to end');
    assert.equal(result.type, 'result', `failed: ${result.text ?? ''}`);
    generationId = result.generationId!;
    const progress = (await hook({ op: 'state' })).toWebview.filter((m) => m.type === 'progress' && m.generationId === generationId);
    assert.equal(progress.length, 2, 'int(4 × 0.5) UNet steps');
    await hook({ op: 'send', message: { type: 'save', candidate: { generationId, index: 0 }, target: rel('cart-v1.png') } });
    const saved = vscode.Uri.joinPath(dir, 'cart-v1.png');
    await waitForFile(saved);
    const bytes = await vscode.workspace.fs.readFile(saved);
    assert.deepEqual(pngSize(bytes), { width: 64, height: 64 });
    assert.deepEqual([readNanoforgeMetadata(bytes)?.prompt, readNanoforgeMetadata(bytes)?.strength], ['a red shopping cart', 0.5]);
    await until((st) => st.toWebview.find((m) => m.type === 'notice' && m.text === `Saved ${rel('cart-v1.png')}`), 'the saved notice');
    const entry = s.history.list()[0];
    assert.deepEqual([entry?.startImage, entry?.strength, entry?.target], [vscode.Uri.joinPath(dir, 'cart.png').toString(), 0.5, saved.toString()]);
  });

  it('Variation of a candidate uses its bytes as the start image; a candidate no longer kept is refused', async () => {
    const seen = (await hook({ op: 'state' })).toWebview.length;
    await hook({ op: 'send', message: { type: 'generate', request: { prompt: 'a green shopping cart', negativePrompt: '', kind: 'icon', width: 64, height: 64, count: 1, steps: 2, seed: 9, target: '', startImage: { candidate: { generationId, index: 1 } }, strength: 0.5 } } });
    const result = await until((st) => st.toWebview.slice(seen).find((m) => m.type === 'result' || m.type === 'failed'), 'the variation to end');
    assert.equal(result.type, 'result', `failed: ${result.text ?? ''}`);
    const after = (await hook({ op: 'state' })).toWebview.length;
    await hook({ op: 'send', message: { type: 'generate', request: { prompt: 'x', negativePrompt: '', kind: 'icon', width: 64, height: 64, count: 1, steps: 2, seed: 9, target: '', startImage: { candidate: { generationId: 'ffffffffffffffff', index: 0 } } } } });
    const failed = await until((st) => st.toWebview.slice(after).find((m) => m.type === 'failed'), 'the refusal');
    assert.equal(failed.text, 'That candidate is no longer kept; choose the start image again (Browse…) or save the candidate first.');
  });

  it('Browse… and drops: a workspace image becomes the start image; outside the workspace, not an image, too large or missing is one notice', async function () {
    const window = vscode.window as { showOpenDialog: typeof vscode.window.showOpenDialog };
    const original = window.showOpenDialog;
    try {
      window.showOpenDialog = async () => [vscode.Uri.joinPath(dir, 'cart.png')];
    } catch (error) {
      this.skip(); // the API object is frozen in this VS Code build
    }
    const outside = mkdtempSync(path.join(os.tmpdir(), 'nanoforge-start-'));
    try {
      if (vscode.window.showOpenDialog === original) this.skip();
      let seen = (await hook({ op: 'state' })).toWebview.length;
      const next = async (what: string) => {
        const found = await until((st) => st.toWebview.slice(seen).find((m) => m.type === 'startImage' || m.type === 'notice'), what);
        seen = (await hook({ op: 'state' })).toWebview.length;
        return found;
      };
      await hook({ op: 'send', message: { type: 'browseStartImage' } });
      assert.equal((await next('the browsed start image')).startImage, `cart.png 64x64 ${rel('cart.png')} (thumbnail)`);
      // Drops arrive as URI lists; a workspace-relative path (History) works the same way.
      await hook({ op: 'send', message: { type: 'setStartImage', uri: `${vscode.Uri.joinPath(dir, 'cart.png').toString()}\r\n` } });
      assert.match((await next('the dropped start image')).startImage ?? '', /^cart\.png 64x64/);
      await hook({ op: 'send', message: { type: 'setStartImage', uri: rel('cart.png') } });
      assert.match((await next('the start image by path')).startImage ?? '', /^cart\.png 64x64/);
      writeFileSync(path.join(outside, 'secret.png'), pngHeader(8, 8));
      await hook({ op: 'send', message: { type: 'setStartImage', uri: vscode.Uri.file(path.join(outside, 'secret.png')).toString() } });
      assert.equal((await next('the outside refusal')).text, `${path.join(outside, 'secret.png')} is outside the workspace; use an image inside it as the start image.`);
      await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(dir, 'notes.png'), Buffer.from('not an image'));
      await hook({ op: 'send', message: { type: 'setStartImage', uri: rel('notes.png') } });
      assert.equal((await next('the non-image refusal')).text, `${rel('notes.png')} is not an image Nanoforge can read (PNG, JPEG, WebP, AVIF, GIF, SVG, ICO or BMP).`);
      await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(dir, 'huge.png'), pngHeader(9000, 10));
      await hook({ op: 'send', message: { type: 'setStartImage', uri: rel('huge.png') } });
      assert.equal((await next('the huge refusal')).text, `${rel('huge.png')} is 9000×10 px; start images may be at most 8192 px a side.`);
      await hook({ op: 'send', message: { type: 'setStartImage', uri: '' } });
      assert.match((await next('the empty drop')).text ?? '', /^Drop an image file from the Explorer \(hold Shift/);
      // A run whose start image went missing meanwhile fails with the file named, and nothing is generated.
      await hook({ op: 'send', message: { type: 'generate', request: { prompt: 'x', negativePrompt: '', kind: 'icon', width: 64, height: 64, count: 1, steps: 2, seed: 1, target: '', startImage: { path: rel('gone.png') } } } });
      const failed = await until((st) => st.toWebview.slice(seen).find((m) => m.type === 'failed'), 'the missing start image');
      assert.equal(failed.text, `${rel('gone.png')} cannot be read as a start image: it does not exist.`);
      // The protocol keeps paths inside the workspace before the host even looks.
      const before = (await hook({ op: 'state' })).rejections.length;
      await hook({ op: 'send', message: { type: 'generate', request: { prompt: 'x', negativePrompt: '', kind: 'icon', width: 64, height: 64, count: 1, steps: 2, seed: 1, target: '', startImage: { path: '../../outside.png' } } } });
      assert.match((await hook({ op: 'state' })).rejections.slice(before)[0] ?? '', /request\.startImage\.path '\.\.\/\.\.\/outside\.png' leaves the workspace folder/);
    } finally {
      window.showOpenDialog = original;
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('the hover of an existing image links Variations with the reference\'s position', async () => {
    const page = vscode.Uri.joinPath(dir, 'page.md');
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', page, new vscode.Position(0, 10));
    const text = hovers.flatMap((h) => h.contents).map((c) => (typeof c === 'string' ? c : c.value)).join('\n');
    const m = /\[Variations\]\(command:nanoforge\.generateVariations\?([^ )]+)/.exec(text);
    assert.ok(m?.[1], text);
    assert.deepEqual(JSON.parse(decodeURIComponent(m[1])), { uri: page.toString(), line: 0, character: 8 });
  });

  it('a directive with [layout: …] generates a mockup from the wireframe, the layout stored in the file', async () => {
    const doc = vscode.Uri.joinPath(dir, 'mockup.md');
    await vscode.workspace.fs.writeFile(doc, Buffer.from('<!-- @image mockup 96x64 [layout: header; sidebar | grid 2x2; footer]: an admin dashboard -> ./dashboard.png -->\n'));
    await vscode.workspace.openTextDocument(doc);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc);
    const lens = lenses.find((l) => l.command?.command === 'nanoforge.generateFromDirective');
    assert.ok(lens?.command?.arguments?.[0], JSON.stringify(lenses.map((l) => l.command?.title)));
    const args = lens.command.arguments[0] as { layout?: string; kind?: string; width?: number };
    assert.deepEqual([args.kind, args.width, args.layout], ['mockup', 96, 'header; sidebar | grid 2x2; footer']);
    const written = await vscode.commands.executeCommand<vscode.Uri | undefined>(lens.command.command, args);
    assert.equal(written?.toString(), vscode.Uri.joinPath(dir, 'dashboard.png').toString());
    const bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(dir, 'dashboard.png'));
    assert.deepEqual(pngSize(bytes), { width: 96, height: 64 });
    const meta = readNanoforgeMetadata(bytes);
    assert.deepEqual([meta?.kind, meta?.layout, meta?.strength], ['mockup', 'header; sidebar | grid 2x2; footer', 0.8]);
    assert.equal(s.history.list()[0]?.layout, 'header; sidebar | grid 2x2; footer');
  });

  it('quick generation takes a start image file (what History re-runs do), and refuses one outside the workspace', async () => {
    const target = vscode.Uri.joinPath(dir, 'quick.png');
    const written = await vscode.commands.executeCommand<vscode.Uri | undefined>('nanoforge.generateImage', {
      prompt: 'a red cart', kind: 'icon', width: 48, height: 48, target, mode: 'quick', startImage: vscode.Uri.joinPath(dir, 'cart.png'), strength: 0.5, steps: 4,
    });
    assert.equal(written?.toString(), target.toString());
    assert.equal(readNanoforgeMetadata(await vscode.workspace.fs.readFile(target))?.strength, 0.5);
    assert.equal(s.history.list()[0]?.startImage, vscode.Uri.joinPath(dir, 'cart.png').toString());
    const outside = mkdtempSync(path.join(os.tmpdir(), 'nanoforge-start-'));
    try {
      writeFileSync(path.join(outside, 'a.png'), pngHeader(8, 8));
      const refused = vscode.Uri.joinPath(dir, 'refused.png');
      const none = await vscode.commands.executeCommand('nanoforge.generateImage', {
        prompt: 'x', kind: 'icon', width: 48, height: 48, target: refused, mode: 'quick', startImage: vscode.Uri.file(path.join(outside, 'a.png')),
      });
      assert.equal(none, undefined);
      assert.equal(await exists(refused), false);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
