// Asset kinds: prompt templates, default sizes and post-processing, read from presets.json.
import type { AssetFormat, AssetKind, FitMode } from '../types';
import presetData from './presets.json';
import { ASSET_FORMATS, ASSET_KINDS, FIT_MODES } from '../tables';
import { AssetInputError } from './limits';

export interface KindPreset {
  /** Contains `{prompt}` exactly once; the user's prompt goes there verbatim. */
  template: string;
  negativePrompt: string;
  defaultSize: [number, number];
  defaultFormat: AssetFormat;
  fit: FitMode;
  transparent: boolean;
  trim: boolean;
  /** Fraction of each side left empty around a trimmed subject. */
  padding: number;
  /** Palette limit when tracing to SVG. */
  svgColors: number;
  /** #rrggbb that transparent pixels of an image-to-image start image are composited on. */
  background: string;
}


function checkPreset(kind: AssetKind, raw: unknown): KindPreset {
  const p = raw as Partial<KindPreset> | undefined;
  const bad = (field: string): never => {
    throw new Error(`presets.json: kind '${kind}' has a missing or invalid '${field}'`);
  };
  if (!p || typeof p !== 'object') return bad('(whole entry)');
  if (typeof p.template !== 'string' || p.template.split('{prompt}').length !== 2) bad('template');
  if (typeof p.negativePrompt !== 'string') bad('negativePrompt');
  const size = p.defaultSize;
  if (!Array.isArray(size) || size.length !== 2 || !size.every((n) => Number.isInteger(n) && n > 0)) bad('defaultSize');
  if (!p.defaultFormat || !ASSET_FORMATS.includes(p.defaultFormat)) bad('defaultFormat');
  if (!p.fit || !FIT_MODES.includes(p.fit)) bad('fit');
  if (typeof p.transparent !== 'boolean') bad('transparent');
  if (typeof p.trim !== 'boolean') bad('trim');
  if (typeof p.padding !== 'number' || p.padding < 0 || p.padding >= 0.5) bad('padding');
  if (!Number.isInteger(p.svgColors) || (p.svgColors ?? 0) < 2) bad('svgColors');
  if (typeof p.background !== 'string' || !/^#[0-9a-f]{6}$/i.test(p.background)) bad('background');
  return Object.freeze({ ...(p as KindPreset) });
}

const PRESETS: Readonly<Record<AssetKind, KindPreset>> = Object.freeze(
  Object.fromEntries(ASSET_KINDS.map((k) => [k, checkPreset(k, (presetData as Record<string, unknown>)[k])])) as Record<AssetKind, KindPreset>,
);

export function presetFor(kind: AssetKind): KindPreset {
  const preset = PRESETS[kind];
  if (!preset) throw new AssetInputError(`unknown asset kind '${String(kind)}'; kinds: ${ASSET_KINDS.join(', ')}`);
  return preset;
}

/** Puts the user's prompt, unchanged, into the kind's template. */
export function applyTemplate(kind: AssetKind, prompt: string): string {
  const [before, after] = presetFor(kind).template.split('{prompt}');
  // split/join instead of String.replace so `$&` and friends in a prompt stay literal.
  return `${before ?? ''}${prompt.trim()}${after ?? ''}`;
}

/**
 * How far past its native size the planner lets a model run: SD 2.x-class models (SD-Turbo, 512 px
 * native) still compose well up to ~768 px sides, so 768×512 runs as asked instead of upscaled 1.33×.
 */
export const MAX_AREA_FACTOR = 1.5;
export const MAX_SIDE_FACTOR = 1.5;
/** How far (as a log ratio, ~5 %) the run's aspect may stray from the output's to upscale less. */
const ASPECT_SLACK = 0.05;

type Size = { width: number; height: number };

/** Every size the model may run at: sides multiples of 64, area from 0.6 to 1.5 × nativeSize². */
function candidateSizes(nativeSize: number): Size[] {
  const nativeArea = nativeSize * nativeSize;
  const minSide = Math.max(64, Math.round(nativeSize / 4 / 64) * 64);
  const maxSide = Math.max(64, Math.floor((nativeSize * MAX_SIDE_FACTOR) / 64) * 64);
  const sizes: Size[] = [];
  for (let width = minSide; width <= maxSide; width += 64) {
    for (let height = minSide; height <= maxSide; height += 64) {
      const area = width * height;
      if (area <= nativeArea * MAX_AREA_FACTOR && area >= nativeArea * 0.6) sizes.push({ width, height });
    }
  }
  return sizes;
}

/**
 * The size the model runs at (see README "Native size"): the aspect ratio nearest the output's;
 * among equally near ones the largest area not above the output's own clamped to [nativeSize²,
 * 1.5·nativeSize²]. When that still needs upscaling, a ratio up to ~5 % off (cropped by `cover`)
 * is taken if it upscales less.
 */
export function nativeSizeFor(outputWidth: number, outputHeight: number, nativeSize: number): Size {
  if (!Number.isInteger(nativeSize) || nativeSize < 64) throw new AssetInputError(`model native size must be an integer ≥ 64, got ${nativeSize}`);
  const nativeArea = nativeSize * nativeSize;
  const wantedArea = Math.min(nativeArea * MAX_AREA_FACTOR, Math.max(nativeArea, outputWidth * outputHeight));
  const aspectMiss = (s: Size): number => Math.abs(Math.log(s.width / s.height) - Math.log(outputWidth / outputHeight));
  // Area preference among equally near ratios: the largest not above wantedArea, else the smallest.
  const areaRank = (s: Size): number => (s.width * s.height <= wantedArea ? wantedArea - s.width * s.height : s.width * s.height);
  const upscale = (s: Size): number => Math.max(outputWidth / s.width, outputHeight / s.height);
  const side = Math.floor(nativeSize / 64) * 64 || 64;
  let best: Size = { width: side, height: side };
  const sizes = candidateSizes(nativeSize);
  for (const size of sizes) {
    const gain = aspectMiss(best) - aspectMiss(size);
    if (gain > 1e-9 || (Math.abs(gain) <= 1e-9 && areaRank(size) < areaRank(best))) best = size;
  }
  if (upscale(best) <= 1) return best;
  for (const size of sizes) {
    if (aspectMiss(size) <= ASPECT_SLACK && upscale(size) < upscale(best) - 1e-9) best = size;
  }
  return best;
}

export interface GenerationPlan {
  prompt: string;
  negativePrompt: string;
  width: number;
  height: number;
}

/**
 * What to ask the model for, given the kind, the user's prompt and the output the user wants. No kind
 * (`nanoforge generate` without `--kind`): the prompt goes to the model as written, with no negative prompt.
 */
export function planGeneration(
  kind: AssetKind | undefined,
  prompt: string,
  output: { width: number; height: number },
  nativeSize: number,
): GenerationPlan {
  const preset = kind === undefined ? undefined : presetFor(kind);
  if (prompt.trim() === '') throw new AssetInputError('the prompt is empty; describe the image you want');
  const size = nativeSizeFor(output.width, output.height, nativeSize);
  return { prompt: kind === undefined ? prompt.trim() : applyTemplate(kind, prompt), negativePrompt: preset?.negativePrompt ?? '', ...size };
}
