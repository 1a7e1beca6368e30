// One code-server + Chromium session shared by every UI test (started in hooks.ts): a cold
// workbench takes seconds to load, and the tests leave it as they found it (editors closed).
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureFixtures } from '../fixtures/models';
import { openBrowser, type BrowserSession } from '../harness/browser';
import { ensureCodeServer } from '../harness/install';
import { workbenchUrl } from '../harness/integration';
import { freshDir, REPO_ROOT } from '../harness/paths';
import { startCodeServer, type RunningCodeServer } from '../harness/server';
import { Workbench } from '../harness/workbench';

export interface E2eSession {
  readonly workbench: Workbench;
  /** The fresh copy of test/fixtures/workspace that the window has open. */
  readonly workspace: string;
  readonly outputDir: string;
  /**
   * Merges `patch` into the workspace's .vscode/settings.json and resolves once the workbench has
   * applied it. (A changed user settings.json on the server is not noticed by code-server 4.100's
   * web workbench; workspace files are watched.)
   */
  updateWorkspaceSettings(patch: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

let current: E2eSession | undefined;
let settingsWrites = 0;

export function session(): E2eSession {
  if (!current) throw new Error('the e2e session is not started (test/e2e/hooks.ts runs first)');
  return current;
}

/** Settings for UI tests: quick mode saves the first candidate without the panel. */
const E2E_SETTINGS = {
  'nanoforge.usePanel': false,
  'nanoforge.overwrite': 'never',
  'nanoforge.worker.idleTimeoutSeconds': 30,
  'editor.hover.delay': 200,
  'editor.hover.sticky': true,
  'editor.minimap.enabled': false,
  'workbench.editor.enablePreview': false,
  'workbench.colorTheme': 'Default Light Modern',
};

export async function closeSession(): Promise<void> {
  const closing = current;
  current = undefined;
  await closing?.close();
}

export async function startSession(): Promise<E2eSession> {
  const outputDir = freshDir(path.join(REPO_ROOT, 'test-output', 'e2e'));
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'nanoforge-e2e-'));
  const workspace = path.join(scratch, 'workspace');
  cpSync(path.join(REPO_ROOT, 'test', 'fixtures', 'workspace'), workspace, { recursive: true });
  const model = (await ensureFixtures()).path('oracle-fp32');
  const server: RunningCodeServer = await startCodeServer(ensureCodeServer(), {
    runDir: path.join(outputDir, 'run'),
    extensionsDir: path.join(scratch, 'extensions'),
    settings: { ...E2E_SETTINGS, 'nanoforge.model': model },
  });
  let browser: BrowserSession | undefined;
  try {
    browser = await openBrowser();
    const remote = `vscode-remote://127.0.0.1:${server.port}${REPO_ROOT}`;
    await browser.page.goto(workbenchUrl(server.origin, workspace, [['extensionDevelopmentPath', remote], ['skipWelcome', 'true']]));
    const workbench = new Workbench(browser.page, outputDir);
    await workbench.ready();
    const opened = browser;
    const settingsFile = path.join(workspace, '.vscode', 'settings.json');
    current = {
      workbench,
      workspace,
      outputDir,
      updateWorkspaceSettings: async (patch) => {
        const settings = existsSync(settingsFile) ? (JSON.parse(readFileSync(settingsFile, 'utf8')) as Record<string, unknown>) : {};
        // The file watcher delivers the change asynchronously. A marker in the window title rides in
        // the same file, so the tab's title shows it once the workbench has read this version; the
        // workbench hands the extension host its new configuration in the same change event, ahead
        // of any command run after that.
        settingsWrites += 1;
        const marker = `[settings ${settingsWrites}]`;
        mkdirSync(path.dirname(settingsFile), { recursive: true });
        writeFileSync(settingsFile, JSON.stringify({ ...settings, ...patch, 'window.title': `\${rootName} ${marker}` }, null, 2));
        await workbench.page.waitForFunction((m) => document.title.includes(m), marker, { timeout: 60_000 });
      },
      close: async () => {
        await opened.close();
        await server.stop();
        rmSync(scratch, { recursive: true, force: true });
      },
    };
    console.log(`[e2e] workbench ${server.origin}, workspace ${workspace}, screenshots in ${outputDir}`);
    return current;
  } catch (error) {
    await browser?.close();
    await server.stop();
    throw error;
  }
}

/** In a suite's afterEach, before any clean-up: keeps a screenshot of what a failed test left. */
export async function screenshotIfFailed(context: Mocha.Context): Promise<void> {
  const test = context.currentTest;
  if (test?.state !== 'failed' || !current) return;
  const name = `FAILED-${test.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`;
  console.log(`[e2e] screenshot of the failure: ${await current.workbench.screenshot(name)}`);
}
