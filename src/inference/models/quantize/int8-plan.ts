// Deciding, per operator, which int8 kernel each MatMul/Gemm/Conv gets (`--kernels`):
//   auto        calibrate on a few prompts, then time float / weight-only / integer for every
//               distinct operator shape on this machine and keep the fastest (measure.ts);
//   integer     integer kernels wherever the graph allows (calibrated Convs), no timing;
//   weight-only int8 weights behind DequantizeLinear everywhere (no speed gain on the CPU).
// Components that calibration does not run (and verification does not check) stay weight-only.
import * as path from 'node:path';
import type { onnx } from 'onnx-proto';
import { OnnxSource } from '../onnx-io';
import { throwIfCancelled } from './cancel';
import { defaultOpset, UnsupportedModelError } from './graph';
import { calibrate, CALIBRATED_FILES, type CalibrationOptions, type CalibrationRanges, type CalibrationSummary } from './calibrate';
import type { Int8Plan } from './int8';
import { findInt8Sites, noiseToSignal, siteSignature, type ActivationRange, type Int8Site, type KernelChoice, type SiteOp } from './int8-sites';
import { chooseKernel, DEFAULT_MEASURE_ROUNDS, measureSite, type MeasureOptions } from './measure';

export type KernelMode = 'auto' | 'integer' | 'weight-only';
export const KERNEL_MODES: readonly KernelMode[] = ['auto', 'integer', 'weight-only'];

/** One row of the manifest: the sites of one component that share an operator signature. */
export interface OpChoice {
  component: string;
  op: SiteOp;
  signature: string;
  /** The first output of each node: a name the conversion keeps (the node itself may be replaced). */
  nodes: string[];
  available: KernelChoice[];
  /** Median ms per run of each kernel on this machine (auto only). */
  ms?: Partial<Record<KernelChoice, number>>;
  rounds?: number;
  chosen: KernelChoice;
  reason: string;
}

export interface Int8Planning {
  mode: KernelMode;
  calibration: CalibrationSummary | null;
  measurement: { rounds: number; signatures: number; seconds: number } | null;
  choices: OpChoice[];
}

export interface PlanOptions {
  mode: KernelMode;
  minSize: number;
  calibration?: CalibrationOptions;
  measure?: MeasureOptions;
  signal?: AbortSignal;
  onStage?: (message: string) => void;
}

/** Sites without their weights' bytes (an inline model's buffer must not stay alive for the plan). */
function lighten(site: Int8Site): Int8Site {
  const { name, dims, dataType } = site.weight;
  return { ...site, weight: { name, dims, dataType }, node: { ...site.node } };
}

interface FileSites { file: string; sites: Int8Site[]; opset: onnx.IOperatorSetIdProto[] }

async function readSites(input: string, files: readonly string[], minSize: number): Promise<FileSites[]> {
  const out: FileSites[] = [];
  for (const file of files) {
    const source = await OnnxSource.open(path.join(input, file));
    try {
      // A truncated data file must fail here, with its name, not later inside onnxruntime.
      await source.checkExternalData();
      const sites = findInt8Sites(source.graph, minSize);
      // Fail before calibration loads anything: every int8 kernel needs opset 13's per-axis (De)QuantizeLinear.
      if (sites.length > 0 && defaultOpset(source.model) < 13) {
        throw new UnsupportedModelError(source.file, `uses opset ${defaultOpset(source.model)}; per-channel DequantizeLinear needs opset 13 or newer (re-export the model with a newer opset)`);
      }
      out.push({ file, sites: sites.map(lighten), opset: [...(source.model.opsetImport ?? [])] });
    } finally {
      await source.close();
    }
  }
  return out;
}

const usable = (r: ActivationRange | undefined): r is ActivationRange => !!r && Number.isFinite(r.min) && Number.isFinite(r.max);

/** The plan of a whole folder: a kernel per site key per component, and the calibrated ranges. */
export class FolderPlan {
  /** Components whose integer Convs were already halved once by verification. */
  private readonly halved = new Set<string>();

  constructor(
    readonly choices: Map<string, Map<string, KernelChoice>>,
    readonly ranges: CalibrationRanges,
    readonly rows: OpChoice[],
    /** Activation input and output of each site, per component (for noise-ordered fallbacks). */
    private readonly sites: Map<string, Map<string, { input: string; output: string }>>,
  ) {}

