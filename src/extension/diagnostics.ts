// Missing-asset diagnostics: every recognised reference in a visible document that resolves to no
// file gets a diagnostic (severity from nanoforge.diagnostics.severity) with a quick fix to generate
// it. Scans are debounced per document, dropped when the text changed meanwhile, and re-run when
// image files appear or vanish.
import * as vscode from 'vscode';
import { IMAGE_GLOB, recognizeLine } from './references';
import { documentLines, REFERENCE_SELECTOR, resolveInDocument, workspaceProbe, type ResolvedReference } from './reference-lookup';
import { unwritableReason } from './naming';
import type { Services } from './services';
import { errorMessage } from '../inference/errors';

export type DiagnosticsServices = Pick<Services, 'log' | 'settings'>;

export const MISSING_ASSET_CODE = 'nanoforge.missingAsset';
/** Missing, and the resolved location is outside every workspace folder: no quick fix. */
export const MISSING_OUTSIDE_CODE = 'nanoforge.missingAssetOutsideWorkspace';
/** Missing, in a format Nanoforge cannot write (.gif, .bmp): no quick fix either. */
export const MISSING_UNWRITABLE_CODE = 'nanoforge.missingAssetUnwritableFormat';
export const DIAGNOSTIC_SOURCE = 'Nanoforge';
const DEBOUNCE_MS = 300;
const MAX_LINES = 10000;

const SEVERITY: Record<string, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

/** Free text where a quoted "x.png" is talk about a file, not a reference to one. */
const PROSE_LANGUAGES = new Set(['plaintext', 'log', 'git-commit', 'git-rebase', 'diff', 'scminput']);

/** `./images/a.png` and `images/a.png` name the same place; saying it twice read as a stutter. */
function samePath(written: string, relative: string): boolean {
  return written.replace(/^\.\//, '') === relative;
}

function isScannable(document: vscode.TextDocument): boolean {
  return vscode.languages.match(REFERENCE_SELECTOR, document) > 0 && !document.isUntitled && !PROSE_LANGUAGES.has(document.languageId)
    && vscode.workspace.getWorkspaceFolder(document.uri) !== undefined;
}

/** The message and code of a missing reference; only MISSING_ASSET_CODE promises a quick fix. */
function describeMissing(written: string, ref: ResolvedReference): { message: string; code: string } {
  if (ref.refused) return { message: `Image "${written}" does not exist, and its location is outside the workspace.`, code: MISSING_OUTSIDE_CODE };
  const unwritable = unwritableReason(ref.target.path);
  if (unwritable) return { message: `Image "${written}" does not exist, and ${unwritable}.`, code: MISSING_UNWRITABLE_CODE };
  const where = vscode.workspace.asRelativePath(ref.target);
  const at = samePath(written, where) ? '' : ` at ${where}`;
  return { message: `Image "${written}" does not exist; Nanoforge can generate it${at} (quick fix).`, code: MISSING_ASSET_CODE };
}

const RESOLVE_BATCH = 64;

/** Diagnostics for the missing references of one document (exported for the integration tests). */
export async function scanDocument(document: vscode.TextDocument, severity: vscode.DiagnosticSeverity): Promise<vscode.Diagnostic[]> {
  const probe = workspaceProbe(document.uri);
  const matches = documentLines(document, MAX_LINES).flatMap((text, line) => recognizeLine(text, document.languageId).map((match) => ({ line, match })));
  const found: vscode.Diagnostic[] = [];
  // Resolve in batches: the lookups are independent I/O, and one at a time a large file took seconds.
  for (let i = 0; i < matches.length; i += RESOLVE_BATCH) {
    const batch = matches.slice(i, i + RESOLVE_BATCH);
    const refs = await Promise.all(batch.map(({ line, match }) => resolveInDocument(document, match, line, probe)));
    refs.forEach((ref, j) => {
      const item = batch[j];
      if (!ref || ref.exists || !item) return;
      const { message, code } = describeMissing(item.match.path, ref);
      const d = new vscode.Diagnostic(new vscode.Range(item.line, item.match.start, item.line, item.match.end), message, severity);
      d.source = DIAGNOSTIC_SOURCE;
      d.code = code;
      found.push(d);
    });
  }
  return found;
}

export class MissingAssetDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('nanoforge');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly services: DiagnosticsServices) {
    const watcher = vscode.workspace.createFileSystemWatcher(IMAGE_GLOB, false, true, false);
    this.subscriptions.push(
      watcher,
      watcher.onDidCreate(() => this.scheduleVisible()),
      watcher.onDidDelete(() => this.scheduleVisible()),
      vscode.window.onDidChangeVisibleTextEditors(() => this.scheduleVisible()),
      vscode.workspace.onDidChangeTextDocument((e) => this.isVisible(e.document) && this.schedule(e.document)),
      vscode.workspace.onDidCloseTextDocument((d) => this.forget(d.uri)),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('nanoforge') && this.scheduleVisible()),
    );
    this.scheduleVisible();
  }

  private isVisible(document: vscode.TextDocument): boolean {
    return vscode.window.visibleTextEditors.some((e) => e.document === document);
  }

  private scheduleVisible(): void {
    for (const editor of vscode.window.visibleTextEditors) this.schedule(editor.document);
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.collection.delete(uri);
  }

  schedule(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      void this.run(document);
    }, DEBOUNCE_MS));
  }

  private async run(document: vscode.TextDocument): Promise<void> {
    const { enabled, severity } = this.services.settings().diagnostics;
    if (!enabled || !isScannable(document) || document.isClosed) {
      this.collection.delete(document.uri);
      return;
    }
    const version = document.version;
    try {
      const diagnostics = await scanDocument(document, SEVERITY[severity] ?? vscode.DiagnosticSeverity.Warning);
      // A newer edit has its own scan queued; this result describes old text.
      if (document.version !== version || document.isClosed) return;
      this.collection.set(document.uri, diagnostics);
    } catch (err) {
      this.services.log.warn(`missing-asset scan of ${document.uri.toString()}: ${errorMessage(err)}`);
    }
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const s of this.subscriptions) s.dispose();
    this.collection.dispose();
  }
}

export function registerDiagnostics(services: DiagnosticsServices): vscode.Disposable {
  return new MissingAssetDiagnostics(services);
}
