// What the image worker is doing right now, for the status bar: running generations, step progress,
// and the device (with fallback reasons) the last generation actually used.
import * as vscode from 'vscode';
import type { ProviderAttempt, DeviceName } from '../inference/types';

export interface ActivityState {
  /** Generations in flight (queued in the worker included). */
  running: number;
  step?: number;
  totalSteps?: number;
  /** Device of the last finished generation. */
  device?: Exclude<DeviceName, 'auto'>;
  /** Providers that failed before `device`, with their reasons. */
  fallbacks: ProviderAttempt[];
  /** Why the worker died, until the next generation starts. */
  lastCrash?: string;
}

export interface ActivityHandle {
  progress(step: number, totalSteps: number): void;
  finished(result?: { device: Exclude<DeviceName, 'auto'>; fallbacks: ProviderAttempt[] }): void;
}

export class Activity implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ActivityState>();
  readonly onDidChange = this.changed.event;
  private current: ActivityState = { running: 0, fallbacks: [] };

  get state(): ActivityState {
    return this.current;
  }

  begin(): ActivityHandle {
    this.update({ running: this.current.running + 1, lastCrash: undefined });
    let done = false;
    return {
      progress: (step, totalSteps) => {
        if (!done) this.update({ step, totalSteps });
      },
      finished: (result) => {
        if (done) return;
        done = true;
        const running = Math.max(0, this.current.running - 1);
        this.update({ running, step: undefined, totalSteps: undefined, ...(result ?? {}) });
      },
    };
  }

  /** The worker died while a generation was pending; shown until the next one starts. */
  crashed(message: string): void {
    this.update({ lastCrash: message });
  }

  private update(patch: Partial<ActivityState>): void {
    this.current = { ...this.current, ...patch };
    this.changed.fire(this.current);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
