// The three graphs of the ORACLE model (see test/fixtures/README.md for the maths):
// text encoder: colour words → [fg rgb, bg rgb, hasFg, hasBg, 0…] at every sequence position;
// UNet: returns exactly the eps (or v) that makes the denoised latent equal the target x0;
// VAE decoder: linear 1×1 conv + nearest ×8 upsample, so decode(x0 / scaling) = 2·rgb − 1;
// VAE encoder (optional): 8×8 average + the inverse 1×1 conv, so encode(decode(latent)) = latent.
// Image-to-image variants add `pull` (the UNet's x0 estimate goes only that far from its input to
// the target) and `latentScale` (latents × K, so the diffusion noise is negligible next to them).
import { attr, elemType, GraphBuilder, type DType, type Dim, type WeightStorage } from './onnx-builder';

export interface OracleColour {
  name: string;
  /** CLIP token ids of the word: one id, or two for words BPE splits (cyan = cy + an</w>). */
  ids: [number] | [number, number];
  rgb: [number, number, number];
}

export interface OracleSpec {
  colours: OracleColour[];
  /** Colour for "no colour word" (0..255). */
  grey: [number, number, number];
  hiddenSize: number;
  /** 3×3 row-major mix the VAE applies to latent channels 0..2 (before the scaling factor). */
  vaeMix: number[];
  /** Weight on latent channel 3 (the target has 0 there; a pipeline that leaves noise there is off). */
  vaeChannel3: number;
  scalingFactor: number;
  /** sigma(t) for t = 0..num_train_timesteps−1. */
  sigmas: Float64Array;
  predictionType: 'epsilon' | 'v_prediction';
  /** Float dtype of every float input/output (fp16 models take and give float16). */
  floatType: 'float32' | 'float16';
  inputIdsType: 'int32' | 'int64';
  timestep: { dtype: 'float32' | 'float16' | 'int64'; shape: Dim[] };
  /** Storage of the colour table, VAE weight and UNet constants. */
  storage: { colourTable: WeightStorage; vae: WeightStorage; unet: WeightStorage };
  /** Disc radius as a fraction of min(h, w) of the latent. */
  discRadius: number;
  /**
   * μ: the x0 estimate is (1 − μ)·z + μ·target with z = √(1 + σ²)·x_in, the clean-space sample the
   * UNet sees. 1 (default) predicts the target exactly, whatever the input.
   */
  pull?: number;
  /** K: every latent (target, encoder output) is K × A⁻¹(2·rgb − 1) and the decoders divide by K (default 1). */
  latentScale?: number;
  /** Write vae_encoder/ with this output ('latent_parameters': mean ‖ log-variance, as current optimum exports). */
  encoderOutput?: 'latent_parameters' | 'latent_sample';
  /** Write vae_encoder_tiny/ and vae_decoder_tiny/ (AutoencoderTiny layout, scaling_factor 1). */
  tinyAutoencoder?: boolean;
  /** Write only vae_decoder_tiny/ (AutoencoderTiny, scaling_factor 1) beside the plain oracle. */
  tinyDecoder?: boolean;
  /**
   * Gain of the tiny decoder's output around mid-grey (default 1: the same colours as the full VAE).
   * Below 1 the tiny decoder renders every colour pulled towards grey, so a test can tell its pixels
   * from the full VAE's.
   */
  tinyDecoderGain?: number;
}

const SEQ = 'sequence';

function castTo(b: GraphBuilder, value: string, from: DType, to: DType): string {
  return from === to ? value : b.op('Cast', [value], { to: attr.int(elemType(to)) });
}

/** Invert a row-major 3×3 matrix (float64). */
export function invert3(m: number[]): number[] {
  const [a = 0, bb = 0, c = 0, d = 0, e = 0, f = 0, g = 0, h = 0, i = 0] = m;
  const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  const det = a * A + bb * B + c * C;
  if (Math.abs(det) < 1e-9) throw new Error('vaeMix is singular');
  const inv = [A, -(bb * i - c * h), bb * f - c * e, B, a * i - c * g, -(a * f - c * d), C, -(a * h - bb * g), a * e - bb * d];
  return inv.map((v) => v / det);
}

/** The target latent (4 channels) for an sRGB colour 0..255: K·A⁻¹(2·rgb/255 − 1), channel 3 = 0. */
export function targetLatent(spec: OracleSpec, rgb: readonly number[]): number[] {
  const inv = invert3(spec.vaeMix);
  const K = spec.latentScale ?? 1;
  const x = [0, 1, 2].map((c) => (2 * (rgb[c] ?? 0)) / 255 - 1);
  const lat = [0, 1, 2].map((r) => K * ((inv[r * 3] ?? 0) * (x[0] ?? 0) + (inv[r * 3 + 1] ?? 0) * (x[1] ?? 0) + (inv[r * 3 + 2] ?? 0) * (x[2] ?? 0)));
  return [...lat, 0];
}

