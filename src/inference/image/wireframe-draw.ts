// Draws a placed wireframe (wireframe.ts) as neutral blocks: exact rectangles written straight into
// an RGB buffer (no anti-aliasing, so every pixel is one of the colours below) and encoded by sharp;
// the `svg` format writes the same rectangles as SVG. Deterministic: same input, same bytes.
import type { AssetFormat, AssetMetadata, EncodedAsset } from '../types';
import { NANOFORGE_VERSION } from '../version';
import { encodeRaster } from './encode';
import { ASSET_FORMATS } from '../tables';
import { AssetInputError, validateSize } from './limits';
import { svgMetadataElement } from './metadata';
import { hexColor, type Raster, type Rgb } from './raster';
import { parseLayout, placeWireframe, type PlacedRegion, type PlacedWireframe, type Rect } from './wireframe';

/** The palette: light blue-greys, one fill per region kind so each block can be told apart. */
export const WIREFRAME_COLOURS = Object.freeze({
  canvas: [243, 244, 246],
  header: [209, 213, 219],
  nav: [226, 232, 240],
  sidebar: [221, 227, 234],
  hero: [203, 213, 225],
  form: [233, 237, 242],
  footer: [199, 206, 214],
  text: [255, 255, 255],
  card: [229, 231, 235],
  cardImage: [207, 214, 223],
  field: [255, 255, 255],
  button: [100, 116, 139],
  detail: [156, 163, 175],
  line: [209, 213, 219],
} as const satisfies Record<string, Rgb>);

export interface ColouredRect extends Rect {
  colour: Rgb;
}

/** Every rectangle to paint, back to front: canvas, region fills, then the details inside them. */
export function wireframeRects(placed: PlacedWireframe): ColouredRect[] {
  const C = WIREFRAME_COLOURS;
  const rects: ColouredRect[] = [{ x: 0, y: 0, width: placed.width, height: placed.height, colour: C.canvas }];
  for (const region of placed.regions) rects.push(...regionRects(region));
  return rects;
}

/** Inset for the details of a region: a sixth of its short side, at least 1 px. */
function insetOf(r: Rect): number {
  return Math.max(1, Math.floor(Math.min(r.width, r.height) / 6));
}

function regionRects(r: PlacedRegion): ColouredRect[] {
  const C = WIREFRAME_COLOURS;
  switch (r.name) {
    case 'cards':
    case 'grid':
      // No fill: the canvas shows between the cards; each card has an image area on its top 55 %.
      return r.cells.flatMap((cell) => [{ ...cell, colour: C.card }, { ...cell, height: Math.max(1, Math.floor(cell.height * 0.55)), colour: C.cardImage }]);
    case 'button':
      return [{ ...r, colour: C.button }];
    case 'header':
      return [{ ...r, colour: C.header }, ...logo(r)];
    case 'nav':
      return [{ ...r, colour: C.nav }, ...bars(r, 'row', 5)];
    case 'sidebar':
      return [{ ...r, colour: C.sidebar }, ...bars(r, 'column', 8)];
    case 'hero':
      return [{ ...r, colour: C.hero }, ...heroDetails(r)];
    case 'form':
      return [{ ...r, colour: C.form }, ...formDetails(r)];
    case 'text':
      return [{ ...r, colour: C.text }, ...bars(r, 'lines', 12)];
    case 'footer':
      return [{ ...r, colour: C.footer }];
  }
}

/** Keeps the rectangles that still have an area after clipping to `bounds`. */
function inside(bounds: Rect, rects: ColouredRect[]): ColouredRect[] {
  return rects.flatMap((c) => {
    const x = Math.max(c.x, bounds.x);
    const y = Math.max(c.y, bounds.y);
    const right = Math.min(c.x + c.width, bounds.x + bounds.width);
    const bottom = Math.min(c.y + c.height, bounds.y + bounds.height);
    return right > x && bottom > y ? [{ x, y, width: right - x, height: bottom - y, colour: c.colour }] : [];
  });
}

function logo(r: Rect): ColouredRect[] {
  const p = insetOf(r);
  if (r.width <= 2 * p || r.height <= 2 * p) return [];
  return inside(r, [{ x: r.x + p, y: r.y + p, width: Math.min(r.width - 2 * p, 3 * (r.height - 2 * p)), height: r.height - 2 * p, colour: WIREFRAME_COLOURS.detail }]);
}

