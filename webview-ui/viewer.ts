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
    this.image = el('img', { className: 'large', attrs: { alt: '' } }) as HTMLImageElement;
    this.caption = el('p', { id: 'viewer-caption', className: 'caption' });
    const frame = el('div', { className: 'large-frame checker' }, this.image);
    const actions = el('div', { className: 'row' },
      button({ id: 'viewer-save', label: 'Save', appearance: 'primary', onClick: () => onSave(this.index) }),
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
    this.image.style.aspectRatio = `${candidate.width} / ${candidate.height}`;
    const seed = candidate.seed === undefined ? '' : ` · seed ${candidate.seed}`;
    this.caption.textContent = `Candidate ${index + 1} · ${candidate.width}×${candidate.height} ${candidate.format}${seed}`;
    if (!this.element.open) this.element.showModal();
  }
}
