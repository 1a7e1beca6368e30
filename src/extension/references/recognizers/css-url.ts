// CSS/SCSS/Less/Stylus `url(a.png)`, `url("a.png")`, `url('a.png')` and `image-set("a.png" 1x)`.
// Also used inside HTML `style="…"` and CSS-in-JS template literals, so no language filter.
// What precedes each path is read backwards from the path (its own whitespace only) and the
// image-set state is carried along the line, so the scan stays linear in the line length.
import { isSpace, trimEndIndex } from '../comment-scan';
import type { AssetMatch, Recognizer } from '../types';
import { findPathTokens, pushMatch } from './path-token';

const isWordChar = (ch: string | undefined): boolean => ch !== undefined && /\w/.test(ch);

/** `url(` + optional whitespace + the optional quote right before `start`; the quote ('' for none), or undefined. */
function urlOpenBefore(line: string, start: number): string | undefined {
  const quote = line[start - 1] === '"' || line[start - 1] === "'" ? (line[start - 1] as string) : '';
  const paren = trimEndIndex(line, start - quote.length);
  const open = paren - 4;
  if (open < 0 || line.slice(open, paren).toLowerCase() !== 'url(' || isWordChar(line[open - 1])) return undefined;
  return quote;
}

/** Walks the line once: whether an `image-set(` is open (no `)` since) at each position asked, in order. */
function imageSetTracker(line: string): (until: number) => boolean {
  let at = 0;
  let open = false;
  return (until) => {
    for (; at < until; at++) {
      const ch = line[at];
      if (ch === ')') open = false;
      else if ((ch === 'i' || ch === 'I') && !isWordChar(line[at - 1]) && line.slice(at, at + 10).toLowerCase() === 'image-set(') {
        open = true;
        at += 9;
      }
    }
    return open;
  };
}

export function recognizeCssUrl(line: string): AssetMatch[] {
  const out: AssetMatch[] = [];
  const imageSetOpen = imageSetTracker(line);
  for (const token of findPathTokens(line)) {
    const quote = urlOpenBefore(line, token.start);
    const before = line[token.start - 1];
    if (quote !== undefined) {
      const after = line[token.tokenEnd];
      let close = token.tokenEnd;
      while (!quote && isSpace(line[close])) close++;
      const closes = quote ? after === quote : line[close] === ')';
      if (closes) pushMatch(out, token, 'css-url');
    } else if ((before === '"' || before === "'") && imageSetOpen(token.start - 1) && line[token.tokenEnd] === before) {
      pushMatch(out, token, 'css-url');
    }
  }
  return out;
}

export const cssUrlRecognizer: Recognizer = {
  id: 'css-url',
  recognize: (line) => recognizeCssUrl(line),
};
