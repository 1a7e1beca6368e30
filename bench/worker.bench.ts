// (4) The worker process: cold start to first image, warm second image, memory of the worker and of
// the host before/after (the host must not grow by the model size), idle unload; and the worker
// path's overhead over the bare session.run time of the same request run in-process.
//   npx tsx bench/worker.bench.ts [--device cpu] [--precision fp32] [--scale 1] [--size 512]
//       [--worker dist|src] [--idle-ms 3000] [--no-inprocess] [--out file] [--no-write]
// --no-inprocess skips the in-process comparison run (it loads the model a second time).
// Issue 13's before → after summary (the table BENCHMARKS.md opens with), one run, ~10 min at full size:
//   npx tsx bench/worker.bench.ts --before-after [--runs 3] [--int8 bench/models/sd-turbo-synth-fp32-int8 | --no-int8]
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { setRunObserver } from '../src/inference/backend/onnx';
import { generateAsset } from '../src/inference/image/generate-asset';
import type { GenerationRequest } from '../src/inference/request';
import { loadPipeline, type DeviceName } from '../src/inference';
import { WorkerClient } from '../src/inference/worker/client';
import { beforeAfter } from './lib/before-after';
import { parsePrecisions, sizeLabel, syntheticModel } from './lib/models';
import { argFlag, argNumber, argString, fmt, mib, procMemory, publish, REPO, rssBytes, table } from './lib/report';

/** Child processes of this process whose command line names the worker (Linux /proc). */
async function workerPids(): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await fs.readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const status = await fs.readFile(`/proc/${entry}/status`, 'utf8').catch(() => '');
    const ppid = /^PPid:\s+(\d+)/m.exec(status)?.[1];
    if (Number(ppid) !== process.pid) continue;
    const cmd = await fs.readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (/worker/.test(cmd)) pids.push(Number(entry));
  }
  return pids;
}

function workerOptions(): { workerPath: string; execArgv: string[]; label: string } {
  const dist = path.join(REPO, 'dist', 'worker.js');
  const which = argString('--worker', existsSync(dist) ? 'dist' : 'src');
  if (which === 'dist') return { workerPath: dist, execArgv: [], label: 'dist/worker.js (run `npm run build` first)' };
  return { workerPath: path.join(REPO, 'src', 'inference', 'worker', 'main.ts'), execArgv: ['--require', 'tsx/cjs'], label: 'src/inference/worker/main.ts via tsx (includes TS compile)' };
}

async function waitForExit(client: WorkerClient, limitMs: number): Promise<number> {
  const started = performance.now();
  while (client.running && performance.now() - started < limitMs) await new Promise((r) => setTimeout(r, 50));
  return client.running ? NaN : performance.now() - started;
}

