// Issue 13's targets measured before → after in one run (bench/worker.bench.ts --before-after): each
// scenario is a fresh worker process; "before" selects the old behaviour in this same code (sessions
// opened one after another, no optimized-graph cache, the full VAE decoder), so both sides share the
// machine, its load and its page cache. The result is the summary table BENCHMARKS.md opens with.
// "After" runs a model twice: first never prepared (the graph cache empty: sessions open with fewer
// optimizations), then after `nanoforge models prepare` (timed here; pull and add run it) saved the
// optimized graphs.
import { spawn as spawnProcess } from 'node:child_process';
import { createReadStream, existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SessionLoad } from '../../src/inference/backend/types';
import type { DecoderChoice, DecoderUsed, DeviceName } from '../../src/inference';
import type { AssetResult } from '../../src/inference/image/generate-asset';
import { WorkerClient } from '../../src/inference/worker/client';
import { argFlag, argNumber, argString, command, fmt, fmtStats, machine, procMemory, publish, publishSummary, REPO, stats, table } from './report';

export interface Scenario {
  label: string;
  modelDir: string;
  /** A model store for the run: its `.cache/onnx-graphs` is the optimized-graph cache; absent: no cache. */
  storeDir?: string;
  decoder?: DecoderChoice;
  /** Open the sessions one after another (NANOFORGE_LOAD=sequential, the old loader). */
  sequential: boolean;
  /** After the warm images, the first prompt again: the prompt cache should skip the text encoder. */
  rerun?: boolean;
  /** The worker without huge-page malloc (GLIBC_TUNABLES=glibc.malloc.hugetlb=0), as before issue 13. */
  noHugePages?: boolean;
}

export interface ScenarioResult {
  scenario: Scenario;
  coldMs: number;
  warmMs: number[];
  /** Worker timings of each warm image (textEncoder, unet, unet.0, decode, …). */
  warm: AssetResult[];
  decoder: DecoderUsed;
  loads: SessionLoad[];
  /** VmHWM of the worker process (its session threads included). */
  peakRss: number;
  rerun?: AssetResult;
}

export interface WorkerSpawn {
  workerPath: string;
  execArgv: string[];
}

const PROMPTS = [
  'a flat vector icon of a red apple on white',
  'a minimalist logo of a paper boat, blue and white',
  'an isometric illustration of a small house with a garden',
  'a watercolor placeholder of mountains at dawn',
  'a line icon of a bicycle on a plain background',
];

/** Reads every file of the folders once, so each scenario's cold start finds the same warm page cache. */
export async function warmPageCache(dirs: string[]): Promise<number> {
  let bytes = 0;
  for (const dir of dirs) {
    for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
      if (!entry.isFile()) continue;
      await new Promise<void>((resolve, reject) => {
        createReadStream(path.join(entry.parentPath, entry.name), { highWaterMark: 8 * 2 ** 20 })
          .on('data', (chunk) => { bytes += chunk.length; })
          .on('end', resolve)
          .on('error', reject);
      });
    }
  }
  return bytes;
}

async function waitForProcessExit(pid: number, limitMs: number): Promise<void> {
  const started = Date.now();
  while (existsSync(`/proc/${pid}`) && Date.now() - started < limitMs) await new Promise((r) => setTimeout(r, 100));
}

