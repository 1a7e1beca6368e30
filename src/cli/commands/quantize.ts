// `nanoforge quantize IN OUT --to int8|fp16|int4` — converts a model folder, verifies the result
// against the original and writes a complete model folder (never a half-written one, never one that
// failed verification).
import { DEFAULT_MIN_SIZE, KERNEL_MODES, MANIFEST_FILE, QUANTIZE_TARGETS, quantizeModelFolder, QuantizeVerificationError, THRESHOLDS, type QuantizeManifest, type QuantizeProgress } from '../../inference/models/quantize';
import { formatBytes } from '../../inference/models/disk';
import { DEVICE_NAMES } from '../../inference/tables';
import { choiceOption, CliUsageError, flag, numberOption, parseCommandLine } from '../args';
import type { CliCommand } from '../command';
import { createProgressBar } from '../progress';

const OPTIONS = {
  to: 'string', 'min-size': 'string', force: 'boolean', json: 'boolean', 'skip-verify': 'boolean', 'verify-device': 'string',
  'fp16-io': 'boolean', 'progress-jsonl': 'boolean', help: 'boolean', kernels: 'string',
} as const;

/** Exit code when the converted folder was written but failed verification. */
export const EXIT_VERIFICATION_FAILED = 3;

const HELP = [
  'Usage: nanoforge quantize IN_DIR OUT_DIR --to int8|fp16|int4 [options]',
  '',
  'Targets, measured on the full-size synthetic SD-Turbo at 512×512 on a 2-core CPU (BENCHMARKS.md;',
  'speed = one UNet step against fp32 in the same run, quality = the verification below):',
  '  --to int8        For the CPU. MatMul/Gemm run integer kernels (activations quantized per run,',
  '                   int8 weights per output channel); Convs run calibrated int8 where that measured',
  '                   faster here and stays within the thresholds, else int8 weights or fp32.',
  '                   Size 0.39× · UNet step 0.61–0.68× fp32 · peak memory (text encoder + UNet +',
  '                   tiny decoder) 2.6 vs 5.4 GiB · UNet error 0.029, image PSNR 52 dB: good.',
  '                   GPU: not measured; the integer kernels are the CPU provider\'s, use fp16 there.',
  '  --to fp16        For GPUs (float16 weights and maths; norms, pow/sqrt, sin/cos/exp stay float32).',
  '                   Size 0.50× · CPU: no faster than fp32 (0.97–1.03× here, up to 2× slower in',
  '                   earlier runs) and more memory (6.7 GiB) · UNet error 0.003, PSNR 61 dB: good.',
  '                   GPU speed: not measured here (no GPU on the benchmark machine).',
  '  --to int4        Smallest: 4-bit MatMul weights (com.microsoft MatMulNBits, blocks of 32), other',
  '                   weights int8. Size 0.24× · CPU UNet step 0.97–1.01× fp32 · 2.0 GiB · quality',
  '                   lowest: the synthetic SD-Turbo failed its thresholds (text encoder 0.22,',
  '                   UNet 0.11 > 0.10), so nothing was written.',
  '',
  'int8 options:',
  '  --kernels auto   (default) calibrate on 3 prompts, then time float, int8-weight-only and integer',
  '                   kernels for every distinct MatMul/Gemm/Conv shape on this machine and keep the',
  '                   fastest (weight-only when within 5 %); the choices go into nanoforge-quantize.json',
  '  --kernels integer      integer kernels wherever possible, without timing',
  '  --kernels weight-only  int8 weights behind DequantizeLinear, float maths: size 0.28×, but the',
  '                   UNet step is 1.08× fp32 on the CPU (weights are dequantized on every run)',
  `  --min-size N     weights with fewer than N elements stay float (default ${DEFAULT_MIN_SIZE})`,
  '',
  'Other options:',
  '  --force          replace a non-empty OUT_DIR',
  '  --fp16-io        fp16: make graph inputs/outputs float16 too (default: they stay float32)',
  '  --skip-verify    do not compare with the original (manifest verdict "unverified")',
  `  --verify-device  device for the comparison runs: ${DEVICE_NAMES.join(', ')} (default cpu)`,
  '  --json           print the manifest as JSON on stdout',
  '  --progress-jsonl progress as one JSON object per line on stderr (for programs that drive the CLI)',
  '',
  'Verification runs the text encoder, the UNet (2 seeds × 3 timesteps), the VAE decoder and the tiny',
  'decoder (when present) of both models on the same inputs, then one 128×128 image both ways. The',
  'verdict is "good" only when the relative mean error (mean |Δ| / mean |reference|) of every model',
  'and the image PSNR are within:',
  ...Object.entries(THRESHOLDS).map(([k, t]) => `  ${k.padEnd(5)} relative mean error ≤ ${t.relMean}, image PSNR ≥ ${t.psnr} dB`),
  'int8: a component over the threshold has its integer Convs (then all its integer kernels) made',
  'weight-only and is verified again. A conversion that still fails is not written; the measurements',
  `are printed (--json: the manifest on stdout) and the exit code is ${EXIT_VERIFICATION_FAILED}.`,
  '',
  'Examples:',
  '  nanoforge quantize ~/models/sd-turbo ~/models/sd-turbo-int8 --to int8',
  '  nanoforge quantize ~/models/sd-turbo ~/models/sd-turbo-int8 --to int8 --kernels integer --json',
  '  nanoforge quantize ~/models/sd-turbo ~/models/sd-turbo-fp16 --to fp16 --verify-device cuda',
].join('\n');

