// `nanoforge quantize IN OUT --to int8|fp16|int4` — converts a model folder, verifies the result
// against the original and writes a complete model folder (never a half-written one).
import { DEFAULT_MIN_SIZE, QUANTIZE_TARGETS, quantizeModelFolder, THRESHOLDS, type QuantizeManifest, type QuantizeProgress } from '../../inference/models/quantize';
import { formatBytes } from '../../inference/models/disk';
import { DEVICE_NAMES } from '../../inference/tables';
import { choiceOption, CliUsageError, flag, numberOption, parseCommandLine } from '../args';
import type { CliCommand } from '../command';
import { createProgressBar } from '../progress';

const OPTIONS = {
  to: 'string', 'min-size': 'string', force: 'boolean', json: 'boolean', 'skip-verify': 'boolean', 'verify-device': 'string',
  'fp16-io': 'boolean', 'progress-jsonl': 'boolean', help: 'boolean',
} as const;

/** Exit code when the converted folder was written but failed verification. */
export const EXIT_VERIFICATION_FAILED = 3;

const HELP = [
  'Usage: nanoforge quantize IN_DIR OUT_DIR --to int8|fp16|int4 [options]',
  '',
  '  --to fp16        float16 weights and activations (GPU); norms, pow/sqrt, sin/cos/exp stay float32',
  '  --to int8        weight-only int8, per output channel, for MatMul/Gemm/Conv (CPU)',
  '  --to int4        4-bit MatMul weights (com.microsoft MatMulNBits, blocks of 32); other weights int8',
  `  --min-size N     weights with fewer than N elements stay float (default ${DEFAULT_MIN_SIZE})`,
  '  --force          replace a non-empty OUT_DIR',
  '  --fp16-io        fp16: make graph inputs/outputs float16 too (default: they stay float32)',
  '  --skip-verify    do not compare with the original (manifest verdict "unverified")',
  `  --verify-device  device for the comparison runs: ${DEVICE_NAMES.join(', ')} (default cpu)`,
  '  --json           print the manifest as JSON on stdout',
  '  --progress-jsonl progress as one JSON object per line on stderr (for programs that drive the CLI)',
  '',
  'Verification runs the text encoder, the UNet (2 seeds × 3 timesteps) and the VAE decoder of both',
  'models on the same inputs, then one 128×128 image both ways. The verdict is "good" only when the',
  'relative mean error (mean |Δ| / mean |reference|) of every model and the image PSNR are within:',
  ...Object.entries(THRESHOLDS).map(([k, t]) => `  ${k.padEnd(5)} relative mean error ≤ ${t.relMean}, image PSNR ≥ ${t.psnr} dB`),
  `Otherwise the folder is still written, its nanoforge-quantize.json says "failed", and the exit code is ${EXIT_VERIFICATION_FAILED}.`,
  '',
  'Examples:',
  '  nanoforge quantize ~/models/sd-turbo ~/models/sd-turbo-int8 --to int8',
  '  nanoforge quantize ~/models/sd-turbo ~/models/sd-turbo-fp16 --to fp16 --verify-device cuda',
].join('\n');

function progressReporter(json: boolean, jsonl: boolean): { update(p: QuantizeProgress): void; finish(): void } {
  if (jsonl) return { update: (p) => process.stderr.write(`${JSON.stringify({ type: 'progress', ...p })}\n`), finish: () => undefined };
  const bar = createProgressBar('Converting', process.stderr, !json && process.stderr.isTTY === true);
  const mb = (n: number) => Math.round(n / 1e6);
  return {
    update: (p) => bar.update(mb(p.done), mb(p.total), p.phase === 'verify' ? `MB · ${p.message ?? 'verifying'}` : `MB · ${p.component ?? p.phase}`),
    finish: () => bar.finish(),
  };
}

function summary(m: QuantizeManifest, out: string): string {
  const lines = [`${out}: ${m.to}, ${formatBytes(m.bytesBefore)} → ${formatBytes(m.bytesAfter)}`];
  for (const c of m.components) lines.push(`  ${c.file}: ${formatBytes(c.bytesBefore)} → ${formatBytes(c.bytesAfter)}, ${c.tensorsConverted} tensors converted`);
  const v = m.verification;
  if (v) {
    lines.push(`  text encoder max |Δ| ${v.textEncoder.maxAbs.toPrecision(3)}, mean ${v.textEncoder.meanAbs.toPrecision(3)}`);
    lines.push(`  UNet         max |Δ| ${v.unet.maxAbs.toPrecision(3)}, mean ${v.unet.meanAbs.toPrecision(3)} (relative ${v.unet.relMean.toPrecision(3)})`);
    lines.push(`  VAE decoder  max |Δ| ${v.vaeDecoder.maxAbs.toPrecision(3)}, mean ${v.vaeDecoder.meanAbs.toPrecision(3)}`);
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
  let manifest: QuantizeManifest;
  try {
    manifest = await quantizeModelFolder(input, output, {
      to,
      minSize: numberOption(parsed, 'min-size', { min: 0, max: 2 ** 40, integer: true }),
      force: flag(parsed, 'force'),
      keepIoTypes: !flag(parsed, 'fp16-io'),
      verify: flag(parsed, 'skip-verify') ? false : { device: choiceOption(parsed, 'verify-device', DEVICE_NAMES) },
      signal: abort.signal,
      onProgress: (p) => progress.update(p),
    });
  } finally {
    progress.finish();
    process.off('SIGINT', stop).off('SIGTERM', stop);
  }
  process.stdout.write(json ? `${JSON.stringify(manifest)}\n` : summary(manifest, output));
  if (manifest.verdict === 'failed') {
    process.stderr.write(`nanoforge quantize: verification failed (${manifest.verification?.failures.join('; ') ?? ''}); the folder is marked "failed" in its manifest\n`);
    return EXIT_VERIFICATION_FAILED;
  }
  return 0;
}

export const quantizeCommand: CliCommand = {
  name: 'quantize',
  usage: 'quantize IN_DIR OUT_DIR --to int8|fp16|int4 [--min-size N] [--force] [--json] [--skip-verify] (quantize --help: thresholds)',
  run,
};
