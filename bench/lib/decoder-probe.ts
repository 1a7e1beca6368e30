// Child process for the decoder comparison: opens ONE decoder session in a fresh process, runs it
// on a random latent `runs` times and prints one JSON line with load/run times and memory, so the
// memory numbers belong to that decoder alone.
//   node --require tsx/cjs bench/lib/decoder-probe.ts <modelDir> <file> <latentSide> <runs> <device>
import { readFileSync } from 'node:fs';
import { openSessionSet } from '../../src/inference/backend/onnx';
import type { ModelSession } from '../../src/inference/backend/types';
import type { DeviceName } from '../../src/inference/types';
import { createRng } from '../../src/inference/pipeline/rng';

/**
 * Peak RSS of this process image. Linux keeps getrusage's ru_maxrss across fork + exec, so a child
 * forked from a big parent reports the parent's size; VmHWM belongs to this address space only.
 */
function peakRssBytes(): number {
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb) return Number(kb) * 1024;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return process.resourceUsage().maxRSS * 1024;
}

async function main(): Promise<void> {
  const [dir, file, side, runs, device] = process.argv.slice(2);
  if (!dir || !file || !side || !runs || !device) throw new Error('usage: decoder-probe <dir> <file> <latentSide> <runs> <device>');
  const n = Number(side);
  const rssBefore = process.memoryUsage.rss();
  let started = performance.now();
  const set = await openSessionSet(dir, [{ file }], device as DeviceName);
  const loadMs = performance.now() - started;
  const rssLoaded = process.memoryUsage.rss();
  const session = set.sessions[0] as ModelSession;
  const latent = createRng(1).normal(4 * n * n);
  const times: number[] = [];
  for (let i = 0; i < Number(runs); i++) {
    started = performance.now();
    await session.run({ latent_sample: { values: latent, dims: [1, 4, n, n] } }, ['sample']);
    times.push(performance.now() - started);
  }
  const peakRss = peakRssBytes();
  process.stdout.write(`${JSON.stringify({ device: set.device, loadMs, times, rssBefore, rssLoaded, peakRss })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
