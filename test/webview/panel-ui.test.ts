// The built panel in a real Chromium: keyboard-only use, state across a reload, the checkerboard
// behind transparency (checked in pixels), and screenshots in each theme for a human to look at.
import * as assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { GEN_ID, REQUEST, noisePng, result, started } from './fixtures';
import { OUTPUT, openPanel, startHarness, value, type Harness, type PanelPage } from './harness';
import type { ThemeName } from './themes';

const activeId = (p: PanelPage): Promise<string> => p.page.evaluate(() => document.activeElement?.id ?? '');

async function showResults(p: PanelPage, request = REQUEST, transparent = false): Promise<void> {
  await p.send(started(request, 900));
  await p.send(await result(request, 900, transparent));
  await p.page.waitForFunction(() => Array.from(document.querySelectorAll('img.thumb')).every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0));
}

describe('generator webview: keyboard, state, look (Chromium)', function () {
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

  it('Tab reaches every control in reading order, with a visible focus', async () => {
    p = await openPanel(h);
    await showResults(p, { ...REQUEST, count: 4 });
    await p.send({ type: 'history', entries: [{ id: 'h', at: 0, seeds: [1], request: { ...REQUEST, count: 1 } }] });
    const order: string[] = [];
    for (let i = 0; i < 40; i++) {
      await p.page.keyboard.press('Tab');
      const id = await p.page.evaluate(() => {
        const a = document.activeElement as HTMLElement | null;
        return a === document.body ? '' : a?.id || a?.className || '';
      });
      if (id === '' || order.includes(id)) break;
      order.push(id);
    }
    assert.deepEqual(order, [
      'prompt', 'negative-summary', 'kind', 'size', 'width', 'height', 'count', 'steps', 'seed', 'seed-lock',
      'start-browse', 'target', 'browse', 'generate', 'live-mode', 'candidate-0',
      'action-save', 'action-saveFull', 'action-saveAs', 'action-copyDataUri', 'action-copyMarkdown', 'action-copyImg', 'action-variation', 'action-useSeed', 'action-enlarge',
      'history-clear', 'history-item',
    ]);
    // Focus is visible on the grid cell: an outline in the theme's focus colour.
    await p.page.focus('#candidate-0');
    await p.page.keyboard.press('ArrowRight');
    const outline = await p.page.locator('#candidate-1').evaluate((e) => getComputedStyle(e).outlineStyle + ' ' + getComputedStyle(e).outlineColor);
    assert.equal(outline, 'solid rgb(0, 120, 212)');
  });

  it('names every control for screen readers and announces progress in a live region', async () => {
    p = await openPanel(h);
    await showResults(p);
    const tree = await p.page.locator('body').ariaSnapshot();
    for (const line of [
      'textbox "Prompt (Ctrl+Enter to generate)"', 'combobox "Kind"', 'combobox "Size"', 'textbox "Width"', 'textbox "Height"',
      'textbox "Count (1–8)"', 'textbox "Steps"', 'textbox "Seed"', 'checkbox "Lock seed"', 'textbox "Save to (workspace-relative)"',
      'button "Browse for a target file"', 'button "Generate"', 'button "Cancel the generation" [disabled]', 'checkbox "Live"',
      'status: 3 candidates ready on cpu', 'listbox "Candidates"', 'option "Candidate 1, seed 900. Enter saves, Space enlarges." [selected]',
      'img "Candidate 2, seed 901, 256×128 png"', 'toolbar "Candidate 1 (seed 900):"', 'button "Save to the target path"', 'button "Clear history"',
    ]) assert.ok(tree.includes(line), `accessibility tree lacks ${line}:\n${tree}`);
  });

  it('works keyboard-only: Ctrl+Enter generates, arrows move in the grid, Enter saves, Space enlarges', async () => {
    p = await openPanel(h);
    await p.page.keyboard.press('Tab');
    assert.equal(await activeId(p), 'prompt');
    await p.page.keyboard.type('a lighthouse at dusk');
    await p.page.keyboard.press('Control+Enter');
    const m = await p.waitForPosted('generate');
    assert.equal(m.type === 'generate' && m.request.prompt, 'a lighthouse at dusk');

    await showResults(p, { ...REQUEST, count: 8, width: 128, height: 128 });
    await p.page.focus('#candidate-0');
    await p.page.keyboard.press('ArrowRight');
    assert.equal(await activeId(p), 'candidate-1');
    assert.equal(await p.page.locator('#candidate-1').getAttribute('aria-selected'), 'true');
    const columns = await p.page.evaluate(() => getComputedStyle(document.getElementById('grid')!).gridTemplateColumns.split(' ').length);
    await p.page.keyboard.press('ArrowDown');
    assert.equal(await activeId(p), `candidate-${1 + columns}`);
    await p.page.keyboard.press('End');
    assert.equal(await activeId(p), 'candidate-7');
    await p.page.keyboard.press('ArrowRight');
    assert.equal(await activeId(p), 'candidate-7', 'stays on the last one');
    await p.page.keyboard.press('Home');
    await p.page.keyboard.press('ArrowRight');
    await p.page.keyboard.press('ArrowRight');
    await p.clearPosted();
    await p.page.keyboard.press('Enter');
    assert.deepEqual(await p.waitForPosted('save'), { type: 'save', candidate: { generationId: GEN_ID, index: 2 }, target: '' });
    await p.page.keyboard.press(' ');
    assert.equal(await p.page.locator('#viewer').evaluate((d) => (d as HTMLDialogElement).open), true);
    assert.match(await p.page.locator('#viewer-caption').innerText(), /Candidate 3 · 128×128 png · seed 902/);
    await p.page.keyboard.press('Escape');
    assert.equal(await p.page.locator('#viewer').evaluate((d) => (d as HTMLDialogElement).open), false);
    assert.equal(await activeId(p), 'candidate-2', 'focus returns to the candidate');
  });

  it('restores the form and the candidates from setState after a reload', async () => {
    p = await openPanel(h);
    await p.page.locator('#prompt textarea').fill('restored prompt');
    await p.page.locator('#count input').fill('3');
    await showResults(p);
    await p.page.click('#candidate-2');
    await p.page.keyboard.press('Escape');
    const saved = await p.state();
    assert.equal((saved?.form as { prompt: string }).prompt, 'restored prompt');
    await p.page.reload();
    await p.page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
    assert.equal(await value(p, '#prompt'), 'restored prompt');
    assert.equal(await p.page.locator('img.thumb').count(), 3);
    assert.equal(await p.page.locator('#candidate-2').getAttribute('aria-selected'), 'true');
    assert.match(await p.page.locator('#status').innerText(), /3 candidates/);
    assert.deepEqual(await p.posted(), [{ type: 'rendered', generationId: GEN_ID, candidates: 3 }, { type: 'ready' }], 'after a reload the webview reports what it restored, then asks for the rest');
  });

  it('keeps big candidates out of the saved state: thumbnails there, full size on screen', async () => {
    p = await openPanel(h);
    const request = { ...REQUEST, count: 2, width: 1024, height: 640 };
    await p.send(started(request, 5));
    const srcs = await Promise.all([noisePng(1024, 640, 1), noisePng(1024, 640, 2)]);
    assert.ok(srcs.every((src) => src.length > 2_000_000), 'the fixtures are megabytes each');
    await p.send({ type: 'result', generationId: GEN_ID, device: 'cpu', warnings: [], elapsedMs: 10,
      candidates: srcs.map((src, index) => ({ index, src, format: 'png', width: 1024, height: 640, seed: 5 + index, warnings: [] })) });
    await p.page.waitForFunction(() => (JSON.parse(sessionStorage.getItem('vscode-state') ?? '{}') as { generation?: { candidates: { src: string }[] } }).generation?.candidates.every((c) => c.src.startsWith('data:image/webp')));
    assert.deepEqual(await p.page.locator('img.thumb').evaluateAll((is) => is.map((i) => (i as HTMLImageElement).naturalWidth)), [1024, 1024], 'the grid shows the full images');
    await p.page.locator('#prompt textarea').fill('typing stays cheap');
    const stored = await p.page.evaluate(() => sessionStorage.getItem('vscode-state')?.length ?? 0);
    assert.ok(stored < 200_000, `saved state is ${stored} characters`);
    await p.page.reload();
    await p.page.waitForFunction(() => Array.from(document.querySelectorAll('img.thumb')).length === 2 && Array.from(document.querySelectorAll('img.thumb')).every((i) => (i as HTMLImageElement).naturalWidth > 0));
    assert.deepEqual(await p.page.locator('img.thumb').evaluateAll((is) => is.map((i) => [(i as HTMLImageElement).naturalWidth, (i as HTMLImageElement).naturalHeight])), [[256, 160], [256, 160]]);
    assert.equal(await value(p, '#prompt'), 'typing stays cheap');
  });

  it('shows a checkerboard through transparent pixels and only there', async () => {
    p = await openPanel(h);
    const request = { ...REQUEST, count: 2, width: 128, height: 128 };
    await p.send(started(request));
    const [clear, opaque] = await Promise.all([result(request, 1, true), result(request, 1, false)]);
    await p.send({ ...clear, candidates: [clear.candidates[0]!, { ...opaque.candidates[1]!, index: 1 }] });
    await p.page.waitForFunction(() => Array.from(document.querySelectorAll('img.thumb')).every((i) => (i as HTMLImageElement).complete));
    const shot = async (i: number): Promise<{ data: Buffer; width: number }> => {
      const png = await p.page.locator(`#candidate-${i} .frame`).screenshot();
      const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      return { data, width: info.width };
    };
    const at = (img: { data: Buffer; width: number }, x: number, y: number): string => Array.from(img.data.subarray(3 * (y * img.width + x), 3 * (y * img.width + x) + 3)).join(',');
    const t = await shot(0);
    // 16px pattern of 8px squares: same colour on the diagonal, another one beside it.
    assert.equal(at(t, 4, 4), at(t, 12, 12));
    assert.equal(at(t, 12, 4), at(t, 4, 12));
    assert.notEqual(at(t, 4, 4), at(t, 12, 4));
    assert.equal(at(t, 4, 4), at(t, 36, 20));
    const o = await shot(1);
    assert.equal(at(o, 4, 4), at(o, 12, 4), 'an opaque image hides the checkerboard');
  });

  for (const theme of ['dark', 'light', 'hc'] as ThemeName[]) {
    it(`renders in the ${theme} theme (screenshots in test-output/webview/)`, async () => {
      p = await openPanel(h, { theme, width: 900, height: 1000 });
      await p.send({ type: 'modelInfo', model: { id: 'oracle-fp32', device: 'cpu', usesGuidance: true, nativeSize: 64 } });
      // The form shows what the run asked for (256×128), as it does in VS Code; without this the
      // screenshots showed the form's default 256×256 beside 2:1 frames, which read as a bug.
      await p.send({ type: 'init', prefill: { kind: REQUEST.kind, width: REQUEST.width, height: REQUEST.height, target: REQUEST.target }, sizes: ['256x128', '128x128'], history: [], activeGeneration: null });
      await p.page.locator('#prompt textarea').fill('a flat icon of a red fox, white background');
      await p.page.locator('#count input').fill(String(REQUEST.count));
      await p.send(started(REQUEST, 42));
      await p.send({ type: 'progress', generationId: GEN_ID, candidate: 1, step: 1, totalSteps: 2 });
      await p.page.screenshot({ path: path.join(OUTPUT, `panel-${theme}-running.png`), fullPage: true });
      const [opaque, clear] = await Promise.all([result(REQUEST, 42), result(REQUEST, 42, true)]);
      await p.send({ ...opaque, candidates: [opaque.candidates[0]!, opaque.candidates[1]!, clear.candidates[2]!] });
      await p.send({ type: 'history', entries: [{ id: 'h', at: Date.UTC(2026, 10, 27, 9), seeds: [7], savedTo: 'media/fox.png', request: { ...REQUEST, count: 1 } }] });
      await p.page.focus('#candidate-0');
      await p.page.keyboard.press('ArrowRight');
      await p.page.waitForTimeout(150);
      await p.page.screenshot({ path: path.join(OUTPUT, `panel-${theme}.png`), fullPage: true });
      await p.page.keyboard.press(' ');
      await p.page.waitForTimeout(150);
      await p.page.screenshot({ path: path.join(OUTPUT, `panel-${theme}-enlarged.png`) });
      const bg = await p.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert.equal(bg, theme === 'light' ? 'rgb(255, 255, 255)' : theme === 'dark' ? 'rgb(31, 31, 31)' : 'rgb(0, 0, 0)');
    });
  }
});
