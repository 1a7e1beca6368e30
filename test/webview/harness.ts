// Loads the built panel (dist/webview) in Debian's Chromium exactly as the extension serves it:
// the HTML and CSP come from src/extension/panel/html.ts, the page is served over a real HTTP server
// on 127.0.0.1 (standing in for webview.cspSource), and `acquireVsCodeApi` is a stub that records
// posted messages and keeps getState/setState in sessionStorage so a reload behaves like VS Code's.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { HostMessage, WebviewMessage } from '../../src/protocol/panel';
import { makeNonce, renderPanelHtml } from '../../src/extension/panel/html';
import { THEMES, type ThemeName } from './themes';

const ROOT = path.resolve(__dirname, '../..');
const DIST = path.join(ROOT, 'dist', 'webview');
export const OUTPUT = path.join(ROOT, 'test-output', 'webview');

export interface Harness {
  browser: Browser;
  server: http.Server;
  origin: string;
  close(): Promise<void>;
}

function serve(req: http.IncomingMessage, res: http.ServerResponse, origin: string): void {
  const url = new URL(req.url ?? '/', origin);
  if (url.pathname === '/') {
    const theme = (url.searchParams.get('theme') ?? 'dark') as ThemeName;
    const html = renderPanelHtml({ cspSource: origin, nonce: makeNonce(randomBytes), scriptUri: `${origin}/dist/webview/main.js`, styleUri: `${origin}/dist/webview/main.css` })
      .replace('<body>', `<body class="${THEMES[theme].bodyClass}">`);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    return;
  }
  const file = url.pathname.startsWith('/dist/webview/') ? path.join(DIST, path.basename(url.pathname)) : '';
  if (!file || !existsSync(file)) {
    res.writeHead(404).end();
    return;
  }
  const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : 'application/json';
  res.writeHead(200, { 'content-type': type }).end(readFileSync(file));
}

export async function startHarness(): Promise<Harness> {
  if (!existsSync(path.join(DIST, 'main.js'))) throw new Error('dist/webview/main.js is missing: run `npm run build` first');
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  server.on('request', (req, res) => serve(req, res, origin));
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    browser, server, origin,
    async close() {
      await browser.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Runs in the page before any of its scripts (CDP init script, so the page's CSP does not apply). */
function stubScript(vars: Record<string, string>): string {
  return `(() => {
    const vars = ${JSON.stringify(vars)};
    // Init scripts can run before <html> exists; VS Code sets these before our scripts run.
    const apply = () => { for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v); };
    if (document.documentElement) apply();
    else new MutationObserver((_, o) => { if (document.documentElement) { apply(); o.disconnect(); } }).observe(document, { childList: true });
    window.__posted = [];
    window.__stateWrites = 0;
    let acquired = false;
    window.acquireVsCodeApi = () => {
      if (acquired) throw new Error('acquireVsCodeApi called twice');
      acquired = true;
      return {
        postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
        getState: () => { const s = sessionStorage.getItem('vscode-state'); return s === null ? undefined : JSON.parse(s); },
        setState: (s) => { window.__stateWrites++; sessionStorage.setItem('vscode-state', JSON.stringify(s)); return s; },
      };
    };
  })();`;
}

export interface PanelPage {
  page: Page;
  errors: string[];
  /** Messages the webview posted to the "host", oldest first. */
  posted(): Promise<WebviewMessage[]>;
  clearPosted(): Promise<void>;
  /** Delivers a host → webview message the way VS Code does (a window `message` event). */
  send(message: HostMessage): Promise<void>;
  state(): Promise<Record<string, unknown> | undefined>;
  waitForPosted(type: WebviewMessage['type']): Promise<WebviewMessage>;
}

export async function openPanel(h: Harness, opts: { theme?: ThemeName; width?: number; height?: number } = {}): Promise<PanelPage> {
  const theme = opts.theme ?? 'dark';
  const context = await h.browser.newContext({ viewport: { width: opts.width ?? 900, height: opts.height ?? 1100 }, colorScheme: theme === 'light' ? 'light' : 'dark' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  await page.addInitScript(stubScript(THEMES[theme].vars));
  await page.goto(`${h.origin}/?theme=${theme}`);
  await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
  const posted = (): Promise<WebviewMessage[]> => page.evaluate(() => (window as unknown as { __posted: WebviewMessage[] }).__posted);
  return {
    page, errors, posted,
    clearPosted: () => page.evaluate(() => { (window as unknown as { __posted: unknown[] }).__posted.length = 0; }),
    send: (message) => page.evaluate((m) => window.postMessage(m, '*'), message).then(() => page.waitForTimeout(0)),
    state: () => page.evaluate(() => { const s = sessionStorage.getItem('vscode-state'); return s === null ? undefined : JSON.parse(s) as Record<string, unknown>; }),
    async waitForPosted(type) {
      const handle = await page.waitForFunction((t) => (window as unknown as { __posted: { type: string }[] }).__posted.filter((m) => m.type === t).at(-1), type);
      return (await handle.jsonValue()) as WebviewMessage;
    },
  };
}

/** A control's value as the panel's code sees it (the toolkit element's property, set synchronously). */
export function value(p: PanelPage, selector: string): Promise<string> {
  return p.page.locator(selector).evaluate((e) => String((e as HTMLInputElement).value));
}
