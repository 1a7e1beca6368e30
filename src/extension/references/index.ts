// The editor-independent references layer: recognizers (find asset paths in a line), resolvers
// (path → workspace file), directives, inference of size/prompt/kind, path safety, image headers.
// Nothing here imports `vscode`; src/extension/reference-lookup.ts adapts it to the editor.
// The commands the hover, CodeLens and quick fix link to, and their arguments: ../command-ids.ts.
import { IMAGE_EXTENSIONS } from '../../inference/tables';

export * from './types';
export { recognizeLine, referenceAt, RECOGNIZERS } from './recognizers';
export { resolveReference, cleanReference, RESOLVERS } from './resolvers';
export { findDirectives, parseDirectiveLine, DEFAULT_DIRECTIVE_TAG, type Directive, type DirectiveTarget } from './directives';
export { inferDefaults, inferKind, inferPrompt, inferSize, type AssetDefaults } from './infer';
export { checkTarget, checkRealTarget, containingFolder, isInsideFolder, type SafetyVerdict } from './safety';
export { readImageInfo, readNanoforgeMetadata, thumbnailSize, type ImageInfo, type NanoforgeMetadata } from './image-header';

/** Every image file a workspace may hold, for file watchers (hover/CodeLens/diagnostics refresh). */
export const IMAGE_GLOB = `**/*.{${IMAGE_EXTENSIONS.join(',')}}`;
