// A newcomer's first minutes in the workbench: the first activation opens the Getting Started
// walkthrough beside the file that activated Nanoforge, its pages render, and
// "Nanoforge: Get Started" brings it back. Loaded before the other UI suites (test/e2e/.mocharc.json
// `file`), because only the session's first activation opens it; that it never opens again after a
// window reload is the last test of panel.test.ts.
import * as assert from 'node:assert/strict';
import { commandTitle } from './contributions';
import { screenshotIfFailed, session } from './session';

const STEP_TITLES = ['Choose a model', 'Generate an image', 'Right-click an image path', 'Describe an image in a comment', 'See which device runs it'];

describe('first run in the workbench', () => {
  afterEach(async function () {
    await screenshotIfFailed(this);
  });
  after(async () => {
    await session().workbench.closeAllEditors();
  });

  it('the first activation opens the Getting Started walkthrough beside the file that activated Nanoforge', async () => {
    const { workbench } = session();
    const page = workbench.page;
    assert.equal(await page.locator('.gettingStartedContainer').count(), 0, 'no walkthrough before Nanoforge runs');
    await workbench.openFile('index.html'); // onLanguage:html activates Nanoforge

    const walkthrough = page.locator('.gettingStartedContainer').filter({ hasText: 'Get Started with Nanoforge' });
    await walkthrough.waitFor({ state: 'visible', timeout: 60_000 });
    const titles = await walkthrough.locator('.getting-started-step .step-title').allInnerTexts();
    assert.deepEqual(titles.map((t) => t.trim()), STEP_TITLES);
    // The step's page (media/walkthrough/model.md) renders in a webview beside the steps.
    const model = page.frameLocator('.gettingStartedContainer iframe.webview.ready').frameLocator('iframe#active-frame');
    await model.locator('h1', { hasText: 'Choose a model' }).waitFor({ state: 'visible', timeout: 30_000 });
    assert.ok(await model.locator('td', { hasText: 'sd-turbo-fp16' }).count() > 0, 'the catalog table');

    // Beside the file, which stays in view.
    assert.equal(await page.locator('.editor-group-container').count(), 2, 'the walkthrough opened in a second group');
    await page.locator('.editor-group-container').first().locator('.tab.active[aria-label^="index.html"]').waitFor();
    await workbench.screenshot('walkthrough-first-run');
  });

  it('"Nanoforge: Get Started" opens it again, in front', async () => {
    const { workbench } = session();
    const page = workbench.page;
    await workbench.closeAllEditors();
    const command = commandTitle('nanoforge.getStarted');
    assert.ok(command, 'nanoforge.getStarted is contributed');
    await workbench.runCommand(command.label);
    const walkthrough = page.locator('.gettingStartedContainer').filter({ hasText: 'Get Started with Nanoforge' });
    await walkthrough.waitFor({ state: 'visible', timeout: 30_000 });
    // Open the second step: its page shows the panel and how to use it.
    await walkthrough.locator('.getting-started-step', { hasText: 'Generate an image' }).first().click();
    const page2 = page.frameLocator('.gettingStartedContainer iframe.webview.ready').frameLocator('iframe#active-frame');
    await page2.locator('h1', { hasText: 'Generate an image' }).waitFor({ state: 'visible', timeout: 30_000 });
    await page2.locator('img').first().waitFor({ state: 'visible', timeout: 30_000 });
    assert.ok(await page2.locator('img').first().evaluate((img) => (img as HTMLImageElement).naturalWidth > 0), 'the panel picture loaded');
    await walkthrough.locator('.getting-started-step', { hasText: 'Generate an image' }).locator('a, .monaco-button', { hasText: 'Generate Image' }).first().waitFor({ state: 'visible' });
    await workbench.screenshot('walkthrough-generate-step');
  });
});
