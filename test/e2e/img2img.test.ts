// Image-to-image in the real workbench, as a user reaches it: right-click an existing PNG → Generate
// Variations… → the panel with the image as its start image → Generate → Save writes name-v1.png; the
// hover's Variations link; and an `@image mockup … [layout: …]` directive whose CodeLens writes a
// mockup that keeps the wireframe's regions (pixel checks against the oracle's prediction).
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { IMG2IMG_PULL } from '../../scripts/make-test-models';
import { ensureFixtures } from '../fixtures/models';
import { waitForFile } from '../harness/workbench';
import { parseLayout, placeWireframe, readMetadata, strengthSchedule, type SchedulerConfig } from '../../src/inference';
import { wireframeRects } from '../../src/inference/image/wireframe-draw';
import { predictedColour, predictOracleImg2Img } from '../inference/img2img-helpers';
import { commandTitle } from './contributions';
import { screenshotIfFailed, session } from './session';

const LAYOUT = 'header; sidebar | grid 3x2; footer';

describe('image-to-image in the workbench', () => {
  let img2img = '';
  let textOnly = '';

  before(async () => {
    const fx = await ensureFixtures();
    img2img = fx.path('oracle-img2img');
    textOnly = fx.path('oracle-fp32');
    await session().updateWorkspaceSettings({ 'nanoforge.usePanel': true, 'nanoforge.model': img2img });
    // Written now, so Quick Open has indexed it by the time the directive test opens it.
    const { workspace } = session();
    writeFileSync(path.join(workspace, 'mockups.html'), `<!-- @image mockup 768x512 [layout: ${LAYOUT}]: an analytics dashboard -> ./mockups/dashboard.png -->\n<p>mockups</p>\n`);
    mkdirSync(path.join(workspace, 'mockups'), { recursive: true });
  });
  afterEach(async function () {
    await screenshotIfFailed(this);
    // The panel opens beside the editor: left open, the next openFile would land in its group.
    await session().workbench.closeAllEditors();
  });
  after(async () => {
    await session().updateWorkspaceSettings({ 'nanoforge.usePanel': false, 'nanoforge.model': textOnly });
  });

  it('right-click an existing PNG → Generate Variations… → panel with the start image → Generate → Save writes logo-v1.png', async function () {
    const command = commandTitle('nanoforge.generateVariations');
    assert.ok(command, 'nanoforge.generateVariations is contributed');
    const { workbench, workspace } = session();
    await workbench.openFile('index.html');
    await workbench.contextMenuOnText('images/logo.png', command.title);
    const panel = workbench.webview();
    await panel.locator('#start-label', { hasText: 'logo.png · 32×32' }).waitFor({ state: 'visible', timeout: 60_000 });
    assert.equal(await panel.locator('#target').evaluate((e) => (e as HTMLInputElement).value), 'images/logo-v1.png');
    assert.equal(await panel.locator('#strength-value').innerText(), '0.50');
    assert.match(await panel.locator('#start-thumb').getAttribute('src') ?? '', /^data:image\/png;base64,/);
    await panel.locator('#prompt textarea').fill('a red company logo');
    await panel.locator('#count input').fill('2');
    await panel.locator('#generate').click();
    await panel.locator('#grid [role="option"] img').first().waitFor({ state: 'visible', timeout: 120_000 });
    await workbench.screenshot('variations-panel');
    await panel.locator('#action-save').click();
    const file = path.join(workspace, 'images', 'logo-v1.png');
    await waitForFile(file);
    const info = await sharp(file).metadata();
    assert.deepEqual([info.format, info.width, info.height], ['png', 32, 32]);
    const meta = readMetadata(readFileSync(file));
    assert.deepEqual([meta?.prompt, meta?.strength], ['a red company logo', 0.5]);
  });

  it('the hover of an existing image links Variations, which opens the panel on it (the next free -v2 target)', async () => {
    const { workbench } = session();
    await workbench.openFile('index.html');
    const hover = await workbench.hoverOnText('images/logo.png', /32 × 32/);
    await hover.locator('a', { hasText: /^Variations$/ }).first().click();
    const panel = workbench.webview();
    await panel.locator('#target').evaluate(async (e) => {
      // The panel re-initialises with the new prefill; wait for the target it brings.
      for (let i = 0; i < 200 && (e as HTMLInputElement).value !== 'images/logo-v2.png'; i++) await new Promise((r) => setTimeout(r, 50));
    });
    assert.equal(await panel.locator('#target').evaluate((e) => (e as HTMLInputElement).value), 'images/logo-v2.png');
    assert.equal(await panel.locator('#start-label').innerText(), 'logo.png · 32×32');
    await workbench.screenshot('variations-hover-panel');
  });

  it('an @image mockup directive with [layout: …] writes a mockup whose regions are where the wireframe puts them', async () => {
    const { workbench, workspace } = session();
    await workbench.openFile('mockups.html');
    const lens = workbench.page.locator('.codelens-decoration a', { hasText: 'Generate' }).first();
    await lens.waitFor({ state: 'visible', timeout: 30_000 });
    await lens.click();
    const file = path.join(workspace, 'mockups', 'dashboard.png');
    await waitForFile(file);
    await workbench.screenshot('mockup-directive');
    const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height], [768, 512]);
    const at = (x: number, y: number): number[] => [...data.subarray((y * info.width + x) * 3, (y * info.width + x + 1) * 3)];
    // Default strength 0.8 with the turbo default of 2 steps runs the last step only (test/fixtures/README.md).
    const config = JSON.parse(readFileSync(path.join(img2img, 'scheduler', 'scheduler_config.json'), 'utf8')) as SchedulerConfig;
    const share = predictOracleImg2Img({ config, scheduler: 'euler', steps: 2, beginIndex: strengthSchedule(2, 0.8).beginIndex, pull: IMG2IMG_PULL });
    // Each block big enough to hold whole 8×8 encoder cells, checked at its centre unless a later
    // (drawn on top) block comes within 16 px of it.
    const rects = wireframeRects(placeWireframe(parseLayout(LAYOUT), 768, 512)).slice(1);
    let checked = 0;
    rects.forEach((rect, i) => {
      if (rect.width < 40 || rect.height < 40) return;
      const x = Math.round(rect.x + rect.width / 2);
      const y = Math.round(rect.y + rect.height / 2);
      if (rects.slice(i + 1).some((o) => x >= o.x - 16 && x < o.x + o.width + 16 && y >= o.y - 16 && y < o.y + o.height + 16)) return;
      const want = predictedColour(share, rect.colour, [128, 128, 128]);
      assert.ok(want.every((v, c) => Math.abs(v - (at(x, y)[c] ?? NaN)) <= 3), `block at ${rect.x},${rect.y} ${rect.width}×${rect.height}: ${at(x, y)} vs ${want.map((v) => v.toFixed(1))}`);
      checked++;
    });
    assert.ok(checked >= 5, `${checked} blocks checked`);
    const meta = readMetadata(readFileSync(file));
    assert.deepEqual([meta?.kind, meta?.layout], ['mockup', LAYOUT]);
  });
});
