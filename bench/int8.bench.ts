// int8 against fp32 and against the machine's limit, in one run:
//   1. UNet FLOPs per step, counted from the graph: the shapes of every MatMul/Gemm/Conv come from
//      one instrumented fp32 run (Shape outputs added to the graph), FLOPs = 2·MACs;
//   2. attainable fp32 and int8 throughput: MatMul and Conv micro-benchmarks (float, int8
//      weight-only and integer kernels built by the converter's own rewrite), interleaved, on fixed
//      shapes and on the UNet's own heaviest MatMul and Conv (the largest ops reach the most GFLOP/s);
//   3. UNet step time of the fp32 and the int8 folder (and any --also folders: other conversions),
//      all loaded in this process, interleaved rounds on the same inputs, plus the relative error
//      of each against fp32 on those inputs;
//   4. peak RSS of text encoder + UNet + tiny decoder for each folder, each in a fresh process.
//   npx tsx bench/int8.bench.ts --fp32 DIR --int8 DIR [--also DIR,DIR] [--size 512] [--runs 5] [--micro-runs 7] [--no-write] [--out FILE]
// The int8 folder is `nanoforge quantize DIR OUT --to int8` of the fp32 one (its manifest is read).
import { fork } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { acquireSessionSet } from '../src/inference/backend/onnx';
import type { ModelSession, TensorFeed } from '../src/inference/backend/types';
import { instrument, measureSite, type Int8Site, type KernelChoice } from '../src/inference/models/quantize';
import { DataType, dimsOf, OnnxSource } from '../src/inference/models/onnx-io';
import { createRng } from '../src/inference/pipeline/rng';
import { timestepFeed } from '../src/inference/pipeline/unet-feeds';
import { argNumber, argString, fmt, fmtStats, publish, REPO, stats, table, type Stats } from './lib/report';

interface Flops { weightMatMul: number; activationMatMul: number; conv: number }
/** One node of the UNet as a micro-benchmark case: its weight, input shape and attributes. */
interface HeaviestOp { op: 'MatMul' | 'Conv'; weightDims: number[]; inputDims: number[]; attrs: [string, number[]][]; flops: number }

/** Writes an instrumented UNet (Shape of every MatMul/Gemm input and output, every Conv output) beside hard links of its data. */
async function shapeModel(fp32: string, work: string): Promise<{ file: string; taps: { value: string; shape: string }[]; source: OnnxSource }> {
  const source = await OnnxSource.open(path.join(fp32, 'unet', 'model.onnx'));
  const values = source.graph.node.flatMap((n) => {
    if (n.opType === 'MatMul' || n.opType === 'Gemm') return [n.input?.[0] ?? '', n.output?.[0] ?? ''];
    return n.opType === 'Conv' ? [n.input?.[0] ?? '', n.output?.[0] ?? ''] : [];
  });
  const { model, taps } = instrument(source.model, values);
  await fs.mkdir(path.join(work, 'unet'), { recursive: true });
  const file = path.join(work, 'unet', 'model.onnx');
  await fs.writeFile(file, onnx.ModelProto.encode(model).finish());
  for (const data of source.externalFiles()) await fs.link(path.join(fp32, 'unet', data), path.join(work, 'unet', data));
  return { file, taps, source };
}

function unetFeeds(unet: ModelSession, side: number): Record<string, TensorFeed> {
  const timestep = unet.inputs.find((i) => i.name === 'timestep');
  const hiddenDims = unet.inputs.find((i) => i.name === 'encoder_hidden_states')?.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 77)) ?? [1, 77, 1024];
  hiddenDims[0] = 1;
  return {
    sample: { values: createRng(1).normal(4 * side * side), dims: [1, 4, side, side] },
    ...(timestep ? { timestep: timestepFeed(timestep, 999, 1) } : {}),
    encoder_hidden_states: { values: createRng(2).normal(hiddenDims.reduce((a, b) => a * b, 1)), dims: hiddenDims },
  };
}

