// Every scanner that runs on document text in the extension host (each recognizer, the directive
// parser, the inference helpers) fed 100 kB adversarial lines: the old regular expressions took
// seconds to hours on these (quadratic or cubic backtracking). The bound here is the input size:
// a scanner that is linear in the line length (or skips lines over MAX_LINE_LENGTH, documented)
// finishes all of them; no wall-clock time is asserted. Results are checked where they are known.
import * as assert from 'node:assert/strict';
import { findDirectives, parseDirectiveLine } from '../../src/extension/references/directives';
import { inferDefaults, inferKind, inferPrompt, inferSize, nearestComment, promptFromFileName, sizeFromFileName, sizeFromText } from '../../src/extension/references/infer';
import { MAX_LINE_LENGTH, recognizeLine, RECOGNIZERS } from '../../src/extension/references/recognizers';
import { findPathTokens } from '../../src/extension/references/recognizers/path-token';
import { ADVERSARIAL_LINES } from '../fixtures/adversarial-lines';

const SIZE = 100_000;
const LINES = ADVERSARIAL_LINES.map((a) => ({ name: a.name, line: a.make(SIZE) }));
const MATCH = { path: 'a.png', start: 0, end: 5, recognizer: 'quoted-string' };

describe('linear-time scanners on 100 kB adversarial lines', () => {
  it(`the adversarial set: ${LINES.length} lines of about ${SIZE} characters`, () => {
    for (const { name, line } of LINES) assert.ok(line.length >= SIZE - 32 && line.length <= SIZE + 40, `${name}: ${line.length}`);
  });

  for (const recognizer of RECOGNIZERS) {
    it(`recognizer ${recognizer.id} finishes every line and reports only columns inside it`, () => {
      for (const { name, line } of LINES) {
        for (const m of recognizer.recognize(line, 'typescriptreact')) {
          assert.ok(m.start >= 0 && m.end <= line.length && m.start < m.end, `${name}: ${m.start}..${m.end}`);
        }
      }
    });
  }

  it('findPathTokens is linear, not capped: a path after 100 kB of path characters and many paths are found', () => {
    for (const { line } of LINES) findPathTokens(line);
    const junk = 'a'.repeat(SIZE);
    assert.deepEqual(findPathTokens(`${junk} "logo.png"`).map((t) => [t.path, t.start]), [['logo.png', SIZE + 2]]);
    assert.equal(findPathTokens("'a.png' ".repeat(SIZE / 8)).length, SIZE / 8);
  });

  it('recognizeLine skips lines over MAX_LINE_LENGTH, as documented', () => {
    for (const { line } of LINES) assert.deepEqual(recognizeLine(line, 'typescriptreact'), []);
    assert.equal(recognizeLine(`${' '.repeat(MAX_LINE_LENGTH - 20)}"a.png"`, 'typescript').length, 1);
  });

  it('parseDirectiveLine and findDirectives finish every line; a directive after 100 kB of slashes is still read', () => {
    for (const { name, line } of LINES) {
      const d = parseDirectiveLine(line, 0);
      if (d) assert.ok(d.range.start >= 0 && d.range.end <= line.length, name);
    }
    const doc = LINES.map((l) => l.line);
    const found = findDirectives(doc, 'typescript');
    assert.ok(found.every((d) => d.line >= 0 && d.line < doc.length));
    const slashes = `${'/'.repeat(SIZE)} @image icon 32x32: a blue cart${' '.repeat(SIZE)}*/`;
    const d = parseDirectiveLine(slashes, 0);
    assert.deepEqual([d?.kind, d?.width, d?.prompt, d?.range.start], ['icon', 32, 'a blue cart', SIZE + 1]);
    assert.equal(parseDirectiveLine(`${'/'.repeat(SIZE)} @imagex`), undefined);
  });

  it('nearestComment, inferPrompt, inferSize and inferDefaults finish every line (the comment scanner was cubic)', () => {
    for (const { name, line } of LINES) {
      nearestComment([line], 0);
      nearestComment([line, 'const x = 1;'], 1);
      inferPrompt([line, line], 1, MATCH);
      inferSize([line, line, line], 1, MATCH);
      const d = inferDefaults([line, line], 1, MATCH);
      assert.ok(d.prompt.prompt.length <= line.length + 16, name);
    }
    const long = `// a shopping cart${' '.repeat(SIZE)}-->`;
    assert.equal(nearestComment([long, 'x'], 1), 'a shopping cart');
  });

  it('sizeFromText, sizeFromFileName, promptFromFileName and inferKind finish every line', () => {
    for (const { line } of LINES) {
      sizeFromText(line);
      sizeFromFileName(line);
      promptFromFileName(line);
      inferKind(line);
    }
    assert.deepEqual(sizeFromText(`${'width '.repeat(SIZE / 6)} width="48"`), { width: 48, height: 48 });
  });
});
