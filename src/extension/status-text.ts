// The status bar's words, kept free of `vscode` so they are unit-tested in plain Node
// (test/unit/status-text.test.ts): "Nanoforge: sd-turbo · CPU (GPU failed: …)".
import type { DeviceName, ProviderAttempt } from '../inference/types';

export const DEVICE_LABELS: Readonly<Record<DeviceName, string>> = {
  auto: 'auto', cpu: 'CPU', webgpu: 'WebGPU', cuda: 'CUDA', dml: 'DirectML', coreml: 'CoreML',
};

const MAX_REASON = 40;

/** Why the model could not be loaded by the last generation (see activity.ts). */
export interface ModelFailure {
  /** The worker's message, e.g. "…/unet/model.onnx: cannot be loaded as an ONNX model (…)". */
  reason: string;
  /** The offending file inside the model folder, when the worker named one. */
  file?: string;
}

export interface StatusInput {
  modelId: string;
  /** Set when no model could be resolved. */
  modelProblem?: string;
  configuredDevice: DeviceName;
  /** The device the last generation ran on; undefined before the first one. */
  device?: Exclude<DeviceName, 'auto'>;
  fallbacks: readonly ProviderAttempt[];
  running: number;
  step?: number;
  totalSteps?: number;
  lastCrash?: string;
  /** The last generation could not load the model; cleared by a success or a model change. */
  modelFailure?: ModelFailure;
}

function shorten(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_REASON ? `${oneLine.slice(0, MAX_REASON - 1)}…` : oneLine;
}

/** "CPU", "CPU (GPU failed: CUDA: libcudart.so.12 missing)", or the configured device before any run. */
export function deviceLabel(s: StatusInput): { short: string; detail: string } {
  if (!s.device) return { short: DEVICE_LABELS[s.configuredDevice], detail: `device: ${s.configuredDevice} (not used yet)` };
  const label = DEVICE_LABELS[s.device];
  const failed = s.fallbacks.filter((f) => !f.ok);
  if (failed.length === 0) return { short: label, detail: `running on ${label}` };
  const reasons = failed.map((f) => `${DEVICE_LABELS[f.provider]}: ${f.reason ?? 'failed'}`);
  return { short: `${label} (GPU failed: ${shorten(reasons[0] ?? '')})`, detail: `running on ${label}; tried first: ${reasons.join('; ')}` };
}

export function statusText(s: StatusInput): { text: string; tooltip: string } {
  const device = deviceLabel(s);
  let text: string;
  if (s.running > 0) {
    const step = s.step !== undefined ? ` ${s.step}/${s.totalSteps ?? '?'}` : '';
    const queued = s.running > 1 ? ` (+${s.running - 1} queued)` : '';
    text = `$(loading~spin) Nanoforge: generating${step}${queued}`;
  } else if (s.lastCrash) {
    text = '$(error) Nanoforge: worker stopped';
  } else if (s.modelFailure) {
    text = `$(warning) Nanoforge: ${s.modelId} — model failed to load`;
  } else {
    text = `$(sparkle) Nanoforge: ${s.modelId} · ${device.short}`;
  }
  const crash = s.lastCrash ? `\nLast generation failed: ${s.lastCrash}` : '';
  const failure = s.modelFailure
    ? `\nThe model failed to load${s.modelFailure.file ? ` (${s.modelFailure.file})` : ''}: ${s.modelFailure.reason}\nRepair or re-download the model, check nanoforge.device, or choose another model.`
    : '';
  const tooltip = `${s.modelProblem ?? `model: ${s.modelId}`}\n${device.detail}${crash}${failure}\nClick to choose a model.`;
  return { text, tooltip };
}
