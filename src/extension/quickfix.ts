// Quick fix on a missing-asset diagnostic: "Generate this image" runs Generate for Reference on
// exactly that path (the command owns prompts, trust and writing).
import * as vscode from 'vscode';
import { COMMANDS, type ReferenceCommandArgs } from './command-ids';
import { DIAGNOSTIC_SOURCE, MISSING_ASSET_CODE } from './diagnostics';
import { unwritableReason } from './naming';
import { cleanReference } from './references/resolvers';
import { REFERENCE_SELECTOR } from './reference-lookup';

export const GENERATE_THIS_IMAGE_TITLE = 'Generate this image';

export class GenerateImageQuickFix implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    return context.diagnostics
      .filter((d) => d.code === MISSING_ASSET_CODE && d.source === DIAGNOSTIC_SOURCE)
      // The scan already gives .gif/.bmp another code; this keeps any other producer of the code honest.
      .filter((d) => unwritableReason(cleanReference(document.getText(d.range))) === undefined)
      .map((d) => {
        const action = new vscode.CodeAction(GENERATE_THIS_IMAGE_TITLE, vscode.CodeActionKind.QuickFix);
        const args: ReferenceCommandArgs = { uri: document.uri.toString(), line: d.range.start.line, character: d.range.start.character };
        action.command = { title: GENERATE_THIS_IMAGE_TITLE, command: COMMANDS.generateForReference, arguments: [args] };
        action.diagnostics = [d];
        action.isPreferred = true;
        return action;
      });
  }
}

/** `services` is unused today; the signature matches the other `register*` features. */
export function registerQuickFix(_services?: unknown): vscode.Disposable {
  return vscode.languages.registerCodeActionsProvider(REFERENCE_SELECTOR, new GenerateImageQuickFix(), GenerateImageQuickFix.metadata);
}
