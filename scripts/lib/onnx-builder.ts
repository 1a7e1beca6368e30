// A small ONNX graph builder over onnx-proto's protobufjs classes. Used by the fixture generator
// (tiny oracle models) and meant for reuse by synthetic full-size models and a weight quantizer:
// it knows dtypes, symbolic dims, initializers in fp32/fp16/int8/int64, weight storage with
// Cast / DequantizeLinear in front, and optional external data (`model.onnx.data`).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';

export type DType = 'float32' | 'float16' | 'int8' | 'uint8' | 'int32' | 'int64' | 'bool' | 'float64';
/** A dimension: a fixed size or a symbolic name such as 'batch' or 'height'. */
export type Dim = number | string;

const ELEM_TYPE: Record<DType, onnx.TensorProto.DataType> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float16: onnx.TensorProto.DataType.FLOAT16,
  int8: onnx.TensorProto.DataType.INT8,
  uint8: onnx.TensorProto.DataType.UINT8,
  int32: onnx.TensorProto.DataType.INT32,
  int64: onnx.TensorProto.DataType.INT64,
  bool: onnx.TensorProto.DataType.BOOL,
  float64: onnx.TensorProto.DataType.DOUBLE,
};

export function elemType(dtype: DType): number {
  return ELEM_TYPE[dtype];
}

// ---- fp16 conversion (Node 20 has no Float16Array) ----

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 → IEEE half bits, round to nearest even; overflow → ±Infinity. */
export function float32ToFloat16(value: number): number {
  f32[0] = value;
  const x = u32[0] ?? 0;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let m = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && (m & 1))) m += 1;
    return sign | m;
  }
  let m = mant >>> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (m & 1))) {
    m += 1;
    if (m === 0x400) {
      m = 0;
      e += 1;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | m;
}

export function float16ToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

export function toFloat16Array(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float32ToFloat16(values[i] ?? 0);
  return out;
}

export function fromFloat16Array(bits: ArrayLike<number>): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = float16ToFloat32(bits[i] ?? 0);
  return out;
}

// ---- attributes ----

export type AttrValue =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'ints'; value: number[] }
  | { kind: 'floats'; value: number[] }
  | { kind: 'tensor'; value: onnx.ITensorProto };

/** Attribute constructors: ONNX needs to know int vs float, which a JS number does not say. */
export const attr = {
  int: (value: number): AttrValue => ({ kind: 'int', value }),
  float: (value: number): AttrValue => ({ kind: 'float', value }),
  string: (value: string): AttrValue => ({ kind: 'string', value }),
  ints: (value: number[]): AttrValue => ({ kind: 'ints', value }),
  floats: (value: number[]): AttrValue => ({ kind: 'floats', value }),
  tensor: (value: onnx.ITensorProto): AttrValue => ({ kind: 'tensor', value }),
};

function encodeAttr(name: string, a: AttrValue): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.kind) {
    case 'int': return { name, type: T.INT, i: a.value };
    case 'float': return { name, type: T.FLOAT, f: a.value };
    case 'string': return { name, type: T.STRING, s: new TextEncoder().encode(a.value) };
    case 'ints': return { name, type: T.INTS, ints: a.value };
    case 'floats': return { name, type: T.FLOATS, floats: a.value };
    case 'tensor': return { name, type: T.TENSOR, t: a.value };
  }
}

// ---- tensors ----

/** Raw little-endian storage for one dtype (fp16 as Uint16Array bits, int64 as BigInt64Array). */
export type TensorData = Float32Array | Float64Array | Uint16Array | Int8Array | Uint8Array | Int32Array | BigInt64Array;

export interface TensorValue {
  dtype: DType;
  dims: number[];
  data: TensorData;
}

export function tensorValue(dtype: DType, dims: number[], values: ArrayLike<number> | TensorData): TensorValue {
  const count = dims.reduce((a, b) => a * b, 1);
  if (values.length !== count) throw new Error(`tensor of dims [${dims}] needs ${count} values, got ${values.length}`);
  return { dtype, dims, data: typedArrayFor(dtype, values) };
}

function typedArrayFor(dtype: DType, values: ArrayLike<number> | TensorData): TensorData {
  if (values instanceof BigInt64Array) {
    if (dtype !== 'int64') throw new Error(`BigInt64Array given for ${dtype}`);
    return values;
  }
  const nums = values as ArrayLike<number>;
  switch (dtype) {
    case 'float32': return Float32Array.from(nums);
    case 'float64': return Float64Array.from(nums);
    case 'float16': return nums instanceof Uint16Array ? nums : toFloat16Array(nums);
    case 'int8': return Int8Array.from(nums);
    case 'uint8': case 'bool': return Uint8Array.from(nums);
    case 'int32': return Int32Array.from(nums);
    case 'int64': return BigInt64Array.from(Array.from(nums, (v) => BigInt(v)));
  }
}

