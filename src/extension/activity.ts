// What the image worker is doing right now, for the status bar: running generations, step progress,
// and the device (with fallback reasons) the last generation actually used.
import * as vscode from 'vscode';
import type { ProviderAttempt, DeviceName } from '../inference/types';
import type { ModelFailure } from './status-text';

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
  /** The model could not be loaded (corrupt file, no usable device); kept until a generation succeeds or the model changes. */
  modelFailure?: ModelFailure;
}

/** Worker error names that mean "this model cannot run here" rather than "this request failed". */
export const MODEL_LOAD_ERRORS: ReadonlySet<string> = new Set([
  'ModelFolderError', 'DeviceError', 'OnnxFileError', 'TokenizerError', 'SchedulerConfigError',
]);

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
        // A result means the model loaded and ran, so an earlier load failure no longer applies.
        const cleared = result ? { modelFailure: undefined } : {};
        this.update({ running, step: undefined, totalSteps: undefined, ...cleared, ...(result ?? {}) });
      },
    };
  }

  /** The worker died while a generation was pending; shown until the next one starts. */
  crashed(message: string): void {
    this.update({ lastCrash: message });
  }

  /** A generation failed because the model could not be loaded; shown until a success or a model change. */
  modelFailed(failure: ModelFailure): void {
    this.update({ modelFailure: failure });
  }

  /** The model or device setting changed: an old load failure says nothing about the new one. */
  modelChanged(): void {
    if (this.current.modelFailure) this.update({ modelFailure: undefined });
  }

  private update(patch: Partial<ActivityState>): void {
    this.current = { ...this.current, ...patch };
    this.changed.fire(this.current);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
