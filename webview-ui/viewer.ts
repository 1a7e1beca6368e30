// "Click to enlarge": a modal <dialog> (focus trapped and Escape handled by the browser) showing
// the candidate at up to its real size, with the two actions people take from there.
import type { CandidateView } from '../src/protocol/panel';
import { button, el } from './components';

export class CandidateViewer {
  readonly element: HTMLDialogElement;
  private readonly image: HTMLImageElement;
  private readonly caption: HTMLElement;
  private index = 0;

  constructor(onSave: (index: number) => void, onClose: (index: number) => void) {
    // The checkerboard is the image's own background, so it shows only through its transparent pixels.
    this.image = el('img', { className: 'large checker', attrs: { alt: '' } }) as HTMLImageElement;
    this.caption = el('p', { id: 'viewer-caption', className: 'caption' });
    const frame = el('div', { className: 'large-frame' }, this.image);
    const actions = el('div', { className: 'row' },
      button({ id: 'viewer-save', label: 'Save', appearance: 'primary', onClick: () => { this.element.close(); onSave(this.index); } }),
      button({ id: 'viewer-close', label: 'Close', onClick: () => this.element.close() }),
    );
    this.element = el('dialog', { id: 'viewer', attrs: { 'aria-labelledby': 'viewer-caption' } }, frame, this.caption, actions) as HTMLDialogElement;
    this.element.addEventListener('close', () => onClose(this.index));
    // A click on the backdrop (the dialog box itself, outside its content) closes it.
    this.element.addEventListener('click', (e) => { if (e.target === this.element) this.element.close(); });
  }

  open(index: number, candidate: CandidateView): void {
    this.index = index;
    this.image.src = candidate.src;
    this.image.alt = `Candidate ${index + 1}`;
    // Fit the window, scaling small icons up (pixelated, so their pixels stay honest) and big ones down.
    const scale = Math.min((Math.min(window.innerWidth * 0.85, 1024)) / candidate.width, (window.innerHeight * 0.7) / candidate.height);
    this.image.style.width = `${Math.round(candidate.width * scale)}px`;
    this.image.style.height = `${Math.round(candidate.height * scale)}px`;
    this.image.classList.toggle('pixelated', scale >= 2);
    const seed = candidate.seed === undefined ? '' : ` · seed ${candidate.seed}`;
    this.caption.textContent = `Candidate ${index + 1} · ${candidate.width}×${candidate.height} ${candidate.format}${seed}`;
    if (!this.element.open) this.element.showModal();
  }
}
