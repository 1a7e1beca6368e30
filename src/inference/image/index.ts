// Asset post-processing (sharp): exact sizes, transparency, formats, icon sets, placeholders, metadata.
export { renderAsset } from './render';
export { generateAsset, resolveOutput } from './generate-asset';
export type { AssetPipeline, AssetResult } from './generate-asset';
export { planGeneration, applyTemplate, nativeSizeFor, presetFor } from './presets';
export { ASSET_KINDS } from '../tables';
export type { GenerationPlan, KindPreset } from './presets';
export { readMetadata, parametersText } from './metadata';
export { formatFromPath, parseSize, validateSize, extensionFor, AssetInputError, MAX_SIDE, MAX_PIXELS } from './limits';
export { removeBackground, estimateBackground } from './alpha';
export { SvgTraceError } from './svg-trace';
export { makePlaceholder, placeholderSvg, contrastRatio, relativeLuminance, derivedBackground, MAX_LABEL_LENGTH } from './placeholder';
export type { PlaceholderOptions } from './placeholder';
export { writeFileSafely, resolveInsideRoot, UnsafePathError } from './safe-write';
export type { SafeWriteOptions } from './safe-write';
export { renderIconSet, writeIconSet, iconSetHtml, iconSetManifest, shortName, SHORT_NAME_MAX, existingIconSetFiles, IconSetExistsError, ICON_SET_FILE_NAMES } from './icon-set';
export type { IconFile, IconSetOptions, WrittenIconSet } from './icon-set';
export { readIco, buildIco, ICO_SIZES } from './ico';
export type { IcoEntry } from './ico';
