// Which device ran, in one short line; why the GPU providers before it were skipped only on request
// (--verbose; --json always carries it). The reasons are long (library names, install hints) and the
// same on every run, so a normal run says where to find them instead of printing them.
import type { ProviderAttempt } from '../inference/types';

/** `device: cpu` plus `extra`, then one line about skipped providers (their reasons with `verbose`). */
export function deviceLines(device: string, fallbacks: readonly ProviderAttempt[], verbose: boolean, extra = ''): string[] {
  const lines = [`device: ${device}${extra}`];
  if (fallbacks.length === 0) return lines;
  if (verbose) return [...lines, ...fallbacks.map((f) => `skipped ${f.provider}: ${f.reason ?? 'failed'}`)];
  return [...lines, `skipped ${fallbacks.map((f) => f.provider).join(', ')} (run with --verbose to see why)`];
}
