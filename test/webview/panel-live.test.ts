// Live mode in the built panel (real Chromium): the toggle sends the form on every edit, Generate
// gives way to it, the seed the host locked is shown and sent back, the time per image is shown,
// and a superseded run's result never reaches the screen.
import * as assert from 'node:assert/strict';
import { validateWebviewMessage, type HostMessage, type PanelRequest, type WebviewMessage } from '../../src/protocol/panel';
import { candidates } from './fixtures';
import { openPanel, startHarness, value, type Harness, type PanelPage } from './harness';

const FIRST = 'aaaaaaaaaaaaaaaa';
const SECOND = 'bbbbbbbbbbbbbbbb';

const liveRequest = (prompt: string): PanelRequest => ({
  prompt, negativePrompt: '', kind: 'icon', width: 256, height: 256, count: 1, steps: 4, seed: 777, target: '',
});

async function liveResult(id: string, request: PanelRequest, elapsedMs: number): Promise<HostMessage> {
  return { type: 'result', generationId: id, candidates: await candidates(request, 777), device: 'cpu', warnings: [], elapsedMs };
}

describe('generator webview: Live mode (Chromium)', function () {
  this.timeout(60_000);
  let h: Harness;
  let p: PanelPage;

  before(async () => { h = await startHarness(); });
  after(async () => { await h?.close(); });
  beforeEach(async () => { p = await openPanel(h); });
  afterEach(async () => {
    assert.deepEqual(p.errors.filter((e) => !/favicon|404/.test(e)), [], 'no page errors or CSP violations');
    await p.page.context().close();
  });

  const lives = async (): Promise<Extract<WebviewMessage, { type: 'live' }>[]> =>
    (await p.posted()).filter((m): m is Extract<WebviewMessage, { type: 'live' }> => m.type === 'live');
  const text = (selector: string): Promise<string> => p.page.locator(selector).innerText();
  const disabled = (selector: string): Promise<boolean> => p.page.locator(selector).evaluate((e) => (e as HTMLButtonElement).disabled);

  it('the toggle sends the form, then every edit; Generate gives way while Live is on', async () => {
    await p.page.locator('#prompt textarea').fill('a fox');
    assert.equal(await disabled('#generate'), false);
    await p.page.click('#live-mode');
    assert.equal(await disabled('#generate'), true, 'Live replaces Generate');
    await p.page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'live'));
    assert.deepEqual(await lives(), [{ type: 'live', request: { prompt: 'a fox', negativePrompt: '', kind: 'icon', width: 256, height: 256, count: 4, steps: 4, seed: null, target: '' } }]);
    await p.page.locator('#prompt textarea').focus();
    await p.page.keyboard.press('End');
    await p.page.keyboard.type(' cub');
    const sent = await lives();
    assert.deepEqual(sent.map((m) => m.request?.prompt), ['a fox', 'a fox ', 'a fox c', 'a fox cu', 'a fox cub'], 'one message per edit: the host debounces');
    for (const m of sent) assert.equal(validateWebviewMessage(m).ok, true);
    // Ctrl+Enter does not start a normal run while Live is on.
    await p.page.keyboard.press('Control+Enter');
    assert.equal((await p.posted()).filter((m) => m.type === 'generate').length, 0);
    assert.equal(await text('#status'), 'Live is on: turn it off to generate several candidates');
    // An invalid form is not sent: the last valid text stands.
    await p.page.locator('#width input').fill('100');
    assert.equal((await lives()).length, sent.length, JSON.stringify((await lives()).slice(sent.length)));
    await p.page.locator('#width input').fill('256');

    await p.clearPosted();
    await p.page.click('#live-mode');
    assert.deepEqual(await lives(), [{ type: 'live', request: null }]);
    assert.equal(await disabled('#generate'), false);
    assert.equal(await text('#status'), 'Live off');
  });

  it('shows the locked seed and the time per image; a superseded run never shows', async () => {
    await p.page.locator('#prompt textarea').fill('a fox');
    await p.page.click('#live-mode');
    await p.send({ type: 'started', generationId: FIRST, request: liveRequest('a fox'), seed: 777, live: true });
    assert.equal(await value(p, '#seed'), '777');
    assert.equal(await p.page.locator('#seed-lock').evaluate((e) => (e as HTMLInputElement).checked), true, 'the live seed is locked in the form');
    await p.send(await liveResult(FIRST, liveRequest('a fox'), 2345));
    assert.equal(await text('#live-time'), '2.3 s per image');
    assert.equal(await p.page.locator('img.thumb').count(), 1, 'one candidate');

    // The next edit carries the locked seed back to the host.
    await p.clearPosted();
    await p.page.locator('#prompt textarea').fill('a fox in snow');
    assert.equal((await lives()).at(-1)?.request?.seed, 777);

    // A run superseded by an edit: its cancellation is quiet, and its late result is ignored.
    await p.send({ type: 'started', generationId: FIRST, request: liveRequest('a fox in'), seed: 777, live: true });
    await p.send({ type: 'failed', generationId: FIRST, message: 'Cancelled', cancelled: true });
    assert.equal(await text('#status'), 'Live: following your edits…');
    await p.send({ type: 'started', generationId: SECOND, request: liveRequest('a fox in snow'), seed: 777, live: true });
    await p.send(await liveResult(FIRST, liveRequest('a fox in'), 999));
    assert.equal(await p.page.locator('img.thumb').count(), 0, 'the superseded run\'s result is not shown');
    assert.equal(await text('#live-time'), '2.3 s per image');
    await p.send(await liveResult(SECOND, liveRequest('a fox in snow'), 1500));
    assert.equal(await p.page.locator('img.thumb').count(), 1);
    assert.equal(await text('#live-time'), '1.5 s per image');
    assert.equal(await value(p, '#seed'), '777', 'the seed shown stays the same between live runs');

    // Off: the label goes, and a run cancelled now says so.
    await p.send({ type: 'started', generationId: FIRST, request: liveRequest('a fox in snow!'), seed: 777, live: true });
    await p.page.click('#live-mode');
    await p.send({ type: 'failed', generationId: FIRST, message: 'Cancelled', cancelled: true });
    assert.equal(await text('#live-time'), '');
    assert.equal(await text('#status'), 'Cancelled');
  });

  it('names the toggle for screen readers', async () => {
    const tree = await p.page.locator('body').ariaSnapshot();
    assert.ok(tree.includes('checkbox "Live"'), tree);
  });
});
