// CodeLens above each `@image` directive: "Generate" (target missing) or "Regenerate" (it exists),
// or the parse error. Lenses refresh when image files appear or vanish and when the tag changes.
import * as vscode from 'vscode';
import { COMMANDS } from './command-ids';
import { IMAGE_GLOB, type Directive } from './references';
import { directiveCommandArgs, directivesIn, REFERENCE_SELECTOR, resolveDirectiveTarget, workspaceProbe, type ResolvedReference } from './reference-lookup';
import type { Services } from './services';

export type CodeLensServices = Pick<Services, 'log' | 'settings'>;

function lensTitle(d: Directive, ref: ResolvedReference | undefined): string {
  if (d.error) return `$(warning) Nanoforge: ${d.error}`;
  if (ref?.refused) return '$(error) Nanoforge: the target is outside the workspace';
  return ref?.exists ? '$(refresh) Regenerate' : '$(sparkle) Generate';
}

export class DirectiveCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [this.changed];

  constructor(private readonly services: CodeLensServices) {
    const watcher = vscode.workspace.createFileSystemWatcher(IMAGE_GLOB, false, true, false);
    this.subscriptions.push(
      watcher,
      watcher.onDidCreate(() => this.changed.fire()),
      watcher.onDidDelete(() => this.changed.fire()),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('nanoforge') && this.changed.fire()),
    );
  }

  async provideCodeLenses(document: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    const tag = this.services.settings().directiveTag;
    if (!document.getText().includes(tag)) return [];
    const probe = workspaceProbe(document.uri);
    const lenses: vscode.CodeLens[] = [];
    for (const d of directivesIn(document, tag)) {
      if (token.isCancellationRequested) return [];
      const ref = await resolveDirectiveTarget(document, d, probe);
      const args = await directiveCommandArgs(document, d, ref, this.services);
      const range = new vscode.Range(d.line, d.range.start, d.line, d.range.end);
      const command: vscode.Command = args
        ? { title: lensTitle(d, ref), command: COMMANDS.generateFromDirective, arguments: [args], tooltip: `${d.kind ?? 'image'}: ${d.prompt} → ${vscode.workspace.asRelativePath(vscode.Uri.parse(args.target))}` }
        : { title: lensTitle(d, ref), command: '' };
      lenses.push(new vscode.CodeLens(range, command));
    }
    return lenses;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}

export function registerCodeLens(services: CodeLensServices): vscode.Disposable {
  const provider = new DirectiveCodeLensProvider(services);
  return vscode.Disposable.from(provider, vscode.languages.registerCodeLensProvider(REFERENCE_SELECTOR, provider));
}
