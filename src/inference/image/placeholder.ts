// Model-free placeholders: a flat colour with a centred label, drawn as SVG and rasterised by
// sharp's librsvg. Offline and deterministic: the same options give the same bytes.
//
// Label behaviour (documented for users):
// - no `label` → "W×H"; an empty label → no text at all.
// - XML special characters are escaped; control characters and anything else XML cannot hold
//   (U+FFFE, U+FFFF, lone surrogates) are dropped; at most 200 characters.
// - text is shaped by Pango (HarfBuzz + FriBidi), so Arabic/Hebrew labels render right-to-left and
//   stay centred. Emoji need a colour-emoji font installed on the machine; without one they show
//   as the font's fallback glyph (often a box). Labels that would be drawn under 6 px are omitted.
import sharp from 'sharp';
import type { AssetFormat, AssetMetadata, EncodedAsset } from '../types';
import { NANOFORGE_VERSION } from '../version';
import { encodeRaster } from './encode';
import { ASSET_FORMATS } from '../tables';
import { AssetInputError, validateSize } from './limits';
import { escapeXml, svgMetadataElement } from './metadata';
import { hexColor, parseHexColor, toRaster, type Rgb } from './raster';

export interface PlaceholderOptions {
  width: number;
  height: number;
  format: AssetFormat;
  /** `#rgb` / `#rrggbb`; otherwise derived from seed/prompt, otherwise neutral grey. */
  background?: string;
  seed?: number;
  prompt?: string;
  /** Defaults to "W×H"; "" draws no text. */
  label?: string;
  /** Defaults to black or white, whichever contrasts more with the background (WCAG). */
  textColor?: string;
  quality?: number;
}

export const MAX_LABEL_LENGTH = 200;
const DEFAULT_BACKGROUND: Rgb = [204, 204, 204];
const DARK_TEXT: Rgb = [17, 17, 17];
const LIGHT_TEXT: Rgb = [255, 255, 255];
const MIN_FONT_PX = 6;

/** WCAG 2.x relative luminance of an sRGB colour. */
export function relativeLuminance(c: Rgb): number {
  const lin = c.map((v) => {
    const s = v / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * lin[0]! + 0.7152 * lin[1]! + 0.0722 * lin[2]!;
}

export function contrastRatio(a: Rgb, b: Rgb): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

export function contrastingText(background: Rgb): Rgb {
  return contrastRatio(background, DARK_TEXT) >= contrastRatio(background, LIGHT_TEXT) ? DARK_TEXT : LIGHT_TEXT;
}

function hslToRgb(h: number, s: number, l: number): Rgb {
  const k = (n: number): number => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number): number => Math.round(255 * (l - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1))));
  return [f(0), f(8), f(4)];
}

/** A soft pastel picked by hashing (FNV-1a) the seed and prompt: stable across runs and machines. */
export function derivedBackground(seed: number | undefined, prompt: string | undefined): Rgb {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(`${seed ?? ''}\u0000${prompt ?? ''}`, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hslToRgb(hash % 360, 0.45, 0.72);
}

function cleanLabel(label: string): string {
  // XML 1.0 cannot carry most control characters; they have no visible form anyway.
  // eslint-disable-next-line no-control-regex
  const cleaned = label.replace(/[\u0000-\u001f\u007f]/g, '');
  if ([...cleaned].length > MAX_LABEL_LENGTH) throw new AssetInputError(`placeholder label is longer than ${MAX_LABEL_LENGTH} characters`);
  return cleaned;
}

function resolveColours(o: PlaceholderOptions): { bg: Rgb; fg: Rgb } {
  const bg = o.background !== undefined ? parseHexColor(o.background) : o.seed !== undefined || o.prompt ? derivedBackground(o.seed, o.prompt) : DEFAULT_BACKGROUND;
  const fg = o.textColor !== undefined ? parseHexColor(o.textColor) : contrastingText(bg);
  return { bg, fg };
}

/** The placeholder as SVG source (also the `svg` format's output). */
export function placeholderSvg(o: PlaceholderOptions, metadata?: AssetMetadata): string {
  const { width, height } = validateSize(o.width, o.height, 'placeholder size');
  const { bg, fg } = resolveColours(o);
  const label = cleanLabel(o.label ?? `${width}×${height}`);
  // Average glyph advance ≈ 0.6 em in DejaVu Sans; keep the label within 80% of the width.
  const fontSize = Math.floor(Math.min(height * 0.2, (width * 0.8) / (Math.max(1, [...label].length) * 0.6)));
  const text =
    label === '' || fontSize < MIN_FONT_PX
      ? ''
      : `<text x="${width / 2}" y="${(height / 2 + fontSize * 0.36).toFixed(2)}" font-family="DejaVu Sans, Verdana, Arial, sans-serif" ` +
        `font-size="${fontSize}" fill="${hexColor(fg)}" text-anchor="middle">${escapeXml(label, '')}</text>`;
  const meta = metadata ? svgMetadataElement(metadata) : '';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `${meta}<rect width="${width}" height="${height}" fill="${hexColor(bg)}"/>${text}</svg>\n`
  );
}

export async function makePlaceholder(o: PlaceholderOptions): Promise<EncodedAsset> {
  if (!ASSET_FORMATS.includes(o.format)) throw new AssetInputError(`unsupported format '${String(o.format)}'; supported: ${ASSET_FORMATS.join(', ')}`);
  const { width, height } = validateSize(o.width, o.height, 'placeholder size');
  const metadata: AssetMetadata = {
    prompt: o.prompt ?? '',
    kind: 'placeholder',
    width,
    height,
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    generator: `nanoforge ${NANOFORGE_VERSION}`,
  };
  if (o.format === 'svg') {
    const bytes = new Uint8Array(Buffer.from(placeholderSvg(o, metadata), 'utf8'));
    return { bytes, format: 'svg', width, height, warnings: [], metadata };
  }
  const raster = await toRaster(sharp(Buffer.from(placeholderSvg(o), 'utf8')).removeAlpha());
  const encoded = await encodeRaster(raster, o.format, { quality: o.quality, metadata, background: resolveColours(o).bg });
  return { bytes: encoded.bytes, format: o.format, width: encoded.width, height: encoded.height, warnings: encoded.warnings, metadata };
}
