// HTML/JSX/Vue/Svelte attributes: `src`, `data-src`, `poster`, every candidate of `srcset`, and
// `href` on `<link rel="icon">`-style tags and SVG `<image>`. `alt`, `width`, `height` on the same
// tag travel along as attributes (they seed the prompt and size).
import type { AssetAttributes, AssetMatch, Recognizer } from '../types';
import { MAX_LINE_LENGTH, findPathTokens, isImagePath, pushMatch } from './path-token';

interface AttributeValue {
  name: string;
  value: string;
  /** Column where `value` starts. */
  valueStart: number;
}

// name = "v" | 'v' | {"v"} | {'v'} | {v} | v
const ATTRIBUTE = /(?:^|[\s<])([:@]?[\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|\{\s*(["'`]?)([^"'`{}]*)\4\s*\}|([^\s"'=<>`{}]+))/g;
const SOURCE_NAMES = new Set(['src', 'data-src', 'poster', ':src', 'v-bind:src']);
const SRCSET_NAMES = new Set(['srcset', 'data-srcset', ':srcset']);
const ICON_REL = /\b(?:icon|apple-touch-icon|apple-touch-startup-image|mask-icon)\b/i;

function readAttributes(segment: string, offset: number): AttributeValue[] {
  const found: AttributeValue[] = [];
  // The `d` flag gives the column of each capture group, so values keep exact positions.
  const re = new RegExp(ATTRIBUTE.source, 'gd');
  for (let m = re.exec(segment); m; m = re.exec(segment)) {
    const name = (m[1] ?? '').toLowerCase();
    const group = [2, 3, 5, 6].find((g) => m?.[g] !== undefined);
    const span = group === undefined ? undefined : m.indices?.[group];
    if (group === undefined || !span) continue;
    found.push({ name, value: m[group] ?? '', valueStart: offset + span[0] });
  }
  return found;
}

/** Splits the line into tag segments so attributes of one `<img>` don't leak into the next. */
function tagSegments(line: string): { text: string; offset: number; tag: string }[] {
  const starts = [...line.matchAll(/<([A-Za-z][\w:.-]*)/g)];
  if (starts.length === 0) return [{ text: line, offset: 0, tag: '' }];
  const segments = [{ text: line.slice(0, starts[0]?.index ?? 0), offset: 0, tag: '' }];
  starts.forEach((m, i) => {
    const from = m.index ?? 0;
    const to = starts[i + 1]?.index ?? line.length;
    segments.push({ text: line.slice(from, to), offset: from, tag: (m[1] ?? '').toLowerCase() });
  });
  return segments;
}

function numberOf(value: string | undefined): number | undefined {
  const n = value === undefined ? NaN : Number.parseFloat(value);
  return Number.isFinite(n) && n > 0 && /^\s*\d+(\.\d+)?\s*(px)?\s*$/.test(value ?? '') ? Math.round(n) : undefined;
}

function attributesOf(values: AttributeValue[]): AssetAttributes {
  const get = (n: string) => values.find((v) => v.name === n || v.name === `:${n}`)?.value;
  const attributes: AssetAttributes = {};
  const alt = get('alt')?.trim();
  if (alt) attributes.alt = alt;
  const width = numberOf(get('width'));
  const height = numberOf(get('height'));
  if (width) attributes.width = width;
  if (height) attributes.height = height;
  return attributes;
}

function isHrefAsset(tag: string, values: AttributeValue[]): boolean {
  if (tag === 'image' || tag === 'use') return true;
  const rel = values.find((v) => v.name === 'rel')?.value ?? '';
  return tag === 'link' && ICON_REL.test(rel);
}

export function recognizeHtmlAttributes(line: string): AssetMatch[] {
  // Not linear in the line length (an attribute value that never closes is rescanned from every attribute start): lines over the documented cap are skipped, as recognizeLine does.
  if (line.length > MAX_LINE_LENGTH) return [];
  const out: AssetMatch[] = [];
  for (const segment of tagSegments(line)) {
    const values = readAttributes(segment.text, segment.offset);
    const attributes = attributesOf(values);
    for (const attr of values) {
      const isSource = SOURCE_NAMES.has(attr.name) || ((attr.name === 'href' || attr.name === 'xlink:href') && isHrefAsset(segment.tag, values));
      if (isSource && isImagePath(attr.value)) {
        for (const token of findPathTokens(attr.value, attr.valueStart)) pushMatch(out, token, 'html-attribute', attributes);
      } else if (SRCSET_NAMES.has(attr.name)) {
        // Each comma-separated candidate is `url [descriptor]`; the url is the first token.
        for (const token of findPathTokens(attr.value, attr.valueStart)) pushMatch(out, token, 'html-attribute', attributes);
      }
    }
  }
  return out;
}

export const htmlAttributeRecognizer: Recognizer = {
  id: 'html-attribute',
  recognize: (line) => recognizeHtmlAttributes(line),
};
