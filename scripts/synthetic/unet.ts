// SD 2.1-class UNet2DConditionModel (the UNet SD-Turbo distils): conv_in 4→320, three
// CrossAttnDownBlock2D (320/640/1280) + DownBlock2D (1280), a cross-attention mid block, mirrored
// up blocks with skip concatenations, Transformer2D blocks with linear proj_in/out, head dim 64.
import { attr } from '../lib/onnx-builder';
import { attention, conv, fromTokens, gelu, groupNorm, layerNorm, linear, Net, silu, toTokens, upsampleNearest, type NetOptions } from './layers';

export interface UnetConfig {
  /** block_out_channels, e.g. [320, 640, 1280, 1280]. */
  channels: number[];
  /** Attention heads per block (diffusers calls this `attention_head_dim` in SD 2.x configs). */
  heads: number[];
  /** Which down blocks have cross-attention (the up blocks mirror it). */
  crossAttn: boolean[];
  layersPerBlock: number;
  crossAttentionDim: number;
}

export const SD21_UNET: UnetConfig = {
  channels: [320, 640, 1280, 1280],
  heads: [5, 10, 20, 20],
  crossAttn: [true, true, true, false],
  layersPerBlock: 2,
  crossAttentionDim: 1024,
};

const RESNET_EPS = 1e-5;
const TRANSFORMER_NORM_EPS = 1e-6;

interface Ctx {
  n: Net;
  /** SiLU(time embedding), [batch or 1, 1280]. */
  temb: string;
  tembDim: number;
  text: string;
  cfg: UnetConfig;
}

function resnet(c: Ctx, x: string, cin: number, cout: number): string {
  const { n } = c;
  let h = conv(n, silu(n, groupNorm(n, x, cin, RESNET_EPS)), cin, cout, 3);
  const t = linear(n, c.temb, c.tembDim, cout);
  h = n.op('Add', [h, n.op('Unsqueeze', [t, n.b.i64([2, 3])])]);
  h = conv(n, silu(n, groupNorm(n, h, cout, RESNET_EPS)), cout, cout, 3);
  const shortcut = cin === cout ? x : conv(n, x, cin, cout, 1);
  return n.op('Add', [shortcut, h]);
}

/** GEGLU feed-forward: Linear(C → 8C), split, hidden · GELU(gate), Linear(4C → C). */
function feedForward(n: Net, x: string, dim: number): string {
  const inner = dim * 4;
  const proj = linear(n, x, dim, inner * 2);
  const [hidden, gate] = n.b.opN('Split', [proj, n.b.i64([inner, inner])], 2, { axis: attr.int(-1) }) as [string, string];
  return linear(n, n.op('Mul', [hidden, gelu(n, gate)]), inner, dim);
}

/** Transformer2DModel with use_linear_projection (SD 2.x) and one BasicTransformerBlock. */
function transformer(c: Ctx, x: string, dim: number, heads: number): string {
  const { n } = c;
  let t = linear(n, toTokens(n, groupNorm(n, x, dim, TRANSFORMER_NORM_EPS), dim), dim, dim);
  const self = { dim, contextDim: dim, heads, qkvBias: false };
  t = n.op('Add', [attention(n, layerNorm(n, t, dim), self), t]);
  const cross = { dim, contextDim: c.cfg.crossAttentionDim, heads, qkvBias: false };
  t = n.op('Add', [attention(n, layerNorm(n, t, dim), cross, c.text), t]);
  t = n.op('Add', [feedForward(n, layerNorm(n, t, dim), dim), t]);
  t = linear(n, t, dim, dim);
  return n.op('Add', [fromTokens(n, t, x), x]);
}

/** Sinusoidal timestep embedding (flip_sin_to_cos, shift 0) → Linear → SiLU → Linear. */
function timeEmbedding(n: Net, timestep: string, projDim: number, embedDim: number): string {
  const half = projDim / 2;
  const freqs = Array.from({ length: half }, (_, i) => Math.exp((-Math.log(10000) * i) / half));
  const args = n.op('Mul', [n.op('Unsqueeze', [timestep, n.b.i64([1])]), n.b.f32(freqs, [1, half])]);
  const emb = n.op('Concat', [n.op('Cos', [args]), n.op('Sin', [args])], { axis: attr.int(-1) });
  const h = linear(n, n.toCompute(emb, 'float32'), projDim, embedDim);
  return linear(n, silu(n, h), embedDim, embedDim);
}

function downPath(c: Ctx, x: string): { h: string; skips: { value: string; channels: number }[] } {
  const { n, cfg } = c;
  let h = x;
  let cin = cfg.channels[0] as number;
  const skips = [{ value: h, channels: cin }];
  cfg.channels.forEach((cout, i) => {
    for (let j = 0; j < cfg.layersPerBlock; j++) {
      h = resnet(c, h, j === 0 ? cin : cout, cout);
      if (cfg.crossAttn[i]) h = transformer(c, h, cout, cfg.heads[i] as number);
      skips.push({ value: h, channels: cout });
    }
    if (i < cfg.channels.length - 1) {
      h = conv(n, h, cout, cout, 3, { stride: 2 });
      skips.push({ value: h, channels: cout });
    }
    cin = cout;
  });
  return { h, skips };
}

function upPath(c: Ctx, x: string, skips: { value: string; channels: number }[]): string {
  const { n, cfg } = c;
  const reversed = [...cfg.channels].reverse();
  const attn = [...cfg.crossAttn].reverse();
  const heads = [...cfg.heads].reverse();
  let h = x;
  let prev = reversed[0] as number;
  reversed.forEach((cout, i) => {
    for (let j = 0; j <= cfg.layersPerBlock; j++) {
      const skip = skips.pop();
      if (!skip) throw new Error('UNet skip stack underflow');
      h = resnet(c, n.op('Concat', [h, skip.value], { axis: attr.int(1) }), (j === 0 ? prev : cout) + skip.channels, cout);
      if (attn[i]) h = transformer(c, h, cout, heads[i] as number);
    }
    if (i < reversed.length - 1) h = conv(n, upsampleNearest(n, h), cout, cout, 3);
    prev = cout;
  });
  return h;
}

/** sample [b,4,h,w], timestep float32 [1], encoder_hidden_states [b,77,1024] → out_sample. */
export function buildUnet(cfg: UnetConfig, opts: NetOptions): Net {
  const n = new Net('synthetic_unet', opts);
  const io = opts.storage;
  const sample = n.toCompute(n.b.input('sample', io, ['batch', 4, 'height', 'width']), io);
  const timestep = n.b.input('timestep', 'float32', [1]);
  const text = n.toCompute(n.b.input('encoder_hidden_states', io, ['batch', 'sequence', cfg.crossAttentionDim]), io);
  const c0 = cfg.channels[0] as number;
  const tembDim = c0 * 4;
  const temb = silu(n, timeEmbedding(n, timestep, c0, tembDim));
  const c: Ctx = { n, temb, tembDim, text, cfg };
  const down = downPath(c, conv(n, sample, 4, c0, 3));
  const top = cfg.channels[cfg.channels.length - 1] as number;
  let h = resnet(c, down.h, top, top);
  h = transformer(c, h, top, cfg.heads[cfg.heads.length - 1] as number);
  h = resnet(c, h, top, top);
  h = upPath(c, h, down.skips);
  const out = conv(n, silu(n, groupNorm(n, h, c0, RESNET_EPS)), c0, 4, 3);
  n.b.outputFrom(n.fromCompute(out, io), 'out_sample', io, ['batch', 4, 'height', 'width']);
  return n;
}
