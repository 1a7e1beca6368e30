// Shared benchmark plumbing: arguments, statistics, machine/commit description, markdown tables,
// and appending a dated section to BENCHMARKS.md (or the file given with --out).
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..');

/** `--name value` from argv, else the fallback. */
export function argString(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  const value = i >= 0 ? process.argv[i + 1] : undefined;
  if (i >= 0 && value === undefined) throw new Error(`${name} needs a value`);
  return value ?? fallback;
}

export function argNumber(name: string, fallback: number): number {
  const raw = argString(name, String(fallback));
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got '${raw}'`);
  return value;
}

export function argFlag(name: string): boolean {
  return process.argv.includes(name);
}

export interface Stats {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function stats(values: readonly number[]): Stats {
  if (values.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[sorted.length - 1] as number, n: sorted.length };
}

/** The p-th percentile (nearest rank), p in 0..100. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? NaN;
}

/** "median (min–max)" with a sensible number of digits for milliseconds. */
export function fmtStats(s: Stats, digits = 1): string {
  if (s.n === 0) return '–';
  if (s.n === 1) return fmt(s.median, digits);
  return `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
}

export function fmt(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '–';
}

export function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

export function machine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? 'unknown CPU';
  const load = os.loadavg().map((l) => l.toFixed(1)).join(' / ');
  return `${model}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()} ${os.arch()}, ` +
    `Node ${process.version}; load average at start ${load}`;
}

export function commit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: REPO, encoding: 'utf8' }).trim();
    return dirty ? `${sha} (working tree has uncommitted changes)` : sha;
  } catch (error) {
    return `unknown (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
  }
}

export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The command that reproduces this run, as typed. */
export function command(script: string): string {
  return `npx tsx bench/${script} ${process.argv.slice(2).join(' ')}`.trim();
}

export interface Section {
  title: string;
  script: string;
  /** Markdown body: tables and notes. */
  body: string;
}

/**
 * Prints the section and appends it (dated, with machine, commit and command) to BENCHMARKS.md or
 * to `--out <file>`; `--no-write` only prints.
 */
export async function publish(section: Section): Promise<void> {
  const now = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const text = `\n## ${section.title} — ${now} UTC\n\n` +
    `- machine: ${machine()}\n- commit: ${commit()}\n- command: \`${command(section.script)}\`\n\n${section.body.trim()}\n`;
  process.stdout.write(text);
  if (argFlag('--no-write')) return;
  const file = path.resolve(argString('--out', path.join(REPO, 'BENCHMARKS.md')));
  const existing = await fs.readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '# Benchmarks\n\nMeasured with the commands in bench/; numbers depend on the machine.\n';
    throw error;
  });
  await fs.writeFile(file, `${existing.trimEnd()}\n${text}`);
  process.stdout.write(`\n(appended to ${path.relative(process.cwd(), file) || file})\n`);
}

export function rssBytes(): number {
  return process.memoryUsage.rss();
}

/** VmRSS and VmHWM (peak) of a process from /proc (Linux); undefined elsewhere. */
export async function procMemory(pid: number): Promise<{ rss: number; peak: number } | undefined> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  if (!status) return undefined;
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

const SUMMARY_BEGIN = '<!-- summary:begin (written by bench/worker.bench.ts --before-after) -->';
const SUMMARY_END = '<!-- summary:end -->';

/**
 * Puts `markdown` at the top of BENCHMARKS.md (or `--out`), right under its title, replacing the
 * previous summary; the dated sections stay below. `--no-write` only prints.
 */
export async function publishSummary(markdown: string): Promise<void> {
  const block = `${SUMMARY_BEGIN}\n${markdown.trim()}\n${SUMMARY_END}`;
  process.stdout.write(`\n${block}\n`);
  if (argFlag('--no-write')) return;
  const file = path.resolve(argString('--out', path.join(REPO, 'BENCHMARKS.md')));
  const existing = await fs.readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '# Benchmarks\n';
    throw error;
  });
  const begin = existing.indexOf(SUMMARY_BEGIN);
  const end = existing.indexOf(SUMMARY_END);
  let rest: string;
  if (begin >= 0 && end > begin) rest = existing.slice(0, begin) + existing.slice(end + SUMMARY_END.length);
  else rest = existing;
  const titleEnd = rest.startsWith('# ') ? rest.indexOf('\n') + 1 : 0;
  const title = rest.slice(0, titleEnd).trimEnd() || '# Benchmarks';
  await fs.writeFile(file, `${title}\n\n${block}\n\n${rest.slice(titleEnd).trim()}\n`);
  process.stdout.write(`\n(summary written to the top of ${path.relative(process.cwd(), file) || file})\n`);
}
