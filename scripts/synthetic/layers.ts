// Layer helpers for synthetic full-size models: a GraphBuilder plus a parameter counter, seeded
// random weights and one compute dtype. The graphs use only the standard opset-17 ops that
// torch.onnx / optimum exports contain (GroupNorm = Reshape + InstanceNormalization, exact GELU via
// Erf), so onnxruntime sees what it sees for a real SD-Turbo export.
import { attr, elemType, GraphBuilder, tensorValue, type DType } from '../lib/onnx-builder';

export type FloatType = 'float32' | 'float16';

export interface NetOptions {
  seed: number;
  /** How weights are stored on disk. */
  storage: FloatType;
  /**
   * Dtype the graph computes in. 'float16' = a real fp16 export (GPU providers); with storage
   * float16 and compute float32 each weight is stored fp16 behind a Cast (what runs on ORT's CPU).
   */
  compute: FloatType;
  /** Count parameters and build the graph without making weights (the model is not runnable). */
  countOnly?: boolean;
}

/** mulberry32: small, fast and deterministic; good enough for weights nobody reads. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Net {
  readonly b: GraphBuilder;
  /** Trainable parameters written so far (weights, biases, norm scales; not helper constants). */
  params = 0;
  private tensors = 0;

  constructor(name: string, readonly opts: NetOptions) {
    this.b = new GraphBuilder(name, 17);
  }

  get dtype(): FloatType {
    return this.opts.compute;
  }

  /** A parameter tensor, uniform in [-bound, bound] (or filled with `fill`), in the compute dtype. */
  param(prefix: string, dims: number[], bound: number, fill?: number): string {
    const count = dims.reduce((a, d) => a * d, 1);
    if (this.opts.countOnly) {
      this.params += count;
      return this.b.fresh(prefix);
    }
    const values = new Float32Array(count);
    if (fill !== undefined) values.fill(fill);
    else {
      const next = mulberry32(this.opts.seed * 7919 + this.tensors * 104729 + 1);
      for (let i = 0; i < count; i++) values[i] = (next() * 2 - 1) * bound;
    }
    this.tensors++;
    this.params += count;
    if (this.opts.compute === 'float16') return this.b.initializer(prefix, tensorValue('float16', dims, values));
    return this.b.weight(prefix, values, dims, { kind: this.opts.storage });
  }

  /** A helper constant in the compute dtype (not a parameter). */
  constant(values: number | number[], dims?: number[]): string {
    const arr = typeof values === 'number' ? [values] : values;
    const shape = dims ?? (typeof values === 'number' ? [] : [arr.length]);
    return this.b.initializer('k', tensorValue(this.opts.compute, shape, arr));
  }

  op(type: string, inputs: string[], attrs: Parameters<GraphBuilder['op']>[2] = {}): string {
    return this.b.op(type, inputs, attrs);
  }

  /** Casts `x` to the compute dtype when `from` differs. */
  toCompute(x: string, from: DType): string {
    return from === this.opts.compute ? x : this.op('Cast', [x], { to: attr.int(elemType(this.opts.compute)) });
  }

  /** Casts a compute-dtype value to `to` (graph outputs keep the export's I/O dtype). */
  fromCompute(x: string, to: FloatType): string {
    return to === this.opts.compute ? x : this.op('Cast', [x], { to: attr.int(elemType(to)) });
  }
}

// ---- layers ----

export function conv(n: Net, x: string, cin: number, cout: number, k: number, opts: { stride?: number; bias?: boolean } = {}): string {
  const bound = 1 / Math.sqrt(cin * k * k);
  const w = n.param('conv_w', [cout, cin, k, k], bound);
  const inputs = opts.bias === false ? [x, w] : [x, w, n.param('conv_b', [cout], bound)];
  const pad = Math.floor(k / 2);
  return n.op('Conv', inputs, {
    kernel_shape: attr.ints([k, k]),
    pads: attr.ints([pad, pad, pad, pad]),
    strides: attr.ints([opts.stride ?? 1, opts.stride ?? 1]),
  });
}

/** x [..., cin] → [..., cout] (MatMul + Add, as torch exports nn.Linear on a 3-D input). */
export function linear(n: Net, x: string, cin: number, cout: number, bias = true): string {
  const bound = 1 / Math.sqrt(cin);
  const y = n.op('MatMul', [x, n.param('linear_w', [cin, cout], bound)]);
  return bias ? n.op('Add', [y, n.param('linear_b', [cout], bound)]) : y;
}

