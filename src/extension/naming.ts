// File naming for generated assets: prompt → slug, naming pattern → file name, "Save as Copy" names.
// Pure string logic (no `vscode`), unit-tested in test/unit/slug.test.ts and naming.test.ts.
import type { AssetFormat, AssetKind } from '../inference/types';

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

/** Extension (lower case, without dot) → asset format; `jpg` is JPEG. */
export function formatFromPath(path: string): AssetFormat | undefined {
  const m = /\.([a-z0-9]+)$/i.exec(path);
  const ext = m?.[1]?.toLowerCase();
  switch (ext) {
    case 'png': case 'webp': case 'avif': case 'ico': case 'svg': return ext;
    case 'jpg': case 'jpeg': return 'jpeg';
    default: return undefined;
  }
}

export function extensionFor(format: AssetFormat): string {
  return format === 'jpeg' ? 'jpg' : format;
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
