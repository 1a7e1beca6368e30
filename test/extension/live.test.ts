// Live mode in a real VS Code with the oracle model and the real worker: typing with Live on makes
// one candidate per pause, an edit during a run aborts it (its result is never posted), the seed
// stays locked across runs, and turning Live off cancels. Driven through the panel's test hook.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { PanelRequest } from '../../src/protocol/panel';
import { services } from './shell-helpers';
import { hook, PANEL_HOOK, until } from './panel-hook';

const form = (prompt: string, more: Partial<PanelRequest> = {}): PanelRequest => ({
  prompt, negativePrompt: '', kind: 'icon', width: 64, height: 64, count: 4, steps: 1, seed: null, target: '', ...more,
});
const live = (request: PanelRequest | null) => ({ type: 'live', request });

describe('generator panel: Live mode (real VS Code)', function () {
  this.timeout(180_000);

  before(async function () {
    await services();
    if (!(await vscode.commands.getCommands(true)).includes(PANEL_HOOK)) this.skip(); // packaged (Production) run
    await hook({ op: 'close' });
    await hook({ op: 'open', init: { prompt: 'a fox' } });
    await until((st) => (st.fromWebview.some((m) => m.type === 'ready') ? true : undefined), 'the webview to say ready');
  });
  after(async () => {
    if ((await vscode.commands.getCommands(true)).includes(PANEL_HOOK)) await hook({ op: 'close' });
  });

  it('toggling Live on and typing produces one candidate, of the newest text', async () => {
    const seen = (await hook({ op: 'state' })).toWebview.length;
    // Live turns on, then three edits arrive with no pause between them (fast typing).
    await hook({ op: 'sendAll', messages: [live(form('a')), live(form('a red')), live(form('a red fox'))] });
    const result = await until((st) => st.toWebview.slice(seen).find((m) => m.type === 'result' || m.type === 'failed'), 'the live run to end');
    assert.equal(result.type, 'result', `live run failed: ${result.text ?? ''}`);
    assert.equal(result.candidates, 1, 'Live makes one candidate');
    assert.ok(typeof result.elapsedMs === 'number' && result.elapsedMs >= 0, 'the time per image travels with the result');
    const state = await hook({ op: 'state' });
    const starts = state.toWebview.slice(seen).filter((m) => m.type === 'started');
    assert.equal(starts.length, 1, `one run for one pause: ${JSON.stringify(starts)}`);
    assert.equal(starts[0]!.prompt, 'a red fox');
    assert.equal(starts[0]!.live, true);
    assert.deepEqual(state.rejections, []);
    await until((st) => st.fromWebview.find((m) => m.type === 'rendered' && m.generationId === result.generationId && m.candidates === 1), 'the webview to show it');
  });

  it('an edit during a run aborts it, only the newest text runs next, with the same seed; Generate waits for Live to be off', async () => {
    const seen = (await hook({ op: 'state' })).toWebview.length;
    const firstSeed = (await hook({ op: 'state' })).toWebview.filter((m) => m.type === 'started' && m.live).at(-1)?.seed;
    assert.equal(typeof firstSeed, 'number');
    // A long run (100 steps at 512×512), edited once its first step is in.
    await hook({ op: 'send', message: live(form('a slow fox', { width: 512, height: 512, steps: 100 })) });
    const slow = await until((st) => st.toWebview.slice(seen).find((m) => m.type === 'progress'), 'the slow run to start stepping');
    await hook({ op: 'sendAll', messages: [live(form('a blue')), live(form('a blue fox'))] });
    const next = await until((st) => st.toWebview.slice(seen).find((m) => m.type === 'result'), 'the newest text to run');
    const state = await hook({ op: 'state' });
    const after = state.toWebview.slice(seen);
    assert.equal(after.find((m) => m.type === 'failed' && m.generationId === slow.generationId)?.text, 'Cancelled', 'the slow run was aborted');
    assert.equal(after.filter((m) => m.type === 'result' && m.generationId === slow.generationId).length, 0, 'the aborted run\'s result never shows');
    const starts = after.filter((m) => m.type === 'started');
    assert.deepEqual(starts.map((m) => m.prompt), ['a slow fox', 'a blue fox'], '"a blue" was dropped');
    assert.deepEqual(starts.map((m) => m.seed), [firstSeed, firstSeed], 'the seed stays locked across live runs');
    assert.equal(next.generationId, starts[1]!.generationId);
    // Each started run ended before the next began: never two in flight.
    const order = after.filter((m) => m.type === 'started' || m.type === 'failed' || m.type === 'result').map((m) => m.type);
    assert.deepEqual(order, ['started', 'failed', 'started', 'result']);

    await hook({ op: 'send', message: { type: 'generate', request: form('not now', { seed: 3 }) } });
    await until((st) => st.toWebview.slice(seen).find((m) => m.type === 'notice' && /Live mode is on/.test(m.text ?? '')), 'Generate to be turned away');
  });

  it('turning Live off cancels the run in flight and nothing runs after it', async () => {
    const seen = (await hook({ op: 'state' })).toWebview.length;
    await hook({ op: 'send', message: live(form('a last slow fox', { width: 512, height: 512, steps: 100 })) });
    await until((st) => st.toWebview.slice(seen).find((m) => m.type === 'progress'), 'the run to start stepping');
    await hook({ op: 'send', message: live(null) });
    const end = await until((st) => st.toWebview.slice(seen).find((m) => m.type === 'failed' || m.type === 'result'), 'the run to end');
    assert.equal(end.type, 'failed');
    assert.equal(end.text, 'Cancelled');
    // A normal Generate is accepted again once Live is off and its run ended.
    await hook({ op: 'send', message: { type: 'generate', request: form('a normal fox', { count: 2, seed: 5 }) } });
    const normal = await until((st) => st.toWebview.slice(seen).find((m) => m.type === 'result'), 'the normal run');
    assert.equal(normal.candidates, 2);
    const starts = (await hook({ op: 'state' })).toWebview.slice(seen).filter((m) => m.type === 'started');
    assert.deepEqual(starts.map((m) => [m.prompt, m.live]), [['a last slow fox', true], ['a normal fox', false]]);
  });
});
