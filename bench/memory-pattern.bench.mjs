// onnxruntime's memory pattern on the CPU: one UNet session per setting, each in a fresh process,
// the same inputs, five runs; step time and the process's RSS / peak RSS after each run. It showed
// that the pattern's block (planned on the first run, allocated on the second) is held beside the
// arena's chunks without making the steps faster, so src/inference/backend/onnx.ts turns it off.
//   node bench/memory-pattern.bench.mjs UNET_ONNX [--runs 5]
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const gib = (key) => (Number(new RegExp(`${key}:\\s+(\\d+)`).exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1048576).toFixed(2);

async function child(file, memPattern, runs) {
  const ort = createRequire(import.meta.url)('onnxruntime-node');
  const t = performance.now();
  const s = await ort.InferenceSession.create(file, { graphOptimizationLevel: 'all', logSeverityLevel: 3, enableMemPattern: memPattern });
  console.log(`memory pattern ${memPattern ? 'on ' : 'off'}: load ${((performance.now() - t) / 1000).toFixed(1)} s, RSS ${gib('VmRSS')} GiB`);
  const latent = { sample: [1, 4, 64, 64], encoder_hidden_states: [1, 77, 1024] };
  const feeds = {};
  for (const m of s.inputMetadata) {
    const dims = m.shape.map((d, i) => (typeof d === 'number' && d > 0 ? d : (latent[m.name]?.[i] ?? 1)));
    const n = dims.reduce((a, b) => a * b, 1);
    const data = m.type === 'int64' ? BigInt64Array.from({ length: n }, () => 999n) : Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.1));
    feeds[m.name] = new ort.Tensor(m.type, data, dims);
  }
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await s.run(feeds);
    console.log(`  run ${r + 1}: ${(performance.now() - t0).toFixed(0)} ms, RSS ${gib('VmRSS')} GiB, peak ${gib('VmHWM')} GiB`);
  }
}

const [file, ...rest] = process.argv.slice(2);
const runs = Number(rest[rest.indexOf('--runs') + 1] ?? 5) || 5;
if (!file) {
  console.error('usage: node bench/memory-pattern.bench.mjs UNET_ONNX [--runs 5]');
  process.exit(2);
}
if (process.env.NF_MEMPATTERN_CHILD) {
  await child(file, process.env.NF_MEMPATTERN_CHILD === 'on', runs);
} else {
  for (const setting of ['on', 'off']) {
    spawnSync(process.execPath, [new URL(import.meta.url).pathname, file, '--runs', String(runs)], { stdio: 'inherit', env: { ...process.env, NF_MEMPATTERN_CHILD: setting } });
  }
}
