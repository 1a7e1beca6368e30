// Per-operator measurement: for one site (a MatMul/Gemm/Conv of a given shape) build a one-node
// model with random weights of the real shape, convert it with each available kernel through the
// same rewrite the conversion uses (int8.ts), and time the variants on this machine, interleaved
// (float, weight-only, integer, float, …) so background load hits all of them alike; medians.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { onnx } from 'onnx-proto';
import { onnxBackend } from '../../backend/onnx';
import type { ModelSession } from '../../backend/types';
import { createRng } from '../../pipeline/rng';
import { bytesOfView, DataType, dimsOf, OnnxSource, writeOnnx } from '../onnx-io';
import { throwIfCancelled } from './cancel';
import { quantizeInt8Kernels } from './int8';
import type { ActivationRange, Int8Site, KernelChoice } from './int8-sites';

export interface MeasureOptions {
  /** Timed rounds per variant (after the warm-up runs). */
  rounds?: number;
  /**
   * Untimed runs per variant first (default 1). onnxruntime plans its memory on the first run and
   * allocates the planned blocks on the second, so a benchmark that wants steady-state times uses 2.
   */
  warmups?: number;
  /** Stop after this many ms of timing once at least 3 rounds are in. */
  budgetMs?: number;
  threads?: number;
  signal?: AbortSignal;
}

export interface Measurement {
  /** Median ms per run of each variant. */
  ms: Partial<Record<KernelChoice, number>>;
  /** The fastest run of each variant: on a shared machine, the closest to what the hardware can do. */
  fastestMs: Partial<Record<KernelChoice, number>>;
  rounds: number;
}

export const DEFAULT_MEASURE_ROUNDS = 5;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

function randomFloats(count: number, seed: number, lo: number, hi: number): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = lo + (hi - lo) * rng.uniform();
  return out;
}

/**
 * The site's node alone: input x (calibrated dims), random weight and bias, its output `full`, and
 * a one-column Slice of it as the graph output y: the full output stays in onnxruntime's arena, as
 * it does inside the model, instead of a fresh buffer handed to JS on every run (which for a 42 MB
 * output costs more than some of the kernels being compared).
 */
function microModel(site: Int8Site, inputDims: number[], opset: onnx.IOperatorSetIdProto[]): onnx.IModelProto {
  const wDims = dimsOf(site.weight);
  const count = wDims.reduce((a, b) => a * b, 1);
  const bound = 1 / Math.sqrt(Math.max(1, count / (wDims[site.axis] ?? 1)));
  const initializer: onnx.ITensorProto[] = [{ name: 'w', dims: wDims, dataType: DataType.FLOAT, rawData: bytesOfView(randomFloats(count, 11, -bound, bound)) }];
  const inputs = ['x', 'w'];
  if (site.node.input?.[2] && site.op !== 'MatMul') {
    const gemmN = site.op === 'Gemm' ? (wDims[site.axis] ?? 1) : 0;
    const n = site.op === 'Conv' ? (wDims[0] ?? 1) : gemmN;
    initializer.push({ name: 'b', dims: [n], dataType: DataType.FLOAT, rawData: bytesOfView(randomFloats(n, 12, -0.1, 0.1)) });
    inputs.push('b');
  }
  const tensor = (name: string, dims?: number[]): onnx.IValueInfoProto => ({ name, type: { tensorType: { elemType: DataType.FLOAT, ...(dims ? { shape: { dim: dims.map((d) => ({ dimValue: d })) } } : {}) } } });
  return {
    irVersion: 8,
    opsetImport: opset,
    producerName: 'nanoforge-measure',
    graph: {
      name: 'site',
      node: [
        { opType: site.op, name: 'site', input: inputs, output: ['full'], attribute: site.node.attribute ?? [] },
        { opType: 'Slice', name: 'first_column', input: ['full', 'slice_start', 'slice_end', 'slice_axis'], output: ['y'] },
      ],
      initializer: [...initializer, ...(['slice_start', 'slice_end', 'slice_axis'] as const).map((name, i) => ({ name, dims: [1], dataType: DataType.INT64, rawData: bytesOfView(BigInt64Array.of([0n, 1n, -1n][i] ?? 0n)) }))],
      input: [tensor('x', inputDims)],
      output: [tensor('y')],
    },
  };
}

