// Shared shapes of the editor-independent reference layer (no `vscode` import here).

/** Optional facts a recognizer can read off the same tag/call as the path. */
export interface AssetAttributes {
  alt?: string;
  width?: number;
  height?: number;
}

/** One asset path found in a line; `start`/`end` are the columns of the path itself. */
export interface AssetMatch {
  path: string;
  start: number;
  end: number;
  recognizer: string;
  attributes?: AssetAttributes;
}

/** Finds asset paths in one line of text. One small module per syntax (see recognizers/). */
export interface Recognizer {
  id: string;
  /** VS Code language ids this recognizer runs for; undefined = every language. */
  languages?: readonly string[];
  recognize(line: string, languageId: string): AssetMatch[];
}

/** The file-system surface the resolvers need: Node's fs in tests, workspace.fs in the editor. */
export interface FileSystemProbe {
  /** True when `absPath` is an existing regular file (or anything stat-able). */
  exists(absPath: string): Promise<boolean>;
  /** The file's text, or undefined when it does not exist / cannot be read. */
  readText(absPath: string): Promise<string | undefined>;
}

export interface ResolveContext {
  /** Absolute path of the document that contains the reference. */
  documentPath: string;
  /** Absolute paths of every workspace folder (multi-root). */
  workspaceFolders: readonly string[];
  probe: FileSystemProbe;
}

export interface Resolution {
  /** The existing file the reference points at, when there is one. */
  resolved?: string;
  /** Where to write the file when it is missing (the resolver's best guess). */
  candidate: string;
  /** The workspace folder that contains `resolved ?? candidate` ('' when none does). */
  folder: string;
  /** Which resolver produced `resolved ?? candidate`. */
  resolver: string;
}

/** A resolver turns a reference into candidate absolute paths, best first. */
export interface Resolver {
  id: string;
  candidates(reference: string, ctx: ResolveContext, folder: string | undefined): Promise<string[]>;
}
