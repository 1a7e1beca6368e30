// SD's AutoencoderKL encoder for image-to-image (diffusers' Encoder + quant_conv, as optimum exports
// it to vae_encoder/model.onnx): conv_in 3→128, down blocks 128/256/512/512 with 2 resnets each and a
// stride-2 conv after all but the last, mid block resnet/attention/resnet, GroupNorm, SiLU, conv_out
// → 8 (mean ‖ log-variance of 4 latent channels), quant_conv 8→8. sample [b,3,H,W] in [-1, 1] →
// latent_parameters [b,8,H/8,W/8]. diffusers pads the stride-2 convs (0,1,0,1) where ours pad
// (1,1,1,1): same output size and the same work, which is what a benchmark measures.
import { conv, groupNorm, Net, silu, type NetOptions } from './layers';
import { EPS, midAttention, resnet, type VaeDecoderConfig } from './vae';

/** Resnets per down block of SD's VAE encoder (layers_per_block; the decoder has one more). */
const ENCODER_RESNETS = 2;

export function buildVaeEncoder(cfg: VaeDecoderConfig, opts: NetOptions): Net {
  const n = new Net('synthetic_vae_encoder', opts);
  const io = opts.storage;
  const sample = n.toCompute(n.b.input('sample', io, ['batch', 3, 'height', 'width']), io);
  const first = cfg.channels[0] as number;
  let h = conv(n, sample, 3, first, 3);
  let cin = first;
  cfg.channels.forEach((cout, i) => {
    for (let j = 0; j < ENCODER_RESNETS; j++) h = resnet(n, h, j === 0 ? cin : cout, cout);
    if (i < cfg.channels.length - 1) h = conv(n, h, cout, cout, 3, { stride: 2 });
    cin = cout;
  });
  h = resnet(n, h, cin, cin);
  h = midAttention(n, h, cin);
  h = resnet(n, h, cin, cin);
  const moments = conv(n, silu(n, groupNorm(n, h, cin, EPS)), cin, 8, 3);
  const out = conv(n, moments, 8, 8, 1);
  n.b.outputFrom(n.fromCompute(out, io), 'latent_parameters', io, ['batch', 8, 'latent_height', 'latent_width']);
  return n;
}
