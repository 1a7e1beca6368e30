// Entry of the generator panel's webview (bundled by esbuild.mjs to dist/webview/main.js).
// Owns the panel state, applies host messages to the views, and turns user intent into messages.
import type { CandidateView, HistoryView, HostMessage, PanelRequest, StartImageView } from '../src/protocol/panel';
import { el, registerComponents } from './components';
import { CandidateActions } from './actions';
import { SettingsForm } from './form';
import { CandidateGrid, type CandidateAction } from './grid';
import { HistoryList } from './history';
import { RunBar } from './run-bar';
import { HostLink, type FormValues, type PanelState } from './state';
import { thumbnail } from './thumbnails';
import { CandidateViewer } from './viewer';

class GeneratorView {
  private state: PanelState;
  private readonly model = el('p', { id: 'model', className: 'model muted' }, 'Model: loading…');
  private readonly form = new SettingsForm({
    onChange: () => { this.persist(); this.sendLive(); }, onBrowse: (current) => this.link.post({ type: 'browseTarget', current }),
    onBrowseStart: () => this.link.post({ type: 'browseStartImage' }),
    onDropStart: (uriList) => this.link.post({ type: 'setStartImage', uri: uriList }),
  });
  private readonly run = new RunBar(() => this.generate(), () => this.link.post({ type: 'cancel' }), (on) => this.toggleLive(on));
  private readonly grid = new CandidateGrid({ onSelect: (i) => this.onSelect(i), onAction: (a, i) => this.act(a, i) });
  private readonly actions = new CandidateActions((a) => this.act(a, this.state.selected));
  private readonly viewer = new CandidateViewer((i) => this.act('save', i), (i) => this.grid.select(i, true));
  /** The last form sent to Live, so an unchanged form is not sent again. */
  private lastLive: string | undefined;
  /** Stored (small) copies of the current candidates, by index; see thumbnails.ts. */
  private thumbs = new Map<number, string>();
  private readonly history = new HistoryList((entry) => this.restoreHistory(entry), () => this.link.post({ type: 'clearHistory' }));

