// Reading and writing ONNX model files on disk (protobuf through onnx-proto), including external
// data (`model.onnx.data` / `model.onnx_data`, by location/offset/length). Tensor bytes are read on
// demand and written one tensor at a time, so converting a model never holds two copies of its
// weights. No onnxruntime here: this is plain file handling shared by the quantizer and scripts.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { errorMessage, throwIfAborted } from '../errors';
import { entryPathProblem, resolveInside } from '../safety/paths';
import { describeValue } from '../safety/ranges';
import { escapeTerminal } from '../safety/text';

export const DataType = onnx.TensorProto.DataType;

/** Bytes per element of the dtypes this module can move around (undefined: not supported). */
const ELEMENT_BYTES: Partial<Record<number, number>> = {
  [DataType.FLOAT]: 4, [DataType.UINT8]: 1, [DataType.INT8]: 1, [DataType.UINT16]: 2, [DataType.INT16]: 2,
  [DataType.INT32]: 4, [DataType.INT64]: 8, [DataType.BOOL]: 1, [DataType.FLOAT16]: 2, [DataType.DOUBLE]: 8,
  [DataType.UINT32]: 4, [DataType.UINT64]: 8, [DataType.BFLOAT16]: 2,
};

/** Protobuf's hard 2 GB message limit, with room for the graph itself. */
export const INLINE_LIMIT_BYTES = 1.8e9;

export class OnnxFileError extends Error {
  constructor(readonly file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'OnnxFileError';
  }
}

export function dataTypeName(type: number | null | undefined): string {
  const name = (DataType as unknown as Record<number, string | undefined>)[type ?? 0];
  return name ? name.toLowerCase() : `type ${String(type)}`;
}

export function dimsOf(tensor: onnx.ITensorProto): number[] {
  return (tensor.dims ?? []).map((d) => Number(d));
}

export function elementCount(tensor: onnx.ITensorProto): number {
  return dimsOf(tensor).reduce((a, b) => a * b, 1);
}

export function elementBytes(type: number | null | undefined): number | undefined {
  return ELEMENT_BYTES[type ?? 0];
}

/** Byte size of the tensor's data; throws for dtypes that have no fixed size (strings). */
export function tensorByteLength(tensor: onnx.ITensorProto, file = ''): number {
  const size = elementBytes(tensor.dataType);
  if (size === undefined) throw new OnnxFileError(file, `tensor '${tensor.name ?? ''}' has unsupported dtype ${dataTypeName(tensor.dataType)}`);
  return elementCount(tensor) * size;
}

function externalEntry(tensor: onnx.ITensorProto, key: string): string | undefined {
  return tensor.externalData?.find((e) => e.key === key)?.value ?? undefined;
}

export function isExternal(tensor: onnx.ITensorProto): boolean {
  return tensor.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL;
}

/**
 * An external tensor's data file, relative to the model's folder. The model file is not ours: the
 * location passes the one path rule (plain segments, no "..", not absolute) like a hub listing.
 */
function externalLocation(tensor: onnx.ITensorProto, file: string): string {
  const location = externalEntry(tensor, 'location');
  const problem = entryPathProblem(location);
  if (problem) {
    throw new OnnxFileError(file, `tensor '${escapeTerminal(tensor.name ?? '')}' has an unsafe external data location ${escapeTerminal(describeValue(location))} (${problem})`);
  }
  return location as string;
}

/** A byte count or offset from external data entries: a whole number written in decimal digits. */
function externalNumber(tensor: onnx.ITensorProto, key: 'offset' | 'length', fallback: number, file: string): number {
  const text = externalEntry(tensor, key);
  if (text === undefined) return fallback;
  const value = /^[0-9]{1,16}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value)) {
    throw new OnnxFileError(file, `tensor '${escapeTerminal(tensor.name ?? '')}' has external data ${key} ${escapeTerminal(describeValue(text))}; valid: a whole number of bytes`);
  }
  return value;
}

/** An ONNX file opened for reading: the decoded graph plus on-demand access to tensor data. */
export class OnnxSource {
  private readonly handles = new Map<string, Promise<fs.FileHandle>>();

  private constructor(readonly file: string, readonly model: onnx.ModelProto) {}

