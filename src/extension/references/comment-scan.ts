// Comment syntax read by hand in linear time. The regular expressions these replace (a `\s*`
// before an optional closer and `$`, an opener with `+` before a tag that then fails) backtracked
// over every whitespace run and every opener run: 2–13 s for a 100 kB directive line, cubic for
// a long comment line. Each function here visits every character a bounded number of times.

const SPACE = /\s/;
// `.` in a regular expression stops at these; the comment readers keep that rule.
const LINE_TERMINATOR = /[\n\r\u2028\u2029]/;

/** JavaScript's `\s` for one character. */
export function isSpace(ch: string | undefined): boolean {
  return ch !== undefined && SPACE.test(ch);
}

/** First index at or after `from` that is not whitespace (`text.length` when none). */
export function skipSpace(text: string, from: number): number {
  let i = from;
  while (i < text.length && isSpace(text[i])) i++;
  return i;
}

/** Index just after the last non-whitespace character before `end` (not below `floor`). */
export function trimEndIndex(text: string, end: number, floor = 0): number {
  let i = end;
  while (i > floor && isSpace(text[i - 1])) i--;
  return i;
}

/**
 * Where the longest suffix of `text` (from `from` on) of the form `ws* closer ws*` starts, with
 * closer `*∕` (optionally followed by `ws* }` when `brace`) or `-->`; undefined when it does not end
 * in a closer. Same answer as `/\s*(?:\*\/\s*\}?|-->)\s*$/` (with or without the brace).
 */
export function closerStart(text: string, from: number, brace: boolean): number | undefined {
  let end = trimEndIndex(text, text.length, from);
  if (brace && text[end - 1] === '}') {
    const inner = trimEndIndex(text, end - 1, from);
    if (inner - from >= 2 && text.startsWith('*/', inner - 2)) return trimEndIndex(text, inner - 2, from);
    end = -1; // a brace without `*/` before it is not a closer, and nothing else can end here
  }
  if (end - from >= 2 && text.startsWith('*/', end - 2)) return trimEndIndex(text, end - 2, from);
  if (end - from >= 3 && text.startsWith('-->', end - 3)) return trimEndIndex(text, end - 3, from);
  return undefined;
}

/**
 * The text of a comment whose content starts at `from`: leading whitespace skipped, trailing
 * whitespace and an optional closer removed (`\s*(.*?)\s*(?:closer)?\s*$`); undefined when the
 * content holds a line terminator (which `.` would not cross).
 */
export function commentContent(text: string, from: number, brace: boolean): string | undefined {
  const start = skipSpace(text, from);
  const closer = closerStart(text, start, brace);
  const end = closer ?? trimEndIndex(text, text.length, start);
  const content = text.slice(start, Math.max(start, end));
  return LINE_TERMINATOR.test(content) ? undefined : content;
}

/** Length of the run of `ch` starting at `at`. */
function runLength(text: string, at: number, ch: string): number {
  let i = at;
  while (text[i] === ch) i++;
  return i - at;
}

/**
 * Length of the comment opener at `at` for a whole-line comment, in the order the old pattern
 * tried them: `//+`, `#+`, `/*+`, `*+`, `<!--`, `--`, `;+`, `%+`; 0 when there is none.
 */
export function lineOpenerLength(text: string, at: number): number {
  const ch = text[at];
  if (ch === '/' && text[at + 1] === '/') return runLength(text, at, '/');
  if (ch === '#') return runLength(text, at, '#');
  if (ch === '/' && text[at + 1] === '*') return 1 + runLength(text, at + 1, '*');
  if (ch === '*') return runLength(text, at, '*');
  if (text.startsWith('<!--', at)) return 4;
  if (text.startsWith('--', at)) return 2;
  if (ch === ';') return runLength(text, at, ';');
  if (ch === '%') return runLength(text, at, '%');
  return 0;
}

/**
 * Whether a comment opener ends right before index `end` (whitespace already skipped): `//`,
 * `/*`, `--` (also `<!--`), `#`, `;`, `%`, or stars preceded only by whitespace (a block comment's
 * continuation line). `firstNonSpace` is the line's first non-whitespace index.
 */
export function openerEndsAt(text: string, end: number, firstNonSpace: number): boolean {
  const last = text[end - 1];
  if (last === '#' || last === ';' || last === '%') return true;
  if (last === '/' || last === '-') return text[end - 2] === last;
  if (last !== '*') return false;
  let star = end - 1;
  while (text[star - 1] === '*') star--;
  return text[star - 1] === '/' || star <= firstNonSpace;
}