// ---------------------------------------------------------------- text encoder

export function buildTextEncoder(spec: OracleSpec): GraphBuilder {
  const b = new GraphBuilder('oracle_text_encoder');
  const D = spec.hiddenSize;
  const K = spec.colours.length;
  const rawIds = b.input('input_ids', spec.inputIdsType, ['batch', SEQ]);
  const ids = castTo(b, rawIds, spec.inputIdsType, 'int64');
  // next[i] = ids[i+1] (−1 past the end) so two-token colour words can be matched as a pair.
  const tail = b.op('Slice', [ids, b.i64([1]), b.i64([2 ** 53 - 1]), b.i64([1])]);
  const next = b.op('Pad', [tail, b.i64([0, 0, 0, 1]), b.i64(-1)]);
  const ids3 = b.op('Unsqueeze', [ids, b.i64([2])]);
  const next3 = b.op('Unsqueeze', [next, b.i64([2])]);
  const firstIds = b.i64(spec.colours.map((c) => c.ids[0]));
  const secondIds = b.i64(spec.colours.map((c) => c.ids[1] ?? -2));
  const single = b.initializer('single_token', { dtype: 'bool', dims: [K], data: Uint8Array.from(spec.colours.map((c) => (c.ids.length === 1 ? 1 : 0))) });
  const hitFirst = b.op('Equal', [ids3, firstIds]);
  const hitSecond = b.op('Or', [b.op('Equal', [next3, secondIds]), single]);
  // match[b, i, k] = 1 where a colour word k starts at position i.
  const match = castTo(b, b.op('And', [hitFirst, hitSecond]), 'bool', 'float32');
  const isColour = b.op('ReduceSum', [match, b.i64([2])], { keepdims: attr.int(1) });
  const count = b.op('CumSum', [isColour, b.i64(1)]);
  const nth = (n: number): string => {
    const at = castTo(b, b.op('Equal', [count, b.f32(n)]), 'bool', 'float32');
    return b.op('ReduceSum', [b.op('Mul', [match, at]), b.i64([1])], { keepdims: attr.int(0) }, `colour${n}`);
  };
  const first = nth(1);
  const second = nth(2);
  const table = b.weight('colour_table', spec.colours.flatMap((c) => c.rgb.map((v) => v / 255)), [K, 3], spec.storage.colourTable);
  const one = b.f32(1);
  const present = (onehot: string): string => b.op('ReduceSum', [onehot, b.i64([1])], { keepdims: attr.int(1) });
  const pick = (onehot: string, fallback: string): [string, string] => {
    const has = present(onehot);
    const rgb = b.op('Add', [b.op('MatMul', [onehot, table]), b.op('Mul', [b.op('Sub', [one, has]), fallback])]);
    return [rgb, has];
  };
  const [fg, hasFg] = pick(first, b.f32(spec.grey.map((v) => v / 255)));
  const [bg, hasBg] = pick(second, fg);
  const e8 = b.op('Concat', [fg, bg, hasFg, hasBg], { axis: attr.int(1) });
  const embedding = b.op('Pad', [e8, b.i64([0, 0, 0, D - 8])]);
  const seqShape = b.op('Concat', [b.op('Shape', [ids]), b.i64([D])], { axis: attr.int(0) });
  const hidden = b.op('Expand', [b.op('Unsqueeze', [embedding, b.i64([1])]), seqShape]);
  b.outputFrom(castTo(b, hidden, 'float32', spec.floatType), 'last_hidden_state', spec.floatType, ['batch', SEQ, D]);
  b.outputFrom(castTo(b, embedding, 'float32', spec.floatType), 'pooler_output', spec.floatType, ['batch', D]);
  return b;
}

// ---------------------------------------------------------------- UNet

/** sigma(t) by linear interpolation in the baked table; t of shape [], [1] or [batch] → [n,1,1,1]. */
function sigmaOf(b: GraphBuilder, spec: OracleSpec, timestep: string): string {
  const T = spec.sigmas.length;
  const t = b.op('Reshape', [castTo(b, timestep, spec.timestep.dtype, 'float32'), b.i64([-1])]);
  const tc = b.op('Clip', [t, b.f32(0), b.f32(T - 1)]);
  const lo = b.op('Min', [b.op('Floor', [tc]), b.f32(T - 2)]);
  const frac = b.op('Sub', [tc, lo]);
  const loIdx = castTo(b, lo, 'float32', 'int64');
  const hiIdx = b.op('Add', [loIdx, b.i64(1)]);
  const table = b.weight('sigmas', Float32Array.from(spec.sigmas), [T], spec.storage.unet);
  const sLo = b.op('Gather', [table, loIdx], { axis: attr.int(0) });
  const sHi = b.op('Gather', [table, hiIdx], { axis: attr.int(0) });
  const sigma = b.op('Add', [sLo, b.op('Mul', [frac, b.op('Sub', [sHi, sLo])])]);
  return b.op('Reshape', [sigma, b.i64([-1, 1, 1, 1])], {}, 'sigma');
}

