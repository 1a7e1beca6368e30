// Wireframes without a model: a short layout description → named regions placed at an exact size.
// Drawn by wireframe-draw.ts; used alone as a placeholder (`nanoforge placeholder 1280x800 --layout …`)
// and, later, as the start image of an image-to-image mockup so the result keeps the layout.
//
// Grammar (case-insensitive; spaces around tokens are free):
//   layout = row *( ";" row )          rows, top to bottom
//   row    = region *( "|" region )    regions, left to right
//   region = name [ COLSxROWS ]        the size only for `cards` and `grid`
//   name   = header | nav | sidebar | hero | cards | grid | form | button | footer | text
// `grid` alone is 3x2 cards, `cards` alone is 3x1; COLS and ROWS are 1..12.
// Examples: "header; sidebar | grid 3x2; footer", "nav; hero; cards; footer", "header; text | form; footer".
//
// Proportions: a row's height follows the tallest kind of region in it (weights below: header 6,
// nav 5, button 5, footer 6, text 15, hero 25, form 30, sidebar 40, cards/grid 14 + 13 per card
// row); inside a row, sidebar, nav and button take one share of the width and every other region
// three. Every row and region gets at least 1 px and the pixels add up exactly (largest remainder).
// The canvas keeps a margin and gaps of max(1, floor(min(W, H) / 80)) px between rows, regions and cards.
// Bounds: at most 500 characters and 48 regions; parsing is one pass over the text.
import { AssetInputError } from './limits';

export const WIREFRAME_REGIONS = ['header', 'nav', 'sidebar', 'hero', 'cards', 'grid', 'form', 'button', 'footer', 'text'] as const;
export type WireframeRegionName = (typeof WIREFRAME_REGIONS)[number];

export const MAX_LAYOUT_LENGTH = 500;
export const MAX_LAYOUT_REGIONS = 48;
export const MAX_GRID_SIDE = 12;

const HEIGHT_WEIGHT: Readonly<Record<WireframeRegionName, number>> = {
  header: 6, nav: 5, button: 5, footer: 6, text: 15, hero: 25, form: 30, sidebar: 40, cards: 0, grid: 0,
};
const NARROW: ReadonlySet<WireframeRegionName> = new Set(['sidebar', 'nav', 'button']);
const DEFAULT_CARDS: Readonly<Record<'cards' | 'grid', [number, number]>> = { cards: [3, 1], grid: [3, 2] };

export interface WireframeRegion {
  name: WireframeRegionName;
  /** Card columns and rows (cards/grid); 1 × 1 for every other region. */
  columns: number;
  rows: number;
}

/** Parsed layout: rows top to bottom, each a list of regions left to right. */
export type WireframeLayout = WireframeRegion[][];

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedRegion extends WireframeRegion, Rect {
  /** Row and position in the row, as written in the layout. */
  row: number;
  column: number;
  /** The cards of a cards/grid region, row by row; empty for other regions. */
  cells: Rect[];
}

export interface PlacedWireframe {
  width: number;
  height: number;
  /** Margin around the layout and gap between rows, regions and cards. */
  gap: number;
  regions: PlacedRegion[];
}

export class WireframeLayoutError extends AssetInputError {}

const VALID = `valid regions: ${WIREFRAME_REGIONS.join(', ')} (cards and grid take COLSxROWS, e.g. grid 3x2); rows are separated by ';', regions in a row by '|'`;

/** Parses the layout grammar above; every error names the bad token and what is valid. */
export function parseLayout(text: string): WireframeLayout {
  if (typeof text !== 'string') throw new WireframeLayoutError(`layout must be text, got ${typeof text}`);
  if (text.length > MAX_LAYOUT_LENGTH) throw new WireframeLayoutError(`layout is ${text.length} characters long; the limit is ${MAX_LAYOUT_LENGTH}`);
  if (text.trim() === '') throw new WireframeLayoutError(`layout is empty; ${VALID}, e.g. "header; sidebar | grid 3x2; footer"`);
  let count = 0;
  return text.split(';').map((rowText, r) => rowText.split('|').map((cellText, c) => {
    if (++count > MAX_LAYOUT_REGIONS) throw new WireframeLayoutError(`layout has more than ${MAX_LAYOUT_REGIONS} regions`);
    return parseRegion(cellText, r + 1, c + 1);
  }));
}

function parseRegion(cellText: string, row: number, column: number): WireframeRegion {
  const where = `row ${row}, region ${column}`;
  const token = cellText.trim().toLowerCase();
  if (token === '') throw new WireframeLayoutError(`empty region at ${where} (two separators in a row, or one at an end); ${VALID}`);
  // The name is the leading letters; what follows is the card count ("grid 3x2", "grid3x2", "grid 3 x 2").
  const m = /^([a-z]+)\s*([\s\S]*)$/.exec(token);
  const name = m?.[1] ?? '';
  if (!(WIREFRAME_REGIONS as readonly string[]).includes(name)) {
    throw new WireframeLayoutError(`unknown region ${JSON.stringify(m ? name : token)} at ${where}; ${VALID}`);
  }
  const region = name as WireframeRegionName;
  const sizeText = m?.[2] ?? '';
  if (region !== 'cards' && region !== 'grid') {
    if (sizeText !== '') throw new WireframeLayoutError(`'${region}' takes no size, got ${JSON.stringify(sizeText)} at ${where}; only cards and grid take COLSxROWS`);
    return { name: region, columns: 1, rows: 1 };
  }
  if (sizeText === '') {
    const [columns, rows] = DEFAULT_CARDS[region];
    return { name: region, columns, rows };
  }
  return { name: region, ...parseCardCount(sizeText, region, where) };
}

