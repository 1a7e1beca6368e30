// Weight-only quantization of one ONNX graph. int8: per-output-channel symmetric scales, each
// weight stored as int8 behind a DequantizeLinear (axis, opset ≥ 13) that produces the original
// value name, so every consumer reads it unchanged. int4: MatMul weights become com.microsoft
// MatMulNBits (4 bits, blocks of 32 along K, symmetric, zero point 8); other weights fall back to int8.
import { onnx } from 'onnx-proto';
import { fromFloat16Array } from '../../backend/float16';
import { asFloat32, asUint16, bytesOfView, DataType, dimsOf, elementCount, passThrough, tensorByteLength, type OnnxSource, type PendingTensor } from '../onnx-io';
import type { ConvertedGraph } from './fp16';
import { checkNoSubgraphs, defaultOpset, intAttribute, INT_ATTR, NameSource, nodeLabel, UnsupportedModelError } from './graph';

export interface WeightOptions {
  bits: 8 | 4;
  /** Weights with fewer elements stay float. */
  minSize: number;
  /** MatMulNBits block size along K (int4 only). */
  blockSize?: number;
}

export interface WeightStats {
  quantized: number;
  matMulNBits: number;
  keptFloat: number;
  /** Bytes of the quantized weights before and after (scales included after). */
  weightBytesBefore: number;
  weightBytesAfter: number;
  skipped: string[];
}

export interface Candidate {
  tensor: onnx.ITensorProto;
  axis: number;
  /** Every consumer reads it as MatMul's B with a 2-D float32 weight (int4 possible). */
  matMulOnly: boolean;
  consumer: onnx.INodeProto;
}

const QUANTIZABLE_SLOT: Record<string, number> = { MatMul: 1, Gemm: 1, Conv: 1, ConvTranspose: 1 };

/** The output-channel axis of the weight read by `node`, or a reason it is not quantized. */
export function channelAxis(node: onnx.INodeProto, rank: number): number | string {
  switch (node.opType) {
    case 'MatMul': return rank >= 2 ? rank - 1 : 'MatMul weight of rank < 2';
    case 'Gemm': return rank === 2 ? (intAttribute(node, 'transB', 0) ? 0 : 1) : 'Gemm weight not 2-D';
    case 'Conv': return rank >= 3 ? 0 : 'Conv weight of rank < 3';
    case 'ConvTranspose': return rank >= 3 && intAttribute(node, 'group', 1) === 1 ? 1 : 'grouped ConvTranspose';
    default: return 'not a weight slot';
  }
}

function findCandidates(graph: onnx.GraphProto, opts: WeightOptions, skipped: string[]): Map<string, Candidate> {
  const inits = new Map(graph.initializer.map((t) => [t.name ?? '', t]));
  const found = new Map<string, Candidate>();
  const otherUse = new Set<string>();
  for (const node of graph.node) {
    (node.input ?? []).forEach((name, slot) => {
      const tensor = inits.get(name);
      if (!tensor) return;
      const isWeight = QUANTIZABLE_SLOT[node.opType ?? ''] === slot && !node.domain;
      if (!isWeight) { otherUse.add(name); return; }
      if (tensor.dataType !== DataType.FLOAT && tensor.dataType !== DataType.FLOAT16) { skipped.push(`${name}: dtype ${String(tensor.dataType)} is not float`); return; }
      if (elementCount(tensor) < opts.minSize) return;
      const axis = channelAxis(node, dimsOf(tensor).length);
      if (typeof axis === 'string') { skipped.push(`${name} (${nodeLabel(node)}): ${axis}`); return; }
      const prev = found.get(name);
      const matMul2d = node.opType === 'MatMul' && dimsOf(tensor).length === 2 && tensor.dataType === DataType.FLOAT;
      found.set(name, prev ? { ...prev, matMulOnly: prev.matMulOnly && matMul2d } : { tensor, axis, matMulOnly: matMul2d, consumer: node });
    });
  }
  for (const name of otherUse) {
    const c = found.get(name);
    if (c) found.set(name, { ...c, matMulOnly: false });
  }
  return found;
}

export function floatValues(tensor: onnx.ITensorProto, bytes: Uint8Array): Float32Array {
  return tensor.dataType === DataType.FLOAT16 ? fromFloat16Array(asUint16(bytes)) : asFloat32(bytes);
}

