// Generate / Cancel / Live, what is happening now, and for how long. Screen readers hear milestones
// (start, each finished candidate, the end) through a polite live region, not every step.
import { button, checkbox, el, spinner, type Control } from './components';

export class RunBar {
  readonly element: HTMLElement;
  readonly generate: HTMLElement & { disabled: boolean };
  readonly cancel: HTMLElement & { disabled: boolean };
  private readonly status: HTMLElement;
  private readonly elapsed: HTMLElement;
  private readonly live: HTMLElement;
  private readonly ring: HTMLElement;
  /** Live mode: generate one candidate after each pause in typing (the host schedules it). */
  readonly liveToggle: Control<boolean>;
  /** The time per image of the latest Live run. */
  private readonly liveTime: HTMLElement;
  private running = false;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(onGenerate: () => void, onCancel: () => void, onLive: (on: boolean) => void) {
    this.generate = button({ id: 'generate', label: 'Generate', appearance: 'primary', title: 'Generate (Ctrl+Enter)', onClick: onGenerate });
    this.cancel = button({ id: 'cancel', label: 'Cancel', ariaLabel: 'Cancel the generation', onClick: onCancel });
    this.cancel.disabled = true;
    this.liveToggle = checkbox({ id: 'live-mode', label: 'Live' });
    this.liveToggle.control.setAttribute('title', 'Generate one candidate after each pause in typing, with a locked seed');
    this.liveToggle.onChange((on) => onLive(on));
    this.liveTime = el('span', { id: 'live-time', className: 'muted' });
    this.ring = spinner();
    this.ring.hidden = true;
    this.status = el('span', { id: 'status', className: 'status' }, 'Ready');
    this.elapsed = el('span', { id: 'elapsed', className: 'muted' });
    this.live = el('div', { id: 'live', className: 'visually-hidden', attrs: { role: 'status', 'aria-live': 'polite' } });
    this.element = el('div', { className: 'run-bar row' }, this.generate, this.cancel, this.liveToggle.element, this.ring, this.status, this.elapsed, this.liveTime, this.live);
  }

  setStatus(text: string, error = false): void {
    this.status.textContent = text;
    this.status.classList.toggle('error', error);
  }

  announce(text: string): void {
    this.live.textContent = text;
  }

  setRunning(running: boolean, startedAt = Date.now()): void {
    this.running = running;
    this.cancel.disabled = !running;
    // One run at a time, and Live replaces Generate while on (the host refuses both too).
    this.generate.disabled = running || this.liveToggle.value;
    this.ring.hidden = !running;
    clearInterval(this.timer);
    this.timer = undefined;
    if (!running) return;
    const tick = (): void => { this.elapsed.textContent = `${Math.floor((Date.now() - startedAt) / 1000)} s`; };
    tick();
    this.timer = setInterval(tick, 1000);
  }

  /** Live turned on or off: Generate gives way to it; the time label belongs to it. */
  setLive(on: boolean): void {
    this.liveToggle.value = on;
    this.generate.disabled = this.running || on;
    if (!on) this.liveTime.textContent = '';
  }

  showLiveTime(ms: number): void {
    this.liveTime.textContent = `${(ms / 1000).toFixed(1)} s per image`;
  }

  setElapsed(ms: number | undefined): void {
    this.elapsed.textContent = ms === undefined ? '' : `${(ms / 1000).toFixed(1)} s`;
  }
}