  planFor(file: string): Int8Plan {
    const chosen = this.choices.get(file) ?? new Map<string, KernelChoice>();
    const ranges = this.ranges.get(file) ?? new Map<string, ActivationRange>();
    return { choice: (site) => chosen.get(site.key) ?? 'weight-only', range: (value) => ranges.get(value) };
  }

  private integerKeys(file: string, ops: readonly SiteOp[] | 'all'): string[] {
    return this.rows.filter((r) => r.component === file && r.chosen === 'integer' && (ops === 'all' || ops.includes(r.op))).flatMap((r) => r.nodes);
  }

  /**
   * Moves `keys` off the integer kernel: to the faster of weight-only and float as measured (auto),
   * else weight-only. Rows are split so the manifest lists exactly which nodes moved and why.
   */
  private leaveInteger(file: string, keys: Set<string>, why: string): number {
    const chosen = this.choices.get(file);
    let changed = 0;
    for (const row of [...this.rows]) {
      if (row.component !== file || row.chosen !== 'integer') continue;
      const moved = row.nodes.filter((k) => keys.has(k));
      if (moved.length === 0) continue;
      const fallback = row.ms ? chooseKernel({ 'weight-only': row.ms['weight-only'], float: row.ms.float }).chosen : 'weight-only';
      const reason = `${row.reason}; ${fallback} after verification (${why})`;
      if (moved.length === row.nodes.length) Object.assign(row, { chosen: fallback, reason });
      else {
        row.nodes = row.nodes.filter((k) => !keys.has(k));
        this.rows.splice(this.rows.indexOf(row) + 1, 0, { ...row, nodes: moved, chosen: fallback, reason });
      }
      for (const key of moved) chosen?.set(key, fallback);
      changed += moved.length;
    }
    return changed;
  }

  /** Integer sites of `file` (of `ops`, or all) leave the integer kernel; returns how many changed. */
  downgrade(file: string, ops: readonly SiteOp[] | 'all', why: string): number {
    return this.leaveInteger(file, new Set(this.integerKeys(file, ops)), why);
  }

  /**
   * The half of `file`'s integer Convs with the largest estimated quantization noise (input's plus
   * output's, relative to their RMS) leave the integer kernel; once per component.
   */
  downgradeNoisiestConvs(file: string, why: string): number {
    const keys = this.integerKeys(file, ['Conv']);
    if (keys.length < 2 || this.halved.has(file)) return 0;
    this.halved.add(file);
    const ranges = this.ranges.get(file);
    const sites = this.sites.get(file);
    const noise = (key: string) => {
      const site = sites?.get(key);
      return noiseToSignal(ranges?.get(site?.input ?? '')) + noiseToSignal(ranges?.get(site?.output ?? ''));
    };
    const noisiest = [...keys].sort((a, b) => noise(b) - noise(a)).slice(0, Math.ceil(keys.length / 2));
    return this.leaveInteger(file, new Set(noisiest), `${why}; noisiest half`);
  }

  /** Integer sites of `file` by op. */
  integerOps(file: string): Set<SiteOp> {
    return new Set(this.rows.filter((r) => r.component === file && r.chosen === 'integer').map((r) => r.op));
  }
}

function tapsFor(sites: FileSites[], mode: KernelMode): Map<string, string[]> {
  const taps = new Map<string, string[]>();
  for (const { file, sites: list } of sites) {
    if (!CALIBRATED_FILES.includes(file)) continue;
    const wanted = list.filter((s) => s.available.includes('integer') && (mode === 'auto' || s.op === 'Conv'));
    const values = wanted.flatMap((s) => (s.op === 'Conv' ? [s.input, s.output] : [s.input]));
    if (values.length > 0) taps.set(file, values);
  }
  return taps;
}

interface Decision { chosen: KernelChoice; reason: string; ms?: Partial<Record<KernelChoice, number>>; rounds?: number }

class Planner {
  private readonly measured = new Map<string, { ms: Partial<Record<KernelChoice, number>>; rounds: number }>();
  signatures = 0;
  measureMs = 0;

