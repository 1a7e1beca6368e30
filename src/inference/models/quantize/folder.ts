// Converts a whole model folder (diffusers/optimum ONNX layout): every `*.onnx` is converted, the
// configs, tokenizer and scheduler are copied, the result is verified against the original, and a
// manifest records what was done. Everything is written into a hidden sibling folder that is
// renamed into place at the end and removed on any error, so no half-written model folder appears.
import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileSize, sizeOnDisk } from '../disk';
import { MODEL_FILES, validateModelFolder } from '../folder';
import { OnnxSource, writeOnnx } from '../onnx-io';
import { throwIfCancelled } from './cancel';
import { NANOFORGE_VERSION } from '../../version';
import { TINY_DECODER_FILE, type CalibrationOptions } from './calibrate';
import { convertToFloat16, type ConvertedGraph } from './fp16';
import { quantizeInt8Kernels, type KernelStats } from './int8';
import { planInt8, type FolderPlan, type Int8Planning, type KernelMode } from './int8-plan';
import { quantizeWeights, type WeightStats } from './weights';
import { verifyConversion, type VerificationReport, type VerifyOptions } from './verify';

export type QuantizeTarget = 'fp16' | 'int8' | 'int4';
export const QUANTIZE_TARGETS: readonly QuantizeTarget[] = ['fp16', 'int8', 'int4'];
export const MANIFEST_FILE = 'nanoforge-quantize.json';
/** Weights with fewer elements stay float unless --min-size says otherwise. */
export const DEFAULT_MIN_SIZE = 1024;

export interface QuantizeProgress {
  phase: 'convert' | 'copy' | 'verify' | 'done';
  /** Model file being converted, relative to the folder. */
  component?: string;
  /** Bytes of weights converted so far, of `total`. */
  done: number;
  total: number;
  message?: string;
}

export interface QuantizeOptions {
  to: QuantizeTarget;
  minSize?: number;
  /** Replace a non-empty existing target. */
  force?: boolean;
  /** Keep float32 graph inputs/outputs for fp16 (default true). */
  keepIoTypes?: boolean;
  /** false skips verification (the manifest then says 'unverified'). */
  verify?: boolean | VerifyOptions;
  /** int8 only: how each MatMul/Gemm/Conv is chosen (default 'auto': measured on this machine). */
  kernels?: KernelMode;
  /** int8 only: the prompts, steps and size calibration runs. */
  calibration?: CalibrationOptions;
  /** int8 auto only: timed rounds per operator variant (default 5). */
  measureRounds?: number;
  signal?: AbortSignal;
  onProgress?: (p: QuantizeProgress) => void;
}

export interface ComponentReport {
  file: string;
  bytesBefore: number;
  bytesAfter: number;
  externalData: string | null;
  tensorsConverted: number;
  tensorsKept: number;
  castsInserted: number;
  fp32Nodes: number;
  ioTypes: 'float32' | 'float16';
  weights?: WeightStats;
  /** int8: how many sites run each kind of kernel. */
  kernels?: KernelStats;
}

/** One conversion + verification of an int8 folder; later attempts turn failing integer sites weight-only. */
export interface Int8Attempt {
  /** Components whose integer sites were made weight-only before this attempt, with the ops. */
  downgraded: string[];
  passed: boolean;
  failures: string[];
  /** Relative mean error per verified component and the image PSNR of this attempt. */
  errors: Record<string, number>;
}

export interface QuantizeManifest {
  format: 1;
  tool: string;
  created: string;
  source: string;
  to: QuantizeTarget;
  minSize: number;
  components: ComponentReport[];
  bytesBefore: number;
  bytesAfter: number;
  verification: VerificationReport | null;
  /** 'good' only when every measured error is within the documented thresholds. */
  verdict: 'good' | 'failed' | 'unverified';
  /** int8: calibration, per-operator measurements and the kernel chosen for each, and the attempts. */
  int8?: Int8Planning & { attempts: Int8Attempt[] };
}

/** The conversion failed verification: nothing was written; `manifest` says what was measured. */
export class QuantizeVerificationError extends Error {
  constructor(readonly output: string, readonly manifest: QuantizeManifest) {
    super(`${output}: the ${manifest.to} conversion failed verification (${manifest.verification?.failures.join('; ') ?? 'no report'}); nothing was written`);
    this.name = 'QuantizeVerificationError';
  }
}

