// Writes a synthetic model with SD-Turbo's real architecture and sizes and seeded random weights, in
// the diffusers/optimum ONNX folder layout, for benchmarks (speed depends on the graph, not on the
// weight values). Output: bench/models/<name>/ (git-ignored) plus <name>-taesd/ whose vae_decoder is
// the tiny decoder (the big files are hard links, not copies).
//   npx tsx scripts/make-synthetic-sd-turbo.ts [--precision fp32|fp16|both] [--scale 0.25]
//       [--compute fp32|fp16 (fp16 only; default fp16)] [--seed 1] [--out bench/models] [--name sd-turbo-synth-fp32]
//   npx tsx scripts/make-synthetic-sd-turbo.ts --count [--scale s]   (parameter counts only, writes nothing)
//   npx tsx scripts/make-synthetic-sd-turbo.ts --add-encoder DIR [--precision fp32|fp16] [--scale s]
//       (writes only DIR/vae_encoder/: image-to-image for a folder made before the encoder existed,
//       or for a copy whose other parts are symlinks to it)
// Full size: ~5 GB on disk for fp32 (UNet 3.5 GB in unet/model.onnx.data), peak memory ~4 GB.
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Net, NetOptions } from './synthetic/layers';
import { buildTextEncoder, OPENCLIP_H_TEXT, type TextEncoderConfig } from './synthetic/text-encoder';
import { buildUnet, SD21_UNET, type UnetConfig } from './synthetic/unet';
import { buildTinyDecoder, buildVaeDecoder, SD_VAE_DECODER, TAESD_DECODER, type VaeDecoderConfig } from './synthetic/vae';
import { buildVaeEncoder } from './synthetic/vae-encoder';
import { checkCounts, writeConfigs, writeEncoderConfig, writeTinyDecoderConfig, writeTokenizer } from './synthetic/folder';

export interface SyntheticArgs {
  precision: 'fp32' | 'fp16';
  /** fp16 only: 'fp16' (default) = a real fp16 graph; 'fp32' = fp16 weights behind Casts, fp32 maths. */
  compute?: 'fp32' | 'fp16';
  scale: number;
  seed: number;
  out: string;
  name?: string;
  /** Progress lines (default: console.log). */
  log?: (line: string) => void;
}

export interface SyntheticConfigs {
  unet: UnetConfig;
  text: TextEncoderConfig;
  vae: VaeDecoderConfig;
}

/** Channel count scaled to a multiple of `step` (≥ step), so GroupNorm(32) and 64-wide heads still fit. */
function scaled(channels: number, scale: number, step: number): number {
  return step * Math.max(1, Math.round((channels * scale) / step));
}

/** SD-Turbo's configs, or a smaller model of the same structure for `--scale` < 1. */
export function configsFor(scale: number): SyntheticConfigs {
  if (scale === 1) return { unet: SD21_UNET, text: OPENCLIP_H_TEXT, vae: SD_VAE_DECODER };
  const channels = SD21_UNET.channels.map((c) => scaled(c, scale, 64));
  const hidden = scaled(OPENCLIP_H_TEXT.hidden, scale, 64);
  return {
    unet: { ...SD21_UNET, channels, heads: channels.map((c) => c / 64), layersPerBlock: 1, crossAttentionDim: hidden },
    text: { ...OPENCLIP_H_TEXT, hidden, heads: hidden / 64, mlp: hidden * 4, layers: Math.max(1, Math.round(OPENCLIP_H_TEXT.layers * scale)) },
    vae: { channels: SD_VAE_DECODER.channels.map((c) => scaled(c, scale, 32)), resnets: 2 },
  };
}

export function defaultName(args: Pick<SyntheticArgs, 'precision' | 'compute' | 'scale'>): string {
  const compute = args.precision === 'fp16' && args.compute === 'fp32' ? '-f32compute' : '';
  return `sd-turbo-synth-${args.precision}${compute}${args.scale === 1 ? '' : `-s${args.scale}`}`;
}

