// `compilerOptions.paths` aliases from the nearest tsconfig.json / jsconfig.json (`@/assets/x.png`,
// `~/…`), with `baseUrl` and one level of `extends`. Without a config, the conventional `@/` and
// `~/` (Vue CLI, Vite templates, Nuxt) map to `src/` and the folder root.
import type { FileSystemProbe, ResolveContext, Resolver } from '../types';
import { flavour } from '../safety';

interface PathsConfig {
  /** Directory the `paths` targets are relative to. */
  base: string;
  paths: Record<string, string[]>;
}

/** JSON with comments and trailing commas, as tsconfig allows. */
export function parseJsonc(text: string): unknown {
  const withoutComments = text.replace(/("(?:[^"\\]|\\.)*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (_m, str: string | undefined) => str ?? '');
  return JSON.parse(withoutComments.replace(/,(\s*[}\]])/g, '$1'));
}

function compilerOptions(json: unknown): { baseUrl?: unknown; paths?: unknown } | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const options = (json as { compilerOptions?: unknown }).compilerOptions;
  return typeof options === 'object' && options !== null ? (options as { baseUrl?: unknown; paths?: unknown }) : undefined;
}

async function readConfig(file: string, probe: FileSystemProbe, depth = 0): Promise<PathsConfig | undefined> {
  const text = await probe.readText(file);
  if (text === undefined) return undefined;
  const impl = flavour(file);
  let json: unknown;
  try {
    json = parseJsonc(text);
  } catch (err) {
    // A half-typed tsconfig is normal while editing: no aliases from it, no crash.
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
  const dir = impl.dirname(file);
  const options = compilerOptions(json);
  const ext = (json as { extends?: unknown }).extends;
  const parent = typeof ext === 'string' && ext.startsWith('.') && depth < 3
    ? await readConfig(impl.resolve(dir, ext.endsWith('.json') ? ext : `${ext}.json`), probe, depth + 1)
    : undefined;
  if (!options?.paths || typeof options.paths !== 'object') return parent;
  const base = typeof options.baseUrl === 'string' ? impl.resolve(dir, options.baseUrl) : dir;
  const paths: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(options.paths as Record<string, unknown>)) {
    if (Array.isArray(v)) paths[k] = v.filter((t): t is string => typeof t === 'string');
  }
  return { base, paths };
}

/** The nearest tsconfig.json/jsconfig.json with `paths`, from the document's folder up to `stop`. */
export async function findPathsConfig(documentPath: string, stop: string | undefined, probe: FileSystemProbe): Promise<PathsConfig | undefined> {
  const impl = flavour(documentPath);
  let dir = impl.dirname(documentPath);
  for (;;) {
    for (const name of ['tsconfig.json', 'jsconfig.json']) {
      const config = await readConfig(impl.join(dir, name), probe);
      if (config) return config;
    }
    const parent = impl.dirname(dir);
    if (parent === dir || (stop && dir.length <= stop.length)) return undefined;
    dir = parent;
  }
}

function applyPattern(reference: string, pattern: string, targets: string[], base: string): string[] {
  const impl = flavour(base);
  const star = pattern.indexOf('*');
  if (star < 0) return reference === pattern ? targets.map((t) => impl.resolve(base, t)) : [];
  const prefix = pattern.slice(0, star);
  const suffix = pattern.slice(star + 1);
  if (!reference.startsWith(prefix) || !reference.endsWith(suffix) || reference.length < prefix.length + suffix.length) return [];
  const middle = reference.slice(prefix.length, reference.length - suffix.length);
  return targets.map((t) => impl.resolve(base, t.replace('*', middle)));
}

const CONVENTIONAL: Record<string, string[]> = { '@/': ['src', '.'], '~/': ['src', '.'], '~@/': ['src'] };

export function isAliasReference(reference: string): boolean {
  return /^(?:@\/|~\/|~@\/|#\/|\$\w*\/)/.test(reference);
}

export const tsconfigPathsResolver: Resolver = {
  id: 'tsconfig-paths',
  async candidates(reference: string, ctx: ResolveContext, folder: string | undefined): Promise<string[]> {
    const config = await findPathsConfig(ctx.documentPath, folder, ctx.probe);
    const found: string[] = [];
    for (const [pattern, targets] of Object.entries(config?.paths ?? {})) {
      found.push(...applyPattern(reference, pattern, targets, config?.base ?? ''));
    }
    if (found.length > 0 || !folder) return found;
    const impl = flavour(folder);
    for (const [prefix, dirs] of Object.entries(CONVENTIONAL)) {
      if (reference.startsWith(prefix)) found.push(...dirs.map((d) => impl.join(folder, d, reference.slice(prefix.length))));
    }
    return found;
  },
};
