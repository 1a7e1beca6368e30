// onnxruntime's full graph optimization with and without glibc malloc on transparent huge pages:
// one session creation at level 'all' per setting, each in a fresh process (glibc reads the tunable at
// start), wall / user / system time. It showed that page faults were most of a large model's load, so
// the worker starts with GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (src/inference/worker/client.ts).
//   node bench/huge-pages.bench.mjs MODEL_ONNX [--level all]      (Linux, glibc ≥ 2.35)
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const [file, ...rest] = process.argv.slice(2);
const level = rest[rest.indexOf('--level') + 1] ?? 'all';
if (!file) {
  console.error('usage: node bench/huge-pages.bench.mjs MODEL_ONNX [--level all]');
  process.exit(2);
}
if (process.env.NF_HUGE_PAGES_CHILD) {
  const ort = createRequire(import.meta.url)('onnxruntime-node');
  const started = performance.now();
  const session = await ort.InferenceSession.create(file, { graphOptimizationLevel: level, logSeverityLevel: 3, enableMemPattern: false });
  const ms = performance.now() - started;
  const usage = process.resourceUsage();
  console.log(JSON.stringify({ ms, userMs: usage.userCPUTime / 1000, systemMs: usage.systemCPUTime / 1000, majorFaults: usage.majorPageFault, minorFaults: usage.minorPageFault }));
  await session.release();
} else {
  const thp = (await import('node:fs')).readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8').trim();
  console.log(`transparent_hugepage: ${thp}; ${file}, level ${level}`);
  console.log('| malloc | session creation ms | user ms | system ms | minor page faults |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const [label, tunables] of [['default (hugetlb=0)', 'glibc.malloc.hugetlb=0'], ['huge pages (hugetlb=1)', 'glibc.malloc.hugetlb=1']]) {
    const r = spawnSync(process.execPath, [new URL(import.meta.url).pathname, file, '--level', level], { env: { ...process.env, NF_HUGE_PAGES_CHILD: '1', GLIBC_TUNABLES: tunables }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    const m = JSON.parse(r.stdout.trim().split('\n').pop());
    console.log(`| ${label} | ${m.ms.toFixed(0)} | ${m.userMs.toFixed(0)} | ${m.systemMs.toFixed(0)} | ${m.minorFaults} |`);
  }
}