/** GroupNorm over NCHW as torch exports it: Reshape → InstanceNormalization → Reshape → affine. */
export function groupNorm(n: Net, x: string, channels: number, eps: number, groups = 32): string {
  const grouped = n.op('Reshape', [x, n.b.i64([0, groups, -1])]);
  const normed = n.op('InstanceNormalization', [grouped, n.constant(new Array<number>(groups).fill(1)), n.constant(new Array<number>(groups).fill(0))], {
    epsilon: attr.float(eps),
  });
  const back = n.op('Reshape', [normed, n.op('Shape', [x])]);
  const gamma = n.param('gn_gamma', [channels, 1, 1], 0, 1);
  const beta = n.param('gn_beta', [channels, 1, 1], 0, 0);
  return n.op('Add', [n.op('Mul', [back, gamma]), beta]);
}

export function layerNorm(n: Net, x: string, channels: number, eps = 1e-5): string {
  const gamma = n.param('ln_gamma', [channels], 0, 1);
  const beta = n.param('ln_beta', [channels], 0, 0);
  return n.op('LayerNormalization', [x, gamma, beta], { axis: attr.int(-1), epsilon: attr.float(eps) });
}

export function silu(n: Net, x: string): string {
  return n.op('Mul', [x, n.op('Sigmoid', [x])]);
}

/** Exact GELU, x · ½ · (1 + erf(x / √2)), the pattern onnxruntime fuses into one Gelu kernel. */
export function gelu(n: Net, x: string): string {
  const erf = n.op('Erf', [n.op('Div', [x, n.constant(Math.SQRT2)])]);
  return n.op('Mul', [n.op('Mul', [x, n.op('Add', [erf, n.constant(1)])]), n.constant(0.5)]);
}

export interface AttentionSpec {
  /** Channels of the query stream and of the context (cross-attention) stream. */
  dim: number;
  contextDim: number;
  heads: number;
  /** Whether q/k/v projections have biases (CLIP and the VAE: yes; the UNet: no). */
  qkvBias: boolean;
  /** Additive mask [seq, seq] (causal text attention). */
  mask?: string;
}

/** Multi-head attention on [batch, seq, dim]; `context` defaults to `x` (self-attention). */
export function attention(n: Net, x: string, spec: AttentionSpec, context?: string): string {
  const headDim = spec.dim / spec.heads;
  const ctx = context ?? x;
  const q = linear(n, x, spec.dim, spec.dim, spec.qkvBias);
  const k = linear(n, ctx, spec.contextDim, spec.dim, spec.qkvBias);
  const v = linear(n, ctx, spec.contextDim, spec.dim, spec.qkvBias);
  const split = (t: string, perm: number[]): string =>
    n.op('Transpose', [n.op('Reshape', [t, n.b.i64([0, 0, spec.heads, headDim])])], { perm: attr.ints(perm) });
  const qh = split(q, [0, 2, 1, 3]);
  const kh = split(k, [0, 2, 3, 1]);
  const vh = split(v, [0, 2, 1, 3]);
  let scores = n.op('Mul', [n.op('MatMul', [qh, kh]), n.constant(1 / Math.sqrt(headDim))]);
  if (spec.mask) scores = n.op('Add', [scores, spec.mask]);
  const probs = n.op('Softmax', [scores], { axis: attr.int(-1) });
  const merged = n.op('Transpose', [n.op('MatMul', [probs, vh])], { perm: attr.ints([0, 2, 1, 3]) });
  const flat = n.op('Reshape', [merged, n.b.i64([0, 0, spec.dim])]);
  return linear(n, flat, spec.dim, spec.dim, true);
}

/** NCHW → [N, H·W, C] and back (the shapes a Transformer2D / VAE attention block works in). */
export function toTokens(n: Net, x: string, channels: number): string {
  const flat = n.op('Reshape', [x, n.b.i64([0, channels, -1])]);
  return n.op('Transpose', [flat], { perm: attr.ints([0, 2, 1]) });
}

export function fromTokens(n: Net, tokens: string, like: string): string {
  const chw = n.op('Transpose', [tokens], { perm: attr.ints([0, 2, 1]) });
  return n.op('Reshape', [chw, n.op('Shape', [like])]);
}

/** Nearest-neighbour ×2 (Resize with scales, as torch exports F.interpolate(scale_factor=2)). */
export function upsampleNearest(n: Net, x: string): string {
  return n.op('Resize', [x, '', n.b.f32([1, 1, 2, 2])], {
    mode: attr.string('nearest'),
    coordinate_transformation_mode: attr.string('asymmetric'),
    nearest_mode: attr.string('floor'),
  });
}
