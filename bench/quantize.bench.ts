// Quantized vs fp32: size on disk, load time, resident memory and per-stage times of existing model
// folders (e.g. the full-size synthetic SD-Turbo and the verified folders `nanoforge quantize` made
// of it), each in its own child process so load time and memory are not shared.
// bench/quantized.bench.ts (bench helper) instead converts a scale variant itself, unverified, in one process.
//   npx tsx bench/quantize.bench.ts --models DIR[,DIR…] [--size 256] [--runs 3] [--device cpu] [--write]
// --write appends the table to BENCHMARKS.md under "## Quantized vs fp32".
import { fork } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadPipeline, type DeviceName } from '../src/inference';

interface Row {
  model: string;
  variant: string;
  verdict: string;
  diskMiB: number;
  loadMs: number;
  rssMiB: number;
  textEncoderMs: number;
  unetStepMs: number;
  decodeMs: number;
}

function arg(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] ?? fallback : fallback;
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? await folderBytes(p) : (await fs.stat(p)).size;
  }
  return total;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

/** Child: one folder, one load, a warm-up and `runs` timed 1-step generations. */
async function measureOne(dir: string, size: number, runs: number, device: DeviceName): Promise<Row> {
  const manifest = await fs.readFile(path.join(dir, 'nanoforge-quantize.json'), 'utf8').then((t) => JSON.parse(t) as { to: string; verdict: string }, () => undefined);
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const pipeline = await loadPipeline(dir, { device });
  const loadMs = performance.now() - t0;
  const rssMiB = (process.memoryUsage().rss - rss0) / 2 ** 20;
  const samples: Record<string, number>[] = [];
  try {
    for (let i = 0; i <= runs; i++) {
      const r = await pipeline.generate({ prompt: 'a flat vector icon of a red apple on white', width: size, height: size, steps: 1, guidanceScale: 0, seed: i, count: 1 });
      if (i > 0) samples.push(r.timings);
    }
  } finally {
    await pipeline.dispose();
  }
  const pick = (k: string) => median(samples.map((s) => s[k] ?? NaN));
  return {
    model: path.basename(dir), variant: manifest?.to ?? 'original', verdict: manifest?.verdict ?? '—', diskMiB: (await folderBytes(dir)) / 2 ** 20,
    loadMs, rssMiB, textEncoderMs: pick('textEncoder'), unetStepMs: pick('unet.0'), decodeMs: pick('decode'),
  };
}

function runChild(dir: string): Promise<Row> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--one', dir, ...process.argv.slice(2)], { execArgv: process.execArgv });
    child.on('message', (m) => resolve(m as Row));
    child.on('exit', (code) => code !== 0 && reject(new Error(`${dir}: benchmark child exited with ${String(code)}`)));
  });
}

function table(rows: Row[], size: number, runs: number, device: string): string {
  const f = (n: number, d = 0) => n.toFixed(d);
  const cpu = os.cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown';
  return [
    `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpu} ×${os.availableParallelism()} (${device}), node ${process.version}, ${size}×${size}, 1 step, median of ${runs} after 1 warm-up; other work shared the cores.`,
    '',
    '| model | variant | verdict | disk MiB | load ms | RSS after load MiB | text encoder ms | UNet step ms | VAE decode ms |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.model} | ${r.variant} | ${r.verdict} | ${f(r.diskMiB)} | ${f(r.loadMs)} | ${f(r.rssMiB)} | ${f(r.textEncoderMs)} | ${f(r.unetStepMs)} | ${f(r.decodeMs)} |`),
  ].join('\n');
}

async function main(): Promise<void> {
  const size = Number(arg('size', '256'));
  const runs = Number(arg('runs', '3'));
  const device = arg('device', 'cpu') as DeviceName;
  const one = arg('one', '');
  if (one) {
    process.send?.(await measureOne(one, size, runs, device));
    return;
  }
  const models = arg('models', '').split(',').filter(Boolean);
  if (models.length === 0) throw new Error('give --models DIR[,DIR…]');
  const rows: Row[] = [];
  for (const m of models) rows.push(await runChild(path.resolve(m)));
  const text = table(rows, size, runs, device);
  process.stdout.write(`${text}\n`);
  if (process.argv.includes('--write')) {
    const file = path.resolve(__dirname, '../BENCHMARKS.md');
    const current = await fs.readFile(file, 'utf8');
    const heading = '## Quantized vs fp32';
    const command = `\`npx tsx bench/quantize.bench.ts ${process.argv.slice(2).filter((a) => a !== '--write').join(' ')}\``;
    const block = `${current.includes(heading) ? '' : `\n${heading}\n\nModels converted with \`nanoforge quantize IN OUT --to int8|fp16\`; sizes, load and step times measured with the command below.\n`}\n${command}\n\n${text}\n`;
    await fs.appendFile(file, block);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
