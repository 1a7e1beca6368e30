// CodeLens above each `@image` directive: "Generate" (target missing) or "Regenerate" (it exists),
// or the parse error. Lenses refresh when image files appear or vanish and when the tag changes.
import * as vscode from 'vscode';
import { COMMANDS, type DirectiveCommandArgs } from './command-ids';
import type { Directive } from './references/directives';
import { directivesIn, REFERENCE_SELECTOR, resolveDirectiveTarget, workspaceProbe, type ResolvedReference } from './reference-lookup';
import { defaultTargetPath } from './naming';
import type { Services } from './services';
import { IMAGE_EXTENSIONS } from '../inference/tables';

export type CodeLensServices = Pick<Services, 'log' | 'settings'>;

export const IMAGE_GLOB = `**/*.{${IMAGE_EXTENSIONS.join(',')}}`;

/** Where a target-less directive writes: nanoforge.outputFolder + namingPattern in its workspace folder. */
function defaultTarget(document: vscode.TextDocument, d: Directive, services: CodeLensServices): vscode.Uri | undefined {
  const folder = vscode.workspace.getWorkspaceFolder(document.uri) ?? vscode.workspace.workspaceFolders?.[0];
  if (!folder) return undefined;
  const s = services.settings();
  const kind = d.kind ?? 'icon';
  const size = { width: d.width ?? s.defaultSizes[kind].width, height: d.height ?? s.defaultSizes[kind].height };
  const relative = defaultTargetPath(s.outputFolder, s.namingPattern, { prompt: d.prompt, kind, ...size, format: s.format });
  return vscode.Uri.joinPath(folder.uri, relative);
}

/** The generateFromDirective arguments, or undefined when the directive cannot run (error, refused target). */
export async function directiveCommandArgs(
  document: vscode.TextDocument, d: Directive, ref: ResolvedReference | undefined, services: CodeLensServices,
): Promise<DirectiveCommandArgs | undefined> {
  if (d.error || (ref && ref.refused)) return undefined;
  const target = ref?.target ?? (d.target ? undefined : defaultTarget(document, d, services));
  if (!target) return undefined;
  const args: DirectiveCommandArgs = { prompt: d.prompt, target: target.toString(), documentUri: document.uri.toString(), line: d.line };
  if (d.kind) args.kind = d.kind;
  if (d.width !== undefined && d.height !== undefined) {
    args.width = d.width;
    args.height = d.height;
  }
  return args;
}

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