function parseCardCount(text: string, region: string, where: string): { columns: number; rows: number } {
  const m = /^(\d{1,3})\s*[x×]\s*(\d{1,3})$/.exec(text);
  const columns = Number(m?.[1]);
  const rows = Number(m?.[2]);
  const ok = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= MAX_GRID_SIDE;
  if (!m || !ok(columns) || !ok(rows)) {
    throw new WireframeLayoutError(`${JSON.stringify(`${region} ${text}`)} at ${where}: the size must be COLSxROWS with each from 1 to ${MAX_GRID_SIDE}, e.g. ${region} 3x2`);
  }
  return { columns, rows };
}

/** Margin and gap in pixels for a canvas of this size. */
export function wireframeGap(width: number, height: number): number {
  return Math.max(1, Math.floor(Math.min(width, height) / 80));
}

function heightWeight(r: WireframeRegion): number {
  return r.name === 'cards' || r.name === 'grid' ? 14 + 13 * r.rows : HEIGHT_WEIGHT[r.name];
}

/**
 * Splits `total` pixels by `weights`: 1 px each first, the rest in proportion, leftovers to the
 * largest remainders (the first on ties), so the parts add up to `total` exactly.
 */
export function apportion(total: number, weights: readonly number[], tooSmall: () => string): number[] {
  if (total < weights.length) throw new WireframeLayoutError(tooSmall());
  const spare = total - weights.length;
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (spare * w) / sum);
  const parts = exact.map((e) => 1 + Math.floor(e));
  let left = total - parts.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => ({ i, frac: e - Math.floor(e) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    parts[i] = (parts[i] as number) + 1;
    left--;
  }
  return parts;
}

/** Positions along one axis: `count` parts of `sizes` starting at `start`, `gap` apart. */
function offsets(start: number, sizes: readonly number[], gap: number): number[] {
  const out: number[] = [];
  let at = start;
  for (const s of sizes) {
    out.push(at);
    at += s + gap;
  }
  return out;
}

/** Places every region (and card) of `layout` on a width × height canvas. */
export function placeWireframe(layout: WireframeLayout, width: number, height: number): PlacedWireframe {
  const gap = wireframeGap(width, height);
  const size = `${width}×${height}`;
  const rowHeights = apportion(height - gap * (layout.length + 1), layout.map((row) => Math.max(...row.map(heightWeight))),
    () => `a ${size} wireframe is too small for ${layout.length} rows`);
  const rowTops = offsets(gap, rowHeights, gap);
  const regions: PlacedRegion[] = [];
  layout.forEach((row, r) => {
    const widths = apportion(width - gap * (row.length + 1), row.map((region) => (NARROW.has(region.name) ? 1 : 3)),
      () => `a ${size} wireframe is too small for the ${row.length} regions of row ${r + 1}`);
    const lefts = offsets(gap, widths, gap);
    row.forEach((region, c) => {
      const rect = { x: lefts[c] as number, y: rowTops[r] as number, width: widths[c] as number, height: rowHeights[r] as number };
      regions.push({ ...region, ...rect, row: r, column: c, cells: placeCells(region, rect, gap, size) });
    });
  });
  return { width, height, gap, regions };
}

/** Cards of a cards/grid region: COLS × ROWS equal cards `gap` apart (no gap when it would not fit). */
function placeCells(region: WireframeRegion, rect: Rect, gap: number, size: string): Rect[] {
  if (region.name !== 'cards' && region.name !== 'grid') return [];
  const tooSmall = (): string => `a ${size} wireframe leaves ${rect.width}×${rect.height} px for '${region.name} ${region.columns}x${region.rows}', too small for its cards`;
  const gx = rect.width - gap * (region.columns - 1) >= region.columns ? gap : 0;
  const gy = rect.height - gap * (region.rows - 1) >= region.rows ? gap : 0;
  const widths = apportion(rect.width - gx * (region.columns - 1), new Array<number>(region.columns).fill(1), tooSmall);
  const heights = apportion(rect.height - gy * (region.rows - 1), new Array<number>(region.rows).fill(1), tooSmall);
  const xs = offsets(rect.x, widths, gx);
  const ys = offsets(rect.y, heights, gy);
  return heights.flatMap((h, j) => widths.map((w, i) => ({ x: xs[i] as number, y: ys[j] as number, width: w, height: h })));
}
