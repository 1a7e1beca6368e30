// Save (full quality) in a real VS Code with the real worker and the oracle-tiny-soft model, whose
// tiny decoder renders colours dimmer than its full VAE (test/fixtures/README.md): the panel's
// candidates come from the tiny decoder on the CPU; Save writes them as shown or decoded again with
// the full VAE per nanoforge.saveQuality, "Save (full quality)" always decodes, and latents the worker
// dropped (another model loaded) make Save say so and write the image as shown.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PanelTestRequest, PanelTestState } from '../../src/extension/panel/probe';
import type { Services } from '../../src/extension/services';
import { exists, scratch, services } from './shell-helpers';

const HOOK = 'nanoforge.test.generatorPanel';
const W = vscode.ConfigurationTarget.Workspace; // never touch user settings
const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('nanoforge');

function hook(req: PanelTestRequest): Thenable<PanelTestState> {
  return vscode.commands.executeCommand<PanelTestState>(HOOK, req);
}

async function until<T>(probe: (s: PanelTestState) => T | undefined, what: string, timeoutMs = 90_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: PanelTestState | undefined;
  while (Date.now() < end) {
    last = await hook({ op: 'state' });
    const found = probe(last);
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}; last state: ${JSON.stringify(last?.toWebview.slice(-8)).slice(0, 1500)}`);
}

const REQUEST = { prompt: 'a green circle on white', negativePrompt: '', kind: 'icon', width: 64, height: 64, count: 2, steps: 1, seed: 21, target: '' } as const;

describe('generator panel: Save (full quality) (real VS Code)', function () {
  this.timeout(180_000);
  let s: Services;
  let dir: vscode.Uri;
  let model = '';
  let generationId = '';
  const rel = (name: string): string => `nanoforge-test/save-quality/${name}`;
  const file = (name: string): Thenable<Uint8Array> => vscode.workspace.fs.readFile(vscode.Uri.joinPath(dir, name));
  const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

  /** Sends Save (or Save (full quality)) for candidate 1 and waits for the file and the "Saved" notice. */
  async function save(name: string, full = false): Promise<PanelTestState> {
    const seen = (await hook({ op: 'state' })).toWebview.length;
    await hook({ op: 'send', message: { type: 'save', candidate: { generationId, index: 1 }, target: rel(name), ...(full ? { quality: 'full' } : {}) } });
    await until((st) => st.toWebview.slice(seen).find((m) => m.type === 'notice' && m.text === `Saved ${rel(name)}`), `${name} to be saved`);
    assert.equal(await exists(vscode.Uri.joinPath(dir, name)), true);
    const state = await hook({ op: 'state' });
    return { ...state, toWebview: state.toWebview.slice(seen) };
  }
  const notices = (st: PanelTestState): string[] => st.toWebview.filter((m) => m.type === 'notice').map((m) => m.text ?? '');

  before(async function () {
    s = await services();
    if (!(await vscode.commands.getCommands(true)).includes(HOOK)) this.skip(); // packaged (Production) run
    dir = await scratch('save-quality');
    model = path.join(path.dirname(String(config().get<string>('model'))), 'oracle-tiny-soft');
    await config().update('model', model, W);
    await hook({ op: 'close' });
    await hook({ op: 'open', init: {} });
    await until((st) => (st.fromWebview.some((m) => m.type === 'ready') ? true : undefined), 'the webview to say ready');
    const seen = (await hook({ op: 'state' })).toWebview.length;
    await hook({ op: 'send', message: { type: 'generate', request: REQUEST } });
    const result = await until((st) => st.toWebview.slice(seen).find((m) => m.type === 'result' || m.type === 'failed'), 'the generation');
    assert.equal(result.type, 'result', result.text);
    generationId = result.generationId!;
  });
  after(async () => {
    await config().update('saveQuality', undefined, W);
    await config().update('model', undefined, W);
    if ((await vscode.commands.getCommands(true)).includes(HOOK)) await hook({ op: 'close' });
  });

  it('auto on the CPU and preview save the candidate as shown; full and "Save (full quality)" write the full VAE\'s pixels', async () => {
    await config().update('saveQuality', 'auto', W);
    const auto = await save('auto.png');
    assert.ok(!notices(auto).some((t) => /full VAE/.test(t)), `auto on the CPU did not decode again: ${notices(auto).join(' | ')}`);
    await config().update('saveQuality', 'preview', W);
    await save('preview.png');
    const forced = await save('forced.png', true);
    assert.ok(notices(forced).includes('Decoding Candidate 2 with the full VAE…'), `progress shown: ${notices(forced).join(' | ')}`);
    assert.ok(notices(forced).includes('Candidate 2 decoded with the full VAE'));
    await config().update('saveQuality', 'full', W);
    await save('full.png');

    // What the full VAE makes of this request, straight from the worker (same seed: candidate 2 is seed 22).
    const { prompt, kind, width, height, steps } = REQUEST;
    const one = { modelDir: model, device: 'cpu', storeDir: s.storeDir(), prompt, kind, width, height, steps, seed: 22, count: 1, format: 'png' } as const;
    const reference = await s.worker().generate({ ...one, decoder: 'full' });
    const tiny = await s.worker().generate({ ...one, decoder: 'tiny' });
    const fullBytes = reference.candidates[0]!.bytes;
    const tinyBytes = tiny.candidates[0]!.bytes;
    assert.equal(same(fullBytes, tinyBytes), false, 'the fixture\'s two decoders differ');
    assert.equal(same(await file('forced.png'), fullBytes), true, '"Save (full quality)" wrote the full VAE\'s image');
    assert.equal(same(await file('full.png'), fullBytes), true, 'saveQuality full wrote the full VAE\'s image');
    assert.equal(same(await file('auto.png'), tinyBytes), true, 'auto on the CPU wrote the candidate as shown (tiny decoder)');
    assert.equal(same(await file('preview.png'), tinyBytes), true);
  });

  it('latents the worker dropped (another model loaded): Save says so and writes the image as shown', async () => {
    await config().update('saveQuality', 'preview', W);
    const shown = await file('preview.png');
    // Loading another model in the worker drops every kept latent (the host's model setting is unchanged).
    await s.worker().modelInfo(path.join(path.dirname(model), 'oracle-fp32'), 'cpu');
    const state = await save('evicted.png', true);
    assert.ok(notices(state).some((t) => /^Saved the image as shown: its kept latents are gone/.test(t)), notices(state).join(' | '));
    assert.equal(same(await file('evicted.png'), shown), true, 'the preview was saved: nothing lost');
  });

  it('a model switch in the settings: Save does not ask the worker and saves the image as shown', async () => {
    await config().update('model', path.join(path.dirname(model), 'oracle-fp32'), W);
    const state = await save('switched.png', true);
    assert.ok(notices(state).some((t) => /^Saved the image as shown: the model changed since \(oracle-tiny-soft → oracle-fp32\)/.test(t)), notices(state).join(' | '));
    assert.equal(same(await file('switched.png'), await file('preview.png')), true);
    await config().update('model', model, W);
  });
});
