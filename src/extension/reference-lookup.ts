// The editor side of the references layer: a FileSystemProbe over workspace.fs (so remote and virtual
// workspaces work), path ↔ URI mapping, and "what reference/directive is here and where does it
// point" for the hover, CodeLens, diagnostics and quick fix.
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { readFileHead } from '../inference/safety/bounded';
import type { DirectiveCommandArgs } from './command-ids';
import { defaultTargetPath } from './naming';
import {
  checkRealTarget, checkTarget, findDirectives, referenceAt, resolveReference,
  type AssetMatch, type Directive, type FileSystemProbe, type Resolution,
} from './references';
import type { Services } from './services';

/** Where the directive helpers read nanoforge.outputFolder, namingPattern, defaultSizes and format. */
export type SettingsSource = Pick<Services, 'settings'>;

/** Documents we look at: files on disk, remote and virtual files; not output panes or diffs. */
export const REFERENCE_SELECTOR: vscode.DocumentSelector = [
  { scheme: 'file' }, { scheme: 'vscode-remote' }, { scheme: 'vscode-vfs' }, { scheme: 'untitled' },
];

const MAX_TEXT_BYTES = 512 * 1024;

export function pathOf(uri: vscode.Uri): string {
  return uri.scheme === 'file' ? uri.fsPath : uri.path;
}

/** The URI for an absolute path on the same file system as `like`. */
export function uriOf(p: string, like: vscode.Uri): vscode.Uri {
  return like.scheme === 'file' ? vscode.Uri.file(p) : like.with({ path: p, query: '', fragment: '' });
}

