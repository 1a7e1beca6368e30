import { strict as assert } from 'node:assert';
import { copyName, defaultTargetPath, expandNamingPattern, formatFromPath, unwritableReason, WRITABLE_EXTENSIONS } from '../../src/extension/naming';
import type { NamingVars } from '../../src/extension/naming';

const vars: NamingVars = {
  prompt: 'A blue cart', kind: 'icon', width: 64, height: 32, format: 'png', seed: 42,
  date: new Date(2026, 0, 5, 7, 8, 9),
};

describe('naming pattern', () => {
  it('expands the default pattern to <slug>.<format>', () => {
    assert.equal(expandNamingPattern('{slug}.{format}', vars), 'a-blue-cart.png');
  });
  it('expands every token', () => {
    assert.equal(
      expandNamingPattern('{kind}-{slug}-{width}x{height}-{size}-{seed}-{date}-{time}.{ext}', vars),
      'icon-a-blue-cart-64x32-64x32-42-2026-01-05-070809.png',
    );
  });
  it('uses jpg as the extension of jpeg', () => {
    assert.equal(expandNamingPattern('{slug}.{format}', { ...vars, format: 'jpeg' }), 'a-blue-cart.jpg');
  });
  it('appends the extension when the pattern has none', () => {
    assert.equal(expandNamingPattern('{slug}-{seed}', vars), 'a-blue-cart-42.png');
    assert.equal(expandNamingPattern('{slug}', { ...vars, format: 'webp' }), 'a-blue-cart.webp');
  });
  it('keeps unknown tokens literally so typos are visible', () => {
    assert.equal(expandNamingPattern('{slgu}.png', vars), '{slgu}.png');
  });
  it('says "random" for a missing seed', () => {
    assert.equal(expandNamingPattern('{slug}-{seed}.png', { ...vars, seed: undefined }), 'a-blue-cart-random.png');
  });
  it('never produces path separators or a leading dot', () => {
    const name = expandNamingPattern('../{slug}/x:y.png', vars);
    assert.ok(!name.includes('/') && !name.includes('\\') && !name.startsWith('.'), name);
    assert.equal(name, '-a-blue-cart-x-y.png');
  });
  it('joins the output folder', () => {
    assert.equal(defaultTargetPath('assets/generated', '{slug}.{format}', vars), 'assets/generated/a-blue-cart.png');
    assert.equal(defaultTargetPath('assets\\img\\', '{slug}.{format}', vars), 'assets/img/a-blue-cart.png');
    assert.equal(defaultTargetPath('', '{slug}.{format}', vars), 'a-blue-cart.png');
  });
});

describe('formatFromPath', () => {
  const table: [string, string | undefined][] = [
    ['a.png', 'png'], ['A.PNG', 'png'], ['x/y.jpg', 'jpeg'], ['y.jpeg', 'jpeg'], ['z.webp', 'webp'],
    ['f.ico', 'ico'], ['v.svg', 'svg'], ['p.avif', 'avif'], ['g.gif', undefined], ['noext', undefined], ['dir.png/x', undefined],
  ];
  for (const [p, f] of table) it(`${p} → ${String(f)}`, () => assert.equal(formatFromPath(p), f));
});

describe('copyName (Save as Copy)', () => {
  it('adds -n before the extension', () => {
    assert.equal(copyName('cart.png', 1), 'cart-1.png');
    assert.equal(copyName('cart.png', 12), 'cart-12.png');
  });
  it('keeps numbers that are part of the name', () => {
    assert.equal(copyName('icon-64.png', 1), 'icon-64-1.png');
  });
  it('handles names without extension and dot files', () => {
    assert.equal(copyName('README', 2), 'README-2');
    assert.equal(copyName('.hidden', 1), '.hidden-1');
    assert.equal(copyName('a.b.c.png', 3), 'a.b.c-3.png');
  });
});

describe('writable formats (one list, from the core)', () => {
  it('names every extension Nanoforge writes, in one sentence', () => {
    assert.equal(WRITABLE_EXTENSIONS, '.png, .webp, .avif, .jpg, .ico or .svg');
  });

  it('explains why a .gif, .bmp or extension-less reference cannot be generated, and says nothing for a writable one', () => {
    assert.equal(unwritableReason('images/anim.GIF'), '.gif is not a format Nanoforge can write (it writes .png, .webp, .avif, .jpg, .ico or .svg)');
    assert.match(unwritableReason('./scan.bmp') ?? '', /^\.bmp is not a format Nanoforge can write/);
    assert.match(unwritableReason('images/logo') ?? '', /^a name without an extension/);
    for (const ok of ['a.png', 'b.jpeg', 'c.JPG', 'd.webp', 'e.avif', 'f.ico', 'g.svg']) assert.equal(unwritableReason(ok), undefined, ok);
  });
});
