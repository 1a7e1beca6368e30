// Editor-independent parts of "Optimize Model for This Machine": which variant suits the device,
// where the converted folder goes, the CLI arguments, and reading the CLI's progress lines.
import * as path from 'node:path';
import type { QuantizeManifest, QuantizeProgress, QuantizeTarget } from '../../inference/models/quantize/folder';
import type { DeviceName } from '../../inference/types';

/** `nanoforge quantize` exits with this when the conversion failed verification (nothing written). */
export const EXIT_VERIFICATION_FAILED = 3;

/** GPU providers run fp16 natively; on the CPU int8 runs integer kernels and needs a quarter of the memory. */
export function recommendVariant(device: Exclude<DeviceName, 'auto'>): QuantizeTarget {
  return device === 'cpu' ? 'int8' : 'fp16';
}

/** The converted model sits beside the original: `<folder>-int8`. */
export function targetFolder(modelDir: string, variant: QuantizeTarget): string {
  const resolved = path.resolve(modelDir);
  return path.join(path.dirname(resolved), `${path.basename(resolved)}-${variant}`);
}

export function quantizeArgs(cliPath: string, modelDir: string, out: string, variant: QuantizeTarget, force: boolean): string[] {
  return [cliPath, 'quantize', modelDir, out, '--to', variant, '--json', '--progress-jsonl', ...(force ? ['--force'] : [])];
}

/** A `--progress-jsonl` line from the CLI's stderr, or undefined for any other line. */
export function parseProgressLine(line: string): QuantizeProgress | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(line) as Partial<QuantizeProgress> & { type?: string };
    if (value.type !== 'progress' || typeof value.done !== 'number' || typeof value.total !== 'number' || typeof value.phase !== 'string') return undefined;
    return { phase: value.phase, done: value.done, total: value.total, component: value.component, message: value.message };
  } catch (error) {
    // Not ours (a library's own line that happens to start with '{'): the caller logs it as text.
    void error;
    return undefined;
  }
}

/** Progress percentage (0..100): conversion counts 80 %, verification the rest. */
export function progressPercent(p: QuantizeProgress): number {
  if (p.phase === 'done') return 100;
  if (p.phase === 'verify') return 85;
  return Math.min(80, p.total > 0 ? (p.done / p.total) * 80 : 0);
}

/** One line for the user about a finished conversion. */
export function describeResult(m: QuantizeManifest): string {
  const mb = (n: number) => `${(n / 1e6).toFixed(0)} MB`;
  const psnr = m.verification ? `, image PSNR ${m.verification.image.psnr.toFixed(1)} dB` : '';
  return `${m.to} model: ${mb(m.bytesBefore)} → ${mb(m.bytesAfter)}${psnr}, verdict ${m.verdict}`;
}
