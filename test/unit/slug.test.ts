import { strict as assert } from 'node:assert';
import { slugify } from '../../src/extension/naming';

describe('slugify (prompt → file name stem)', () => {
  const cases: [string, string][] = [
    ['A blue Shopping-Cart, flat!', 'a-blue-shopping-cart-flat'],
    ['  leading and   trailing  ', 'leading-and-trailing'],
    ['Café crème brûlée', 'cafe-creme-brulee'],
    ['icon 64x64 @2x', 'icon-64x64-2x'],
    ['!!!', 'image'],
    ['', 'image'],
    ['日本語のプロンプト', 'image'],
    ['../../etc/passwd', 'etc-passwd'],
    ['C:\\Windows\\system32', 'c-windows-system32'],
  ];
  for (const [prompt, expected] of cases) {
    it(`${JSON.stringify(prompt)} → ${expected}`, () => assert.equal(slugify(prompt), expected));
  }

  it('cuts at a word boundary within the length limit', () => {
    const slug = slugify('a watercolor illustration of a lighthouse on a cliff at sunset with seagulls');
    assert.equal(slug, 'a-watercolor-illustration-of-a-lighthouse-on-a');
    assert.ok(slug.length <= 48);
  });

  it('cuts a single overlong word instead of returning nothing', () => {
    assert.equal(slugify('x'.repeat(100)), 'x'.repeat(48));
    assert.equal(slugify('abcdefghij', 4), 'abcd');
  });

  it('only ever produces [a-z0-9-] without leading, trailing or double dashes', () => {
    for (const p of ['--a--b--', 'Ünïcödé ✨ stars', 'tabs\tand\nnewlines', 'a/b\\c:d*e?f"g<h>i|j']) {
      assert.match(slugify(p), /^[a-z0-9]+(-[a-z0-9]+)*$/);
    }
  });
});
