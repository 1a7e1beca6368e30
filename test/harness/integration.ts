// Runs a mocha `run(): Promise<void>` test module inside code-server's Node extension host.
// code-server has no test flags; its web workbench reads `extensionDevelopmentPath` and
// `extensionTestsPath` from the `payload` URL parameter (scheme vscode-remote, file:// never starts
// the runner) and, when run() settles, calls window.codeAutomationExit(code, logs).
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { openBrowser } from './browser';
import type { RunningCodeServer } from './server';

export interface ExtensionTestRun {
  readonly server: RunningCodeServer;
  /** Absolute folder of the extension to load in development mode. */
  readonly extensionDevelopmentPath: string;
  /** Absolute path of the bundled test module (out/test/extension/index.js). */
  readonly extensionTestsPath: string;
  /** Absolute folder opened as the workspace. */
  readonly workspace: string;
  /** Where the browser console, workbench logs and a failure screenshot go. */
  readonly runDir: string;
  readonly timeoutMs: number;
}

export interface ExtensionTestOutcome {
  /** 0 when run() resolved, 1 when it rejected, undefined when the workbench never called back. */
  readonly exitCode: number | undefined;
  readonly timedOut: boolean;
}

interface WorkbenchLog {
  relativePath: string;
  contents: string;
}

export function workbenchUrl(origin: string, workspace: string, payload?: Array<[string, string]>): string {
  const url = new URL(origin);
  url.searchParams.set('folder', workspace);
  if (payload) url.searchParams.set('payload', JSON.stringify(payload));
  return url.toString();
}

export async function runExtensionTests(run: ExtensionTestRun): Promise<ExtensionTestOutcome> {
  const remote = (p: string): string => `vscode-remote://127.0.0.1:${run.server.port}${p}`;
  const payload: Array<[string, string]> = [
    ['extensionDevelopmentPath', remote(run.extensionDevelopmentPath)],
    ['extensionTestsPath', remote(run.extensionTestsPath)],
    ['skipWelcome', 'true'],
  ];
  mkdirSync(run.runDir, { recursive: true });
  const session = await openBrowser();
  try {
    const exited = new Promise<{ code: number; logs: WorkbenchLog[] }>((resolve) => {
      // Exposed before navigation: the workbench looks the function up when the tests finish.
      void session.page.exposeFunction('codeAutomationExit', (code: number, logs: WorkbenchLog[]) => resolve({ code, logs }));
    });
    await session.page.goto(workbenchUrl(run.server.origin, run.workspace, payload), { waitUntil: 'domcontentloaded' });
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), run.timeoutMs).unref());
    const result = await Promise.race([exited, timeout]);
    if (result === 'timeout') {
      await session.page.screenshot({ path: path.join(run.runDir, 'timeout.png') });
      return { exitCode: undefined, timedOut: true };
    }
    saveWorkbenchLogs(run.runDir, result.logs);
    return { exitCode: result.code, timedOut: false };
  } finally {
    writeFileSync(path.join(run.runDir, 'browser-console.log'), session.console.join('\n') + '\n');
    await session.close();
  }
}

function saveWorkbenchLogs(runDir: string, logs: WorkbenchLog[]): void {
  const dir = path.join(runDir, 'workbench-logs');
  for (const log of Array.isArray(logs) ? logs : []) {
    // relativePath comes from the page; keep it inside our folder.
    const target = path.resolve(dir, log.relativePath);
    if (!target.startsWith(dir + path.sep)) continue;
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, log.contents);
  }
}
