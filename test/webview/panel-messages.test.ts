// The built panel in a real Chromium: what it sends for each user action, and how host messages
// (progress, results, history) render.
import * as assert from 'node:assert/strict';
import { validateWebviewMessage, type HostMessage, type WebviewMessage } from '../../src/protocol/panel';
import { GEN_ID, REQUEST, preview, result, started } from './fixtures';
import { openPanel, startHarness, value, type Harness, type PanelPage } from './harness';

describe('generator webview: messages (Chromium)', function () {
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

  const last = async (type: WebviewMessage['type']): Promise<WebviewMessage | undefined> => (await p.posted()).filter((m) => m.type === type).at(-1);
  const text = (selector: string): Promise<string> => p.page.locator(selector).innerText();

  it('sends "generate" with exactly the form fields, valid for the host', async () => {
    await p.page.locator('#prompt textarea').fill('a red fox icon');
    await p.page.locator('#count input').fill('2');
    await p.page.locator('#steps input').fill('3');
    await p.page.locator('#target input').fill('media/fox.png');
    await p.page.click('#generate');
    const m = await p.waitForPosted('generate');
    assert.deepEqual(m, { type: 'generate', request: { prompt: 'a red fox icon', negativePrompt: '', kind: 'icon', width: 256, height: 256, count: 2, steps: 3, seed: null, target: 'media/fox.png' } });
    assert.equal(validateWebviewMessage(m).ok, true);

    // Typing a seed locks it; the next request carries it.
    await p.page.locator('#seed input').fill('1234');
    assert.equal(await p.page.locator('#seed-lock').evaluate((e) => (e as HTMLInputElement).checked), true);
    await p.page.click('#negative-summary');
    await p.page.locator('#negative-prompt textarea').fill('blurry');
    await p.clearPosted();
    await p.page.click('#generate');
    const locked = await p.waitForPosted('generate');
    assert.equal(locked.type === 'generate' && locked.request.seed, 1234);
    assert.equal(locked.type === 'generate' && locked.request.negativePrompt, 'blurry');
  });

  it('validates as you type and refuses to send an invalid request', async () => {
    await p.page.locator('#prompt textarea').fill('fox');
    await p.page.locator('#width input').fill('100');
    assert.equal(await text('#width-problem'), 'must be a multiple of 8');
    assert.equal(await p.page.locator('#size').evaluate((e) => (e as HTMLSelectElement).value), 'custom');
    await p.page.locator('#count input').fill('9');
    assert.equal(await text('#count-problem'), 'between 1 and 8');
    await p.page.locator('#target input').fill('../outside.png');
    assert.equal(await text('#target-problem'), 'leaves the workspace folder');
    await p.page.click('#generate');
    assert.equal(await last('generate'), undefined);
    assert.match(await text('#status'), /width: must be a multiple of 8; count: between 1 and 8; target: leaves the workspace folder/);
    await p.page.locator('#width input').fill('96');
    assert.equal(await text('#width-problem'), '');
    // A preset fills both fields.
    await p.page.locator('#height input').fill('96');
    assert.equal(await p.page.locator('#size').evaluate((e) => (e as HTMLSelectElement).value), 'custom');
  });

  it('shows guidance only when the model uses it, and shows model and device', async () => {
    assert.equal(await p.page.locator('#guidance-field').isHidden(), true);
    await p.send({ type: 'modelInfo', model: { id: 'sd-turbo', device: 'cuda', usesGuidance: false, nativeSize: 512 } });
    assert.match(await text('#model'), /sd-turbo · Device: cuda/);
    await p.send({ type: 'modelInfo', model: null, error: 'no model is set up; run "Nanoforge: Download Model"' });
    assert.equal(await text('#model'), 'No model: no model is set up; run "Nanoforge: Download Model"');
    assert.equal(await p.page.locator('#guidance-field').isHidden(), true);
    await p.send({ type: 'modelInfo', model: { id: 'sd-1.5', device: 'cpu', usesGuidance: true, nativeSize: 512 } });
    assert.equal(await p.page.locator('#guidance-field').isVisible(), true);
    await p.page.locator('#prompt textarea').fill('fox');
    await p.page.click('#generate');
    const m = await p.waitForPosted('generate');
    assert.equal(m.type === 'generate' && m.request.guidanceScale, 7.5);
  });

  it('renders progress, previews and results in frames reserved at the real aspect ratio', async () => {
    await p.send(started(REQUEST, 77));
    assert.equal(await p.page.locator('.cell').count(), 3);
    const before = await p.page.locator('.frame').evaluateAll((fs) => fs.map((f) => f.getBoundingClientRect().toJSON() as DOMRect));
    // What sits below the grid must not move either (the toolbar's label grows once one is selected).
    const below = (): Promise<DOMRect[]> => p.page.locator('#actions vscode-button, #history').evaluateAll((es) => es.map((e) => e.getBoundingClientRect().toJSON() as DOMRect));
    const belowBefore = await below();
    for (const box of before) assert.ok(Math.abs(box.width / box.height - 2) < 0.02, `frame ${box.width}x${box.height} is 2:1`);
    assert.equal(await value(p, '#seed'), '77', 'the random seed the host picked is shown');
    assert.equal(await p.page.locator('#cancel').evaluate((e) => (e as HTMLButtonElement).disabled), false);
    assert.equal(await p.page.locator('#generate').evaluate((e) => (e as HTMLButtonElement).disabled), true, 'one run at a time');

    await p.send({ type: 'progress', generationId: GEN_ID, candidate: 0, step: 1, totalSteps: 2, preview: preview(32, 16) });
    // The core denoises the batch together and reports candidate 0: every frame shows the step.
    assert.deepEqual(await p.page.locator('.cell-status').allInnerTexts(), ['Step 1/2', 'Step 1/2', 'Step 1/2']);
    assert.equal(await text('#status'), 'Step 1/2 · 3 candidates');
    assert.equal(await p.page.locator('canvas').count(), 1, 'the preview (of image 0) goes to the first frame');
    const pixel = await p.page.locator('#candidate-0 canvas').evaluate((c) => Array.from((c as HTMLCanvasElement).getContext('2d')!.getImageData(31, 0, 1, 1).data));
    assert.deepEqual(pixel, [255, 80, 160, 255], 'the preview is painted from the RGB bytes');
    await p.send({ type: 'progress', generationId: 'ffffffffffffffff', candidate: 1, step: 2, totalSteps: 2 });
    assert.equal(await text('#candidate-1 .cell-status'), 'Step 1/2', 'progress of another generation is ignored');
    // A core that reports candidates one by one gets per-frame progress.
    await p.send({ type: 'progress', generationId: GEN_ID, candidate: 2, step: 2, totalSteps: 2 });
    assert.deepEqual(await p.page.locator('.cell-status').allInnerTexts(), ['Step 1/2', 'Step 1/2', 'Step 2/2']);
    assert.equal(await text('#status'), 'Candidate 3/3 · step 2/2');

    await p.send(await result(REQUEST, 77));
    await p.page.waitForFunction(() => Array.from(document.querySelectorAll('img.thumb')).every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0));
    assert.equal(await p.page.locator('img.thumb').count(), 3);
    assert.deepEqual(await p.page.locator('img.thumb').evaluateAll((is) => is.map((i) => [(i as HTMLImageElement).naturalWidth, (i as HTMLImageElement).naturalHeight])), [[256, 128], [256, 128], [256, 128]]);
    const after = await p.page.locator('.frame').evaluateAll((fs) => fs.map((f) => f.getBoundingClientRect().toJSON() as DOMRect));
    assert.deepEqual(after, before, 'no layout jump when the images arrive');
    assert.match(await text('#actions-title'), /^Candidate 1 \(seed \d+\):$/);
    assert.deepEqual(await p.page.locator('.cell-status').allInnerTexts(), ['256×128\nseed 77', '256×128\nseed 78', '256×128\nseed 79']);
    assert.deepEqual(await below(), belowBefore, 'the toolbar and history stay put when a candidate is selected');
    assert.equal(await p.page.locator('#candidate-0 canvas').count(), 0);
    assert.match(await text('#status'), /3 candidates ready on cpu/);
    assert.equal(await text('#elapsed'), '1.2 s');
    assert.deepEqual(await last('rendered'), { type: 'rendered', generationId: GEN_ID, candidates: 3 });
    assert.equal(await p.page.locator('#live').innerText(), '3 candidates ready on cpu');
  });

  it('Cancel sends "cancel" and a cancelled run marks unfinished frames', async () => {
    await p.send(started(REQUEST));
    await p.page.click('#cancel');
    assert.deepEqual(await p.waitForPosted('cancel'), { type: 'cancel' });
    await p.send({ type: 'failed', generationId: GEN_ID, message: 'Cancelled', cancelled: true });
    assert.deepEqual(await p.page.locator('.cell-status').allInnerTexts(), ['Cancelled', 'Cancelled', 'Cancelled']);
    assert.equal(await p.page.locator('#cancel').evaluate((e) => (e as HTMLButtonElement).disabled), true);
    assert.equal(await text('#status'), 'Cancelled');
  });

  it('candidate actions send save, save as, copy, variation; use seed fills the form', async () => {
    await p.page.locator('#target input').fill('media/fox.png');
    await p.send(started(REQUEST, 500));
    await p.send(await result(REQUEST, 500));
    await p.page.click('#candidate-1');
    await p.page.locator('#viewer-close').click(); // a click on a thumbnail enlarges it first
    const candidate = { generationId: GEN_ID, index: 1 };
    const expectations: [string, WebviewMessage][] = [
      ['#action-save', { type: 'save', candidate, target: 'media/fox.png' }],
      ['#action-saveFull', { type: 'save', candidate, target: 'media/fox.png', quality: 'full' }],
      ['#action-saveAs', { type: 'saveAs', candidate }],
      ['#action-copyDataUri', { type: 'copy', candidate, as: 'dataUri', target: 'media/fox.png' }],
      ['#action-copyMarkdown', { type: 'copy', candidate, as: 'markdown', target: 'media/fox.png' }],
      ['#action-copyImg', { type: 'copy', candidate, as: 'img', target: 'media/fox.png' }],
    ];
    for (const [selector, expected] of expectations) {
      await p.clearPosted();
      await p.page.click(selector);
      assert.deepEqual(await p.waitForPosted(expected.type), expected, selector);
      assert.equal(validateWebviewMessage(expected).ok, true);
    }
    await p.page.click('#action-useSeed');
    assert.equal(await value(p, '#seed'), '501');
    assert.equal(await p.page.locator('#seed-lock').evaluate((e) => (e as HTMLInputElement).checked), true);
    await p.clearPosted();
    // Variation: the candidate becomes the start image, at the slider's strength, with a new seed.
    await p.page.click('#action-variation');
    const variation = await p.waitForPosted('generate');
    assert.deepEqual(variation, { type: 'generate', request: { ...REQUEST, seed: null, startImage: { candidate }, strength: 0.5 } });
    assert.equal(validateWebviewMessage(variation).ok, true);
    assert.equal(await text('#start-label'), 'Candidate 2 (seed 501) · 256×128');
    assert.match(await p.page.locator('#start-thumb').getAttribute('src') ?? '', /^data:image\/png;base64,/);
  });

  it('"Save (full quality)" is offered for tiny-decoder candidates, and disabled (saying why) when the full VAE made them', async () => {
    const saveFull = p.page.locator('#action-saveFull');
    const state = async (): Promise<[boolean, string]> => [
      await saveFull.evaluate((e) => (e as HTMLButtonElement).disabled), (await saveFull.getAttribute('title')) ?? '',
    ];
    assert.equal((await state())[0], true, 'nothing selected yet');
    await p.send(started(REQUEST, 600));
    await p.send({ ...(await result(REQUEST, 600)), decoder: 'tiny' });
    assert.deepEqual(await state(), [false, '']);
    await p.clearPosted();
    await saveFull.click();
    assert.deepEqual(await p.waitForPosted('save'), { type: 'save', candidate: { generationId: GEN_ID, index: 0 }, target: '', quality: 'full' });

    await p.send(started(REQUEST, 700));
    await p.send({ ...(await result(REQUEST, 700)), decoder: 'full' });
    const [disabled, title] = await state();
    assert.equal(disabled, true, 'the full VAE made these: Save already writes full quality');
    assert.match(title, /decoded with the full VAE already/);
    assert.equal(await p.page.locator('#action-save').evaluate((e) => (e as HTMLButtonElement).disabled), false, 'Save stays available');
    // Another candidate of the same generation: still disabled.
    await p.page.click('#candidate-1');
    await p.page.locator('#viewer-close').click(); // a click on a thumbnail enlarges it first
    assert.match(await text('#actions-title'), /^Candidate 2 /);
    assert.equal((await state())[0], true);
  });

  it('history entries restore their settings on click; Browse asks the host', async () => {
    await p.send({ type: 'history', entries: [{ id: 'h1', at: Date.UTC(2026, 0, 2), seeds: [4242], savedTo: 'media/old.png',
      request: { prompt: 'an old lighthouse', negativePrompt: 'fog', kind: 'illustration', width: 768, height: 512, count: 1, steps: 6, seed: 4242, target: 'media/old.png' } }] });
    assert.equal(await p.page.locator('.history-item').count(), 1);
    await p.page.click('.history-item');
    assert.equal(await value(p, '#prompt'), 'an old lighthouse');
    assert.equal(await p.page.locator('#kind').evaluate((e) => (e as HTMLSelectElement).value), 'illustration');
    assert.equal(await value(p, '#width'), '768');
    assert.equal(await value(p, '#steps'), '6');
    assert.equal(await value(p, '#seed'), '4242');
    assert.equal(await p.page.locator('#negative-details').evaluate((d) => (d as HTMLDetailsElement).open), true);
    await p.page.click('#browse');
    assert.deepEqual(await p.waitForPosted('browseTarget'), { type: 'browseTarget', current: 'media/old.png' });
    await p.send({ type: 'targetChosen', target: 'media/new.png' });
    assert.equal(await value(p, '#target'), 'media/new.png');
    await p.page.click('#history-clear');
    assert.deepEqual(await p.waitForPosted('clearHistory'), { type: 'clearHistory' });
  });

  it('applies the host prefill once and marks a run lost in a reload as interrupted', async () => {
    await p.send(started(REQUEST));
    await p.send({ type: 'init', prefill: { prompt: 'from the command', kind: 'placeholder', width: 640, height: 360, target: 'img/hero.webp' }, sizes: ['640x360', '128x128'], history: [], activeGeneration: null });
    assert.equal(await value(p, '#prompt'), 'from the command');
    assert.equal(await p.page.locator('#size').evaluate((e) => (e as HTMLSelectElement).value), '640x360');
    assert.equal(await value(p, '#target'), 'img/hero.webp');
    assert.match(await text('#status'), /Interrupted/);
  });

  it('puts the cursor in the prompt only when the init asks for it', async () => {
    const init: HostMessage = { type: 'init', prefill: { kind: 'placeholder', width: 640, height: 360 }, sizes: ['640x360'], history: [], activeGeneration: null };
    const focused = (): Promise<string> => p.page.evaluate(() => document.activeElement?.id ?? '');
    await p.send(init); // a panel the workbench restored, or the user clicked back to
    assert.equal(await focused(), '');
    await p.send({ ...init, focusPrompt: true }); // opened or revealed by a command
    assert.equal(await focused(), 'prompt');
    await p.page.keyboard.type('a red fox');
    await p.page.keyboard.press('Control+Enter');
    const m = await p.waitForPosted('generate');
    assert.equal(m.type === 'generate' && m.request.prompt, 'a red fox', 'what was typed went into the prompt');
    assert.equal(m.type === 'generate' && m.request.kind, 'placeholder');
  });
});
