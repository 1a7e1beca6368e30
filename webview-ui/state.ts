// What the panel remembers across hide/show and window reloads (webview getState/setState; the
// host's panel serializer brings the webview back and this state with it).
import type { CandidateView, HistoryView, ModelSummary, PanelRequest, StartImageView, WebviewMessage } from '../src/protocol/panel';

export interface FormValues extends PanelRequest {
  /** When false, generations send `seed: null` and the field shows the last seed used. */
  seedLocked: boolean;
}

export interface GenerationView {
  id: string;
  request: PanelRequest;
  seed: number;
  /** Date.now() in the webview when the host confirmed the start (drives the elapsed clock). */
  startedAt: number;
  status: 'running' | 'done' | 'failed';
  candidates: CandidateView[];
  device?: string;
  /** Which decoder made the candidates ('full': nothing for "Save (full quality)" to add). */
  decoder?: 'tiny' | 'full';
  warnings: string[];
  elapsedMs?: number;
  message?: string;
  /** A Live mode run (one candidate; a newer edit supersedes it). */
  live?: boolean;
}

export interface PanelState {
  version: 1;
  form: FormValues;
  generation?: GenerationView;
  selected: number;
  model?: ModelSummary | null;
  modelError?: string;
  history: HistoryView[];
  sizes: string[];
  /** The form's start image as shown (a thumbnail; the form's request names it by `ref`). */
  startImage?: StartImageView;
}

export const DEFAULT_SIZES = ['16x16', '32x32', '64x64', '128x128', '256x256', '512x512', '640x360', '1024x640'];

export function defaultState(): PanelState {
  return {
    version: 1,
    form: {
      prompt: '', negativePrompt: '', kind: 'icon', width: 256, height: 256, count: 4, steps: 4,
      seed: null, seedLocked: false, target: '',
    },
    selected: 0,
    history: [],
    sizes: DEFAULT_SIZES,
  };
}

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** The webview's single link to the host: typed posting plus persisted state. */
export class HostLink {
  private readonly api: VsCodeApi = acquireVsCodeApi();

  post(message: WebviewMessage): void {
    this.api.postMessage(message);
  }

  load(): PanelState {
    const saved = this.api.getState() as Partial<PanelState> | undefined;
    // A state from another version of the panel is dropped rather than half-trusted.
    if (!saved || saved.version !== 1 || typeof saved.form !== 'object') return defaultState();
    return { ...defaultState(), ...saved } as PanelState;
  }

  save(state: PanelState): void {
    this.api.setState(state);
  }
}
