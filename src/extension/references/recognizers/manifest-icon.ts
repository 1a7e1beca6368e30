// JSON / YAML / web-manifest values: `"src": "icons/192.png"`, `"icon": "…"`, YAML `icon: ./a.png`,
// `- src: logo.svg`. Quoted JSON values are also strings (quoted-string), so this recognizer's own
// job is YAML's unquoted scalars and the key-based attribution of quoted ones.
import type { AssetMatch, Recognizer } from '../types';
import { MAX_LINE_LENGTH, findPathTokens, pushMatch } from './path-token';

const DATA_LANGUAGES = ['json', 'jsonc', 'json5', 'yaml', 'webmanifest', 'toml', 'dotenv', 'properties'] as const;

// `"key": "value"` (JSON) or `key: value` / `- key: value` / `key = "value"` (YAML/TOML).
const KEY_VALUE = /^(\s*(?:-\s+)?["']?([\w.@$-]+)["']?\s*[:=]\s*)(["']?)([^"'#\s,]+)\3\s*,?\s*(?:#.*)?$/;
const INLINE_JSON = /"([\w.@$-]+)"\s*:\s*"([^"]*)"/g;
// A bare YAML list item: `  - img/screenshot-1.png`.
const LIST_ITEM = /^(\s*-\s+)(["']?)([^"'#\s]+)\2\s*(?:#.*)?$/;

export function recognizeManifestIcon(line: string): AssetMatch[] {
  // Not linear in the line length (its key/value pattern backtracks over long values): lines over the documented cap are skipped, as recognizeLine does.
  if (line.length > MAX_LINE_LENGTH) return [];
  const out: AssetMatch[] = [];
  const kv = KEY_VALUE.exec(line);
  if (kv) {
    const valueStart = (kv[1]?.length ?? 0) + (kv[3]?.length ?? 0);
    const value = kv[4] ?? '';
    const token = findPathTokens(value, valueStart)[0];
    if (token && token.start === valueStart && token.tokenEnd === valueStart + value.length) pushMatch(out, token, 'manifest-icon');
    return out;
  }
  const item = LIST_ITEM.exec(line);
  if (item) {
    const valueStart = (item[1]?.length ?? 0) + (item[2]?.length ?? 0);
    const value = item[3] ?? '';
    const token = findPathTokens(value, valueStart)[0];
    if (token && token.start === valueStart && token.tokenEnd === valueStart + value.length) pushMatch(out, token, 'manifest-icon');
    return out;
  }
  // Several pairs on one line: { "src": "a.png", "sizes": "48x48" }.
  for (const m of line.matchAll(INLINE_JSON)) {
    const value = m[2] ?? '';
    const valueStart = (m.index ?? 0) + m[0].length - value.length - 1;
    const token = findPathTokens(value, valueStart)[0];
    if (token && token.start === valueStart && token.tokenEnd === valueStart + value.length) pushMatch(out, token, 'manifest-icon');
  }
  return out;
}

export const manifestIconRecognizer: Recognizer = {
  id: 'manifest-icon',
  languages: DATA_LANGUAGES,
  recognize: (line) => recognizeManifestIcon(line),
};
