// Defaults for a reference that has no directive: size from nearby markup, prompt from alt text,
// a comment or the file name, and the kind from the name and size. Pure text work, no I/O.
import type { AssetKind } from '../../inference/types';
import { commentContent, isSpace, lineOpenerLength, skipSpace } from './comment-scan';
import type { AssetMatch } from './types';

export interface InferredSize { width: number; height: number; source: 'attributes' | 'file-name' | 'nearby' }
export interface InferredPrompt { prompt: string; source: 'alt' | 'comment' | 'file-name' }
export interface AssetDefaults { size?: InferredSize; prompt: InferredPrompt; kind: AssetKind }

const MAX_SIDE = 4096;
const NEARBY_LINES = 2;

function side(value: string | undefined, scale = 1): number | undefined {
  const n = value === undefined ? NaN : Math.round(Number.parseFloat(value) * scale);
  return Number.isFinite(n) && n > 0 && n <= MAX_SIDE ? n : undefined;
}

/** `64x64`, `192×192` in a file name; `@2x` and version numbers are not sizes. */
export function sizeFromFileName(path: string): { width: number; height: number } | undefined {
  const name = path.split(/[/\\]/).pop() ?? '';
  const m = /(?:^|[^\d])(\d{1,4})[x×](\d{1,4})(?!\d)/i.exec(name);
  const width = side(m?.[1]);
  const height = side(m?.[2]);
  return width && height ? { width, height } : undefined;
}

