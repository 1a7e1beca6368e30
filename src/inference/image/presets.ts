// Asset kinds: prompt templates, default sizes and post-processing, read from presets.json.
import type { AssetFormat, AssetKind, FitMode } from '../types';
import presetData from './presets.json';
import { AssetInputError, SUPPORTED_FORMATS } from './limits';

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
}

export const ASSET_KINDS: readonly AssetKind[] = ['icon', 'placeholder', 'mockup', 'illustration', 'photo'];
const FIT_MODES: readonly FitMode[] = ['cover', 'contain', 'stretch'];

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
  if (!p.defaultFormat || !SUPPORTED_FORMATS.includes(p.defaultFormat)) bad('defaultFormat');
  if (!p.fit || !FIT_MODES.includes(p.fit)) bad('fit');
  if (typeof p.transparent !== 'boolean') bad('transparent');
  if (typeof p.trim !== 'boolean') bad('trim');
  if (typeof p.padding !== 'number' || p.padding < 0 || p.padding >= 0.5) bad('padding');
  if (!Number.isInteger(p.svgColors) || (p.svgColors ?? 0) < 2) bad('svgColors');
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
 * The size the model runs at: multiples of 64, about nativeSize² pixels (never more), with the
 * aspect ratio nearest to the requested output. Ties go to the larger area.
 */
export function nativeSizeFor(outputWidth: number, outputHeight: number, nativeSize: number): { width: number; height: number } {
  if (!Number.isInteger(nativeSize) || nativeSize < 64) throw new AssetInputError(`model native size must be an integer ≥ 64, got ${nativeSize}`);
  const target = Math.log(outputWidth / outputHeight);
  const budget = nativeSize * nativeSize;
  const minSide = Math.max(64, Math.round(nativeSize / 4 / 64) * 64);
  const maxSide = nativeSize * 2;
  let best = { width: Math.floor(nativeSize / 64) * 64 || 64, height: Math.floor(nativeSize / 64) * 64 || 64 };
  let bestError = Math.abs(Math.log(best.width / best.height) - target);
  for (let w = minSide; w <= maxSide; w += 64) {
    for (let h = minSide; h <= maxSide; h += 64) {
      if (w * h > budget || w * h < budget * 0.6) continue;
      const error = Math.abs(Math.log(w / h) - target);
      const better = error < bestError - 1e-9 || (Math.abs(error - bestError) <= 1e-9 && w * h > best.width * best.height);
      if (better) {
        best = { width: w, height: h };
        bestError = error;
      }
    }
  }
  return best;
}

export interface GenerationPlan {
  prompt: string;
  negativePrompt: string;
  width: number;
  height: number;
}

/** What to ask the model for, given the kind, the user's prompt and the output the user wants. */
export function planGeneration(
  kind: AssetKind,
  prompt: string,
  output: { width: number; height: number },
  nativeSize: number,
): GenerationPlan {
  const preset = presetFor(kind);
  if (prompt.trim() === '') throw new AssetInputError('the prompt is empty; describe the image you want');
  const size = nativeSizeFor(output.width, output.height, nativeSize);
  return { prompt: applyTemplate(kind, prompt), negativePrompt: preset.negativePrompt, ...size };
}
