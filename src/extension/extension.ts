// Entry point: a list of features, each registered by its own file and disposed with the extension.
import type * as vscode from 'vscode';
import { registerCodeLens } from './codelens';
import { registerGenerateForReference } from './commands/generate-for-reference';
import { registerGenerateFromDirective } from './commands/generate-from-directive';
import { registerGenerateImage } from './commands/generate-image';
import { registerGenerateVariations } from './commands/generate-variations';
import { registerHistory } from './commands/history';
import { registerOptimizeCommand } from './commands/optimize';
import { registerModelCommands } from './commands/models';
import { registerInsertPlaceholder } from './commands/placeholder';
import { registerDiagnostics } from './diagnostics';
import { registerHover } from './hover';
import { registerGeneratorPanel } from './panel/generator-panel';
import { registerQuickFix } from './quickfix';
import { registerReferenceContext } from './reference-context';
import { createServices, type Services } from './services';
import { registerStatusBar } from './status';
import { registerWalkthrough } from './walkthrough';

/** What `activate` returns: the services, for the integration tests (not a public API). */
export interface NanoforgeExports {
  services: Services;
}

export function activate(context: vscode.ExtensionContext): NanoforgeExports {
  const services = createServices(context);
  context.subscriptions.push(
    registerStatusBar(services),
    registerReferenceContext(services),
    registerHover(services),
    registerCodeLens(services),
    registerDiagnostics(services),
    registerQuickFix(),
    registerGenerateImage(services),
    registerGenerateForReference(services),
    registerGenerateVariations(services),
    registerGenerateFromDirective(services),
    registerInsertPlaceholder(services),
    registerHistory(services),
    registerOptimizeCommand(services),
    registerModelCommands(services),
    registerGeneratorPanel(services),
    registerWalkthrough(services),
    services, // last: features may still log while they are disposed
  );
  return { services };
}

export function deactivate(): void {
  // Everything is in context.subscriptions; VS Code disposes it (and so stops the worker).
}