export class QuantizeTargetError extends Error {
  constructor(readonly target: string, problem: string) {
    super(`${target}: ${problem}`);
    this.name = 'QuantizeTargetError';
  }
}

async function listOnnxFiles(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
    const child = path.join(rel, entry.name);
    if (entry.isDirectory()) out.push(...(await listOnnxFiles(dir, child)));
    else if (entry.isFile() && entry.name.endsWith('.onnx')) out.push(child);
  }
  return out.sort();
}

/** Refuses targets we must not touch, before anything is written. */
async function checkTarget(input: string, output: string, force: boolean): Promise<void> {
  const rel = path.relative(input, output);
  if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) throw new QuantizeTargetError(output, 'the output folder must not be the input folder or inside it');
  const existing = await fs.stat(output).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new QuantizeTargetError(output, `cannot be inspected (${error.code ?? error.message})`);
  });
  if (existing && !existing.isDirectory()) throw new QuantizeTargetError(output, 'exists and is not a folder');
  if (existing && (await fs.readdir(output)).length > 0 && !force) throw new QuantizeTargetError(output, 'already exists and is not empty (use --force to replace it)');
  const parent = path.dirname(output);
  await fs.mkdir(parent, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    throw new QuantizeTargetError(output, `cannot create the parent folder ${parent} (${error.code ?? error.message})`);
  });
  await fs.access(parent, constants.W_OK).catch((error: NodeJS.ErrnoException) => {
    throw new QuantizeTargetError(output, `the folder ${parent} is not writable (${error.code ?? error.message})`);
  });
}

async function convertGraph(source: OnnxSource, file: string, opts: QuantizeOptions, plan: FolderPlan | undefined): Promise<ConvertedGraph & { weights?: WeightStats; kernels?: KernelStats }> {
  if (opts.to === 'fp16') return convertToFloat16(source, { keepIoTypes: opts.keepIoTypes ?? true });
  const minSize = opts.minSize ?? DEFAULT_MIN_SIZE;
  if (opts.to === 'int8' && plan) return quantizeInt8Kernels(source, plan.planFor(file), { minSize });
  return quantizeWeights(source, { bits: opts.to === 'int4' ? 4 : 8, minSize });
}

interface ConvertState { done: number; total: number; plan?: FolderPlan; quiet?: boolean }

async function convertComponent(input: string, temp: string, file: string, opts: QuantizeOptions, state: ConvertState): Promise<{ report: ComponentReport; consumed: string[] }> {
  const source = await OnnxSource.open(path.join(input, file));
  try {
    const external = source.externalFiles();
    const before = ((await fileSize(source.file)) ?? 0) + (await sumSizes(external.map((e) => path.join(path.dirname(source.file), e))));
    const converted = await convertGraph(source, file, opts, state.plan);
    const outFile = path.join(temp, file);
    await fs.mkdir(path.dirname(outFile), { recursive: true });
    const start = state.done;
    const written = await writeOnnx(outFile, converted.model, converted.tensors, {
      external: external.length > 0 ? true : 'auto',
      signal: opts.signal,
      onTensor: (done, total) => {
        if (state.quiet) return;
        state.done = start + (total > 0 ? (done / total) * before : 0);
        opts.onProgress?.({ phase: 'convert', component: file, done: Math.round(state.done), total: state.total });
      },
    });
    if (!state.quiet) state.done = start + before;
    const report: ComponentReport = {
      file: file.split(path.sep).join('/'),
      bytesBefore: before,
      bytesAfter: written.modelBytes + written.dataBytes,
      externalData: written.dataFile ?? null,
      tensorsConverted: converted.stats.converted,
      tensorsKept: converted.stats.kept,
      castsInserted: converted.stats.castsInserted,
      fp32Nodes: converted.stats.fp32Nodes,
      ioTypes: converted.stats.ioTypes,
      ...(converted.weights ? { weights: converted.weights } : {}),
      ...(converted.kernels ? { kernels: converted.kernels } : {}),
    };
    return { report, consumed: [file, ...external.map((e) => path.join(path.dirname(file), e))] };
  } finally {
    await source.close();
  }
}

