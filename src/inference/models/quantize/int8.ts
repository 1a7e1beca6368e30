// int8 that runs integer kernels on the CPU. Per site (int8-sites.ts) the plan says which kernel:
//   integer MatMul/Gemm: DynamicQuantizeLinear(A) → MatMulInteger(A_u8, W_s8) → Cast → Mul(a_scale·w_scale)
//     (onnxruntime's CPU provider fuses the four into com.microsoft.DynamicQuantizeMatMul);
//   integer Conv: QuantizeLinear/DequantizeLinear around the Conv with activation scales calibrated
//     from the model's own activations, int8 weights and int32 bias (fused into QLinearConv);
//   weight-only: int8 weight behind a DequantizeLinear, float maths (weights.ts);
//   float: unchanged.
// Every rewrite ends in a node that produces the original output name, so consumers are untouched.
import { onnx } from 'onnx-proto';
import { bytesOfView, DataType, dimsOf, passThrough, tensorByteLength, type OnnxSource, type PendingTensor } from '../onnx-io';
import type { ConvertedGraph } from './fp16';
import { checkNoSubgraphs, defaultOpset, INT_ATTR, intAttribute, NameSource, UnsupportedModelError } from './graph';
import { findInt8Sites, floatAttribute, type ActivationRange, type Int8Site, type KernelChoice } from './int8-sites';
import { floatValues, lazyParts, pending, quantizePerChannel, WeightQuantizer, type WeightStats } from './weights';

export interface Int8Plan {
  /** The kernel for a site (must be one of `site.available`). */
  choice(site: Int8Site): KernelChoice;
  /** Calibrated range of a float activation; integer Convs need their input's and output's. */
  range(value: string): ActivationRange | undefined;
}

export interface KernelStats {
  /** MatMul/Gemm nodes now on MatMulInteger. */
  integerMatMul: number;
  /** Conv nodes now between QuantizeLinear/DequantizeLinear pairs (QLinearConv after fusion). */
  integerConv: number;
  /** Weights stored int8 behind a DequantizeLinear, float maths. */
  weightOnly: number;
  /** Sites left in float32. */
  float: number;
  /** DynamicQuantizeLinear nodes (one per distinct MatMul input). */
  dynamicQuantize: number;
}

export interface Int8Options {
  minSize: number;
}

interface QuantizedActivation {
  /** The DequantizeLinear output a float consumer reads. */
  dq: string;
  scaleName: string;
  scale: number;
}

/** uint8 affine parameters that cover [min(0, lo), max(0, hi)]. */
export function activationParams(range: ActivationRange): { scale: number; zero: number } {
  const lo = Math.min(0, range.min);
  const hi = Math.max(0, range.max);
  const scale = hi > lo ? (hi - lo) / 255 : 1;
  return { scale, zero: Math.max(0, Math.min(255, Math.round(-lo / scale))) };
}

