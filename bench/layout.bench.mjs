// Does onnxruntime's NCHWc layout (optimization level 'all' on the CPU) make the UNet faster on this
// machine? Two sessions in one process, run alternately on the same inputs: the prepared graph from a
// store's optimized-graph cache (level 'all', saved by `nanoforge models prepare`) and the model itself
// at level 'extended' (what a never-prepared model opens with). One warm-up run each, then medians.
//   node bench/layout.bench.mjs MODEL_DIR STORE_DIR [--runs 6]
// (prepare the model into STORE_DIR first: nanoforge models prepare MODEL_DIR --store STORE_DIR --device cpu)
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

const [modelDir, storeDir, ...rest] = process.argv.slice(2);
const runs = Number(rest[rest.indexOf('--runs') + 1] ?? 6) || 6;
if (!modelDir || !storeDir) {
  console.error('usage: node bench/layout.bench.mjs MODEL_DIR STORE_DIR [--runs 6]');
  process.exit(2);
}
const ort = createRequire(import.meta.url)('onnxruntime-node');
const unet = path.resolve(modelDir, 'unet', 'model.onnx');
const cache = path.join(storeDir, '.cache', 'onnx-graphs');
const entry = readdirSync(cache).filter((e) => !e.startsWith('.')).find((e) => {
  try {
    return JSON.parse(readFileSync(path.join(cache, e, 'entry.json'), 'utf8')).material.source === unet;
  } catch {
    return false;
  }
});
if (!entry) throw new Error(`no prepared UNet of ${modelDir} in ${cache}`);
// The sessions' own settings on the CPU (src/inference/backend/onnx.ts): threads = cores (at most 8), no memory pattern.
const base = { logSeverityLevel: 3, enableMemPattern: false, intraOpNumThreads: Math.max(1, Math.min(8, (await import('node:os')).availableParallelism())) };
const sessions = {
  "'all' (prepared, NCHWc)": await ort.InferenceSession.create(path.join(cache, entry, 'model.onnx'), { ...base, graphOptimizationLevel: 'disabled' }),
  "'extended' (never prepared)": await ort.InferenceSession.create(unet, { ...base, graphOptimizationLevel: 'extended' }),
};
const config = JSON.parse(readFileSync(path.join(modelDir, 'unet', 'config.json'), 'utf8'));
const size = config.sample_size ?? 64;
const shapes = { sample: [1, config.in_channels ?? 4, size, size], encoder_hidden_states: [1, 77, config.cross_attention_dim ?? 1024] };
const first = Object.values(sessions)[0];
const feeds = {};
for (const m of first.inputMetadata) {
  const dims = m.shape.map((d, i) => (typeof d === 'number' && d > 0 ? d : (shapes[m.name]?.[i] ?? 1)));
  const n = dims.reduce((a, b) => a * b, 1);
  feeds[m.name] = new ort.Tensor(m.type, m.type === 'int64' ? BigInt64Array.from({ length: n }, () => 999n) : Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.1)), dims);
}
const times = Object.fromEntries(Object.keys(sessions).map((k) => [k, []]));
for (let r = 0; r <= runs; r++) {
  for (const [label, session] of Object.entries(sessions)) {
    const started = performance.now();
    await session.run(feeds);
    if (r > 0) times[label].push(performance.now() - started);
  }
}
const median = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
console.log(`GLIBC_TUNABLES=${process.env.GLIBC_TUNABLES ?? ''}; ${runs} runs each after a warm-up, alternating`);
console.log('| UNet graph | median step ms | steps ms |');
console.log('| --- | --- | --- |');
for (const [label, t] of Object.entries(times)) console.log(`| ${label} | ${median(t).toFixed(0)} | ${t.map((x) => x.toFixed(0)).join(' ')} |`);