function progressReporter(json: boolean, jsonl: boolean): { update(p: QuantizeProgress): void; finish(): void } {
  if (jsonl) return { update: (p) => process.stderr.write(`${JSON.stringify({ type: 'progress', ...p })}\n`), finish: () => undefined };
  const bar = createProgressBar('Converting', process.stderr, !json && process.stderr.isTTY === true);
  const mb = (n: number) => Math.round(n / 1e6);
  return {
    update: (p) => bar.update(mb(p.done), mb(p.total), `MB · ${p.message ?? p.component ?? p.phase}`),
    finish: () => bar.finish(),
  };
}

function summary(m: QuantizeManifest, out: string): string {
  const lines = [`${out}: ${m.to}, ${formatBytes(m.bytesBefore)} → ${formatBytes(m.bytesAfter)}`];
  for (const c of m.components) {
    const k = c.kernels;
    const kernels = k ? `; integer MatMul/Gemm ${k.integerMatMul}, integer Conv ${k.integerConv}, weight-only ${k.weightOnly}, float ${k.float}` : '';
    lines.push(`  ${c.file}: ${formatBytes(c.bytesBefore)} → ${formatBytes(c.bytesAfter)}, ${c.tensorsConverted} tensors converted${kernels}`);
  }
  if (m.int8) {
    const cal = m.int8.calibration;
    if (cal) lines.push(`  calibrated on ${cal.prompts.length} prompts × ${cal.steps} steps at ${cal.size}×${cal.size} in ${cal.seconds.toFixed(0)} s`);
    const meas = m.int8.measurement;
    if (meas) lines.push(`  measured ${meas.signatures} operator shapes (${meas.rounds} rounds each) in ${meas.seconds.toFixed(0)} s; choices in ${MANIFEST_FILE}`);
    for (const a of m.int8.attempts.slice(1)) lines.push(`  retried after verification: ${a.downgraded.join('; ')} → ${a.passed ? 'passed' : 'failed'}`);
  }
  const v = m.verification;
  if (v) {
    lines.push(`  text encoder max |Δ| ${v.textEncoder.maxAbs.toPrecision(3)}, mean ${v.textEncoder.meanAbs.toPrecision(3)}`);
    lines.push(`  UNet         max |Δ| ${v.unet.maxAbs.toPrecision(3)}, mean ${v.unet.meanAbs.toPrecision(3)} (relative ${v.unet.relMean.toPrecision(3)})`);
    lines.push(`  VAE decoder  max |Δ| ${v.vaeDecoder.maxAbs.toPrecision(3)}, mean ${v.vaeDecoder.meanAbs.toPrecision(3)}`);
    if (v.tinyDecoder) lines.push(`  tiny decoder max |Δ| ${v.tinyDecoder.maxAbs.toPrecision(3)}, mean ${v.tinyDecoder.meanAbs.toPrecision(3)}`);
    lines.push(`  image PSNR ${v.image.psnr.toFixed(1)} dB (${v.image.width}×${v.image.height}, ${v.image.steps} steps, seed ${v.image.seed})`);
    for (const f of v.failures) lines.push(`  over threshold: ${f}`);
  }
  lines.push(`verdict: ${m.verdict}`);
  return `${lines.join('\n')}\n`;
}

async function run(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, OPTIONS);
  if (flag(parsed, 'help')) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const [input, output, extra] = parsed.positionals;
  if (!input || !output || extra !== undefined) throw new CliUsageError('give an input and an output folder, e.g. nanoforge quantize models/sd-turbo models/sd-turbo-int8 --to int8');
  const to = choiceOption(parsed, 'to', QUANTIZE_TARGETS);
  if (!to) throw new CliUsageError(`--to is required: one of ${QUANTIZE_TARGETS.join(', ')}.`);
  const json = flag(parsed, 'json');
  const progress = progressReporter(json, flag(parsed, 'progress-jsonl'));
  const abort = new AbortController();
  const stop = () => abort.abort(new Error('cancelled'));
  process.once('SIGINT', stop).once('SIGTERM', stop);
  const kernels = choiceOption(parsed, 'kernels', KERNEL_MODES);
  if (kernels && to !== 'int8') throw new CliUsageError('--kernels applies to --to int8 only.');
  let manifest: QuantizeManifest;
  try {
    manifest = await quantizeModelFolder(input, output, {
      to,
      kernels,
      minSize: numberOption(parsed, 'min-size', { min: 0, max: 2 ** 40, integer: true }),
      force: flag(parsed, 'force'),
      keepIoTypes: !flag(parsed, 'fp16-io'),
      verify: flag(parsed, 'skip-verify') ? false : { device: choiceOption(parsed, 'verify-device', DEVICE_NAMES) },
      signal: abort.signal,
      onProgress: (p) => progress.update(p),
    });
  } catch (error) {
    if (!(error instanceof QuantizeVerificationError)) throw error;
    progress.finish();
    process.stdout.write(json ? `${JSON.stringify(error.manifest)}\n` : summary(error.manifest, output));
    process.stderr.write(`nanoforge quantize: ${error.message}\n`);
    return EXIT_VERIFICATION_FAILED;
  } finally {
    progress.finish();
    process.off('SIGINT', stop).off('SIGTERM', stop);
  }
  process.stdout.write(json ? `${JSON.stringify(manifest)}\n` : summary(manifest, output));
  return 0;
}

export const quantizeCommand: CliCommand = {
  name: 'quantize',
  usage: 'quantize IN_DIR OUT_DIR --to int8|fp16|int4 [--kernels auto|integer|weight-only] [--min-size N] [--force] [--json] [--skip-verify] (quantize --help: what each does, thresholds)',
  run,
};
