// The extension shell's commands inside a real VS Code with the oracle model (nanoforge.model is set
// by the harness): registration and contributions, quick-mode Generate Image, Generate for Reference,
// placeholders, history, and recovery from a killed worker.
import * as assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { rerun } from '../../src/extension/commands/history';
import { resolveModelFolder } from '../../src/extension/models-resolve';
import { slugify } from '../../src/extension/naming';
import type { Services } from '../../src/extension/services';
import { DEFAULT_SIZES } from '../../src/extension/settings';
import { statusText } from '../../src/extension/status-text';
import { EXTENSION_ID, exists, pngSize, scratch, services, withHooks, workspaceRoot } from './shell-helpers';

const SHELL_COMMANDS = [
  'nanoforge.generateImage', 'nanoforge.generateForReference', 'nanoforge.regenerateReference',
  'nanoforge.generateFromDirective', 'nanoforge.insertPlaceholder', 'nanoforge.showHistory', 'nanoforge.clearHistory',
];

interface Manifest {
  activationEvents: string[];
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
    configuration: { properties: Record<string, { default?: unknown; description?: string; markdownDescription?: string; enum?: unknown[] }> };
  };
}

function manifest(): Manifest {
  return vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as Manifest;
}

/** Pids of the image workers this extension host has forked (Linux /proc). */
function workerPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (ppid === process.pid && cmdline.includes('worker.js')) pids.push(Number(entry));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
  return pids;
}

