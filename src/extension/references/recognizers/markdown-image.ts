// Markdown images: inline `![alt](path "title")`, `![alt](<path with spaces.png>)`, and
// reference-style definitions `[logo]: ./logo.png "title"` (the `![alt][logo]` use is elsewhere).
import type { AssetMatch, Recognizer } from '../types';
import { MAX_LINE_LENGTH, findPathTokens, isRemoteOrTemplate, pushMatch } from './path-token';

const MARKDOWN_LANGUAGES = ['markdown', 'mdx', 'quarto', 'rmd'] as const;
const EXT = /\.(?:png|jpe?g|gif|webp|avif|svg|ico|bmp)$/i;

// ![alt](  <path>  or  path  then optional "title" / 'title' / (title), then )
const INLINE = /!\[([^\]]*)\]\(\s*(?:<([^>\n]+)>|([^\s)]+))(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/dg;
const DEFINITION = /^\s{0,3}\[[^\]]+\]:\s*(?:<([^>\n]+)>|(\S+))(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*$/d;

function pushAngle(out: AssetMatch[], path: string, start: number, alt?: string): void {
  // <…> destinations may contain spaces, which path tokens never do; take the value whole.
  const clean = path.replace(/[?#].*$/, '');
  if (!EXT.test(clean) || isRemoteOrTemplate(clean)) return;
  const match: AssetMatch = { path: clean, start, end: start + clean.length, recognizer: 'markdown-image' };
  if (alt) match.attributes = { alt };
  out.push(match);
}

function pushPlain(out: AssetMatch[], value: string, start: number, alt?: string): void {
  const tokens = findPathTokens(value, start);
  const only = tokens[0];
  if (tokens.length !== 1 || !only || only.start !== start || only.tokenEnd !== start + value.length) return;
  pushMatch(out, only, 'markdown-image', alt ? { alt } : undefined);
}

export function recognizeMarkdownImage(line: string): AssetMatch[] {
  // Not linear in the line length (an image opener `![` whose destination never closes is rescanned from every `![`): lines over the documented cap are skipped, as recognizeLine does.
  if (line.length > MAX_LINE_LENGTH) return [];
  const out: AssetMatch[] = [];
  for (const m of line.matchAll(INLINE)) {
    const alt = m[1]?.trim() || undefined;
    const angle = m.indices?.[2];
    const plain = m.indices?.[3];
    if (m[2] !== undefined && angle) pushAngle(out, m[2], angle[0], alt);
    else if (m[3] !== undefined && plain) pushPlain(out, m[3], plain[0], alt);
  }
  const def = DEFINITION.exec(line);
  if (def?.[1] !== undefined && def.indices?.[1]) pushAngle(out, def[1], def.indices[1][0]);
  else if (def?.[2] !== undefined && def.indices?.[2]) pushPlain(out, def[2], def.indices[2][0]);
  return out;
}

export const markdownImageRecognizer: Recognizer = {
  id: 'markdown-image',
  languages: MARKDOWN_LANGUAGES,
  recognize: (line) => recognizeMarkdownImage(line),
};