/** One fresh worker: the cold first image, `warmRuns` more with new prompts, the peak RSS. */
export async function runScenario(s: Scenario, spawn: WorkerSpawn, device: DeviceName, size: number, warmRuns: number): Promise<ScenarioResult> {
  const previous = process.env.NANOFORGE_LOAD;
  const previousIdle = process.env.NANOFORGE_PREPARE_IDLE_MS;
  const previousTunables = process.env.GLIBC_TUNABLES;
  if (s.noHugePages) process.env.GLIBC_TUNABLES = 'glibc.malloc.hugetlb=0';
  // fork() copies the environment when the worker starts (at the first request below).
  if (s.sequential) process.env.NANOFORGE_LOAD = 'sequential';
  else delete process.env.NANOFORGE_LOAD;
  // The preparation is measured on its own (prepareInChild); a worker must not start one mid-scenario.
  process.env.NANOFORGE_PREPARE_IDLE_MS = 'off';
  const client = new WorkerClient({ workerPath: spawn.workerPath, execArgv: spawn.execArgv, idleTimeoutMs: 0 });
  const place = { modelDir: s.modelDir, device, ...(s.storeDir ? { storeDir: s.storeDir } : {}) };
  const request = (i: number) => ({
    ...place, prompt: PROMPTS[i % PROMPTS.length] as string, kind: 'illustration' as const, width: size, height: size,
    format: 'png' as const, steps: 1, seed: i + 1, guidanceScale: 0, ...(s.decoder ? { decoder: s.decoder } : {}),
  });
  try {
    let started = performance.now();
    const first = await client.generate(request(0));
    const coldMs = performance.now() - started;
    const pid = client.pid;
    const info = await client.modelInfo(s.modelDir, device, s.storeDir);
    const warm: AssetResult[] = [];
    const warmMs: number[] = [];
    for (let i = 1; i <= warmRuns; i++) {
      started = performance.now();
      warm.push(await client.generate(request(i)));
      warmMs.push(performance.now() - started);
      process.stdout.write(`  ${s.label}: warm ${i}/${warmRuns} ${fmt(warmMs[warmMs.length - 1] ?? NaN, 0)} ms\n`);
    }
    const rerun = s.rerun ? await client.generate({ ...request(0), seed: 99 }) : undefined;
    const memory = pid ? await procMemory(pid) : undefined;
    client.dispose();
    if (pid) await waitForProcessExit(pid, 10_000);
    return { scenario: s, coldMs, warmMs, warm, decoder: first.decoder, loads: info.loads, peakRss: memory?.peak ?? NaN, ...(rerun ? { rerun } : {}) };
  } finally {
    client.dispose();
    if (previous === undefined) delete process.env.NANOFORGE_LOAD;
    else process.env.NANOFORGE_LOAD = previous;
    if (previousIdle === undefined) delete process.env.NANOFORGE_PREPARE_IDLE_MS;
    else process.env.NANOFORGE_PREPARE_IDLE_MS = previousIdle;
    if (previousTunables === undefined) delete process.env.GLIBC_TUNABLES;
    else process.env.GLIBC_TUNABLES = previousTunables;
  }
}

/** Median of one worker timing over the warm images. */
export function warmStage(r: ScenarioResult, key: string): number {
  return stats(r.warm.map((w) => w.timings[key] ?? NaN)).median;
}

export function warmMedian(r: ScenarioResult): number {
  return stats(r.warmMs).median;
}

function gib(bytes: number): string {
  return `${fmt(bytes / 2 ** 30, 2)} GiB`;
}

function s1(ms: number): string {
  return `${fmt(ms / 1000, 1)} s`;
}

function verdict(ok: boolean | undefined): string {
  return ok === undefined ? '–' : ok ? 'yes' : '**no**';
}

/** `nanoforge models prepare` of one model in its own process: wall time, peak RSS, what it saved. */
export interface Preparation {
  dir: string;
  ms: number;
  peakRss: number;
  files: Array<{ file: string; graphCache: string; ms: number }>;
}

/** Runs `nanoforge models prepare DIR --store STORE --device DEVICE --json` (dist/cli.js, else the source via tsx). */
export async function prepareInChild(dir: string, storeDir: string, device: DeviceName): Promise<Preparation> {
  const dist = path.join(REPO, 'dist', 'cli.js');
  const args = [...(existsSync(dist) ? [dist] : ['--require', 'tsx/cjs', path.join(REPO, 'src', 'cli', 'main.ts')]), 'models', 'prepare', dir, '--store', storeDir, '--device', device, '--json'];
  const started = performance.now();
  const child = spawnProcess(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // The CLI hands the work to a preparing process of its own: the peak is the largest of the tree's.
  let peak = 0;
  const poll = setInterval(() => {
    if (!child.pid) return;
    void processTree(child.pid).then((pids) => Promise.all(pids.map(procMemory))).then((all) => {
      for (const m of all) if (m && m.peak > peak) peak = m.peak;
    });
  }, 100);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(poll);
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`models prepare ${dir} exited with ${String(code)}: ${stderr.trim()}`);
  const parsed = JSON.parse(stdout) as { files: Preparation['files'] };
  return { dir, ms, peakRss: peak, files: parsed.files };
}

