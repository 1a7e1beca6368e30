// The three ways a user starts a generation in the real workbench, each ending in an image file in
// the workspace and a screenshot under test-output/e2e/: the command palette, the editor context
// menu on a missing reference, and the Generate link in a reference's hover.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { waitForFile } from '../harness/workbench';
import { commandTitle } from './contributions';
import { screenshotIfFailed, session } from './session';

/** Width and height from a PNG's IHDR chunk. */
function pngSize(file: string): { width: number; height: number } {
  const bytes = readFileSync(file);
  assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG', `${file} is a PNG`);
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

function requireCommand(context: Mocha.Context, id: string): { title: string; label: string } {
  const command = commandTitle(id);
  if (!command) {
    console.log(`[e2e] skipped: ${id} is not contributed in package.json yet`);
    context.skip();
  }
  return command as { title: string; label: string };
}

describe('generating from the workbench UI', () => {
  afterEach(async function () {
    await screenshotIfFailed(this);
    await session().workbench.closeAllEditors();
  });

  it('Command palette → Generate Image: prompt, kind, size and path end in that PNG', async function () {
    const command = requireCommand(this, 'nanoforge.generateImage');
    const { workbench, workspace } = session();
    await workbench.runCommand(command.label);
    await workbench.answerQuickInput(command.label, 'a blue rocket icon');
    await workbench.pickQuickItem(/kind of image/, 'icon');
    await workbench.answerQuickInput(/size/, '48x48');
    await workbench.answerQuickInput(/save as/, 'images/e2e-rocket.png');
    const file = path.join(workspace, 'images', 'e2e-rocket.png');
    await waitForFile(file);
    assert.deepEqual(pngSize(file), { width: 48, height: 48 });
    await workbench.openFile('images/e2e-rocket.png', { binary: true });
    // The image preview shows the picture's size in the status bar once it has loaded it.
    await workbench.page.locator('.statusbar-item', { hasText: '48x48' }).first().waitFor({ state: 'visible', timeout: 15_000 });
    await workbench.screenshot('palette-generate-image');
  });

  it('right-click on a missing reference → Generate Image for This Reference writes the referenced file', async function () {
    const command = requireCommand(this, 'nanoforge.generateForReference');
    const { workbench, workspace } = session();
    await workbench.openFile('index.html');
    await workbench.contextMenuOnText('images/hero.png', command.title);
    // The prompt is pre-filled from the alt text; accept it.
    const prompt = await workbench.waitForQuickInput(/Generate/);
    assert.match(await prompt.locator('.quick-input-box input').inputValue(), /mountain sunrise/);
    await workbench.screenshot('reference-context-menu-prompt');
    await prompt.locator('.quick-input-box input').press('Enter');
    const file = path.join(workspace, 'images', 'hero.png');
    await waitForFile(file);
    const size = pngSize(file);
    assert.ok(size.width > 0 && size.height > 0);
    await workbench.screenshot('reference-context-menu-generated');
  });

  it('hover shows a thumbnail of an existing image, and the Generate link of a missing one writes it', async function () {
    requireCommand(this, 'nanoforge.generateForReference');
    const { workbench, workspace } = session();
    await workbench.openFile('index.html');
    const preview = await workbench.hoverOnText('images/logo.png', /32 × 32/);
    const thumbnail = preview.locator('img[src^="data:image/png"]');
    assert.equal(await thumbnail.count(), 1, 'the hover shows the logo inline');
    await workbench.screenshot('hover-existing-preview');

    const missing = await workbench.hoverOnText('images/team-photo.png', /missing/);
    await missing.locator('a', { hasText: /^Generate/ }).first().click();
    const prompt = await workbench.waitForQuickInput(/Generate/);
    await prompt.locator('.quick-input-box input').press('Enter');
    const file = path.join(workspace, 'images', 'team-photo.png');
    await waitForFile(file);
    const { width, height } = pngSize(file);
    assert.ok(width > 0 && height > 0);
    await workbench.screenshot('hover-generate-link');
    // The same hover now previews the generated file.
    await workbench.page.mouse.move(5, 5);
    const generated = await workbench.hoverOnText('images/team-photo.png', new RegExp(`${width} × ${height}`));
    assert.equal(await generated.locator('img[src^="data:image/png"]').count(), 1, 'the hover previews the new image');
    await workbench.screenshot('hover-generated-preview');
  });
});
