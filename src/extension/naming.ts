// File naming for generated assets: prompt → slug, naming pattern → file name, "Save as Copy" names.
// Pure string logic (no `vscode`), unit-tested in test/unit/slug.test.ts and naming.test.ts.
import { AssetInputError, formatFromPath as coreFormatFromPath } from '../inference/image/limits';
import { ASSET_FORMATS, extensionOfFormat, IMAGE_FORMATS, type AssetFormat, type AssetKind } from '../inference/tables';

const MAX_SLUG_LENGTH = 48;

/** "A blue Shopping-Cart, flat!" → "a-blue-shopping-cart-flat"; empty or symbol-only → "image". */
export function slugify(prompt: string, maxLength = MAX_SLUG_LENGTH): string {
  const ascii = prompt.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  const words = ascii.split(/[^a-z0-9]+/).filter((w) => w.length > 0);
  let slug = '';
  for (const word of words) {
    const next = slug ? `${slug}-${word}` : word;
    if (next.length > maxLength) {
      // A single overlong first word is cut rather than dropped, so the slug is never empty.
      if (!slug) slug = word.slice(0, maxLength);
      break;
    }
    slug = next;
  }
  return slug || 'image';
}

/**
 * Extension → the format Nanoforge would write, from the core's one table (limits.ts loads only
 * node:path, so sharp stays out of the extension host); undefined for what we cannot write (.gif, .bmp, .txt).
 */
export function formatFromPath(path: string): AssetFormat | undefined {
  try {
    return coreFormatFromPath(path);
  } catch (err) {
    // The core throws a sentence for the CLI; here "not writable" is an answer, not a failure.
    if (err instanceof AssetInputError) return undefined;
    throw err;
  }
}

/** png, webp, avif, jpg, jpeg, ico, svg: every extension Nanoforge writes (save-dialog filters). */
export const WRITABLE_EXTENSION_NAMES: string[] = ASSET_FORMATS.flatMap((f) => IMAGE_FORMATS[f].extensions.map((e) => e.slice(1)));

/** ".png, .webp, .avif, .jpg, .ico or .svg", for messages that say what Nanoforge can write. */
export const WRITABLE_EXTENSIONS = ASSET_FORMATS.map((f) => `.${extensionFor(f)}`).join(', ').replace(/, ([^,]*)$/, ' or $1');

/** ".gif" for "anim.gif"; "" when the path has no extension. */
export function extensionOf(path: string): string {
  return /(\.[^./\\]+)$/.exec(path)?.[1]?.toLowerCase() ?? '';
}

/**
 * Why Nanoforge cannot generate `path` — ".gif is not a format Nanoforge can write (it writes …)" —
 * or undefined when it can. Hover, diagnostics, quick fix and CodeLens use it so none offers Generate
 * for a file the generate commands would then refuse.
 */
export function unwritableReason(path: string): string | undefined {
  if (formatFromPath(path)) return undefined;
  const ext = extensionOf(path);
  const what = ext ? `${ext} is not a format` : 'a name without an extension is not something';
  return `${what} Nanoforge can write (it writes ${WRITABLE_EXTENSIONS})`;
}

/** 'jpg' for jpeg: the extension (without its dot) a format is written with. */
export function extensionFor(format: AssetFormat): string {
  return extensionOfFormat(format).slice(1);
}

export interface NamingVars {
  prompt: string;
  kind: AssetKind;
  width: number;
  height: number;
  format: AssetFormat;
  seed?: number;
  date?: Date;
}

/**
 * Expands `{slug}`, `{kind}`, `{width}`, `{height}`, `{size}`, `{seed}`, `{date}`, `{time}`, `{format}` and
 * `{ext}`; unknown tokens are kept literally so a typo is visible in the result. The format's extension is
 * appended when the pattern produced none, and path separators are replaced so the name stays one file.
 */
export function expandNamingPattern(pattern: string, vars: NamingVars): string {
  const date = vars.date ?? new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  const values: Record<string, string> = {
    slug: slugify(vars.prompt),
    kind: vars.kind,
    width: String(vars.width),
    height: String(vars.height),
    size: `${vars.width}x${vars.height}`,
    seed: vars.seed === undefined ? 'random' : String(vars.seed),
    date: `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`,
    time: `${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`,
    format: extensionFor(vars.format),
    ext: extensionFor(vars.format),
  };
  const expanded = pattern.replace(/\{([a-z]+)\}/g, (whole, key: string) => values[key] ?? whole);
  const safe = expanded.replace(/[\\/:*?"<>|]+/g, '-').replace(/^\.+/, '');
  return formatFromPath(safe) ? safe : `${safe || values.slug}.${extensionFor(vars.format)}`;
}

/** The workspace-relative default target, e.g. `assets/generated/a-blue-cart.png`. */
export function defaultTargetPath(outputFolder: string, pattern: string, vars: NamingVars): string {
  const name = expandNamingPattern(pattern, vars);
  const folder = outputFolder.replace(/\\/g, '/').replace(/\/+$/, '');
  return folder ? `${folder}/${name}` : name;
}

/** `cart.png`, 1 → `cart-1.png`. Callers count up from the original name (`icon-64.png` → `icon-64-1.png`). */
export function copyName(fileName: string, n: number): string {
  const dot = fileName.lastIndexOf('.');
  const stem = dot > 0 ? fileName.slice(0, dot) : fileName;
  const ext = dot > 0 ? fileName.slice(dot) : '';
  return `${stem}-${n}${ext}`;
}
