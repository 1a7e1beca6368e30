// `/logo.png` or `assets/logo.png` relative to the workspace folder root (the document's folder
// first, then the other roots of a multi-root workspace).
import type { ResolveContext, Resolver } from '../types';
import { flavour } from '../safety';
import { isAliasReference } from './tsconfig-paths';

export const workspaceRootResolver: Resolver = {
  id: 'workspace-root',
  async candidates(reference: string, ctx: ResolveContext, folder: string | undefined): Promise<string[]> {
    if (isAliasReference(reference) || /^\.\.?[/\\]/.test(reference) || /^[A-Za-z]:/.test(reference)) return [];
    const impl = flavour(ctx.documentPath, reference);
    const rest = reference.replace(/^[/\\]+/, '');
    const folders = folder ? [folder, ...ctx.workspaceFolders.filter((f) => f !== folder)] : ctx.workspaceFolders;
    return folders.map((root) => impl.join(root, rest));
  },
};
