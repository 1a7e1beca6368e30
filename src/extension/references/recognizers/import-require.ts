// Module-style references: `import logo from './logo.png'`, `import './a.svg'`, `require('./a.png')`,
// dynamic `import('./a.png')`, and `new URL('./a.png', import.meta.url)` (Vite/webpack 5).
import { skipSpace, trimEndIndex } from '../comment-scan';
import type { AssetMatch, Recognizer } from '../types';
import { findPathTokens, pushMatch } from './path-token';

const SCRIPT_LANGUAGES = [
  'javascript', 'typescript', 'javascriptreact', 'typescriptreact', 'vue', 'svelte', 'astro', 'mdx',
] as const;

const isWordChar = (ch: string | undefined): boolean => ch !== undefined && /\w/.test(ch);

/** `word` ends at `end` and starts a word (a `\b` before it). */
function wordEndsAt(text: string, end: number, word: string): boolean {
  const start = end - word.length;
  return start >= 0 && text.startsWith(word, start) && !isWordChar(text[start - 1]);
}

/**
 * Whether a module specifier may start at `quote` (the opening quote): `from '…'`, a line that is
 * `import '…'`, `import('…')`, `require('…')` or `new URL('…')`. Read backwards from the quote over
 * its own whitespace only, so a line of many imports is scanned in linear time (the regular
 * expressions this replaces were run on the whole line before every path: quadratic).
 */
function specifierLead(line: string, quote: number, firstNonSpace: number): boolean {
  const end = trimEndIndex(line, quote);
  if (wordEndsAt(line, end, 'from')) return true;
  if (wordEndsAt(line, end, 'import') && end - 'import'.length === firstNonSpace) return true;
  if (line[end - 1] !== '(') return false;
  const callee = trimEndIndex(line, end - 1);
  if (wordEndsAt(line, callee, 'import') || wordEndsAt(line, callee, 'require')) return true;
  if (!line.startsWith('URL', callee - 3)) return false;
  const gap = trimEndIndex(line, callee - 3);
  return gap < callee - 3 && wordEndsAt(line, gap, 'new');
}

export function recognizeImportRequire(line: string): AssetMatch[] {
  const out: AssetMatch[] = [];
  const firstNonSpace = skipSpace(line, 0);
  for (const token of findPathTokens(line)) {
    const quote = line[token.start - 1];
    if ((quote !== '"' && quote !== "'" && quote !== '`') || line[token.tokenEnd] !== quote) continue;
    if (specifierLead(line, token.start - 1, firstNonSpace)) pushMatch(out, token, 'import-require');
  }
  return out;
}
export const importRequireRecognizer: Recognizer = {
  id: 'import-require',
  languages: SCRIPT_LANGUAGES,
  recognize: (line) => recognizeImportRequire(line),
};