  constructor(private readonly work: string, private readonly opts: PlanOptions, private readonly ranges: CalibrationRanges) {}

  async decide(file: string, site: Int8Site, signature: string, opset: onnx.IOperatorSetIdProto[]): Promise<Decision> {
    const { mode } = this.opts;
    if (mode === 'weight-only') return { chosen: 'weight-only', reason: '--kernels weight-only' };
    if (!CALIBRATED_FILES.includes(file)) return { chosen: 'weight-only', reason: 'component not calibrated or verified' };
    const ranges = this.ranges.get(file);
    const x = ranges?.get(site.input);
    const y = ranges?.get(site.output);
    const convReady = site.op !== 'Conv' || (usable(x) && usable(y));
    const integer = site.available.includes('integer') && convReady;
    if (mode === 'integer') {
      if (integer) return { chosen: 'integer', reason: '--kernels integer' };
      return { chosen: 'weight-only', reason: site.noInteger ?? 'no calibrated range' };
    }
    if (!x?.dims.length) return { chosen: 'weight-only', reason: site.noInteger ?? 'not reached during calibration (shape unknown)' };
    const key = `${signature}|${integer ? 'i' : ''}`;
    let m = this.measured.get(key);
    if (!m) {
      const started = performance.now();
      this.opts.onStage?.(`measuring ${signature}`);
      const dir = path.join(this.work, 'measure', String(this.signatures));
      m = await measureSite(dir, site, x.dims, integer ? { x, y } : {}, opset, { ...this.opts.measure, signal: this.opts.signal });
      this.measured.set(key, m);
      this.signatures++;
      this.measureMs += performance.now() - started;
    }
    const { chosen, reason } = chooseKernel(m.ms);
    return { chosen, reason: site.noInteger && chosen !== 'integer' ? `${reason} (integer: ${site.noInteger})` : reason, ms: m.ms, rounds: m.rounds };
  }
}

/** Calibrates (unless weight-only), measures (auto) and decides every site of every component. */
export async function planInt8(input: string, work: string, files: readonly string[], opts: PlanOptions): Promise<{ planning: Int8Planning; plan: FolderPlan }> {
  const sites = await readSites(input, files, opts.minSize);
  const taps = opts.mode === 'weight-only' ? new Map<string, string[]>() : tapsFor(sites, opts.mode);
  let calibration: CalibrationSummary | null = null;
  let ranges: CalibrationRanges = new Map();
  if (taps.size > 0) {
    const result = await calibrate(input, path.join(work, 'calibrate'), taps, { ...opts.calibration, signal: opts.signal, onStage: opts.onStage });
    ranges = result.ranges;
    calibration = result.summary;
  }
  const planner = new Planner(work, opts, ranges);
  const choices = new Map<string, Map<string, KernelChoice>>();
  const inputs = new Map<string, Map<string, { input: string; output: string }>>();
  const rows: OpChoice[] = [];
  for (const { file, sites: list, opset } of sites) {
    const chosen = new Map<string, KernelChoice>();
    choices.set(file, chosen);
    inputs.set(file, new Map(list.map((site) => [site.key, { input: site.input, output: site.output }])));
    for (const site of list) {
      throwIfCancelled(opts.signal);
      const signature = siteSignature(site, ranges.get(file)?.get(site.input)?.dims);
      const d = await planner.decide(file, site, signature, opset);
      chosen.set(site.key, d.chosen);
      const row = rows.find((r) => r.component === file && r.signature === signature && r.chosen === d.chosen && r.reason === d.reason);
      if (row) row.nodes.push(site.key);
      else rows.push({ component: file, op: site.op, signature, nodes: [site.key], available: site.available, ...(d.ms ? { ms: d.ms, rounds: d.rounds } : {}), chosen: d.chosen, reason: d.reason });
    }
  }
  const measurement = opts.mode === 'auto' && planner.signatures > 0
    ? { rounds: opts.measure?.rounds ?? DEFAULT_MEASURE_ROUNDS, signatures: planner.signatures, seconds: planner.measureMs / 1000 }
    : null;
  return { planning: { mode: opts.mode, calibration, measurement, choices: rows }, plan: new FolderPlan(choices, ranges, rows, inputs) };
}
