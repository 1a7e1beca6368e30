// The resolver strategy list: each resolver proposes absolute paths, best first; the first one
// that exists wins. When none exists, the first proposal is where a generated file should go.
import type { ResolveContext, Resolution, Resolver } from '../types';
import { containingFolder } from '../safety';
import { publicFoldersResolver } from './public-folders';
import { isRootRelative, relativeResolver } from './relative';
import { tsconfigPathsResolver } from './tsconfig-paths';
import { workspaceRootResolver } from './workspace-root';

/** Order for `./a.png`, `img/a.png`, aliases. */
export const RESOLVERS: readonly Resolver[] = [tsconfigPathsResolver, relativeResolver, publicFoldersResolver, workspaceRootResolver];
/** Order for `/img/a.png`: served from a web root, so `public/` beats the document's folder. */
const ROOT_RELATIVE_ORDER: readonly Resolver[] = [relativeResolver, publicFoldersResolver, workspaceRootResolver];

/** Strips `?query`/`#hash` and decodes `%20`-style escapes. */
export function cleanReference(reference: string): string {
  // A leading `#` is a subpath import (`#images/a.png`), not a fragment.
  const bare = reference.trim().replace(/(?!^)[?#].*$/, '');
  try {
    return decodeURI(bare);
  } catch (err) {
    // `50%.png` is a valid file name but not valid URI encoding: keep it as written.
    if (err instanceof URIError) return bare;
    throw err;
  }
}

export async function resolveReference(reference: string, ctx: ResolveContext, resolvers?: readonly Resolver[]): Promise<Resolution> {
  const ref = cleanReference(reference);
  const folder = containingFolder(ctx.documentPath, ctx.workspaceFolders);
  const order = resolvers ?? (isRootRelative(ref) ? ROOT_RELATIVE_ORDER : RESOLVERS);
  let first: { path: string; resolver: string } | undefined;
  const seen = new Set<string>();
  for (const resolver of order) {
    for (const candidate of await resolver.candidates(ref, ctx, folder)) {
      if (seen.has(candidate)) continue;
      seen.add(candidate);
      first ??= { path: candidate, resolver: resolver.id };
      if (await ctx.probe.exists(candidate)) {
        return { resolved: candidate, candidate, folder: containingFolder(candidate, ctx.workspaceFolders) ?? '', resolver: resolver.id };
      }
    }
  }
  const planned = first ?? { path: ref, resolver: 'none' };
  return { candidate: planned.path, folder: containingFolder(planned.path, ctx.workspaceFolders) ?? '', resolver: planned.resolver };
}

export { publicFoldersResolver, relativeResolver, tsconfigPathsResolver, workspaceRootResolver };
