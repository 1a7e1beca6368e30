// fp32 → fp16 conversion of one ONNX graph. Every float32 initializer, constant and intermediate
// value becomes float16, except around ops whose numerics need float32 (normalisation statistics,
// powers and roots, sin/cos/exp of the timestep embedding): those run in float32 with Cast nodes
// around them. Graph inputs/outputs keep float32 unless asked, so the pipeline feeds them as before.
import { onnx } from 'onnx-proto';
import { toFloat16Array } from '../../backend/float16';
import { asFloat32, bytesOfView, DataType, passThrough, tensorByteLength, type OnnxSource, type PendingTensor } from '../onnx-io';
import { checkNoSubgraphs, intAttribute, inferElementTypes, INT_ATTR, NameSource, nodeLabel, UnsupportedModelError } from './graph';
import { errorMessage } from '../../errors';

/** Ops that stay in float32: their statistics or ranges overflow or lose too much in float16. */
export const KEEP_FP32_OPS: readonly string[] = Object.freeze([
  'LayerNormalization', 'GroupNormalization', 'InstanceNormalization', 'BatchNormalization',
  'ReduceMean', 'ReduceSumSquare', 'ReduceL2', 'ReduceLogSumExp', 'Pow', 'Sqrt', 'Reciprocal',
  'Sin', 'Cos', 'Exp', 'Log', 'Range', 'DequantizeLinear', 'QuantizeLinear',
  'SkipLayerNormalization', 'SimplifiedLayerNormalization', 'SkipSimplifiedLayerNormalization', 'GroupNorm',
]);

/** Input slots that must be float32 whatever the node's precision (ONNX types them tensor(float)). */
const FP32_SLOTS: Record<string, readonly number[]> = { Resize: [1, 2], Upsample: [1] };
/** Input slots whose element type does not matter to the op (no Cast needed). */
const ANY_SLOTS: Record<string, readonly number[]> = { Shape: [0], Size: [0], Cast: [0], CastLike: [0] };

export interface Fp16Options {
  /** Keep float32 graph inputs/outputs (Casts at the boundary); default true. */
  keepIoTypes?: boolean;
  /** Replaces KEEP_FP32_OPS. */
  keepFp32Ops?: readonly string[];
}

export interface ConvertedGraph {
  model: onnx.IModelProto;
  tensors: PendingTensor[];
  stats: { converted: number; kept: number; castsInserted: number; fp32Nodes: number; ioTypes: 'float32' | 'float16' };
}

const F32 = DataType.FLOAT;
const F16 = DataType.FLOAT16;

interface Current { value: string; type: number }

function fp16Bytes(bytes: Uint8Array): Uint8Array {
  return bytesOfView(toFloat16Array(asFloat32(bytes)));
}

/** A float32 tensor (attribute of Constant / ConstantOfShape) as float16. */
async function tensorToFp16(source: OnnxSource, t: onnx.ITensorProto): Promise<onnx.ITensorProto> {
  const bytes = fp16Bytes(await source.bytesOf(t));
  return { name: t.name, dims: t.dims, dataType: F16, rawData: bytes };
}

async function constantAttrsToFp16(source: OnnxSource, node: onnx.INodeProto): Promise<onnx.IAttributeProto[]> {
  const T = onnx.AttributeProto.AttributeType;
  const out: onnx.IAttributeProto[] = [];
  for (const a of node.attribute ?? []) {
    if (a.name === 'value' && a.t && a.t.dataType === F32) out.push({ ...a, t: await tensorToFp16(source, a.t) });
    else if (a.name === 'value_float') out.push({ name: 'value', type: T.TENSOR, t: { dims: [], dataType: F16, rawData: fp16Bytes(bytesOfView(Float32Array.of(a.f ?? 0))) } });
    else if (a.name === 'value_floats') {
      const values = Float32Array.from(a.floats ?? []);
      out.push({ name: 'value', type: T.TENSOR, t: { dims: [values.length], dataType: F16, rawData: fp16Bytes(bytesOfView(values)) } });
    } else out.push(a);
  }
  return out;
}

