// Placeholder speed: a 1920×1080 PNG with the default "W×H" label, 50 timed runs after 5 warm-ups.
// Run: npx tsx bench/placeholder.bench.ts [--runs N] [--no-write]
// Prints median/min/max and appends a row under "## Placeholder" in BENCHMARKS.md.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { makePlaceholder } from '../src/inference/image/placeholder';

const HEADING = '## Placeholder';
const TABLE_HEAD = '| date (UTC) | machine | node / sharp | case | runs | median ms | min ms | max ms |\n|---|---|---|---|---|---|---|---|';

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  return Number.isInteger(v) && v > 0 ? v : fallback;
}

async function timeRuns(runs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs + 5; i++) {
    const start = performance.now();
    await makePlaceholder({ width: 1920, height: 1080, format: 'png' });
    if (i >= 5) times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b);
}

/** Appends `row` to the Placeholder table, creating the file, heading or table when missing. */
async function appendRow(file: string, row: string): Promise<void> {
  const text = await fs.readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '# Benchmarks\n\nMeasured with the commands in bench/; numbers depend on the machine.\n';
    throw error;
  });
  const at = text.indexOf(`${HEADING}\n`);
  if (at < 0) {
    const section = `\n${HEADING}\n\n\`npx tsx bench/placeholder.bench.ts\` — 1920×1080 PNG placeholder, default label.\n\n${TABLE_HEAD}\n${row}\n`;
    await fs.writeFile(file, `${text.trimEnd()}\n${section}`);
    return;
  }
  // The section ends at the next "## " heading; the new row goes after its last table line.
  const next = text.indexOf('\n## ', at + HEADING.length);
  const end = next < 0 ? text.length : next;
  const section = text.slice(at, end).trimEnd();
  await fs.writeFile(file, `${text.slice(0, at)}${section}\n${row}\n${next < 0 ? '' : text.slice(next)}`);
}

async function main(): Promise<void> {
  const runs = argValue('--runs', 50);
  const times = await timeRuns(runs);
  const median = times[Math.floor(times.length / 2)]!;
  const min = times[0]!;
  const max = times[times.length - 1]!;
  const cpu = `${os.cpus()[0]?.model.trim() ?? 'cpu'} ×${os.cpus().length}`;
  process.stdout.write(`placeholder 1920×1080 png: median ${median.toFixed(1)} ms, min ${min.toFixed(1)} ms, max ${max.toFixed(1)} ms (${runs} runs)\n`);
  if (process.argv.includes('--no-write')) return;
  const row = `| ${new Date().toISOString().slice(0, 16).replace('T', ' ')} | ${cpu} | ${process.version} / ${sharp.versions.sharp} | 1920×1080 png | ${runs} | ${median.toFixed(1)} | ${min.toFixed(1)} | ${max.toFixed(1)} |`;
  await appendRow(path.resolve(__dirname, '../BENCHMARKS.md'), row);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
