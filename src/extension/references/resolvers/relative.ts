// `./a.png`, `../img/a.png`, `img/a.png`: relative to the document's own folder, which is how
// browsers, bundlers and most runtimes read them. An absolute file-system path inside a workspace
// folder is taken as it is.
import type { ResolveContext, Resolver } from '../types';
import { containingFolder, flavour } from '../safety';
import { isAliasReference } from './tsconfig-paths';

export function isRootRelative(reference: string): boolean {
  return reference.startsWith('/') && !reference.startsWith('//');
}

export const relativeResolver: Resolver = {
  id: 'relative',
  async candidates(reference: string, ctx: ResolveContext): Promise<string[]> {
    const impl = flavour(ctx.documentPath, reference);
    if (isAliasReference(reference)) return [];
    if (impl.isAbsolute(reference)) {
      // `/img/a.png` is web-root-relative unless it names a real path inside the workspace.
      return containingFolder(reference, ctx.workspaceFolders) ? [impl.normalize(reference)] : [];
    }
    return [impl.join(impl.dirname(ctx.documentPath), reference)];
  },
};
