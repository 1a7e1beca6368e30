// Wireframes (no model): the layout grammar, where each region lands, and the pixels sharp writes.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import {
  makeWireframe, parseLayout, placeWireframe, rasterizeWireframe, readIco, readMetadata, WIREFRAME_COLOURS, WIREFRAME_REGIONS,
  wireframeSvg, WireframeLayoutError, type PlacedWireframe,
} from '../../src/inference/image';
import type { AssetFormat } from '../../src/inference/types';
import { runCli } from './cli-helpers';
import { decode, pixel, type Decoded } from './image-helpers';

const DASHBOARD = 'header; sidebar | grid 3x2; footer';
const C = WIREFRAME_COLOURS;
const rgbAt = (d: Decoded, x: number, y: number): number[] => pixel(d, x, y).slice(0, 3);

describe('wireframe: layout grammar', () => {
  it('reads rows (;) of regions (|) with optional card counts, case-insensitively', () => {
    assert.deepEqual(parseLayout(DASHBOARD), [
      [{ name: 'header', columns: 1, rows: 1 }],
      [{ name: 'sidebar', columns: 1, rows: 1 }, { name: 'grid', columns: 3, rows: 2 }],
      [{ name: 'footer', columns: 1, rows: 1 }],
    ]);
    assert.deepEqual(parseLayout('  NAV ;Hero;cards;  grid4x3 | Cards 2 × 1|GRID 5 x 2 '), [
      [{ name: 'nav', columns: 1, rows: 1 }], [{ name: 'hero', columns: 1, rows: 1 }], [{ name: 'cards', columns: 3, rows: 1 }],
      [{ name: 'grid', columns: 4, rows: 3 }, { name: 'cards', columns: 2, rows: 1 }, { name: 'grid', columns: 5, rows: 2 }],
    ]);
    assert.deepEqual(parseLayout('grid').flat()[0], { name: 'grid', columns: 3, rows: 2 }, 'grid alone is 3x2');
    for (const name of WIREFRAME_REGIONS) assert.equal(parseLayout(name).flat()[0]?.name, name);
  });

  it('names the bad token, where it is, and the valid regions', () => {
    const valid = 'valid regions: header, nav, sidebar, hero, cards, grid, form, button, footer, text (cards and grid take COLSxROWS, e.g. grid 3x2)';
    const cases: Array<[string, string]> = [
      ['header; sidbar | grid; footer', `unknown region "sidbar" at row 2, region 1; ${valid}`],
      ['header;; footer', `empty region at row 2, region 1 (two separators in a row, or one at an end); ${valid}`],
      ['header | ', `empty region at row 1, region 2 (two separators in a row, or one at an end); ${valid}`],
      ['3x2', `unknown region "3x2" at row 1, region 1; ${valid}`],
      ['header 2x1', `'header' takes no size, got "2x1" at row 1, region 1; only cards and grid take COLSxROWS`],
      ['footer big', `'footer' takes no size, got "big" at row 1, region 1; only cards and grid take COLSxROWS`],
      ['grid 0x2', '"grid 0x2" at row 1, region 1: the size must be COLSxROWS with each from 1 to 12, e.g. grid 3x2'],
      ['hero; cards 13x1', '"cards 13x1" at row 2, region 1: the size must be COLSxROWS with each from 1 to 12, e.g. cards 3x2'],
      ['grid 3x', '"grid 3x" at row 1, region 1: the size must be COLSxROWS with each from 1 to 12, e.g. grid 3x2'],
      ['   ', 'layout is empty; ' + valid],
    ];
    for (const [layout, message] of cases) {
      assert.throws(() => parseLayout(layout), (e: unknown) => e instanceof WireframeLayoutError && e.message.startsWith(message), `${layout} → ${message}`);
    }
    assert.throws(() => parseLayout('header\nfooter; x\u001b[31m'), (e: unknown) => e instanceof Error && !e.message.includes('\n') && !e.message.includes('\u001b'), 'one line, no terminal escapes');
  });

  it('is bounded: at most 500 characters and 48 regions', () => {
    assert.throws(() => parseLayout('text|'.repeat(100) + 'x'), /layout is 501 characters long; the limit is 500/);
    assert.equal(parseLayout(Array(48).fill('text').join('|')).flat().length, 48);
    assert.throws(() => parseLayout(Array(49).fill('text').join('|')), /layout has more than 48 regions/);
    assert.throws(() => parseLayout(';'.repeat(499)), /empty region at row 1, region 1/);
  });
});

