// The inputs and outputs of an ONNX file without onnxruntime and without reading its weights: the
// protobuf is walked key by key and every large field (weights inline in the file) is skipped by its
// length, so a 200 MB decoder costs a few hundred small reads. The pipeline opens the full VAE only
// when a decode needs it; this lets the model load still name a broken or mismatched vae_decoder/.
import { promises as fs } from 'node:fs';
import { onnx } from 'onnx-proto';
import type { IoInfo } from '../backend/types';
import { errorMessage } from '../errors';

/** The file is not a readable ONNX protobuf (onnxruntime says "Protobuf parsing failed" for the same files). */
export class OnnxParseError extends Error {
  constructor(problem: string) {
    super(`Protobuf parsing failed: ${problem}`);
    this.name = 'OnnxParseError';
  }
}

const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const GRAPH_INPUT = 11;
const GRAPH_OUTPUT = 12;
const TENSOR_NAME = 8;
/** A ValueInfoProto is a name and a type; anything bigger is not one. */
const MAX_VALUE_INFO_BYTES = 1024 * 1024;
const MAX_NAME_BYTES = 64 * 1024;
const CHUNK = 64 * 1024;

/** onnxruntime's names for ONNX element types (the IoInfo.type the signature check compares). */
const ORT_TYPE_NAMES: Partial<Record<number, string>> = {
  [onnx.TensorProto.DataType.FLOAT]: 'float32', [onnx.TensorProto.DataType.FLOAT16]: 'float16',
  [onnx.TensorProto.DataType.DOUBLE]: 'float64', [onnx.TensorProto.DataType.BFLOAT16]: 'bfloat16',
  [onnx.TensorProto.DataType.INT64]: 'int64', [onnx.TensorProto.DataType.INT32]: 'int32',
  [onnx.TensorProto.DataType.INT16]: 'int16', [onnx.TensorProto.DataType.INT8]: 'int8',
  [onnx.TensorProto.DataType.UINT64]: 'uint64', [onnx.TensorProto.DataType.UINT32]: 'uint32',
  [onnx.TensorProto.DataType.UINT16]: 'uint16', [onnx.TensorProto.DataType.UINT8]: 'uint8',
  [onnx.TensorProto.DataType.BOOL]: 'bool', [onnx.TensorProto.DataType.STRING]: 'string',
};

/** Positioned reads through one cached chunk (keys and lengths are read a few bytes at a time). */
class ChunkReader {
  private chunkStart = -1;
  private chunk = Buffer.alloc(0);

  constructor(private readonly fh: fs.FileHandle, readonly size: number) {}

  async byteAt(pos: number): Promise<number> {
    if (pos < this.chunkStart || pos >= this.chunkStart + this.chunk.length) {
      const length = Math.min(CHUNK, this.size - pos);
      if (length <= 0) throw new OnnxParseError(`the file ends at byte ${this.size} inside a field`);
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await this.fh.read(buffer, 0, length, pos);
      this.chunk = buffer.subarray(0, bytesRead);
      this.chunkStart = pos;
      if (bytesRead === 0) throw new OnnxParseError(`the file ends at byte ${pos} inside a field`);
    }
    return this.chunk[pos - this.chunkStart] as number;
  }

  async bytes(pos: number, length: number): Promise<Buffer> {
    if (pos + length > this.size) throw new OnnxParseError(`a field at byte ${pos} runs past the end of the file`);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await this.fh.read(buffer, 0, length, pos);
    if (bytesRead !== length) throw new OnnxParseError(`short read at byte ${pos}`);
    return buffer;
  }

  /** A base-128 varint at `pos`: its value (exact up to 2^53) and the position after it. */
  async varint(pos: number): Promise<[number, number]> {
    let value = 0;
    let factor = 1;
    for (let i = 0; i < 10; i++) {
      const byte = await this.byteAt(pos + i);
      value += (byte & 0x7f) * factor;
      factor *= 128;
      if ((byte & 0x80) === 0) return [value, pos + i + 1];
    }
    throw new OnnxParseError(`a varint at byte ${pos} is longer than 10 bytes`);
  }
}