  constructor(private readonly link: HostLink, root: HTMLElement) {
    this.state = link.load();
    root.replaceChildren(
      this.model, this.form.element, this.run.element,
      el('section', { className: 'results', attrs: { 'aria-label': 'Results' } }, this.grid.element, this.actions.element),
      this.history.element, this.viewer.element,
    );
    this.restore();
    window.addEventListener('message', (event: MessageEvent<HostMessage>) => this.onHostMessage(event.data));
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        this.generate();
      }
    });
    link.post({ type: 'ready' });
  }

  private restore(): void {
    const s = this.state;
    this.form.setSizes(s.sizes);
    this.form.write(s.form);
    this.form.setStartImage(s.startImage);
    this.form.setModel(s.model);
    this.showModel();
    this.history.render(s.history);
    const g = s.generation;
    if (!g) return;
    const selected = s.selected; // laying out the grid selects its first frame
    g.candidates.forEach((c, i) => { if (c.src) this.thumbs.set(i, c.src); });
    if (g.candidates.some((c) => !c.src)) {
      Object.assign(g, { status: 'failed', candidates: [], message: 'The candidates were still being stored when the panel reloaded; generate again.' });
    }
    if (g.candidates.length > 0) this.grid.showCandidates(g.candidates);
    else this.grid.reserve(g.request.count, g.request.width, g.request.height);
    if (g.status === 'running') {
      this.run.setRunning(true, g.startedAt);
      this.run.setStatus(`Generating ${g.request.count} candidate${g.request.count === 1 ? '' : 's'}…`);
    } else {
      // Tell the host what came back on screen (it logs it; the integration tests read it).
      if (g.status === 'done') this.link.post({ type: 'rendered', generationId: g.id, candidates: g.candidates.length });
      this.run.setElapsed(g.elapsedMs);
      this.run.setStatus(g.status === 'done' ? `${g.candidates.length} candidates` : g.message ?? 'Stopped');
      if (g.status === 'failed') this.grid.stop('Stopped');
    }
    this.grid.select(selected, false);
  }

  private persist(): void {
    this.state.form = this.form.read();
    if (!this.form.start.current) this.state.startImage = undefined;
    this.link.save(this.forStorage());
  }

  /** Shows a start image and keeps a small copy of it in the saved state. */
  private showStartImage(view: StartImageView | undefined): void {
    this.form.setStartImage(view);
    this.state.startImage = view;
    this.persist();
    if (!view?.src) return;
    void thumbnail(view.src).catch(() => view.src).then((src) => {
      if (this.state.startImage !== view) return; // replaced meanwhile
      this.state.startImage = { ...view, src };
      this.persist();
    });
  }

  /** The state with thumbnails in place of the full-size candidates (which stay in memory only). */
  private forStorage(): PanelState {
    const g = this.state.generation;
    if (!g) return this.state;
    return { ...this.state, generation: { ...g, candidates: g.candidates.map((c, i) => ({ ...c, src: this.thumbs.get(i) ?? '' })) } };
  }

  private async storeThumbnails(id: string, candidates: readonly CandidateView[]): Promise<void> {
    // An image the webview cannot decode keeps its original data URI (bigger state, same behaviour).
    const small = await Promise.all(candidates.map((c) => thumbnail(c.src).catch(() => c.src)));
    if (this.state.generation?.id !== id) return; // a newer run replaced these meanwhile
    this.thumbs = new Map(small.map((src, i) => [i, src]));
    this.persist();
  }

  /** Live on: the host gets the form now and on every edit; off: it cancels what it runs. */
  private toggleLive(on: boolean): void {
    this.run.setLive(on);
    this.lastLive = undefined;
    if (!on) {
      this.link.post({ type: 'live', request: null });
      this.run.setStatus('Live off');
      return;
    }
    this.run.setStatus('Live: generates one candidate after each pause in typing');
    this.sendLive();
  }

  /** While Live is on, the form as it is (when valid) goes to the host, which waits for a pause. */
  private sendLive(): void {
    if (!this.run.liveToggle.value) return;
    if (this.form.validate(true).length > 0) return; // the form shows what to fix; the last valid text stands
    const { seedLocked, ...fields } = this.form.read();
    const request: PanelRequest = { ...fields, seed: seedLocked ? fields.seed : null };
    // A change event that changed nothing (focus leaving the prompt) must not restart the run.
    const key = JSON.stringify(request);
    if (key === this.lastLive) return;
    this.lastLive = key;
    this.link.post({ type: 'live', request });
  }

  private generate(request?: PanelRequest): void {
    if (this.run.liveToggle.value) {
      this.run.setStatus('Live is on: turn it off to generate several candidates');
      return;
    }
    if (this.state.generation?.status === 'running') return;
    const problems = this.form.validate(true);
    if (!request && problems.length > 0) {
      this.run.setStatus(`Fix ${problems.length === 1 ? 'this' : 'these'} first: ${problems.join('; ')}`, true);
      this.run.announce(`Cannot generate: ${problems.join('; ')}`);
      return;
    }
    const v = this.form.read();
    const { seedLocked, ...fields } = v;
    this.link.post({ type: 'generate', request: request ?? { ...fields, seed: seedLocked ? v.seed : null } });
    this.run.setStatus('Starting…');
    this.persist();
  }

  private onHostMessage(m: HostMessage): void {
    switch (m.type) {
      case 'init': return this.onInit(m);
      case 'modelInfo':
        this.state.model = m.model;
        this.state.modelError = m.error;
        this.form.setModel(m.model);
        this.showModel();
        break;
      case 'started': return this.onStarted(m.generationId, m.request, m.seed, m.live === true);
      case 'progress': {
        const g = this.state.generation;
        if (g?.id !== m.generationId) return;
        const batched = this.grid.progress(m.candidate, m.step, m.totalSteps, m.preview);
        const n = g.request.count;
        this.run.setStatus(batched ? `Step ${m.step}/${m.totalSteps} · ${n} candidate${n === 1 ? '' : 's'}` : `Candidate ${m.candidate + 1}/${n} · step ${m.step}/${m.totalSteps}`);
        if (m.step === m.totalSteps) this.run.announce(batched ? 'Denoised; decoding' : `Candidate ${m.candidate + 1} of ${n} denoised`);
        return;
      }
      case 'result': return this.onResult(m);
      case 'failed': return this.onFailed(m.generationId, m.message, m.cancelled);
      case 'history':
        this.state.history = m.entries;
        this.history.render(m.entries);
        break;
      case 'targetChosen':
        this.form.setTarget(m.target);
        break;
      case 'startImage':
        this.showStartImage(m.image ?? undefined);
        this.run.setStatus(m.image ? `Start image: ${m.image.label}` : 'No start image');
        return;
      case 'notice':
        this.run.setStatus(m.text, m.level === 'error');
        this.run.announce(m.text);
        return;
      default:
        return;
    }
    this.persist();
  }

  private onInit(m: Extract<HostMessage, { type: 'init' }>): void {
    this.state.sizes = m.sizes.length > 0 ? m.sizes : this.state.sizes;
    this.form.setSizes(this.state.sizes);
    const p = m.prefill;
    const f = this.form.read();
    this.form.write({
      ...f, prompt: p.prompt ?? f.prompt, kind: p.kind ?? f.kind, width: p.width ?? f.width,
      height: p.height ?? f.height, target: p.target ?? f.target, strength: p.strength ?? f.strength,
    });
    if (p.startImage) this.showStartImage(p.startImage);
    this.state.history = m.history;
    this.history.render(m.history);
    const g = this.state.generation;
    if (g?.status === 'running' && g.id !== m.activeGeneration) this.onFailed(g.id, 'Interrupted: the window was reloaded during the run', false);
    this.persist();
    if (m.focusPrompt) this.form.focusPrompt();
  }

  private onStarted(id: string, request: PanelRequest, seed: number, live: boolean): void {
    this.state.generation = { id, request, seed, startedAt: Date.now(), status: 'running', candidates: [], warnings: [], ...(live ? { live } : {}) };
    this.thumbs = new Map();
    this.grid.reserve(request.count, request.width, request.height);
    this.actions.setCandidate(undefined);
    // Live locks its seed: shown and kept, so every live image differs only by the prompt.
    if (live) this.form.useSeed(seed);
    else this.form.showSeed(seed);
    this.run.setRunning(true);
    const text = `Generating ${request.count} candidate${request.count === 1 ? '' : 's'} (seed ${seed})…`;
    this.run.setStatus(text);
    this.run.announce(text);
    this.persist();
  }

  private onResult({ generationId: id, candidates, elapsedMs, warnings, device, decoder }: Extract<HostMessage, { type: 'result' }>): void {
    const g = this.state.generation;
    if (g?.id !== id) return;
    Object.assign(g, { status: 'done', candidates, elapsedMs, warnings, device, ...(decoder ? { decoder } : {}) });
    this.run.setRunning(false);
    this.run.setElapsed(elapsedMs);
    if (g.live) this.run.showLiveTime(elapsedMs / Math.max(1, candidates.length));
    this.grid.showCandidates(candidates);
    const text = `${candidates.length} candidate${candidates.length === 1 ? '' : 's'} ready on ${device}${warnings.length ? ` — ${warnings.join('; ')}` : ''}`;
    this.run.setStatus(text);
    this.run.announce(text);
    this.grid.select(0, false);
    this.persist();
    void this.storeThumbnails(id, candidates);
    this.link.post({ type: 'rendered', generationId: id, candidates: this.grid.size });
  }

  private onFailed(id: string, message: string, cancelled: boolean): void {
    const g = this.state.generation;
    if (g?.id !== id) return;
    g.status = 'failed';
    g.message = cancelled ? 'Cancelled' : message;
    this.run.setRunning(false);
    if (cancelled && g.live && this.run.liveToggle.value) {
      // Superseded by newer text: its run follows at once, so no "Cancelled" flashes in between.
      this.run.setStatus('Live: following your edits…');
      this.persist();
      return;
    }
    this.grid.stop(cancelled ? 'Cancelled' : 'Failed');
    this.run.setStatus(g.message, !cancelled);
    this.run.announce(g.message);
    this.persist();
  }

  private onSelect(index: number): void {
    this.state.selected = index;
    const c = this.state.generation?.candidates[index];
    this.actions.setCandidate(c ? `Candidate ${index + 1}${c.seed === undefined ? '' : ` (seed ${c.seed})`}:` : undefined, this.state.generation?.decoder === 'full');
    this.link.save(this.forStorage());
  }

  private act(action: CandidateAction, index: number): void {
    const g = this.state.generation;
    const c = g?.candidates[index];
    if (!g || !c) return;
    const candidate = { generationId: g.id, index };
    const target = this.form.read().target;
    switch (action) {
      case 'save': return this.link.post({ type: 'save', candidate, target });
      case 'saveFull': return this.link.post({ type: 'save', candidate, target, quality: 'full' });
      case 'saveAs': return this.link.post({ type: 'saveAs', candidate });
      case 'copyDataUri': return this.link.post({ type: 'copy', candidate, as: 'dataUri', target });
      case 'copyMarkdown': return this.link.post({ type: 'copy', candidate, as: 'markdown', target });
      case 'copyImg': return this.link.post({ type: 'copy', candidate, as: 'img', target });
      case 'enlarge': return this.viewer.open(index, c);
      case 'useSeed':
        if (c.seed !== undefined) this.form.useSeed(c.seed);
        return this.persist();
      case 'variation': {
        // The candidate becomes the start image (a layout drew the last one; this one replaces it).
        const { layout: _layout, startImage: _start, keepAlpha, ...settings } = g.request;
        const startImage = { candidate: { generationId: g.id, index } };
        const seed = c.seed === undefined ? '' : ` (seed ${c.seed})`;
        this.showStartImage({ ref: startImage, label: `Candidate ${index + 1}${seed}`, width: c.width, height: c.height, src: this.thumbs.get(index) ?? c.src });
        const request: PanelRequest = { ...settings, seed: null, startImage, strength: this.form.start.strength.value, ...(keepAlpha ? { keepAlpha } : {}) };
        this.form.write({ ...this.form.read(), ...request, layout: undefined, seedLocked: false });
        return this.generate(request);
      }
    }
  }

  private restoreHistory(entry: HistoryView): void {
    const seed = entry.seeds[0] ?? entry.request.seed;
    const values: FormValues = { ...entry.request, seed, seedLocked: seed !== null };
    this.form.write(values);
    // The start image comes back from the host, read and checked again from its workspace path.
    this.showStartImage(undefined);
    const start = entry.request.startImage;
    if (start && 'path' in start) this.link.post({ type: 'setStartImage', uri: start.path });
    this.persist();
    this.run.setStatus('Settings restored from history');
    this.form.focusPrompt();
  }

  private showModel(): void {
    const m = this.state.model;
    if (m) this.model.textContent = `Model: ${m.id} · Device: ${m.device} · native ${m.nativeSize}px`;
    else if (m === null) this.model.textContent = `No model: ${this.state.modelError ?? 'set nanoforge.model or download one'}`;
  }
}

registerComponents();
new GeneratorView(new HostLink(), document.getElementById('app') ?? document.body);