async function until<T>(probe: () => T | undefined, what: string, tries = 400): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('extension shell: commands', () => {
  let s: Services;
  let dir: vscode.Uri;
  before(async () => {
    s = await services();
    dir = await scratch('commands');
  });

  it('registers every shell command', async () => {
    const all = new Set(await vscode.commands.getCommands(true));
    for (const id of SHELL_COMMANDS) assert.ok(all.has(id), `${id} is not registered`);
  });

  it('registers every command package.json contributes (no palette entry leads to "command not found")', async () => {
    const all = new Set(await vscode.commands.getCommands(true));
    const missing = manifest().contributes.commands.map((c) => c.command).filter((id) => !all.has(id));
    assert.deepEqual(missing, []);
  });

  it('contributes every command under the Nanoforge category, with model commands reserved', () => {
    const commands = manifest().contributes.commands;
    for (const id of [...SHELL_COMMANDS, 'nanoforge.downloadModel', 'nanoforge.selectModel']) {
      const c = commands.find((x) => x.command === id);
      assert.ok(c, `${id} is not contributed`);
      assert.equal(c.category, 'Nanoforge', id);
    }
    const context = manifest().contributes.menus['editor/context'] ?? [];
    assert.ok(context.some((m) => m.command === 'nanoforge.generateForReference' && m.when?.includes('nanoforge.onAssetReference')));
    const palette = manifest().contributes.menus.commandPalette ?? [];
    assert.equal(palette.find((m) => m.command === 'nanoforge.generateFromDirective')?.when, 'editorTextFocus');
  });

  it('documents every nanoforge.* setting and activates lazily', () => {
    const props = manifest().contributes.configuration.properties;
    for (const key of ['model', 'modelsFolder', 'device', 'outputFolder', 'namingPattern', 'defaultSizes', 'format', 'overwrite',
      'diagnostics.enabled', 'diagnostics.severity', 'directiveTag', 'worker.idleTimeoutSeconds', 'usePanel', 'hub.endpoint']) {
      const p = props[`nanoforge.${key}`];
      assert.ok(p, `nanoforge.${key} is not contributed`);
      assert.ok((p.description ?? p.markdownDescription ?? '').length > 20, `nanoforge.${key} has no description`);
      assert.ok('default' in p, `nanoforge.${key} has no default`);
    }
    assert.deepEqual(props['nanoforge.overwrite']?.enum, ['ask', 'never', 'always']);
    const events = manifest().activationEvents;
    assert.ok(!events.includes('*') && !events.includes('onStartupFinished'), events.join(', '));
    assert.ok(events.includes('onLanguage:html') && events.includes('onLanguage:markdown'));
  });

  it('quick-mode Generate Image writes a real PNG at the target and records it in History', async () => {
    const target = vscode.Uri.joinPath(dir, 'quick', 'red-square.png');
    const written = await vscode.commands.executeCommand<vscode.Uri | undefined>('nanoforge.generateImage', {
      prompt: 'a red square icon', kind: 'icon', width: 48, height: 48, target, seed: 7, mode: 'quick',
    });
    assert.equal(written?.toString(), target.toString());
    assert.deepEqual(pngSize(await vscode.workspace.fs.readFile(target)), { width: 48, height: 48 });
    const entry = s.history.list()[0];
    assert.ok(entry, 'a history entry');
    assert.equal(entry.target, target.toString());
    assert.equal(entry.prompt, 'a red square icon');
    assert.equal(entry.seed, 7);
    assert.equal(entry.modelId, path.basename(String(vscode.workspace.getConfiguration('nanoforge').get('model'))));
    assert.equal(entry.device, 'cpu');
    assert.equal(s.history.recentPrompts()[0], 'a red square icon');
  });

  it('the interactive Generate Image flow (prompt → kind → size → target) saves with the settings defaults', async () => {
    // Workspace-level settings: in code-server a ConfigurationTarget.Global update makes the extension
    // host lose the harness's user settings (nanoforge.model), so the suites never write user settings.
    const config = vscode.workspace.getConfiguration('nanoforge');
    await config.update('usePanel', false, vscode.ConfigurationTarget.Workspace);
    try {
      const prompt = s.history.recentPrompts()[0];
      assert.ok(prompt, 'an earlier test left a recent prompt');
      let done = false;
      const pending = Promise.resolve(vscode.commands.executeCommand<vscode.Uri | undefined>('nanoforge.generateImage')).finally(() => (done = true));
      // Accept whatever quick input is showing (recent prompt, first kind, default size, default path)
      // until the command finishes; an accept with nothing open does nothing.
      for (let i = 0; i < 200 && !done; i++) {
        await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
        await new Promise((r) => setTimeout(r, 100));
      }
      const written = await pending;
      const expected = vscode.Uri.joinPath(workspaceRoot(), 'assets', 'generated', `${slugify(prompt)}.png`);
      assert.equal(written?.toString(), expected.toString());
      assert.deepEqual(pngSize(await vscode.workspace.fs.readFile(expected)), DEFAULT_SIZES.icon, 'icon default size (the icon preset)');
      assert.equal(s.history.list()[0]?.kind, 'icon');
    } finally {
      await config.update('usePanel', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('a workspace-relative target uses the output folder layout and the image extension', async () => {
    const rel = 'nanoforge-test/commands/rel/placeholder-like.webp';
    const written = await vscode.commands.executeCommand<vscode.Uri | undefined>('nanoforge.generateImage', {
      prompt: 'a grey card', kind: 'placeholder', width: 40, height: 24, target: rel, mode: 'quick',
    });
    assert.equal(written?.toString(), vscode.Uri.joinPath(workspaceRoot(), rel).toString());
    const bytes = await vscode.workspace.fs.readFile(written!);
    assert.equal(Buffer.from(bytes.subarray(8, 12)).toString('latin1'), 'WEBP');
  });

  it('a target outside the workspace or without an image extension is refused before any generation', async () => {
    const outside = path.join(path.dirname(workspaceRoot().fsPath), 'nanoforge-outside-target.png');
    for (const target of ['../nanoforge-outside-target.png', outside, 'nanoforge-test/commands/rel/notes.txt']) {
      const newest = s.history.list()[0];
      const written = await vscode.commands.executeCommand('nanoforge.generateImage', {
        prompt: 'a grey card', kind: 'placeholder', width: 40, height: 24, target, mode: 'quick',
      });
      assert.equal(written, undefined, target);
      assert.deepEqual(s.history.list()[0], newest, `nothing generated for ${target}`);
    }
    assert.equal(existsSync(outside), false);
    assert.equal(existsSync(path.join(workspaceRoot().fsPath, 'nanoforge-test', 'commands', 'rel', 'notes.txt')), false);
  });

  it('re-running a History entry with the same seed reproduces the same bytes', async () => {
    const entry = s.history.list().find((e) => e.target.endsWith('/quick/red-square.png'));
    assert.ok(entry);
    const before = await vscode.workspace.fs.readFile(vscode.Uri.parse(entry.target));
    const again = await withHooks(s, { confirm: async () => 'copy' }, () => rerun(s, entry, false));
    assert.ok(again && again.path.endsWith('red-square-1.png'), again?.toString());
    assert.deepEqual([...(await vscode.workspace.fs.readFile(again))], [...before]);
  });

  it('Generate for Reference writes exactly the referenced path, and keeps an existing file unless confirmed', async () => {
    const page = vscode.Uri.joinPath(dir, 'page.html');
    const html = '<main>\n  <img src="./img/hero-32x32.png" alt="a mountain sunrise">\n</main>\n';
    await vscode.workspace.fs.writeFile(page, Buffer.from(html));
    const doc = await vscode.workspace.openTextDocument(page);
    const character = doc.lineAt(1).text.indexOf('hero');
    const args = { uri: page.toString(), line: 1, character, prompt: 'a mountain sunrise', mode: 'quick' };
    const target = vscode.Uri.joinPath(dir, 'img', 'hero-32x32.png');

    const written = await vscode.commands.executeCommand<vscode.Uri | undefined>('nanoforge.generateForReference', args);
    assert.equal(written?.toString(), target.toString());
    assert.deepEqual(pngSize(await vscode.workspace.fs.readFile(target)), { width: 32, height: 32 }, 'size from the file name');

    const original = [...(await vscode.workspace.fs.readFile(target))];
    const asked: string[] = [];
    const cancelled = await withHooks(s, { confirm: async (t) => (asked.push(t.toString()), 'cancel') }, () =>
      vscode.commands.executeCommand<vscode.Uri | undefined>('nanoforge.regenerateReference', args));
    assert.equal(cancelled, undefined);
    assert.deepEqual(asked, [target.toString()]);
    assert.deepEqual([...(await vscode.workspace.fs.readFile(target))], original, 'the old file is kept');

    const variation = await withHooks(s, { confirm: async () => 'copy' }, () =>
      vscode.commands.executeCommand<vscode.Uri | undefined>('nanoforge.regenerateReference', args));
    assert.equal(variation?.toString(), vscode.Uri.joinPath(dir, 'img', 'hero-32x32-1.png').toString());
    assert.deepEqual([...(await vscode.workspace.fs.readFile(target))], original);
  });

  it('Generate from Directive runs the directive on the cursor line into its explicit target', async () => {
    const source = vscode.Uri.joinPath(dir, 'cart.ts');
    await vscode.workspace.fs.writeFile(source, Buffer.from('const x = 1;\n// @image icon 16x16: a blue cart -> ./directive/cart.png\n'));
    const editor = await vscode.window.showTextDocument(source);
    editor.selection = new vscode.Selection(1, 5, 1, 5);
    const written = await vscode.commands.executeCommand<vscode.Uri | undefined>('nanoforge.generateFromDirective');
    const expected = vscode.Uri.joinPath(dir, 'directive', 'cart.png');
    assert.equal(written?.toString(), expected.toString());
    assert.deepEqual(pngSize(await vscode.workspace.fs.readFile(expected)), { width: 16, height: 16 });
    assert.equal(s.history.list()[0]?.prompt, 'a blue cart');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('Insert Placeholder Image writes a model-free PNG and references it at the cursor', async () => {
    const md = vscode.Uri.joinPath(dir, 'notes.md');
    await vscode.workspace.fs.writeFile(md, Buffer.from('# Notes\n\n'));
    const editor = await vscode.window.showTextDocument(md);
    editor.selection = new vscode.Selection(2, 0, 2, 0);
    const target = vscode.Uri.joinPath(dir, 'media', 'ph.png');
    const written = await vscode.commands.executeCommand<vscode.Uri | undefined>('nanoforge.insertPlaceholder', { width: 120, height: 60, target });
    assert.equal(written?.toString(), target.toString());
    assert.deepEqual(pngSize(await vscode.workspace.fs.readFile(target)), { width: 120, height: 60 });
    assert.equal(editor.document.lineAt(2).text, '![placeholder 120×60](./media/ph.png)');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('a killed worker is reported, and the next generation starts a new one and succeeds', async () => {
    // Deterministic crash: freeze a live worker, queue a generation for it, then kill it.
    await s.worker().placeholder({ width: 8, height: 8, format: 'png' });
    const pid = await until(() => workerPids()[0], 'a live worker');
    process.kill(pid, 'SIGSTOP');
    const first = vscode.Uri.joinPath(dir, 'crash', 'first.png');
    const pending = vscode.commands.executeCommand<vscode.Uri | undefined>('nanoforge.generateImage', {
      prompt: 'a doomed request', kind: 'icon', width: 32, height: 32, target: first, mode: 'quick',
    });
    await until(() => (s.activity.state.running > 0 ? true : undefined), 'the request to reach the worker');
    process.kill(pid, 'SIGKILL');
    assert.equal(await pending, undefined, 'the interrupted generation saves nothing');
    assert.equal(await exists(first), false);
    assert.match(s.activity.state.lastCrash ?? '', /killed by SIGKILL/);

    const second = vscode.Uri.joinPath(dir, 'crash', 'second.png');
    const written = await vscode.commands.executeCommand<vscode.Uri | undefined>('nanoforge.generateImage', {
      prompt: 'a hopeful request', kind: 'icon', width: 32, height: 32, target: second, mode: 'quick',
    });
    assert.equal(written?.toString(), second.toString());
    assert.deepEqual(pngSize(await vscode.workspace.fs.readFile(second)), { width: 32, height: 32 });
    assert.equal(s.activity.state.lastCrash, undefined);
    const pids = workerPids();
    assert.equal(pids.length, 1);
    assert.notEqual(pids[0], pid);
  });

  it('never loads onnxruntime-node or sharp in the extension host', () => {
    const native = Object.keys(require.cache).filter((m) => /[\\/]node_modules[\\/](onnxruntime-node|sharp)[\\/]/.test(m));
    assert.deepEqual(native, []);
  });

  describe('model resolution', () => {
    const config = () => vscode.workspace.getConfiguration('nanoforge');
    const W = vscode.ConfigurationTarget.Workspace; // see the interactive test: never touch user settings
    let savedModel: string | undefined;
    before(() => {
      savedModel = config().get<string>('model');
    });
    afterEach(async () => {
      await config().update('model', undefined, W);
      await config().update('modelsFolder', undefined, W);
    });

    it('an absolute folder is used as is; a catalog id is looked up in nanoforge.modelsFolder', async () => {
      const oracle = String(savedModel);
      assert.deepEqual(await s.resolveModel(), { dir: oracle, id: path.basename(oracle) });
      await config().update('modelsFolder', path.dirname(oracle), W);
      await config().update('model', 'oracle-fp32', W);
      assert.deepEqual(await s.resolveModel(), { dir: oracle, id: 'oracle-fp32' });
    });

    it('with no model set, the first installed model folder (by name) is used', async () => {
      const oracle = String(savedModel);
      await config().update('modelsFolder', path.dirname(oracle), W);
      await config().update('model', '', W);
      const found = await s.resolveModel();
      const installed = readdirSync(path.dirname(oracle)).filter((n) => existsSync(path.join(path.dirname(oracle), n, 'model_index.json'))).sort();
      assert.equal(found?.id, installed[0]);
    });

    it('a model folder that does not exist generates nothing and writes nothing', async () => {
      await config().update('model', path.join(String(savedModel), 'no-such-model'), W);
      assert.equal(await s.resolveModel(), undefined);
      // The message says which of the two it is: no folder at all, or a folder that is not a model.
      const unused = vscode.Uri.file(path.dirname(String(savedModel)));
      assert.deepEqual(await resolveModelFolder(s.settings(), unused), { problem: `nanoforge.model points at ${path.join(String(savedModel), 'no-such-model')}, which does not exist` });
      await config().update('model', path.join(String(savedModel), 'unet'), W);
      assert.deepEqual(await resolveModelFolder(s.settings(), unused), { problem: `nanoforge.model points at ${path.join(String(savedModel), 'unet')}, which has no model_index.json` });
      const target = vscode.Uri.joinPath(dir, 'no-model', 'x.png');
      const written = await vscode.commands.executeCommand('nanoforge.generateImage', {
        prompt: 'anything', kind: 'icon', width: 16, height: 16, target, mode: 'quick',
      });
      assert.equal(written, undefined);
      assert.equal(await exists(target), false);
    });

    it('a model whose UNet cannot load shows "model failed to load" until a generation succeeds or the model changes', async () => {
      const broken = mkdtempSync(path.join(os.tmpdir(), 'nanoforge-broken-model-'));
      const unet = path.join(broken, 'unet', 'model.onnx');
      const generate = (name: string) => vscode.commands.executeCommand<vscode.Uri | undefined>('nanoforge.generateImage', {
        prompt: 'a broken model', kind: 'icon', width: 16, height: 16, target: vscode.Uri.joinPath(dir, 'broken-model', name), mode: 'quick',
      });
      const shown = () => statusText({ ...s.activity.state, modelId: path.basename(broken), configuredDevice: s.settings().device }).text;
      try {
        cpSync(String(savedModel), broken, { recursive: true });
        writeFileSync(unet, 'this is not an ONNX model');
        await config().update('model', broken, W);
        assert.equal(await generate('first.png'), undefined);
        assert.match(s.activity.state.modelFailure?.file ?? '', /^unet[\\/]model\.onnx$/);
        assert.match(s.activity.state.modelFailure?.reason ?? '', /unet[\\/]model\.onnx/);
        assert.equal(shown(), `$(warning) Nanoforge: ${path.basename(broken)} — model failed to load`);

        await config().update('model', undefined, W); // another model: the old failure says nothing about it
        await until(() => (s.activity.state.modelFailure === undefined ? true : undefined), 'the failure to clear on a model change');
        assert.match(shown(), /^\$\(sparkle\) Nanoforge: /);

        await config().update('model', broken, W);
        assert.equal(await generate('again.png'), undefined);
        assert.ok(s.activity.state.modelFailure);
        // Repaired in place (a failed load is not cached): the next generation loads it, and the warning goes.
        cpSync(path.join(String(savedModel), 'unet', 'model.onnx'), unet);
        assert.ok(await generate('repaired.png'));
        assert.equal(s.activity.state.modelFailure, undefined);
      } finally {
        rmSync(broken, { recursive: true, force: true });
      }
    });
  });
});