type Visit = (field: number, start: number, length: number) => Promise<void>;

/** Walks the fields of the message in [start, end), calling `visit` for each length-delimited one. */
async function walk(r: ChunkReader, start: number, end: number, visit: Visit): Promise<void> {
  let pos = start;
  while (pos < end) {
    const [key, afterKey] = await r.varint(pos);
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field === 0) throw new OnnxParseError(`field number 0 at byte ${pos}`);
    if (wire === 0) pos = (await r.varint(afterKey))[1];
    else if (wire === 1) pos = afterKey + 8;
    else if (wire === 5) pos = afterKey + 4;
    else if (wire === 2) {
      const [length, dataStart] = await r.varint(afterKey);
      if (dataStart + length > end) throw new OnnxParseError(`field ${field} at byte ${pos} runs past its message`);
      await visit(field, dataStart, length);
      pos = dataStart + length;
    } else {
      throw new OnnxParseError(`wire type ${wire} at byte ${pos}`);
    }
    if (pos > end) throw new OnnxParseError(`a field at byte ${pos} runs past its message`);
  }
}

function toIoInfo(info: onnx.ValueInfoProto): IoInfo {
  const tensor = info.type?.tensorType;
  if (!tensor) return { name: info.name, type: 'non-tensor', shape: [] };
  const elem = tensor.elemType ?? 0;
  const type = ORT_TYPE_NAMES[elem] ?? `type ${elem}`;
  const shape = (tensor.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : d.dimValue !== undefined && d.dimValue !== null ? Number(d.dimValue) : '?'));
  return { name: info.name, type, shape };
}

async function valueInfo(r: ChunkReader, start: number, length: number): Promise<IoInfo> {
  if (length > MAX_VALUE_INFO_BYTES) throw new OnnxParseError(`a graph input or output at byte ${start} is ${length} bytes`);
  try {
    return toIoInfo(onnx.ValueInfoProto.decode(await r.bytes(start, length)));
  } catch (error) {
    if (error instanceof OnnxParseError) throw error;
    throw new OnnxParseError(`a graph input or output at byte ${start}: ${errorMessage(error)}`);
  }
}

/**
 * The graph inputs (without initializers listed as inputs, as onnxruntime reports them) and outputs
 * of the ONNX file at `file`. Throws OnnxParseError for a file that is not an ONNX model.
 */
export async function readOnnxSignature(file: string): Promise<{ inputs: IoInfo[]; outputs: IoInfo[] }> {
  const fh = await fs.open(file, 'r');
  try {
    const r = new ChunkReader(fh, (await fh.stat()).size);
    if (r.size === 0) throw new OnnxParseError('the file is empty');
    const inputs: IoInfo[] = [];
    const outputs: IoInfo[] = [];
    const initializers = new Set<string>();
    let graphs = 0;
    await walk(r, 0, r.size, async (field, start, length) => {
      if (field !== MODEL_GRAPH) return;
      graphs++;
      await walk(r, start, start + length, async (gField, gStart, gLength) => {
        if (gField === GRAPH_INPUT) inputs.push(await valueInfo(r, gStart, gLength));
        else if (gField === GRAPH_OUTPUT) outputs.push(await valueInfo(r, gStart, gLength));
        else if (gField === GRAPH_INITIALIZER) {
          await walk(r, gStart, gStart + gLength, async (tField, tStart, tLength) => {
            if (tField === TENSOR_NAME && tLength <= MAX_NAME_BYTES) initializers.add((await r.bytes(tStart, tLength)).toString('utf8'));
          });
        }
      });
    });
    if (graphs === 0) throw new OnnxParseError('the file has no graph');
    return { inputs: inputs.filter((i) => !initializers.has(i.name)), outputs };
  } finally {
    await fh.close();
  }
}