/** `pid` and its descendants (Linux: /proc/PID/task/PID/children). */
async function processTree(pid: number): Promise<number[]> {
  const children = await fs.readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  const direct = children.split(/\s+/).filter(Boolean).map(Number);
  return [pid, ...(await Promise.all(direct.map(processTree))).flat()];
}

export interface SummaryInput {
  before: ScenarioResult;
  first: ScenarioResult;
  second: ScenarioResult;
  prepared: Preparation;
  int8?: ScenarioResult;
  /** The issue's recorded cold start (53 s on this machine before the work). */
  oldColdMs: number;
  command: string;
}

/** The summary rows: measure, target, before, after, met, command. */
export function summaryRows(input: SummaryInput): string[][] {
  const { before, first, second, prepared, int8, command } = input;
  const cmd = `\`${command}\``;
  const ratio = (r: ScenarioResult): number => warmStage(r, 'decode') / warmStage(r, 'unet.0');
  const rows: string[][] = [
    ['warm 512² 1-step image, default settings', '≤ 6 s', `${s1(warmMedian(before))} (full VAE)`, `${s1(warmMedian(second))} (${second.decoder.kind} decoder)`, verdict(warmMedian(second) <= 6000), cmd],
    ['decode ÷ one UNet step', '≤ 0.3', `${fmt(ratio(before), 2)} (${fmt(warmStage(before, 'decode'), 0)} ÷ ${fmt(warmStage(before, 'unet.0'), 0)} ms)`,
      `${fmt(ratio(second), 2)} (${fmt(warmStage(second, 'decode'), 0)} ÷ ${fmt(warmStage(second, 'unet.0'), 0)} ms)`, verdict(ratio(second) <= 0.3), cmd],
  ];
  if (int8) {
    const stepRatio = warmStage(int8, 'unet.0') / warmStage(second, 'unet.0');
    rows.push(
      ['warm image, int8 + tiny decoder', '≤ 4.5 s', `${s1(warmMedian(before))} (fp32, full VAE)`, s1(warmMedian(int8)), verdict(warmMedian(int8) <= 4500), cmd],
      ['int8 UNet step ÷ fp32 UNet step', '≤ 0.75', '–', `${fmt(stepRatio, 2)} (${fmt(warmStage(int8, 'unet.0'), 0)} ÷ ${fmt(warmStage(second, 'unet.0'), 0)} ms)`, verdict(stepRatio <= 0.75), cmd],
    );
  }
  const coldTarget = Math.min(input.oldColdMs, before.coldMs) * 0.5;
  rows.push(
    ['cold start → first image (spawn, load, generate, PNG)', `≤ 0.5 × before (≤ ${s1(coldTarget)})`, s1(before.coldMs), `${s1(first.coldMs)} (model never prepared: ${unpreparedSummary(first.loads)})`, verdict(first.coldMs <= coldTarget), cmd],
    ['second cold start (optimized graphs cached)', `< the first (${s1(first.coldMs)})`, '–', `${s1(second.coldMs)} (after models prepare: ${cacheSummary(second.loads)})`, verdict(second.coldMs < first.coldMs), cmd],
    ['preparing the model once (models prepare; the end of models pull / add)', '–', '–', `${s1(prepared.ms)} in its own process, peak RSS ${gib(prepared.peakRss)}; ${prepared.files.length} graphs saved (before: the first load paid it, ${s1(before.coldMs)} cold start)`, '–', cmd],
    ['warm image before the model is prepared', '–', '–', `${s1(warmMedian(first))} (UNet step ${fmt(warmStage(first, 'unet.0'), 0)} vs ${fmt(warmStage(second, 'unet.0'), 0)} ms prepared)`, '–', cmd],
    ['peak worker RSS, fp32 + tiny decoder', '≤ 5.5 GiB', `${gib(before.peakRss)} (full VAE)`, `${gib(second.peakRss)} (never prepared: ${gib(first.peakRss)})`, verdict(Math.max(first.peakRss, second.peakRss) <= 5.5 * 2 ** 30), cmd],
  );
  if (int8) rows.push(['peak worker RSS, int8 + tiny decoder', '≤ 3 GiB', '–', gib(int8.peakRss), verdict(int8.peakRss <= 3 * 2 ** 30), cmd]);
  if (second.rerun) {
    const c = second.rerun.counters;
    rows.push(['re-run of a recent prompt: text-encoder runs', '0 (prompt cache)', '1', `${c.textEncoderRuns} (prompt cache hits ${c.promptCacheHits})`, verdict(c.textEncoderRuns === 0), cmd]);
  }
  return rows;
}