  static async open(file: string): Promise<OnnxSource> {
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(file);
    } catch (error) {
      throw new OnnxFileError(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    try {
      // Decoding a Buffer keeps raw_data as views into it (no copy of the weights).
      return new OnnxSource(file, onnx.ModelProto.decode(bytes));
    } catch (error) {
      throw new OnnxFileError(file, `is not a valid ONNX model (${errorMessage(error)})`);
    }
  }

  get graph(): onnx.GraphProto {
    if (!this.model.graph) throw new OnnxFileError(this.file, 'has no graph');
    return this.model.graph as onnx.GraphProto;
  }

  /** Distinct external data files (relative to the model's folder) that the initializers use. */
  externalFiles(): string[] {
    const files = new Set<string>();
    for (const t of this.graph.initializer) {
      if (isExternal(t)) files.add(externalLocation(t, this.file));
    }
    return [...files];
  }

  /** Raw little-endian bytes of a tensor in its own dtype, wherever the file keeps them. */
  async bytesOf(tensor: onnx.ITensorProto): Promise<Uint8Array> {
    const length = tensorByteLength(tensor, this.file);
    if (isExternal(tensor)) return this.readExternal(tensor, length);
    if (tensor.rawData && tensor.rawData.byteLength > 0) {
      if (tensor.rawData.byteLength !== length) {
        throw new OnnxFileError(this.file, `tensor '${tensor.name ?? ''}' has ${tensor.rawData.byteLength} bytes of raw_data, expected ${length}`);
      }
      return tensor.rawData;
    }
    return typedFieldBytes(tensor, length, this.file);
  }

  private async readExternal(tensor: onnx.ITensorProto, expected: number): Promise<Uint8Array> {
    const location = externalLocation(tensor, this.file);
    const offset = externalNumber(tensor, 'offset', 0, this.file);
    const length = externalNumber(tensor, 'length', expected, this.file);
    if (length !== expected) throw new OnnxFileError(this.file, `tensor '${tensor.name ?? ''}' declares ${length} external bytes, expected ${expected}`);
    const dataFile = resolveInside(path.dirname(this.file), location, this.file);
    let handle = this.handles.get(location);
    if (!handle) {
      handle = fs.open(dataFile, 'r');
      this.handles.set(location, handle);
      // A file that fails to open is reported below by this read; close() must not see it again.
      handle.catch(() => this.handles.delete(location));
    }
    const out = new Uint8Array(length);
    let done = 0;
    try {
      const h = await handle;
      while (done < length) {
        const { bytesRead } = await h.read(out, done, length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
    } catch (error) {
      throw new OnnxFileError(dataFile, `cannot read external data for '${tensor.name ?? ''}' (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    if (done !== length) throw new OnnxFileError(dataFile, `ends before the ${length} bytes of '${tensor.name ?? ''}' at offset ${offset}`);
    return out;
  }

  /** Fails like a read would when an external tensor lies outside its data file (checks sizes only). */
  async checkExternalData(): Promise<void> {
    const sizes = new Map<string, number>();
    for (const t of this.graph.initializer.filter(isExternal)) {
      // The same rules as a read: the location passes the path rule, offset and length are whole numbers.
      const location = externalLocation(t, this.file);
      const dataFile = resolveInside(path.dirname(this.file), location, this.file);
      let size = sizes.get(location);
      if (size === undefined) {
        size = await fs.stat(dataFile).then((st) => st.size, (error: NodeJS.ErrnoException) => {
          throw new OnnxFileError(dataFile, `cannot read external data for '${t.name ?? ''}' (${error.code ?? String(error)})`);
        });
        sizes.set(location, size);
      }
      const offset = externalNumber(t, 'offset', 0, this.file);
      const length = externalNumber(t, 'length', tensorByteLength(t, this.file), this.file);
      if (offset + length > size) throw new OnnxFileError(dataFile, `ends before the ${length} bytes of '${t.name ?? ''}' at offset ${offset}`);
    }
  }

  async close(): Promise<void> {
    const handles = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(handles.map(async (h) => (await h).close()));
  }
}

/** Tensor data kept in the typed repeated fields (float_data, int32_data, …) as raw bytes. */
function typedFieldBytes(tensor: onnx.ITensorProto, length: number, file: string): Uint8Array {
  const count = elementCount(tensor);
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  const T = DataType;
  const need = (values: ArrayLike<unknown> | null | undefined, field: string): ArrayLike<unknown> => {
    if (count === 0) return [];
    if (!values || values.length !== count) {
      throw new OnnxFileError(file, `tensor '${tensor.name ?? ''}' has ${values?.length ?? 0} values in ${field}, expected ${count}`);
    }
    return values;
  };
  switch (tensor.dataType) {
    case T.FLOAT: { const v = need(tensor.floatData, 'float_data'); for (let i = 0; i < count; i++) view.setFloat32(i * 4, Number(v[i]), true); break; }
    case T.DOUBLE: { const v = need(tensor.doubleData, 'double_data'); for (let i = 0; i < count; i++) view.setFloat64(i * 8, Number(v[i]), true); break; }
    case T.INT64: { const v = need(tensor.int64Data, 'int64_data'); for (let i = 0; i < count; i++) view.setBigInt64(i * 8, BigInt(Number(v[i])), true); break; }
    case T.UINT64: case T.UINT32: {
      const v = need(tensor.uint64Data, 'uint64_data');
      const size = tensor.dataType === T.UINT32 ? 4 : 8;
      for (let i = 0; i < count; i++) size === 4 ? view.setUint32(i * 4, Number(v[i]), true) : view.setBigUint64(i * 8, BigInt(Number(v[i])), true);
      break;
    }
    default: {
      // int32_data carries int32, int16, int8, uint16, uint8, bool, float16 and bfloat16 (as bit patterns).
      const v = need(tensor.int32Data, 'int32_data');
      const size = length / Math.max(1, count);
      for (let i = 0; i < count; i++) {
        const n = Number(v[i]);
        if (size === 4) view.setInt32(i * 4, n, true);
        else if (size === 2) view.setUint16(i * 2, n & 0xffff, true);
        else out[i] = n & 0xff;
      }
    }
  }
  return out;
}

/** float32 values of a FLOAT tensor's bytes (copies when the bytes are not 4-aligned). */
export function asFloat32(bytes: Uint8Array): Float32Array {
  if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return new Float32Array(new Uint8Array(bytes).buffer); // a fresh copy: Buffer.slice would be a view
}

/** Uint16 view (fp16 bit patterns), copying when unaligned. */
export function asUint16(bytes: Uint8Array): Uint16Array {
  if (bytes.byteOffset % 2 === 0) return new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
  return new Uint16Array(new Uint8Array(bytes).buffer);
}

export function bytesOfView(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

// ---------------------------------------------------------------- writing

/** An initializer of the model being written: its header, and its bytes made when written. */
export interface PendingTensor {
  /** name, dims, dataType (data fields are ignored). */
  header: onnx.ITensorProto;
  byteLength: number;
  bytes(): Promise<Uint8Array>;
}

export interface WriteOptions {
  /** true: weights go to `<file>.data`; 'auto': only when the model would pass protobuf's limit. */
  external: boolean | 'auto';
  /** Tensors smaller than this stay inside the model file when writing external data. */
  externalMinBytes?: number;
  /** Alignment of each tensor in the data file (lets onnxruntime map it). */
  align?: number;
  /** Called after each tensor is written, with bytes written so far. */
  onTensor?: (written: number, total: number) => void;
  signal?: AbortSignal;
}

export interface WriteResult {
  modelBytes: number;
  dataBytes: number;
  dataFile?: string;
}

/**
 * Writes `model` (whose graph initializers are replaced by `tensors`) to `file`. With external
 * data each large tensor is made, appended to the data file and dropped before the next one.
 */
export async function writeOnnx(file: string, model: onnx.IModelProto, tensors: PendingTensor[], opts: WriteOptions): Promise<WriteResult> {
  const total = tensors.reduce((a, t) => a + t.byteLength, 0);
  const external = opts.external === 'auto' ? total > INLINE_LIMIT_BYTES : opts.external;
  const minBytes = opts.externalMinBytes ?? 1024;
  const align = opts.align ?? 4096;
  const location = `${path.basename(file)}.data`;
  const initializer: onnx.ITensorProto[] = [];
  let written = 0;
  let offset = 0;
  const handle = external ? await fs.open(path.join(path.dirname(file), location), 'w') : undefined;
  try {
    for (const t of tensors) {
      throwIfAborted(opts.signal, `Writing ${file} cancelled.`);
      const bytes = await t.bytes();
      if (bytes.byteLength !== t.byteLength) throw new OnnxFileError(file, `tensor '${t.header.name ?? ''}' produced ${bytes.byteLength} bytes, expected ${t.byteLength}`);
      const header = { name: t.header.name, dims: t.header.dims, dataType: t.header.dataType, docString: t.header.docString };
      if (handle && bytes.byteLength >= minBytes) {
        offset += (align - (offset % align)) % align;
        await writeAll(handle, bytes, offset);
        initializer.push({
          ...header,
          dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
          externalData: [{ key: 'location', value: location }, { key: 'offset', value: String(offset) }, { key: 'length', value: String(bytes.byteLength) }],
        });
        offset += bytes.byteLength;
      } else {
        initializer.push({ ...header, rawData: bytes });
      }
      written += t.byteLength;
      opts.onTensor?.(written, total);
    }
  } finally {
    await handle?.close();
  }
  if (handle && offset === 0) await fs.rm(path.join(path.dirname(file), location));
  const encoded = onnx.ModelProto.encode({ ...model, graph: { ...model.graph, initializer } }).finish();
  await fs.writeFile(file, encoded);
  return { modelBytes: encoded.byteLength, dataBytes: offset, dataFile: handle && offset > 0 ? location : undefined };
}

async function writeAll(handle: fs.FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done, position + done);
    done += bytesWritten;
  }
}

/** The source initializer unchanged, read when written. */
export function passThrough(source: OnnxSource, tensor: onnx.ITensorProto): PendingTensor {
  return { header: tensor, byteLength: tensorByteLength(tensor, source.file), bytes: () => source.bytesOf(tensor) };
}
