// The reference features inside a real VS Code, on test/fixtures/workspace/references/: hover content
// for existing and missing images, missing-asset diagnostics (settings honoured), the quick fix and
// the directive CodeLens — both run end to end with the oracle model and write real PNGs.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { lookupReferenceAt } from '../../src/extension/reference-lookup';
import { readNanoforgeMetadata } from '../../src/extension/references/image-header';
import { EXTENSION_ID, exists, pngSize } from './shell-helpers';

const MISSING_CODE = 'nanoforge.missingAsset';
const OUTSIDE_CODE = 'nanoforge.missingAssetOutsideWorkspace';
const UNWRITABLE_CODE = 'nanoforge.missingAssetUnwritableFormat';
/** A 1×1 GIF: an existing image in a format Nanoforge reads but does not write. */
const TINY_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///ywAAAAAAQABAAACAUwAOw==', 'base64');
const WRITES = '(it writes .png, .webp, .avif, .jpg, .ico or .svg)';

function fixture(...parts: string[]): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the fixture workspace is open');
  return vscode.Uri.joinPath(folder.uri, 'references', ...parts);
}

async function hoverText(uri: vscode.Uri, position: vscode.Position): Promise<string> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position);
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : c.value))
    .filter((v) => v.includes('command:') || v.includes('Nanoforge') || v.includes('missing'))
    .join('\n');
}

/** The position of the first occurrence of `needle` in the document (+ `offset` characters). */
async function positionOf(uri: vscode.Uri, needle: string, offset = 1): Promise<vscode.Position> {
  const doc = await vscode.workspace.openTextDocument(uri);
  const at = doc.getText().indexOf(needle);
  assert.ok(at >= 0, `${needle} is in ${uri.path}`);
  return doc.positionAt(at + offset);
}

function commandArgs(markdown: string, command: string): unknown {
  const m = new RegExp(`command:${command.replace(/\./g, '\\.')}\\?([^ )]+)`).exec(markdown);
  assert.ok(m?.[1], `a ${command} link in:\n${markdown}`);
  return JSON.parse(decodeURIComponent(m[1])) as unknown;
}

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, tries = 100): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function nanoforgeDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Nanoforge');
}

