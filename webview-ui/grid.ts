// The candidate grid: one frame per candidate, reserved at the request's aspect ratio before any
// pixel arrives (no layout jump), live per-candidate progress and previews, roving keyboard focus.
import type { CandidateView, PreviewView } from '../src/protocol/panel';
import { el } from './components';

export type CandidateAction = 'save' | 'saveFull' | 'saveAs' | 'copyDataUri' | 'copyMarkdown' | 'copyImg' | 'variation' | 'useSeed' | 'enlarge';

export interface GridEvents {
  onSelect(index: number): void;
  onAction(action: CandidateAction, index: number): void;
}

interface Cell {
  root: HTMLElement;
  frame: HTMLElement;
  status: HTMLElement;
  bar: HTMLElement;
  canvas?: HTMLCanvasElement;
  img?: HTMLImageElement;
}

export class CandidateGrid {
  readonly element: HTMLElement;
  private cells: Cell[] = [];
  private selected = 0;
  /** Set once progress names a candidate other than the first (a core that runs them one by one). */
  private sequential = false;

  constructor(private readonly events: GridEvents) {
    this.element = el('div', { id: 'grid', className: 'grid', attrs: { role: 'listbox', 'aria-label': 'Candidates', 'aria-orientation': 'horizontal' } });
    this.element.addEventListener('keydown', (e) => this.onKey(e));
  }

  get size(): number {
    return this.cells.length;
  }

  /** Lays out `count` empty frames at `width:height` so results fill them without moving anything. */
  reserve(count: number, width: number, height: number): void {
    this.sequential = false;
    this.cells = Array.from({ length: count }, (_, i) => this.makeCell(i, width, height));
    this.element.replaceChildren(...this.cells.map((c) => c.root));
    this.select(Math.min(this.selected, count - 1), false);
  }

  private makeCell(index: number, width: number, height: number): Cell {
    const frame = el('div', { className: 'frame checker' });
    frame.style.aspectRatio = `${width} / ${height}`;
    const status = el('div', { className: 'cell-status' }, 'Waiting');
    const bar = el('div', { className: 'bar' });
    const root = el('div', {
      id: `candidate-${index}`, className: 'cell', tabIndex: -1,
      attrs: { role: 'option', 'aria-selected': 'false', 'aria-label': `Candidate ${index + 1}, waiting` },
    }, frame, el('div', { className: 'progress', attrs: { 'aria-hidden': 'true' } }, bar), status);
    root.addEventListener('click', () => {
      this.select(index, true);
      if (this.cells[index]?.img) this.events.onAction('enlarge', index);
    });
    return { root, frame, status, bar };
  }

  /**
   * Today's core denoises all candidates as one batch and reports candidate 0 (its preview shows
   * image 0), so a step applies to every frame; should progress name later candidates, each
   * frame follows its own events. Returns whether the run looks batched.
   */
  progress(candidate: number, step: number, totalSteps: number, preview?: PreviewView): boolean {
    if (candidate > 0) this.sequential = true;
    const targets = this.sequential ? [candidate] : this.cells.map((_, i) => i);
    for (const i of targets) {
      const cell = this.cells[i];
      if (!cell || cell.img) continue;
      cell.status.textContent = `Step ${step}/${totalSteps}`;
      cell.bar.style.width = `${Math.round((100 * step) / totalSteps)}%`;
      cell.root.setAttribute('aria-label', `Candidate ${i + 1}, step ${step} of ${totalSteps}`);
    }
    const first = this.cells[candidate];
    if (preview && first && !first.img) this.paintPreview(first, preview);
    return !this.sequential;
  }