/** "3 of 3 sessions opened with fewer optimizations" and the like. */
export function unpreparedSummary(loads: SessionLoad[]): string {
  return `${loads.filter((l) => l.graphCache === 'unprepared').length} of ${loads.length} sessions opened without the layout optimizations`;
}

/** "3 of 3 sessions from the graph cache" and the like. */
export function cacheSummary(loads: SessionLoad[]): string {
  const hits = loads.filter((l) => l.graphCache === 'hit').length;
  return `${hits} of ${loads.length} sessions from the graph cache`;
}

/** A scratch model store for the graph cache, under the repository (never the real store), removed after. */
export async function scratchStore(root: string): Promise<{ dir: string; remove(): Promise<void> }> {
  await fs.mkdir(root, { recursive: true });
  const dir = await fs.mkdtemp(path.join(root, 'bench-store-'));
  return { dir, remove: () => fs.rm(dir, { recursive: true, force: true }) };
}

export function loadAverage(): string {
  return os.loadavg().map((l) => l.toFixed(1)).join(' / ');
}

export interface BeforeAfterOptions {
  /** The fp32 model (its int8 copy comes from --int8). */
  modelDir: string;
  spawn: WorkerSpawn & { label: string };
  device: DeviceName;
  size: number;
  label: string;
}

function detailRow(r: ScenarioResult): string[] {
  const s = r.scenario;
  return [s.label, s.sequential ? 'sequential' : 'parallel', s.storeDir ? cacheSummary(r.loads) : 'no cache', `${r.decoder.kind} (${r.decoder.source})`,
    fmt(r.coldMs, 0), fmtStats(stats(r.warmMs), 0), fmt(warmStage(r, 'textEncoder'), 0), fmt(warmStage(r, 'unet.0'), 0), fmt(warmStage(r, 'decode'), 0),
    `${fmt(r.peakRss / 2 ** 20, 0)} MiB`];
}

