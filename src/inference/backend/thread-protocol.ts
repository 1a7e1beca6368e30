// Messages between the backend (main thread) and a session thread: one thread per onnxruntime session,
// so several sessions load at the same time (onnxruntime-node creates a session synchronously on the
// thread that asks). Tensors cross as typed arrays in onnxruntime's element types; no runtime objects.
import type { IoInfo, TensorFeed } from './types';
import { toFloat16Array } from './float16';

/** Element types the pipeline feeds (what makeWireTensor can produce). */
export type WireType = 'float32' | 'float16' | 'int64' | 'int32' | 'float64';

export interface WireTensor {
  type: WireType;
  /** float16 travels as its IEEE bits in a Uint16Array; int64 as a BigInt64Array. */
  data: Float32Array | Uint16Array | BigInt64Array | Int32Array | Float64Array;
  dims: number[];
}

/** What the thread opens, and how (plain session options: string/number/boolean values only). */
export interface ThreadStart {
  /** Absolute path of the .onnx file onnxruntime opens (the model's, or a cached optimized copy). */
  path: string;
  options: Record<string, unknown>;
}

export type ToThread =
  | { type: 'run'; id: number; feeds: Record<string, WireTensor>; outputs: string[] }
  | { type: 'release' };

export type FromThread =
  | { type: 'ready'; inputs: IoInfo[]; outputs: IoInfo[]; loadMs: number }
  | { type: 'failed'; reason: string }
  | { type: 'result'; id: number; outputs: Record<string, { data: Float32Array; dims: number[] }>; ms: number }
  | { type: 'error'; id: number; reason: string }
  | { type: 'released' };

/** `feed` in the input's declared element type; an unsupported type is an error naming it. */
export function makeWireTensor(type: string, feed: TensorFeed): WireTensor {
  const dims = feed.dims.slice();
  switch (type) {
    case 'float32':
      return { type, data: ownFloat32(feed.values), dims };
    case 'float16':
      return { type, data: toFloat16Array(feed.values), dims };
    case 'int64':
      return { type, data: BigInt64Array.from(Array.from(feed.values, (v) => BigInt(Math.round(v)))), dims };
    case 'int32':
      return { type, data: Int32Array.from(feed.values, (v) => Math.round(v)), dims };
    case 'float64':
      return { type, data: Float64Array.from(feed.values), dims };
    default:
      throw new Error(`unsupported input element type '${type}'`);
  }
}

/**
 * A Float32Array that owns its whole buffer: posting a view would copy the entire buffer behind it
 * (a latent that is a subarray of a batch output would drag the batch along).
 */
function ownFloat32(values: ArrayLike<number>): Float32Array {
  if (!(values instanceof Float32Array)) return Float32Array.from(values);
  return values.byteOffset === 0 && values.byteLength === values.buffer.byteLength ? values : values.slice();
}
