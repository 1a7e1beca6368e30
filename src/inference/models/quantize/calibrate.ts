// Calibration: runs the original float model on a few prompts the way the pipeline does (text
// encoder → UNet over a short schedule → VAE decoder and tiny decoder) and records, for chosen
// activations ("taps"), their min, max, shape and sum of squares. The taps are measured inside the graph (ReduceMin,
// ReduceMax, Shape and ReduceSumSquare added as extra outputs), so only scalars leave onnxruntime, however large the
// activation. The instrumented copies live in a work folder; their external data files are hard
// links to the originals (copies across file systems), because onnxruntime refuses data files that
// resolve outside the model's folder.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { onnxBackend } from '../../backend/onnx';
import type { HeldSessionSet, IoInfo, ModelSession, TensorFeed } from '../../backend/types';
import { createRng } from '../../pipeline/rng';
import { timestepFeed } from '../../pipeline/unet-feeds';
import { createScheduler } from '../../schedulers';
import { loadTokenizer } from '../../tokenizer';
import { MODEL_FILES, validateModelFolder, type ModelFolderInfo } from '../folder';
import { readJsonFile, numberField } from '../json';
import { SCALING_FACTOR_RANGE } from '../autoencoders';
import { DataType, OnnxSource } from '../onnx-io';
import { throwIfCancelled } from './cancel';
import { inferElementTypes, INT_ATTR, NameSource } from './graph';
import type { ActivationRange } from './int8-sites';

/** The tiny (TAESD-class) decoder inside a model folder, when it has one. */
export const TINY_DECODER_FILE = MODEL_FILES.vaeDecoderTiny;
/** Components calibration runs (and verification checks): only these may get calibrated integer Convs. */
export const CALIBRATED_FILES: readonly string[] = [MODEL_FILES.textEncoder, MODEL_FILES.unet, MODEL_FILES.vaeDecoder, TINY_DECODER_FILE];

export const DEFAULT_CALIBRATION_PROMPTS: readonly string[] = [
  'a flat vector icon of a red apple on a white background',
  'a photo of a mountain lake at sunrise, soft light',
  'a minimal black line drawing of a gear on white',
];

export interface CalibrationOptions {
  prompts?: readonly string[];
  /** Denoising steps per prompt (each is one UNet run); default 4, the timesteps verification also uses. */
  steps?: number;
  /** Image side in pixels; default the model's native size (what generations use). */
  size?: number;
  seed?: number;
  threads?: number;
  signal?: AbortSignal;
  onStage?: (message: string) => void;
}

export interface CalibrationSummary {
  prompts: string[];
  size: number;
  steps: number;
  /** Runs per component file. */
  runs: Record<string, number>;
  seconds: number;
}

/** Ranges per component file, then per activation name. */
export type CalibrationRanges = Map<string, Map<string, ActivationRange>>;

interface Tap { value: string; min: string; max: string; shape: string; squares: string }

/** The graph with min/max/shape outputs for every float32 tap. */
export function instrument(model: onnx.IModelProto, taps: readonly string[]): { model: onnx.IModelProto; taps: Tap[] } {
  const graph = model.graph ?? {};
  const types = inferElementTypes(graph);
  const names = new NameSource(graph);
  const found: Tap[] = [];
  const nodes: onnx.INodeProto[] = [];
  const outputs: onnx.IValueInfoProto[] = [];
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name ?? ''));
  for (const value of new Set(taps)) {
    if (types.get(value) !== DataType.FLOAT || initializers.has(value)) continue;
    const tap = { value, min: names.fresh(`${value}__calib_min`), max: names.fresh(`${value}__calib_max`), shape: names.fresh(`${value}__calib_shape`), squares: names.fresh(`${value}__calib_squares`) };
    const keep = [{ name: 'keepdims', type: INT_ATTR, i: 0 }];
    nodes.push(
      { opType: 'ReduceMin', name: names.fresh(`${tap.min}_node`), input: [value], output: [tap.min], attribute: keep },
      { opType: 'ReduceMax', name: names.fresh(`${tap.max}_node`), input: [value], output: [tap.max], attribute: keep },
      { opType: 'Shape', name: names.fresh(`${tap.shape}_node`), input: [value], output: [tap.shape] },
      { opType: 'ReduceSumSquare', name: names.fresh(`${tap.squares}_node`), input: [value], output: [tap.squares], attribute: keep },
    );
    const info = (name: string, elemType: number): onnx.IValueInfoProto => ({ name, type: { tensorType: { elemType } } });
    outputs.push(info(tap.min, DataType.FLOAT), info(tap.max, DataType.FLOAT), info(tap.shape, DataType.INT64), info(tap.squares, DataType.FLOAT));
    found.push(tap);
  }
  return { model: { ...model, graph: { ...graph, node: [...(graph.node ?? []), ...nodes], output: [...(graph.output ?? []), ...outputs] } }, taps: found };
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  await fs.link(from, to).catch(async (error: NodeJS.ErrnoException) => {
    // Another file system (EXDEV) or no hard links there: a copy costs disk space, not correctness.
    if (error.code !== 'EXDEV' && error.code !== 'EPERM' && error.code !== 'ENOTSUP') throw error;
    await fs.copyFile(from, to);
  });
}

