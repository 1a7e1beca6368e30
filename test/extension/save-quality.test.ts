// Save in full quality in a real VS Code, with the real worker and the oracle-tiny-soft model: its
// tiny decoder renders green on white as 32,128,32 on 223 where the full VAE gives exactly 0,128,0 on
// 255 (test/fixtures/README.md), so each saved file's pixels say which decoder made them. The panel's
// candidates come from the tiny decoder on the CPU; Save writes them as shown or decoded again with
// the full VAE per nanoforge.saveQuality, "Save (full quality)" always decodes, and latents the worker
// no longer has (restarted, another model loaded) make Save say so and write the image as shown.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Services } from '../../src/extension/services';
import { pngPixels, rgbAt } from './png-pixels';
import { exists, scratch, services } from './shell-helpers';
import { hook, PANEL_HOOK, until } from './panel-hook';

const W = vscode.ConfigurationTarget.Workspace; // never touch user settings
const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('nanoforge');

// 'illustration': opaque, cover fit, so the disc and the background come through as decoded.
const REQUEST = { prompt: 'a green circle on white', negativePrompt: '', kind: 'illustration', width: 64, height: 64, count: 2, steps: 1, seed: 21, target: '' } as const;
/** Centre (the disc) and corner (the background) of each decoder's image of REQUEST. */
const FULL = { centre: [0, 128, 0], corner: [255, 255, 255] };
const TINY = { centre: [32, 128, 32], corner: [223, 223, 223] };

describe('generator panel: Save in full quality (real VS Code)', function () {
  this.timeout(180_000);
  let s: Services;
  let dir: vscode.Uri;
  let model = '';
  const rel = (name: string): string => `nanoforge-test/save-quality/${name}`;

  /** Generates REQUEST in the panel and returns its generation id. */
  async function generate(): Promise<string> {
    const seen = (await hook({ op: 'state' })).toWebview.length;
    await hook({ op: 'send', message: { type: 'generate', request: REQUEST } });
    const result = await until((st) => st.toWebview.slice(seen).find((m) => m.type === 'result' || m.type === 'failed'), 'the generation');
    assert.equal(result.type, 'result', result.text);
    return result.generationId ?? assert.fail('no generation id');
  }

  /** Save (or "Save (full quality)") of candidate 2; waits for the "Saved" notice, returns the notices on the way. */
  async function save(generationId: string, name: string, full = false): Promise<string[]> {
    const seen = (await hook({ op: 'state' })).toWebview.length;
    await hook({ op: 'send', message: { type: 'save', candidate: { generationId, index: 1 }, target: rel(name), ...(full ? { quality: 'full' } : {}) } });
    await until((st) => st.toWebview.slice(seen).find((m) => m.type === 'notice' && m.text === `Saved ${rel(name)}`), `${name} to be saved`);
    assert.equal(await exists(vscode.Uri.joinPath(dir, name)), true);
    return (await hook({ op: 'state' })).toWebview.slice(seen).filter((m) => m.type === 'notice').map((m) => m.text ?? '');
  }

  /** Centre and corner colours of a saved 64×64 file. */
  async function colours(name: string): Promise<{ centre: number[]; corner: number[] }> {
    const p = pngPixels(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(dir, name)));
    assert.deepEqual([p.width, p.height], [64, 64]);
    return { centre: rgbAt(p, 32, 32), corner: rgbAt(p, 1, 1) };
  }

  before(async function () {
    s = await services();
    if (!(await vscode.commands.getCommands(true)).includes(PANEL_HOOK)) this.skip(); // packaged (Production) run
    dir = await scratch('save-quality');
    model = path.join(path.dirname(String(config().get<string>('model'))), 'oracle-tiny-soft');
    await config().update('model', model, W);
    await hook({ op: 'close' });
    await hook({ op: 'open', init: {} });
    await until((st) => (st.fromWebview.some((m) => m.type === 'ready') ? true : undefined), 'the webview to say ready');
  });
  after(async () => {
    await config().update('saveQuality', undefined, W);
    await config().update('model', undefined, W);
    if ((await vscode.commands.getCommands(true)).includes(PANEL_HOOK)) await hook({ op: 'close' });
  });

  it('"Save (full quality)" and saveQuality full write the full VAE\'s pixels; auto on the CPU and preview write the candidate as shown', async () => {
    const id = await generate();
    // Right after the run: the integration harness stops an idle worker after 5 s.
    await config().update('saveQuality', 'preview', W);
    const forced = await save(id, 'forced.png', true);
    assert.ok(forced.includes('Decoding Candidate 2 with the full VAE…'), `progress shown: ${forced.join(' | ')}`);
    assert.ok(forced.includes('Candidate 2 decoded with the full VAE'), forced.join(' | '));
    await config().update('saveQuality', 'full', W);
    await save(id, 'full.png');
    await config().update('saveQuality', 'auto', W);
    const auto = await save(id, 'auto.png');
    assert.ok(!auto.some((t) => /full VAE|as shown/.test(t)), `auto on the CPU saved the candidate as it was: ${auto.join(' | ')}`);
    await config().update('saveQuality', 'preview', W);
    await save(id, 'preview.png');

    assert.deepEqual(await colours('forced.png'), FULL, '"Save (full quality)" wrote the full VAE\'s pixels');
    assert.deepEqual(await colours('full.png'), FULL, 'saveQuality full wrote the full VAE\'s pixels');
    assert.deepEqual(await colours('auto.png'), TINY, 'auto on the CPU wrote the tiny decoder\'s pixels, as shown');
    assert.deepEqual(await colours('preview.png'), TINY, 'preview wrote the tiny decoder\'s pixels, as shown');
  });

  it('after the worker was restarted its latents are gone: Save says so and writes the image as shown', async () => {
    const id = await generate();
    const worker = s.worker();
    const pid = worker.pid ?? assert.fail('no worker ran the generation');
    process.kill(pid, 'SIGKILL');
    await until(() => (worker.running ? undefined : true), 'the client to see its worker go');
    const notices = await save(id, 'restarted.png', true);
    assert.ok(notices.some((t) => t.startsWith('Saved the image as shown: its kept latents are gone')), notices.join(' | '));
    assert.deepEqual(await colours('restarted.png'), TINY, 'the preview was saved: nothing lost');
  });

  it('after the worker loaded another model its latents are gone: Save says so and writes the image as shown', async () => {
    const id = await generate();
    await s.worker().modelInfo(path.join(path.dirname(model), 'oracle-fp32'), 'cpu');
    const notices = await save(id, 'switched.png', true);
    assert.ok(notices.some((t) => t.startsWith('Saved the image as shown: its kept latents are gone')), notices.join(' | '));
    assert.deepEqual(await colours('switched.png'), TINY, 'the preview was saved: nothing lost');
  });
});
