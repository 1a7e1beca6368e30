// The start image of image-to-image: a thumbnail with its name, Browse… and Clear, a drop zone (the
// host reads and checks whatever is dropped), the strength slider and "Keep transparency". The bytes
// never pass through the webview: the form names the image (a workspace path or a candidate).
import { strengthSchedule, StrengthError } from '../src/inference/schedulers/strength';
import { VARIATION_STRENGTH } from '../src/inference/request';
import type { StartImageView } from '../src/protocol/panel';
import { button, checkbox, el, slider, type Control } from './components';

export interface StartImageEvents {
  onBrowse(): void;
  /** Something was dropped: the text of its URI list (empty when it carried none, e.g. a file from outside VS Code). */
  onDrop(uriList: string): void;
  onChange(): void;
}

/** Drag types that name files: VS Code's explorer sets the first two, other apps the standard one. */
const URI_TYPES = ['application/vnd.code.uri-list', 'text/uri-list', 'ResourceURLs', 'text/plain'];

function uriListOf(data: DataTransfer): string {
  for (const type of URI_TYPES) {
    const text = data.getData(type);
    if (!text) continue;
    // ResourceURLs is a JSON array of URIs.
    if (type === 'ResourceURLs') {
      try {
        return (JSON.parse(text) as unknown[]).filter((u): u is string => typeof u === 'string').join('\n');
      } catch (error) {
        void error; // not JSON after all: try the next type
        continue;
      }
    }
    return text;
  }
  return '';
}

export class StartImagePicker {
  readonly element: HTMLElement;
  readonly strength: Control<number>;
  readonly keepAlpha: Control<boolean>;
  private readonly thumb: HTMLImageElement;
  private readonly label: HTMLElement;
  private readonly clear: HTMLElement & { disabled: boolean };
  private readonly options: HTMLElement;
  private view: StartImageView | undefined;
  /** A layout draws the start image itself: the strength applies, the picker's own image does not. */
  private layoutActive = false;

  constructor(private readonly events: StartImageEvents) {
    this.thumb = el('img', { id: 'start-thumb', className: 'start-thumb checker', attrs: { alt: '' } }) as HTMLImageElement;
    this.label = el('span', { id: 'start-label', className: 'start-label' });
    const browse = button({ id: 'start-browse', label: 'Browse…', ariaLabel: 'Browse for a start image', onClick: () => events.onBrowse() });
    this.clear = button({ id: 'start-clear', label: 'Clear', ariaLabel: 'Clear the start image', onClick: () => { this.set(undefined); events.onChange(); } });
    this.strength = slider({ id: 'strength', label: 'Strength', min: 0.05, max: 1, step: 0.05, value: VARIATION_STRENGTH, format: (v) => v.toFixed(2) });
    this.keepAlpha = checkbox({ id: 'keep-alpha', label: 'Keep transparency' });
    this.strength.onChange(() => events.onChange());
    this.keepAlpha.onChange(() => events.onChange());
    this.options = el('div', { className: 'row start-options' }, this.strength.element, this.keepAlpha.element);
    const head = el('div', { className: 'row start-head' }, el('div', { className: 'start-frame' }, this.thumb), this.label, browse, this.clear);
    const title = el('span', { id: 'start-title', className: 'label' }, 'Start image (optional: image-to-image)');
    this.element = el('section', { id: 'start-image', className: 'start-image', attrs: { 'aria-labelledby': 'start-title' } }, title, head, this.options);
    this.wireDrop();
    this.set(undefined);
  }

  private wireDrop(): void {
    const zone = this.element;
    zone.addEventListener('dragover', (e) => {
      e.preventDefault(); // allows the drop
      zone.classList.add('dragover');
    });
    zone.addEventListener('dragleave', () => zone.classList.remove('dragover'));
    zone.addEventListener('drop', (e) => {
      e.preventDefault();
      zone.classList.remove('dragover');
      this.events.onDrop(e.dataTransfer ? uriListOf(e.dataTransfer) : '');
    });
  }

  get current(): StartImageView | undefined {
    return this.view;
  }

  /** Shows `view` as the start image (undefined: none). */
  set(view: StartImageView | undefined): void {
    this.view = view;
    this.thumb.hidden = !view?.src;
    if (view?.src) this.thumb.src = view.src;
    this.thumb.alt = view ? `Start image: ${view.label}` : '';
    this.label.textContent = view
      ? `${view.label}${view.width ? ` · ${view.width}×${view.height}` : ''}`
      : 'No start image: drop one here (hold Shift while dragging from the Explorer) or Browse…';
    this.label.classList.toggle('muted', !view);
    this.clear.disabled = !view;
    this.refresh();
  }

  setLayoutActive(active: boolean): void {
    this.layoutActive = active;
    this.refresh();
  }

  private refresh(): void {
    // The strength means something with a start image or a layout; transparency only with an image.
    this.options.hidden = !this.view && !this.layoutActive;
    this.keepAlpha.element.hidden = !this.view;
  }

  /** Why the strength cannot run with `steps` (diffusers' int(steps × strength) rule), or undefined. */
  problem(steps: number): string | undefined {
    if ((!this.view && !this.layoutActive) || !Number.isInteger(steps) || steps < 1) return undefined;
    try {
      strengthSchedule(steps, this.strength.value);
      return undefined;
    } catch (error) {
      if (!(error instanceof StrengthError)) throw error;
      return `steps × strength must be ≥ 1: raise the strength or the steps (${steps} × ${this.strength.value.toFixed(2)} runs no step)`;
    }
  }
}
