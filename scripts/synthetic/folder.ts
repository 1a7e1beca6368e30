// Configs, tokenizer and parameter-count check for the synthetic SD-Turbo folder.
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { clipVocabDir } from '../lib/clip-vocab';
import { SD_TURBO_SCHEDULER } from '../lib/sd-turbo-scheduler';
import type { SyntheticArgs, SyntheticConfigs } from '../make-synthetic-sd-turbo';


/**
 * Published parameter counts of the real components (diffusers/transformers modules of
 * stabilityai/sd-turbo, which shares SD 2.1's UNet, text encoder and VAE; TAESD from madebyollin/taesd).
 * Text encoder basis: transformers' CLIPTextModel with 23 of OpenCLIP ViT-H's 24 text layers, as
 * SD 2.x ships it (the full 24-layer tower would be 352,984,064 + the unused final projection).
 */
export const PUBLISHED_PARAMS: Record<string, number> = {
  unet: 865_910_724,
  text_encoder: 340_387_840,
  vae_decoder: 49_490_199,
  // AutoencoderKL's 83,653,863 parameters less the decoder's 49,490,199: encoder + quant_conv.
  vae_encoder: 34_163_664,
  vae_decoder_tiny: 1_222_531,
};

export function checkCounts(counts: Record<string, number>): string[] {
  return Object.entries(counts).map(([name, count]) => {
    const published = PUBLISHED_PARAMS[name];
    if (published === undefined) return `${name}: ${count.toLocaleString('en-US')} (no published count)`;
    const diff = count - published;
    return `${name}: ${count.toLocaleString('en-US')} vs published ${published.toLocaleString('en-US')} ` +
      `(difference ${diff >= 0 ? '+' : ''}${diff.toLocaleString('en-US')}, ${((100 * diff) / published).toFixed(4)} %)`;
  });
}

async function writeJson(file: string, value: unknown): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, JSON.stringify(value, null, 2) + '\n');
}

export async function writeConfigs(dir: string, cfg: SyntheticConfigs, args: Omit<SyntheticArgs, 'out'>): Promise<void> {
  const dtype = args.precision === 'fp32' ? 'float32' : 'float16';
  await writeJson(path.join(dir, 'model_index.json'), {
    _class_name: 'StableDiffusionPipeline',
    _diffusers_version: '0.24.0.dev0',
    _name_or_path: `synthetic/sd-turbo-${args.precision}${args.scale === 1 ? '' : `-s${args.scale}`}`,
    scheduler: ['diffusers', 'EulerDiscreteScheduler'],
    text_encoder: ['onnxruntime', 'ORTModel'],
    tokenizer: ['transformers', 'CLIPTokenizer'],
    unet: ['onnxruntime', 'ORTModel'],
    vae_decoder: ['onnxruntime', 'ORTModel'],
  });
  await writeJson(path.join(dir, 'scheduler', 'scheduler_config.json'), SD_TURBO_SCHEDULER);
  await writeJson(path.join(dir, 'text_encoder', 'config.json'), {
    architectures: ['CLIPTextModel'], model_type: 'clip_text_model', hidden_act: 'gelu',
    hidden_size: cfg.text.hidden, intermediate_size: cfg.text.mlp, num_attention_heads: cfg.text.heads,
    num_hidden_layers: cfg.text.layers, max_position_embeddings: cfg.text.positions, vocab_size: cfg.text.vocab,
    projection_dim: 1024, bos_token_id: 49406, eos_token_id: 49407, pad_token_id: 1, torch_dtype: dtype,
  });
  await writeJson(path.join(dir, 'unet', 'config.json'), {
    _class_name: 'UNet2DConditionModel', _diffusers_version: '0.24.0.dev0', sample_size: 64,
    in_channels: 4, out_channels: 4, block_out_channels: cfg.unet.channels, attention_head_dim: cfg.unet.heads,
    layers_per_block: cfg.unet.layersPerBlock, cross_attention_dim: cfg.unet.crossAttentionDim,
    use_linear_projection: true, norm_num_groups: 32, flip_sin_to_cos: true, freq_shift: 0,
    down_block_types: ['CrossAttnDownBlock2D', 'CrossAttnDownBlock2D', 'CrossAttnDownBlock2D', 'DownBlock2D'],
    up_block_types: ['UpBlock2D', 'CrossAttnUpBlock2D', 'CrossAttnUpBlock2D', 'CrossAttnUpBlock2D'],
  });
  await writeJson(path.join(dir, 'vae_decoder', 'config.json'), {
    _class_name: 'AutoencoderKL', _diffusers_version: '0.24.0.dev0', in_channels: 3, out_channels: 3,
    latent_channels: 4, block_out_channels: cfg.vae.channels, layers_per_block: cfg.vae.resnets - 1,
    norm_num_groups: 32, sample_size: 768, scaling_factor: 0.18215,
  });
}

/** vae_encoder/config.json: the same AutoencoderKL config as vae_decoder/ (optimum writes both). */
export async function writeEncoderConfig(dir: string): Promise<void> {
  await fs.mkdir(path.join(dir, 'vae_encoder'), { recursive: true });
  await fs.copyFile(path.join(dir, 'vae_decoder', 'config.json'), path.join(dir, 'vae_encoder', 'config.json'));
}

/** AutoencoderTiny reads unscaled latents: scaling_factor 1.0; three ×2 stages → 8 px per latent. */
export async function writeTinyDecoderConfig(dir: string): Promise<void> {
  await writeJson(path.join(dir, 'config.json'), {
    _class_name: 'AutoencoderTiny', _diffusers_version: '0.24.0.dev0', latent_channels: 4,
    block_out_channels: [64, 64, 64, 64], decoder_block_out_channels: [64, 64, 64, 64],
    num_decoder_blocks: [3, 3, 3, 1], scaling_factor: 1.0, upsampling_scaling_factor: 2,
  });
}

/** SD-Turbo's tokenizer: CLIP BPE, pads with "!" (AddedToken objects, as its tokenizer_config.json has). */
export async function writeTokenizer(dir: string): Promise<void> {
  const tok = path.join(dir, 'tokenizer');
  const src = clipVocabDir();
  await fs.mkdir(tok, { recursive: true });
  await fs.copyFile(path.join(src, 'vocab.json'), path.join(tok, 'vocab.json'));
  await fs.copyFile(path.join(src, 'merges.txt'), path.join(tok, 'merges.txt'));
  const added = (content: string): Record<string, unknown> => ({ __type: 'AddedToken', content, lstrip: false, normalized: true, rstrip: false, single_word: false });
  await writeJson(path.join(tok, 'tokenizer_config.json'), {
    add_prefix_space: false, bos_token: added('<|startoftext|>'), clean_up_tokenization_spaces: true, do_lower_case: true,
    eos_token: added('<|endoftext|>'), errors: 'replace', model_max_length: 77, pad_token: '!',
    tokenizer_class: 'CLIPTokenizer', unk_token: added('<|endoftext|>'),
  });
  await writeJson(path.join(tok, 'special_tokens_map.json'), {
    bos_token: '<|startoftext|>', eos_token: '<|endoftext|>', pad_token: '!', unk_token: '<|endoftext|>',
  });
}