  /** Previews arrive as raw RGB; a canvas needs no image decoding and no CSP allowance. */
  private paintPreview(cell: Cell, preview: PreviewView): void {
    const bytes = Uint8Array.from(atob(preview.rgb), (c) => c.charCodeAt(0));
    if (bytes.length !== preview.width * preview.height * 3) return;
    if (!cell.canvas) {
      cell.canvas = el('canvas', { className: 'preview', attrs: { 'aria-hidden': 'true' } }) as HTMLCanvasElement;
      cell.frame.append(cell.canvas);
    }
    const canvas = cell.canvas;
    canvas.width = preview.width;
    canvas.height = preview.height;
    const image = new ImageData(preview.width, preview.height);
    for (let p = 0, q = 0; p < bytes.length; p += 3, q += 4) {
      image.data[q] = bytes[p]!;
      image.data[q + 1] = bytes[p + 1]!;
      image.data[q + 2] = bytes[p + 2]!;
      image.data[q + 3] = 255;
    }
    canvas.getContext('2d')?.putImageData(image, 0, 0);
  }

  showCandidates(candidates: readonly CandidateView[]): void {
    if (this.cells.length !== candidates.length) {
      const first = candidates[0];
      this.reserve(candidates.length, first?.width ?? 1, first?.height ?? 1);
    }
    candidates.forEach((c, i) => {
      const cell = this.cells[i]!;
      const seed = c.seed === undefined ? '' : `, seed ${c.seed}`;
      const img = el('img', { className: 'thumb', attrs: { src: c.src, alt: `Candidate ${i + 1}${seed}, ${c.width}×${c.height} ${c.format}`, draggable: 'false' } }) as HTMLImageElement;
      cell.frame.style.aspectRatio = `${c.width} / ${c.height}`;
      cell.canvas?.remove();
      cell.canvas = undefined;
      cell.img?.remove();
      cell.img = img;
      cell.frame.append(img);
      // Two lines (the frame reserves both from the start): "256×256, seed 1234567890" on one line
      // was cut to "seed 12345…" in a 160 px frame, and the seed is what "Use seed" is about.
      cell.status.textContent = `${c.width}×${c.height}${c.warnings.length ? ' ⚠' : ''}${c.seed === undefined ? '' : `\nseed ${c.seed}`}`;
      cell.status.title = c.warnings.join('\n');
      cell.bar.style.width = '100%';
      cell.root.classList.add('done');
      cell.root.setAttribute('aria-label', `Candidate ${i + 1}${seed}. Enter saves, Space enlarges.`);
    });
  }

  /** Marks unfinished frames as stopped (cancel or failure) without removing finished ones. */
  stop(text: string): void {
    for (const cell of this.cells) {
      if (cell.img) continue;
      cell.status.textContent = text;
      cell.root.classList.add('stopped');
    }
  }

  clear(): void {
    this.cells = [];
    this.element.replaceChildren();
  }

  select(index: number, focus: boolean): void {
    if (index < 0 || index >= this.cells.length) return;
    this.selected = index;
    this.cells.forEach((cell, i) => {
      cell.root.tabIndex = i === index ? 0 : -1;
      cell.root.setAttribute('aria-selected', String(i === index));
    });
    if (focus) this.cells[index]!.root.focus();
    this.events.onSelect(index);
  }

  private columns(): number {
    const tops = this.cells.map((c) => c.root.offsetTop);
    return Math.max(1, tops.filter((t) => t === tops[0]).length);
  }

  private onKey(e: KeyboardEvent): void {
    const moves: Record<string, number> = {
      ArrowLeft: -1, ArrowRight: 1, ArrowUp: -this.columns(), ArrowDown: this.columns(),
      Home: -this.selected, End: this.cells.length - 1 - this.selected,
    };
    const move = moves[e.key];
    if (move !== undefined) {
      e.preventDefault();
      this.select(Math.max(0, Math.min(this.cells.length - 1, this.selected + move)), true);
    } else if ((e.key === 'Enter' || e.key === ' ') && this.cells[this.selected]?.img) {
      e.preventDefault();
      this.events.onAction(e.key === 'Enter' ? 'save' : 'enlarge', this.selected);
    }
  }
}
