// Playwright driver for the code-server workbench, written against what a user sees: the command
// palette, quick inputs, editor text, context menus, hovers and notifications. UI tests in
// test/e2e/ use it; selectors are VS Code 1.100's (code-server 4.100.x).
import { existsSync, mkdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';

const QUICK_INPUT = '.quick-input-widget';
const QUICK_ROWS = `${QUICK_INPUT} .quick-input-list .monaco-list-row`;

export class Workbench {
  constructor(
    readonly page: Page,
    /** Folder for screenshots (test-output/e2e). */
    readonly outputDir: string,
  ) {
    mkdirSync(outputDir, { recursive: true });
  }

  /** Waits until the workbench is laid out and the explorer lists the workspace. */
  async ready(timeoutMs = 90_000): Promise<void> {
    await this.page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: timeoutMs });
    await this.page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ state: 'visible', timeout: timeoutMs });
  }

  /**
   * Runs a command by its palette label ("Category: Title"), as a user would. Retries while the
   * label is missing: right after the window loads, the extension host may not have registered
   * every contribution yet.
   */
  async runCommand(label: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.openPalette('>');
      await this.page.keyboard.type(label);
      const row = this.page.locator(QUICK_ROWS).filter({ has: this.page.locator('.label-name', { hasText: exactly(label) }) });
      try {
        await row.first().waitFor({ state: 'visible', timeout: 5_000 });
        await row.first().click();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`the command palette never listed "${label}": ${(error as Error).message}`);
      }
    }
  }

  /** Opens a workspace file through Quick Open and waits for its editor tab (and text, unless `binary`). */
  async openFile(relativePath: string, options: { binary?: boolean } = {}): Promise<void> {
    await this.openPalette('');
    await this.page.keyboard.type(relativePath);
    const name = path.posix.basename(relativePath);
    // Until Quick Open has filtered, it still lists the recently opened files with the first one
    // focused, and Enter would open that one: wait until the focused row is the file asked for.
    const dir = path.posix.dirname(relativePath);
    const focused = this.page.locator(`${QUICK_ROWS}.focused`)
      .filter({ has: this.page.locator('.label-name', { hasText: exactly(name) }) })
      .filter(dir === '.' ? {} : { has: this.page.locator('.label-description', { hasText: dir }) });
    await focused.first().waitFor({ state: 'visible', timeout: 15_000 });
    await this.page.keyboard.press('Enter');
    await this.page.locator(`.tabs-container .tab.active[aria-label^="${name}"]`).waitFor({ timeout: 15_000 });
    if (!options.binary) await this.page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ timeout: 15_000 });
  }

  /** The quick input's title, once one with `title` is showing. */
  async waitForQuickInput(title: string | RegExp, timeoutMs = 15_000): Promise<Locator> {
    const widget = this.page.locator(QUICK_INPUT).filter({ has: this.page.locator('.quick-input-title', { hasText: title }) });
    await widget.waitFor({ state: 'visible', timeout: timeoutMs });
    return widget;
  }

  /** Replaces the quick input's text with `value` and presses Enter. */
  async answerQuickInput(title: string | RegExp, value: string): Promise<void> {
    const widget = await this.waitForQuickInput(title);
    const input = widget.locator('.quick-input-box input');
    await input.fill(value);
    await input.press('Enter');
  }

  /** Picks the row labelled `label` in the quick pick titled `title`. */
  async pickQuickItem(title: string | RegExp, label: string): Promise<void> {
    const widget = await this.waitForQuickInput(title);
    const input = widget.locator('.quick-input-box input');
    await input.fill(label);
    const row = widget.locator('.quick-input-list .monaco-list-row').filter({ has: this.page.locator('.label-name', { hasText: exactly(label) }) });
    await row.first().click({ timeout: 10_000 });
  }

  /**
   * Screen point at the middle of the first occurrence of `text` in the active editor, once the
   * layout has settled (two reads 250 ms apart agree). The text must be on screen: fixture files
   * are short, and the editor is scrolled to the top first.
   */
  async pointAtText(text: string): Promise<{ x: number; y: number }> {
    await this.page.keyboard.press('Escape');
    await this.page.locator('.editor-instance .monaco-editor .view-lines').first().click({ position: { x: 5, y: 5 } });
    await this.page.keyboard.press('Control+Home');
    let previous: { x: number; y: number } | undefined;
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const point = await this.page.evaluate(findTextCentre, text);
      if (point && previous && point.x === previous.x && point.y === previous.y) return point;
      previous = point;
      await this.page.waitForTimeout(250);
    }
    if (!previous) throw new Error(`"${text}" is not rendered in the active editor (it must lie inside one token)`);
    throw new Error(`the position of "${text}" never settled`);
  }

  /** Puts the cursor on `text` with a click, then right-clicks there and picks `item`. */
  async contextMenuOnText(text: string, item: string, attempts = 5): Promise<void> {
    const point = await this.pointAtText(text);
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      await this.page.mouse.click(point.x, point.y);
      // Extensions set their context keys after the cursor moves; give them a moment.
      await this.page.waitForTimeout(300 * attempt);
      await this.page.mouse.click(point.x, point.y, { button: 'right' });
      const entry = this.page.locator('.monaco-menu .action-item .action-label', { hasText: exactly(item) });
      try {
        await entry.first().waitFor({ state: 'visible', timeout: 3_000 });
        // The menu ignores a click that comes right after it opened (it guards against the
        // right-click's own mouse-up); hover first, then click, then make sure it closed.
        await entry.first().hover();
        await this.page.waitForTimeout(250);
        await entry.first().click();
        await this.page.locator('.monaco-menu').first().waitFor({ state: 'hidden', timeout: 2_000 });
        return;
      } catch (error) {
        if (attempt === attempts) throw new Error(`context menu never showed "${item}": ${(error as Error).message}`);
        await this.page.keyboard.press('Escape');
      }
    }
  }

  /**
   * Moves the mouse onto `text` and returns the editor hover that contains `containing`. Other
   * hovers (link, diagnostics) may show first; the mouse stays put while providers answer, and is
   * moved away and back only between attempts.
   */
  async hoverOnText(text: string, containing: string | RegExp, timeoutMs = 30_000): Promise<Locator> {
    const hover = this.page.locator('.monaco-hover:not(.hidden)').filter({ hasText: containing });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const point = await this.pointAtText(text);
      await this.page.mouse.move(point.x - 2, point.y);
      await this.page.mouse.move(point.x, point.y, { steps: 2 });
      try {
        await hover.first().waitFor({ state: 'visible', timeout: 6_000 });
        return hover.first();
      } catch (error) {
        if (Date.now() > deadline) {
          const seen = await this.page.locator('.monaco-hover').evaluateAll((els) => els.map((e) => `${e.className}: ${(e as HTMLElement).innerText.slice(0, 120)}`));
          throw new Error(`no hover containing ${String(containing)} on "${text}" at ${point.x},${point.y} (hovers: ${JSON.stringify(seen)}): ${(error as Error).message}`);
        }
        await this.page.mouse.move(point.x, point.y + 300);
        await this.page.waitForTimeout(300);
      }
    }
  }

  /**
   * The document inside the visible editor webview (VS Code nests it: iframe.webview > iframe#active-frame).
   * The walkthrough shows its pages in webviews of its own, inside its editor; those are not this one.
   */
  webview(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready:visible:not(.gettingStartedContainer iframe)').frameLocator('iframe#active-frame');
  }

  /** Developer: Reload Window (the extension host restarts; storage persists), then waits for the new workbench. */
  async reload(timeoutMs = 90_000): Promise<void> {
    const loaded = this.page.waitForEvent('load', { timeout: timeoutMs });
    await this.runCommand('Developer: Reload Window');
    await loaded;
    await this.ready(timeoutMs);
  }

  async closeAllEditors(): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.runCommand('View: Close All Editors');
  }

  /** Saves a PNG of the whole window under the output folder; returns its path. */
  async screenshot(name: string): Promise<string> {
    const file = path.join(this.outputDir, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  private async openPalette(prefix: string): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.page.keyboard.press('F1');
    const input = this.page.locator(`${QUICK_INPUT} .quick-input-box input`);
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(prefix);
  }
}

/** Runs in the page: centre of the first occurrence of `needle` in the active editor's text. */
function findTextCentre(needle: string): { x: number; y: number } | undefined {
  const editor = document.querySelector('.editor-instance .monaco-editor .view-lines');
  if (!editor) return undefined;
  const walker = document.createTreeWalker(editor, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    // Monaco renders spaces as U+00A0; compare on normal spaces.
    const at = (node.textContent ?? '').replace(/\u00a0/g, ' ').indexOf(needle);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + needle.length);
    const r = range.getBoundingClientRect();
    return { x: Math.round(r.left + r.width / 2), y: Math.round(r.top + r.height / 2) };
  }
  return undefined;
}

/** Regex that matches `text` exactly (Playwright's hasText with a string is a substring match). */
export function exactly(text: string): RegExp {
  return new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
}

/** Resolves when `file` exists with a non-zero size (writers rename complete files into place). */
export async function waitForFile(file: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(file) && statSync(file).size > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${file} did not appear within ${timeoutMs / 1000} s`);
}