/** The heavier of `best` and this node (a MatMul with a 2-D weight, or an ungrouped 2-D Conv). */
function heavier(best: HeaviestOp | undefined, n: onnx.INodeProto, weightDims: number[], inputDims: number[] | undefined, flops: number): HeaviestOp | undefined {
  if (!inputDims || (best && best.flops >= flops)) return best;
  const ints = (name: string) => n.attribute?.find((a) => a.name === name)?.ints?.map(Number);
  if (n.opType === 'MatMul' && weightDims.length === 2) return { op: 'MatMul', weightDims, inputDims, attrs: [], flops };
  const group = Number(n.attribute?.find((a) => a.name === 'group')?.i ?? 1);
  if (n.opType !== 'Conv' || group !== 1 || weightDims.length !== 4) return best;
  const attrs = ['kernel_shape', 'pads', 'strides', 'dilations'].flatMap((name): [string, number[]][] => (ints(name) ? [[name, ints(name) as number[]]] : []));
  return { op: 'Conv', weightDims, inputDims, attrs, flops };
}

async function countFlops(fp32: string, side: number): Promise<Flops & { heaviest: HeaviestOp[] }> {
  const work = path.join(REPO, 'bench', 'models', `.int8-bench-${process.pid}`);
  const { taps, source } = await shapeModel(fp32, work);
  try {
    const held = await acquireSessionSet(work, [{ file: 'unet/model.onnx' }], 'cpu');
    const dims = new Map<string, number[]>();
    try {
      const unet = held.set.sessions[0] as ModelSession;
      const out = await unet.run(unetFeeds(unet, side), ['out_sample', ...taps.map((t) => t.shape)]);
      for (const t of taps) dims.set(t.value, Array.from(out[t.shape]?.data ?? [], Number));
    } finally {
      await held.release();
    }
    const inits = new Map(source.graph.initializer.map((t) => [t.name ?? '', t]));
    const flops: Flops = { weightMatMul: 0, activationMatMul: 0, conv: 0 };
    let matmul: HeaviestOp | undefined;
    let conv: HeaviestOp | undefined;
    const count = (d: number[] | undefined) => (d ?? []).reduce((a, b) => a * b, 1);
    for (const n of source.graph.node) {
      const out = count(dims.get(n.output?.[0] ?? ''));
      if (n.opType === 'MatMul' || n.opType === 'Gemm') {
        const a = dims.get(n.input?.[0] ?? '') ?? [];
        const transA = n.opType === 'Gemm' && n.attribute?.some((x) => x.name === 'transA' && Number(x.i) === 1);
        const k = (transA ? a[a.length - 2] : a[a.length - 1]) ?? 0;
        const weight = inits.get(n.input?.[1] ?? '');
        flops[weight ? 'weightMatMul' : 'activationMatMul'] += 2 * out * k;
        if (weight && n.opType === 'MatMul') matmul = heavier(matmul, n, dimsOf(weight), a, 2 * out * k);
      } else if (n.opType === 'Conv') {
        const w = dimsOf(inits.get(n.input?.[1] ?? '') ?? {});
        flops.conv += 2 * out * count(w.slice(1));
        conv = heavier(conv, n, w, dims.get(n.input?.[0] ?? ''), 2 * out * count(w.slice(1)));
      }
    }
    return { ...flops, heaviest: [matmul, conv].filter((h): h is HeaviestOp => h !== undefined) };
  } finally {
    await source.close();
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** An Int8Site for a micro-benchmark shape (measureSite builds the graph from it). */
function site(op: 'MatMul' | 'Conv', weightDims: number[], attrs: [string, number[]][] = []): Int8Site {
  const T = 7; // onnx AttributeProto INTS
  return {
    key: 'y', label: op, op, axis: op === 'Conv' ? 0 : 1, input: 'x', output: 'y', available: ['integer', 'weight-only', 'float'],
    node: { opType: op, input: op === 'Conv' ? ['x', 'w', 'b'] : ['x', 'w'], output: ['y'], attribute: attrs.map(([name, ints]) => ({ name, type: T, ints })) },
    weight: { name: 'w', dims: weightDims, dataType: DataType.FLOAT },
  };
}

interface MicroRow { label: string; gflop: number; ms: Partial<Record<KernelChoice, number>>; fastestMs: Partial<Record<KernelChoice, number>> }

async function micro(runs: number, heaviest: HeaviestOp[]): Promise<MicroRow[]> {
  const conv = (c: number, h: number, k: number): [Int8Site, number[], number] => [
    site('Conv', [c, c, k, k], [['kernel_shape', [k, k]], ['pads', new Array<number>(4).fill((k - 1) / 2)]]), [1, c, h, h], 2 * c * c * k * k * h * h,
  ];
  const cases: [string, Int8Site, number[], number][] = [
    ['MatMul [4096×1280]·[1280×1280]', site('MatMul', [1280, 1280]), [1, 4096, 1280], 2 * 4096 * 1280 * 1280],
    ['MatMul [4096×320]·[320×2560] (UNet GEGLU in)', site('MatMul', [320, 2560]), [1, 4096, 320], 2 * 4096 * 320 * 2560],
    ['MatMul [4096×1280]·[1280×320] (UNet FF out)', site('MatMul', [1280, 320]), [1, 4096, 1280], 2 * 4096 * 1280 * 320],
    ['Conv 3×3 320→320 at 64×64', ...conv(320, 64, 3)],
    ['Conv 3×3 1280→1280 at 16×16', ...conv(1280, 16, 3)],
    ...heaviest.map((h): [string, Int8Site, number[], number] => {
      const shape = h.op === 'MatMul' ? `[${h.inputDims.slice(-2).join('×')}]·[${h.weightDims.join('×')}]` : `${h.weightDims.slice(2).join('×')} ${h.weightDims[1]}→${h.weightDims[0]} at ${h.inputDims.slice(2).join('×')}`;
      return [`${h.op} ${shape} (the UNet's heaviest ${h.op})`, site(h.op, h.weightDims, h.attrs), h.inputDims, h.flops];
    }),
  ];
  const rows: MicroRow[] = [];
  for (const [label, s, dims, flops] of cases) {
    const range = { min: -0.28, max: 4, dims };
    const out = { min: -3, max: 3, dims };
    process.stdout.write(`micro: ${label}\n`);
    const m = await measureSite(path.join(REPO, 'bench', 'models', `.int8-micro-${process.pid}`), s, dims, { x: range, y: out }, [{ domain: '', version: 17 }], { rounds: runs, warmups: 2, budgetMs: 60_000 });
    rows.push({ label, gflop: flops / 1e9, ms: m.ms, fastestMs: m.fastestMs });
  }
  return rows;
}

function relMean(ref: Float32Array, got: Float32Array): number {
  let d = 0, r = 0;
  for (let i = 0; i < ref.length; i++) { d += Math.abs((ref[i] ?? 0) - (got[i] ?? 0)); r += Math.abs(ref[i] ?? 0); }
  return d / r;
}

interface StepTimes { label: string; ms: number[]; relMean: number }

/**
 * Times one UNet step of every folder (the first is the reference), all loaded in this process:
 * each round runs every folder once on the same inputs, in reversed order every other round so no
 * folder always runs right after another one's heavy step.
 */
async function unetSteps(dirs: { label: string; dir: string }[], side: number, runs: number): Promise<StepTimes[]> {
  const held = await Promise.all(dirs.map((d) => acquireSessionSet(path.join(d.dir, 'unet'), [{ file: 'model.onnx' }], 'cpu')));
  try {
    const sessions = held.map((h) => h.set.sessions[0] as ModelSession);
    const feeds = unetFeeds(sessions[0] as ModelSession, side);
    const outputs: Float32Array[] = [];
    // Two warm-up runs: onnxruntime plans its memory on the first and allocates the planned blocks
    // on the second (the attention scores of a 512×512 step are hundreds of MB of fresh pages).
    for (const s of sessions) await s.run(feeds, ['out_sample']);
    for (const s of sessions) outputs.push((await s.run(feeds, ['out_sample'])).out_sample?.data ?? new Float32Array(0));
    const ref = outputs[0] ?? new Float32Array(0);
    const times = dirs.map((d, i) => ({ label: d.label, ms: [] as number[], relMean: i === 0 ? 0 : relMean(ref, outputs[i] ?? new Float32Array(0)) }));
    for (let r = 0; r < runs; r++) {
      const order = sessions.map((_, i) => i);
      if (r % 2 === 1) order.reverse();
      for (const i of order) {
        const t0 = performance.now();
        await (sessions[i] as ModelSession).run(feeds, ['out_sample']);
        const ms = performance.now() - t0;
        times[i]?.ms.push(ms);
        process.stdout.write(`UNet ${dirs[i]?.label ?? i} round ${r + 1}: ${ms.toFixed(0)} ms\n`);
      }
    }
    return times;
  } finally {
    await Promise.all(held.map((h) => h.release()));
  }
}

/** Median over rounds of (this folder's step ÷ the reference's step in the same round). */
function pairedRatio(t: StepTimes, ref: StepTimes): Stats {
  return stats(t.ms.map((ms, i) => ms / (ref.ms[i] ?? NaN)).filter(Number.isFinite));
}

interface Probe { loadMs: number; textMs: number; unetMs: number; decodeMs: number; peakRss: number }

function probe(dir: string, size: number): Promise<Probe> {
  return new Promise((resolve, reject) => {
    let out = '';
    const child = fork(path.join(__dirname, 'lib', 'int8-probe.ts'), [dir, String(size)], { execArgv: ['--require', require.resolve('tsx/cjs')], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Probe) : reject(new Error(`int8-probe ${dir} exited with ${String(code)}`))));
  });
}

async function manifestOf(dir: string): Promise<{ to?: string; int8?: { mode?: string }; verdict?: string; bytesBefore?: number; bytesAfter?: number; components?: { file: string; kernels?: Record<string, number> }[]; verification?: { unet: { relMean: number }; image: { psnr: number } } }> {
  return JSON.parse(await fs.readFile(path.join(dir, 'nanoforge-quantize.json'), 'utf8')) as Awaited<ReturnType<typeof manifestOf>>;
}

type Manifest = Awaited<ReturnType<typeof manifestOf>>;
interface Folder { label: string; dir: string; manifest?: Manifest }

/** GFLOP/s of one micro-benchmark row's fastest run with `kernel` (0 when it has none). */
function gflops(m: MicroRow, kernel: KernelChoice): number {
  const ms = m.fastestMs[kernel];
  return ms ? m.gflop / (ms / 1000) : 0;
}

/**
 * This machine's attainable throughput with `kernel`: the best any micro-benchmark reached in its
 * fastest run (other sessions on the machine only ever slow a run down, never speed it up).
 */
function attainable(rows: MicroRow[], kernel: KernelChoice): number {
  return Math.max(0, ...rows.map((m) => gflops(m, kernel)));
}

function stepTable(folders: Folder[], steps: StepTimes[], totalFlops: number, limits: { fp32: number; int8: number }): string {
  const ref = steps[0] as StepTimes;
  const s0 = stats(ref.ms);
  return table(['model', 'on disk ÷ fp32', 'UNet step ms', 'achieved GFLOP/s', '÷ attainable fp32', '÷ attainable int8', '÷ fp32 (medians)', '÷ fp32 (median of rounds)', 'relative mean error vs fp32 (these inputs)'],
    steps.map((t, i) => {
      const s = stats(t.ms);
      const m = folders[i]?.manifest;
      const disk = m?.bytesBefore && m.bytesAfter ? fmt(m.bytesAfter / m.bytesBefore, 2) : '1.00';
      const paired = i === 0 ? '1.00' : fmtStats(pairedRatio(t, ref), 2);
      const achieved = totalFlops / 1e6 / s.median;
      return [t.label, disk, fmtStats(s, 0), fmt(achieved, 0), fmt(achieved / limits.fp32, 2), fmt(achieved / limits.int8, 2), fmt(s.median / s0.median, 2), paired, i === 0 ? '—' : fmt(t.relMean, 4)];
    }));
}

async function main(): Promise<void> {
  if (!argString('--fp32', '') || !argString('--int8', '')) throw new Error('give --fp32 DIR --int8 DIR [--also DIR,DIR]');
  const fp32 = path.resolve(argString('--fp32', ''));
  const others = [argString('--int8', ''), ...argString('--also', '').split(',').filter(Boolean)].map((d) => path.resolve(d));
  const size = argNumber('--size', 512);
  const runs = argNumber('--runs', 5);
  const side = size / 8;
  const folders: Folder[] = [{ label: 'fp32', dir: fp32 }];
  for (const dir of others) {
    const manifest = await manifestOf(dir);
    const mode = manifest.int8?.mode && manifest.int8.mode !== 'auto' ? ` ${manifest.int8.mode}` : '';
    folders.push({ label: manifest.to ? `${manifest.to}${mode}` : path.basename(dir), dir, manifest });
  }
  const flops = await countFlops(fp32, side);
  const total = flops.weightMatMul + flops.activationMatMul + flops.conv;
  const microRows = await micro(argNumber('--micro-runs', 7), flops.heaviest);
  const limits = { fp32: attainable(microRows, 'float'), int8: attainable(microRows, 'integer') };
  const steps = await unetSteps(folders, side, runs);
  const probes: Probe[] = [];
  for (const f of folders) probes.push(await probe(f.dir, size));
  const gibs = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
  const peak = (m: MicroRow, k: KernelChoice) => (m.fastestMs[k] ? fmt(gflops(m, k), 0) : '–');
  const describe = (f: Folder) => {
    const kernels = f.manifest?.components?.find((c) => c.file === 'unet/model.onnx')?.kernels;
    return `${f.label} \`${f.dir}\`${f.manifest ? ` (verdict ${f.manifest.verdict ?? '?'}${kernels ? `, UNet kernels ${JSON.stringify(kernels)}` : ''})` : ''}`;
  };
  const body = [
    `${folders.map(describe).join('; ')}. ${size}×${size}, CPU, onnxruntime defaults of the backend (graph optimisation all, threads = cores).`,
    '',
    `**UNet FLOPs per step** (from the graph, one instrumented fp32 run at ${side}×${side} latents, batch 1): ${fmt(total / 1e9, 0)} GFLOP — ` +
      `MatMul/Gemm with weights ${fmt(flops.weightMatMul / 1e9, 0)}, attention MatMuls (activation × activation) ${fmt(flops.activationMatMul / 1e9, 0)}, Conv ${fmt(flops.conv / 1e9, 0)}.`,
    '',
    `**Attainable throughput** (one op per model, 2 warm-up runs, then ${argNumber('--micro-runs', 7)} interleaved runs; ms = median, GFLOP/s = fastest run, counting 2·MACs whatever the precision; ` +
      'the time includes handing the input to onnxruntime and the output back to JS, small next to these ops; the last rows are the UNet\'s own heaviest MatMul and Conv). ' +
      `Attainable = the best row: **fp32 ${fmt(limits.fp32, 0)} GFLOP/s, int8 ${fmt(limits.int8, 0)} GFLOP/s**.`,
    '',
    table(['op', 'GFLOP', 'float ms', 'weight-only ms', 'integer ms', 'fp32 GFLOP/s (fastest)', 'int8 GFLOP/s (fastest)', 'integer ÷ float (medians)'],
      microRows.map((m) => [m.label, fmt(m.gflop, 2), fmt(m.ms.float ?? NaN, 1), fmt(m.ms['weight-only'] ?? NaN, 1), fmt(m.ms.integer ?? NaN, 1), peak(m, 'float'), peak(m, 'integer'), fmt((m.ms.integer ?? NaN) / (m.ms.float ?? NaN), 2)])),
    '',
    `**UNet step** (all folders loaded in this process, 2 warm-up runs each, then ${runs} rounds, each round runs every folder once on the same inputs, order reversed every other round; ms median (min–max); achieved GFLOP/s = the step's FLOPs above ÷ its median time, whatever precision each op ran in):`,
    '',
    stepTable(folders, steps, total, limits),
    '',
    `**Peak RSS** of text encoder + UNet + tiny decoder (fresh process each, load + prompt + 1 UNet step + tiny decode at ${size}×${size}, one run each, so the stage times are first runs; bench/lib/int8-probe.ts):`,
    '',
    table(['model', 'peak RSS', 'load ms', 'text encoder ms', 'first UNet step ms', 'tiny decode ms'],
      folders.map((f, i) => {
        const p = probes[i] as Probe;
        return [f.label, gibs(p.peakRss), fmt(p.loadMs, 0), fmt(p.textMs, 0), fmt(p.unetMs, 0), fmt(p.decodeMs, 0)];
      })),
  ].join('\n');
  await publish({ title: `int8 integer kernels vs fp32 (${path.basename(fp32)}, cpu)`, script: 'int8.bench.ts', body });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