/** Bytes of `files`; a listed file that is missing counts 0 (reading it fails later, with its name). */
async function sumSizes(files: string[]): Promise<number> {
  let total = 0;
  for (const f of files) total += (await fileSize(f)) ?? 0;
  return total;
}

/** Copies every file the conversion did not rewrite (configs, tokenizer, scheduler, readme …). */
async function copyRest(input: string, temp: string, consumed: Set<string>, rel = ''): Promise<void> {
  for (const entry of await fs.readdir(path.join(input, rel), { withFileTypes: true })) {
    const child = path.join(rel, entry.name);
    if (consumed.has(child) || child === MANIFEST_FILE) continue;
    if (entry.isDirectory()) {
      await fs.mkdir(path.join(temp, child), { recursive: true });
      await copyRest(input, temp, consumed, child);
    } else if (entry.isFile()) {
      await fs.copyFile(path.join(input, child), path.join(temp, child));
    }
  }
}

/** Moves the finished temp folder to `output`, replacing an existing one only after it is complete. */
async function install(temp: string, output: string): Promise<void> {
  const old = `${temp}-old`;
  const hadOld = await fs.rename(output, old).then(() => true, (error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return false;
    throw new QuantizeTargetError(output, `cannot be replaced (${error.code ?? error.message})`);
  });
  try {
    await fs.rename(temp, output);
  } catch (error) {
    if (hadOld) await fs.rename(old, output);
    throw error;
  }
  if (hadOld) await fs.rm(old, { recursive: true, force: true });
}