function isNotFound(err: unknown): boolean {
  if (err instanceof vscode.FileSystemError) return true;
  // Node's fs for local files: a missing file, or a path through something that is not a folder.
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * A FileSystemProbe for documents like `like`; `exists`/`readText` results are cached for the
 * probe's lifetime. `file:` paths are on the machine this extension host runs on (local or remote),
 * so they are read with Node's fs: workspace.fs costs a round trip per call, which made a 10k-line
 * file's diagnostics scan take ~11 s (bench/vscode.bench.ts). Other schemes go through workspace.fs.
 */
export function workspaceProbe(like: vscode.Uri): FileSystemProbe {
  const exists = new Map<string, Promise<boolean>>();
  const texts = new Map<string, Promise<string | undefined>>();
  const local = like.scheme === 'file';
  const statOf = (absPath: string): Promise<unknown> => (local ? fs.stat(absPath) : Promise.resolve(vscode.workspace.fs.stat(uriOf(absPath, like))));
  // Config files (tsconfig, jsconfig) only: never more than MAX_TEXT_BYTES + 1 bytes read, whatever the file's size.
  const bytesOf = async (absPath: string): Promise<Uint8Array> => {
    if (local) return (await readFileHead(absPath, MAX_TEXT_BYTES + 1)).bytes;
    const uri = uriOf(absPath, like);
    if ((await vscode.workspace.fs.stat(uri)).size > MAX_TEXT_BYTES) return new Uint8Array(MAX_TEXT_BYTES + 1);
    return vscode.workspace.fs.readFile(uri);
  };
  return {
    exists(absPath) {
      let known = exists.get(absPath);
      if (!known) {
        known = statOf(absPath).then(() => true, (err: unknown) => {
          if (isNotFound(err)) return false;
          throw err;
        });
        exists.set(absPath, known);
      }
      return known;
    },
    readText(absPath) {
      let known = texts.get(absPath);
      if (!known) {
        known = bytesOf(absPath).then(
          (bytes) => (bytes.byteLength > MAX_TEXT_BYTES ? undefined : new TextDecoder().decode(bytes)),
          (err: unknown) => {
            if (isNotFound(err)) return undefined;
            throw err;
          },
        );
        texts.set(absPath, known);
      }
      return known;
    },
  };
}

export interface ResolvedReference {
  match: AssetMatch;
  /** Zero-based line of the path. */
  line: number;
  resolution: Resolution;
  /** The existing file, or where a generated one would go. */
  target: vscode.Uri;
  exists: boolean;
  /** Why writing `target` would be refused (outside every workspace folder), if it would be. */
  refused?: string;
}

function folderPaths(document: vscode.TextDocument): string[] {
  return (vscode.workspace.workspaceFolders ?? [])
    .filter((f) => f.uri.scheme === document.uri.scheme && f.uri.authority === document.uri.authority)
    .map((f) => pathOf(f.uri));
}

/** Resolves one recognised path in `document` through the resolver list. */
export async function resolveInDocument(
  document: vscode.TextDocument, match: AssetMatch, line: number, probe: FileSystemProbe = workspaceProbe(document.uri),
): Promise<ResolvedReference | undefined> {
  if (document.isUntitled) return undefined; // no folder to resolve `./x.png` against
  const workspaceFolders = folderPaths(document);
  const resolution = await resolveReference(match.path, { documentPath: pathOf(document.uri), workspaceFolders, probe });
  const chosen = resolution.resolved ?? resolution.candidate;
  const verdict = checkTarget(chosen, workspaceFolders);
  const result: ResolvedReference = { match, line, resolution, target: uriOf(chosen, document.uri), exists: resolution.resolved !== undefined };
  if (!verdict.ok) result.refused = verdict.reason;
  return result;
}

/**
 * The reference under `position`, resolved; undefined when there is none. On local disks the target
 * is also checked through symlinks (a linked folder leading outside the workspace is refused), which
 * matters here because this is what Generate for Reference writes to.
 */
export async function lookupReferenceAt(document: vscode.TextDocument, position: vscode.Position): Promise<ResolvedReference | undefined> {
  const match = referenceAt(document.lineAt(position.line).text, document.languageId, position.character);
  const ref = match && (await resolveInDocument(document, match, position.line));
  if (!ref || ref.refused || ref.target.scheme !== 'file') return ref;
  const verdict = await checkRealTarget(ref.target.fsPath, folderPaths(document), fs.realpath);
  if (!verdict.ok) ref.refused = verdict.reason;
  return ref;
}

export function documentLines(document: vscode.TextDocument, maxLines = 20000): string[] {
  const n = Math.min(document.lineCount, maxLines);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(document.lineAt(i).text);
  return lines;
}

/** Directives of a document; with `line`, only the one on that line. */
export function directivesIn(document: vscode.TextDocument, tag: string, line?: number): Directive[] {
  if (line !== undefined) {
    // Only the directive's own line and the few after it (implicit target) matter for one directive.
    const lines = Array.from({ length: Math.max(0, Math.min(document.lineCount - line, 5)) }, (_, i) => document.lineAt(line + i).text);
    return findDirectives(lines, document.languageId, tag).filter((d) => d.line === 0).map((d) => shift(d, line));
  }
  return findDirectives(documentLines(document), document.languageId, tag);
}

function shift(d: Directive, by: number): Directive {
  const moved: Directive = { ...d, line: d.line + by };
  if (d.target) moved.target = { ...d.target, line: d.target.line + by };
  return moved;
}

/** Resolves a directive's target (explicit `-> path` or the reference below it). */
export async function resolveDirectiveTarget(document: vscode.TextDocument, d: Directive, probe?: FileSystemProbe): Promise<ResolvedReference | undefined> {
  if (!d.target) return undefined;
  const match: AssetMatch = { path: d.target.path, start: d.target.start, end: d.target.end, recognizer: 'directive' };
  return resolveInDocument(document, match, d.target.line, probe);
}

/** Where a target-less directive writes: nanoforge.outputFolder + namingPattern in its workspace folder. */
function defaultTarget(document: vscode.TextDocument, d: Directive, services: SettingsSource): vscode.Uri | undefined {
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
  document: vscode.TextDocument, d: Directive, ref: ResolvedReference | undefined, services: SettingsSource,
): Promise<DirectiveCommandArgs | undefined> {
  if (d.error || (ref && ref.refused)) return undefined;
  const target = ref?.target ?? (d.target ? undefined : defaultTarget(document, d, services));
  if (!target) return undefined;
  const args: DirectiveCommandArgs = { prompt: d.prompt, target: target.toString(), documentUri: document.uri.toString(), line: d.line };
  if (d.kind) args.kind = d.kind;
  if (d.layout !== undefined) args.layout = d.layout;
  if (d.width !== undefined && d.height !== undefined) {
    args.width = d.width;
    args.height = d.height;
  }
  return args;
}
