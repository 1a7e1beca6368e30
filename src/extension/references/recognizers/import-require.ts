// Module-style references: `import logo from './logo.png'`, `import './a.svg'`, `require('./a.png')`,
// dynamic `import('./a.png')`, and `new URL('./a.png', import.meta.url)` (Vite/webpack 5).
import type { AssetMatch, Recognizer } from '../types';
import { findPathTokens, pushMatch } from './path-token';

const SCRIPT_LANGUAGES = [
  'javascript', 'typescript', 'javascriptreact', 'typescriptreact', 'vue', 'svelte', 'astro', 'mdx',
] as const;

// What may stand right before the opening quote of a module specifier.
const LEAD_PATTERNS = [
  /\bfrom\s*$/, // import x from '…' / export { x } from '…'
  /^\s*import\s*$/, // import '…'
  /\bimport\s*\(\s*$/, // import('…')
  /\brequire\s*\(\s*$/, // require('…')
  /\bnew\s+URL\s*\(\s*$/, // new URL('…', import.meta.url)
];

export function recognizeImportRequire(line: string): AssetMatch[] {
  const out: AssetMatch[] = [];
  for (const token of findPathTokens(line)) {
    const quote = line[token.start - 1];
    if ((quote !== '"' && quote !== "'" && quote !== '`') || line[token.tokenEnd] !== quote) continue;
    const lead = line.slice(0, token.start - 1);
    if (LEAD_PATTERNS.some((p) => p.test(lead))) pushMatch(out, token, 'import-require');
  }
  return out;
}

export const importRequireRecognizer: Recognizer = {
  id: 'import-require',
  languages: SCRIPT_LANGUAGES,
  recognize: (line) => recognizeImportRequire(line),
};
