// The actions for the selected candidate, in one toolbar under the grid.
import { button, el } from './components';
import type { CandidateAction } from './grid';

const ACTIONS: { action: CandidateAction; label: string; aria: string; primary?: boolean }[] = [
  { action: 'save', label: 'Save', aria: 'Save to the target path', primary: true },
  { action: 'saveFull', label: 'Save (full quality)', aria: 'Save to the target path, decoded again with the full VAE' },
  { action: 'saveAs', label: 'Save as…', aria: 'Save as a file you choose' },
  { action: 'copyDataUri', label: 'Copy data URI', aria: 'Copy as a data URI' },
  { action: 'copyMarkdown', label: 'Copy Markdown', aria: 'Copy as a Markdown image' },
  { action: 'copyImg', label: 'Copy <img>', aria: 'Copy as an HTML img tag' },
  { action: 'variation', label: 'Variation', aria: 'Generate a variation: same settings, new seed' },
  { action: 'useSeed', label: 'Use seed', aria: 'Use this seed in the form' },
  { action: 'enlarge', label: 'Enlarge', aria: 'Show larger' },
];

export class CandidateActions {
  readonly element: HTMLElement;
  private readonly title: HTMLElement;
  private readonly buttons: (HTMLElement & { disabled: boolean })[];

  constructor(private readonly onAction: (action: CandidateAction) => void) {
    this.title = el('span', { id: 'actions-title', className: 'muted' });
    this.buttons = ACTIONS.map((a) => button({
      id: `action-${a.action}`, label: a.label, ariaLabel: a.aria,
      appearance: a.primary ? 'primary' : 'secondary', onClick: () => this.onAction(a.action),
    }));
    this.element = el('div', { id: 'actions', className: 'actions row', attrs: { role: 'toolbar', 'aria-labelledby': 'actions-title' } }, this.title, ...this.buttons);
    this.setCandidate(undefined);
  }

  /**
   * `undefined` when there is nothing to act on; the toolbar stays in place (no layout jump).
   * `fullAlready`: the full VAE made the candidates, so "Save (full quality)" would save the same
   * pixels as Save; it stays visible, disabled, with a tooltip that says why.
   */
  setCandidate(label: string | undefined, fullAlready = false): void {
    this.title.textContent = label ?? 'No candidate selected';
    ACTIONS.forEach((a, i) => {
      const b = this.buttons[i];
      if (!b) return;
      const redundant = a.action === 'saveFull' && fullAlready;
      b.disabled = label === undefined || redundant;
      if (a.action === 'saveFull') b.title = redundant ? 'These candidates were decoded with the full VAE already: Save keeps them as they are' : '';
    });
  }
}
