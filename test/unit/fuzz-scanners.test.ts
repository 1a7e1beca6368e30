// Fuzz: every line scanner on generated lines (up to a few hundred characters, so each case is
// bounded work). None throws, every match names exactly the text at its columns, and the linear
// scanners find exactly what the regular expressions they replaced found (test/fixtures/reference-scanners.ts).
import * as assert from 'node:assert/strict';
import { commentLineText, inferDefaults, inferKind, nearestComment, promptFromFileName, sizeFromFileName, sizeFromText, trailingCommentText } from '../../src/extension/references/infer';
import { findDirectives, parseDirectiveLine } from '../../src/extension/references/directives';
import { recognizeLine, RECOGNIZERS } from '../../src/extension/references/recognizers';
import { recognizeCssUrl } from '../../src/extension/references/recognizers/css-url';
import { recognizeImportRequire } from '../../src/extension/references/recognizers/import-require';
import { findPathTokens, isRemoteOrTemplate } from '../../src/extension/references/recognizers/path-token';
import { fc, fuzz, printFuzzCount, stringFrom } from '../fixtures/fuzz';
import {
  referenceCommentLine, referenceCssUrl, referenceDirectiveSpan, referenceFindPathTokens, referenceImportRequire, referenceTrailingComment,
} from '../fixtures/reference-scanners';

const SUITE = 'line scanners';
const RUNS = 2000;
const LANGUAGES = ['typescriptreact', 'markdown', 'css', 'json', 'yaml', 'html', 'python', 'plaintext'];

// Pieces of the syntax the scanners look for, and of the near-misses that used to make them backtrack.
const PIECES = [
  'a', 'b', 'x', '1', '64', ' ', '  ', '\t', '.', '/', './', '../', '\\', '-', '_', '@', '?', '#', '&', '=', ':', ';', ',', '%', '*', '|',
  '"', "'", '`', '(', ')', '[', ']', '{', '}', '<', '>', '!', '~', '$', '+',
  '.png', '.PNG', '.jpg', '.jpeg', '.svg', '.ico', '.webp', '.gif', '.bmp', '.avif', '.pngx', '.txt',
  '//', '/*', '*/', '<!--', '-->', '--', '#', '%%', ';;', ' * ', '{/*', '*/}',
  '@image', '@imagex', 'icon', 'placeholder', '64x64', '32', '->', ' -> ', 'url(', 'image-set(', '-webkit-', 'from', 'import', 'import(', 'require(', 'new URL(', 'URL',
  '![', '](', '<img ', 'src=', 'alt=', 'srcset=', 'width=', 'height=', '"src": ', 'icon: ', '- ', 'w-8', 'h-4', 'size-6', 'http://', 'data:', '${', '{{', 'é', '😀', '\u00a0', '\u2028',
];
const line = fc.oneof(stringFrom(PIECES, 60), fc.string({ maxLength: 120 }), fc.string({ unit: 'binary', maxLength: 80 }));
// Targeted lines: the shapes each differential test is about, with near-misses mixed in.
const WS = ['', ' ', '  ', '\t', ' \t '];
const PATHS = ['a.png', './b/c.JPG', 'd.svg?v=2', 'e.ico#x', 'f.pngx', '.png', 'g/.png', 'http://h/i.png', '${j}.png', 'k.webp?a=[1]', 'l m.png', 'n.jpeg(o).png'];
const QUOTES = ['"', "'", '`', ''];
const section = (...parts: fc.Arbitrary<string>[]): fc.Arbitrary<string> => fc.tuple(...parts).map((p) => p.join(''));
const any = (list: readonly string[]) => fc.constantFrom(...list);
const quotedPath = fc.tuple(any(QUOTES), any(PATHS), any(QUOTES), fc.boolean()).map(([q, p, q2, same]) => `${q}${p}${same ? q : q2}`);
const directiveLine = section(stringFrom(PIECES, 6), any(['//', '///', '/*', '/**', '<!--', '--', '---', '#', '##', ';', '%', ' *', '*', '  **', '/', '-', 'x', '{/*']),
  any(WS), any(['@image', '@imagex', '@image:', '@imag', '@image\t']), stringFrom([' icon', ' 64x64', ':', ' a cart', ' -> ', ' ./a.png', ' "b.png"', ' ', '*/', '-->', '}'], 8),
  any(['', '*/', '*/ }', ' */}', '-->', ' --> ', '}', ' ', '*/ x']));