class Fp16Converter {
  private readonly names: NameSource;
  private readonly types: Map<string, number>;
  private readonly current = new Map<string, Current>();
  private readonly casts = new Map<string, string>();
  private readonly keep: Set<string>;
  readonly nodes: onnx.INodeProto[] = [];
  readonly finalTypes = new Map<string, number>();
  castsInserted = 0;
  fp32Nodes = 0;

  constructor(private readonly source: OnnxSource, private readonly keepIo: boolean, keepOps: readonly string[]) {
    const graph = source.graph;
    this.names = new NameSource(graph);
    this.types = inferElementTypes(graph);
    this.keep = new Set(keepOps);
  }

  isFloat(name: string | null | undefined): boolean {
    return !!name && this.types.get(name) === F32;
  }

  runsFp32(node: onnx.INodeProto): boolean {
    const foreign = !!node.domain && node.domain !== 'ai.onnx' && node.domain !== 'com.microsoft';
    return foreign || this.keep.has(node.opType ?? '');
  }

  /** The type a float input slot of `node` should get. */
  want(node: onnx.INodeProto, slot: number): number | 'any' {
    const op = node.opType ?? '';
    if (ANY_SLOTS[op]?.includes(slot)) return 'any';
    if (FP32_SLOTS[op]?.includes(slot) || this.runsFp32(node)) return F32;
    return F16;
  }

  /** Initializers that some fp16 slot reads are stored as float16. */
  initializerPlan(): Set<string> {
    const graph = this.source.graph;
    const inits = new Set(graph.initializer.filter((t) => t.dataType === F32).map((t) => t.name ?? ''));
    const toFp16 = new Set<string>();
    for (const node of graph.node) {
      (node.input ?? []).forEach((name, slot) => {
        if (inits.has(name) && this.want(node, slot) === F16) toFp16.add(name);
      });
    }
    return toFp16;
  }

  setCurrent(name: string | null | undefined, type: number): void {
    if (!name) return;
    this.current.set(name, { value: name, type });
    this.finalTypes.set(name, type);
  }

  private castOf(name: string, to: number): string {
    const cur = this.current.get(name) ?? { value: name, type: F32 };
    if (cur.type === to) return cur.value;
    const key = `${cur.value}\u0000${to}`;
    let out = this.casts.get(key);
    if (!out) {
      out = this.names.fresh(`${name}_${to === F16 ? 'fp16' : 'fp32'}`);
      this.nodes.push({ opType: 'Cast', name: this.names.fresh(`${out}_Cast`), input: [cur.value], output: [out], attribute: [{ name: 'to', type: INT_ATTR, i: to }] });
      this.casts.set(key, out);
      this.castsInserted++;
    }
    return out;
  }

  async convertNode(node: onnx.INodeProto, graphOutputs: Set<string>): Promise<void> {
    const fp32 = this.runsFp32(node);
    if (fp32) this.fp32Nodes++;
    const inputs = (node.input ?? []).map((name, slot) => {
      if (!this.isFloat(name)) return name;
      const want = this.want(node, slot);
      if (want === 'any') return this.current.get(name)?.value ?? name;
      return this.castOf(name, want);
    });
    let attrs = node.attribute ?? [];
    if (!fp32 && (node.opType === 'Constant' || node.opType === 'ConstantOfShape')) attrs = await constantAttrsToFp16(this.source, node);
    if (!fp32 && node.opType === 'Cast' && intAttribute(node, 'to', 0) === F32) {
      attrs = attrs.map((a) => (a.name === 'to' ? { ...a, i: F16 } : a));
    }
    const outputs = (node.output ?? []).map((name) => {
      if (!this.isFloat(name)) return name;
      const type = fp32 ? F32 : F16;
      const boundary = this.keepIo ? F32 : F16;
      if (graphOutputs.has(name) && type !== boundary) {
        // Keep the graph output's name and declared type: produce an alias, Cast it at the end.
        const alias = this.names.fresh(`${name}_${type === F16 ? 'fp16' : 'fp32'}`);
        this.current.set(name, { value: alias, type });
        return alias;
      }
      this.setCurrent(name, type);
      return name;
    });
    this.nodes.push({ ...node, input: inputs, output: outputs, attribute: attrs });
  }