function rawBytes(data: TensorData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export function tensorProto(name: string, t: TensorValue): onnx.ITensorProto {
  return { name, dims: t.dims, dataType: elemType(t.dtype), rawData: rawBytes(t.data) };
}

// ---- value infos ----

export function valueInfo(name: string, dtype: DType, shape: Dim[] | undefined): onnx.IValueInfoProto {
  const dims = shape?.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return {
    name,
    type: { tensorType: { elemType: elemType(dtype), shape: dims ? { dim: dims } : undefined } },
  };
}

// ---- weights stored in a chosen precision ----

export type WeightStorage =
  | { kind: 'float32' }
  | { kind: 'float16' }
  /** Symmetric/affine int8 with DequantizeLinear; `axis` quantizes per slice along that axis. */
  | { kind: 'int8'; axis?: number; scale?: number[]; zeroPoint?: number[] };

export interface ExternalDataOptions {
  /** File name next to model.onnx, e.g. 'model.onnx.data'. */
  location: string;
  /** Initializers with at least this many bytes go to the external file. */
  minBytes: number;
  /** Offset alignment inside the data file (ORT can mmap page-aligned data). */
  align: number;
}

export interface SerializeOptions {
  external?: ExternalDataOptions;
  metadata?: Record<string, string>;
  docString?: string;
  /** ModelProto.producer_name; defaults to 'nanoforge-fixtures'. */
  producer?: string;
}

export interface SerializedModel {
  model: Uint8Array;
  /** External data file contents, when any initializer went there. */
  externalData?: Uint8Array;
}

export class GraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly inits: { name: string; value: TensorValue }[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly used = new Set<string>();
  private counter = 0;

  constructor(readonly name: string, readonly opset = 17) {}

  /** A fresh value name with a readable prefix. */
  fresh(prefix: string): string {
    let n = `${prefix}_${this.counter++}`;
    while (this.used.has(n)) n = `${prefix}_${this.counter++}`;
    this.used.add(n);
    return n;
  }

  input(name: string, dtype: DType, shape: Dim[] | undefined): string {
    this.used.add(name);
    this.inputs.push(valueInfo(name, dtype, shape));
    return name;
  }

  output(name: string, dtype: DType, shape: Dim[] | undefined): string {
    this.outputs.push(valueInfo(name, dtype, shape));
    return name;
  }

  initializer(prefix: string, value: TensorValue): string {
    const name = this.fresh(prefix);
    this.inits.push({ name, value });
    return name;
  }

  /** Shorthand constants as initializers. */
  f32(values: number | number[], dims?: number[]): string {
    return this.constOf('float32', 'c', values, dims);
  }
  i64(values: number | number[], dims?: number[]): string {
    return this.constOf('int64', 'ci', values, dims);
  }
  private constOf(dtype: DType, prefix: string, values: number | number[], dims?: number[]): string {
    const arr = typeof values === 'number' ? [values] : values;
    const shape = dims ?? (typeof values === 'number' ? [] : [arr.length]);
    return this.initializer(prefix, tensorValue(dtype, shape, arr));
  }

  /**
   * A float32 weight as the graph sees it, stored in the chosen precision: fp16 bits + Cast, or
   * int8 + DequantizeLinear (per tensor, or per slice along `axis`). Returns the float32 value name.
   */
  weight(prefix: string, values: ArrayLike<number>, dims: number[], storage: WeightStorage): string {
    if (storage.kind === 'float32') return this.initializer(prefix, tensorValue('float32', dims, values));
    if (storage.kind === 'float16') {
      const stored = this.initializer(`${prefix}_f16`, tensorValue('float16', dims, values));
      return this.op('Cast', [stored], { to: attr.int(elemType('float32')) }, prefix);
    }
    const auto = storage.scale ? undefined : quantizeInt8(values, dims, storage.axis);
    const scale = storage.scale ?? auto?.scale ?? [1];
    const zero = storage.zeroPoint ?? auto?.zeroPoint ?? scale.map(() => 0);
    const stored = auto?.values ?? requantize(values, dims, storage.axis, scale, zero);
    const qName = this.initializer(`${prefix}_q`, tensorValue('int8', dims, stored));
    const perAxis = storage.axis !== undefined;
    const sName = this.initializer(`${prefix}_scale`, tensorValue('float32', perAxis ? [scale.length] : [], scale));
    const zName = this.initializer(`${prefix}_zp`, tensorValue('int8', perAxis ? [zero.length] : [], zero));
    const attrs: Record<string, AttrValue> = perAxis ? { axis: attr.int(storage.axis ?? 0) } : {};
    return this.op('DequantizeLinear', [qName, sName, zName], attrs, prefix);
  }

  /** Adds a node with one output and returns that output's name. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, prefix?: string): string {
    return this.opN(opType, inputs, 1, attrs, prefix)[0] as string;
  }

  /** Adds a node with `count` outputs; an empty input name means an omitted optional input. */
  opN(opType: string, inputs: string[], count: number, attrs: Record<string, AttrValue> = {}, prefix?: string): string[] {
    const outs = Array.from({ length: count }, () => this.fresh(prefix ?? opType.toLowerCase()));
    this.nodes.push({
      opType,
      name: this.fresh(`n_${opType}`),
      input: inputs,
      output: outs,
      attribute: Object.entries(attrs).map(([k, v]) => encodeAttr(k, v)),
    });
    return outs;
  }

  /** Routes a computed value to a graph output name (Identity keeps names stable for readers). */
  outputFrom(value: string, name: string, dtype: DType, shape: Dim[] | undefined): void {
    this.nodes.push({ opType: 'Identity', name: this.fresh('n_out'), input: [value], output: [name] });
    this.output(name, dtype, shape);
  }

  /** Serialises to ModelProto bytes; with `external`, large initializers go to a side file. */
  serialize(opts: SerializeOptions = {}): SerializedModel {
    const { model, chunks, dataBytes } = this.encode(opts);
    return { model, externalData: chunks.length ? concat(chunks, dataBytes) : undefined };
  }

  /**
   * Writes `file` and, when initializers go external, `opts.external.location` beside it, one
   * tensor at a time (no second copy of the weights in memory; needed past protobuf's 2 GB limit).
   */
  async save(file: string, opts: SerializeOptions = {}): Promise<{ modelBytes: number; dataBytes: number }> {
    const { model, chunks, dataBytes } = this.encode(opts);
    await fs.writeFile(file, model);
    if (opts.external && chunks.length) {
      const handle = await fs.open(path.join(path.dirname(file), opts.external.location), 'w');
      try {
        for (const c of chunks) await handle.write(c);
      } finally {
        await handle.close();
      }
    }
    return { modelBytes: model.byteLength, dataBytes };
  }

  private encode(opts: SerializeOptions): { model: Uint8Array; chunks: Uint8Array[]; dataBytes: number } {
    const chunks: Uint8Array[] = [];
    let offset = 0;
    const initializer = this.inits.map(({ name, value }) => {
      const proto = tensorProto(name, value);
      const bytes = proto.rawData as Uint8Array;
      const ext = opts.external;
      if (!ext || bytes.byteLength < ext.minBytes) return proto;
      const pad = (ext.align - (offset % ext.align)) % ext.align;
      if (pad) chunks.push(new Uint8Array(pad));
      offset += pad;
      chunks.push(bytes);
      const entry = [
        { key: 'location', value: ext.location },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(bytes.byteLength) },
      ];
      offset += bytes.byteLength;
      return { ...proto, rawData: undefined, dataLocation: onnx.TensorProto.DataLocation.EXTERNAL, externalData: entry };
    });
    const model: onnx.IModelProto = {
      irVersion: 8,
      opsetImport: [{ domain: '', version: this.opset }],
      producerName: opts.producer ?? 'nanoforge-fixtures',
      producerVersion: '1',
      docString: opts.docString,
      graph: { name: this.name, node: this.nodes, initializer, input: this.inputs, output: this.outputs },
      metadataProps: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
    };
    return { model: onnx.ModelProto.encode(model).finish(), chunks, dataBytes: offset };
  }
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

// ---- int8 quantization (affine, per tensor or per axis) ----

export interface QuantizedInt8 {
  values: Int8Array;
  scale: number[];
  zeroPoint: number[];
}

/** Affine int8 quantization: each slice maps [min(0,lo), max(0,hi)] onto [-128, 127]. */
export function quantizeInt8(values: ArrayLike<number>, dims: number[], axis?: number): QuantizedInt8 {
  const { count, sliceOf } = slicing(dims, axis);
  const lo = new Float64Array(count);
  const hi = new Float64Array(count);
  for (let i = 0; i < values.length; i++) {
    const s = sliceOf(i);
    const v = values[i] ?? 0;
    if (v < (lo[s] ?? 0)) lo[s] = v;
    if (v > (hi[s] ?? 0)) hi[s] = v;
  }
  const scale = Array.from(lo, (l, s) => ((hi[s] ?? 0) > l ? ((hi[s] ?? 0) - l) / 255 : 1));
  const zeroPoint = Array.from(lo, (l, s) => Math.max(-128, Math.min(127, Math.round(-128 - l / (scale[s] ?? 1)))));
  return { values: requantize(values, dims, axis, scale, zeroPoint), scale, zeroPoint };
}

function requantize(values: ArrayLike<number>, dims: number[], axis: number | undefined, scale: number[], zero: number[]): Int8Array {
  const { sliceOf } = slicing(dims, axis);
  const out = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const s = sliceOf(i);
    out[i] = Math.max(-128, Math.min(127, Math.round((values[i] ?? 0) / (scale[s] ?? 1)) + (zero[s] ?? 0)));
  }
  return out;
}

/** Which slice along `axis` each flat index belongs to (one slice when no axis). */
function slicing(dims: number[], axis: number | undefined): { count: number; sliceOf: (i: number) => number } {
  if (axis === undefined) return { count: 1, sliceOf: () => 0 };
  if (axis < 0 || axis >= dims.length) throw new Error(`quantization axis ${axis} is outside dims [${dims}]`);
  const size = dims[axis] ?? 1;
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  return { count: size, sliceOf: (i) => Math.floor(i / inner) % size };
}
