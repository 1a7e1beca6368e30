// (6) Quantized vs fp32: size on disk, load time and step time of the synthetic SD-Turbo after
// `nanoforge quantize` (src/inference/models/quantize) to each target, against the fp32 source.
//   npx tsx bench/quantized.bench.ts [--scale 0.25] [--targets int8,fp16] [--size 256] [--runs 3]
//       [--device cpu] [--keep] [--out file] [--no-write]
// Quantized folders go to bench/models/<source>-bench-q-<target> and are removed afterwards unless --keep.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { loadPipeline, type DeviceName } from '../src/inference';
import { quantizeModelFolder, QUANTIZE_TARGETS, type QuantizeTarget } from '../src/inference/models/quantize';
import { sizeLabel, syntheticModel } from './lib/models';
import { argFlag, argNumber, argString, fmt, fmtStats, mib, publish, stats, table } from './lib/report';

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await fs.stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

interface Measured { loadMs: number; step: number[]; textEncoder: number[]; decode: number[] }

async function measure(dir: string, device: DeviceName, size: number, runs: number): Promise<Measured> {
  const started = performance.now();
  const pipeline = await loadPipeline(dir, { device });
  const loadMs = performance.now() - started;
  const out: Measured = { loadMs, step: [], textEncoder: [], decode: [] };
  try {
    for (let i = 0; i <= runs; i++) {
      const r = await pipeline.generate({ prompt: 'a red apple', width: size, height: size, steps: 1, guidanceScale: 0, seed: i + 1, count: 1 });
      if (i === 0) continue; // warm-up
      out.step.push(r.timings['unet.0'] ?? NaN);
      out.textEncoder.push(r.timings.textEncoder ?? NaN);
      out.decode.push(r.timings.decode ?? NaN);
    }
  } finally {
    await pipeline.dispose();
  }
  return out;
}

function row(label: string, bytes: number, base: number, m: Measured, note: string): string[] {
  return [label, mib(bytes), fmt(bytes / base, 2), fmt(m.loadMs, 0), fmtStats(stats(m.textEncoder), 0), fmtStats(stats(m.step), 0), fmtStats(stats(m.decode), 0), note];
}

async function main(): Promise<void> {
  const scale = argNumber('--scale', 0.25);
  const device = argString('--device', 'cpu') as DeviceName;
  const size = argNumber('--size', 256);
  const runs = argNumber('--runs', 3);
  const targets = argString('--targets', 'int8,fp16').split(',').filter(Boolean) as QuantizeTarget[];
  for (const t of targets) if (!QUANTIZE_TARGETS.includes(t)) throw new Error(`--targets takes ${QUANTIZE_TARGETS.join(', ')}; got '${t}'`);
  const source = await syntheticModel('fp32', scale);
  const base = await folderBytes(source);
  const rows = [row('fp32 (source)', base, base, await measure(source, device, size, runs), '')];
  for (const to of targets) {
    const out = `${source}-bench-q-${to}`;
    const started = performance.now();
    const manifest = await quantizeModelFolder(source, out, { to, force: true, verify: false });
    const quantizeS = (performance.now() - started) / 1000;
    try {
      rows.push(row(`${to} (nanoforge quantize)`, await folderBytes(out), base, await measure(out, device, size, runs), `quantized in ${fmt(quantizeS, 1)} s, verification skipped (${manifest.verdict})`));
    } finally {
      if (!argFlag('--keep')) await fs.rm(out, { recursive: true, force: true });
    }
  }
  const body = `Synthetic SD-Turbo fp32 (${sizeLabel(scale)}, random weights) and its quantized copies, ${size}×${size}, 1 step, device ${device}, ` +
    `${runs} runs after 1 warm-up; load = loadPipeline in this process (page cache warm after the first read); ms as median (min–max).\n\n` +
    table(['model', 'on disk', '÷ fp32', 'load ms', 'text enc', 'UNet step', 'decode', 'notes'], rows);
  await publish({ title: `Quantized vs fp32 (${sizeLabel(scale)}, ${device})`, script: 'quantized.bench.ts', body });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
