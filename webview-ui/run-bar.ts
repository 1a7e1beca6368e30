// Generate / Cancel, what is happening now, and for how long. Screen readers hear milestones
// (start, each finished candidate, the end) through a polite live region, not every step.
import { button, el, spinner } from './components';

export class RunBar {
  readonly element: HTMLElement;
  readonly generate: HTMLElement & { disabled: boolean };
  readonly cancel: HTMLElement & { disabled: boolean };
  private readonly status: HTMLElement;
  private readonly elapsed: HTMLElement;
  private readonly live: HTMLElement;
  private readonly ring: HTMLElement;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(onGenerate: () => void, onCancel: () => void) {
    this.generate = button({ id: 'generate', label: 'Generate', appearance: 'primary', title: 'Generate (Ctrl+Enter)', onClick: onGenerate });
    this.cancel = button({ id: 'cancel', label: 'Cancel', ariaLabel: 'Cancel the generation', onClick: onCancel });
    this.cancel.disabled = true;
    this.ring = spinner();
    this.ring.hidden = true;
    this.status = el('span', { id: 'status', className: 'status' }, 'Ready');
    this.elapsed = el('span', { id: 'elapsed', className: 'muted' });
    this.live = el('div', { id: 'live', className: 'visually-hidden', attrs: { role: 'status', 'aria-live': 'polite' } });
    this.element = el('div', { className: 'run-bar row' }, this.generate, this.cancel, this.ring, this.status, this.elapsed, this.live);
  }

  setStatus(text: string, error = false): void {
    this.status.textContent = text;
    this.status.classList.toggle('error', error);
  }

  announce(text: string): void {
    this.live.textContent = text;
  }

  setRunning(running: boolean, startedAt = Date.now()): void {
    this.cancel.disabled = !running;
    this.generate.disabled = running; // one run at a time (the host refuses a second one too)
    this.ring.hidden = !running;
    clearInterval(this.timer);
    this.timer = undefined;
    if (!running) return;
    const tick = (): void => { this.elapsed.textContent = `${Math.floor((Date.now() - startedAt) / 1000)} s`; };
    tick();
    this.timer = setInterval(tick, 1000);
  }

  setElapsed(ms: number | undefined): void {
    this.elapsed.textContent = ms === undefined ? '' : `${(ms / 1000).toFixed(1)} s`;
  }
}
