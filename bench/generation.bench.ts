// (1) End-to-end generation per stage, (2) pipeline overhead over bare session.run, (3) full VAE
// decoder vs TAESD-class tiny decoder, on the synthetic SD-Turbo (real architecture, random weights).
//   npx tsx bench/generation.bench.ts [--device cpu|cuda|webgpu] [--precision fp32,fp16] [--scale 1]
//       [--cases 512x1,256x1,512x4,256x4] [--runs 3] [--warmup 1] [--decoder auto|tiny|full] [--decoder-runs 3]
//       [--no-decoders | --only-decoders]
// --decoder: which decoder the stage runs use (default auto: tiny on the CPU, full on GPU providers).
//       [--out file] [--no-write]
// GPU machine, one command (< 8 min; writes models first if missing):
//   npx tsx bench/generation.bench.ts --device cuda --precision fp16,fp32 --runs 5 --out bench/results-gpu.md
import { fork } from 'node:child_process';
import * as path from 'node:path';
import { setRunObserver } from '../src/inference/backend/onnx';
import { encodePng } from '../src/inference/image/encode';
import { rasterFromRgb } from '../src/inference/image/raster';
import { DECODER_CHOICES, DeviceError, loadPipeline, renderAsset, type DecoderChoice, type DeviceName, type GenerationResult, type Pipeline } from '../src/inference';
import { parsePrecisions, sizeLabel, syntheticModel, type Precision } from './lib/models';
import { argFlag, argNumber, argString, fmt, fmtStats, mib, publish, stats, table } from './lib/report';

interface Case { size: number; steps: number }

function decoderChoice(): DecoderChoice {
  const value = argString('--decoder', 'auto');
  if (!(DECODER_CHOICES as readonly string[]).includes(value)) throw new Error(`--decoder takes ${DECODER_CHOICES.join(', ')}, got '${value}'`);
  return value as DecoderChoice;
}

interface RunSample {
  stages: Record<string, number>;
  /** generate() wall time, and generate + renderAsset. */
  pipelineMs: number;
  endToEndMs: number;
  bareMs: number;
  /** Which decoder ran, e.g. 'tiny (vae_decoder_tiny)'. */
  decoder: string;
}

function parseCases(list: string): Case[] {
  return list.split(',').map((c) => {
    const m = /^(\d+)x(\d+)$/.exec(c.trim());
    if (!m) throw new Error(`--cases takes SIZExSTEPS items such as 512x1, got '${c}'`);
    return { size: Number(m[1]), steps: Number(m[2]) };
  });
}

async function runOnce(pipeline: Pipeline, c: Case, seed: number): Promise<RunSample> {
  let bareMs = 0;
  setRunObserver((_file, ms) => { bareMs += ms; });
  const started = performance.now();
  let result: GenerationResult;
  try {
    result = await pipeline.generate({ prompt: 'a flat vector icon of a red apple on white', width: c.size, height: c.size, steps: c.steps, guidanceScale: 0, seed, count: 1, decoder: decoderChoice() });
  } finally {
    setRunObserver(undefined);
  }
  const pipelineMs = performance.now() - started;
  const image = result.images[0];
  if (!image) throw new Error('generate returned no image');
  const metadata = { prompt: 'bench', seed, steps: c.steps, generator: 'nanoforge-bench' };
  let t = performance.now();
  await renderAsset(image, { width: c.size, height: c.size, format: 'png' }, metadata);
  const postMs = performance.now() - t;
  t = performance.now();
  await encodePng(rasterFromRgb(image), metadata);
  const pngMs = performance.now() - t;
  return { stages: { ...result.timings, post: postMs, png: pngMs }, pipelineMs, endToEndMs: pipelineMs + postMs, bareMs, decoder: `${result.decoder.kind} (${result.decoder.source})` };
}

function caseRow(precision: Precision, c: Case, samples: RunSample[]): string[] {
  const stage = (key: string): string => fmtStats(stats(samples.map((s) => s.stages[key] ?? NaN)), 0);
  const steps = Array.from({ length: c.steps }, (_, i) => fmt(stats(samples.map((s) => s.stages[`unet.${i}`] ?? NaN)).median, 0)).join(' / ');
  const ratio = stats(samples.map((s) => s.pipelineMs / s.bareMs));
  const ratioE2e = stats(samples.map((s) => s.endToEndMs / s.bareMs));
  return [precision, `${c.size}²`, String(c.steps), stage('tokenize'), stage('textEncoder'), steps, `${stage('decode')} ${samples[0]?.decoder ?? ''}`.trim(),
    stage('post'), stage('png'), fmtStats(stats(samples.map((s) => s.endToEndMs)), 0), fmtStats(stats(samples.map((s) => s.bareMs)), 0),
    fmtStats(ratio, 3), fmtStats(ratioE2e, 3)];
}