/** [rows, cols] row-major int8 → [cols, rows]. */
function transposeInt8(q: Int8Array, rows: number, cols: number): Int8Array {
  const out = new Int8Array(q.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = q[r * cols + c] ?? 0;
  return out;
}

function scalar(name: string, dataType: number, bytes: Uint8Array): PendingTensor {
  return pending({ name, dims: [], dataType }, async () => bytes);
}

class KernelWriter {
  readonly body: onnx.INodeProto[] = [];
  readonly tensors: PendingTensor[] = [];
  /** Initializers replaced by int8 (or folded into an int32 bias): not passed through. */
  readonly consumed = new Set<string>();
  readonly stats: KernelStats = { integerMatMul: 0, integerConv: 0, weightOnly: 0, float: 0, dynamicQuantize: 0 };
  private readonly dynamic = new Map<string, [string, string, string]>();
  private readonly quantized = new Map<string, QuantizedActivation>();

  constructor(
    private readonly source: OnnxSource,
    private readonly names: NameSource,
    private readonly weights: WeightQuantizer,
    private readonly plan: Int8Plan,
    private readonly useCount: Map<string, number>,
  ) {}

  private node(opType: string, input: string[], output: string[], attrs: onnx.IAttributeProto[] = []): void {
    this.body.push({ opType, name: this.names.fresh(`${output[0] ?? opType}_${opType}`), input, output, attribute: attrs });
  }

  /** One DynamicQuantizeLinear per activation, shared by every MatMul that reads it. */
  private dynamicQuant(value: string): [string, string, string] {
    let q = this.dynamic.get(value);
    if (!q) {
      q = [this.names.fresh(`${value}_quant`), this.names.fresh(`${value}_scale`), this.names.fresh(`${value}_zero_point`)];
      this.node('DynamicQuantizeLinear', [value], q);
      this.dynamic.set(value, q);
      this.stats.dynamicQuantize++;
    }
    return q;
  }

  /** Int8 weight [K, N] (transposed from [N, K] when `transposed`) and its per-column scale. */
  private matrixWeight(site: Int8Site, transposed: boolean, alpha: number): { q: string; scale: string; zero: string } {
    const t = site.weight;
    const [d0 = 0, d1 = 0] = dimsOf(t);
    const [K, N] = transposed ? [d1, d0] : [d0, d1];
    const part = lazyParts(async () => {
      const { q, scale } = quantizePerChannel(floatValues(t, await this.source.bytesOf(t)), [d0, d1], site.axis);
      const stored = transposed ? transposeInt8(q, d0, d1) : q;
      return [bytesOfView(stored), bytesOfView(scale.map((s) => s * alpha)), new Uint8Array(N)];
    });
    const base = t.name ?? site.key;
    const names = { q: this.names.fresh(`${base}_int8`), scale: this.names.fresh(`${base}_scale`), zero: this.names.fresh(`${base}_zero_point`) };
    this.tensors.push(
      pending({ name: names.q, dims: [K, N], dataType: DataType.INT8 }, part(0)),
      pending({ name: names.scale, dims: [N], dataType: DataType.FLOAT }, part(1)),
      pending({ name: names.zero, dims: [N], dataType: DataType.INT8 }, part(2)),
    );
    this.consumed.add(base);
    this.weights.count(t, K * N + N * 5);
    return names;
  }

  /** MatMul or Gemm on MatMulInteger; the last node writes the original output name. */
  integerMatMul(site: Int8Site): void {
    const gemm = site.op === 'Gemm';
    const w = this.matrixWeight(site, gemm && intAttribute(site.node, 'transB', 0) === 1, gemm ? floatAttribute(site.node, 'alpha', 1) : 1);
    const [aq, as, az] = this.dynamicQuant(site.input);
    const acc = this.names.fresh(`${site.output}_int32`);
    const asFloat = this.names.fresh(`${site.output}_int32_float`);
    const scale = this.names.fresh(`${site.output}_scale`);
    this.node('MatMulInteger', [aq, w.q, az, w.zero], [acc]);
    this.node('Cast', [acc], [asFloat], [{ name: 'to', type: INT_ATTR, i: DataType.FLOAT }]);
    this.node('Mul', [as, w.scale], [scale]);
    const bias = gemm ? site.node.input?.[2] : undefined;
    if (!bias) {
      this.node('Mul', [asFloat, scale], [site.output]);
    } else {
      const scaled = this.names.fresh(`${site.output}_no_bias`);
      this.node('Mul', [asFloat, scale], [scaled]);
      this.node('Add', [scaled, bias], [site.output]);
    }
    this.stats.integerMatMul++;
  }

  /** QuantizeLinear → DequantizeLinear of an activation, shared by every Conv that reads it. */
  private staticQuant(value: string): QuantizedActivation {
    const known = this.quantized.get(value);
    if (known) return known;
    const range = this.plan.range(value);
    if (!range) throw new Error(`no calibrated range for '${value}'`);
    const { scale, zero } = activationParams(range);
    const scaleName = this.names.fresh(`${value}_scale`);
    const zeroName = this.names.fresh(`${value}_zero_point`);
    this.tensors.push(scalar(scaleName, DataType.FLOAT, bytesOfView(Float32Array.of(scale))), scalar(zeroName, DataType.UINT8, Uint8Array.of(zero)));
    const q = this.names.fresh(`${value}_quant`);
    const dq = this.names.fresh(`${value}_dequant`);
    this.node('QuantizeLinear', [value, scaleName, zeroName], [q]);
    this.node('DequantizeLinear', [q, scaleName, zeroName], [dq]);
    const result = { dq, scaleName, scale };
    this.quantized.set(value, result);
    return result;
  }

  /** Conv between calibrated Q/DQ pairs, int8 weights (per output channel), int32 bias. */
  integerConv(site: Int8Site): void {
    const t = site.weight;
    const dims = dimsOf(t);
    const M = dims[0] ?? 1;
    const x = this.staticQuant(site.input);
    const biasName = site.node.input?.[2] || undefined;
    const biasTensor = biasName ? this.source.graph.initializer.find((i) => i.name === biasName) : undefined;
    const part = lazyParts(async () => {
      const { q, scale } = quantizePerChannel(floatValues(t, await this.source.bytesOf(t)), dims, 0);
      const parts = [bytesOfView(q), bytesOfView(scale), new Uint8Array(M)];
      if (biasTensor) {
        const b = floatValues(biasTensor, await this.source.bytesOf(biasTensor));
        const bScale = scale.map((s) => s * x.scale);
        const bq = Int32Array.from(b, (v, c) => Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.round(v / (bScale[c] ?? 1)))));
        parts.push(bytesOfView(bq), bytesOfView(bScale), new Uint8Array(M * 4));
      }
      return parts;
    });
    const base = t.name ?? site.key;
    const wq = this.names.fresh(`${base}_int8`), ws = this.names.fresh(`${base}_scale`), wz = this.names.fresh(`${base}_zero_point`);
    this.tensors.push(
      pending({ name: wq, dims, dataType: DataType.INT8 }, part(0)),
      pending({ name: ws, dims: [M], dataType: DataType.FLOAT }, part(1)),
      pending({ name: wz, dims: [M], dataType: DataType.INT8 }, part(2)),
    );
    this.consumed.add(base);
    this.weights.count(t, dims.reduce((a, b) => a * b, 1) + M * 5);
    const axis0 = [{ name: 'axis', type: INT_ATTR, i: 0 }];
    const wd = this.names.fresh(`${base}_dequant`);
    this.node('DequantizeLinear', [wq, ws, wz], [wd], axis0);
    const inputs = [x.dq, wd];
    if (biasName && biasTensor) {
      const [bq, bs, bz] = [this.names.fresh(`${biasName}_int32`), this.names.fresh(`${biasName}_scale`), this.names.fresh(`${biasName}_zero_point`)];
      this.tensors.push(
        pending({ name: bq, dims: [M], dataType: DataType.INT32 }, part(3)),
        pending({ name: bs, dims: [M], dataType: DataType.FLOAT }, part(4)),
        pending({ name: bz, dims: [M], dataType: DataType.INT32 }, part(5)),
      );
      // A bias that something else also reads must stay as it is for that reader.
      if ((this.useCount.get(biasName) ?? 0) === 1) this.consumed.add(biasName);
      const bd = this.names.fresh(`${biasName}_dequant`);
      this.node('DequantizeLinear', [bq, bs, bz], [bd], axis0);
      inputs.push(bd);
    }
    const conv = this.names.fresh(`${site.output}_float`);
    this.body.push({ ...site.node, input: inputs, output: [conv] });
    this.quantizeOutput(site.output, conv);
    this.stats.integerConv++;
  }

  /** Conv output → Q → DQ producing the original name; a later Conv reading it reuses this pair. */
  private quantizeOutput(output: string, produced: string): void {
    const range = this.plan.range(output);
    if (!range) throw new Error(`no calibrated range for '${output}'`);
    const { scale, zero } = activationParams(range);
    const scaleName = this.names.fresh(`${output}_scale`);
    const zeroName = this.names.fresh(`${output}_zero_point`);
    this.tensors.push(scalar(scaleName, DataType.FLOAT, bytesOfView(Float32Array.of(scale))), scalar(zeroName, DataType.UINT8, Uint8Array.of(zero)));
    const q = this.names.fresh(`${output}_quant`);
    this.node('QuantizeLinear', [produced, scaleName, zeroName], [q]);
    this.node('DequantizeLinear', [q, scaleName, zeroName], [output]);
    this.quantized.set(output, { dq: output, scaleName, scale });
  }
}

