// Size, prompt and kind defaults from the text around a reference.
import assert from 'node:assert/strict';
import {
  inferDefaults, inferKind, inferPrompt, inferSize, nearestComment, promptFromFileName, sizeFromFileName, sizeFromText,
} from '../../src/extension/references/infer';
import { recognizeLine } from '../../src/extension/references/recognizers';
import type { AssetMatch } from '../../src/extension/references/types';

function firstMatch(lines: string[], line: number, lang: string): AssetMatch {
  const m = recognizeLine(lines[line] ?? '', lang)[0];
  assert.ok(m, `no reference in line ${line}`);
  return m;
}

describe('inference', () => {
  describe('size', () => {
    const cases: [string, { width: number; height: number } | undefined][] = [
      ['<img src="a.png" width="64" height="64">', { width: 64, height: 64 }],
      ['<Image src={x} width={120} height={80} />', { width: 120, height: 80 }],
      ['<img class="w-16 h-16 rounded" src="a.png">', { width: 64, height: 64 }],
      ['<img class="md:w-10 h-12" src="a.png">', { width: 40, height: 48 }],
      ['<img class="w-[72px] h-[36px]">', { width: 72, height: 36 }],
      ['<img class="size-8">', { width: 32, height: 32 }],
      ['<Icon size={32} />', { width: 32, height: 32 }],
      ['style={{ width: 48, height: 24 }}', { width: 48, height: 24 }],
      ['.logo { width: 48px; }', { width: 48, height: 48 }],
      ['{ "src": "i.png", "sizes": "192x192" }', { width: 192, height: 192 }],
      ['<img class="w-full h-auto">', undefined],
      ['<div class="w-1/2">', undefined],
      ['const width = 100000;', undefined],
    ];
    for (const [text, expected] of cases) it(`reads ${JSON.stringify(expected)} from ${text}`, () => assert.deepEqual(sizeFromText(text), expected));

    it('reads WxH from the file name and ignores @2x and version numbers', () => {
      assert.deepEqual(sizeFromFileName('icons/favicon-32x32.png'), { width: 32, height: 32 });
      assert.deepEqual(sizeFromFileName('banner_1200×630.jpg'), { width: 1200, height: 630 });
      assert.equal(sizeFromFileName('logo@2x.png'), undefined);
      assert.equal(sizeFromFileName('v2/logo-1.2.png'), undefined);
    });

    it('prefers tag attributes, then the file name, then nearby lines (nearest first)', () => {
      const lines = ['<div class="w-32 h-32">', '  <img', '    src="./avatar.png"', '    width="40" height="40"', '  >'];
      assert.deepEqual(inferSize(lines, 2, firstMatch(lines, 2, 'html')), { width: 40, height: 40, source: 'nearby' });
      const attr = ['<img src="icon-16x16.png" width="24" height="24">'];
      assert.deepEqual(inferSize(attr, 0, firstMatch(attr, 0, 'html')), { width: 24, height: 24, source: 'attributes' });
      const named = ['const i = "icon-16x16.png"; // w-32'];
      assert.deepEqual(inferSize(named, 0, firstMatch(named, 0, 'typescript')), { width: 16, height: 16, source: 'file-name' });
      const none = ['x = "a.png"'];
      assert.equal(inferSize(none, 0, firstMatch(none, 0, 'python')), undefined);
    });
  });

  describe('prompt', () => {
    it('uses alt text first', () => {
      const lines = ['// not this', '<img src="./team.jpg" alt="Our team at the offsite">'];
      assert.deepEqual(inferPrompt(lines, 1, firstMatch(lines, 1, 'html')), { prompt: 'Our team at the offsite', source: 'alt' });
      const md = ['![A friendly robot mascot](robot.png)'];
      assert.equal(inferPrompt(md, 0, firstMatch(md, 0, 'markdown')).prompt, 'A friendly robot mascot');
    });

    it('reads alt from the attribute lines that continue a multi-line tag, not from the next tag', () => {
      const lines = ['<img', '  src="./team.jpg"', '  class="rounded"', '  alt="The whole team"', '/>', '<img alt="other" src="x.png">'];
      assert.deepEqual(inferPrompt(lines, 1, firstMatch(lines, 1, 'html')), { prompt: 'The whole team', source: 'alt' });
      const two = ['<img src="./a.png">', '<img src="./b.png" alt="B">'];
      assert.equal(inferPrompt(two, 0, firstMatch(two, 0, 'html')).source, 'file-name');
    });

    it('then the nearest comment above or trailing, in several comment styles', () => {
      const ts = ['// Empty state shown when the cart has no items', 'const img = "./empty-cart.svg";'];
      assert.deepEqual(inferPrompt(ts, 1, firstMatch(ts, 1, 'typescript')), { prompt: 'Empty state shown when the cart has no items', source: 'comment' });
      const py = ['ICON = "icons/gear.png"  # settings gear, flat style'];
      assert.equal(inferPrompt(py, 0, firstMatch(py, 0, 'python')).prompt, 'settings gear, flat style');
      const html = ['<!-- a mountain landscape at dawn -->', '<img src="bg.webp">'];
      assert.equal(inferPrompt(html, 1, firstMatch(html, 1, 'html')).prompt, 'a mountain landscape at dawn');
      const block = ['/**', ' * Company logo, monochrome', ' */', 'import logo from "./logo.svg";'];
      assert.equal(nearestComment(block, 3), 'Company logo, monochrome');
    });

    it('skips tool comments and comments separated by code', () => {
      const lines = ['// eslint-disable-next-line', 'const a = "./hero-banner.png";'];
      assert.deepEqual(inferPrompt(lines, 1, firstMatch(lines, 1, 'typescript')), { prompt: 'hero banner', source: 'file-name' });
      const far = ['// about something else', 'doStuff();', 'const a = "./gear.png";'];
      assert.equal(nearestComment(far, 2), undefined);
      const css = ['.x { background: url(tile.png) #fff; }'];
      assert.equal(inferPrompt(css, 0, firstMatch(css, 0, 'css')).source, 'file-name');
    });

    it('turns file names into words', () => {
      assert.equal(promptFromFileName('hero-banner.png'), 'hero banner');
      assert.equal(promptFromFileName('assets/userAvatar_64x64@2x.webp'), 'user avatar');
      assert.equal(promptFromFileName('C:\\img\\empty_state.v2.svg'), 'empty state v2');
      assert.equal(promptFromFileName('123.png'), 'image');
    });
  });

  describe('kind', () => {
    const cases: [string, { width: number; height: number } | undefined, string][] = [
      ['favicon.png', undefined, 'icon'],
      ['brand/logo.svg', { width: 800, height: 200 }, 'icon'],
      ['app.ico', undefined, 'icon'],
      ['cart.png', { width: 64, height: 64 }, 'icon'],
      ['cart.png', { width: 256, height: 256 }, 'icon'],
      ['cart.png', { width: 512, height: 512 }, 'illustration'],
      ['placeholder-64x64.png', { width: 64, height: 64 }, 'placeholder'],
      ['empty-state.svg', undefined, 'placeholder'],
      ['login-mockup.png', undefined, 'mockup'],
      ['dashboard-screenshot.png', undefined, 'mockup'],
      ['hero-banner.jpg', { width: 1200, height: 400 }, 'illustration'],
      ['team-photo.jpg', undefined, 'photo'],
      ['thing.png', undefined, 'illustration'],
    ];
    for (const [name, size, kind] of cases) it(`${name} ${size ? `${size.width}x${size.height}` : ''} → ${kind}`, () => assert.equal(inferKind(name, size), kind));
  });

  it('puts it together for a JSX line', () => {
    const lines = ['{/* Shown in the navbar */}', '<img src="/brand/mark.png" className="w-8 h-8" />'];
    assert.deepEqual(inferDefaults(lines, 1, firstMatch(lines, 1, 'typescriptreact')), {
      size: { width: 32, height: 32, source: 'nearby' },
      prompt: { prompt: 'Shown in the navbar', source: 'comment' },
      kind: 'icon',
    });
  });
});
