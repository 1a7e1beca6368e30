// Graph helpers shared by the converters: element types of every value (a small rule table, since
// exports rarely carry full value_info), attributes, unique names, and the errors that name a node.
import { onnx } from 'onnx-proto';
import { DataType, dataTypeName } from '../onnx-io';

export class UnsupportedModelError extends Error {
  constructor(readonly file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'UnsupportedModelError';
  }
}

export function nodeLabel(node: onnx.INodeProto): string {
  return `node '${node.name || node.output?.[0] || '?'}' (${node.domain ? `${node.domain}.` : ''}${node.opType ?? '?'})`;
}

export function attribute(node: onnx.INodeProto, name: string): onnx.IAttributeProto | undefined {
  return node.attribute?.find((a) => a.name === name);
}

export function intAttribute(node: onnx.INodeProto, name: string, fallback: number): number {
  const a = attribute(node, name);
  return a?.i !== undefined && a.i !== null ? Number(a.i) : fallback;
}

export const INT_ATTR = onnx.AttributeProto.AttributeType.INT;

const BOOL_OUTPUT = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor', 'IsNaN', 'IsInf']);
const INT64_OUTPUT = new Set(['Shape', 'Size', 'NonZero', 'ArgMax', 'ArgMin', 'NonMaxSuppression']);
/** Ops whose extra outputs are indices or masks, not the float data of output 0. */
const FIRST_OUTPUT_ONLY: Record<string, number> = { TopK: DataType.INT64, MaxPool: DataType.INT64, Dropout: DataType.BOOL, Unique: DataType.INT64 };
/** Subgraph-carrying ops: their bodies would need the same conversion; not supported. */
export const CONTROL_FLOW = new Set(['If', 'Loop', 'Scan', 'SequenceMap']);

function constantType(node: onnx.INodeProto): number | undefined {
  for (const a of node.attribute ?? []) {
    if (a.name === 'value' && a.t) return a.t.dataType ?? undefined;
    if (a.name === 'value_float' || a.name === 'value_floats') return DataType.FLOAT;
    if (a.name === 'value_int' || a.name === 'value_ints') return DataType.INT64;
  }
  return undefined;
}

/** Element types of each output of `node`, given the types of values known so far. */
function outputTypes(node: onnx.INodeProto, typeOf: (name: string) => number | undefined): (number | undefined)[] {
  const op = node.opType ?? '';
  const outs = node.output ?? [];
  const inputs = node.input ?? [];
  const firstKnown = inputs.map((i) => (i ? typeOf(i) : undefined)).find((t) => t !== undefined);
  const all = (t: number | undefined) => outs.map(() => t);
  if (node.domain && node.domain !== 'ai.onnx' && node.domain !== 'com.microsoft') return all(firstKnown);
  if (BOOL_OUTPUT.has(op)) return all(DataType.BOOL);
  if (INT64_OUTPUT.has(op)) return all(DataType.INT64);
  switch (op) {
    case 'Cast': return all(intAttribute(node, 'to', 0));
    case 'CastLike': return all(typeOf(inputs[1] ?? ''));
    case 'Constant': return all(constantType(node));
    case 'ConstantOfShape': { const a = attribute(node, 'value'); return all(a?.t?.dataType ?? DataType.FLOAT); }
    case 'EyeLike': case 'RandomNormal': case 'RandomUniform': case 'RandomNormalLike': case 'RandomUniformLike':
      return all(intAttribute(node, 'dtype', firstKnown ?? DataType.FLOAT));
    case 'DequantizeLinear': return all(typeOf(inputs[1] ?? '') ?? DataType.FLOAT);
    case 'QuantizeLinear': case 'DynamicQuantizeLinear': return all(typeOf(inputs[2] ?? '') ?? DataType.UINT8);
    case 'Where': return all(typeOf(inputs[1] ?? ''));
    default: break;
  }
  const extra = FIRST_OUTPUT_ONLY[op];
  const first = typeOf(inputs[0] ?? '') ?? firstKnown;
  return outs.map((_, i) => (i === 0 ? first : extra ?? first));
}

/** Element type of every value in the graph: declared ones first, then the rule table in node order. */
export function inferElementTypes(graph: onnx.IGraphProto): Map<string, number> {
  const types = new Map<string, number>();
  const declare = (vi: onnx.IValueInfoProto) => {
    const t = vi.type?.tensorType?.elemType;
    if (vi.name && t) types.set(vi.name, t);
  };
  for (const vi of graph.input ?? []) declare(vi);
  for (const t of graph.initializer ?? []) if (t.name && t.dataType) types.set(t.name, t.dataType);
  const declared = new Map<string, number>();
  for (const vi of [...(graph.valueInfo ?? []), ...(graph.output ?? [])]) {
    const t = vi.type?.tensorType?.elemType;
    if (vi.name && t) declared.set(vi.name, t);
  }
  for (const node of graph.node ?? []) {
    const outs = outputTypes(node, (n) => types.get(n));
    (node.output ?? []).forEach((name, i) => {
      const t = declared.get(name) ?? outs[i];
      if (name && t !== undefined) types.set(name, t);
    });
  }
  return types;
}

/** Fails with the node and op named when the graph holds control flow (subgraphs) we do not convert. */
export function checkNoSubgraphs(graph: onnx.IGraphProto, file: string): void {
  for (const node of graph.node ?? []) {
    const hasGraph = node.attribute?.some((a) => a.g || (a.graphs && a.graphs.length > 0));
    if (CONTROL_FLOW.has(node.opType ?? '') || hasGraph) {
      throw new UnsupportedModelError(file, `${nodeLabel(node)} carries a subgraph; the converter does not handle control-flow ops (If, Loop, Scan)`);
    }
  }
}

/** Fresh value/node names that collide with nothing in the graph. */
export class NameSource {
  private readonly used = new Set<string>();

  constructor(graph: onnx.IGraphProto) {
    for (const vi of [...(graph.input ?? []), ...(graph.output ?? []), ...(graph.valueInfo ?? [])]) if (vi.name) this.used.add(vi.name);
    for (const t of graph.initializer ?? []) if (t.name) this.used.add(t.name);
    for (const n of graph.node ?? []) {
      if (n.name) this.used.add(n.name);
      for (const o of n.output ?? []) this.used.add(o);
    }
  }

  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }
}

/** The opset version the model imports for the default domain. */
export function defaultOpset(model: onnx.IModelProto): number {
  const entry = model.opsetImport?.find((o) => !o.domain || o.domain === 'ai.onnx');
  return Number(entry?.version ?? 0);
}

export function describeType(type: number | undefined): string {
  return dataTypeName(type);
}