/** Centred disc mask [h, w] of the latent: 1 inside radius·min(h, w), else 0. */
function discMask(b: GraphBuilder, spec: OracleSpec, sample: string): string {
  const shape = b.op('Shape', [sample]);
  const dimF = (axis: number): string => castTo(b, b.op('Gather', [shape, b.i64(axis)], { axis: attr.int(0) }), 'int64', 'float32');
  const h = dimF(2);
  const w = dimF(3);
  const centred = (n: string): string => {
    const r = b.op('Range', [b.f32(0), n, b.f32(1)]);
    return b.op('Sub', [b.op('Add', [r, b.f32(0.5)]), b.op('Mul', [n, b.f32(0.5)])]);
  };
  const y = centred(h);
  const x = centred(w);
  const y2 = b.op('Unsqueeze', [b.op('Mul', [y, y]), b.i64([1])]);
  const d2 = b.op('Add', [y2, b.op('Mul', [x, x])]);
  const radius = b.op('Mul', [b.op('Min', [h, w]), b.f32(spec.discRadius)]);
  return castTo(b, b.op('Less', [d2, b.op('Mul', [radius, radius])]), 'bool', 'float32');
}

/** Target latent x0 [batch, 4, h, w] from the text embedding (fg inside the disc, bg outside). */
function targetX0(b: GraphBuilder, spec: OracleSpec, hidden: string, sample: string): string {
  const D = spec.hiddenSize;
  const emb = b.op('ReduceMean', [hidden], { axes: attr.ints([1]), keepdims: attr.int(0) });
  const inv = invert3(spec.vaeMix);
  const K = spec.latentScale ?? 1;
  // latent = K·A⁻¹(2·rgb − 1): as a row-vector product rgb · (2K·A⁻¹)ᵀ + (−K·A⁻¹·1).
  const project = (offset: number, name: string): string => {
    const P = new Float32Array(D * 4);
    for (let c = 0; c < 3; c++) for (let r = 0; r < 3; r++) P[(offset + c) * 4 + r] = 2 * K * (inv[r * 3 + c] ?? 0);
    const bias = [0, 1, 2].map((r) => -K * ((inv[r * 3] ?? 0) + (inv[r * 3 + 1] ?? 0) + (inv[r * 3 + 2] ?? 0)));
    const lat = b.op('Add', [b.op('MatMul', [emb, b.weight(`${name}_proj`, P, [D, 4], spec.storage.unet)]), b.f32([...bias, 0])]);
    return b.op('Reshape', [lat, b.i64([-1, 4, 1, 1])], {}, name);
  };
  const fg = project(0, 'fg_latent');
  const bg = project(3, 'bg_latent');
  const mask = discMask(b, spec, sample);
  return b.op('Add', [bg, b.op('Mul', [mask, b.op('Sub', [fg, bg])])], {}, 'x0');
}

export function buildUnet(spec: OracleSpec): GraphBuilder {
  const b = new GraphBuilder('oracle_unet');
  const ft = spec.floatType;
  const sampleIn = b.input('sample', ft, ['batch', 4, 'height', 'width']);
  const timestep = b.input('timestep', spec.timestep.dtype, spec.timestep.shape);
  const hiddenIn = b.input('encoder_hidden_states', ft, ['batch', SEQ, spec.hiddenSize]);
  const xIn = castTo(b, sampleIn, ft, 'float32');
  const hidden = castTo(b, hiddenIn, ft, 'float32');
  const sigma = sigmaOf(b, spec, timestep);
  const x0 = targetX0(b, spec, hidden, xIn);
  // x_in = (x0 + σ·eps)/k with k = sqrt(1 + σ²)  ⇒  eps = (k·x_in − x0)/σ.
  const k = b.op('Sqrt', [b.op('Add', [b.f32(1), b.op('Mul', [sigma, sigma])])]);
  const z = b.op('Mul', [k, xIn]);
  const pull = spec.pull ?? 1;
  // With μ < 1 the estimate is x0' = (1 − μ)·z + μ·x0, i.e. eps = μ·(z − x0)/σ.
  const full = b.op('Div', [b.op('Sub', [z, x0]), sigma], {}, pull === 1 ? 'eps' : 'eps_full');
  const eps = pull === 1 ? full : b.op('Mul', [full, b.f32(pull)], {}, 'eps');
  const estimate = pull === 1 ? x0 : b.op('Sub', [z, b.op('Mul', [sigma, eps])], {}, 'x0_estimate');
  // v = sqrt(ᾱ)·eps − sqrt(1−ᾱ)·x0 = (eps − σ·x0)/k.
  const out = spec.predictionType === 'epsilon' ? eps : b.op('Div', [b.op('Sub', [eps, b.op('Mul', [sigma, estimate])]), k], {}, 'v');
  b.outputFrom(castTo(b, out, 'float32', ft), 'out_sample', ft, ['batch', 4, 'height', 'width']);
  return b;
}

