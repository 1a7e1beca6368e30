// Status bar: the model and the device it runs on ("Nanoforge: sd-turbo · CPU (GPU failed: …)"),
// step progress while generating; a click opens the model picker.
import * as vscode from 'vscode';
import { resolveModelFolder } from './models-resolve';
import type { Services } from './services';
import { statusText } from './status-text';
import { COMMANDS } from './command-ids';


export function registerStatusBar(services: Services): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('nanoforge.status', vscode.StatusBarAlignment.Right, 100);
  item.name = 'Nanoforge';
  item.command = COMMANDS.selectModel;
  let modelId = '…';
  let modelProblem: string | undefined;

  const render = () => {
    const state = services.activity.state;
    const { text, tooltip } = statusText({ ...state, modelId, modelProblem, configuredDevice: services.settings().device });
    item.text = text;
    item.tooltip = tooltip;
    const broken = state.running === 0 && !state.lastCrash && state.modelFailure !== undefined;
    item.backgroundColor = broken ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  };
  const refreshModel = async () => {
    const result = await resolveModelFolder(services.settings(), vscode.Uri.joinPath(services.context.globalStorageUri, 'models'));
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
