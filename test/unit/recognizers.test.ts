// Real-world snippets across languages: what must be recognised (path, columns, recognizer,
// attributes) and what must not (URLs, data URIs, prose, templates, other extensions).
import assert from 'node:assert/strict';
import { recognizeLine, referenceAt } from '../../src/extension/references/recognizers';

interface Case {
  lang: string;
  line: string;
  /** Expected paths in column order; [] = must not match. */
  paths: string[];
  recognizer?: string;
  attributes?: Record<string, unknown>;
}

const MATCHES: Case[] = [
  // JavaScript / TypeScript / JSX / TSX
  { lang: 'typescript', line: "import logo from './assets/logo.png';", paths: ['./assets/logo.png'], recognizer: 'import-require' },
  { lang: 'typescript', line: 'import heroUrl from "@/assets/hero-banner.webp"', paths: ['@/assets/hero-banner.webp'], recognizer: 'import-require' },
  { lang: 'javascript', line: "import './styles/bg.svg';", paths: ['./styles/bg.svg'], recognizer: 'import-require' },
  { lang: 'javascript', line: "const icon = require('../img/icon-64x64.png');", paths: ['../img/icon-64x64.png'], recognizer: 'import-require' },
  { lang: 'javascript', line: "const lazy = await import('./big.avif');", paths: ['./big.avif'], recognizer: 'import-require' },
  { lang: 'typescript', line: "const url = new URL('./cart.png', import.meta.url).href;", paths: ['./cart.png'], recognizer: 'import-require' },
  { lang: 'typescript', line: "export { default as Logo } from './logo.svg';", paths: ['./logo.svg'], recognizer: 'import-require' },
  { lang: 'typescript', line: "const sprites = ['a/one.png', 'a/two.gif'];", paths: ['a/one.png', 'a/two.gif'], recognizer: 'quoted-string' },
  { lang: 'javascript', line: 'img.src = `/static/empty-state.jpg`;', paths: ['/static/empty-state.jpg'] },
  { lang: 'typescriptreact', line: '<img src="/img/avatar.jpeg" alt="User avatar" width={48} height={48} />', paths: ['/img/avatar.jpeg'], recognizer: 'html-attribute', attributes: { alt: 'User avatar', width: 48, height: 48 } },
  { lang: 'javascriptreact', line: '<Image src={"./photo.JPG"} width={640} height={480} alt="Team" />', paths: ['./photo.JPG'], attributes: { alt: 'Team', width: 640, height: 480 } },
  { lang: 'typescriptreact', line: "<img src={require('./a.png')} className=\"w-16 h-16\" />", paths: ['./a.png'], recognizer: 'import-require' },
  { lang: 'typescriptreact', line: "const style = { backgroundImage: 'url(/bg/noise.png)' };", paths: ['/bg/noise.png'], recognizer: 'css-url' },
  { lang: 'typescript', line: "const v = 'assets/logo.png?v=3';", paths: ['assets/logo.png'] },
  { lang: 'typescript', line: "const sprite = 'icons.svg#cart';", paths: ['icons.svg'] },
  { lang: 'typescript', line: "const retina = 'img/logo@2x.png';", paths: ['img/logo@2x.png'] },
  { lang: 'typescript', line: "import hero from '#images/hero.jpg';", paths: ['#images/hero.jpg'], recognizer: 'import-require' },
  // Vue / Svelte
  { lang: 'vue', line: '<img src="@/assets/vue-logo.png" alt="Vue logo" width="64" height="64">', paths: ['@/assets/vue-logo.png'], attributes: { alt: 'Vue logo', width: 64, height: 64 } },
  { lang: 'vue', line: `<img :src="require('~/assets/x.png')">`, paths: ['~/assets/x.png'], recognizer: 'import-require' },
  { lang: 'svelte', line: '<img src="./favicon.ico" alt="">', paths: ['./favicon.ico'] },
  // Python / Go / Rust / others
  { lang: 'python', line: 'img = Image.open("assets/hero.png")', paths: ['assets/hero.png'], recognizer: 'quoted-string' },
  { lang: 'python', line: "ICON = os.path.join(BASE, 'static', 'icons/app.ico')", paths: ['icons/app.ico'] },
  { lang: 'go', line: 'f, err := os.Open("testdata/gopher.gif")', paths: ['testdata/gopher.gif'] },
  { lang: 'rust', line: 'let bytes = include_bytes!("../assets/ferris.png");', paths: ['../assets/ferris.png'] },
  { lang: 'java', line: 'ImageIO.read(new File("res/sprite.bmp"));', paths: ['res/sprite.bmp'] },
  { lang: 'csharp', line: 'var tex = Content.Load<Texture2D>("Textures/player.png");', paths: ['Textures/player.png'] },
  { lang: 'php', line: "<img src=\"<?= $base ?>/a.png\"> <?php $x = 'uploads/default.jpg'; ?>", paths: ['uploads/default.jpg'] },
  { lang: 'ruby', line: "image_tag 'logo-small.png', alt: 'Logo'", paths: ['logo-small.png'] },
  { lang: 'dart', line: "Image.asset('assets/images/flutter.webp')", paths: ['assets/images/flutter.webp'] },
  { lang: 'swift', line: 'let url = Bundle.main.url(forResource: "x", withExtension: "png")!', paths: [] },
  { lang: 'c', line: 'load_texture("C:\\\\game\\\\tex.bmp");', paths: ['C:\\\\game\\\\tex.bmp'] },
  // HTML
  { lang: 'html', line: '<img src="images/cat.png" alt="A cat">', paths: ['images/cat.png'], recognizer: 'html-attribute', attributes: { alt: 'A cat' } },
  { lang: 'html', line: '<img src=unquoted/dog.gif width=32 height=32>', paths: ['unquoted/dog.gif'], attributes: { width: 32, height: 32 } },
  { lang: 'html', line: '<img srcset="hero-480.jpg 480w, hero-800.jpg 800w, hero@2x.jpg 2x" src="hero-800.jpg">', paths: ['hero-480.jpg', 'hero-800.jpg', 'hero@2x.jpg', 'hero-800.jpg'] },
  { lang: 'html', line: '<link rel="icon" type="image/png" href="/favicon-32x32.png">', paths: ['/favicon-32x32.png'], recognizer: 'html-attribute' },
  { lang: 'html', line: '<link rel="apple-touch-icon" sizes="180x180" href="apple-touch-icon.png">', paths: ['apple-touch-icon.png'] },
  { lang: 'html', line: '<video poster="poster.webp" src="clip.mp4"></video>', paths: ['poster.webp'] },
  { lang: 'html', line: '<div style="background: url(\'tiles/bg.png\') repeat"></div>', paths: ['tiles/bg.png'], recognizer: 'css-url' },
  { lang: 'html', line: '<img src="a.png" alt="first"><img src="b.png" alt="second">', paths: ['a.png', 'b.png'] },
  { lang: 'html', line: '<svg><image href="shapes/star.svg" width="24" height="24"/></svg>', paths: ['shapes/star.svg'], attributes: { width: 24, height: 24 } },
  { lang: 'html', line: '<source srcset="pic.avif" type="image/avif">', paths: ['pic.avif'] },
  // CSS / SCSS / Less
  { lang: 'css', line: '.hero { background-image: url(../img/hero.jpg); }', paths: ['../img/hero.jpg'], recognizer: 'css-url' },
  { lang: 'css', line: ".logo { background: url(\"/logo.svg\") no-repeat; }", paths: ['/logo.svg'], recognizer: 'css-url' },
  { lang: 'scss', line: "  background: url( 'assets/pattern.png' ) center;", paths: ['assets/pattern.png'] },
  { lang: 'css', line: 'background-image: image-set("cat.png" 1x, "cat-2x.png" 2x);', paths: ['cat.png', 'cat-2x.png'], recognizer: 'css-url' },
  { lang: 'less', line: '@icon: url(~"icons/menu.svg");', paths: ['icons/menu.svg'] },
  // Markdown
  { lang: 'markdown', line: '![Screenshot of the app](docs/screenshot.png)', paths: ['docs/screenshot.png'], recognizer: 'markdown-image', attributes: { alt: 'Screenshot of the app' } },
  { lang: 'markdown', line: '![Logo](./logo.svg "The logo")', paths: ['./logo.svg'], attributes: { alt: 'Logo' } },
  { lang: 'markdown', line: '![Diagram](<images/my diagram.png>)', paths: ['images/my diagram.png'] },
  { lang: 'markdown', line: '[logo]: ./assets/logo.png "Logo"', paths: ['./assets/logo.png'], recognizer: 'markdown-image' },
  { lang: 'markdown', line: '[![Build](badge.svg)](https://ci.example.com)', paths: ['badge.svg'] },
  { lang: 'markdown', line: 'Inline ![one](a.png) and ![two](b.jpg) images', paths: ['a.png', 'b.jpg'] },
  // JSON / YAML / manifests
  { lang: 'json', line: '    { "src": "icons/icon-192.png", "sizes": "192x192", "type": "image/png" },', paths: ['icons/icon-192.png'] },
  { lang: 'json', line: '  "icon": "media/icon.png",', paths: ['media/icon.png'], recognizer: 'manifest-icon' },
  { lang: 'yaml', line: 'icon: ./assets/app-icon.png', paths: ['./assets/app-icon.png'], recognizer: 'manifest-icon' },
  { lang: 'yaml', line: '  - src: images/team/alice.jpg   # portrait', paths: ['images/team/alice.jpg'], recognizer: 'manifest-icon' },
  { lang: 'yaml', line: "og_image: '/og/default.png'", paths: ['/og/default.png'] },
  { lang: 'toml', line: 'logo = "static/logo.svg"', paths: ['static/logo.svg'] },
  { lang: 'yaml', line: '  - img/screenshots/editor-1.webp  # first', paths: ['img/screenshots/editor-1.webp'], recognizer: 'manifest-icon' },
];