// ---------------------------------------------------------------- VAE decoder

/** The decoder of the full VAE (scaling = the variant's scaling_factor) or of the tiny one (scaling 1). */
/**
 * The decoder: 1×1 conv with scaling·[A | channel3], nearest ×8. `range` is what black and white come
 * out as: [-1, 1] (diffusers) or [0, 1] (a raw TAESD decoder), by an affine map folded into the conv.
 */
export function buildVaeDecoder(spec: OracleSpec, scaling = spec.scalingFactor, name = 'oracle_vae_decoder', range: readonly [number, number] = [-1, 1]): GraphBuilder {
  const b = new GraphBuilder(name);
  const ft = spec.floatType;
  const latent = castTo(b, b.input('latent_sample', ft, ['batch', 4, 'latent_height', 'latent_width']), ft, 'float32');
  const gain = (range[1] - range[0]) / 2;
  const offset = (range[1] + range[0]) / 2;
  const s = (gain * scaling) / (spec.latentScale ?? 1);
  const W = new Float32Array(12);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) W[r * 4 + c] = s * (spec.vaeMix[r * 3 + c] ?? 0);
    W[r * 4 + 3] = s * spec.vaeChannel3;
  }
  const weight = b.weight('conv_weight', W, [3, 4, 1, 1], spec.storage.vae);
  const inputs = offset === 0 ? [latent, weight] : [latent, weight, b.f32([offset, offset, offset])];
  const rgb = b.op('Conv', inputs, { kernel_shape: attr.ints([1, 1]) });
  const up = b.op('Resize', [rgb, '', b.f32([1, 1, 8, 8])], {
    mode: attr.string('nearest'),
    coordinate_transformation_mode: attr.string('asymmetric'),
    nearest_mode: attr.string('floor'),
  });
  b.outputFrom(castTo(b, up, 'float32', ft), 'sample', ft, ['batch', 3, 'height', 'width']);
  return b;
}

// ---------------------------------------------------------------- VAE encoders

/**
 * The inverse of buildVaeDecoder: 8×8 average pooling (undoes the nearest ×8 upsample exactly for
 * block-constant images) and a 1×1 conv with (K/scaling)·A⁻¹ onto channels 0..2 (channel 3 = 0).
 * 'latent_parameters' appends a constant log-variance of 2·ln(K/scaling): a pipeline that sampled the
 * posterior instead of taking its mean would add noise as large as the image itself.
 */
export function buildVaeEncoder(spec: OracleSpec, output: 'latent_parameters' | 'latent_sample', scaling = spec.scalingFactor, name = 'oracle_vae_encoder'): GraphBuilder {
  const b = new GraphBuilder(name);
  const ft = spec.floatType;
  const image = castTo(b, b.input('sample', ft, ['batch', 3, 'height', 'width']), ft, 'float32');
  const pooled = b.op('AveragePool', [image], { kernel_shape: attr.ints([8, 8]), strides: attr.ints([8, 8]) });
  const inv = invert3(spec.vaeMix);
  const gain = (spec.latentScale ?? 1) / scaling;
  const W = new Float32Array(12);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) W[r * 3 + c] = gain * (inv[r * 3 + c] ?? 0);
  const weight = b.weight('encoder_weight', W, [4, 3, 1, 1], spec.storage.vae);
  const mean = b.op('Conv', [pooled, weight], { kernel_shape: attr.ints([1, 1]) });
  const dims = ['batch', output === 'latent_parameters' ? 8 : 4, 'latent_height', 'latent_width'];
  const result = output === 'latent_sample'
    ? mean
    : b.op('Concat', [mean, b.op('Add', [b.op('Mul', [mean, b.f32(0)]), b.f32(2 * Math.log(gain))])], { axis: attr.int(1) });
  b.outputFrom(castTo(b, result, 'float32', ft), output, ft, dims);
  return b;
}
