// Every saved generation with the settings that made it, kept in workspaceState so it can be re-run.
import * as vscode from 'vscode';
import type { GenerationRequest } from '../inference/request';
import type { AssetFormat, ConcreteDevice } from '../inference/tables';

/**
 * One saved file: the request that made it (width/height/format/seed as written) and where and how it
 * ran. A start image is kept by where it lies, never by its bytes.
 */
export type HistoryEntry = Omit<GenerationRequest, 'count' | 'format' | 'initImage'> & {
  /** Epoch milliseconds when the file was written. */
  time: number;
  /** The written file, as a URI string. */
  target: string;
  /** Image-to-image: the start image file, as a URI string (with `strength`). */
  startImage?: string;
  format: AssetFormat;
  modelId?: string;
  device?: ConcreteDevice;
};

const HISTORY_KEY = 'nanoforge.history';
const PROMPTS_KEY = 'nanoforge.recentPrompts';
const MAX_ENTRIES = 200;
const MAX_PROMPTS = 20;

export class HistoryStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly state: vscode.Memento) {}

  /** Newest first. */
  list(): HistoryEntry[] {
    return this.state.get<HistoryEntry[]>(HISTORY_KEY, []);
  }

  async add(entry: HistoryEntry): Promise<void> {
    const entries = [entry, ...this.list()].slice(0, MAX_ENTRIES);
    await this.state.update(HISTORY_KEY, entries);
    await this.rememberPrompt(entry.prompt);
    this.changed.fire();
  }

  async clear(): Promise<void> {
    await this.state.update(HISTORY_KEY, []);
    await this.state.update(PROMPTS_KEY, []);
    this.changed.fire();
  }

  /** Prompts typed recently (also ones never saved), newest first, without duplicates. */
  recentPrompts(): string[] {
    return this.state.get<string[]>(PROMPTS_KEY, []);
  }

  async rememberPrompt(prompt: string): Promise<void> {
    const trimmed = prompt.trim();
    if (!trimmed) return;
    const prompts = [trimmed, ...this.recentPrompts().filter((p) => p !== trimmed)].slice(0, MAX_PROMPTS);
    await this.state.update(PROMPTS_KEY, prompts);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