const WIDTH_PATTERNS = [/\bwidth\s*[=:]\s*["'{]?\s*(\d+(?:\.\d+)?)(?:px)?\b/i, /(?:^|[\s"'`:])w-\[(\d+)px\]/, /(?:^|[\s"'`:])w-(\d+(?:\.5)?)(?![\w/.-])/];
const HEIGHT_PATTERNS = [/\bheight\s*[=:]\s*["'{]?\s*(\d+(?:\.\d+)?)(?:px)?\b/i, /(?:^|[\s"'`:])h-\[(\d+)px\]/, /(?:^|[\s"'`:])h-(\d+(?:\.5)?)(?![\w/.-])/];
const SQUARE_PATTERNS = [/\bsize\s*[=:]\s*["'{]?\s*(\d+)(?:px)?\b/i, /(?:^|[\s"'`:])size-\[(\d+)px\]/, /(?:^|[\s"'`:])size-(\d+(?:\.5)?)(?![\w/.-])/];
const PAIR_PATTERN = /\bsizes\s*["']?\s*[=:]\s*["'](\d{1,4})x(\d{1,4})\b/i;

/** The value of the first pattern that matches; Tailwind spacing units (index ≥ 2) are 4 px. */
function firstSide(text: string, patterns: RegExp[]): number | undefined {
  for (const [i, p] of patterns.entries()) {
    const v = side(p.exec(text)?.[1], i === 2 ? 4 : 1);
    if (v) return v;
  }
  return undefined;
}

/** Width/height written in one piece of text; one dimension alone means a square. */
export function sizeFromText(text: string): { width: number; height: number } | undefined {
  const pair = PAIR_PATTERN.exec(text);
  const pw = side(pair?.[1]);
  const ph = side(pair?.[2]);
  if (pw && ph) return { width: pw, height: ph };
  const square = firstSide(text, SQUARE_PATTERNS);
  const width = firstSide(text, WIDTH_PATTERNS) ?? square;
  const height = firstSide(text, HEIGHT_PATTERNS) ?? square;
  const one = width ?? height;
  return one ? { width: width ?? one, height: height ?? one } : undefined;
}

/** Lines nearest to `line` first: the line itself, then ±1, ±2. */
function nearbyLines(lines: readonly string[], line: number, radius: number): string[] {
  const out: string[] = [];
  for (let d = 0; d <= radius; d++) {
    for (const i of d === 0 ? [line] : [line - d, line + d]) {
      const text = lines[i];
      if (text !== undefined) out.push(text);
    }
  }
  return out;
}

export function inferSize(lines: readonly string[], line: number, match: AssetMatch): InferredSize | undefined {
  const one = match.attributes?.width ?? match.attributes?.height;
  if (one) return { width: match.attributes?.width ?? one, height: match.attributes?.height ?? one, source: 'attributes' };
  const named = sizeFromFileName(match.path);
  if (named) return { ...named, source: 'file-name' };
  for (const text of nearbyLines(lines, line, NEARBY_LINES)) {
    const found = sizeFromText(text);
    if (found) return { ...found, source: 'nearby' };
  }
  return undefined;
}

const NOT_PROSE = /^(?:eslint|@ts-|prettier|istanbul|noinspection|type:|pylint|noqa|region|endregion|#|@image\b)|^[\W\d_]*$/i;

function commentText(text: string | undefined): string | undefined {
  const t = text?.trim();
  return t && !NOT_PROSE.test(t) && /[A-Za-z]{2}/.test(t) ? t : undefined;
}

/**
 * A whole-line comment's text (`{/* … *∕}`, `// …`, `# …`, ` * …`, `<!-- … -->`, `-- …`, `; …`, `% …`),
 * or null when the line is not one. Read in one pass (see comment-scan.ts).
 */
export function commentLineText(line: string): string | null {
  let at = skipSpace(line, 0);
  if (line[at] === '{') at = skipSpace(line, at + 1);
  const opener = lineOpenerLength(line, at);
  if (opener === 0) return null;
  return commentContent(line, at + opener, true) ?? null;
}

/** The first comment that starts after code on a line (` // …`, ` # …`, `/* …`, `<!-- …`), in one pass. */
export function trailingCommentText(text: string): string | undefined {
  for (let x = 0; x < text.length; x++) {
    let end = 0;
    if (isSpace(text[x]) && text[x + 1] === '/' && text[x + 2] === '/') {
      end = x + 3;
      while (text[end] === '/') end++;
    } else if (isSpace(text[x]) && text[x + 1] === '#') {
      let hashes = x + 1;
      while (text[hashes] === '#') hashes++;
      if (isSpace(text[hashes])) end = hashes;
    } else if (text[x] === '/' && text[x + 1] === '*') {
      end = x + 2;
      while (text[end] === '*') end++;
    } else if (text.startsWith('<!--', x)) {
      end = x + 4;
    }
    if (end > 0) return commentContent(text, end, false);
  }
  return undefined;
}

/** The comment that describes the line: a trailing one after the reference, else the nearest above. */
export function nearestComment(lines: readonly string[], line: number, after = 0): string | undefined {
  const current = lines[line] ?? '';
  const trailing = commentText(trailingCommentText(current.slice(after)));
  if (trailing) return trailing;
  for (let i = line - 1; i >= Math.max(0, line - 3); i--) {
    const content = commentLineText(lines[i] ?? '');
    if (content === null) return undefined; // code between: the comment is about something else
    const text = commentText(content);
    if (text) return text;
  }
  return undefined;
}

/** `hero-banner.png` → "hero banner", `userAvatar_64x64@2x.webp` → "user avatar". */
export function promptFromFileName(path: string): string {
  const name = (path.split(/[/\\]/).pop() ?? '').replace(/\.[^.]+$/, '');
  const words = name
    .replace(/@\d+(?:\.\d+)?x$/i, '')
    .replace(/\d{1,4}[x×]\d{1,4}/gi, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .split(/[\s\-_.]+/)
    .filter((w) => w && !/^\d+$/.test(w))
    .map((w) => w.toLowerCase());
  return words.join(' ') || 'image';
}

const ALT_PATTERN = /\b(?:alt|aria-label)\s*[=:]\s*\{?\s*(["'`])([^"'`]+)\1/i;

/** `alt` on the reference's line, or on the attribute lines that continue its tag below. */
function nearbyAlt(lines: readonly string[], line: number): string | undefined {
  for (let i = line; i < Math.min(lines.length, line + 4); i++) {
    const text = lines[i] ?? '';
    if (i > line && !/^\s*[:@]?[\w-]+\s*=/.test(text)) return undefined; // not an attribute line
    const alt = ALT_PATTERN.exec(text)?.[2]?.trim();
    if (alt) return alt;
  }
  return undefined;
}

export function inferPrompt(lines: readonly string[], line: number, match: AssetMatch): InferredPrompt {
  const alt = match.attributes?.alt ?? nearbyAlt(lines, line);
  if (alt) return { prompt: alt, source: 'alt' };
  const comment = nearestComment(lines, line, match.end);
  if (comment) return { prompt: comment, source: 'comment' };
  return { prompt: promptFromFileName(match.path), source: 'file-name' };
}

const HINTS: { kind: AssetKind; pattern: RegExp }[] = [
  { kind: 'placeholder', pattern: /placeholder|dummy|blank|empty[-_ ]?state|\bph\b/i },
  { kind: 'mockup', pattern: /mock[-_ ]?up|wireframe|screen(?:shot)?|\bui\b/i },
  { kind: 'icon', pattern: /icon|logo|favicon|avatar|badge|glyph|emoji/i },
  { kind: 'illustration', pattern: /illustration|hero|banner|splash|background|\bbg\b|cover|artwork/i },
  { kind: 'photo', pattern: /photo|portrait|picture/i },
];

export function inferKind(path: string, size?: { width: number; height: number }): AssetKind {
  const name = (path.split(/[/\\]/).pop() ?? '').replace(/[-_.]/g, ' ');
  if (/\.ico$/i.test(path)) return 'icon';
  const hinted = HINTS.find((h) => h.pattern.test(name));
  if (hinted && hinted.kind !== 'illustration' && hinted.kind !== 'photo') return hinted.kind;
  if (size && size.width === size.height && size.width <= 256) return 'icon';
  return hinted?.kind ?? 'illustration';
}

export function inferDefaults(lines: readonly string[], line: number, match: AssetMatch): AssetDefaults {
  const size = inferSize(lines, line, match);
  const prompt = inferPrompt(lines, line, match);
  const defaults: AssetDefaults = { prompt, kind: inferKind(match.path, size) };
  if (size) defaults.size = size;
  return defaults;
}
