// Status bar: the model and the device it runs on ("Nanoforge: sd-turbo · CPU (GPU failed: …)"),
// step progress while generating; a click opens the model picker.
import * as vscode from 'vscode';
import type { DeviceName, ProviderAttempt } from '../inference/types';
import type { ActivityState } from './activity';
import { resolveModelFolder } from './models-resolve';
import type { Services } from './services';

export const SELECT_MODEL_COMMAND = 'nanoforge.selectModel';

const DEVICE_LABELS: Record<DeviceName, string> = {
  auto: 'auto', cpu: 'CPU', webgpu: 'WebGPU', cuda: 'CUDA', dml: 'DirectML', coreml: 'CoreML',
};

function deviceText(state: ActivityState, configured: DeviceName): { short: string; detail: string } {
  if (!state.device) return { short: DEVICE_LABELS[configured], detail: `device: ${configured} (not used yet)` };
  const failed = state.fallbacks.filter((f: ProviderAttempt) => !f.ok);
  const label = DEVICE_LABELS[state.device];
  if (failed.length === 0) return { short: label, detail: `running on ${label}` };
  const reasons = failed.map((f) => `${DEVICE_LABELS[f.provider]}: ${f.reason ?? 'failed'}`);
  const first = reasons[0] ?? '';
  const short = `${label} (GPU failed: ${first.length > 40 ? `${first.slice(0, 39)}…` : first})`;
  return { short, detail: `running on ${label}; tried first: ${reasons.join('; ')}` };
}

export function registerStatusBar(services: Services): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('nanoforge.status', vscode.StatusBarAlignment.Right, 100);
  item.name = 'Nanoforge';
  item.command = SELECT_MODEL_COMMAND;
  let modelId = '…';
  let modelProblem: string | undefined;

  const render = () => {
    const state = services.activity.state;
    const device = deviceText(state, services.settings().device);
    if (state.running > 0) {
      const step = state.step !== undefined ? ` ${state.step}/${state.totalSteps ?? '?'}` : '';
      item.text = `$(loading~spin) Nanoforge: generating${step}`;
    } else if (state.lastCrash) {
      item.text = `$(error) Nanoforge: worker stopped`;
    } else {
      item.text = `$(sparkle) Nanoforge: ${modelId} · ${device.short}`;
    }
    const crash = state.lastCrash ? `\nLast generation failed: ${state.lastCrash}` : '';
    item.tooltip = `${modelProblem ?? `model: ${modelId}`}\n${device.detail}${crash}\nClick to choose a model.`;
  };
  const refreshModel = async () => {
    const settings = services.settings();
    const result = await resolveModelFolder(settings, vscode.Uri.joinPath(services.context.globalStorageUri, 'models'));
    modelId = 'model' in result ? result.model.id : 'no model';
    modelProblem = 'problem' in result ? result.problem : undefined;
    render();
  };
  const refresh = () => refreshModel().catch((err: unknown) => services.log.error(`status bar: ${String(err)}`));

  render();
  void refresh();
  item.show();
  return vscode.Disposable.from(
    item,
    services.activity.onDidChange(render),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('nanoforge') && void refresh()),
  );
}
