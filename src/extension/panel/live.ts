// Live mode's scheduling, kept free of `vscode` so its state machine is tested on its own
// (test/unit/live.test.ts). The panel feeds it every edit of the form while Live is on; it waits for
// a pause in typing, then runs ONE candidate with the seed locked when Live turned on. It never
// queues work: at most one run is in flight, an edit aborts that run, and only the newest text runs
// next (texts typed meanwhile are dropped, never run).
import type { PanelRequest } from '../../protocol/panel';

/** The pause in typing, in milliseconds, after which Live generates. */
export const LIVE_DEBOUNCE_MS = 450;

/** A timer source: the real one in the panel, a hand-driven one in tests. */
export interface LiveTimers {
  set(fire: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const realTimers: LiveTimers = {
  set: (fire, ms) => setTimeout(fire, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Runs one live candidate; resolves when it ended (result, failure or cancel). It must not show
 * anything once `signal` is aborted: an aborted live run is superseded by newer text.
 */
export type LiveRunner = (request: PanelRequest, signal: AbortSignal) => Promise<void>;

export interface LiveOptions {
  run: LiveRunner;
  /** A seed for when Live turns on and the form has none locked. */
  randomSeed: () => number;
  /** A runner that rejects is a bug; the panel logs it. */
  onError: (error: unknown) => void;
  debounceMs?: number;
  timers?: LiveTimers;
}

export type LivePhase = 'off' | 'idle' | 'waiting' | 'running';

export class LiveController {
  private on = false;
  private seed: number | undefined;
  /** The newest text not yet run (older ones are overwritten: dropped). */
  private pending: PanelRequest | undefined;
  private timer: unknown;
  private hasTimer = false;
  /** The pause ended while the superseded run was still winding down: start as soon as it has. */
  private due = false;
  private current: { abort: AbortController; done: Promise<void> } | undefined;
  private started = 0;
  /** The newest request edit() accepted, as JSON: the same form again changes nothing. */
  private newest: string | undefined;

  constructor(private readonly opts: LiveOptions) {}

  get phase(): LivePhase {
    if (!this.on) return 'off';
    if (this.current) return 'running';
    return this.hasTimer || this.due ? 'waiting' : 'idle';
  }

  get active(): boolean {
    return this.on;
  }

  /** How many runs were started since the controller was made (tests count them). */
  get runsStarted(): number {
    return this.started;
  }

  /** The seed every live run uses until Live is turned off (undefined while off). */
  get lockedSeed(): number | undefined {
    return this.seed;
  }

  /**
   * The form changed (or Live was just turned on): abort the run in flight, keep only this text,
   * and run it after the pause. A seed the form names replaces the locked one (the user typed it).
   */
  edit(request: PanelRequest): void {
    if (!this.on) {
      this.on = true;
      this.seed = undefined;
    }
    this.seed = request.seed ?? this.seed ?? this.opts.randomSeed();
    // One candidate: Live shows where the prompt is going, not a choice of several.
    const next = { ...request, seed: this.seed, count: 1 };
    const key = JSON.stringify(next);
    if (key === this.newest) return; // already running, waiting or shown: nothing to redo
    this.newest = key;
    this.pending = next;
    this.current?.abort.abort();
    this.due = false; // a new pause starts now
    this.restartTimer();
  }

  /** Live turned off: nothing more runs and the run in flight is cancelled. */
  stop(): void {
    this.on = false;
    this.seed = undefined;
    this.newest = undefined;
    this.pending = undefined;
    this.due = false;
    this.clearTimer();
    this.current?.abort.abort();
  }

  /** Resolves once no run is in flight (the panel waits on it before a normal Generate). */
  async settled(): Promise<void> {
    while (this.current) await this.current.done;
  }

  private restartTimer(): void {
    this.clearTimer();
    const wait = this.opts.debounceMs ?? LIVE_DEBOUNCE_MS;
    this.hasTimer = true;
    this.timer = (this.opts.timers ?? realTimers).set(() => this.pauseEnded(), wait);
  }

  private clearTimer(): void {
    if (!this.hasTimer) return;
    (this.opts.timers ?? realTimers).clear(this.timer);
    this.hasTimer = false;
    this.timer = undefined;
  }

  private pauseEnded(): void {
    this.hasTimer = false;
    this.timer = undefined;
    if (!this.on || !this.pending) return;
    // The aborted run has not returned yet: starting now would put two in flight.
    if (this.current) this.due = true;
    else this.launch();
  }

  private launch(): void {
    const request = this.pending;
    if (!request) return;
    this.pending = undefined;
    this.due = false;
    this.started += 1;
    const abort = new AbortController();
    // Through an async wrapper, so a runner that throws at once is caught like one that rejects.
    const done = (async () => this.opts.run(request, abort.signal))()
      .catch((error: unknown) => this.opts.onError(error))
      .finally(() => {
        this.current = undefined;
        if (this.due && this.on) this.launch();
      });
    this.current = { abort, done };
  }
}
