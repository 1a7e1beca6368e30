// Where int8 can go in a graph, and which kernels each place can run. A "site" is one node that
// reads a float weight of at least --min-size elements (MatMul/Gemm B, Conv/ConvTranspose W). Each
// site can stay float, store its weight as int8 behind a DequantizeLinear (weight-only), or — when
// the graph allows it — run an integer kernel: dynamic activation quantization for MatMul/Gemm
// (DynamicQuantizeLinear + MatMulInteger) or calibrated QDQ around a Conv (→ QLinearConv).
import { onnx } from 'onnx-proto';
import { DataType, dimsOf, elementCount } from '../onnx-io';
import { attribute, inferElementTypes, intAttribute } from './graph';
import { channelAxis } from './weights';

export type KernelChoice = 'integer' | 'weight-only' | 'float';
export const KERNEL_CHOICES: readonly KernelChoice[] = ['integer', 'weight-only', 'float'];

export type SiteOp = 'MatMul' | 'Gemm' | 'Conv' | 'ConvTranspose';

/** Observed range and shape of one activation during calibration. */
export interface ActivationRange {
  min: number;
  max: number;
  dims: number[];
  /** Sum of squares and element count over the calibration runs (for the RMS). */
  sumSquares?: number;
  count?: number;
}

/**
 * Estimated uint8 quantization noise of an activation relative to its RMS: (range / 255 / √12) / RMS.
 * Outliers that stretch the range over a small typical value make it large.
 */
export function noiseToSignal(range: ActivationRange | undefined): number {
  if (!range || !range.count || !range.sumSquares) return Number.POSITIVE_INFINITY;
  const width = Math.max(0, range.max) - Math.min(0, range.min);
  return width / 255 / Math.sqrt(12) / Math.sqrt(range.sumSquares / range.count);
}

export interface Int8Site {
  /** The node's first output: unique in the graph, so it identifies the node even without a name. */
  key: string;
  /** The node's name, or its first output when it has none (for people reading the manifest). */
  label: string;
  op: SiteOp;
  node: onnx.INodeProto;
  weight: onnx.ITensorProto;
  /** Output-channel axis of the weight (per-channel scales). */
  axis: number;
  /** Activation input (MatMul/Gemm A, Conv X) and the node's output. */
  input: string;
  output: string;
  /** Kernels this site can run, best size first. */
  available: KernelChoice[];
  /** Why 'integer' is not available, when it is not. */
  noInteger?: string;
}

const WEIGHT_SLOT: Record<string, number> = { MatMul: 1, Gemm: 1, Conv: 1, ConvTranspose: 1 };

export function floatAttribute(node: onnx.INodeProto, name: string, fallback: number): number {
  const a = attribute(node, name);
  return a?.f !== undefined && a.f !== null ? Number(a.f) : fallback;
}

interface Use { node: onnx.INodeProto; slot: number }

/** Why this node cannot run an integer kernel (undefined: it can). */
function integerBlocker(site: Omit<Int8Site, 'available' | 'noInteger'>, uses: number, types: Map<string, number>, inits: Map<string, onnx.ITensorProto>): string | undefined {
  const { node, weight } = site;
  const rank = dimsOf(weight).length;
  if (uses > 1) return `weight used ${uses} times`;
  if (weight.dataType !== DataType.FLOAT) return 'float16 weight (integer kernels take float32)';
  if (types.get(site.input) !== DataType.FLOAT) return 'activation is not float32';
  switch (site.op) {
    case 'MatMul': return rank === 2 ? undefined : `weight of rank ${rank}`;
    case 'Gemm': {
      if (intAttribute(node, 'transA', 0) !== 0) return 'Gemm with transA';
      const c = node.input?.[2];
      if (c && floatAttribute(node, 'beta', 1) !== 1) return 'Gemm with beta ≠ 1';
      return undefined;
    }
    case 'Conv': {
      if (rank !== 4) return 'only 2-D convolutions';
      const bias = node.input?.[2];
      if (bias && inits.get(bias)?.dataType !== DataType.FLOAT) return 'bias is not a float32 constant';
      return undefined;
    }
    case 'ConvTranspose': return 'no integer ConvTranspose kernel';
  }
}

/** Every site of the graph, in node order. Weights read by several nodes give one site (weight-only or float). */
export function findInt8Sites(graph: onnx.IGraphProto, minSize: number): Int8Site[] {
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const uses = new Map<string, Use[]>();
  for (const node of graph.node ?? []) {
    (node.input ?? []).forEach((name, slot) => {
      if (!inits.has(name)) return;
      const list = uses.get(name) ?? [];
      list.push({ node, slot });
      uses.set(name, list);
    });
  }
  const types = inferElementTypes(graph);
  const order = new Map((graph.node ?? []).map((n, i) => [n, i]));
  const sites: Int8Site[] = [];
  for (const [name, list] of uses) {
    const weightUse = list.find((u) => !u.node.domain && WEIGHT_SLOT[u.node.opType ?? ''] === u.slot);
    const weight = inits.get(name);
    if (!weightUse || !weight) continue;
    if (weight.dataType !== DataType.FLOAT && weight.dataType !== DataType.FLOAT16) continue;
    if (elementCount(weight) < minSize) continue;
    const axis = channelAxis(weightUse.node, dimsOf(weight).length);
    if (typeof axis === 'string') continue;
    const node = weightUse.node;
    const output = node.output?.[0] ?? '';
    const base = { key: output, label: node.name || output, op: node.opType as SiteOp, node, weight, axis, input: node.input?.[0] ?? '', output };
    const noInteger = integerBlocker(base, list.length, types, inits);
    sites.push({ ...base, available: noInteger ? ['weight-only', 'float'] : ['integer', 'weight-only', 'float'], ...(noInteger ? { noInteger } : {}) });
  }
  return sites.sort((a, b) => (order.get(a.node) ?? 0) - (order.get(b.node) ?? 0));
}

/** Attributes that change a node's cost, as text (kernel, strides, pads, group …). */
function attributeText(node: onnx.INodeProto): string {
  return (node.attribute ?? [])
    .filter((a) => a.name !== 'alpha' && a.name !== 'beta')
    .map((a) => `${a.name ?? ''}=${a.ints && a.ints.length ? `[${a.ints.map(Number).join(',')}]` : a.s && a.s.length ? new TextDecoder().decode(a.s) : String(a.i ?? a.f ?? '')}`)
    .sort()
    .join(' ');
}

/** What makes two sites cost the same: op, activation shape, weight shape, cost-relevant attributes. */
export function siteSignature(site: Int8Site, inputDims: readonly number[] | undefined): string {
  const attrs = attributeText(site.node);
  const bias = site.op === 'Conv' || site.op === 'Gemm' ? (site.node.input?.[2] ? ' +bias' : '') : '';
  return `${site.op} x[${inputDims?.join(',') ?? '?'}] w[${dimsOf(site.weight).join(',')}]${attrs ? ` ${attrs}` : ''}${bias}`;
}
