// The two decoders: SD's AutoencoderKL decoder (post_quant_conv, conv_in 4→512, attention mid block,
// up blocks 512/512/256/128 with 3 resnets each) and a TAESD-class tiny decoder (64 channels,
// three ×2 upsamples), both latent_sample [b,4,h,w] → sample [b,3,8h,8w] in [-1, 1].
import { attention, conv, fromTokens, groupNorm, Net, silu, toTokens, upsampleNearest, type NetOptions } from './layers';

export interface VaeDecoderConfig {
  /** block_out_channels as diffusers lists them (encoder order), e.g. [128, 256, 512, 512]. */
  channels: number[];
  /** Resnets per up block (layers_per_block + 1). */
  resnets: number;
}

export const SD_VAE_DECODER: VaeDecoderConfig = { channels: [128, 256, 512, 512], resnets: 3 };

export const EPS = 1e-6;

export function resnet(n: Net, x: string, cin: number, cout: number): string {
  let h = conv(n, silu(n, groupNorm(n, x, cin, EPS)), cin, cout, 3);
  h = conv(n, silu(n, groupNorm(n, h, cout, EPS)), cout, cout, 3);
  return n.op('Add', [cin === cout ? x : conv(n, x, cin, cout, 1), h]);
}

/** Single-head spatial self-attention of the VAE mid block. */
export function midAttention(n: Net, x: string, channels: number): string {
  const tokens = toTokens(n, groupNorm(n, x, channels, EPS), channels);
  const out = attention(n, tokens, { dim: channels, contextDim: channels, heads: 1, qkvBias: true });
  return n.op('Add', [fromTokens(n, out, x), x]);
}

export function buildVaeDecoder(cfg: VaeDecoderConfig, opts: NetOptions): Net {
  const n = new Net('synthetic_vae_decoder', opts);
  const io = opts.storage;
  const latent = n.toCompute(n.b.input('latent_sample', io, ['batch', 4, 'latent_height', 'latent_width']), io);
  const reversed = [...cfg.channels].reverse();
  const top = reversed[0] as number;
  let h = conv(n, conv(n, latent, 4, 4, 1), 4, top, 3);
  h = resnet(n, h, top, top);
  h = midAttention(n, h, top);
  h = resnet(n, h, top, top);
  let cin = top;
  reversed.forEach((cout, i) => {
    for (let j = 0; j < cfg.resnets; j++) h = resnet(n, h, j === 0 ? cin : cout, cout);
    if (i < reversed.length - 1) h = conv(n, upsampleNearest(n, h), cout, cout, 3);
    cin = cout;
  });
  const last = reversed[reversed.length - 1] as number;
  const out = conv(n, silu(n, groupNorm(n, h, last, EPS)), last, 3, 3);
  n.b.outputFrom(n.fromCompute(out, io), 'sample', io, ['batch', 3, 'height', 'width']);
  return n;
}

export interface TinyDecoderConfig {
  channels: number;
  /** Blocks before each of the three upsamples, then after the last. */
  blocks: [number, number, number, number];
}

export const TAESD_DECODER: TinyDecoderConfig = { channels: 64, blocks: [3, 3, 3, 1] };

function tinyBlock(n: Net, x: string, c: number): string {
  let h = n.op('Relu', [conv(n, x, c, c, 3)]);
  h = n.op('Relu', [conv(n, h, c, c, 3)]);
  return n.op('Relu', [n.op('Add', [conv(n, h, c, c, 3), x])]);
}

/**
 * TAESD decoder: tanh(x/3)·3 clamp, conv 4→64, blocks and three (upsample, bias-free conv) stages,
 * conv 64→3. TAESD reads unscaled latents (scaling_factor 1.0) and returns [0, 1]; the graph maps
 * that to [-1, 1] so the pipeline decodes it like the full decoder.
 */
export function buildTinyDecoder(cfg: TinyDecoderConfig, opts: NetOptions): Net {
  const n = new Net('synthetic_taesd_decoder', opts);
  const io = opts.storage;
  const c = cfg.channels;
  const latent = n.toCompute(n.b.input('latent_sample', io, ['batch', 4, 'latent_height', 'latent_width']), io);
  const clamped = n.op('Mul', [n.op('Tanh', [n.op('Div', [latent, n.constant(3)])]), n.constant(3)]);
  let h = n.op('Relu', [conv(n, clamped, 4, c, 3)]);
  cfg.blocks.forEach((count, stage) => {
    for (let i = 0; i < count; i++) h = tinyBlock(n, h, c);
    if (stage < 3) h = conv(n, upsampleNearest(n, h), c, c, 3, { bias: false });
  });
  const rgb01 = conv(n, h, c, 3, 3);
  const out = n.op('Sub', [n.op('Mul', [rgb01, n.constant(2)]), n.constant(1)]);
  n.b.outputFrom(n.fromCompute(out, io), 'sample', io, ['batch', 3, 'height', 'width']);
  return n;
}