describe('references: hover, diagnostics, quick fix, CodeLens', () => {
  const page = () => fixture('page.html');

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
  });

  after(async () => {
    const config = vscode.workspace.getConfiguration('nanoforge');
    await config.update('diagnostics.enabled', undefined, vscode.ConfigurationTarget.Workspace);
    await config.update('diagnostics.severity', undefined, vscode.ConfigurationTarget.Workspace);
  });

  it('hovers an existing image with a bounded thumbnail, header facts, stored prompt and links', async () => {
    const text = await hoverText(page(), await positionOf(page(), 'cart-icon.png', 3));
    assert.match(text, /!\[preview\]\(data:image\/png;base64,[A-Za-z0-9+/=]+\|width=64,height=64\)/);
    assert.match(text, /64 × 64 px · PNG · 568 B/);
    assert.match(text, /\*Prompt:\* a blue shopping cart/);
    assert.match(text, /seed 42 · 2 steps · oracle-fp32 · icon/);
    assert.deepEqual(commandArgs(text, 'vscode.open'), [fixture('cart-icon.png').toString()]);
    assert.deepEqual(commandArgs(text, 'revealInExplorer'), [fixture('cart-icon.png').toString()]);
    const line = (await positionOf(page(), 'cart-icon.png', 0));
    assert.deepEqual(commandArgs(text, 'nanoforge.regenerateReference'), { uri: page().toString(), line: line.line, character: line.character });
  });

  it('scales a large image down to 128 px (the hover is at most 250 px high) and never shows metadata it does not have', async () => {
    const text = await hoverText(page(), await positionOf(page(), 'wide-plain.png'));
    assert.match(text, /\|width=128,height=64\)/);
    assert.match(text, /300 × 150 px · PNG/);
    assert.doesNotMatch(text, /Prompt:/);
  });

  it('hovers a missing image with its planned location, inferred plan and a Generate link', async () => {
    const at = await positionOf(page(), 'missing-hero.png', 0);
    const text = await hoverText(page(), at.translate(0, 4));
    assert.match(text, /`references\/missing-hero\.png` — missing/);
    assert.match(text, /Would generate illustration 96×64: \*A mountain at dawn\*/);
    assert.deepEqual(commandArgs(text, 'nanoforge.generateForReference'), { uri: page().toString(), line: at.line, character: at.character });
  });

  it('shows nothing for remote URLs', async () => {
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', page(), await positionOf(page(), 'remote.png'));
    assert.equal(hovers.map((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value)).join()).join().includes('command:nanoforge'), false);
  });

  it('reports missing images of visible documents, with the configured severity, and clears when disabled', async () => {
    await vscode.window.showTextDocument(page());
    const found = await waitFor('diagnostics on page.html', () => {
      const d = nanoforgeDiagnostics(page());
      return d.length >= 2 ? d : undefined;
    });
    assert.deepEqual(found.map((d) => [d.code, d.severity]), [[MISSING_CODE, vscode.DiagnosticSeverity.Warning], [OUTSIDE_CODE, vscode.DiagnosticSeverity.Warning]]);
    const at = await positionOf(page(), 'missing-hero.png', 0);
    assert.deepEqual([found[0]?.range.start.line, found[0]?.range.start.character, found[0]?.range.end.character], [at.line, at.character, at.character + 'missing-hero.png'.length]);
    assert.equal(found[0]?.message, 'Image "missing-hero.png" does not exist; Nanoforge can generate it at references/missing-hero.png (quick fix).');

    const config = vscode.workspace.getConfiguration('nanoforge');
    await config.update('diagnostics.severity', 'error', vscode.ConfigurationTarget.Workspace);
    await waitFor('error severity', () => (nanoforgeDiagnostics(page())[0]?.severity === vscode.DiagnosticSeverity.Error ? true : undefined));
    await config.update('diagnostics.enabled', false, vscode.ConfigurationTarget.Workspace);
    await waitFor('diagnostics cleared', () => (nanoforgeDiagnostics(page()).length === 0 ? true : undefined));
    await config.update('diagnostics.enabled', undefined, vscode.ConfigurationTarget.Workspace);
    await config.update('diagnostics.severity', undefined, vscode.ConfigurationTarget.Workspace);
    await waitFor('diagnostics back', () => (nanoforgeDiagnostics(page()).length === 2 ? true : undefined));
  });

  it('names the place to generate only when it differs from the path written in the reference', async () => {
    const root = vscode.workspace.workspaceFolders?.[0]?.uri;
    assert.ok(root);
    const doc = vscode.Uri.joinPath(root, 'same-path.md');
    writeFileSync(doc.fsPath, '![logo](./images/same-path-missing.png)\n');
    await vscode.window.showTextDocument(doc);
    const found = await waitFor('diagnostics on same-path.md', () => nanoforgeDiagnostics(doc)[0]);
    assert.equal(found.message, 'Image "./images/same-path-missing.png" does not exist; Nanoforge can generate it (quick fix).');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('offers "Generate this image" for a missing reference, not for one outside the workspace', async () => {
    await vscode.window.showTextDocument(page());
    const [missing, outside] = await waitFor('diagnostics', () => {
      const d = nanoforgeDiagnostics(page());
      return d.length === 2 ? d : undefined;
    });
    assert.ok(missing && outside);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', page(), missing.range, vscode.CodeActionKind.QuickFix.value);
    const fix = actions.find((a) => a.title === 'Generate this image');
    assert.ok(fix?.command, `quick fix among: ${actions.map((a) => a.title).join(', ')}`);
    assert.equal(fix.command.command, 'nanoforge.generateForReference');
    assert.deepEqual(fix.command.arguments, [{ uri: page().toString(), line: missing.range.start.line, character: missing.range.start.character }]);
    const none = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', page(), outside.range, vscode.CodeActionKind.QuickFix.value);
    assert.equal(none.some((a) => a.title === 'Generate this image'), false);
  });

  it('the quick fix writes the image at exactly the referenced path and the diagnostic goes away', async () => {
    const [missing] = nanoforgeDiagnostics(page());
    assert.ok(missing);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', page(), missing.range, vscode.CodeActionKind.QuickFix.value);
    const fix = actions.find((a) => a.title === 'Generate this image');
    assert.ok(fix?.command?.arguments?.[0]);
    // The quick fix's own arguments, plus a prompt and quick mode so no input box or panel opens.
    const args = { ...(fix.command.arguments[0] as object), prompt: 'a mountain at dawn', mode: 'quick' };
    await vscode.commands.executeCommand(fix.command.command, args);
    const target = fixture('missing-hero.png');
    assert.ok(await exists(target), 'references/missing-hero.png was written');
    assert.ok(pngSize(await vscode.workspace.fs.readFile(target)).width > 0);
    await waitFor('the missing-asset diagnostic to go', () => (nanoforgeDiagnostics(page()).filter((d) => d.code === MISSING_CODE).length === 0 ? true : undefined));
  });

  it('puts Generate / Regenerate / error CodeLenses on directives', async () => {
    const directive = fixture('directive.py');
    await vscode.workspace.openTextDocument(directive); // the CodeLens command needs a loaded model
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', directive);
    const ours = lenses.filter((l) => l.command?.title.includes('Generate') || l.command?.title.includes('Nanoforge'));
    assert.deepEqual(ours.map((l) => [l.range.start.line, l.command?.title]), [
      [1, '$(sparkle) Generate'],
      [4, '$(sparkle) Generate'],
      [7, '$(warning) Nanoforge: Unknown kind "icn"; use one of icon, placeholder, mockup, illustration, photo.'],
    ]);
    assert.deepEqual(ours[0]?.command?.arguments, [{
      prompt: 'a red star', kind: 'icon', width: 32, height: 32, target: fixture('generated', 'star.png').toString(), documentUri: directive.toString(), line: 1,
    }]);
    // Without `-> path` the target is the reference on the next line.
    assert.equal((ours[1]?.command?.arguments?.[0] as { target: string }).target, fixture('generated', 'card.png').toString());
    const html = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', page());
    assert.ok(html.some((l) => l.command?.title === '$(refresh) Regenerate'), 'the existing target gets Regenerate');
  });

  it('the directive CodeLens generates into its target at the directive size, then turns into Regenerate', async () => {
    const directive = fixture('directive.py');
    await vscode.workspace.openTextDocument(directive);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', directive);
    const lens = lenses.find((l) => l.range.start.line === 1 && l.command?.command === 'nanoforge.generateFromDirective');
    assert.ok(lens?.command?.arguments);
    await vscode.commands.executeCommand(lens.command.command, ...lens.command.arguments);
    const star = fixture('generated', 'star.png');
    const bytes = await vscode.workspace.fs.readFile(star);
    assert.deepEqual(pngSize(bytes), { width: 32, height: 32 });
    assert.equal(readNanoforgeMetadata(bytes)?.prompt, 'a red star');
    await waitFor('Regenerate lens', async () => {
      const again = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', directive);
      return again.some((l) => l.range.start.line === 1 && l.command?.title === '$(refresh) Regenerate') ? true : undefined;
    });
  });

  it('a directive whose target is not an image file name or whose size is too big says so on its CodeLens and writes nothing', async () => {
    const doc = fixture('bad-directives.js');
    writeFileSync(doc.fsPath, [
      '// @image icon 64x64: a red star -> ./generated/notes.txt',
      '// @image icon 9000x9000: a red star -> ./generated/huge.png',
      '',
    ].join('\n'));
    await vscode.workspace.openTextDocument(doc);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc);
    assert.deepEqual(lenses.filter((l) => /Nanoforge|Generate/.test(l.command?.title ?? '')).map((l) => [l.range.start.line, l.command?.command, l.command?.title]), [
      [0, '', '$(warning) Nanoforge: The target "./generated/notes.txt" is not an image file name; end it in .png, .webp, .avif, .jpg, .ico or .svg.'],
      [1, '', '$(warning) Nanoforge: Size "9000x9000" is above the maximum of 8192 pixels per side.'],
    ]);
    // The command itself refuses such a target too (arguments from an old lens or another extension).
    const notes = fixture('generated', 'notes.txt');
    const written = await vscode.commands.executeCommand('nanoforge.generateFromDirective', { prompt: 'a red star', kind: 'icon', width: 32, height: 32, target: notes.toString(), documentUri: doc.toString() });
    assert.equal(written, undefined);
    assert.equal(await exists(notes), false, 'no PNG bytes under a .txt name');
  });

  it('hovers a directive with its spec and target', async () => {
    const text = await hoverText(fixture('directive.py'), await positionOf(fixture('directive.py'), '@image placeholder', 2));
    assert.match(text, /\*\*Nanoforge directive\*\* — placeholder 40×24: \*a grey card\*/);
    assert.match(text, /`references\/generated\/card\.png` — missing · \[Generate\]\(command:nanoforge\.generateFromDirective/);
  });

  it('offers no Generate, quick fix or CodeLens for .gif/.bmp references, and says why', async () => {
    writeFileSync(fixture('tiny.gif').fsPath, TINY_GIF);
    const doc = fixture('formats.md');
    writeFileSync(doc.fsPath, [
      '<!-- @image illustration: a spinner -->', '![spinner](./anim-missing.gif)', '![scan](./scan-missing.bmp)', '![tiny](./tiny.gif)', '',
    ].join('\n'));
    await vscode.window.showTextDocument(doc);
    const found = await waitFor('diagnostics on formats.md', () => {
      const d = nanoforgeDiagnostics(doc);
      return d.length === 2 ? d : undefined;
    });
    assert.deepEqual(found.map((d) => [d.range.start.line, d.code, d.message]), [
      [1, UNWRITABLE_CODE, `Image "./anim-missing.gif" does not exist, and .gif is not a format Nanoforge can write ${WRITES}.`],
      [2, UNWRITABLE_CODE, `Image "./scan-missing.bmp" does not exist, and .bmp is not a format Nanoforge can write ${WRITES}.`],
    ]);
    for (const d of found) {
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc, d.range, vscode.CodeActionKind.QuickFix.value);
      assert.deepEqual(actions.filter((a) => a.title === 'Generate this image'), [], `no quick fix on line ${d.range.start.line}`);
    }

    const missing = await hoverText(doc, await positionOf(doc, 'anim-missing.gif', 2));
    assert.match(missing, /`references\/anim-missing\.gif` — missing/);
    assert.match(missing, /Nanoforge cannot generate it: \.gif is not a format Nanoforge can write/);
    assert.doesNotMatch(missing, /command:nanoforge/);
    const existing = await hoverText(doc, await positionOf(doc, 'tiny.gif', 2));
    assert.match(existing, /1 × 1 px · GIF/);
    assert.deepEqual(commandArgs(existing, 'vscode.open'), [fixture('tiny.gif').toString()]);
    assert.doesNotMatch(existing, /command:nanoforge\.regenerateReference/);

    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc);
    assert.deepEqual(lenses.filter((l) => /Nanoforge|Generate/.test(l.command?.title ?? '')).map((l) => [l.range.start.line, l.command?.command, l.command?.title]), [
      [0, '', `$(warning) Nanoforge: Cannot generate "./anim-missing.gif": .gif is not a format Nanoforge can write ${WRITES}.`],
    ]);

    // The command refuses it before asking for a prompt, and writes nothing.
    const written = await vscode.commands.executeCommand('nanoforge.generateForReference', { uri: doc.toString(), line: 1, character: 14, prompt: 'a spinner', mode: 'quick' });
    assert.equal(written, undefined);
    assert.equal(await exists(fixture('anim-missing.gif')), false);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('refuses a reference whose folder is a symlink leading outside the workspace', async () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), 'nanoforge-outside-'));
    try {
      symlinkSync(outside, fixture('linked-out').fsPath);
      writeFileSync(fixture('symlink.md').fsPath, '![escape](linked-out/escape.png)\n');
      const doc = await vscode.workspace.openTextDocument(fixture('symlink.md'));
      const ref = await lookupReferenceAt(doc, new vscode.Position(0, 14));
      assert.equal(ref?.target.fsPath, fixture('linked-out', 'escape.png').fsPath);
      assert.match(ref?.refused ?? '', /symbolic link/);
      const written = await vscode.commands.executeCommand('nanoforge.generateForReference', { uri: doc.uri.toString(), line: 0, character: 14, prompt: 'x', mode: 'quick' });
      assert.equal(written, undefined);
      assert.deepEqual(readdirSync(outside), [], 'nothing was written outside the workspace');
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
