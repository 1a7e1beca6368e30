// The generator panel inside a real VS Code with the oracle model (the harness points
// nanoforge.model at it): Generate Image opens it, a generation shows candidates in the real
// webview, Save writes the file, hostile messages are refused, and the panel comes back after
// being hidden and through its serializer. Driven through the test-only command the panel
// registers outside Production mode (src/extension/panel-probe.ts).
import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PanelTestState } from '../../src/extension/panel/probe';
import type { Services } from '../../src/extension/services';
import { exists, pngSize, scratch, services, withHooks, workspaceRoot } from './shell-helpers';
import { hook, PANEL_HOOK, until } from './panel-hook';

/** Polls the panel until `probe` finds what it looks for (the webview is asynchronous). */
const count = (s: PanelTestState, type: string): number => s.fromWebview.filter((m) => m.type === type).length;

describe('generator panel (real VS Code)', function () {
  this.timeout(120_000);
  let s: Services;
  let dir: vscode.Uri;
  let generationId = '';
  const rel = (name: string): string => `nanoforge-test/panel/${name}`;

  before(async function () {
    s = await services();
    if (!(await vscode.commands.getCommands(true)).includes(PANEL_HOOK)) this.skip(); // packaged (Production) run
    dir = await scratch('panel');
  });
  after(async () => {
    if ((await vscode.commands.getCommands(true)).includes(PANEL_HOOK)) await hook({ op: 'close' });
  });

  it('"Generate Image" opens the panel, which loads and reports the model', async () => {
    await vscode.commands.executeCommand('nanoforge.generateImage', {
      prompt: 'a red fox', kind: 'icon', width: 64, height: 64, target: rel('fox.png'), mode: 'panel',
    });
    const state = await until((st) => (count(st, 'ready') > 0 ? st : undefined), 'the webview to say ready');
    assert.equal(state.open, true);
    assert.ok(state.toWebview.some((m) => m.type === 'init'));
    await until((st) => st.toWebview.find((m) => m.type === 'modelInfo'), 'model info');
    assert.deepEqual(state.rejections, []);
  });

  it('generates with the oracle model and the webview shows the candidates', async () => {
    await hook({
      op: 'send',
      message: { type: 'generate', request: { prompt: 'a red fox', negativePrompt: '', kind: 'icon', width: 64, height: 64, count: 2, steps: 2, seed: 7, target: rel('fox.png') } },
    });
    const result = await until((st) => st.toWebview.find((m) => m.type === 'result' || m.type === 'failed'), 'the generation to end');
    assert.equal(result.type, 'result', `generation failed: ${result.text ?? ''}`);
    assert.equal(result.candidates, 2);
    generationId = result.generationId!;
    const rendered = await until((st) => st.fromWebview.find((m) => m.type === 'rendered' && m.generationId === generationId), 'the webview to render');
    assert.deepEqual(rendered, { type: 'rendered', generationId, candidates: 2 });
    const state = await hook({ op: 'state' });
    const progress = state.toWebview.filter((m) => m.type === 'progress' && m.generationId === generationId);
    assert.equal(progress.length, 2, 'two steps (the core denoises both candidates as one batch)');
    assert.ok(progress.every((m) => m.preview && /^\d+x\d+$/.test(m.preview)), `every step carried a preview: ${JSON.stringify(progress)}`);
  });

  it('Save writes the chosen candidate inside the workspace and records it in history', async () => {
    const target = vscode.Uri.joinPath(dir, 'fox.png');
    const before = s.history.list().length;
    await hook({ op: 'send', message: { type: 'save', candidate: { generationId, index: 1 }, target: rel('fox.png') } });
    for (let i = 0; i < 200 && !(await exists(target)); i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await exists(target), true, `${target.fsPath} was written`);
    assert.deepEqual(pngSize(await vscode.workspace.fs.readFile(target)), { width: 64, height: 64 });
    await until((st) => st.toWebview.find((m) => m.type === 'notice' && m.text === `Saved ${rel('fox.png')}`), 'the saved notice');
    assert.equal(s.history.list().length, before + 1);
    assert.equal(s.history.list()[0]?.seed, 8, 'candidate 1 of seed 7 used seed 8');
  });

  it('Copy puts a data URI, Markdown or an <img> tag on the clipboard', async () => {
    const copy = async (as: string): Promise<string> => {
      await vscode.env.clipboard.writeText('');
      await hook({ op: 'send', message: { type: 'copy', candidate: { generationId, index: 0 }, as, target: rel('fox.png') } });
      for (let i = 0; i < 100; i++) {
        const text = await vscode.env.clipboard.readText();
        if (text) return text;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`nothing was copied for ${as}`);
    };
    assert.equal(await copy('markdown'), `![a red fox](${rel('fox.png')})`);
    assert.equal(await copy('img'), `<img src="${rel('fox.png')}" width="64" height="64" alt="a red fox">`);
    const uri = await copy('dataUri');
    assert.match(uri, /^data:image\/png;base64,/);
    assert.deepEqual(pngSize(Buffer.from(uri.slice(uri.indexOf(',') + 1), 'base64')), { width: 64, height: 64 });
  });

  it('Save as… and Browse… use the native save dialog (answered by a stand-in)', async function () {
    const window = vscode.window as { showSaveDialog: typeof vscode.window.showSaveDialog };
    const original = window.showSaveDialog;
    const answers = [vscode.Uri.joinPath(dir, 'chosen', 'as.png'), vscode.Uri.joinPath(dir, 'picked.webp')];
    const asked: vscode.SaveDialogOptions[] = [];
    try {
      window.showSaveDialog = async (options) => { asked.push(options ?? {}); return answers.shift(); };
    } catch (error) {
      this.skip(); // the API object is frozen in this VS Code build; nothing to stand in for
    }
    try {
      if (vscode.window.showSaveDialog === original) this.skip();
      await hook({ op: 'send', message: { type: 'saveAs', candidate: { generationId, index: 0 } } });
      const saved = vscode.Uri.joinPath(dir, 'chosen', 'as.png');
      for (let i = 0; i < 100 && !(await exists(saved)); i++) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(pngSize(await vscode.workspace.fs.readFile(saved)), { width: 64, height: 64 });
      assert.deepEqual(asked[0]?.filters, { 'PNG image': ['png'] });
      await hook({ op: 'send', message: { type: 'browseTarget', current: rel('fox.png') } });
      const chosen = await until((st) => st.toWebview.find((m) => m.type === 'targetChosen'), 'the chosen target');
      assert.equal(chosen.text, rel('picked.webp'), 'the webview gets the workspace-relative path');
      assert.equal(asked[1]?.defaultUri?.path, vscode.Uri.joinPath(dir, 'fox.png').path);
    } finally {
      window.showSaveDialog = original;
    }
  });

  it('refuses hostile messages with a logged reason and writes nothing', async () => {
    const before = (await hook({ op: 'state' })).rejections.length;
    const outside = '../outside-panel.png';
    await hook({ op: 'send', message: { type: 'save', candidate: { generationId, index: 0 }, target: outside } });
    await hook({ op: 'send', message: { type: 'runCommand', command: 'workbench.action.quit' } });
    await hook({ op: 'send', message: { type: 'generate', request: { prompt: 'x'.repeat(20_000) } } });
    const state = await hook({ op: 'state' });
    const reasons = state.rejections.slice(before);
    assert.equal(reasons.length, 3);
    assert.match(reasons[0]!, /leaves the workspace folder/);
    assert.match(reasons[1]!, /unknown message type "runCommand"/);
    assert.match(reasons[2]!, /at most 16384/);
    assert.equal(await exists(vscode.Uri.joinPath(workspaceRoot(), '..', 'outside-panel.png')), false);
  });

  it('re-checks on the host: a path through a symlink that leaves the workspace is refused', async function () {
    if (dir.scheme !== 'file') this.skip();
    const outside = mkdtempSync(path.join(os.tmpdir(), 'nanoforge-outside-'));
    symlinkSync(outside, path.join(dir.fsPath, 'escape'));
    await hook({ op: 'send', message: { type: 'save', candidate: { generationId, index: 0 }, target: rel('escape/fox.png') } });
    const notice = await until((st) => st.toWebview.find((m) => m.type === 'notice' && /outside the workspace/.test(m.text ?? '')), 'the refusal');
    assert.match(notice.text!, /escape\/fox\.png is outside the workspace/);
    assert.deepEqual(readdirSync(outside), [], 'nothing was written outside');
    rmSync(outside, { recursive: true, force: true });
  });

  it('Save onto an existing file asks first and honours "Save as Copy"', async () => {
    await withHooks(s, { confirm: async () => 'copy' }, async () => {
      await hook({ op: 'send', message: { type: 'save', candidate: { generationId, index: 0 }, target: rel('fox.png') } });
      const copy = vscode.Uri.joinPath(dir, 'fox-1.png');
      for (let i = 0; i < 200 && !(await exists(copy)); i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(await exists(copy), true);
    });
  });

  it('comes back with its candidates after being hidden (state via getState/setState)', async () => {
    const shown = await hook({ op: 'state' });
    assert.equal(shown.visible, true);
    const renderedBefore = shown.fromWebview.filter((m) => m.type === 'rendered' && m.generationId === generationId).length;
    // A text editor in the panel's group hides it; retainContextWhenHidden is off, so the webview goes.
    const doc = await vscode.workspace.openTextDocument({ content: 'hides the panel' });
    await vscode.window.showTextDocument(doc, { viewColumn: shown.viewColumn, preview: false });
    await until((st) => (st.visible ? undefined : st), 'the panel to be hidden');
    // Opening it again from a command while hidden: the prefill must reach the reloaded webview.
    await hook({ op: 'open', init: { prompt: 'a second prompt' } });
    // The reloaded webview reports the candidates it restored from its own saved state.
    const back = await until((st) => {
      const rendered = st.fromWebview.filter((m) => m.type === 'rendered' && m.generationId === generationId);
      return rendered.length > renderedBefore ? rendered.at(-1) : undefined;
    }, 'the webview to restore its candidates');
    assert.deepEqual(back, { type: 'rendered', generationId, candidates: 2 });
    await until((st) => st.toWebview.find((m) => m.type === 'init' && m.text === 'a second prompt'), 'the prefill to be sent after ready');
    await vscode.window.showTextDocument(doc).then(() => vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor'));
  });

  it('Cancel stops a running generation early and only one run starts at a time', async () => {
    const seen = (await hook({ op: 'state' })).toWebview.length;
    await hook({
      op: 'send',
      message: { type: 'generate', request: { prompt: 'a long run', negativePrompt: '', kind: 'illustration', width: 256, height: 256, count: 8, steps: 100, seed: 1, target: '' } },
    });
    await hook({ op: 'send', message: { type: 'generate', request: { prompt: 'a second run', negativePrompt: '', kind: 'icon', width: 64, height: 64, count: 1, steps: 1, seed: 2, target: '' } } });
    await until((st) => st.toWebview.slice(seen).find((m) => m.type === 'notice' && /already running/.test(m.text ?? '')), 'the second run to be turned away');
    const first = await until((st) => st.toWebview.slice(seen).find((m) => m.type === 'progress'), 'the first step');
    await hook({ op: 'send', message: { type: 'cancel' } });
    const end = await until((st) => st.toWebview.slice(seen).find((m) => m.type === 'failed' || m.type === 'result'), 'the run to end');
    assert.equal(end.type, 'failed', 'the run was cancelled before it finished');
    assert.equal(end.text, 'Cancelled');
    // Steps already in flight from the worker when the cancel left the host still arrive (more of
    // them on a loaded machine), so this checks the run stopped early, not an exact step count.
    const steps = (await hook({ op: 'state' })).toWebview.filter((m) => m.type === 'progress' && m.generationId === first.generationId);
    assert.ok(steps.length < 100, `${steps.length} of 100 steps ran`);
    // (A webview reload may replay the same 'started'; what matters is that no second run began.)
    const runs = new Set((await hook({ op: 'state' })).toWebview.slice(seen).filter((m) => m.type === 'started').map((m) => m.generationId));
    assert.equal(runs.size, 1, 'only one run started');
  });

  it('the registered serializer revives a panel of its view type', async () => {
    await hook({ op: 'close' });
    assert.equal((await hook({ op: 'state' })).open, false);
    await hook({ op: 'reviveFresh' });
    const state = await until((st) => (count(st, 'ready') > 0 ? st : undefined), 'the revived webview to say ready');
    assert.equal(state.open, true);
    assert.ok(state.toWebview.some((m) => m.type === 'init'));
  });

  it('Generate Image with no arguments (the palette) opens the panel at once: last kind, size and target, prompt focused, model loading', async () => {
    // This workspace's last panel generation: what the next panel starts from. (Its own panel, so
    // the test does not depend on what the one before it left open.)
    await hook({ op: 'close' });
    await hook({ op: 'open' });
    await until((st) => (count(st, 'ready') > 0 ? st : undefined), 'the panel to be ready');
    await hook({
      op: 'send',
      message: { type: 'generate', request: { prompt: 'a blue whale', negativePrompt: '', kind: 'placeholder', width: 96, height: 48, count: 1, steps: 1, seed: 3, target: rel('whale.webp') } },
    });
    const done = await until((st) => st.toWebview.find((m) => m.type === 'result' || m.type === 'failed'), 'the whale');
    assert.equal(done.type, 'result', done.text);
    await hook({ op: 'close' });
    // The harness stops an idle worker after 5 s; the panel must start it again by itself.
    for (let i = 0; i < 600 && s.worker().running; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(s.worker().running, false, 'the idle worker stopped');

    // A quick input would keep the command waiting for an answer nobody gives: it must return.
    await vscode.commands.executeCommand('nanoforge.generateImage');
    assert.equal((await hook({ op: 'state' })).open, true, 'the panel is open when the command returns');
    const init = await until((st) => st.toWebview.find((m) => m.type === 'init'), 'the init message');
    assert.deepEqual(init.prefill, { kind: 'placeholder', width: 96, height: 48, target: rel('whale.webp') });
    assert.equal(init.focusPrompt, true);
    const info = await until((st) => st.toWebview.find((m) => m.type === 'modelInfo'), 'the model info');
    assert.equal(info.type, 'modelInfo');
    const state = await hook({ op: 'state' });
    assert.equal(count(state, 'generate'), 0, 'nothing generated');
    assert.equal(s.worker().running, true, 'the worker runs, with the model loaded, before any Generate');

    // Again while it is open: the form stays as the user has it; only the focus goes back to the prompt.
    const seen = state.toWebview.length;
    await vscode.commands.executeCommand('nanoforge.generateImage');
    const again = await until((st) => st.toWebview.slice(seen).find((m) => m.type === 'init'), 'the second init');
    assert.deepEqual(again.prefill, {});
    assert.equal(again.focusPrompt, true);
  });

  it('a panel restored by its serializer does not take the focus', async () => {
    await hook({ op: 'close' });
    await hook({ op: 'reviveFresh' });
    const init = await until((st) => st.toWebview.find((m) => m.type === 'init'), 'the revived init');
    assert.equal(init.focusPrompt, false);
    assert.deepEqual(init.prefill, {});
  });
});
