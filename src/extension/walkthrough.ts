// The Getting Started walkthrough (package.json `contributes.walkthroughs`, pages in media/walkthrough/):
// "Nanoforge: Get Started" opens it, and the first activation on this machine opens it once by itself,
// beside the first file of ours the user looks at.
import * as vscode from 'vscode';
import { COMMANDS } from './command-ids';
import type { Services } from './services';

/** The walkthrough's id in package.json (test/unit/walkthrough.test.ts checks that it is there). */
export const WALKTHROUGH_ID = 'getStarted';

/** globalState key, set when the walkthrough has opened by itself once; it never does again. */
export const WALKTHROUGH_SHOWN_KEY = 'nanoforge.walkthroughShown';

/**
 * VS Code's own command: "publisher.name#walkthroughId", then whether to open it to the side. (Its
 * `{ inactive: true }` form is no use here: in VS Code 1.100 it replaces a preview editor and drops
 * the walkthrough's id, showing VS Code's own walkthrough instead.)
 */
const OPEN_WALKTHROUGH = 'workbench.action.openWalkthrough';

export type FirstRunOutcome = 'opened' | 'alreadyShown' | 'optedOut' | 'cancelled';

function walkthroughId(context: vscode.ExtensionContext): string {
  return `${context.extension.id}#${WALKTHROUGH_ID}`;
}

/** The languages whose files activate Nanoforge (package.json `onLanguage:` activation events). */
function activationLanguages(context: vscode.ExtensionContext): Set<string> {
  const events = (context.extension.packageJSON as { activationEvents?: unknown }).activationEvents;
  const list = Array.isArray(events) ? events.filter((e): e is string => typeof e === 'string') : [];
  return new Set(list.filter((e) => e.startsWith('onLanguage:')).map((e) => e.slice('onLanguage:'.length)));
}

/**
 * Resolves true once a file of one of `languages` is visible in an editor (now, or later), false
 * when `signal` aborts first.
 */
function untilCodeVisible(languages: Set<string>, signal: AbortSignal): Promise<boolean> {
  const visible = (): boolean => vscode.window.visibleTextEditors.some((e) => languages.has(e.document.languageId));
  if (visible()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (value: boolean): void => {
      listener.dispose();
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    };
    const onAbort = (): void => done(false);
    const listener = vscode.window.onDidChangeVisibleTextEditors(() => { if (visible()) done(true); });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Opens the walkthrough beside the editor the first time the extension activates on this machine
 * (globalState remembers it once it opened). A walkthrough page takes the keyboard focus as it
 * renders (VS Code 1.100, whatever the options), so it must not open while a Nanoforge command
 * that activated the extension shows its quick pick or panel: it waits until the user looks at a
 * file of a language that activates Nanoforge. Then the activation came from that file, or the
 * command's flow is over. Users who turned off `workbench.welcomePage.walkthroughs.openOnInstall`
 * are not shown it either.
 */
export async function openOnFirstActivation(context: vscode.ExtensionContext, signal: AbortSignal = new AbortController().signal): Promise<FirstRunOutcome> {
  if (context.globalState.get(WALKTHROUGH_SHOWN_KEY) !== undefined) return 'alreadyShown';
  if (vscode.workspace.getConfiguration('workbench.welcomePage').get('walkthroughs.openOnInstall') === false) {
    await context.globalState.update(WALKTHROUGH_SHOWN_KEY, new Date().toISOString());
    return 'optedOut';
  }
  // Not remembered until it opened: a window closed before any such file showed tries again next time.
  if (!(await untilCodeVisible(activationLanguages(context), signal))) return 'cancelled';
  await vscode.commands.executeCommand(OPEN_WALKTHROUGH, walkthroughId(context), true);
  await context.globalState.update(WALKTHROUGH_SHOWN_KEY, new Date().toISOString());
  return 'opened';
}

export function registerWalkthrough(services: Services): vscode.Disposable {
  const { context, log } = services;
  const stop = new AbortController();
  openOnFirstActivation(context, stop.signal).then(
    (outcome) => { if (outcome === 'opened') log.info('first activation: opened the Get Started walkthrough'); },
    (error: unknown) => log.warn(`first activation: could not open the Get Started walkthrough: ${String(error)}`),
  );
  // From the palette the user asks for it: in front, in the active group.
  const command = vscode.commands.registerCommand(COMMANDS.getStarted, () => vscode.commands.executeCommand(OPEN_WALKTHROUGH, walkthroughId(context), false));
  return vscode.Disposable.from(command, { dispose: () => stop.abort() });
}
