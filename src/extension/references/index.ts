// The editor-independent references layer: recognizers (find asset paths in a line), resolvers
// (path → workspace file), directives, inference of size/prompt/kind, path safety, image headers.
// Nothing here imports `vscode`; src/extension/reference-lookup.ts adapts it to the editor.
//
// Commands the hover, CodeLens and quick fix link to (implemented in src/extension/commands/):
//
//   nanoforge.generateForReference   (also nanoforge.regenerateReference — same arguments)
//     { uri: string /* document URI, Uri.toString() */; line: number; character: number /* zero-based,
//       anywhere on the path */; prompt?: string; mode?: 'panel' | 'quick' }
//     Sent by: hover "Generate" / "Regenerate" links and the quick fix "Generate this image".
//
//   nanoforge.generateFromDirective
//     { prompt: string; kind?: AssetKind; width?: number; height?: number;
//       target: string /* absolute target URI, Uri.toString(), already resolved by the resolvers */;
//       documentUri: string; line: number /* the directive's line */ }
//     Sent by: the directive CodeLens "Generate" / "Regenerate" and a directive's hover link. A
//     directive without `-> path` and without a reference below it gets the default target from
//     nanoforge.outputFolder + nanoforge.namingPattern.
//
// Hover links also use the built-in `vscode.open` and `revealInExplorer` with the file URI.
export * from './types';
export { recognizeLine, referenceAt, RECOGNIZERS } from './recognizers';
export { resolveReference, cleanReference, RESOLVERS } from './resolvers';
export { findDirectives, parseDirectiveLine, DEFAULT_DIRECTIVE_TAG, type Directive, type DirectiveTarget } from './directives';
export { inferDefaults, inferKind, inferPrompt, inferSize, type AssetDefaults } from './infer';
export { checkTarget, checkRealTarget, containingFolder, isInsideFolder, type SafetyVerdict } from './safety';
export { readImageInfo, readNanoforgeMetadata, thumbnailSize, type ImageInfo, type NanoforgeMetadata } from './image-header';

export const COMMAND_GENERATE_FOR_REFERENCE = 'nanoforge.generateForReference';
export const COMMAND_GENERATE_FROM_DIRECTIVE = 'nanoforge.generateFromDirective';

export interface ReferenceCommandArgs {
  uri: string;
  line: number;
  character: number;
  prompt?: string;
  mode?: 'panel' | 'quick';
}

export interface DirectiveCommandArgs {
  prompt: string;
  kind?: import('../../inference/types').AssetKind;
  width?: number;
  height?: number;
  target: string;
  documentUri: string;
  line: number;
}