const NON_MATCHES: Case[] = [
  { lang: 'typescript', line: "const u = 'https://example.com/logo.png';", paths: [] },
  { lang: 'typescript', line: 'fetch("http://cdn.test/a.jpg")', paths: [] },
  { lang: 'html', line: '<img src="//cdn.example.com/pic.png">', paths: [] },
  { lang: 'html', line: '<img src="data:image/png;base64,iVBORw0KGgo=">', paths: [] },
  { lang: 'css', line: 'background: url(data:image/svg+xml;utf8,<svg></svg>);', paths: [] },
  { lang: 'typescript', line: 'const img = `${base}/logo.png`;', paths: [] },
  { lang: 'typescript', line: 'const img = `icons/${name}.png`;', paths: [] },
  { lang: 'python', line: 'path = f"{root}/thumb.jpg"', paths: [] },
  { lang: 'vue', line: '<img :src="`/img/${id}.webp`">', paths: [] },
  { lang: 'html', line: '<img src="{{ user.avatar }}.png">', paths: [] },
  { lang: 'typescript', line: "if (file.endsWith('.png')) return;", paths: [] },
  { lang: 'typescript', line: "const exts = ['png', 'jpg', 'gif'];", paths: [] },
  { lang: 'markdown', line: 'Convert the png to jpg before you upload logo.png to the site.', paths: [] },
  { lang: 'typescript', line: '// see logo.png for details', paths: [] },
  { lang: 'typescript', line: "import data from './data.json';", paths: [] },
  { lang: 'typescript', line: "const doc = 'manual.pdf';", paths: [] },
  { lang: 'typescript', line: "const backup = 'logo.png.bak';", paths: [] },
  { lang: 'typescript', line: "const glob = 'assets/**/*.png';", paths: [] },
  { lang: 'html', line: '<a href="photo-page.html">photo.png</a>', paths: [] },
  { lang: 'html', line: '<link rel="stylesheet" href="style.css">', paths: [] },
  { lang: 'markdown', line: '![remote](https://img.shields.io/badge.svg)', paths: [] },
  { lang: 'json', line: '  "main": "dist/index.js",', paths: [] },
  { lang: 'yaml', line: 'image: node:20-alpine', paths: [] },
  { lang: 'yaml', line: '  - build and ship the png exporter', paths: [] },
  { lang: 'python', line: 'print("Saved as png")', paths: [] },
];

