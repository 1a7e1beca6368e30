// What the integration tests (test/extension/panel.test.ts) can see of the panel: a bounded record
// of the traffic, and a command that drives it. The command exists only outside Production mode.
import * as vscode from 'vscode';
import { PANEL_VIEW_TYPE, type HostMessage, type PanelInit, type WebviewMessage } from '../../protocol/panel';
import { PANEL_TEST_COMMAND } from '../command-ids';

const KEPT = 1000;

function keep<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > KEPT) list.shift();
}

export class PanelProbe {
  readonly fromWebview: WebviewMessage[] = [];
  readonly rejections: string[] = [];
  /** Host messages without their bulky payloads (image data). */
  readonly toWebview: {
    type: HostMessage['type']; generationId?: string; candidates?: number; text?: string; preview?: string; startImage?: string; target?: string; strength?: number;
    /** Of an init: what the form was pre-filled with, and whether the prompt takes the focus. */
    prefill?: PanelInit; focusPrompt?: boolean;
    /** Of a start: its prompt, seed and whether Live ran it. Of a result: its time. */
    prompt?: string; seed?: number; live?: boolean; elapsedMs?: number;
  }[] = [];

  received(m: WebviewMessage): void {
    keep(this.fromWebview, m);
  }

  rejected(reason: string): void {
    keep(this.rejections, reason);
  }

  posted(m: HostMessage): void {
    keep(this.toWebview, {
      type: m.type,
      ...('generationId' in m ? { generationId: m.generationId } : {}),
      ...(m.type === 'result' ? { candidates: m.candidates.length, elapsedMs: m.elapsedMs } : {}),
      ...(m.type === 'started' ? { prompt: m.request.prompt, seed: m.seed, live: m.live === true } : {}),
      ...(m.type === 'init' ? { prefill: m.prefill, focusPrompt: m.focusPrompt === true } : {}),
      ...(m.type === 'progress' && m.preview ? { preview: `${m.preview.width}x${m.preview.height}` } : {}),
      ...(m.type === 'notice' ? { text: m.text } : m.type === 'failed' ? { text: m.message } : m.type === 'init' && m.prefill.prompt ? { text: m.prefill.prompt } : m.type === 'targetChosen' ? { text: m.target } : {}),
      // The start image a message shows, as "label WxH ref" (its thumbnail left out).
      ...(startImageOf(m) ? { startImage: startImageOf(m) } : {}),
      ...(m.type === 'init' && m.prefill.target ? { target: m.prefill.target } : {}),
      ...(m.type === 'init' && m.prefill.strength !== undefined ? { strength: m.prefill.strength } : {}),
    });
  }
}

function startImageOf(m: HostMessage): string | undefined {
  const view = m.type === 'init' ? m.prefill.startImage : m.type === 'startImage' ? m.image : undefined;
  if (!view) return m.type === 'startImage' ? '(none)' : undefined;
  const ref = 'path' in view.ref ? view.ref.path : `candidate ${view.ref.candidate.index}`;
  return `${view.label} ${view.width}x${view.height} ${ref}${view.src ? ' (thumbnail)' : ''}`;
}

/** The part of GeneratorPanel the hook drives (kept structural to avoid an import cycle). */
export interface ProbedPanel {
  readonly probe: PanelProbe;
  readonly panel: vscode.WebviewPanel;
  receive(raw: unknown): void;
  dispose(): void;
}

export type PanelTestRequest =
  | { op: 'open'; init?: { prompt?: string; kind?: 'icon'; width?: number; height?: number; target?: string } }
  | { op: 'state' }
  | { op: 'send'; message: unknown }
  /** Several messages delivered in one go, as fast typing would (no pause between them). */
  | { op: 'sendAll'; messages: unknown[] }
  | { op: 'close' }
  | { op: 'reviveFresh' };

export interface PanelTestState {
  open: boolean;
  visible: boolean;
  viewColumn: number | undefined;
  fromWebview: WebviewMessage[];
  rejections: string[];
  toWebview: PanelProbe['toWebview'];
}

/** How the hook reaches the panel class without importing it (generator-panel.ts imports this file). */
export interface PanelHookTarget {
  current(): ProbedPanel | undefined;
  open(init: { prompt?: string; kind?: 'icon'; width?: number; height?: number; target?: vscode.Uri }): ProbedPanel;
  /** What the serializer does after a window reload. */
  revive(panel: vscode.WebviewPanel): void;
}

export function registerPanelTestHook({ current, open, revive }: PanelHookTarget): vscode.Disposable {
  return vscode.commands.registerCommand(PANEL_TEST_COMMAND, async (req: PanelTestRequest): Promise<PanelTestState | undefined> => {
    switch (req.op) {
      case 'open': {
        const { target, ...rest } = req.init ?? {};
        const folder = vscode.workspace.workspaceFolders?.[0];
        open({ ...rest, ...(target && folder ? { target: vscode.Uri.joinPath(folder.uri, target) } : {}) });
        break;
      }
      case 'send':
        current()?.receive(req.message);
        break;
      case 'sendAll':
        for (const message of req.messages) current()?.receive(message);
        break;
      case 'close':
        current()?.dispose();
        break;
      case 'reviveFresh': {
        // What VS Code does after a reload: a bare panel of our view type handed to the serializer.
        const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, 'Nanoforge: Generate Image', vscode.ViewColumn.One, {});
        revive(panel);
        break;
      }
      case 'state':
        break;
    }
    const p = current();
    return {
      open: p !== undefined, visible: p?.panel.visible ?? false, viewColumn: p?.panel.viewColumn,
      fromWebview: p ? [...p.probe.fromWebview] : [], rejections: p ? [...p.probe.rejections] : [], toWebview: p ? [...p.probe.toWebview] : [],
    };
  });
}
