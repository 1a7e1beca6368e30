// Recent generations of this workspace (kept by the host in workspaceState). Clicking one puts
// its settings, seed included, back into the form.
import type { HistoryView } from '../src/protocol/panel';
import { button, el } from './components';

export class HistoryList {
  readonly element: HTMLElement;
  private readonly list: HTMLElement;
  private readonly empty: HTMLElement;

  constructor(private readonly onRestore: (entry: HistoryView) => void, onClear: () => void) {
    this.list = el('ul', { id: 'history-list', className: 'history-list' });
    this.empty = el('p', { className: 'muted' }, 'Nothing generated in this workspace yet.');
    const clear = button({ id: 'history-clear', label: 'Clear', ariaLabel: 'Clear history', onClick: onClear });
    this.element = el('section', { id: 'history', className: 'history', attrs: { 'aria-labelledby': 'history-heading' } },
      el('div', { className: 'row heading' }, el('h2', { id: 'history-heading' }, 'History'), clear),
      this.empty, this.list);
  }

  render(entries: readonly HistoryView[]): void {
    this.empty.hidden = entries.length > 0;
    this.list.replaceChildren(...entries.map((entry) => {
      const r = entry.request;
      const when = new Date(entry.at).toLocaleString();
      const seed = entry.seeds[0] === undefined ? '' : ` · seed ${entry.seeds[0]}`;
      const start = r.startImage && 'path' in r.startImage ? ` · from ${r.startImage.path}${r.strength === undefined ? '' : ` at ${r.strength}`}` : r.layout ? ` · layout ${r.layout}` : '';
      const item = el('button', {
        className: 'history-item',
        attrs: { type: 'button', 'aria-label': `Restore settings: ${r.prompt.slice(0, 80)}, ${r.kind} ${r.width} by ${r.height}, ${when}` },
      },
      el('span', { className: 'history-prompt' }, r.prompt),
      el('span', { className: 'muted' }, `${r.kind} · ${r.width}×${r.height} · ${r.count}×${seed}${start}${entry.savedTo ? ` · saved ${entry.savedTo}` : ''} · ${when}`));
      item.addEventListener('click', () => this.onRestore(entry));
      return el('li', {}, item);
    }));
  }
}