function check(c: Case): void {
  const matches = recognizeLine(c.line, c.lang);
  assert.deepEqual(matches.map((m) => m.path), c.paths, `paths in ${c.lang}: ${c.line}`);
  for (const m of matches) assert.equal(c.line.slice(m.start, m.end), m.path, `columns of ${m.path} in: ${c.line}`);
  if (c.recognizer) assert.equal(matches[0]?.recognizer, c.recognizer, `recognizer for: ${c.line}`);
  if (c.attributes) assert.deepEqual(matches[0]?.attributes, c.attributes, `attributes for: ${c.line}`);
}

describe('recognizers', () => {
  it('has a table of at least 60 real-world snippets, 20 of them non-matches', () => {
    assert.ok(MATCHES.length + NON_MATCHES.length >= 60);
    assert.ok(NON_MATCHES.length >= 20);
  });
  for (const c of MATCHES) it(`finds ${c.paths.join(', ') || 'nothing'} in ${c.lang}: ${c.line.slice(0, 70)}`, () => check(c));
  for (const c of NON_MATCHES) it(`ignores ${c.lang}: ${c.line.slice(0, 70)}`, () => check(c));

  it('finds the reference under the cursor, including right after the path', () => {
    const line = '<img src="a.png"><img src="b.png">';
    assert.equal(referenceAt(line, 'html', 10)?.path, 'a.png');
    assert.equal(referenceAt(line, 'html', 15)?.path, 'a.png');
    assert.equal(referenceAt(line, 'html', 28)?.path, 'b.png');
    assert.equal(referenceAt(line, 'html', 2), undefined);
  });

  it('skips minified lines longer than 4000 characters', () => {
    assert.deepEqual(recognizeLine(`"a.png"${' '.repeat(5000)}`, 'javascript'), []);
  });
});
