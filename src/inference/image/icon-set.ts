// A web icon set from one generated image: favicon.ico (16/32/48), PNGs at 16/32/180/192/512,
// an opaque apple-touch-icon, site.webmanifest and the HTML <link> snippet to paste.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { mimeTypeOf } from '../tables';
import type { AssetMetadata, RgbImage } from '../types';
import { encodeIco, encodePng } from './encode';
import { ICO_SIZES } from './ico';
import { escapeXml } from './metadata';
import { presetFor } from './presets';
import { hexColor, rasterFromRgb, sharpFromRaster, toRaster, type Raster, type Rgb } from './raster';
import { prepare } from './render';
import { publishIfFree, removeQuietly, resolveInsideRoot, tempNameFor } from './safe-write';

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

/** Launchers show a web app's short_name under its icon; longer than this it gets cut off. */
export const SHORT_NAME_MAX = 12;

/**
 * The manifest's short_name: the name itself when it fits in SHORT_NAME_MAX characters, else its leading
 * whole words that fit, else its first SHORT_NAME_MAX characters (counted in code points, so an emoji
 * is never split).
 */
export function shortName(name: string): string {
  const clean = name.trim().replace(/\s+/g, ' ');
  const length = (text: string): number => Array.from(text).length;
  if (length(clean) <= SHORT_NAME_MAX) return clean;
  let words = '';
  for (const word of clean.split(' ')) {
    const next = words ? `${words} ${word}` : word;
    if (length(next) > SHORT_NAME_MAX) break;
    words = next;
  }
  return words || Array.from(clean).slice(0, SHORT_NAME_MAX).join('');
}

export function iconSetManifest(names: Partial<Record<IconKey, string>>, background: Rgb, options: IconSetOptions = {}): string {
  const base = options.hrefBase ?? '/';
  const name = options.appName ?? 'App';
  const icons = (['png192', 'png512'] as const)
    .filter((k) => names[k])
    .map((k) => ({ src: href(base, names[k]!), sizes: k === 'png192' ? '192x192' : '512x512', type: mimeTypeOf('png') }));
  const colour = hexColor(background);
  return `${JSON.stringify({ name, short_name: shortName(name), icons, theme_color: colour, background_color: colour, display: 'standalone' }, null, 2)}\n`;
}

export function iconSetHtml(names: Partial<Record<IconKey, string>>, hrefBase = '/'): string {
  const a = (k: IconKey): string => escapeXml(href(hrefBase, names[k] ?? ''));
  return [
    `<link rel="icon" href="${a('ico')}" sizes="48x48">`,
    `<link rel="icon" type="${mimeTypeOf('png')}" sizes="32x32" href="${a('png32')}">`,
    `<link rel="icon" type="${mimeTypeOf('png')}" sizes="16x16" href="${a('png16')}">`,
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

const MANIFEST_NAME = 'site.webmanifest';

/** Every file a written icon set consists of, in write order. */
export const ICON_SET_FILE_NAMES: readonly string[] = Object.freeze(['favicon.ico', ...PNGS.map((p) => p.fileName), MANIFEST_NAME]);

/** Some files of an icon set are already there; a set is written whole or not at all. */
export class IconSetExistsError extends Error {
  override readonly name = 'IconSetExistsError';
  constructor(readonly existing: string[]) {
    super(`${existing.join(', ')} already ${existing.length === 1 ? 'exists' : 'exist'}; pass --force to replace the whole icon set.`);
  }
}

/** The icon set files already in `outDir` (joined to `outDir` as given, for messages). */
export async function existingIconSetFiles(root: string, outDir: string): Promise<string[]> {
  const found: string[] = [];
  for (const name of ICON_SET_FILE_NAMES) {
    const shown = path.join(outDir, name);
    const there = await fs.lstat(path.resolve(root, shown)).then(() => true, (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return false;
      throw error;
    });
    if (there) found.push(shown);
  }
  return found;
}

/**
 * Writes the whole set into `outDir` (inside `root`) under its standard names, or nothing: without
 * `force` any existing file of the set is an IconSetExistsError before anything is rendered (a
 * renamed `favicon-1.ico` would leave the snippet and manifest naming a half-renamed set); with
 * `force` the whole set is replaced. Each file goes to a temp name first and is published only
 * when all are written; a failure while publishing puts back what was there.
 */
export async function writeIconSet(
  source: RgbImage,
  root: string,
  outDir: string,
  options: IconSetOptions & { force?: boolean } = {},
): Promise<WrittenIconSet> {
  const existing = await existingIconSetFiles(root, outDir);
  if (existing.length > 0 && !options.force) throw new IconSetExistsError(existing);
  const set = await renderIconSet(source, options);
  const names: Partial<Record<IconKey, string>> = { manifest: MANIFEST_NAME };
  for (const file of set.files) names[file.key] = file.fileName;
  const manifest = Buffer.from(iconSetManifest(names, set.background, options), 'utf8');
  const entries = [...set.files.map((f) => ({ name: f.fileName, bytes: f.bytes })), { name: MANIFEST_NAME, bytes: manifest }];
  const files = await publishSet(root, outDir, entries, options.force === true);
  return { files, html: iconSetHtml(names, options.hrefBase), warnings: set.warnings };
}

interface Staged {
  file: string;
  temp: string;
  /** A second link to the file being replaced (force only), to restore it if publishing fails. */
  backup?: string;
}

/** Keeps the current content of `file` under a temp name; undefined when there is no plain file to keep. */
async function backUp(file: string): Promise<string | undefined> {
  const stat = await fs.lstat(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!stat || stat.isDirectory()) return undefined; // a folder in the way makes the rename fail, and we roll back
  const backup = tempNameFor(file);
  // Hard link where the file system has them (instant); otherwise a copy does the same job.
  await fs.link(file, backup).catch(() => fs.copyFile(file, backup, fs.constants.COPYFILE_EXCL));
  return backup;
}

async function publishSet(root: string, outDir: string, entries: { name: string; bytes: Uint8Array }[], force: boolean): Promise<string[]> {
  const staged: Staged[] = [];
  const published: Staged[] = [];
  try {
    for (const entry of entries) {
      const { file } = await resolveInsideRoot(root, path.join(outDir, entry.name));
      const item: Staged = { file, temp: tempNameFor(file) };
      staged.push(item);
      await fs.writeFile(item.temp, entry.bytes, { flag: 'wx' });
      if (force) item.backup = await backUp(file);
    }
    for (const item of staged) {
      if (force) await fs.rename(item.temp, item.file);
      else if (!(await publishIfFree(item.temp, item.file))) throw new IconSetExistsError([path.join(outDir, path.basename(item.file))]);
      published.push(item);
    }
    return staged.map((item) => item.file);
  } catch (error) {
    await rollBack(published);
    throw error;
  } finally {
    await Promise.all(staged.flatMap((item) => [removeQuietly(item.temp), ...(item.backup ? [removeQuietly(item.backup)] : [])]));
  }
}

/** Undoes a partly published set: restores replaced files, removes the new ones. */
async function rollBack(published: Staged[]): Promise<void> {
  for (const item of published) {
    if (item.backup) await fs.rename(item.backup, item.file);
    else await removeQuietly(item.file);
  }
}