describe('wireframe: placement', () => {
  it('header; sidebar | grid 3x2; footer at 1280×800 lands on the documented pixels', () => {
    // gap = floor(800 / 80) = 10. Row weights 6 / max(40, 14 + 13·2) / 6 share 800 − 4·10 = 760 px:
    // 1 px each + 757·(6, 40, 6)/52 = 87.35, 582.31, 87.35 → 88, 583, 88 (759), the last pixel to the
    // first largest remainder → 89, 583, 88 at y 10, 109, 702. Row 2: 1280 − 3·10 = 1250 px by 1:3 →
    // 313 + 937 at x 10, 333. Cards: (937 − 20) by 3 → 306, 306, 305 at x 333, 649, 965; (583 − 10)
    // by 2 → 287, 286 at y 109, 406.
    const placed = placeWireframe(parseLayout(DASHBOARD), 1280, 800);
    assert.equal(placed.gap, 10);
    const boxes = placed.regions.map((r) => [r.name, r.x, r.y, r.width, r.height]);
    assert.deepEqual(boxes, [['header', 10, 10, 1260, 89], ['sidebar', 10, 109, 313, 583], ['grid', 333, 109, 937, 583], ['footer', 10, 702, 1260, 88]]);
    const cells = placed.regions[2]?.cells.map((c) => [c.x, c.y, c.width, c.height]);
    assert.deepEqual(cells, [[333, 109, 306, 287], [649, 109, 306, 287], [965, 109, 305, 287], [333, 406, 306, 286], [649, 406, 306, 286], [965, 406, 305, 286]]);
  });

  const layouts = [DASHBOARD, 'nav; hero; cards; footer', 'header; text | form; button; footer', 'sidebar | hero | grid 4x3 | nav', 'grid 12x12'];
  const sizes: Array<[number, number]> = [[1280, 800], [800, 1280], [375, 667], [1920, 1080], [64, 48], [513, 77]];
  for (const layout of layouts) {
    it(`tiles the canvas exactly, in grammar order, for "${layout}" at ${sizes.length} sizes`, () => {
      const rows = parseLayout(layout);
      for (const [w, h] of sizes) checkTiling(placeWireframe(rows, w, h), rows.map((r) => r.length), `${layout} ${w}×${h}`);
    });
  }

  it('refuses a canvas too small for the layout, saying which part does not fit', () => {
    assert.throws(() => placeWireframe(parseLayout('header; hero; footer'), 40, 4), /a 40×4 wireframe is too small for 3 rows/);
    assert.throws(() => placeWireframe(parseLayout('text | text | text | text'), 6, 40), /a 6×40 wireframe is too small for the 4 regions of row 1/);
    assert.throws(() => placeWireframe(parseLayout('grid 12x12'), 8, 8), /a 8×8 wireframe leaves 6×6 px for 'grid 12x12', too small for its cards/);
  });
});

/** Rows stack top to bottom and regions left to right with exactly `gap` px between and around them. */
function checkTiling(p: PlacedWireframe, rowLengths: number[], what: string): void {
  let i = 0;
  let y = p.gap;
  for (const count of rowLengths) {
    const row = p.regions.slice(i, i + count);
    i += count;
    let x = p.gap;
    for (const r of row) {
      assert.ok(r.width >= 1 && r.height >= 1, what);
      assert.deepEqual([r.x, r.y, r.height], [x, y, row[0]?.height], `${what}: ${r.name} at row ${r.row}`);
      x += r.width + p.gap;
      for (const c of r.cells) {
        assert.ok(c.x >= r.x && c.y >= r.y && c.x + c.width <= r.x + r.width && c.y + c.height <= r.y + r.height, `${what}: card inside ${r.name}`);
      }
    }
    assert.equal(x, p.width, `${what}: row ends at the right margin`);
    y += (row[0]?.height ?? 0) + p.gap;
  }
  assert.equal(y, p.height, `${what}: rows end at the bottom margin`);
}

