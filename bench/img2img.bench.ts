// Image-to-image end to end (generateAsset with a start image, as the CLI and the worker run it) on the
// synthetic SD-Turbo (real architecture, random weights), per stage, beside text-to-image with the
// same number of UNet steps — so the encoder's cost reads off directly.
//   npx tsx bench/img2img.bench.ts [--from DIR] [--precision fp32|fp16] [--scale 1] [--size 512]
//       [--steps 2] [--strength 0.5] [--runs 1] [--warmup 0] [--device cpu] [--out file] [--no-write]
// The model: bench/models/<synthetic name>-i2i/, made on first use from --from (default: the synthetic
// model bench/models/ holds or writes) by symlinking its parts and writing only vae_encoder/ (seconds;
// the 3.5 GB UNet is not copied), so a folder made before the encoder existed serves as it is.
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { addEncoder, defaultName } from '../scripts/make-synthetic-sd-turbo';
import { generateAsset, loadPipeline, type AssetResult, type DeviceName, type GenerationRequest, type Pipeline } from '../src/inference';
import { syntheticModel, sizeLabel, type Precision } from './lib/models';
import { argNumber, argString, fmt, fmtStats, publish, REPO, stats, table } from './lib/report';

const PARTS = ['model_index.json', 'scheduler', 'tokenizer', 'text_encoder', 'unet', 'vae_decoder'];

/** `<source>-i2i` beside the other benchmark models: the source's parts as symlinks plus a new vae_encoder/. */
async function imageToImageModel(source: string, precision: Precision, scale: number): Promise<string> {
  const dir = path.join(REPO, 'bench', 'models', `${path.basename(source)}-i2i`);
  if (existsSync(path.join(dir, 'vae_encoder', 'model.onnx'))) return dir;
  process.stdout.write(`writing ${dir}: symlinks to ${source} and a synthetic vae_encoder/\n`);
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  for (const part of PARTS) await fs.symlink(path.join(source, part), path.join(dir, part));
  await addEncoder(dir, precision, scale, 1);
  return dir;
}

/** A start image with structure (a gradient and a disc), so nothing about it is trivially cheap. */
async function startImage(size: number): Promise<Uint8Array> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><defs><linearGradient id="g"><stop offset="0" stop-color="#1d4ed8"/><stop offset="1" stop-color="#f59e0b"/></linearGradient></defs>` +
    `<rect width="100%" height="100%" fill="url(#g)"/><circle cx="${size / 2}" cy="${size / 2}" r="${size / 3}" fill="#dc2626"/></svg>`;
  return new Uint8Array(await sharp(Buffer.from(svg)).png().toBuffer());
}

interface Sample {
  result: AssetResult;
  wallMs: number;
}

async function runOnce(pipeline: Pipeline, request: GenerationRequest): Promise<Sample> {
  const started = performance.now();
  const result = await generateAsset(pipeline, request);
  return { result, wallMs: performance.now() - started };
}

function row(label: string, samples: Sample[], unetSteps: number): string[] {
  const stage = (key: string): string => {
    const values = samples.map((s) => s.result.timings[key]).filter((v): v is number => v !== undefined);
    return values.length ? fmtStats(stats(values), 0) : '—';
  };
  const steps = Array.from({ length: unetSteps }, (_, i) => fmt(stats(samples.map((s) => s.result.timings[`unet.${i}`] ?? NaN)).median, 0)).join(' / ');
  return [label, stage('openEncoder'), stage('textEncoder'), stage('encode'), steps, stage('decode'), stage('postprocess'), fmtStats(stats(samples.map((s) => s.wallMs)), 0)];
}

async function main(): Promise<void> {
  const precision = argString('--precision', 'fp32') as Precision;
  const scale = argNumber('--scale', 1);
  const size = argNumber('--size', 512);
  const steps = argNumber('--steps', 2);
  const strength = argNumber('--strength', 0.5);
  const runs = argNumber('--runs', 1);
  const warmup = Number(argString('--warmup', '0'));
  const device = argString('--device', 'cpu') as DeviceName;
  const from = path.resolve(argString('--from', path.join(REPO, 'bench', 'models', defaultName({ precision, scale }))));
  const source = existsSync(path.join(from, 'unet', 'model.onnx')) ? from : await syntheticModel(precision, scale);
  const dir = await imageToImageModel(source, precision, scale);
  const loadStarted = performance.now();
  const pipeline = await loadPipeline(dir, { device });
  const loadMs = performance.now() - loadStarted;
  const unetSteps = Math.trunc(steps * strength);
  const base: GenerationRequest = { prompt: 'a red disc on a gradient', width: size, height: size, guidanceScale: 0, seed: 7 };
  const img2img: GenerationRequest = { ...base, initImage: await startImage(size), strength, steps };
  const txt2img: GenerationRequest = { ...base, steps: unetSteps };
  const rows: string[][] = [];
  try {
    for (const [label, request] of [[`image-to-image, ${steps} steps × strength ${strength}`, img2img], [`text-to-image, ${unetSteps} step${unetSteps === 1 ? '' : 's'}`, txt2img]] as const) {
      for (let i = 0; i < warmup; i++) await runOnce(pipeline, request);
      const samples: Sample[] = [];
      for (let i = 0; i < runs; i++) {
        samples.push(await runOnce(pipeline, request));
        process.stdout.write(`${label}: run ${i + 1}/${runs} ${fmt(samples.at(-1)?.wallMs ?? NaN, 0)} ms\n`);
      }
      rows.push(row(label, samples, unetSteps));
    }
  } finally {
    await pipeline.dispose();
  }
  await publish({
    title: `Image-to-image (${sizeLabel(scale)}, ${device})`,
    script: 'img2img.bench.ts',
    body: `Synthetic SD-Turbo ${precision} (${sizeLabel(scale)}, random weights; ${path.relative(REPO, dir)}: the model's parts symlinked, vae_encoder/ ` +
      `with AutoencoderKL's encoder${scale === 1 ? ' at its published 34,163,664 parameters' : ', scaled like the rest'}), ${size}×${size} PNG start image → ${size}×${size} PNG, device ${device} ` +
      `(ran on ${pipeline.info.device}), load ${fmt(loadMs / 1000, 1)} s; ${runs} run(s) after ${warmup} warm-up; ms as median (min–max). ` +
      `"open enc." is opening the vae_encoder session (the first image-to-image run of a loaded model; later runs reuse it), "encode" the start image through it plus the noise.\n\n` +
      table(['run', 'open enc.', 'text enc', 'encode', 'UNet step(s)', 'decode', 'post', 'total'], rows),
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
