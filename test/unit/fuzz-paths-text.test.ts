// Fuzz: the path rule for listed/manifest paths and the terminal/XML escapers, on generated input.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { entryPathProblem, resolveInside, UnsafePathError } from '../../src/inference/safety/paths';
import { decodeXmlEntities, escapeTerminal, escapeXml, isXmlChar, jsonForTerminal, jsonForXml, xmlElementText } from '../../src/inference/safety/text';
import { fc, fuzz, printFuzzCount, stringFrom } from '../fixtures/fuzz';

const SUITE = 'paths and escapers';
const RUNS = 1000;
const ROOT = path.resolve('/models/.incoming/some-model');
// eslint-disable-next-line no-control-regex
const TERMINAL_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]/;

const SEGMENTS = ['..', '.', '', 'unet', 'model.onnx', 'a', 'C:', 'c:x', 'con', 'NUL.txt', 'x.', 'x ', '%2e%2e', '\u0000', '\u001b', '~', 'é', '\ud800', 'a'.repeat(300)];
const SEPARATORS = ['/', '\\', '//', '/./', ':'];
const hostilePath = fc.oneof(
  fc.array(fc.tuple(fc.constantFrom(...SEGMENTS), fc.constantFrom(...SEPARATORS)), { maxLength: 8 })
    .map((parts) => parts.map(([seg, sep]) => seg + sep).join('').replace(/[/\\:]+$/, '')),
  fc.string({ maxLength: 64 }),
  fc.string({ unit: 'binary', maxLength: 64 }),
  stringFrom(['/', '\\', '.', 'a', ':', ' ', '\u0000'], 40),
);
const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), stringFrom(['&', '#', ';', 'x', '1', '<', '>', '"', "'", '\uffff', '\ud800', '\u0001', '\u202e', 'a', '\u009b', '\n'], 60));

describe(`fuzz: ${SUITE}`, () => {
  after(() => printFuzzCount(SUITE));

  it(`a listed path is either refused with one visible line or resolves strictly inside its folder (${RUNS} cases)`, () => {
    fuzz(SUITE, hostilePath, (entry) => {
      const problem = entryPathProblem(entry);
      if (problem) {
        assert.throws(() => resolveInside(ROOT, entry, 'fuzz'), (e: Error) => e instanceof UnsafePathError && !/\n/.test(e.message) && !TERMINAL_UNSAFE.test(e.message));
        return;
      }
      const resolved = resolveInside(ROOT, entry, 'fuzz');
      const rel = path.relative(ROOT, resolved);
      // "..a" is a legal name inside the folder: only a whole ".." segment climbs out.
      assert.ok(rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel), `${JSON.stringify(entry)} → ${resolved}`);
      assert.equal(rel.split(path.sep).join('/'), entry);
    }, RUNS);
  });

  it(`the terminal escaper leaves no control, C1 or bidi character, and changes nothing else (${RUNS} cases)`, () => {
    fuzz(SUITE, anyText, (text) => {
      const out = escapeTerminal(text);
      assert.ok(!TERMINAL_UNSAFE.test(out), JSON.stringify(out));
      if (!TERMINAL_UNSAFE.test(text)) assert.equal(out, text);
      const json = jsonForTerminal({ text });
      assert.ok(!TERMINAL_UNSAFE.test(json), json);
      assert.equal((JSON.parse(json) as { text: string }).text, text);
    }, RUNS);
  });

  it(`XML escaping gives only XML characters and decodes back; JSON in XML round-trips exactly (${RUNS} cases)`, () => {
    fuzz(SUITE, anyText, (text) => {
      const xml = escapeXml(text);
      for (const ch of xml) assert.ok(isXmlChar(ch.codePointAt(0) ?? 0), JSON.stringify(xml));
      assert.ok(!/[<>"']|&(?!(?:lt|gt|amp|quot|apos);)/.test(xml), xml);
      const expected = Array.from(text, (ch) => (isXmlChar(ch.codePointAt(0) ?? 0) ? ch : '\ufffd')).join('');
      assert.equal(decodeXmlEntities(xml), expected);
      const inXml = jsonForXml({ prompt: text });
      for (const ch of inXml) assert.ok(isXmlChar(ch.codePointAt(0) ?? 0));
      assert.equal((JSON.parse(decodeXmlEntities(inXml)) as { prompt: string }).prompt, text);
    }, RUNS);
  });

  it(`decoding character references never throws and yields only XML characters from references (${RUNS} cases)`, () => {
    const refs = fc.array(fc.oneof(fc.integer({ min: -5, max: 0x7fffffff }).map((n) => `&#${n};`), fc.integer({ min: 0, max: 0x7fffffff }).map((n) => `&#x${n.toString(16)};`), fc.constantFrom('&lt;', '&amp;', '&bogus;', '&#;', 'a')), { maxLength: 20 })
      .map((parts) => parts.join(''));
    fuzz(SUITE, refs, (text) => {
      const out = decodeXmlEntities(text);
      assert.equal(typeof out, 'string');
      for (const ch of out) assert.ok(isXmlChar(ch.codePointAt(0) ?? 0) || ch === '&' || ch === ';', JSON.stringify(out));
    }, RUNS);
  });

  it(`xmlElementText agrees with a plain regular-expression reading on short text (${RUNS} cases)`, () => {
    const xmlish = stringFrom(['<nanoforge:settings', '>', '</nanoforge:settings>', ' ', 'x', '<', '/', 'a="b"', '{"prompt":"p"}'], 30);
    const reference = (text: string): string | undefined => {
      const open = /<nanoforge:settings(?=[\s>])[^>]*>/.exec(text);
      if (!open) return undefined;
      const from = open.index + open[0].length;
      const close = text.indexOf('</nanoforge:settings>', from);
      return close < 0 ? undefined : text.slice(from, close);
    };
    fuzz(SUITE, xmlish, (text) => {
      assert.equal(xmlElementText(text, 'nanoforge:settings'), reference(text), JSON.stringify(text));
    }, RUNS);
  });
});
