// The panel's image-to-image controls in a real Chromium: the start image (Browse…, drop, the host's
// answer, Clear, Variation, History), the strength slider with the steps × strength rule as you type,
// a mockup's layout, and screenshots in the light and dark themes (test-output/webview/; the README's
// media/panel-start-image-*.png are copies of them, looked at before they were copied).
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { validateWebviewMessage, type StartImageView, type WebviewMessage } from '../../src/protocol/panel';
import { GEN_ID, REQUEST, pngDataUri, result, started } from './fixtures';
import { mkdirSync } from 'node:fs';
import { OUTPUT, openPanel, startHarness, value, type Harness, type PanelPage } from './harness';
import type { ThemeName } from './themes';

async function logoView(): Promise<StartImageView> {
  return { ref: { path: 'media/logo.png' }, label: 'logo.png', width: 256, height: 256, src: await pngDataUri(256, 256, { hue: 210, transparent: true }) };
}

describe('generator webview: start image, strength, layout (Chromium)', function () {
  this.timeout(60_000);
  let h: Harness;
  let p: PanelPage;

  before(async () => {
    h = await startHarness();
    mkdirSync(OUTPUT, { recursive: true });
  });
  after(async () => { await h?.close(); });
  afterEach(async () => {
    assert.deepEqual(p.errors.filter((e) => !/favicon|404/.test(e)), [], 'no page errors or CSP violations');
    await p.page.context().close();
  });

  const text = (selector: string): Promise<string> => p.page.locator(selector).innerText();
  const hidden = (selector: string): Promise<boolean> => p.page.locator(selector).isHidden();
  const generate = async (): Promise<WebviewMessage> => {
    await p.clearPosted();
    await p.page.click('#generate');
    return p.waitForPosted('generate');
  };
  const pickKind = (kind: string): Promise<void> => p.page.locator('#kind').evaluate((e, k) => {
    (e as HTMLSelectElement).value = k;
    e.dispatchEvent(new Event('change'));
  }, kind);

  it('Browse… asks the host; its answer shows the image, the strength and Keep transparency; Generate names it', async () => {
    p = await openPanel(h);
    assert.equal(await hidden('#strength'), true, 'no strength without a start image');
    assert.match(await text('#start-label'), /No start image: drop one here/);
    await p.page.click('#start-browse');
    assert.deepEqual(await p.waitForPosted('browseStartImage'), { type: 'browseStartImage' });
    const view = await logoView();
    await p.send({ type: 'startImage', image: view });
    assert.equal(await text('#start-label'), 'logo.png · 256×256');
    assert.equal(await p.page.locator('#start-thumb').getAttribute('src'), view.src);
    assert.equal(await hidden('#strength'), false);
    assert.equal(await text('#strength-value'), '0.50');
    // The slider by keyboard: two steps of 0.05 up.
    await p.page.focus('#strength');
    await p.page.keyboard.press('ArrowRight');
    await p.page.keyboard.press('ArrowRight');
    assert.equal(await text('#strength-value'), '0.60');
    assert.equal(await p.page.locator('#strength').getAttribute('aria-valuetext'), '0.60');
    await p.page.click('#keep-alpha');
    await p.page.locator('#prompt textarea').fill('the same logo, in green');
    const m = await generate();
    assert.deepEqual(m, { type: 'generate', request: { prompt: 'the same logo, in green', negativePrompt: '', kind: 'icon', width: 256, height: 256, count: 4, steps: 4, seed: null, target: '', startImage: { path: 'media/logo.png' }, strength: 0.6, keepAlpha: true } });
    assert.equal(validateWebviewMessage(m).ok, true);
    // Clear: back to text-to-image, nothing image-to-image left in the request.
    await p.page.click('#start-clear');
    assert.equal(await hidden('#strength'), true);
    const plain = await generate();
    assert.equal(plain.type === 'generate' && ['startImage', 'strength', 'keepAlpha'].some((k) => k in plain.request), false);
  });

  it('points out steps × strength below 1 as you type and sends nothing until it is fixed', async () => {
    p = await openPanel(h);
    await p.send({ type: 'startImage', image: await logoView() });
    await p.page.locator('#prompt textarea').fill('a logo');
    await p.page.locator('#steps input').fill('1');
    assert.equal(await text('#strength-problem'), 'steps × strength must be ≥ 1: raise the strength or the steps (1 × 0.50 runs no step)');
    await p.clearPosted();
    await p.page.click('#generate');
    assert.deepEqual((await p.posted()).filter((x) => x.type === 'generate'), []);
    assert.match(await text('#status'), /strength: steps × strength must be ≥ 1/);
    await p.page.locator('#steps input').fill('2');
    assert.equal(await text('#strength-problem'), '');
    const m = await generate();
    assert.equal(m.type === 'generate' && m.request.steps, 2);
  });

  it('a drop on the start image sends what was dropped to the host (VS Code\'s URI list, or ResourceURLs)', async () => {
    p = await openPanel(h);
    const drop = (data: Record<string, string>): Promise<void> => p.page.locator('#start-image').evaluate((zone, d) => {
      const transfer = new DataTransfer();
      for (const [type, value] of Object.entries(d)) transfer.setData(type, value);
      zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      if (!zone.classList.contains('dragover')) throw new Error('no drop highlight');
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }, data);
    await drop({ 'text/uri-list': 'file:///work/ws/img/logo.png\r\n' });
    assert.deepEqual(await p.waitForPosted('setStartImage'), { type: 'setStartImage', uri: 'file:///work/ws/img/logo.png\r\n' });
    await p.clearPosted();
    await drop({ ResourceURLs: JSON.stringify(['file:///work/ws/a.webp', 'file:///work/ws/b.png']) });
    assert.deepEqual(await p.waitForPosted('setStartImage'), { type: 'setStartImage', uri: 'file:///work/ws/a.webp\nfile:///work/ws/b.png' });
    assert.equal(await p.page.locator('#start-image').evaluate((z) => z.classList.contains('dragover')), false);
  });

  it('mockups take a layout: it shows the strength, goes with the request, and clashes with a start image', async () => {
    p = await openPanel(h);
    assert.equal(await hidden('#layout'), true, 'not for icons');
    await pickKind('mockup');
    assert.equal(await hidden('#layout'), false);
    await p.page.locator('#prompt textarea').fill('an analytics dashboard');
    await p.page.locator('#layout input').fill('header; sidebar | grid 3x2; footer');
    assert.equal(await hidden('#strength'), false);
    assert.equal(await hidden('#keep-alpha'), true, 'a wireframe has no transparency to keep');
    const m = await generate();
    assert.equal(validateWebviewMessage(m).ok, true);
    assert.deepEqual(m.type === 'generate' && [m.request.kind, m.request.layout, m.request.strength, m.request.startImage], ['mockup', 'header; sidebar | grid 3x2; footer', 0.5, undefined]);
    await p.send({ type: 'startImage', image: await logoView() });
    assert.equal(await text('#layout-problem'), 'a layout draws its own start image: clear the start image or the layout');
    // Another kind hides the layout and leaves it out of the request.
    await pickKind('illustration');
    assert.equal(await hidden('#layout'), true);
    assert.equal(await text('#layout-problem'), '');
    const other = await generate();
    assert.equal(other.type === 'generate' && other.request.layout, undefined);
  });

  it('says when the model has no image encoder', async () => {
    p = await openPanel(h);
    await p.send({ type: 'modelInfo', model: { id: 'oracle-fp32', device: 'cpu', usesGuidance: false, nativeSize: 512, imageToImage: false } });
    assert.equal(await text('#strength-problem'), '', 'nothing to say without a start image');
    await p.send({ type: 'startImage', image: await logoView() });
    assert.equal(await text('#strength-problem'), 'this model has no image encoder (vae_encoder/): start images and layouts need one');
  });

  it('Generate Variations\' prefill shows its start image and strength; History asks the host for its start image by path', async () => {
    p = await openPanel(h);
    await p.send({ type: 'init', prefill: { prompt: 'a blue cart', kind: 'icon', width: 64, height: 64, target: 'img/cart-v1.png', startImage: { ...(await logoView()), label: 'cart.png', width: 64, height: 64, ref: { path: 'img/cart.png' } }, strength: 0.5 }, sizes: ['64x64'], history: [], activeGeneration: null });
    assert.equal(await text('#start-label'), 'cart.png · 64×64');
    assert.equal(await value(p, '#target'), 'img/cart-v1.png');
    await p.send({ type: 'history', entries: [{ id: 'h', at: 0, seeds: [3], savedTo: 'img/cart-v2.png', request: { prompt: 'a cart', negativePrompt: '', kind: 'icon', width: 64, height: 64, count: 1, steps: 4, seed: 3, target: 'img/cart-v2.png', startImage: { path: 'img/cart.png' }, strength: 0.7 } }] });
    assert.match(await text('.history-item'), /from img\/cart\.png at 0\.7/);
    await p.clearPosted();
    await p.page.click('.history-item');
    assert.deepEqual(await p.waitForPosted('setStartImage'), { type: 'setStartImage', uri: 'img/cart.png' });
    assert.equal(await text('#strength-value'), '0.70');
    assert.match(await text('#start-label'), /No start image/, 'until the host has read it again');
  });

  it('keeps the start image across a reload (a thumbnail in the saved state)', async () => {
    p = await openPanel(h);
    await p.send({ type: 'startImage', image: await logoView() });
    await p.page.waitForFunction(() => (JSON.parse(sessionStorage.getItem('vscode-state') ?? '{}') as { startImage?: { label: string } }).startImage?.label === 'logo.png');
    await p.page.reload();
    await p.page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
    assert.equal(await text('#start-label'), 'logo.png · 256×256');
    assert.equal(await hidden('#strength'), false);
  });

  for (const theme of ['light', 'dark'] as ThemeName[]) {
    it(`renders the start image and the strength slider in the ${theme} theme (test-output/webview/panel-start-image-${theme}.png)`, async () => {
      p = await openPanel(h, { theme, width: 900, height: 1000 });
      const request = { ...REQUEST, width: 128, height: 128, count: 3 };
      await p.send({ type: 'modelInfo', model: { id: 'sd-turbo-fp16', device: 'cpu', usesGuidance: false, nativeSize: 512, imageToImage: true } });
      await p.send({ type: 'init', prefill: { prompt: 'the same fox, in autumn colours', kind: 'icon', width: 128, height: 128, target: 'media/fox-v1.png', strength: 0.55, startImage: { ref: { path: 'media/fox.png' }, label: 'fox.png', width: 128, height: 128, src: await pngDataUri(128, 128, { hue: 20, transparent: true }) } }, sizes: ['128x128', '256x256'], history: [], activeGeneration: null });
      await p.page.locator('#count input').fill('3');
      await p.send(started({ ...request, startImage: { path: 'media/fox.png' }, strength: 0.55 }, 42));
      await p.send({ ...(await result(request, 42)), generationId: GEN_ID });
      await p.page.waitForFunction(() => Array.from(document.querySelectorAll('img.thumb')).every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0));
      // No caret or focus ring left in the count field the test typed into.
      await p.page.locator('#count input').blur();
      await p.page.waitForTimeout(150);
      // Down to the selected candidate's actions (Variation among them), so nothing is cut in half.
      const actions = await p.page.locator('#actions').boundingBox();
      assert.ok(actions, 'the selected candidate\'s actions are shown');
      const height = Math.ceil(actions.y + actions.height + 8);
      await p.page.screenshot({ path: path.join(OUTPUT, `panel-start-image-${theme}.png`), clip: { x: 0, y: 0, width: 900, height } });
      assert.equal(await text('#strength-value'), '0.55');
    });
  }
});