describe('wireframe: pixels', function () {
  this.timeout(60_000);

  it('draws the dashboard at exactly 1280×800: each region its colour, canvas in the margins and gaps', async () => {
    const asset = await makeWireframe({ width: 1280, height: 800, layout: DASHBOARD, format: 'png' });
    const d = await decode(asset.bytes);
    assert.deepEqual([d.width, d.height, asset.width, asset.height], [1280, 800, 1280, 800]);
    const expect: Array<[number, number, readonly number[], string]> = [
      [5, 5, C.canvas, 'outer margin'], [1275, 795, C.canvas, 'outer margin'], [640, 104, C.canvas, 'gap under the header'],
      [328, 400, C.canvas, 'gap between sidebar and grid'], [644, 300, C.canvas, 'gap between cards'], [500, 401, C.canvas, 'gap between card rows'],
      [640, 697, C.canvas, 'gap above the footer'],
      [1000, 50, C.header, 'header'], [100, 50, C.detail, 'header logo'], [12, 112, C.sidebar, 'sidebar'], [150, 170, C.detail, 'sidebar item'],
      [480, 150, C.cardImage, 'card image'], [480, 350, C.card, 'card body'], [1100, 650, C.card, 'last card'], [640, 745, C.footer, 'footer'],
    ];
    for (const [x, y, colour, what] of expect) assert.deepEqual(rgbAt(d, x, y), [...colour], `${what} at ${x},${y}`);
    const distinct = new Set(Object.values(C).map((c) => c.join()));
    assert.equal(distinct.size, Object.keys(C).length - 2, 'one colour per region kind (field = text = white, line = header grey)');
  });

  it('every pixel is a palette colour, and the SVG renders pixel for pixel like the raster', async () => {
    const placed = placeWireframe(parseLayout('nav; hero; text | form; cards 4x1; button; footer'), 640, 480);
    const raster = rasterizeWireframe(placed);
    const palette = new Set(Object.values(C).map((c) => c.join()));
    for (let i = 0; i < raster.data.length; i += 3) assert.ok(palette.has(`${raster.data[i]},${raster.data[i + 1]},${raster.data[i + 2]}`), `pixel ${i / 3}`);
    const fromSvg = await sharp(Buffer.from(wireframeSvg(placed))).removeAlpha().raw().toBuffer();
    assert.equal(Buffer.compare(fromSvg, Buffer.from(raster.data)), 0, 'librsvg draws the same pixels');
  });

  it('writes every format at the exact size, with metadata, byte-identical on a second run', async () => {
    for (const format of ['png', 'webp', 'avif', 'jpeg', 'svg'] as AssetFormat[]) {
      const a = await makeWireframe({ width: 300, height: 200, layout: DASHBOARD, format, prompt: 'admin dashboard' });
      const b = await makeWireframe({ width: 300, height: 200, layout: DASHBOARD, format, prompt: 'admin dashboard' });
      assert.ok(Buffer.from(a.bytes).equals(Buffer.from(b.bytes)), `${format} differs between runs`);
      const d = await decode(a.bytes);
      assert.deepEqual([d.width, d.height], [300, 200], format);
      assert.deepEqual(readMetadata(a.bytes), { prompt: 'admin dashboard', kind: 'placeholder', width: 300, height: 200, generator: a.metadata?.generator }, format);
    }
    const ico = await makeWireframe({ width: 64, height: 64, layout: 'header; grid', format: 'ico' });
    assert.deepEqual(readIco(ico.bytes).map((e) => e.width), [16, 32, 48, 64]);
  });

  it('refuses bad sizes and formats like the placeholder does', async () => {
    await assert.rejects(makeWireframe({ width: 0, height: 10, layout: 'hero', format: 'png' }), /wireframe size: width must be a whole number of pixels ≥ 1, got 0/);
    await assert.rejects(makeWireframe({ width: 10, height: 10, layout: 'hero', format: 'gif' as AssetFormat }), /unsupported format 'gif'/);
    await assert.rejects(makeWireframe({ width: 100, height: 100, layout: 'hero; heros', format: 'png' }), /unknown region "heros" at row 2, region 1/);
  });
});

describe('wireframe: nanoforge placeholder --layout', function () {
  this.timeout(120_000);
  let dir: string;
  before(async () => { dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nf-wireframe-')); });
  after(async () => { await fs.rm(dir, { recursive: true, force: true }); });

  it('writes the wireframe at the requested size', async () => {
    const r = await runCli(['placeholder', '1280x800', '--layout', DASHBOARD, '--out', 'dash.png'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /dash\.png \(png, 1280×800, \d+ bytes\)/);
    const d = await decode(await fs.readFile(path.join(dir, 'dash.png')));
    assert.deepEqual([d.width, d.height], [1280, 800]);
    assert.deepEqual(rgbAt(d, 1000, 50), [...C.header]);
    assert.deepEqual(rgbAt(d, 480, 350), [...C.card]);
  });

  it('a bad layout or a flat-placeholder option is one clear line and writes nothing', async () => {
    const bad = await runCli(['placeholder', '640x480', '--layout', 'header; sidbar', '--out', 'bad.png'], { cwd: dir });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^nanoforge placeholder: unknown region "sidbar" at row 2, region 1; valid regions: header, nav, sidebar, hero, cards, grid, form, button, footer, text/);
    assert.ok(!bad.stderr.includes('\n'));
    const clash = await runCli(['placeholder', '640x480', '--layout', 'hero', '--label', 'Hi', '--out', 'clash.png'], { cwd: dir });
    assert.equal(clash.code, 1);
    assert.equal(clash.stderr, 'nanoforge placeholder: --label does not apply to a wireframe (--layout draws blocks in fixed neutral colours, without text); leave one of them out.');
    assert.deepEqual((await fs.readdir(dir)).filter((f) => f !== 'dash.png'), []);
  });
});