/** Runs the scenarios, appends the dated detail section and rewrites the summary at the top. */
export async function beforeAfter(o: BeforeAfterOptions): Promise<void> {
  const runs = argNumber('--runs', 3);
  const defaultInt8 = path.join(REPO, 'bench', 'models', 'sd-turbo-synth-fp32-int8');
  const int8Dir = argFlag('--no-int8') ? undefined : argString('--int8', defaultInt8);
  if (int8Dir && !existsSync(path.join(int8Dir, 'unet', 'model.onnx'))) {
    throw new Error(`no int8 model at ${int8Dir}: write one with \`nanoforge quantize ${o.modelDir} --to int8 --out ${int8Dir}\`, or pass --no-int8`);
  }
  const loadStart = loadAverage();
  const cached = await warmPageCache([o.modelDir, ...(int8Dir ? [int8Dir] : [])]);
  process.stdout.write(`page cache warmed: ${fmt(cached / 2 ** 30, 2)} GiB read; load average ${loadStart}\n`);
  const store = await scratchStore(path.join(REPO, 'test-output'));
  try {
    const run = (s: Scenario): Promise<ScenarioResult> => {
      process.stdout.write(`${s.label} …\n`);
      return runScenario(s, o.spawn, o.device, o.size, runs);
    };
    const before = await run({ label: 'before: sequential load, no graph cache, full VAE, no huge pages', modelDir: o.modelDir, decoder: 'full', sequential: true, noHugePages: true });
    const first = await run({ label: 'after, first cold start (model never prepared)', modelDir: o.modelDir, storeDir: store.dir, sequential: false });
    process.stdout.write('models prepare (fp32) …\n');
    const prepared = await prepareInChild(o.modelDir, store.dir, o.device);
    const second = await run({ label: 'after, second cold start (prepared: graphs cached)', modelDir: o.modelDir, storeDir: store.dir, sequential: false, rerun: true });
    const int8Prepared = int8Dir ? await prepareInChild(int8Dir, store.dir, o.device) : undefined;
    const int8 = int8Dir ? await run({ label: 'after, int8 + tiny (prepared)', modelDir: int8Dir, storeDir: store.dir, sequential: false }) : undefined;
    const loadEnd = loadAverage();
    const all = [before, first, second, ...(int8 ? [int8] : [])];
    const cmd = command('worker.bench.ts');
    const setup = `Full-size synthetic SD-Turbo (${o.label}${int8Dir ? `; int8: ${path.relative(REPO, int8Dir)}` : ''}), asset 'illustration' ${o.size}×${o.size} PNG, ` +
      `1 step, device ${o.device}, worker ${o.spawn.label}; every scenario a fresh worker process; page cache warm for all; ` +
      `${runs} warm images per worker (each a new prompt), medians; load average ${loadStart} at start, ${loadEnd} at the end.`;
    const preparations = [prepared, ...(int8Prepared ? [int8Prepared] : [])];
    const detail = [setup, '', table(['scenario', 'load', 'graph cache', 'decoder', 'cold → first image ms', 'warm image ms', 'text enc', 'UNet step', 'decode', 'peak RSS'], all.map(detailRow)), '',
      table(['models prepare', 'wall ms', 'per file (ms, status)', 'peak RSS'], preparations.map((p) => [path.relative(REPO, p.dir) || p.dir, fmt(p.ms, 0),
        p.files.map((f) => `${f.file} ${fmt(f.ms, 0)} ${f.graphCache}`).join('; '), `${fmt(p.peakRss / 2 ** 20, 0)} MiB`]))];
    await publish({ title: `Before → after (issue 13; ${o.label}, ${o.device})`, script: 'worker.bench.ts', body: detail.join('\n') });
    const rows = summaryRows({ before, first, second, prepared, ...(int8 ? { int8 } : {}), oldColdMs: argNumber('--old-cold-ms', 53_000), command: cmd });
    const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
    await publishSummary([
      `## Summary: before → after (issue 13) — ${date} UTC`, '',
      `${machine()}; load average at the end ${loadEnd}. All numbers come from one run of the command in the last column: ${setup} ` +
        '"Before" is the old behaviour selected in the same run (sessions opened one after another, no optimized-graph cache, ' +
        '`--decoder full`, the worker without huge-page malloc); "after" is the defaults (sessions opened in parallel, the optimized-graph cache, ' +
        '`--decoder auto` = tiny on the CPU, glibc malloc on transparent huge pages in the worker), ' +
        'first for a model never prepared, then after `nanoforge models prepare` (which `models pull` and `models add` run) saved its optimized graphs. ' +
        'The dated section "Before → after" below has every scenario\'s stages.', '',
      table(['measure', 'target', 'before', 'after', 'met', 'reproduce'], rows), '',
      'The UNet\'s FLOPs per step and this machine\'s attainable fp32/int8 MatMul and Conv throughput are measured by ' +
        '`npx tsx bench/int8.bench.ts` (issue 13 §2; its section below). GPU: `npx tsx bench/generation.bench.ts --device cuda --precision fp16,fp32 --runs 5` ' +
        'measures the same stages on CUDA; this machine has no GPU, and the command stops with one line saying why.',
    ].join('\n'));
  } finally {
    await store.remove();
  }
}
