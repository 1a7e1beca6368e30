// Image-to-image planning: the request's start image — its decoded bytes, or the wireframe of its
// layout — fitted to the size the model runs at, with what the pipeline and the renderer need from it.
//
// Fit: a start image uses the request's fit mode (the kind's by default), as outputs do, so the
// composition lands where the output's own fit would put it. A layout's wireframe is drawn at the
// output size (where the grammar's pixel arithmetic applies) and stretched to the run size, and the
// result is stretched back (unless the request names a fit): the planner picks a run size of nearly
// the output's aspect, so the few percent of stretch leave every region exactly where the layout puts it.
import { DEFAULT_STRENGTH, REQUEST_LIMITS } from '../request';
import type { FitMode, GenerationRequest, OutputOptions, PipelineInit } from '../types';
import { fitRaster } from './fit';
import { presetFor } from './presets';
import { parseHexColor, toRgba, type Raster, type Rgb } from './raster';
import { decodeStartImage } from './start-image';
import { rasterizeWireframe } from './wireframe-draw';
import { parseLayout, placeWireframe } from './wireframe';

export interface PlannedStart {
  init: PipelineInit;
  /** The start image at the run size with its alpha (keepAlpha): the renderer puts that alpha on the result. */
  alphaSource?: Raster;
  /** How the result is fitted to the output (a layout's default is stretch; see above). */
  outputFit: FitMode;
}

const WHITE: Rgb = [255, 255, 255];

/** The colour a kind's start images are composited on (white without a kind). */
export function startBackground(kind: GenerationRequest['kind']): Rgb {
  return kind === undefined ? WHITE : parseHexColor(presetFor(kind).background);
}

/** The start image as RGBA before fitting: the decoded file, or the layout's wireframe at the output size. */
async function startRaster(req: GenerationRequest, output: OutputOptions): Promise<Raster | undefined> {
  if (req.initImage) return decodeStartImage(req.initImage);
  if (req.layout === undefined) return undefined;
  return rasterizeWireframe(placeWireframe(parseLayout(req.layout), output.width, output.height));
}

/**
 * The planned start of an image-to-image run, or undefined for text-to-image. `run` is the size the
 * model runs at (planGeneration); `output` the resolved output options.
 */
export async function planStartImage(req: GenerationRequest, output: OutputOptions, run: { width: number; height: number }): Promise<PlannedStart | undefined> {
  const source = await startRaster(req, output);
  if (!source) return undefined;
  const layout = req.initImage === undefined;
  const fit: FitMode = layout ? (req.fit ?? 'stretch') : (output.fit ?? 'cover');
  // `contain` pads with transparency, which the encoder composites on the kind's background like any
  // other transparent pixel. Upscale warnings are dropped: a 64 px icon runs at 512 px and comes back down.
  const fitted = await fitRaster(toRgba(source), run.width, run.height, fit, { r: 0, g: 0, b: 0, alpha: 0 });
  const image = toRgba(fitted.raster);
  const init: PipelineInit = { image, strength: req.strength ?? DEFAULT_STRENGTH, background: startBackground(req.kind) };
  return { init, outputFit: fit, ...(req.keepAlpha ? { alphaSource: image } : {}) };
}

/**
 * Steps when the request names none: the model's default, raised until steps × strength ≥ 1 so a low
 * strength still runs one step (an explicit step count is kept and refused there instead).
 */
export function stepsForStrength(defaultSteps: number, strength: number): number {
  const needed = Math.ceil(1 / strength - 1e-9);
  let steps = Math.max(defaultSteps, Math.min(needed, REQUEST_LIMITS.maxSteps));
  while (steps < REQUEST_LIMITS.maxSteps && Math.trunc(steps * strength) < 1) steps++;
  return steps;
}
