// Restricted Mode: references, hovers and diagnostics keep working; generation (which runs a model and
// writes files) happens only on an explicit user action, and indirect triggers ask first.
// package.json declares `untrustedWorkspaces: limited` and lists the settings a repository must not
// set for an untrusted workspace (model, modelsFolder, hub endpoint) under restrictedConfigurations.
// Menus that need it can use VS Code's own `isWorkspaceTrusted` context key.
import * as vscode from 'vscode';

/** How a generation was started. Palette and context-menu commands are explicit by themselves. */
export type GenerationTrigger = 'command' | 'indirect';

export class TrustGate {
  /** Replaceable by tests; defaults to VS Code's answer. */
  isTrusted: () => boolean = () => vscode.workspace.isTrusted;
  /** Replaceable by tests; the modal asked before an indirect trigger generates in Restricted Mode. */
  ask: () => Promise<boolean> = async () => {
    const generate = 'Generate';
    const answer = await vscode.window.showWarningMessage(
      'This workspace is in Restricted Mode. Generate an image with the local model and write it into this workspace?',
      { modal: true },
      generate,
    );
    return answer === generate;
  };

  /** True when a generation may start now. */
  async allowGeneration(trigger: GenerationTrigger): Promise<boolean> {
    if (this.isTrusted() || trigger === 'command') return true;
    return this.ask();
  }
}
