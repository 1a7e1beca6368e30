// Generation directives in comments:
//   <comment> @image [kind] [WxH] [[layout: <layout>]]: <prompt> [-> <path>]
// e.g. `// @image icon 64x64: a blue shopping cart -> ./assets/cart.png`, or a mockup started from a
// wireframe: `// @image mockup 1280x800 [layout: header; sidebar | grid 3x2; footer]: a dashboard`
// (the layout grammar of src/inference/image/wireframe.ts; without a kind, a layout means mockup).
// Kind, size and layout are optional; without `-> path` the target is the reference on the same line
// (before the comment) or on the next code line. Comment styles: //, #, /* */, * (block
// continuation), <!-- -->, --, ;, %.
import { MAX_PIXELS, MAX_SIDE } from '../../inference/image/limits';
import { parseLayout } from '../../inference/image/wireframe';
import { ASSET_KINDS, IMAGE_EXTENSIONS, type AssetKind } from '../../inference/tables';
import { extensionOf, formatFromPath, unwritableReason, WRITABLE_EXTENSIONS } from '../naming';
import { closerStart, isSpace, openerEndsAt, skipSpace, trimEndIndex } from './comment-scan';
import { recognizeLine } from './recognizers';
import { cleanReference } from './resolvers';

export const DEFAULT_DIRECTIVE_TAG = '@image';

export interface ColumnRange { start: number; end: number }

export interface DirectiveTarget extends ColumnRange {
  path: string;
  /** Zero-based line of the path: the directive's own line when explicit. */
  line: number;
  /** True for `-> path`, false for a reference found in the code. */
  explicit: boolean;
}

export interface Directive {
  line: number;
  /** From the tag to the end of the directive text (comment closers excluded). */
  range: ColumnRange;
  prompt: string;
  kind?: AssetKind;
  width?: number;
  height?: number;
  /** A mockup's wireframe to start from (`[layout: …]`). */
  layout?: string;
  target?: DirectiveTarget;
  /** Set when the directive is malformed; the other fields are then best effort. */
  error?: string;
}

const SIZE = /^(\d{1,4})(?:[x×X](\d{1,4}))?$/;

interface Spec { kind?: AssetKind; width?: number; height?: number; error?: string }

/** The generator's own limits, said on the CodeLens instead of after a click. */
function sizeProblem(word: string, width: number, height: number): string | undefined {
  if (!width || !height) return `Size "${word}" must be positive, like 64x64.`;
  if (width > MAX_SIDE || height > MAX_SIDE) return `Size "${word}" is above the maximum of ${MAX_SIDE} pixels per side.`;
  if (width * height > MAX_PIXELS) return `Size "${word}" is above the maximum of ${MAX_PIXELS / 1e6} megapixels.`;
  return undefined;
}

/**
 * An explicit `-> notes.txt` would otherwise receive PNG bytes under a name nothing can open, and a
 * `.gif`/`.bmp` target (explicit or the reference below) would show Generate and be refused after the click.
 */
function targetProblem(target: DirectiveTarget | undefined): string | undefined {
  const file = target && cleanReference(target.path); // `spinner.gif?v=2` names spinner.gif
  if (!target || !file || formatFromPath(file)) return undefined;
  const ext = extensionOf(file).slice(1);
  if (IMAGE_EXTENSIONS.includes(ext)) return `Cannot generate "${target.path}": ${unwritableReason(file) ?? ''}.`;
  if (!target.explicit) return undefined;
  return `The target "${target.path}" is not an image file name; end it in ${WRITABLE_EXTENSIONS}.`;
}

/** Reads `[kind] [WxH]` words; `undefined` when a word is neither (the words are then prose). */
function readSpec(words: string[]): Spec | undefined {
  const spec: Spec = {};
  for (const word of words) {
    const size = SIZE.exec(word);
    const kind = ASSET_KINDS.find((k) => k === word.toLowerCase());
    if (kind && !spec.kind) spec.kind = kind;
    else if (size && spec.width === undefined) {
      spec.width = Number(size[1]);
      spec.height = Number(size[2] ?? size[1]);
      spec.error = sizeProblem(word, spec.width, spec.height);
    } else return undefined;
  }
  return spec;
}