async function main(): Promise<void> {
  const device = argString('--device', 'cpu') as DeviceName;
  const scale = argNumber('--scale', 1);
  const size = argNumber('--size', 512);
  if (argFlag('--before-after')) {
    const [precision = 'fp32'] = parsePrecisions(argString('--precision', 'fp32'));
    return beforeAfter({ modelDir: await syntheticModel(precision, scale), spawn: workerOptions(), device, size, label: `${precision}, ${sizeLabel(scale)}` });
  }
  const idleMs = argNumber('--idle-ms', 3000);
  const [precision = 'fp32'] = parsePrecisions(argString('--precision', 'fp32'));
  const modelDir = await syntheticModel(precision, scale);
  const worker = workerOptions();
  const request: GenerationRequest = { prompt: 'a flat vector icon of a red apple on white', kind: 'illustration', width: size, height: size, format: 'png', steps: 1, seed: 1, guidanceScale: 0 };
  const hostBefore = rssBytes();
  const client = new WorkerClient({ workerPath: worker.workerPath, execArgv: worker.execArgv, idleTimeoutMs: idleMs });
  let started = performance.now();
  await client.generate({ ...request, modelDir, device });
  const coldMs = performance.now() - started;
  const pid = (await workerPids())[0];
  const afterFirst = pid ? await procMemory(pid) : undefined;
  started = performance.now();
  const warm = await client.generate({ ...request, modelDir, device, seed: 2 });
  const warmMs = performance.now() - started;
  const afterSecond = pid ? await procMemory(pid) : undefined;
  const hostAfter = rssBytes();
  const exitMs = await waitForExit(client, idleMs + 30_000);
  const hostAfterUnload = rssBytes();
  client.dispose();

  const { inProcessMs, bare } = argFlag('--no-inprocess') ? { inProcessMs: NaN, bare: NaN } : await inProcess(modelDir, device, request);

  const modelBytes = await folderBytes(modelDir);
  const rows = [
    ['cold start → first image (spawn, load, generate, PNG)', `${fmt(coldMs, 0)} ms`],
    ['warm second image', `${fmt(warmMs, 0)} ms (timings in the worker: ${Object.entries(warm.timings).filter(([k]) => !k.startsWith('unet.')).map(([k, v]) => `${k} ${fmt(v, 0)}`).join(', ')})`],
    ['same request in-process (generateAsset)', `${fmt(inProcessMs, 0)} ms; bare session.run sum ${fmt(bare, 0)} ms`],
    ['overhead: worker warm ÷ its own session stages (same run)', `${fmt(warmMs / sessionStages(warm.timings), 3)} (stages = textEncoder + unet + decode as the worker timed them)`],
    ['overhead: worker warm ÷ bare runs of the in-process run', fmt(warmMs / bare, 3)],
    ['overhead: in-process generateAsset ÷ bare runs', fmt(inProcessMs / bare, 3)],
    ['worker RSS after first / second image (peak)', afterFirst && afterSecond ? `${mib(afterFirst.rss)} / ${mib(afterSecond.rss)} (peak ${mib(afterSecond.peak)})` : 'not measured (no /proc)'],
    ['host RSS before → after two images → after unload', `${mib(hostBefore)} → ${mib(hostAfter)} → ${mib(hostAfterUnload)} (growth ${mib(hostAfter - hostBefore)}; model on disk ${mib(modelBytes)})`],
    [`idle unload (idle timeout ${idleMs} ms)`, Number.isFinite(exitMs) ? `worker exited ${fmt(exitMs, 0)} ms after the second image` : 'worker did NOT exit'],
  ];
  const body = `Synthetic SD-Turbo ${precision} (${sizeLabel(scale)}), asset request 'illustration' → ${size}×${size} PNG (generateAsset runs the model at ` +
    `its native 512×512 and resizes), 1 step, device ${device}, worker ${worker.label}. ` +
    'Single measurement per row (the cold start cannot repeat without a new process).\n\n' + table(['measure', 'value'], rows);
  await publish({ title: `Worker (${sizeLabel(scale)}, ${device})`, script: 'worker.bench.ts', body });
}

/** The same request in this process (after a warm-up), summing the bare session.run times it wraps. */
async function inProcess(modelDir: string, device: DeviceName, request: GenerationRequest): Promise<{ inProcessMs: number; bare: number }> {
  const pipeline = await loadPipeline(modelDir, { device });
  try {
    await generateAsset(pipeline, request, {});
    let bare = 0;
    setRunObserver((_f, ms) => { bare += ms; });
    const started = performance.now();
    await generateAsset(pipeline, { ...request, seed: 2 }, {});
    setRunObserver(undefined);
    return { inProcessMs: performance.now() - started, bare };
  } finally {
    setRunObserver(undefined);
    await pipeline.dispose();
  }
}

/** Time the worker spent in the three sessions (each stage ≈ its session.run plus input/output copies). */
function sessionStages(timings: Record<string, number>): number {
  return (timings.textEncoder ?? NaN) + (timings.unet ?? NaN) + (timings.decode ?? NaN);
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await fs.stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