export async function quantizeModelFolder(inputDir: string, outputDir: string, opts: QuantizeOptions): Promise<QuantizeManifest> {
  const input = path.resolve(inputDir);
  const output = path.resolve(outputDir);
  await validateModelFolder(input);
  await checkTarget(input, output, opts.force === true);
  const temp = path.join(path.dirname(output), `.${path.basename(output)}.partial-${process.pid}-${randomBytes(4).toString('hex')}`);
  await fs.mkdir(temp).catch((error: NodeJS.ErrnoException) => {
    throw new QuantizeTargetError(output, `cannot write into ${path.dirname(output)} (${error.code ?? error.message})`);
  });
  try {
    const manifest = await convertInto(input, temp, opts);
    // A conversion outside the thresholds is not written: the error carries the measurements.
    if (manifest.verdict === 'failed') throw new QuantizeVerificationError(output, manifest);
    await fs.writeFile(path.join(temp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    throwIfCancelled(opts.signal);
    await install(temp, output);
    opts.onProgress?.({ phase: 'done', done: manifest.bytesBefore, total: manifest.bytesBefore, message: `verdict: ${manifest.verdict}` });
    return manifest;
  } catch (error) {
    await fs.rm(temp, { recursive: true, force: true });
    throw error;
  }
}

/** Calibration and per-operator measurement for int8, in a work folder removed afterwards. */
async function planFolder(input: string, temp: string, files: string[], opts: QuantizeOptions, state: ConvertState): Promise<Int8Planning | undefined> {
  if (opts.to !== 'int8') return undefined;
  const work = path.join(temp, '.nanoforge-work');
  try {
    const { planning, plan } = await planInt8(input, work, files, {
      mode: opts.kernels ?? 'auto',
      minSize: opts.minSize ?? DEFAULT_MIN_SIZE,
      calibration: opts.calibration,
      measure: opts.measureRounds ? { rounds: opts.measureRounds } : undefined,
      signal: opts.signal,
      // Planning happens before any byte is converted: progress stays at 0 with a message.
      onStage: (message) => opts.onProgress?.({ phase: 'convert', done: 0, total: state.total, message }),
    });
    state.plan = plan;
    return planning;
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

const VERIFIED_PARTS: readonly [keyof VerificationReport, string][] = [
  ['textEncoder', MODEL_FILES.textEncoder], ['unet', MODEL_FILES.unet], ['vaeDecoder', MODEL_FILES.vaeDecoder], ['tinyDecoder', TINY_DECODER_FILE],
];

/** Components over the threshold; all verified ones when only the image is (it cannot be pinned on one). */
function failingFiles(v: VerificationReport): string[] {
  const over = VERIFIED_PARTS.filter(([key]) => {
    const stats = v[key] as { relMean: number } | undefined;
    return stats !== undefined && !(stats.relMean <= v.thresholds.relMean);
  }).map(([, file]) => file);
  return over.length > 0 ? over : VERIFIED_PARTS.map(([, file]) => file);
}

/**
 * Takes failing components off integer kernels step by step: first the half of their integer Convs
 * with the most estimated quantization noise, then all their integer Convs, then every integer site.
 */
function downgrade(plan: FolderPlan, v: VerificationReport): { files: string[]; notes: string[] } {
  const files: string[] = [];
  const notes: string[] = [];
  const why = v.failures.join('; ');
  for (const file of failingFiles(v)) {
    const ops = plan.integerOps(file);
    if (ops.size === 0) continue;
    let n = ops.has('Conv') ? plan.downgradeNoisiestConvs(file, why) : 0;
    let what = 'Conv site(s) with the most quantization noise';
    if (n === 0 && ops.has('Conv')) [n, what] = [plan.downgrade(file, ['Conv'], why), 'Conv site(s)'];
    if (n === 0) [n, what] = [plan.downgrade(file, 'all', why), 'integer site(s)'];
    files.push(file);
    notes.push(`${file}: ${n} ${what} off the integer kernel`);
  }
  return { files, notes };
}

function attemptOf(downgraded: string[], v: VerificationReport): Int8Attempt {
  const errors: Record<string, number> = {};
  for (const [key] of VERIFIED_PARTS) {
    const stats = v[key] as { relMean: number } | undefined;
    if (stats) errors[key] = stats.relMean;
  }
  errors.imagePsnr = v.image.psnr;
  return { downgraded, passed: v.passed, failures: v.failures, errors };
}

async function verify(input: string, temp: string, opts: QuantizeOptions, state: ConvertState, note = ''): Promise<VerificationReport | null> {
  if (opts.verify === false) return null;
  return verifyConversion(input, temp, opts.to, {
    ...(typeof opts.verify === 'object' ? opts.verify : {}),
    signal: opts.signal,
    onStage: (message) => opts.onProgress?.({ phase: 'verify', done: state.done, total: state.total, message: `${note}${message}` }),
  });
}

async function convertInto(input: string, temp: string, opts: QuantizeOptions): Promise<QuantizeManifest> {
  const files = await listOnnxFiles(input);
  // Progress counts bytes of the whole folder (configs are tiny next to the weights).
  const state: ConvertState = { done: 0, total: await sizeOnDisk(input) };
  const planning = await planFolder(input, temp, files, opts, state);
  const components: ComponentReport[] = [];
  const consumed = new Set<string>();
  for (const f of files) {
    throwIfCancelled(opts.signal);
    const { report, consumed: used } = await convertComponent(input, temp, f, opts, state);
    components.push(report);
    for (const u of used) consumed.add(u);
  }
  opts.onProgress?.({ phase: 'copy', done: state.done, total: state.total });
  await copyRest(input, temp, consumed);
  let verification = await verify(input, temp, opts, state);
  const attempts: Int8Attempt[] = verification ? [attemptOf([], verification)] : [];
  // int8: where an integer kernel costs too much accuracy, fall back to weight-only and verify again.
  while (verification && !verification.passed && state.plan && attempts.length < 4) {
    const { files: changed, notes } = downgrade(state.plan, verification);
    if (changed.length === 0) break;
    state.quiet = true;
    for (const f of changed) {
      const at = components.findIndex((c) => c.file === f);
      const { report } = await convertComponent(input, temp, f, opts, state);
      if (at >= 0) components[at] = report;
    }
    verification = await verify(input, temp, opts, state, `retry ${attempts.length}: `);
    if (verification) attempts.push(attemptOf(notes, verification));
  }
  return {
    format: 1,
    tool: `nanoforge ${NANOFORGE_VERSION}`,
    created: new Date().toISOString(),
    source: input,
    to: opts.to,
    minSize: opts.minSize ?? DEFAULT_MIN_SIZE,
    components,
    bytesBefore: components.reduce((a, c) => a + c.bytesBefore, 0),
    bytesAfter: components.reduce((a, c) => a + c.bytesAfter, 0),
    verification,
    verdict: verification ? (verification.passed ? 'good' : 'failed') : 'unverified',
    ...(planning ? { int8: { ...planning, attempts } } : {}),
  };
}