/** Writes the float micro model and one file per other kernel into `dir`. */
async function writeVariants(dir: string, site: Int8Site, inputDims: number[], ranges: { x?: ActivationRange; y?: ActivationRange }, opset: onnx.IOperatorSetIdProto[]): Promise<KernelChoice[]> {
  await fs.mkdir(dir, { recursive: true });
  const model = microModel(site, inputDims, opset);
  const floatFile = path.join(dir, 'float.onnx');
  await writeOnnx(floatFile, model, (model.graph?.initializer ?? []).map((t) => ({ header: t, byteLength: t.rawData?.byteLength ?? 0, bytes: async () => t.rawData as Uint8Array })), { external: false });
  const choices = site.available.filter((c) => c !== 'integer' || site.op !== 'Conv' || (ranges.x && ranges.y));
  const source = await OnnxSource.open(floatFile);
  try {
    for (const choice of choices) {
      if (choice === 'float') continue;
      // The micro graph's one site gets `choice`; integer Convs read the real site's calibrated ranges.
      const plan = { choice: () => choice, range: (v: string) => (v === 'x' ? ranges.x : v === 'full' ? ranges.y : undefined) };
      const converted = await quantizeInt8Kernels(source, plan, { minSize: 0 });
      await writeOnnx(path.join(dir, `${choice}.onnx`), converted.model, converted.tensors, { external: false });
    }
  } finally {
    await source.close();
  }
  return choices;
}

/** Times every variant of `site` at `inputDims`; `dir` is a scratch folder (removed afterwards). */
export async function measureSite(dir: string, site: Int8Site, inputDims: number[], ranges: { x?: ActivationRange; y?: ActivationRange }, opset: onnx.IOperatorSetIdProto[], opts: MeasureOptions = {}): Promise<Measurement> {
  try {
    const choices = await writeVariants(dir, site, inputDims, ranges, opset);
    const held = await onnxBackend.acquireSessions(dir, choices.map((c) => ({ file: `${c}.onnx` })), 'cpu', { threads: opts.threads });
    try {
      const count = inputDims.reduce((a, b) => a * b, 1);
      const x = randomFloats(count, 13, ranges.x?.min ?? -1, ranges.x?.max ?? 1);
      const feeds = { x: { values: x, dims: inputDims } };
      const sessions = held.set.sessions as ModelSession[];
      const times = choices.map(() => [] as number[]);
      for (let w = 0; w < (opts.warmups ?? 1); w++) for (const s of sessions) await s.run(feeds, ['y']); // first-run allocations
      const rounds = opts.rounds ?? DEFAULT_MEASURE_ROUNDS;
      const started = performance.now();
      let done = 0;
      while (done < rounds && !(done >= 3 && performance.now() - started > (opts.budgetMs ?? 10_000))) {
        throwIfCancelled(opts.signal);
        for (const [i, s] of sessions.entries()) {
          const t0 = performance.now();
          await s.run(feeds, ['y']);
          times[i]?.push(performance.now() - t0);
        }
        done++;
      }
      const ms: Measurement['ms'] = {};
      const fastestMs: Measurement['fastestMs'] = {};
      choices.forEach((c, i) => {
        ms[c] = median(times[i] ?? []);
        fastestMs[c] = Math.min(...(times[i] ?? []));
      });
      return { ms, fastestMs, rounds: done };
    } finally {
      await held.release();
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** Differences below this (ms per run) are noise on a shared machine, not a reason to give up int8 weights. */
export const TIE_MS = 0.1;

/**
 * The kernel to use given measured times: the fastest, except that weight-only wins when it is
 * within 5 % (or 0.1 ms) of the fastest: as small as integer and more exact, 4× smaller than float.
 */
export function chooseKernel(ms: Partial<Record<KernelChoice, number>>): { chosen: KernelChoice; reason: string } {
  const entries = (Object.entries(ms) as [KernelChoice, number][]).filter(([, v]) => Number.isFinite(v));
  if (entries.length === 0) return { chosen: 'weight-only', reason: 'no measurement' };
  const [fastest, best] = entries.reduce((a, b) => (b[1] < a[1] ? b : a));
  const weightOnly = ms['weight-only'];
  const text = entries.map(([k, v]) => `${k} ${v.toPrecision(3)} ms`).join(', ');
  if (fastest !== 'weight-only' && weightOnly !== undefined && weightOnly <= Math.max(best * 1.05, best + TIE_MS)) {
    return { chosen: 'weight-only', reason: `${text}: weight-only within 5 % or ${TIE_MS} ms of ${fastest}` };
  }
  return { chosen: fastest, reason: `${text}: ${fastest} fastest` };
}