async function benchPrecision(dir: string, precision: Precision, cases: Case[], device: DeviceName): Promise<{ rows: string[][]; load: string }> {
  const runs = argNumber('--runs', 3);
  const warmup = Number(argString('--warmup', '1'));
  const started = performance.now();
  const pipeline = await loadPipeline(dir, { device });
  const load = `${precision}: load ${fmt((performance.now() - started) / 1000, 1)} s on ${pipeline.info.device}` +
    (pipeline.info.fallbacks.length ? ` (fallbacks: ${pipeline.info.fallbacks.map((f) => `${f.provider}: ${f.reason}`).join('; ')})` : '');
  process.stdout.write(`${load}\n`);
  const rows: string[][] = [];
  try {
    for (const c of cases) {
      for (let i = 0; i < warmup; i++) await runOnce(pipeline, c, 100 + i);
      const samples: RunSample[] = [];
      for (let i = 0; i < runs; i++) {
        samples.push(await runOnce(pipeline, c, i + 1));
        process.stdout.write(`  ${precision} ${c.size}x${c.steps} run ${i + 1}/${runs}: ${fmt(samples[i]?.endToEndMs ?? NaN, 0)} ms\n`);
      }
      rows.push(caseRow(precision, c, samples));
    }
  } finally {
    await pipeline.dispose();
  }
  return { rows, load };
}

interface ProbeResult { device: string; loadMs: number; times: number[]; rssBefore: number; rssLoaded: number; peakRss: number }

function probeDecoder(dir: string, file: string, latentSide: number, runs: number, device: string): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'lib', 'decoder-probe.ts'), [dir, file, String(latentSide), String(runs), device], {
      execArgv: ['--require', 'tsx/cjs'],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`decoder probe ${file} failed (${code}): ${err.trim()}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as ProbeResult);
      } catch (error) {
        reject(new Error(`decoder probe ${file} printed no result: ${out} ${err} (${String(error)})`));
      }
    });
  });
}

async function decoderRows(dir: string, precision: Precision, sizes: number[], device: string): Promise<string[][]> {
  const runs = argNumber('--decoder-runs', 3);
  const rows: string[][] = [];
  for (const size of sizes) {
    for (const [label, file] of [['full VAE', 'vae_decoder/model.onnx'], ['tiny (TAESD)', 'vae_decoder_tiny/model.onnx']] as const) {
      const r = await probeDecoder(dir, file, size / 8, runs, device);
      process.stdout.write(`  decoder ${precision} ${label} ${size}²: ${fmt(stats(r.times).median, 0)} ms\n`);
      rows.push([precision, `${size}²`, label, r.device, fmt(r.loadMs, 0), fmtStats(stats(r.times), 0), mib(r.rssLoaded - r.rssBefore), mib(r.peakRss - r.rssBefore), mib(r.peakRss)]);
    }
  }
  return rows;
}

async function main(): Promise<void> {
  const device = argString('--device', 'cpu') as DeviceName;
  const scale = argNumber('--scale', 1);
  const cases = parseCases(argString('--cases', '512x1,256x1,512x4,256x4'));
  const caseRows: string[][] = [];
  const decoders: string[][] = [];
  const loads: string[] = [];
  for (const precision of parsePrecisions(argString('--precision', 'fp32,fp16'))) {
    const dir = await syntheticModel(precision, scale);
    if (!argFlag('--only-decoders')) {
      const result = await benchPrecision(dir, precision, cases, device);
      caseRows.push(...result.rows);
      loads.push(result.load);
    }
    if (!argFlag('--no-decoders')) decoders.push(...(await decoderRows(dir, precision, [...new Set(cases.map((c) => c.size))], device)));
  }
  const body = [
    `Synthetic SD-Turbo (${sizeLabel(scale)}, random weights; scripts/make-synthetic-sd-turbo.ts), device ${device}, prompt of 10 tokens, guidance 0, batch 1, ` +
      `decoder ${decoderChoice()}, ${argNumber('--runs', 3)} timed runs after ${argString('--warmup', '1')} warm-up; milliseconds as median (min–max). ${loads.join('; ')}.`,
    '',
    '**(1) Stages and (2) overhead.** post = renderAsset (fit + PNG with metadata); png = PNG encode alone (part of post). ' +
      'bare = sum of bare session.run times in the same runs; overhead = generate() wall ÷ bare; with post = (generate + renderAsset) ÷ bare.',
    '',
    caseRows.length === 0 ? '(stages not run: --only-decoders)' : table(['prec', 'size', 'steps', 'tokenize', 'text enc', 'UNet step(s) median', 'decode', 'post', 'png', 'end-to-end', 'bare runs', 'overhead', 'with post'], caseRows),
  ];
  if (decoders.length) {
    body.push('', '**(3) Full VAE decoder vs tiny decoder**, each in a fresh process (bench/lib/decoder-probe.ts), random latent: ' +
      'load ms, run ms, RSS added by loading, peak RSS above the start (load + run), peak RSS of the process.', '',
      table(['prec', 'image', 'decoder', 'device', 'load ms', 'run ms', 'RSS after load', 'peak added', 'peak RSS'], decoders));
  }
  await publish({ title: `Generation (${sizeLabel(scale)}, ${device})`, script: 'generation.bench.ts', body: body.join('\n') });
}

main().catch((error: unknown) => {
  // A device that cannot start (no GPU, no CUDA libraries) is one line saying why, not a stack.
  if (error instanceof DeviceError) process.stderr.write(`generation.bench: ${error.message}\n`);
  else process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