function countUses(graph: onnx.GraphProto): Map<string, number> {
  const uses = new Map<string, number>();
  for (const node of graph.node) for (const name of node.input ?? []) if (name) uses.set(name, (uses.get(name) ?? 0) + 1);
  return uses;
}

/** Rewrites one graph by `plan`; weights are quantized when written (one at a time). */
export async function quantizeInt8Kernels(source: OnnxSource, plan: Int8Plan, opts: Int8Options): Promise<ConvertedGraph & { weights: WeightStats; kernels: KernelStats }> {
  const graph = source.graph;
  checkNoSubgraphs(graph, source.file);
  const sites = findInt8Sites(graph, opts.minSize);
  const choices = new Map(sites.map((s) => [s.node, { site: s, choice: plan.choice(s) }]));
  for (const { site, choice } of choices.values()) {
    if (!site.available.includes(choice)) throw new Error(`${source.file}: ${site.label} cannot run '${choice}' (${site.noInteger ?? 'not available'})`);
  }
  if ([...choices.values()].some((c) => c.choice !== 'float') && defaultOpset(source.model) < 13) {
    throw new UnsupportedModelError(source.file, `uses opset ${defaultOpset(source.model)}; per-channel DequantizeLinear needs opset 13 or newer (re-export the model with a newer opset)`);
  }
  const names = new NameSource(graph);
  const weights = new WeightQuantizer(source, names);
  const writer = new KernelWriter(source, names, weights, plan, countUses(graph));
  for (const node of graph.node) {
    const planned = choices.get(node);
    if (planned?.choice === 'integer') {
      if (planned.site.op === 'Conv') writer.integerConv(planned.site);
      else writer.integerMatMul(planned.site);
      continue;
    }
    if (planned?.choice === 'weight-only') {
      weights.int8({ tensor: planned.site.weight, axis: planned.site.axis, matMulOnly: false, consumer: node });
      writer.consumed.add(planned.site.weight.name ?? '');
      writer.stats.weightOnly++;
    } else if (planned) {
      writer.stats.float++;
    }
    writer.body.push(node);
  }
  const kept = graph.initializer.filter((t) => !writer.consumed.has(t.name ?? ''));
  weights.stats.keptFloat = kept.filter((t) => t.dataType === DataType.FLOAT || t.dataType === DataType.FLOAT16).length;
  const model: onnx.IModelProto = {
    ...source.model,
    graph: { ...graph, node: [...weights.nodes, ...writer.body], initializer: [], input: graph.input.filter((i) => !writer.consumed.has(i.name ?? '')) },
  };
  return {
    model,
    tensors: [...kept.map((t) => passThrough(source, t)), ...weights.tensors, ...writer.tensors],
    stats: { converted: weights.stats.quantized, kept: kept.length, castsInserted: 0, fp32Nodes: 0, ioTypes: 'float32' },
    weights: weights.stats,
    kernels: writer.stats,
  };
}

/** Bytes an int8 conversion of `site` stores (for reports): int8 values plus per-channel scale and zero point. */
export function int8Bytes(site: Int8Site): number {
  return tensorByteLength(site.weight) / (site.weight.dataType === DataType.FLOAT ? 4 : 2) + (dimsOf(site.weight)[site.axis] ?? 1) * 5;
}