/** Menu items in a row (nav), a column (sidebar) or text lines, up to `max`, inside the inset. */
function bars(r: Rect, kind: 'row' | 'column' | 'lines', max: number): ColouredRect[] {
  const p = insetOf(r);
  if (r.width <= 2 * p || r.height <= 2 * p) return [];
  const colour = kind === 'lines' ? WIREFRAME_COLOURS.line : WIREFRAME_COLOURS.detail;
  const out: ColouredRect[] = [];
  if (kind === 'row') {
    const w = Math.max(1, Math.floor((r.width - 2 * p) / (2 * max)));
    const h = Math.max(1, Math.floor((r.height - 2 * p) / 2));
    for (let i = 0; i < max; i++) out.push({ x: r.x + p + i * 2 * w, y: r.y + Math.floor((r.height - h) / 2), width: w, height: h, colour });
  } else {
    const h = Math.max(1, Math.floor((r.height - 2 * p) / (2 * max)));
    for (let i = 0; i < max; i++) {
      // Text lines end ragged: every third line is 60 % long.
      const width = kind === 'lines' && i % 3 === 2 ? Math.max(1, Math.floor((r.width - 2 * p) * 0.6)) : r.width - 2 * p;
      out.push({ x: r.x + p, y: r.y + p + i * 2 * h, width, height: h, colour });
    }
  }
  return inside({ x: r.x + p, y: r.y + p, width: r.width - 2 * p, height: r.height - 2 * p }, out);
}

function heroDetails(r: Rect): ColouredRect[] {
  const C = WIREFRAME_COLOURS;
  const title = { x: r.x + Math.floor(r.width / 4), y: r.y + Math.floor(r.height * 0.3), width: Math.max(1, Math.floor(r.width / 2)), height: Math.max(1, Math.floor(r.height / 10)), colour: C.detail };
  const cta = { x: r.x + Math.floor(r.width * 0.4), y: r.y + Math.floor(r.height * 0.55), width: Math.max(1, Math.floor(r.width / 5)), height: Math.max(1, Math.floor(r.height / 8)), colour: C.button };
  return inside(r, [title, cta]);
}

/** Three input fields and a submit button, stacked inside a tenth-of-the-short-side inset. */
function formDetails(r: Rect): ColouredRect[] {
  const C = WIREFRAME_COLOURS;
  const p = Math.max(1, Math.floor(Math.min(r.width, r.height) / 10));
  const h = Math.floor((r.height - 5 * p) / 4);
  if (h < 1 || r.width <= 2 * p) return [];
  const rows = [0, 1, 2].map((i) => ({ x: r.x + p, y: r.y + p + i * (h + p), width: r.width - 2 * p, height: h, colour: C.field }));
  const submit = { x: r.x + p, y: r.y + p + 3 * (h + p), width: Math.max(1, Math.floor((r.width - 2 * p) / 3)), height: h, colour: C.button };
  return inside(r, [...rows, submit]);
}

/** Paints the rectangles into an RGB raster of the canvas size. */
export function rasterizeWireframe(placed: PlacedWireframe): Raster {
  const { width, height } = placed;
  const data = new Uint8Array(width * height * 3);
  for (const r of wireframeRects(placed)) {
    const row = new Uint8Array(r.width * 3);
    for (let i = 0; i < r.width; i++) row.set(r.colour, i * 3);
    for (let y = r.y; y < r.y + r.height; y++) data.set(row, (y * width + r.x) * 3);
  }
  return { width, height, channels: 3, data };
}

/** The same rectangles as SVG, with crisp edges so a renderer draws them pixel for pixel. */
export function wireframeSvg(placed: PlacedWireframe, metadata?: AssetMetadata): string {
  const rects = wireframeRects(placed).map((r) => `<rect x="${r.x}" y="${r.y}" width="${r.width}" height="${r.height}" fill="${hexColor(r.colour)}"/>`);
  const meta = metadata ? svgMetadataElement(metadata) : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${placed.width}" height="${placed.height}" viewBox="0 0 ${placed.width} ${placed.height}" ` +
    `shape-rendering="crispEdges">${meta}${rects.join('')}</svg>\n`;
}

export interface WireframeOptions {
  width: number;
  height: number;
  /** The layout grammar of wireframe.ts, e.g. "header; sidebar | grid 3x2; footer". */
  layout: string;
  format: AssetFormat;
  /** Stored in the file's metadata (no model is used). */
  prompt?: string;
  quality?: number;
}

/** Parses, places and encodes a wireframe at exactly width × height (ICO: its square entries). */
export async function makeWireframe(o: WireframeOptions): Promise<EncodedAsset> {
  if (!ASSET_FORMATS.includes(o.format)) throw new AssetInputError(`unsupported format '${String(o.format)}'; supported: ${ASSET_FORMATS.join(', ')}`);
  const { width, height } = validateSize(o.width, o.height, 'wireframe size');
  const placed = placeWireframe(parseLayout(o.layout), width, height);
  const metadata: AssetMetadata = { prompt: o.prompt ?? '', kind: 'placeholder', width, height, generator: `nanoforge ${NANOFORGE_VERSION}` };
  if (o.format === 'svg') {
    return { bytes: new Uint8Array(Buffer.from(wireframeSvg(placed, metadata), 'utf8')), format: 'svg', width, height, warnings: [], metadata };
  }
  const encoded = await encodeRaster(rasterizeWireframe(placed), o.format, { quality: o.quality, metadata });
  return { bytes: encoded.bytes, format: o.format, width: encoded.width, height: encoded.height, warnings: encoded.warnings, metadata };
}
