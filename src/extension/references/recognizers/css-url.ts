// CSS/SCSS/Less/Stylus `url(a.png)`, `url("a.png")`, `url('a.png')` and `image-set("a.png" 1x)`.
// Also used inside HTML `style="…"` and CSS-in-JS template literals, so no language filter.
import type { AssetMatch, Recognizer } from '../types';
import { findPathTokens, pushMatch } from './path-token';

const URL_OPEN = /\burl\(\s*(["']?)$/i;
const IMAGE_SET_OPEN = /\b(?:-webkit-)?image-set\([^)]*["']$/i;

export function recognizeCssUrl(line: string): AssetMatch[] {
  const out: AssetMatch[] = [];
  for (const token of findPathTokens(line)) {
    const lead = line.slice(0, token.start);
    const url = URL_OPEN.exec(lead);
    if (url) {
      const quote = url[1] ?? '';
      const rest = line.slice(token.tokenEnd);
      const closes = quote ? rest.startsWith(quote) : /^\s*\)/.test(rest);
      if (closes) pushMatch(out, token, 'css-url');
    } else if (IMAGE_SET_OPEN.test(lead) && line[token.tokenEnd] === line[token.start - 1]) {
      pushMatch(out, token, 'css-url');
    }
  }
  return out;
}

export const cssUrlRecognizer: Recognizer = {
  id: 'css-url',
  recognize: (line) => recognizeCssUrl(line),
};