/** Writes the instrumented copy of `file` under `work` and returns its taps. */
async function writeInstrumented(input: string, work: string, file: string, taps: readonly string[]): Promise<Tap[]> {
  const source = await OnnxSource.open(path.join(input, file));
  try {
    const result = instrument(source.model, taps);
    const out = path.join(work, file);
    await fs.mkdir(path.dirname(out), { recursive: true });
    await fs.writeFile(out, onnx.ModelProto.encode(result.model).finish());
    for (const data of source.externalFiles()) await linkOrCopy(path.join(path.dirname(source.file), data), path.join(path.dirname(out), data));
    return result.taps;
  } finally {
    await source.close();
  }
}

function zerosFor(io: IoInfo): TensorFeed {
  const dims = io.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
  return { values: new Float32Array(dims.reduce((a, b) => a * b, 1)), dims };
}

class Instrumented {
  runs = 0;
  private constructor(readonly file: string, private readonly held: HeldSessionSet, private readonly taps: Tap[], private readonly ranges: Map<string, ActivationRange>) {}

  static async open(work: string, file: string, taps: Tap[], ranges: Map<string, ActivationRange>, threads?: number): Promise<Instrumented> {
    return new Instrumented(file, await onnxBackend.acquireSessions(work, [{ file }], 'cpu', { threads }), taps, ranges);
  }

  get session(): ModelSession {
    return this.held.set.sessions[0] as ModelSession;
  }

  /** Runs with `feeds` (missing inputs get zeros), records every tap, returns `wanted`. */
  async run(feeds: Record<string, TensorFeed>, wanted: string): Promise<Float32Array> {
    const all: Record<string, TensorFeed> = {};
    for (const io of this.session.inputs) all[io.name] = feeds[io.name] ?? zerosFor(io);
    const names = [wanted, ...this.taps.flatMap((t) => [t.min, t.max, t.shape, t.squares])];
    const out = await this.session.run(all, names);
    this.runs++;
    for (const t of this.taps) {
      const min = out[t.min]?.data[0] ?? NaN;
      const max = out[t.max]?.data[0] ?? NaN;
      const dims = Array.from(out[t.shape]?.data ?? [], (v) => Math.round(v));
      const squares = out[t.squares]?.data[0] ?? NaN;
      const count = dims.reduce((a, b) => a * b, 1);
      const known = this.ranges.get(t.value);
      if (!known) this.ranges.set(t.value, { min, max, dims, sumSquares: squares, count });
      else {
        this.ranges.set(t.value, {
          min: Math.min(known.min, min), max: Math.max(known.max, max), dims: known.dims,
          sumSquares: (known.sumSquares ?? 0) + squares, count: (known.count ?? 0) + count,
        });
      }
    }
    const result = out[wanted]?.data;
    if (!result) throw new Error(`${this.file}: calibration run gave no '${wanted}'`);
    return result;
  }

  release(): Promise<void> {
    return this.held.release();
  }
}

interface Context {
  input: string;
  work: string;
  info: ModelFolderInfo;
  taps: ReadonlyMap<string, readonly string[]>;
  ranges: CalibrationRanges;
  runs: Record<string, number>;
  threads?: number;
}

