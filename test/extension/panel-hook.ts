// The generator panel's test hook (src/extension/panel/probe.ts), shared by the tests that drive the
// panel in a real VS Code: one call, and a wait for the panel to reach a state.
import * as vscode from 'vscode';
import type { PanelTestRequest, PanelTestState } from '../../src/extension/panel/probe';

export const PANEL_HOOK = 'nanoforge.test.generatorPanel';

export function hook(req: PanelTestRequest): Thenable<PanelTestState> {
  return vscode.commands.executeCommand<PanelTestState>(PANEL_HOOK, req);
}

/** Polls the panel until `probe` returns a value; on timeout the error shows the last messages the webview got. */
export async function until<T>(probe: (s: PanelTestState) => T | undefined, what: string, timeoutMs = 90_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: PanelTestState | undefined;
  while (Date.now() < end) {
    last = await hook({ op: 'state' });
    const found = probe(last);
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}; last state: ${JSON.stringify(last?.toWebview.slice(-8)).slice(0, 1500)}`);
}
