// Shared scanning for recognizers: find path-like tokens that end in an image extension, and
// decide which of them are references we can act on (no URLs, data URIs or template strings).
import { IMAGE_EXTENSIONS } from '../../../inference/tables';
import type { AssetAttributes, AssetMatch } from '../types';

const EXT = IMAGE_EXTENSIONS.join('|');
// A token: path characters, a non-empty stem, an image extension, an optional ?query/#hash.
// Quotes, brackets, braces, whitespace, `,;=` end a token, so `${name}.png` never yields a path.
const TOKEN_CHARS = "[^\\s\"'`()<>\\[\\]{},;=|*]";
const TOKEN_SOURCE = `(${TOKEN_CHARS}*[^\\s"'\`()<>\\[\\]{},;=|*./\\\\]\\.(?:${EXT}))(?:[?#][^\\s"'\`()<>]*)?(?!${TOKEN_CHARS})`;

export interface PathToken {
  /** The path without ?query / #hash. */
  path: string;
  start: number;
  /** End column of the path (without query). */
  end: number;
  /** End column including ?query / #hash. */
  tokenEnd: number;
}

/** Every image-path token in `text`, with columns offset by `offset`. */
export function findPathTokens(text: string, offset = 0): PathToken[] {
  const tokens: PathToken[] = [];
  const re = new RegExp(TOKEN_SOURCE, 'gi');
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const raw = m[0];
    const path = m[1] ?? raw;
    const start = offset + m.index;
    tokens.push({ path, start, end: start + path.length, tokenEnd: start + raw.length });
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