/** Symmetric per-channel int8: scale = max|w| / 127 per slice along `axis`. */
export function quantizePerChannel(values: Float32Array, dims: number[], axis: number): { q: Int8Array; scale: Float32Array } {
  const channels = dims[axis] ?? 1;
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const absMax = new Float32Array(channels);
  for (let i = 0; i < values.length; i++) {
    const c = Math.floor(i / inner) % channels;
    const v = Math.abs(values[i] ?? 0);
    if (v > (absMax[c] ?? 0)) absMax[c] = v;
  }
  const scale = absMax.map((m) => (m > 0 ? m / 127 : 1));
  const q = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const c = Math.floor(i / inner) % channels;
    q[i] = Math.max(-127, Math.min(127, Math.round((values[i] ?? 0) / (scale[c] ?? 1))));
  }
  return { q, scale };
}

/** MatMulNBits layout for a [K, N] weight: B [N, blocks, block/2] (low nibble first), scales [N·blocks]. */
export function packInt4(values: Float32Array, K: number, N: number, block: number): { packed: Uint8Array; scale: Float32Array } {
  const blocks = Math.ceil(K / block);
  const packed = new Uint8Array(N * blocks * (block / 2));
  const scale = new Float32Array(N * blocks);
  for (let n = 0; n < N; n++) {
    for (let b = 0; b < blocks; b++) {
      let absMax = 0;
      for (let k = b * block; k < Math.min(K, (b + 1) * block); k++) absMax = Math.max(absMax, Math.abs(values[k * N + n] ?? 0));
      const s = absMax > 0 ? absMax / 7 : 1;
      scale[n * blocks + b] = s;
      for (let j = 0; j < block; j++) {
        const k = b * block + j;
        const q = k < K ? Math.max(0, Math.min(15, Math.round((values[k * N + n] ?? 0) / s) + 8)) : 8;
        const at = (n * blocks + b) * (block / 2) + (j >> 1);
        packed[at] = (packed[at] ?? 0) | (j & 1 ? q << 4 : q);
      }
    }
  }
  return { packed, scale };
}

/** One weight's quantized parts, computed on first use and released once written. */
export function lazyParts(make: () => Promise<Uint8Array[]>): (index: number) => () => Promise<Uint8Array> {
  let parts: Promise<Uint8Array[]> | undefined;
  let left = 0;
  return (index) => {
    left++;
    return async () => {
      parts ??= make();
      const part = (await parts)[index];
      if (--left === 0) parts = undefined;
      if (!part) throw new Error(`quantized part ${index} missing`);
      return part;
    };
  };
}

export function pending(header: onnx.ITensorProto, bytes: () => Promise<Uint8Array>): PendingTensor {
  return { header, byteLength: tensorByteLength(header), bytes };
}

export class WeightQuantizer {
  readonly nodes: onnx.INodeProto[] = [];
  readonly tensors: PendingTensor[] = [];
  readonly replaced = new Map<string, onnx.INodeProto>();
  readonly stats: WeightStats = { quantized: 0, matMulNBits: 0, keptFloat: 0, weightBytesBefore: 0, weightBytesAfter: 0, skipped: [] };

  constructor(private readonly source: OnnxSource, private readonly names: NameSource) {}

  int8(c: Candidate): void {
    const t = c.tensor;
    const name = t.name ?? '';
    const dims = dimsOf(t);
    const channels = dims[c.axis] ?? 1;
    const part = lazyParts(async () => {
      const { q, scale } = quantizePerChannel(floatValues(t, await this.source.bytesOf(t)), dims, c.axis);
      return [bytesOfView(q), bytesOfView(scale), new Uint8Array(channels)];
    });
    const qName = this.names.fresh(`${name}_quantized`);
    const sName = this.names.fresh(`${name}_scale`);
    const zName = this.names.fresh(`${name}_zero_point`);
    this.tensors.push(
      pending({ name: qName, dims, dataType: DataType.INT8 }, part(0)),
      pending({ name: sName, dims: [channels], dataType: DataType.FLOAT }, part(1)),
      pending({ name: zName, dims: [channels], dataType: DataType.INT8 }, part(2)),
    );
    const fp16 = t.dataType === DataType.FLOAT16;
    const dqOut = fp16 ? this.names.fresh(`${name}_dequantized`) : name;
    this.nodes.push({ opType: 'DequantizeLinear', name: this.names.fresh(`${name}_DequantizeLinear`), input: [qName, sName, zName], output: [dqOut], attribute: [{ name: 'axis', type: INT_ATTR, i: c.axis }] });
    if (fp16) this.nodes.push({ opType: 'Cast', name: this.names.fresh(`${name}_Cast`), input: [dqOut], output: [name], attribute: [{ name: 'to', type: INT_ATTR, i: DataType.FLOAT16 }] });
    this.count(t, elementCount(t) + channels * 5);
  }