async function save(net: Net, file: string, label: string, log: (line: string) => void): Promise<number> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const started = performance.now();
  const { modelBytes, dataBytes } = await net.b.save(file, {
    external: { location: 'model.onnx.data', minBytes: 1024, align: 4096 },
    producer: 'nanoforge-synthetic',
    metadata: { 'nanoforge.synthetic': label },
  });
  const mb = (modelBytes + dataBytes) / 2 ** 20;
  log(`  ${label.padEnd(18)} ${net.params.toLocaleString('en-US').padStart(13)} params  ${mb.toFixed(1).padStart(8)} MiB  ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return net.params;
}

/** Writes one model folder and its -taesd sibling; returns the folder and the parameter counts. */
export async function writeSynthetic(args: SyntheticArgs): Promise<{ dir: string; counts: Record<string, number> }> {
  const name = args.name ?? defaultName(args);
  const dir = path.join(args.out, name);
  const cfg = configsFor(args.scale);
  const f = (p: 'fp32' | 'fp16'): 'float32' | 'float16' => (p === 'fp32' ? 'float32' : 'float16');
  const base = { storage: f(args.precision), compute: args.precision === 'fp32' ? 'float32' : f(args.compute ?? 'fp16') } as const;
  const opts = (seed: number): NetOptions => ({ ...base, seed: args.seed * 16 + seed });
  const log = args.log ?? ((line: string) => console.log(line));
  await fs.rm(dir, { recursive: true, force: true });
  log(`writing ${dir} (${args.precision}, compute ${base.compute}, scale ${args.scale})`);
  await writeConfigs(dir, cfg, args);
  await writeTokenizer(dir);
  const counts: Record<string, number> = {};
  // One component at a time, so only one model's weights are in memory.
  counts.text_encoder = await save(buildTextEncoder(cfg.text, opts(1)), path.join(dir, 'text_encoder', 'model.onnx'), 'text_encoder', log);
  counts.unet = await save(buildUnet(cfg.unet, opts(2)), path.join(dir, 'unet', 'model.onnx'), 'unet', log);
  counts.vae_decoder = await save(buildVaeDecoder(cfg.vae, opts(3)), path.join(dir, 'vae_decoder', 'model.onnx'), 'vae_decoder', log);
  counts.vae_encoder = await save(buildVaeEncoder(cfg.vae, opts(5)), path.join(dir, 'vae_encoder', 'model.onnx'), 'vae_encoder', log);
  await writeEncoderConfig(dir);
  counts.vae_decoder_tiny = await save(buildTinyDecoder(TAESD_DECODER, opts(4)), path.join(dir, 'vae_decoder_tiny', 'model.onnx'), 'vae_decoder_tiny', log);
  await writeTinyDecoderConfig(path.join(dir, 'vae_decoder_tiny'));
  await linkTinyVariant(dir);
  return { dir, counts };
}

/** Parameter counts per component without making any weights (seconds, a few MB). */
export function countParameters(scale: number): Record<string, number> {
  const cfg = configsFor(scale);
  const opts: NetOptions = { seed: 0, storage: 'float32', compute: 'float32', countOnly: true };
  return {
    text_encoder: buildTextEncoder(cfg.text, opts).params,
    unet: buildUnet(cfg.unet, opts).params,
    vae_decoder: buildVaeDecoder(cfg.vae, opts).params,
    vae_encoder: buildVaeEncoder(cfg.vae, opts).params,
    vae_decoder_tiny: buildTinyDecoder(TAESD_DECODER, opts).params,
  };
}

/** Only `dir`/vae_encoder/ (model and config), for a folder whose other parts exist already. */
export async function addEncoder(dir: string, precision: SyntheticArgs['precision'], scale: number, seed: number, log: (line: string) => void = console.log): Promise<number> {
  if (!existsSync(path.join(dir, 'vae_decoder', 'config.json'))) throw new Error(`${dir} has no vae_decoder/config.json; make the model first`);
  const storage = precision === 'fp32' ? 'float32' : 'float16';
  const opts: NetOptions = { storage, compute: storage, seed: seed * 16 + 5 };
  const count = await save(buildVaeEncoder(configsFor(scale).vae, opts), path.join(dir, 'vae_encoder', 'model.onnx'), 'vae_encoder', log);
  await writeEncoderConfig(dir);
  return count;
}

/** <dir>-taesd: the same model with vae_decoder = the tiny decoder, big files hard-linked. */
async function linkTinyVariant(dir: string): Promise<void> {
  const tiny = `${dir}-taesd`;
  await fs.rm(tiny, { recursive: true, force: true });
  await fs.cp(dir, tiny, { recursive: true, filter: (src) => !src.includes(`${path.sep}vae_decoder`) && !src.includes(`${path.sep}vae_encoder`) && !src.endsWith('.onnx.data') && !src.endsWith('.onnx') });
  for (const rel of ['text_encoder/model.onnx', 'text_encoder/model.onnx.data', 'unet/model.onnx', 'unet/model.onnx.data']) {
    if (!existsSync(path.join(dir, rel))) continue;
    await fs.mkdir(path.dirname(path.join(tiny, rel)), { recursive: true });
    await fs.link(path.join(dir, rel), path.join(tiny, rel));
  }
  await fs.cp(path.join(dir, 'vae_decoder_tiny'), path.join(tiny, 'vae_decoder'), { recursive: true });
}

function parseArgs(argv: string[]): { args: Omit<SyntheticArgs, 'precision'>; precisions: SyntheticArgs['precision'][] } {
  const args: Omit<SyntheticArgs, 'precision'> = { scale: 1, seed: 1, out: path.resolve(__dirname, '..', 'bench', 'models') };
  let precisions: SyntheticArgs['precision'][] = ['fp32'];
  const usage = 'usage: make-synthetic-sd-turbo [--precision fp32|fp16|both] [--compute fp32|fp16] [--scale s] [--seed n] [--out dir] [--name n]';
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value; ${usage}`);
    if (flag === '--precision' && ['fp32', 'fp16', 'both'].includes(value)) precisions = value === 'both' ? ['fp32', 'fp16'] : [value as 'fp32' | 'fp16'];
    else if (flag === '--compute' && (value === 'fp32' || value === 'fp16')) args.compute = value;
    else if (flag === '--scale' && Number(value) > 0 && Number(value) <= 1) args.scale = Number(value);
    else if (flag === '--seed' && Number.isInteger(Number(value))) args.seed = Number(value);
    else if (flag === '--out') args.out = path.resolve(value);
    else if (flag === '--name') args.name = value;
    else throw new Error(`bad argument ${flag} ${value}; ${usage}`);
  }
  return { args, precisions };
}

