// The generator panel's host: one webview panel at a time, owning its disposables, talking to the
// webview (webview-ui/) only through the validated protocol in src/protocol/panel.ts.
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  PANEL_VIEW_TYPE, sizeProblem, validateWebviewMessage,
  type HostMessage, type ModelSummary, type PanelInit, type PanelRequest, type WebviewMessage,
} from '../../protocol/panel';
import { activeFolder, randomSeed } from '../generation';
import { browseTarget, copyCandidate, historyViews, saveCandidate, saveCandidateAs, type ActionContext } from './actions';
import { CandidateStore } from './candidates';
import { makeNonce, renderPanelHtml } from './html';
import { rememberLastChoice } from './last-choice';
import { LiveController } from './live';
import { runPanelGeneration } from './run';
import { PanelProbe, registerPanelTestHook } from './probe';
import { droppedUri, loadStartImageFile, StartImageRefused } from '../start-image';
import type { Services } from '../services';
import { errorMessage } from '../../inference/errors';
import { IMAGE_EXTENSIONS } from '../../inference/tables';

/** What a command may pre-fill: request fields the form shows, the target file and a start image file. */
export type GeneratorPanelInit = Omit<PanelInit, 'target' | 'startImage'> & { target?: vscode.Uri; startImage?: vscode.Uri };

/** What Browse… offers for a start image: every format Nanoforge reads. */
const START_IMAGE_EXTENSIONS = [...IMAGE_EXTENSIONS];

/** The run the panel is working on; `done` settles when it ended, whichever way. */
interface Running {
  id: string;
  abort: AbortController;
  done: Promise<void>;
}

const COMMON_SIZES = ['16x16', '32x32', '64x64', '128x128', '256x256', '512x512', '768x512', '1024x1024'];

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  // Only the built UI may load into the webview; no command links, no other local files.
  return { enableScripts: true, enableCommandUris: false, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview')] };
}

export class GeneratorPanel implements vscode.Disposable {
  static current: GeneratorPanel | undefined;

  readonly probe = new PanelProbe();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly store: CandidateStore;
  private running: Running | undefined;
  /** Live mode: one candidate per pause in typing, never more than one run in flight (live.ts). */
  private readonly liveMode = new LiveController({
    run: (request, signal) => this.runLive(request, signal),
    randomSeed,
    onError: (error) => this.services.log.error(`panel: live run failed: ${errorMessage(error)}`),
  });
  /** The messages of the latest run, re-sent when the webview comes back without having seen them. */
  private lastRun: HostMessage[] = [];
  private needsReplay = false;
  private model: ModelSummary | null | undefined;
  private modelError: string | undefined;
  private prefill: PanelInit = {};
  /** A start image a command asked for, read (and checked) once, sent with the next init. */
  private prefillStart: Promise<PanelInit['startImage']> | undefined;
  /** A command opened or revealed the panel: the next init puts the cursor in the prompt. */
  private focusPrompt = false;
  private folder: vscode.WorkspaceFolder | undefined;
  /** True between the webview's "ready" and the panel being hidden (which unloads the webview). */
  private live = false;

  static show(services: Services, init: GeneratorPanelInit = {}): GeneratorPanel {
    const existing = GeneratorPanel.current;
    if (existing) {
      existing.setInit(init);
      existing.focusPrompt = true;
      existing.panel.reveal();
      // A hidden webview is gone (no retained context); it gets the prefill when it says "ready".
      if (existing.live) void existing.sendInit();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      PANEL_VIEW_TYPE, 'Nanoforge: Generate Image',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
      // State survives hiding through getState/setState, so the webview need not stay alive hidden.
      { ...webviewOptions(services.context.extensionUri), retainContextWhenHidden: false },
    );
    const created = new GeneratorPanel(services, panel, init);
    created.focusPrompt = true;
    return created;
  }

