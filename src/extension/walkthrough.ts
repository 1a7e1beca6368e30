// The Getting Started walkthrough (package.json `contributes.walkthroughs`, pages in media/walkthrough/):
// "Nanoforge: Get Started" opens it, and the first activation on this machine opens it once by itself.
import * as vscode from 'vscode';
import { COMMANDS } from './command-ids';
import type { Services } from './services';

/** The walkthrough's id in package.json (test/unit/walkthrough.test.ts checks that it is there). */
export const WALKTHROUGH_ID = 'getStarted';

/** globalState key, set when the walkthrough has opened by itself once; it never does again. */
export const WALKTHROUGH_SHOWN_KEY = 'nanoforge.walkthroughShown';

/** VS Code's own command; it takes "publisher.name#walkthroughId" and whether to open it to the side. */
const OPEN_WALKTHROUGH = 'workbench.action.openWalkthrough';

export type FirstRunOutcome = 'opened' | 'alreadyShown' | 'optedOut';

function openWalkthrough(context: vscode.ExtensionContext, toSide: boolean): Thenable<unknown> {
  return vscode.commands.executeCommand(OPEN_WALKTHROUGH, `${context.extension.id}#${WALKTHROUGH_ID}`, toSide);
}

/**
 * Opens the walkthrough if it has never opened by itself on this machine. It opens to the side,
 * where VS Code keeps the focus on whatever the user is doing: the first activation may come from
 * the command palette ("Generate Image"), and the panel that command opens must keep the focus.
 * Users who turned off VS Code's own `workbench.welcomePage.walkthroughs.openOnInstall` are not
 * shown it either.
 */
export async function openOnFirstActivation(context: vscode.ExtensionContext): Promise<FirstRunOutcome> {
  if (context.globalState.get(WALKTHROUGH_SHOWN_KEY) !== undefined) return 'alreadyShown';
  const optedOut = vscode.workspace.getConfiguration('workbench.welcomePage').get('walkthroughs.openOnInstall') === false;
  // Asked before the state is written, so that the request reaches the workbench ahead of anything a
  // command that activated us opens next (a command's editor would otherwise push it into a third group).
  const opening = optedOut ? undefined : openWalkthrough(context, true);
  await context.globalState.update(WALKTHROUGH_SHOWN_KEY, new Date().toISOString());
  if (!opening) return 'optedOut';
  await opening;
  return 'opened';
}

export function registerWalkthrough(services: Services): vscode.Disposable {
  const { context, log } = services;
  openOnFirstActivation(context).then(
    (outcome) => { if (outcome === 'opened') log.info('first activation: opened the Get Started walkthrough'); },
    (error: unknown) => log.warn(`first activation: could not open the Get Started walkthrough: ${String(error)}`),
  );
  return vscode.commands.registerCommand(COMMANDS.getStarted, () => openWalkthrough(context, false));
}