  /** Casts for graph outputs produced under an alias; returns the output type actually declared. */
  finishOutput(name: string): void {
    const boundary = this.keepIo ? F32 : F16;
    const cur = this.current.get(name);
    if (!cur || cur.value === name) return;
    this.nodes.push({ opType: 'Cast', name: this.names.fresh(`${name}_Cast`), input: [cur.value], output: [name], attribute: [{ name: 'to', type: INT_ATTR, i: boundary }] });
    this.castsInserted++;
    this.finalTypes.set(name, boundary);
  }
}

function retype(vi: onnx.IValueInfoProto, type: number | undefined): onnx.IValueInfoProto {
  if (type === undefined || !vi.type?.tensorType) return vi;
  return { ...vi, type: { ...vi.type, tensorType: { ...vi.type.tensorType, elemType: type } } };
}

export async function convertToFloat16(source: OnnxSource, options: Fp16Options = {}): Promise<ConvertedGraph> {
  const graph = source.graph;
  checkNoSubgraphs(graph, source.file);
  const keepIo = options.keepIoTypes ?? true;
  const conv = new Fp16Converter(source, keepIo, options.keepFp32Ops ?? KEEP_FP32_OPS);
  const anyFloat = graph.initializer.some((t) => t.dataType === F32) || graph.input.some((i) => conv.isFloat(i.name));
  if (!anyFloat) throw new UnsupportedModelError(source.file, 'has no float32 tensors to convert (is it already float16?)');
  for (const t of graph.initializer) {
    if (t.dataType === DataType.BFLOAT16) {
      throw new UnsupportedModelError(source.file, `initializer '${t.name}' has dtype bfloat16, which the fp16 converter does not handle`);
    }
  }
  const toFp16 = conv.initializerPlan();
  for (const input of graph.input) if (conv.isFloat(input.name)) conv.setCurrent(input.name, keepIo ? F32 : F16);
  const tensors: PendingTensor[] = graph.initializer.map((t) => {
    if (!toFp16.has(t.name ?? '')) {
      if (t.dataType === F32) conv.setCurrent(t.name, F32);
      return passThrough(source, t);
    }
    conv.setCurrent(t.name, F16);
    const header = { name: t.name, dims: t.dims, dataType: F16 };
    return { header, byteLength: tensorByteLength(header), bytes: async () => fp16Bytes(await source.bytesOf(t)) };
  });
  const outputs = new Set(graph.output.map((o) => o.name ?? ''));
  for (const node of graph.node) {
    try {
      await conv.convertNode(node, outputs);
    } catch (error) {
      if (error instanceof UnsupportedModelError) throw error;
      throw new UnsupportedModelError(source.file, `${nodeLabel(node)}: ${errorMessage(error)}`);
    }
  }
  for (const name of outputs) conv.finishOutput(name);
  const ioType = (vi: onnx.IValueInfoProto) => (conv.isFloat(vi.name ?? '') ? (keepIo ? F32 : F16) : undefined);
  // Old exports (IR < 4) list initializers as inputs too; those are constants here, typed by the plan.
  const initNames = new Set(graph.initializer.map((t) => t.name ?? ''));
  const model: onnx.IModelProto = {
    ...source.model,
    graph: {
      ...graph,
      node: conv.nodes,
      initializer: [],
      input: graph.input.filter((vi) => !initNames.has(vi.name ?? '')).map((vi) => retype(vi, ioType(vi))),
      output: graph.output.map((vi) => retype(vi, ioType(vi))),
      valueInfo: graph.valueInfo.map((vi) => retype(vi, conv.isFloat(vi.name) ? conv.finalTypes.get(vi.name ?? '') : undefined)),
    },
  };
  return {
    model,
    tensors,
    stats: { converted: toFp16.size, kept: graph.initializer.length - toFp16.size, castsInserted: conv.castsInserted, fp32Nodes: conv.fp32Nodes, ioTypes: keepIo ? 'float32' : 'float16' },
  };
}