  /** Called by the serializer after a window reload; the webview restores its own state. */
  static revive(services: Services, panel: vscode.WebviewPanel): GeneratorPanel {
    GeneratorPanel.current?.dispose();
    panel.webview.options = webviewOptions(services.context.extensionUri);
    return new GeneratorPanel(services, panel, {});
  }

  private constructor(private readonly services: Services, readonly panel: vscode.WebviewPanel, init: GeneratorPanelInit) {
    GeneratorPanel.current = this;
    const storage = services.context.storageUri ?? services.context.globalStorageUri;
    this.store = new CandidateStore(vscode.Uri.joinPath(storage, 'panel-candidates'), services.log);
    this.setInit(init);
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.onDidChangeViewState(() => {
        if (panel.visible) return;
        this.live = false;
        // The webview unloads when hidden and comes back with Live off; nothing may keep running for it.
        this.liveMode.stop();
      }),
      panel.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
      services.history.onDidChange(() => this.post({ type: 'history', entries: historyViews(services) })),
    );
    // Warm-up: asking the worker for the model's info as the panel opens, before the webview has
    // loaded, starts the worker and loads the pipeline in the background, so the first Generate does
    // not wait for it. The webview gets the answer when it is ready (sendInit) or when it arrives.
    void this.loadModelInfo();
  }

  private html(): string {
    const webview = this.panel.webview;
    const root = vscode.Uri.joinPath(this.services.context.extensionUri, 'dist', 'webview');
    return renderPanelHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(randomBytes),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'main.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'main.css')).toString(),
    });
  }

  private setInit(init: GeneratorPanelInit): void {
    this.folder = (init.target && vscode.workspace.getWorkspaceFolder(init.target)) || activeFolder();
    const target = init.target && this.folder ? path.posix.relative(this.folder.uri.path, init.target.path) : undefined;
    this.prefill = {
      ...(init.prompt === undefined ? {} : { prompt: init.prompt }),
      ...(init.kind === undefined ? {} : { kind: init.kind }),
      ...(init.width === undefined || init.height === undefined ? {} : { width: init.width, height: init.height }),
      ...(target && !target.startsWith('..') ? { target } : {}),
      ...(init.strength === undefined ? {} : { strength: init.strength }),
    };
    this.prefillStart = init.startImage && this.readPrefillStart(init.startImage);
  }

  /** The start image a command names; a refusal is shown (and logged) and the form keeps its own. */
  private async readPrefillStart(uri: vscode.Uri): Promise<PanelInit['startImage']> {
    try {
      return (await loadStartImageFile(uri)).view;
    } catch (error) {
      this.refuseStartImage(error);
      return undefined;
    }
  }

  private refuseStartImage(error: unknown): void {
    if (!(error instanceof StartImageRefused)) throw error;
    this.services.log.warn(`panel: start image refused: ${error.message}`);
    this.post({ type: 'notice', level: 'error', text: error.message });
  }

  private sizes(): string[] {
    const fromSettings = Object.values(this.services.settings().defaultSizes).map((s) => `${s.width}x${s.height}`);
    return [...new Set([...COMMON_SIZES, ...fromSettings])]
      .filter((s) => s.split('x').every((n) => sizeProblem(Number(n)) === undefined))
      .sort((a, b) => Number(a.split('x')[0]) - Number(b.split('x')[0]));
  }

  private async sendInit(): Promise<void> {
    const pending = this.prefillStart;
    const prefill = this.prefill;
    const focusPrompt = this.focusPrompt;
    // Applied once: a later "ready" (hide/show) must not overwrite the user's edits, and a panel the
    // workbench restores (or the user clicks back to) must not pull the keyboard focus to itself.
    this.prefill = {};
    this.prefillStart = undefined;
    this.focusPrompt = false;
    const startImage = pending && (await pending);
    this.post({
      type: 'init', prefill: { ...prefill, ...(startImage ? { startImage } : {}) }, sizes: this.sizes(), history: historyViews(this.services),
      activeGeneration: this.running?.id ?? null, ...(focusPrompt ? { focusPrompt: true } : {}),
    });
    if (this.model !== undefined) this.post({ type: 'modelInfo', model: this.model, ...(this.modelError ? { error: this.modelError } : {}) });
  }

  post(message: HostMessage): void {
    this.probe.posted(message);
    if (message.type === 'started') this.lastRun = [message];
    else if (message.type === 'result' || message.type === 'failed') this.lastRun.push(message);
    if (!this.panel.visible && (message.type === 'result' || message.type === 'failed' || message.type === 'started')) this.needsReplay = true;
    void this.panel.webview.postMessage(message).then((delivered) => {
      if (!delivered) this.needsReplay = true;
    });
  }

  /** Every message is validated before anything happens; a rejection is logged and does nothing. */
  receive(raw: unknown): void {
    const checked = validateWebviewMessage(raw);
    if (!checked.ok) {
      this.services.log.warn(`panel: rejected a message from the webview: ${checked.reason}`);
      this.probe.rejected(checked.reason);
      return;
    }
    this.probe.received(checked.message);
    this.handle(checked.message).catch((error: unknown) => {
      const text = errorMessage(error);
      this.services.log.error(`panel: ${checked.message.type} failed: ${text}`);
      this.post({ type: 'notice', level: 'error', text: `${checked.message.type} failed: ${text}` });
    });
  }

  private actions(): ActionContext {
    return { services: this.services, store: this.store, folder: () => this.folder ?? activeFolder(), post: (m) => this.post(m) };
  }

  /** Browse…, drag and drop and History: a workspace image, checked here, shown in the form as the start image. */
  private async useStartImage(uri: vscode.Uri | undefined): Promise<void> {
    if (!uri) {
      this.post({ type: 'notice', level: 'error', text: 'Drop an image file from the Explorer (hold Shift while dragging into the panel), or use Browse….' });
      return;
    }
    try {
      this.post({ type: 'startImage', image: (await loadStartImageFile(uri)).view });
    } catch (error) {
      this.refuseStartImage(error);
    }
  }

  private async browseStartImage(): Promise<void> {
    const folder = this.folder ?? activeFolder();
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false, canSelectFolders: false, title: 'Start image', openLabel: 'Use as start image',
      filters: { Images: START_IMAGE_EXTENSIONS }, ...(folder ? { defaultUri: folder.uri } : {}),
    });
    if (picked?.[0]) await this.useStartImage(picked[0]);
  }

  private async handle(m: WebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready': return this.onReady();
      case 'generate': return this.generate(m.request);
      case 'cancel':
        this.running?.abort.abort();
        return;
      case 'save': return saveCandidate(this.actions(), m.candidate, m.target, m.quality === 'full');
      case 'saveAs': return saveCandidateAs(this.actions(), m.candidate);
      case 'copy': return copyCandidate(this.actions(), m.candidate, m.as, m.target);
      case 'browseTarget': return browseTarget(this.actions(), m.current);
      case 'browseStartImage': return this.browseStartImage();
      case 'setStartImage': return this.useStartImage(droppedUri(m.uri, this.folder ?? activeFolder()));
      case 'clearHistory': return this.services.history.clear();
      case 'live':
        if (m.request) this.liveMode.edit(m.request);
        else this.liveMode.stop();
        return;
      case 'rendered':
        this.services.log.info(`panel: webview shows ${m.candidates} candidate(s) of ${m.generationId}`);
        return;
      default: {
        const unreachable: never = m;
        throw new Error(`unhandled message ${JSON.stringify(unreachable)}`);
      }
    }
  }

  private async onReady(): Promise<void> {
    this.live = true;
    await this.sendInit();
    if (this.needsReplay || this.running) {
      this.needsReplay = false;
      for (const message of this.lastRun) this.post(message);
    }
  }

  /** Never rejects: whatever goes wrong becomes the panel's "No model: …" line. */
  private async loadModelInfo(): Promise<void> {
    let id: string | undefined;
    try {
      const model = await this.services.resolveModel();
      id = model?.id;
      if (!model) {
        this.model = null;
        this.modelError = 'no model is set up; run "Nanoforge: Download Model" or set nanoforge.model';
      } else {
        const info = await this.services.worker().modelInfo(model.dir, this.services.settings().device, this.services.storeDir());
        this.model = { id: model.id, device: info.device, usesGuidance: info.usesGuidance, nativeSize: info.nativeSize, imageToImage: info.imageToImage };
        this.modelError = undefined;
      }
    } catch (error) {
      this.model = null;
      this.modelError = `${id ?? 'the model'} could not be loaded: ${errorMessage(error)}`;
      this.services.log.warn(`panel: ${this.modelError}`);
    }
    // Before "ready" the webview could not take it; sendInit sends it then.
    if (this.live) this.post({ type: 'modelInfo', model: this.model, ...(this.modelError ? { error: this.modelError } : {}) });
  }

  private async generate(request: PanelRequest): Promise<void> {
    if (this.running || this.liveMode.active) {
      const text = this.liveMode.active ? 'Live mode is on; turn it off to generate several candidates.' : 'A generation is already running; cancel it first.';
      this.post({ type: 'notice', level: 'info', text });
      return;
    }
    rememberLastChoice(this.services.context.workspaceState, request).then(undefined, (error: unknown) => {
      this.services.log.warn(`panel: could not remember the kind, size and target: ${errorMessage(error)}`);
    });
    await this.execute(request, false);
  }

  /** One Live candidate: a normal run still going is cancelled first (Live takes over the panel). */
  private async runLive(request: PanelRequest, signal: AbortSignal): Promise<void> {
    const previous = this.running;
    if (previous) {
      previous.abort.abort();
      await previous.done;
    }
    if (signal.aborted || this.running) return;
    await this.execute(request, true, signal);
  }

  /** Claims the panel's one run slot (synchronously, before any await) and runs the request in it. */
  private async execute(request: PanelRequest, live: boolean, outer?: AbortSignal): Promise<void> {
    let finish = (): void => undefined;
    const done = new Promise<void>((resolve) => { finish = resolve; });
    const run: Running = { id: randomBytes(8).toString('hex'), abort: new AbortController(), done };
    this.running = run;
    const forward = (): void => run.abort.abort();
    outer?.addEventListener('abort', forward);
    try {
      if (!(await this.services.trust.allowGeneration('command'))) return;
      const model = await this.services.resolveModel();
      if (!model) {
        this.post({ type: 'notice', level: 'error', text: 'No model is set up; run "Nanoforge: Download Model" or set nanoforge.model.' });
        return;
      }
      const context = { services: this.services, store: this.store, folder: this.folder ?? activeFolder(), post: (m: HostMessage) => this.post(m) };
      await runPanelGeneration(context, run.id, request, model, run.abort.signal, { live });
    } finally {
      outer?.removeEventListener('abort', forward);
      this.running = undefined;
      finish();
    }
  }

  dispose(): void {
    if (GeneratorPanel.current === this) GeneratorPanel.current = undefined;
    this.live = false; // a model load that ends later must not post to the disposed webview
    this.liveMode.stop();
    this.running?.abort.abort();
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** Restores the panel after a window reload and, in test runs, exposes the probe. */
export function registerGeneratorPanel(services: Services): vscode.Disposable {
  const serializer = vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
    async deserializeWebviewPanel(panel: vscode.WebviewPanel, _state: unknown) {
      // The webview brings its own state back (getState); the host only reconnects to it.
      GeneratorPanel.revive(services, panel);
    },
  });
  const disposables = [serializer, { dispose: () => GeneratorPanel.current?.dispose() }];
  if (services.context.extensionMode !== vscode.ExtensionMode.Production) {
    disposables.push(registerPanelTestHook({
      current: () => GeneratorPanel.current,
      open: (init) => GeneratorPanel.show(services, init),
      revive: (panel) => GeneratorPanel.revive(services, panel),
    }));
  }
  return vscode.Disposable.from(...disposables);
}
