// Directive syntax in every comment style, explicit and implicit targets, and malformed input.
import assert from 'node:assert/strict';
import { findDirectives, parseDirectiveLine } from '../../src/extension/references/directives';

describe('directives', () => {
  const styles: [string, string][] = [
    ['//', '// @image icon 64x64: a blue shopping cart -> ./assets/cart.png'],
    ['#', '# @image icon 64x64: a blue shopping cart -> ./assets/cart.png'],
    ['/* */', '/* @image icon 64x64: a blue shopping cart -> ./assets/cart.png */'],
    [' * (block continuation)', ' * @image icon 64x64: a blue shopping cart -> ./assets/cart.png'],
    ['<!-- -->', '<!-- @image icon 64x64: a blue shopping cart -> ./assets/cart.png -->'],
    ['--', '-- @image icon 64x64: a blue shopping cart -> ./assets/cart.png'],
    [';', '; @image icon 64x64: a blue shopping cart -> ./assets/cart.png'],
    ['{/* */} (JSX)', '    {/* @image icon 64x64: a blue shopping cart -> ./assets/cart.png */}'],
    ['trailing //', 'const x = 1; // @image icon 64x64: a blue shopping cart -> ./assets/cart.png'],
  ];
  for (const [style, line] of styles) {
    it(`parses the full form in ${style}`, () => {
      const d = parseDirectiveLine(line, 7);
      assert.ok(d, line);
      assert.equal(d.line, 7);
      assert.equal(d.kind, 'icon');
      assert.equal(d.width, 64);
      assert.equal(d.height, 64);
      assert.equal(d.prompt, 'a blue shopping cart');
      assert.equal(d.error, undefined);
      assert.deepEqual(d.target && { path: d.target.path, line: d.target.line, explicit: d.target.explicit }, { path: './assets/cart.png', line: 7, explicit: true });
      assert.equal(line.slice(d.target?.start, d.target?.end), './assets/cart.png');
      assert.equal(line.slice(d.range.start, d.range.end), '@image icon 64x64: a blue shopping cart -> ./assets/cart.png');
    });
  }

  it('makes kind and size optional and accepts a single number as a square', () => {
    assert.deepEqual(parseDirectiveLine('# @image: a red fox'), { line: 0, range: { start: 2, end: 19 }, prompt: 'a red fox' });
    const square = parseDirectiveLine('// @image 48: bell');
    assert.deepEqual([square?.kind, square?.width, square?.height, square?.prompt], [undefined, 48, 48, 'bell']);
    const noColon = parseDirectiveLine('// @image placeholder 320x200 grey card');
    assert.deepEqual([noColon?.kind, noColon?.width, noColon?.height, noColon?.prompt], ['placeholder', 320, 200, 'grey card']);
  });

  it('keeps colons inside a prose prompt and quotes around the target', () => {
    const d = parseDirectiveLine('// @image a sign that reads: OPEN -> "img/sign.png"');
    assert.equal(d?.prompt, 'a sign that reads: OPEN');
    assert.equal(d?.kind, undefined);
    assert.equal(d?.target?.path, 'img/sign.png');
  });

  it('reports a typo in the kind and a missing prompt', () => {
    assert.match(parseDirectiveLine('// @image icn 64x64: cart')?.error ?? '', /Unknown kind "icn"/);
    assert.match(parseDirectiveLine('// @image icn: cart')?.error ?? '', /Unknown kind "icn"/);
    assert.match(parseDirectiveLine('// @image')?.error ?? '', /needs a prompt/);
    assert.match(parseDirectiveLine('// @image icon 0x0: cart')?.error ?? '', /must be positive/);
    assert.match(parseDirectiveLine('// @image icon 9000x9000: cart')?.error ?? '', /above the maximum of 8192 pixels per side/);
    assert.match(parseDirectiveLine('// @image mockup 8000x6000: cart')?.error ?? '', /above the maximum of 40 megapixels/);
    assert.equal(parseDirectiveLine('// @image mockup 8192x4096: cart')?.error, undefined);
    assert.match(parseDirectiveLine('// @image icon 64x64: cart -> ./assets/notes.txt')?.error ?? '', /"\.\/assets\/notes\.txt" is not an image file name/);
    assert.equal(parseDirectiveLine('// @image icon 64x64: cart -> ./assets/notes.txt')?.error,
      'The target "./assets/notes.txt" is not an image file name; end it in .png, .webp, .avif, .jpg, .ico or .svg.');
    assert.equal(parseDirectiveLine('// @image icon: cart -> ./assets/cart.gif')?.error,
      'Cannot generate "./assets/cart.gif": .gif is not a format Nanoforge can write (it writes .png, .webp, .avif, .jpg, .ico or .svg).');
    assert.equal(parseDirectiveLine('// @image icon: cart -> ./assets/cart.JPG')?.error, undefined);
  });

  it('ignores lines without a comment opener before the tag, and other tags', () => {
    assert.equal(parseDirectiveLine('const email = "me@image.com";'), undefined);
    assert.equal(parseDirectiveLine('@image icon: not in a comment'), undefined);
    assert.equal(parseDirectiveLine('// @imagery is a word'), undefined);
  });

  it('uses a configured tag', () => {
    assert.equal(parseDirectiveLine('// @image icon: cart', 0, '@gen'), undefined);
    assert.equal(parseDirectiveLine('// @gen icon: cart', 0, '@gen')?.prompt, 'cart');
    assert.equal(parseDirectiveLine('# nanoforge(icon): cart', 0, 'nanoforge(icon)')?.prompt, 'cart');
  });

  it('targets the reference on the next code line when there is no -> path', () => {
    const lines = ['// @image icon 32x32: a gear', '', '// settings button', '<img src="./gear.png">', '<img src="./other.png">'];
    const [d] = findDirectives(lines, 'html');
    assert.deepEqual(d?.target, { path: './gear.png', start: 10, end: 20, line: 3, explicit: false });
  });

  it('says so when the reference it targets is a .gif or .bmp Nanoforge cannot write (no Generate lens for it)', () => {
    const [gif, bmp, png] = findDirectives([
      '<!-- @image illustration: a spinner -->', '<img src="./spinner.gif">',
      '<img src="scan.BMP"> <!-- @image photo: a scan -->',
      '<!-- @image icon: a gear -->', '<img src="./gear.png">',
    ], 'html');
    assert.equal(gif?.target?.path, './spinner.gif');
    assert.equal(gif?.error, 'Cannot generate "./spinner.gif": .gif is not a format Nanoforge can write (it writes .png, .webp, .avif, .jpg, .ico or .svg).');
    assert.match(bmp?.error ?? '', /^Cannot generate "scan\.BMP": \.bmp is not a format Nanoforge can write/);
    assert.equal(png?.error, undefined);
  });

  it('keeps a directive\'s own error over the one about its target', () => {
    const [d] = findDirectives(['<!-- @image icn: a spinner -->', '<img src="./spinner.gif">'], 'html');
    assert.match(d?.error ?? '', /Unknown kind "icn"/);
  });

  it('targets a reference before a trailing directive on the same line', () => {
    const [d] = findDirectives(['<img src="logo.svg"> <!-- @image icon: company logo -->'], 'html');
    assert.deepEqual(d?.target, { path: 'logo.svg', start: 10, end: 18, line: 0, explicit: false });
  });

  it('leaves the target empty when the next code line has no reference', () => {
    const [d] = findDirectives(['# @image icon: a gear', 'x = compute()', 'y = "gear.png"'], 'python');
    assert.equal(d?.target, undefined);
  });

  it('finds every directive in a document with their lines', () => {
    const lines = ['/* @image icon: a */', 'const a = "a.png";', '', '/* @image icon: b -> b.png */'];
    assert.deepEqual(findDirectives(lines, 'javascript').map((d) => [d.line, d.prompt, d.target?.path, d.target?.line]), [[0, 'a', 'a.png', 1], [3, 'b', 'b.png', 3]]);
  });

  describe('[layout: …] (a mockup started from a wireframe)', () => {
    it('reads the layout out of the head, keeps kind, size, prompt and target, and implies mockup without a kind', () => {
      const line = '// @image mockup 1280x800 [layout: header; sidebar | grid 3x2; footer]: an analytics dashboard -> ./mockups/dash.png';
      const d = parseDirectiveLine(line);
      assert.deepEqual([d?.kind, d?.width, d?.height, d?.layout, d?.prompt, d?.target?.path, d?.error], ['mockup', 1280, 800, 'header; sidebar | grid 3x2; footer', 'an analytics dashboard', './mockups/dash.png', undefined]);
      assert.equal(line.slice(d?.range.start, d?.range.end), line.slice(3));
      const implied = parseDirectiveLine('# @image [Layout: nav; hero; cards; footer]: a landing page');
      assert.deepEqual([implied?.kind, implied?.layout, implied?.prompt, implied?.error], ['mockup', 'nav; hero; cards; footer', 'a landing page', undefined]);
      // Another kind is kept (the layout still seeds it); the colon after "layout" is optional.
      const other = parseDirectiveLine('<!-- @image illustration [layout header; hero] 800x400: a banner -->');
      assert.deepEqual([other?.kind, other?.width, other?.height, other?.layout, other?.prompt], ['illustration', 800, 400, 'header; hero', 'a banner']);
      // The CodeLens target of a target-less mockup directive follows the reference below it.
      const [below] = findDirectives(['<!-- @image mockup [layout: header; grid]: a shop -->', '<img src="shop.png">'], 'html');
      assert.deepEqual([below?.layout, below?.target?.path], ['header; grid', 'shop.png']);
    });

    it('says what is wrong with a layout in one line: an unknown region, a missing bracket', () => {
      assert.equal(parseDirectiveLine('// @image mockup [layout: header; sidebr]: x')?.error,
        'Layout: unknown region "sidebr" at row 2, region 1; valid regions: header, nav, sidebar, hero, cards, grid, form, button, footer, text (cards and grid take COLSxROWS, e.g. grid 3x2); rows are separated by \';\', regions in a row by \'|\'.');
      assert.equal(parseDirectiveLine('// @image mockup [layout: header; grid: x')?.error, 'The layout is missing its closing "]", e.g. [layout: header; sidebar | grid 3x2; footer].');
      assert.match(parseDirectiveLine('// @image [layout: ]: x')?.error ?? '', /^Layout: layout is empty/);
    });

    it('scans a long hostile line once: many openings without a closing bracket, a layout far over its limit', () => {
      const open = parseDirectiveLine(`// @image mockup ${'[layout '.repeat(20_000)}: x`);
      assert.match(open?.error ?? '', /missing its closing "\]"/);
      const long = parseDirectiveLine(`// @image mockup [layout: ${'header; '.repeat(5_000)}header]: x`);
      assert.match(long?.error ?? '', /^Layout: layout is \d+ characters long; the limit is 500\.$/);
    });
  });
});