  int4(c: Candidate, block: number): void {
    const t = c.tensor;
    const [K = 0, N = 0] = dimsOf(t);
    const blocks = Math.ceil(K / block);
    const part = lazyParts(async () => {
      const { packed, scale } = packInt4(asFloat32(await this.source.bytesOf(t)), K, N, block);
      return [packed, bytesOfView(scale)];
    });
    const bName = this.names.fresh(`${t.name ?? 'w'}_int4`);
    const sName = this.names.fresh(`${t.name ?? 'w'}_int4_scale`);
    this.tensors.push(
      pending({ name: bName, dims: [N, blocks, block / 2], dataType: DataType.UINT8 }, part(0)),
      pending({ name: sName, dims: [N * blocks], dataType: DataType.FLOAT }, part(1)),
    );
    const A = c.consumer.input?.[0] ?? '';
    this.replaced.set(t.name ?? '', {
      opType: 'MatMulNBits', domain: 'com.microsoft', name: c.consumer.name, input: [A, bName, sName], output: c.consumer.output,
      attribute: [['K', K], ['N', N], ['bits', 4], ['block_size', block]].map(([n, v]) => ({ name: String(n), type: INT_ATTR, i: Number(v) })),
    });
    this.stats.matMulNBits++;
    this.count(t, N * blocks * (block / 2) + N * blocks * 4);
  }

  /** Counts one quantized weight: its float bytes before, `after` bytes once quantized. */
  count(t: onnx.ITensorProto, after: number): void {
    this.stats.quantized++;
    this.stats.weightBytesBefore += tensorByteLength(t);
    this.stats.weightBytesAfter += after;
  }
}

export async function quantizeWeights(source: OnnxSource, opts: WeightOptions): Promise<ConvertedGraph & { weights: WeightStats }> {
  const graph = source.graph;
  checkNoSubgraphs(graph, source.file);
  const block = opts.blockSize ?? 32;
  const q = new WeightQuantizer(source, new NameSource(graph));
  const candidates = findCandidates(graph, opts, q.stats.skipped);
  const needsDq = [...candidates.values()].some((c) => !(opts.bits === 4 && c.matMulOnly));
  if (needsDq && defaultOpset(source.model) < 13) {
    throw new UnsupportedModelError(source.file, `uses opset ${defaultOpset(source.model)}; per-channel DequantizeLinear needs opset 13 or newer (re-export the model with a newer opset)`);
  }
  // A weight shared by several MatMuls cannot be folded into one MatMulNBits: int8 for those.
  const nbitsUsers = new Map<string, number>();
  for (const node of graph.node) if (node.opType === 'MatMul' && candidates.has(node.input?.[1] ?? '')) nbitsUsers.set(node.input?.[1] ?? '', (nbitsUsers.get(node.input?.[1] ?? '') ?? 0) + 1);
  for (const c of candidates.values()) {
    if (opts.bits === 4 && c.matMulOnly && nbitsUsers.get(c.tensor.name ?? '') === 1) q.int4(c, block);
    else q.int8(c);
  }
  const kept = graph.initializer.filter((t) => !candidates.has(t.name ?? ''));
  q.stats.keptFloat = kept.filter((t) => t.dataType === DataType.FLOAT || t.dataType === DataType.FLOAT16).length;
  const body = graph.node.map((node) => {
    const w = node.opType === 'MatMul' && !node.domain ? q.replaced.get(node.input?.[1] ?? '') : undefined;
    return w && w.name === node.name && w.output?.[0] === node.output?.[0] ? w : node;
  });
  const opsetImport = [...(source.model.opsetImport ?? [])];
  if (q.stats.matMulNBits > 0 && !opsetImport.some((o) => o.domain === 'com.microsoft')) opsetImport.push({ domain: 'com.microsoft', version: 1 });
  const model: onnx.IModelProto = {
    ...source.model,
    opsetImport,
    graph: { ...graph, node: [...q.nodes, ...body], initializer: [], input: graph.input.filter((i) => !candidates.has(i.name ?? '')) },
  };
  return {
    model,
    tensors: [...kept.map((t) => passThrough(source, t)), ...q.tensors],
    stats: { converted: q.stats.quantized, kept: kept.length, castsInserted: 0, fp32Nodes: 0, ioTypes: 'float32' },
    weights: q.stats,
  };
}