const HELP = [
  'usage: make-synthetic-sd-turbo [--precision fp32|fp16|both] [--compute fp32|fp16] [--scale s] [--seed n] [--out dir] [--name n]',
  '       make-synthetic-sd-turbo --count [--scale s]     parameter counts only, writes nothing',
  '       make-synthetic-sd-turbo --add-encoder DIR       adds vae_encoder/ to a folder written without it',
  'Writes <out>/<name>/ (default bench/models/sd-turbo-synth-<precision>) and <name>-taesd/. Full size fp32:',
  '~4.7 GiB on disk and ~7 min on 2 cores; check whether the folder already exists before writing it again.',
].join('\n');

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(HELP);
    return;
  }
  const addAt = process.argv.indexOf('--add-encoder');
  if (addAt >= 0) {
    const dir = process.argv[addAt + 1];
    if (!dir) throw new Error('--add-encoder needs the model folder');
    const rest = process.argv.slice(2).filter((_, i) => i !== addAt - 2 && i !== addAt - 1);
    const { args, precisions } = parseArgs(rest);
    const count = await addEncoder(path.resolve(dir), precisions[0] ?? 'fp32', args.scale, args.seed);
    if (args.scale === 1) for (const line of checkCounts({ vae_encoder: count })) console.log(line);
    return;
  }
  if (process.argv.includes('--count')) {
    const at = process.argv.indexOf('--scale');
    const scale = at >= 0 ? Number(process.argv[at + 1]) : 1;
    if (!(scale > 0 && scale <= 1)) throw new Error('--scale must be in (0, 1]');
    for (const line of checkCounts(countParameters(scale))) console.log(line);
    return;
  }
  const { args, precisions } = parseArgs(process.argv.slice(2));
  for (const precision of precisions) {
    const { dir, counts } = await writeSynthetic({ ...args, precision, name: precisions.length > 1 ? undefined : args.name });
    console.log(`wrote ${dir} and ${dir}-taesd`);
    if (args.scale === 1) for (const line of checkCounts(counts)) console.log(line);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  });
}
