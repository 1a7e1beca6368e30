// The shared services every feature receives: log channel, the lazily started image worker, settings,
// the asset writer, history, and model resolution. Created once in `activate`, disposed with it.
import * as vscode from 'vscode';
import { WorkerClient } from '../inference/worker/client';
import { Activity } from './activity';
import { AssetWriter } from './assets';
import { HistoryStore } from './history';
import { modelsRoot, resolveModelFolder, offerModelSetup, type ResolvedModel } from './models-resolve';
import { readSettings, type NanoforgeSettings } from './settings';
import { workerObserver } from './worker-observer';
import { TrustGate } from './workspace-trust';

export interface Services extends vscode.Disposable {
  readonly context: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  /** The worker client, started on first use; a crashed worker is replaced on the next request. */
  worker(): WorkerClient;
  settings(): NanoforgeSettings;
  readonly writer: AssetWriter;
  readonly history: HistoryStore;
  readonly activity: Activity;
  readonly trust: TrustGate;
  /** The model folder to use, or undefined after telling the user how to get one. */
  resolveModel(): Promise<ResolvedModel | undefined>;
  /** The models folder: the worker pairs its installed tiny decoder with models and caches optimized graphs in it. */
  storeDir(): string;
}

class ExtensionServices implements Services {
  readonly log = vscode.window.createOutputChannel('Nanoforge', { log: true });
  readonly writer = new AssetWriter(this.log);
  readonly history: HistoryStore;
  readonly activity = new Activity();
  readonly trust = new TrustGate();
  private client: WorkerClient | undefined;
  private lastProblems = '';
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly context: vscode.ExtensionContext) {
    this.history = new HistoryStore(context.workspaceState);
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        // A new idle timeout applies to the next worker; an idle one is simply let go now.
        if (e.affectsConfiguration('nanoforge.worker') && this.client && !this.client.running) this.stopWorker();
        const modelSettings = ['nanoforge.model', 'nanoforge.modelsFolder', 'nanoforge.device'];
        if (modelSettings.some((key) => e.affectsConfiguration(key))) this.activity.modelChanged();
      }),
    );
  }

  settings(): NanoforgeSettings {
    const { settings, problems } = readSettings(vscode.workspace.getConfiguration('nanoforge'));
    const joined = problems.join('\n');
    if (joined && joined !== this.lastProblems) {
      for (const p of problems) this.log.warn(`setting ignored: ${p}`);
      void vscode.window.showWarningMessage(`Nanoforge: ${problems[0] ?? ''}${problems.length > 1 ? ` (+${problems.length - 1} more, see the log)` : ''}`);
    }
    this.lastProblems = joined;
    return settings;
  }

  worker(): WorkerClient {
    if (!this.client) this.client = this.startWorker();
    return this.client;
  }

  private startWorker(): WorkerClient {
    const idle = this.settings().worker.idleTimeoutSeconds;
    const client = new WorkerClient({
      workerPath: this.context.asAbsolutePath('dist/worker.js'),
      idleTimeoutMs: idle * 1000, // 0 = never stop
      log: (line) => this.log.info(`[worker] ${line}`),
      observer: workerObserver(this.activity, this.log),
    });
    this.log.info(`image worker client ready (idle timeout ${idle > 0 ? `${idle}s` : 'off'})`);
    return client;
  }

  private stopWorker(): void {
    this.client?.dispose();
    this.client = undefined;
  }

  storeDir(): string {
    return modelsRoot(this.settings(), vscode.Uri.joinPath(this.context.globalStorageUri, 'models')).fsPath;
  }

  async resolveModel(): Promise<ResolvedModel | undefined> {
    const settings = this.settings();
    const result = await resolveModelFolder(settings, vscode.Uri.joinPath(this.context.globalStorageUri, 'models'));
    if ('model' in result) return result.model;
    this.log.warn(`no model: ${result.problem}`);
    offerModelSetup(result.problem);
    return undefined;
  }

  dispose(): void {
    this.stopWorker();
    for (const d of this.disposables) d.dispose();
    this.history.dispose();
    this.activity.dispose();
    this.log.dispose();
  }
}

export function createServices(context: vscode.ExtensionContext): Services {
  return new ExtensionServices(context);
}