/** Opens the instrumented `file`, lets `body` run it, records its run count and releases it. */
async function withComponent<T>(ctx: Context, file: string, body: (c: Instrumented) => Promise<T>): Promise<T> {
  const ranges = ctx.ranges.get(file) ?? new Map<string, ActivationRange>();
  ctx.ranges.set(file, ranges);
  const taps = await writeInstrumented(ctx.input, ctx.work, file, ctx.taps.get(file) ?? []);
  const component = await Instrumented.open(ctx.work, file, taps, ranges, ctx.threads);
  try {
    return await body(component);
  } finally {
    ctx.runs[file] = component.runs;
    await component.release();
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then((s) => s.isFile(), () => false);
}

/**
 * Calibrates `taps` (per component file) on `prompts`; work files go to `work` (removed by the
 * caller). Components run one at a time, so memory holds one model's weights.
 */
export async function calibrate(input: string, work: string, taps: ReadonlyMap<string, readonly string[]>, opts: CalibrationOptions = {}): Promise<{ ranges: CalibrationRanges; summary: CalibrationSummary }> {
  const started = performance.now();
  const info = await validateModelFolder(input);
  const prompts = [...(opts.prompts ?? DEFAULT_CALIBRATION_PROMPTS)];
  const steps = opts.steps ?? 4;
  const size = opts.size ?? info.nativeSize;
  const stage = opts.onStage ?? (() => undefined);
  const ctx: Context = { input, work, info, taps, ranges: new Map(), runs: {}, threads: opts.threads };
  const tokenizer = await loadTokenizer(info.tokenizerDir);
  stage(`calibrating: text encoder on ${prompts.length} prompts`);
  const hidden = await withComponent(ctx, MODEL_FILES.textEncoder, async (te) => {
    const out: { data: Float32Array; dims: number[] }[] = [];
    for (const prompt of prompts) {
      const ids = tokenizer.encode(prompt).ids;
      const data = await te.run({ input_ids: { values: ids, dims: [1, ids.length] } }, 'last_hidden_state');
      out.push({ data, dims: [1, ids.length, data.length / ids.length] });
    }
    return out;
  });
  throwIfCancelled(opts.signal);
  const channels = info.unet.inChannels ?? info.vae.latentChannels;
  const [h, w] = [size / info.vae.latentToPixel, size / info.vae.latentToPixel];
  const shape = [1, channels, h, w];
  stage(`calibrating: UNet, ${prompts.length} prompts × ${steps} steps at ${size}×${size}`);
  const latents = await withComponent(ctx, MODEL_FILES.unet, async (unet) => {
    const timestepInfo = unet.session.inputs.find((i) => i.name === 'timestep');
    const out: Float32Array[] = [];
    for (const [i, text] of hidden.entries()) {
      const scheduler = createScheduler(info.scheduler.config);
      scheduler.setTimesteps(steps);
      const rng = createRng((opts.seed ?? 7) + i);
      let sample: Float32Array = rng.normal(channels * h * w).map((v) => v * scheduler.initNoiseSigma);
      for (let step = 0; step < scheduler.timesteps.length; step++) {
        throwIfCancelled(opts.signal);
        const t = scheduler.timesteps[step] ?? 0;
        const feeds: Record<string, TensorFeed> = {
          sample: { values: scheduler.scaleModelInput(sample, step), dims: shape },
          encoder_hidden_states: { values: text.data, dims: text.dims },
        };
        if (timestepInfo) feeds.timestep = timestepFeed(timestepInfo, t, 1);
        const noise = await unet.run(feeds, 'out_sample');
        sample = scheduler.step(noise, step, sample, rng).prevSample;
      }
      out.push(sample);
    }
    return out;
  });
  await decode(ctx, MODEL_FILES.vaeDecoder, latents, shape, 1 / info.vae.scalingFactor, opts, stage);
  if (await exists(path.join(input, TINY_DECODER_FILE))) {
    const config = await readJsonFile(input, 'vae_decoder_tiny/config.json', { optional: true });
    const scaling = numberField(input, 'vae_decoder_tiny/config.json', config, 'scaling_factor', SCALING_FACTOR_RANGE) ?? 1;
    await decode(ctx, TINY_DECODER_FILE, latents, shape, 1 / scaling, opts, stage);
  }
  return { ranges: ctx.ranges, summary: { prompts, size, steps, runs: ctx.runs, seconds: (performance.now() - started) / 1000 } };
}

async function decode(ctx: Context, file: string, latents: Float32Array[], shape: number[], scale: number, opts: CalibrationOptions, stage: (m: string) => void): Promise<void> {
  stage(`calibrating: ${path.dirname(file)} on ${latents.length} latents and a unit-normal probe`);
  await withComponent(ctx, file, async (decoder) => {
    for (const latent of latents) {
      throwIfCancelled(opts.signal);
      await decoder.run({ latent_sample: { values: latent.map((v) => v * scale), dims: shape } }, 'sample');
    }
    // Plus one unit-normal latent (what verification feeds a decoder): a model whose denoised
    // latents happen to be narrow must not get ranges that clip an ordinary latent.
    const channels = shape[1] ?? 4;
    const probe = createRng(3).normal(channels * (shape[2] ?? 1) * (shape[3] ?? 1));
    await decoder.run({ latent_sample: { values: probe, dims: shape } }, 'sample');
  });
}
