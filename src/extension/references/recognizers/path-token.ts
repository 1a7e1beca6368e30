// Shared scanning for recognizers: find path-like tokens that end in an image extension, and
// decide which of them are references we can act on (no URLs, data URIs or template strings).
import { IMAGE_EXTENSIONS } from '../../../inference/tables';
import type { AssetAttributes, AssetMatch } from '../types';

/**
 * Lines longer than this are minified bundles or data; scanning them finds nothing useful. Every
 * recognizer that is not linear in the line length skips such lines itself (recognizeLine too).
 */
export const MAX_LINE_LENGTH = 4000;

// A token: path characters, a non-empty stem, an image extension, an optional ?query/#hash.
// Quotes, brackets, braces, whitespace, `,;=|*` end a token, so `${name}.png` never yields a path.
// Scanned by hand in one pass: the equivalent regular expression backtracked over every run of
// path characters without an extension (quadratic: 5 s for a 30 kB line).
const NOT_TOKEN = /[\s"'`()<>[\]{},;=|*]/;
const NOT_QUERY = /[\s"'`()<>]/;
// Longest first, so an extension that begins another (none today) can never cut it short.
const EXTENSIONS: readonly string[] = [...IMAGE_EXTENSIONS].sort((a, b) => b.length - a.length);

const isTokenChar = (ch: string | undefined): boolean => ch !== undefined && !NOT_TOKEN.test(ch);
const isStemChar = (ch: string | undefined): boolean => isTokenChar(ch) && ch !== '.' && ch !== '/' && ch !== '\\';

/** End of `.ext` when `text` has an image extension's dot at `dot`, else -1 (case-insensitive). */
function extensionEnd(text: string, dot: number): number {
  if (text[dot] !== '.') return -1;
  for (const ext of EXTENSIONS) {
    // ASCII-only case folding, as the `i` flag of a non-Unicode regular expression does for these letters.
    const candidate = text.slice(dot + 1, dot + 1 + ext.length).replace(/[A-Z]/g, (c) => c.toLowerCase());
    if (candidate === ext) return dot + 1 + ext.length;
  }
  return -1;
}

export interface PathToken {
  /** The path without ?query / #hash. */
  path: string;
  start: number;
  /** End column of the path (without query). */
  end: number;
  /** End column including ?query / #hash. */
  tokenEnd: number;
}

/**
 * Where the path of the token that starts a run of path characters at `start` ends: after the last
 * `.ext` (with a stem character before it) that is followed by the run's end or by `?`/`#`; -1
 * when the run holds none. `runEnd` is where the run of path characters stops.
 */
function pathEndInRun(text: string, start: number, runEnd: number): number {
  let best = -1;
  for (let dot = start + 1; dot < runEnd; dot++) {
    const end = extensionEnd(text, dot);
    if (end < 0 || end > runEnd || !isStemChar(text[dot - 1])) continue;
    if (end === runEnd || text[end] === '?' || text[end] === '#') best = end;
  }
  return best;
}

/** Every image-path token in `text`, with columns offset by `offset`. Linear in the length of `text`. */
export function findPathTokens(text: string, offset = 0): PathToken[] {
  const tokens: PathToken[] = [];
  let at = 0;
  while (at < text.length) {
    while (at < text.length && !isTokenChar(text[at])) at++;
    if (at >= text.length) break;
    let runEnd = at;
    while (runEnd < text.length && isTokenChar(text[runEnd])) runEnd++;
    const pathEnd = pathEndInRun(text, at, runEnd);
    if (pathEnd < 0) {
      at = runEnd;
      continue;
    }
    let tokenEnd = pathEnd;
    if (text[pathEnd] === '?' || text[pathEnd] === '#') {
      tokenEnd++;
      while (tokenEnd < text.length && !NOT_QUERY.test(text[tokenEnd] as string)) tokenEnd++;
    }
    const start = offset + at;
    tokens.push({ path: text.slice(at, pathEnd), start, end: offset + pathEnd, tokenEnd: offset + tokenEnd });
    at = tokenEnd;
  }
  return tokens;
}

/** True when `value` (a whole attribute/string value) is one image path and nothing else. */
export function isImagePath(value: string): boolean {
  const tokens = findPathTokens(value);
  return tokens.length === 1 && tokens[0]?.start === 0 && tokens[0].tokenEnd === value.length;
}

/** URLs with a scheme (http:, data:, blob:, file: …), protocol-relative `//x`, or templates. */
export function isRemoteOrTemplate(path: string): boolean {
  if (/^[a-z][a-z0-9+.-]+:/i.test(path)) return true; // scheme of 2+ letters; `C:\` stays a path
  if (path.startsWith('//') || path.startsWith('\\\\')) return true;
  return /\$\{|\{\{|<%|#\{|\$\(/.test(path);
}

export function toMatch(token: PathToken, recognizer: string, attributes?: AssetAttributes): AssetMatch | undefined {
  if (isRemoteOrTemplate(token.path)) return undefined;
  const match: AssetMatch = { path: token.path, start: token.start, end: token.end, recognizer };
  if (attributes && Object.keys(attributes).length > 0) match.attributes = attributes;
  return match;
}

/** Pushes the match when it is one we keep; keeps recognizers to one line per accepted token. */
export function pushMatch(out: AssetMatch[], token: PathToken, recognizer: string, attributes?: AssetAttributes): void {
  const match = toMatch(token, recognizer, attributes);
  if (match) out.push(match);
}
