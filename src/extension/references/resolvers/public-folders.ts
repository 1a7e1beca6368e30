// Web roots: `/img/a.png` or `img/a.png` served from `public/` (Vite, Next, CRA), `static/`
// (SvelteKit, Hugo, Gatsby), `src/assets/` or `assets/`. Only roots that exist are offered, so a
// missing file is planned where the project already keeps its assets.
import type { ResolveContext, Resolver } from '../types';
import { flavour } from '../safety';
import { isAliasReference } from './tsconfig-paths';

export const WEB_ROOTS = ['public', 'static', 'src/assets', 'assets'] as const;

export const publicFoldersResolver: Resolver = {
  id: 'public-folders',
  async candidates(reference: string, ctx: ResolveContext, folder: string | undefined): Promise<string[]> {
    if (isAliasReference(reference) || /^\.\.?[/\\]/.test(reference)) return [];
    const impl = flavour(ctx.documentPath, reference);
    if (/^[A-Za-z]:/.test(reference)) return [];
    const rest = reference.replace(/^[/\\]+/, '');
    const folders = folder ? [folder, ...ctx.workspaceFolders.filter((f) => f !== folder)] : ctx.workspaceFolders;
    const found: string[] = [];
    for (const root of folders) {
      for (const web of WEB_ROOTS) {
        const dir = impl.join(root, web);
        if (await ctx.probe.exists(dir)) found.push(impl.join(dir, rest));
      }
    }
    return found;
  },
};