function splitTarget(body: string, bodyStart: number, lineIndex: number): { head: string; target?: DirectiveTarget } {
  const arrow = body.lastIndexOf('->');
  if (arrow < 0) return { head: body };
  const raw = body.slice(arrow + 2);
  const lead = raw.length - raw.trimStart().length;
  let path = raw.trim();
  let start = bodyStart + arrow + 2 + lead;
  const quoted = /^(["'`])(.*)\1$/.exec(path);
  if (quoted) {
    path = quoted[2] ?? '';
    start += 1;
  }
  if (!path) return { head: body.slice(0, arrow) };
  return { head: body.slice(0, arrow), target: { path, start, end: start + path.length, line: lineIndex, explicit: true } };
}

const LAYOUT_OPEN = '[layout';

/**
 * Takes `[layout: …]` out of the directive's head: one indexOf for the opening and one for the
 * closing bracket (linear in the line). The layout is checked by the wireframe parser.
 */
function splitLayout(head: string): { head: string; layout?: string; error?: string } {
  const open = head.toLowerCase().indexOf(LAYOUT_OPEN);
  if (open < 0) return { head };
  const close = head.indexOf(']', open);
  if (close < 0) return { head: head.slice(0, open), error: 'The layout is missing its closing "]", e.g. [layout: header; sidebar | grid 3x2; footer].' };
  const layout = head.slice(open + LAYOUT_OPEN.length, close).replace(/^\s*:?/, '').trim();
  const rest = `${head.slice(0, open)} ${head.slice(close + 1)}`;
  try {
    parseLayout(layout);
  } catch (error) {
    return { head: rest, layout, error: `Layout: ${(error as Error).message}.` };
  }
  return { head: rest, layout };
}

function parseBody(head: string): Spec & { prompt: string } {
  const colon = head.indexOf(':');
  if (colon >= 0) {
    const words = head.slice(0, colon).trim().split(/\s+/).filter(Boolean);
    const spec = readSpec(words);
    if (spec) return { ...spec, prompt: head.slice(colon + 1).trim() };
    // `icn: cart` or `icn 64x64: cart` is a typo in the kind; longer prose is a prompt with a colon.
    const unknown = words.filter((w) => !SIZE.test(w) && !ASSET_KINDS.includes(w.toLowerCase() as AssetKind));
    if (unknown.length === 1 && (words.length === 1 || (words.length === 2 && unknown.length < words.length))) {
      return { prompt: head.slice(colon + 1).trim(), error: `Unknown kind "${unknown[0]}"; use one of ${ASSET_KINDS.join(', ')}.` };
    }
  }
  // No colon (or prose before it): leading kind/size words, then the prompt.
  const words = head.trim().split(/\s+/).filter(Boolean);
  let n = 0;
  while (n < words.length && n < 2 && readSpec(words.slice(0, n + 1))) n++;
  return { ...(readSpec(words.slice(0, n)) ?? {}), prompt: words.slice(n).join(' ') };
}

/**
 * Column of the first `tag` that follows a comment opener (and optional whitespace) and is followed
 * by whitespace, `:` or the end of the line; -1 when there is none. One pass over the line: each
 * candidate looks back over its own whitespace only.
 */
function findTag(line: string, tag: string): number {
  if (!tag) return -1;
  const firstNonSpace = skipSpace(line, 0);
  for (let at = line.indexOf(tag); at >= 0; at = line.indexOf(tag, at + 1)) {
    const next = line[at + tag.length];
    if (next !== undefined && next !== ':' && !isSpace(next)) continue;
    if (openerEndsAt(line, trimEndIndex(line, at), firstNonSpace)) return at;
  }
  return -1;
}

/** Parses one line; `undefined` when it holds no directive. */
export function parseDirectiveLine(line: string, lineIndex = 0, tag = DEFAULT_DIRECTIVE_TAG): Directive | undefined {
  const tagStart = findTag(line, tag);
  if (tagStart < 0) return undefined;
  const tagSpan = [tagStart, tagStart + tag.length] as const;
  const bodyStart = tagSpan[1];
  const closer = closerStart(line, bodyStart, true);
  const body = closer !== undefined ? line.slice(bodyStart, closer) : line.slice(bodyStart).trimEnd();
  const { head: withLayout, target } = splitTarget(body, bodyStart, lineIndex);
  const { head, layout, error: layoutError } = splitLayout(withLayout);
  const parsed = parseBody(head);
  const directive: Directive = { line: lineIndex, range: { start: tagSpan[0], end: bodyStart + body.length }, prompt: parsed.prompt };
  if (parsed.kind) directive.kind = parsed.kind;
  if (layout !== undefined) {
    directive.layout = layout;
    directive.kind ??= 'mockup';
  }
  if (parsed.width !== undefined && parsed.height !== undefined) {
    directive.width = parsed.width;
    directive.height = parsed.height;
  }
  if (target) directive.target = target;
  const error = layoutError ?? parsed.error ?? (parsed.prompt ? targetProblem(target) : `The ${tag} directive needs a prompt, e.g. "${tag} icon 64x64: a blue cart".`);
  if (error) directive.error = error;
  return directive;
}

const LOOKAHEAD_LINES = 3;

/** The reference a target-less directive is about: same line before the comment, else the next code line. */
function implicitTarget(lines: readonly string[], directive: Directive, languageId: string): DirectiveTarget | undefined {
  const own = recognizeLine(lines[directive.line] ?? '', languageId).filter((m) => m.end <= directive.range.start);
  const before = own[own.length - 1];
  if (before) return { path: before.path, start: before.start, end: before.end, line: directive.line, explicit: false };
  for (let i = directive.line + 1; i < lines.length && i <= directive.line + LOOKAHEAD_LINES; i++) {
    const text = lines[i] ?? '';
    if (!text.trim()) continue;
    const first = recognizeLine(text, languageId)[0];
    if (first) return { path: first.path, start: first.start, end: first.end, line: i, explicit: false };
    if (!/^\s*(?:\/\/|#|\/\*|\*|<!--|--|;|%)/.test(text)) return undefined; // code without a reference
  }
  return undefined;
}

/** Every directive in a document, with explicit or implicit targets filled in. */
export function findDirectives(lines: readonly string[], languageId: string, tag = DEFAULT_DIRECTIVE_TAG): Directive[] {
  const found: Directive[] = [];
  lines.forEach((text, i) => {
    if (!text.includes(tag)) return;
    const directive = parseDirectiveLine(text, i, tag);
    if (!directive) return;
    if (!directive.target) {
      directive.target = implicitTarget(lines, directive, languageId);
      const problem = directive.error ? undefined : targetProblem(directive.target);
      if (problem) directive.error = problem;
    }
    found.push(directive);
  });
  return found;
}
