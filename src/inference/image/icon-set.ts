// A web icon set from one generated image: favicon.ico (16/32/48), PNGs at 16/32/180/192/512,
// an opaque apple-touch-icon, site.webmanifest and the HTML <link> snippet to paste.
import * as path from 'node:path';
import type { AssetMetadata, RgbImage } from '../types';
import { encodeIco, encodePng } from './encode';
import { ICO_SIZES } from './ico';
import { escapeXml } from './metadata';
import { presetFor } from './presets';
import { hexColor, rasterFromRgb, sharpFromRaster, toRaster, type Raster, type Rgb } from './raster';
import { prepare } from './render';
import { writeFileSafely } from './safe-write';

type IconKey = 'ico' | 'png16' | 'png32' | 'apple' | 'png192' | 'png512' | 'manifest';

export interface IconFile {
  key: IconKey;
  fileName: string;
  bytes: Uint8Array;
}

export interface IconSetOptions {
  metadata?: AssetMetadata;
  /** URL prefix of the folder in the site, for the snippet and the manifest (default "/"). */
  hrefBase?: string;
  /** App name in site.webmanifest. */
  appName?: string;
  /** Cut out a plain background (default true). */
  transparent?: boolean;
}

const MASTER_SIZE = 512;
const PNGS: { key: IconKey; fileName: string; size: number; opaque?: boolean }[] = [
  { key: 'png16', fileName: 'favicon-16x16.png', size: 16 },
  { key: 'png32', fileName: 'favicon-32x32.png', size: 32 },
  // iOS draws transparent touch icons on black; Apple asks for an opaque square.
  { key: 'apple', fileName: 'apple-touch-icon.png', size: 180, opaque: true },
  { key: 'png192', fileName: 'android-chrome-192x192.png', size: 192 },
  { key: 'png512', fileName: 'android-chrome-512x512.png', size: 512 },
];

async function resized(master: Raster, size: number, opaqueOn?: Rgb): Promise<Raster> {
  let s = sharpFromRaster(master).resize({ width: size, height: size, kernel: 'lanczos3' });
  if (opaqueOn) s = s.flatten({ background: { r: opaqueOn[0], g: opaqueOn[1], b: opaqueOn[2] } });
  return toRaster(s);
}

/** Encodes every image of the set in memory (the extension writes them through workspace.fs). */
export async function renderIconSet(source: RgbImage, options: IconSetOptions = {}): Promise<{ files: IconFile[]; background: Rgb; warnings: string[] }> {
  const output = { width: MASTER_SIZE, height: MASTER_SIZE, format: 'png' as const, fit: 'contain' as const, transparent: options.transparent ?? true };
  const prepared = await prepare(rasterFromRgb(source), output, presetFor('icon').padding);
  const master = prepared.fit.raster;
  const metadata = options.metadata ? { ...options.metadata, kind: options.metadata.kind ?? 'icon' } : undefined;
  const files: IconFile[] = [{ key: 'ico', fileName: 'favicon.ico', bytes: await encodeIco(master, [...ICO_SIZES], metadata) }];
  for (const png of PNGS) {
    const raster = await resized(master, png.size, png.opaque ? prepared.background : undefined);
    const meta = metadata && png.size === MASTER_SIZE ? { ...metadata, width: png.size, height: png.size } : undefined;
    files.push({ key: png.key, fileName: png.fileName, bytes: await encodePng(raster, meta) });
  }
  return { files, background: prepared.background, warnings: [...prepared.warnings, ...prepared.fit.warnings] };
}

function href(base: string, name: string): string {
  return `${base.endsWith('/') ? base : `${base}/`}${name}`;
}

export function iconSetManifest(names: Partial<Record<IconKey, string>>, background: Rgb, options: IconSetOptions = {}): string {
  const base = options.hrefBase ?? '/';
  const name = options.appName ?? 'App';
  const icons = (['png192', 'png512'] as const)
    .filter((k) => names[k])
    .map((k) => ({ src: href(base, names[k]!), sizes: k === 'png192' ? '192x192' : '512x512', type: 'image/png' }));
  const colour = hexColor(background);
  return `${JSON.stringify({ name, short_name: name, icons, theme_color: colour, background_color: colour, display: 'standalone' }, null, 2)}\n`;
}

export function iconSetHtml(names: Partial<Record<IconKey, string>>, hrefBase = '/'): string {
  const a = (k: IconKey): string => escapeXml(href(hrefBase, names[k] ?? ''));
  return [
    `<link rel="icon" href="${a('ico')}" sizes="48x48">`,
    `<link rel="icon" type="image/png" sizes="32x32" href="${a('png32')}">`,
    `<link rel="icon" type="image/png" sizes="16x16" href="${a('png16')}">`,
    `<link rel="apple-touch-icon" sizes="180x180" href="${a('apple')}">`,
    `<link rel="manifest" href="${a('manifest')}">`,
  ].join('\n');
}

export interface WrittenIconSet {
  /** Absolute paths written, in order. */
  files: string[];
  html: string;
  warnings: string[];
}

/**
 * Writes the set into `outDir` (inside `root`) with the safe writer. Without `force`, existing
 * files are kept and new ones get a `-1` suffix; the manifest and snippet name what was written.
 */
export async function writeIconSet(
  source: RgbImage,
  root: string,
  outDir: string,
  options: IconSetOptions & { force?: boolean } = {},
): Promise<WrittenIconSet> {
  const set = await renderIconSet(source, options);
  const names: Partial<Record<IconKey, string>> = {};
  const files: string[] = [];
  for (const file of set.files) {
    const written = await writeFileSafely(root, path.join(outDir, file.fileName), file.bytes, { force: options.force });
    names[file.key] = path.basename(written);
    files.push(written);
  }
  const manifest = Buffer.from(iconSetManifest(names, set.background, options), 'utf8');
  const manifestPath = await writeFileSafely(root, path.join(outDir, 'site.webmanifest'), manifest, { force: options.force });
  names.manifest = path.basename(manifestPath);
  files.push(manifestPath);
  return { files, html: iconSetHtml(names, options.hrefBase), warnings: set.warnings };
}
