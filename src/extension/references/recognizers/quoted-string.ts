// `"assets/logo.png"`, `'./a.svg'`, `` `img/b.webp` `` in any language: a string literal whose whole
// value is one image path. Covers Python/Go/Rust/Java/C#/PHP/Ruby… as well as JS and friends.
import type { AssetMatch, Recognizer } from '../types';
import { findPathTokens, pushMatch } from './path-token';

const QUOTES = new Set(['"', "'", '`']);

export function recognizeQuotedString(line: string): AssetMatch[] {
  const out: AssetMatch[] = [];
  for (const token of findPathTokens(line)) {
    const before = line[token.start - 1];
    const after = line[token.tokenEnd];
    if (before === undefined || !QUOTES.has(before) || before !== after) continue;
    pushMatch(out, token, 'quoted-string');
  }
  return out;
}

export const quotedStringRecognizer: Recognizer = {
  id: 'quoted-string',
  recognize: (line) => recognizeQuotedString(line),
};