const cssLine = fc.array(section(stringFrom(['a', ' ', ';', ')', ':'], 3), any(['url(', 'URL(', 'xurl(', 'image-set(', '-webkit-image-set(', 'IMAGE-SET(', '1image-set(', ')', '']), any(WS), quotedPath, any(WS), any([')', ', ', ' 1x', ''])), { maxLength: 4 }).map((p) => p.join(''));
const importLine = fc.array(section(stringFrom(['a', ' ', ';', 'x'], 3), any(['import', 'from', 'import(', 'require(', 'new URL(', 'new  URL(', 'newURL(', 'xfrom', 'import x from', '  import', 'require (', 'URL(']), any(WS), quotedPath), { maxLength: 4 }).map((p) => p.join(''));
const commentLine = section(any(WS), any(['', '{', '{ ']), any(['//', '///', '#', '##', '/*', '/**', '*', '**', '<!--', '--', '---', ';', '%', 'x', '/']), any(WS),
  stringFrom(['a', 'word', ' ', '  ', '*/', '-->', '}', '//', ' # ', ' #', '/*', '<!--', '#x'], 10), any(['', '*/', '*/ }', '-->', ' ', '}']));
const targeted = fc.oneof(line, directiveLine, cssLine, importLine, commentLine);
const noTerminators = targeted.map((l) => l.replace(/[\n\r\u2028\u2029]/g, ' '));
const MATCH = { path: 'a.png', start: 0, end: 5, recognizer: 'quoted-string' };

describe(`fuzz: ${SUITE}`, () => {
  after(() => printFuzzCount(SUITE));

  it(`recognizers never throw and each match is the text at its columns (${RUNS} cases)`, () => {
    fuzz(SUITE, fc.tuple(line, fc.constantFrom(...LANGUAGES)), ([text, language]) => {
      for (const recognizer of RECOGNIZERS) {
        for (const m of recognizer.recognize(text, language)) {
          assert.ok(m.start >= 0 && m.start < m.end && m.end <= text.length, `${recognizer.id} ${m.start}..${m.end}`);
          assert.equal(text.slice(m.start, m.end), m.path, `${recognizer.id} on ${JSON.stringify(text)}`);
        }
      }
      const all = recognizeLine(text, language);
      for (let i = 1; i < all.length; i++) assert.ok((all[i - 1] as { end: number }).end <= (all[i] as { start: number }).start, 'overlapping matches');
    }, RUNS);
  });

  it(`findPathTokens finds exactly what the old regular expression found (${RUNS} cases)`, () => {
    fuzz(SUITE, targeted, (text) => {
      assert.deepEqual(findPathTokens(text, 3), referenceFindPathTokens(text, 3), JSON.stringify(text));
    }, RUNS);
  });

  it(`css url()/image-set() and import/require leads accept exactly what the old patterns accepted (${RUNS} cases)`, () => {
    const kept = (tokens: { path: string; start: number }[]) => tokens.filter((t) => !isRemoteOrTemplate(t.path)).map((t) => t.start);
    fuzz(SUITE, targeted, (text) => {
      assert.deepEqual(recognizeCssUrl(text).map((m) => m.start), kept(referenceCssUrl(text)), `css ${JSON.stringify(text)}`);
      assert.deepEqual(recognizeImportRequire(text).map((m) => m.start), kept(referenceImportRequire(text)), `import ${JSON.stringify(text)}`);
    }, RUNS);
  });

  it(`directives: the tag and the body end are where the old pattern put them; findDirectives never throws (${RUNS} cases)`, () => {
    fuzz(SUITE, targeted, (text) => {
      const d = parseDirectiveLine(text, 0);
      const ref = referenceDirectiveSpan(text);
      assert.deepEqual(d ? { tag: d.range.start, bodyEnd: d.range.end } : undefined, ref, JSON.stringify(text));
      for (const found of findDirectives([text, text, 'x'], 'typescript')) assert.ok(found.range.end <= text.length);
    }, RUNS);
  });

  it(`comment text (whole-line and trailing) is what the old patterns captured, for lines without line terminators (${RUNS} cases)`, () => {
    fuzz(SUITE, noTerminators, (text) => {
      assert.equal(commentLineText(text), referenceCommentLine(text), `line ${JSON.stringify(text)}`);
      assert.equal(trailingCommentText(text), referenceTrailingComment(text), `trailing ${JSON.stringify(text)}`);
    }, RUNS);
  });

  it(`the inference helpers never throw and give sane sizes (${RUNS} cases)`, () => {
    fuzz(SUITE, fc.tuple(line, line), ([a, b]) => {
      for (const size of [sizeFromText(a), sizeFromFileName(a)]) {
        if (size) assert.ok(Number.isInteger(size.width) && size.width > 0 && size.width <= 4096 && Number.isInteger(size.height) && size.height > 0 && size.height <= 4096);
      }
      assert.equal(typeof promptFromFileName(a), 'string');
      assert.equal(typeof inferKind(a), 'string');
      nearestComment([a, b, a], 2, 1);
      const d = inferDefaults([a, b], 1, MATCH);
      assert.ok(d.prompt.prompt.length > 0);
    }, RUNS);
  });
});
