// The settings form: prompt, negative prompt, kind, size, count, steps, seed, guidance, a mockup's
// layout, the start image with its strength, target. Validates as you type with the same rules the
// host enforces (src/protocol/panel.ts).
import { REQUEST_LIMITS } from '../src/inference/request';
import { ASSET_KIND_TABLE, ASSET_KINDS, type AssetKind } from '../src/inference/tables';
import { LIMITS, sizeProblem, targetPathProblem, type ModelSummary, type StartImageView } from '../src/protocol/panel';
import { button, checkbox, dropdown, el, textArea, textField, type Control } from './components';
import { StartImagePicker } from './start-image';
import type { FormValues } from './state';

/** Size a kind starts at when picked; the user can change it afterwards. */
const KIND_SIZES: Record<AssetKind, [number, number]> = {
  icon: [256, 256], placeholder: [640, 360], mockup: [1024, 640], illustration: [768, 512], photo: [768, 512],
};
const CUSTOM = 'custom';

export interface FormEvents {
  onChange(): void;
  onBrowse(current: string): void;
  onBrowseStart(): void;
  /** A drop on the start image: the URI list it carried ('' for none). */
  onDropStart(uriList: string): void;
}

function intProblem(text: string, min: number, max: number): string | undefined {
  if (!/^\d+$/.test(text.trim())) return 'enter a whole number';
  const n = Number(text);
  return n < min || n > max ? `between ${min} and ${max}` : undefined;
}

export class SettingsForm {
  readonly element: HTMLElement;
  private readonly prompt: Control<string>;
  private readonly negative: Control<string>;
  private readonly kind: Control<string>;
  private readonly size: ReturnType<typeof dropdown>;
  private readonly width: Control<string>;
  private readonly height: Control<string>;
  private readonly count: Control<string>;
  private readonly steps: Control<string>;
  private readonly seed: Control<string>;
  private readonly seedLock: Control<boolean>;
  private readonly guidance: Control<string>;
  private readonly target: Control<string>;
  private readonly layoutField: Control<string>;
  readonly start: StartImagePicker;
  private usesGuidance = false;
  /** false when the model has no image encoder (start images and layouts cannot run). */
  private imageToImage = true;
  /** An empty prompt is only pointed out once the user tried to generate. */
  private attempted = false;

  constructor(private readonly events: FormEvents) {
    this.prompt = textArea({ id: 'prompt', label: 'Prompt (Ctrl+Enter to generate)', rows: 3, placeholder: 'a flat icon of a red fox, white background' });
    this.negative = textArea({ id: 'negative-prompt', label: 'Negative prompt', rows: 2, placeholder: 'blurry, text, watermark' });
    this.kind = dropdown({ id: 'kind', label: 'Kind', choices: ASSET_KINDS.map((k) => ({ value: k, label: ASSET_KIND_TABLE[k].label })) });
    this.size = dropdown({ id: 'size', label: 'Size', choices: [] });
    this.width = textField({ id: 'width', label: 'Width', size: 5, inputMode: 'numeric' });
    this.height = textField({ id: 'height', label: 'Height', size: 5, inputMode: 'numeric' });
    this.count = textField({ id: 'count', label: `Count (${LIMITS.minCount}–${LIMITS.maxCount})`, size: 3, inputMode: 'numeric' });
    this.steps = textField({ id: 'steps', label: 'Steps', size: 4, inputMode: 'numeric' });
    this.seed = textField({ id: 'seed', label: 'Seed', size: 11, inputMode: 'numeric', placeholder: 'random' });
    this.seedLock = checkbox({ id: 'seed-lock', label: 'Lock seed' });
    this.guidance = textField({ id: 'guidance', label: 'Guidance', size: 5, inputMode: 'decimal', value: '7.5' });
    this.target = textField({ id: 'target', label: 'Save to (workspace-relative)', placeholder: 'chosen from the output folder setting' });
    this.layoutField = textField({ id: 'layout', label: 'Layout (draws a wireframe to start from)', placeholder: 'header; sidebar | grid 3x2; footer' });
    this.start = new StartImagePicker({ onBrowse: () => events.onBrowseStart(), onDrop: (list) => events.onDropStart(list), onChange: () => { this.validate(); events.onChange(); } });
    this.element = this.layout();
    this.wire();
  }

  private layout(): HTMLElement {
    const negative = el('details', { id: 'negative-details' }, el('summary', { id: 'negative-summary' }, 'Negative prompt'), this.negative.element);
    const browse = button({ id: 'browse', label: 'Browse…', ariaLabel: 'Browse for a target file', onClick: () => this.events.onBrowse(this.target.value.trim()) });
    this.guidance.element.id = 'guidance-field';
    return el('section', { className: 'settings', attrs: { 'aria-label': 'Generation settings' } },
      this.prompt.element,
      negative,
      el('div', { className: 'row' }, this.kind.element, this.size.element, this.width.element, el('span', { className: 'times', attrs: { 'aria-hidden': 'true' } }, '×'), this.height.element),
      el('div', { className: 'row' }, this.count.element, this.steps.element, this.seed.element, this.seedLock.element, this.guidance.element),
      el('div', { id: 'layout-row', className: 'row wide-field' }, this.layoutField.element),
      this.start.element,
      el('div', { className: 'row target' }, this.target.element, browse),
    );
  }

  private wire(): void {
    const changed = (): void => { this.validate(); this.events.onChange(); };
    for (const c of [this.prompt, this.negative, this.width, this.height, this.count, this.steps, this.guidance, this.target, this.layoutField]) c.onChange(changed);
    this.layoutField.onChange(() => this.showLayout());
    this.kind.onChange((kind) => {
      const size = KIND_SIZES[kind as AssetKind];
      if (size) this.setSize(size[0], size[1]);
      this.showLayout();
      changed();
    });
    this.size.onChange((value) => {
      const m = /^(\d+)x(\d+)$/.exec(value);
      if (m) { this.width.value = m[1]!; this.height.value = m[2]!; }
      changed();
    });
    for (const c of [this.width, this.height]) c.onChange(() => this.syncSizeChoice());
    // Typing a seed means "use this one": lock it so the next run does not replace it.
    this.seed.onChange(() => { this.seedLock.value = this.seed.value.trim() !== ''; changed(); });
    this.seedLock.onChange(changed);
  }

  setSizes(sizes: readonly string[]): void {
    const current = `${this.width.value}x${this.height.value}`;
    this.size.setChoices([...sizes.map((s) => ({ value: s, label: s.replace('x', ' × ') })), { value: CUSTOM, label: 'Custom' }]);
    this.size.value = sizes.includes(current) ? current : CUSTOM;
  }

  private setSize(width: number, height: number): void {
    this.width.value = String(width);
    this.height.value = String(height);
    this.syncSizeChoice();
  }

  private syncSizeChoice(): void {
    const current = `${this.width.value.trim()}x${this.height.value.trim()}`;
    const known = Array.from(this.size.control.querySelectorAll('vscode-option')).some((o) => o.getAttribute('value') === current);
    this.size.value = known ? current : CUSTOM;
  }

  setModel(model: ModelSummary | null | undefined): void {
    this.usesGuidance = model?.usesGuidance ?? false;
    this.imageToImage = model?.imageToImage ?? true;
    this.guidance.element.hidden = !this.usesGuidance;
    this.validate();
  }

  /** The layout field belongs to mockups; a layout in use shows the strength. */
  private showLayout(): void {
    const mockup = this.kind.value === 'mockup';
    (this.layoutField.element.parentElement as HTMLElement).hidden = !mockup;
    this.start.setLayoutActive(this.layoutInUse());
  }

  private layoutInUse(): boolean {
    return this.kind.value === 'mockup' && this.layoutField.value.trim() !== '';
  }

  setStartImage(view: StartImageView | undefined): void {
    this.start.set(view);
    this.validate();
  }

  /** A start image, a layout, or both (refused), and whether the model can use them. */
  private imageToImageProblems(): [Control<string> | Control<number>, string | undefined][] {
    const layout = this.layoutField.value.trim();
    const layoutProblem = layout.length > REQUEST_LIMITS.layoutChars ? `at most ${REQUEST_LIMITS.layoutChars} characters`
      : this.layoutInUse() && this.start.current ? 'a layout draws its own start image: clear the start image or the layout' : undefined;
    const used = this.start.current !== undefined || this.layoutInUse();
    const strengthProblem = used && !this.imageToImage ? 'this model has no image encoder (vae_encoder/): start images and layouts need one'
      : this.start.problem(Number(this.steps.value));
    return [[this.layoutField, layoutProblem], [this.start.strength, strengthProblem]];
  }

  /** Shows every problem next to its field; returns them for the Generate button. */
  validate(attempt = false): string[] {
    this.attempted ||= attempt;
    const emptyPrompt = this.prompt.value.trim() === '';
    const checks: [Control<string>, string | undefined][] = [
      [this.prompt, emptyPrompt ? 'describe the image to generate' : this.prompt.value.length > LIMITS.promptChars ? `at most ${LIMITS.promptChars} characters` : undefined],
      [this.negative, this.negative.value.length > LIMITS.promptChars ? `at most ${LIMITS.promptChars} characters` : undefined],
      [this.width, /^\d+$/.test(this.width.value.trim()) ? sizeProblem(Number(this.width.value)) : 'enter a whole number'],
      [this.height, /^\d+$/.test(this.height.value.trim()) ? sizeProblem(Number(this.height.value)) : 'enter a whole number'],
      [this.count, intProblem(this.count.value, LIMITS.minCount, LIMITS.maxCount)],
      [this.steps, intProblem(this.steps.value, LIMITS.minSteps, LIMITS.maxSteps)],
      [this.seed, this.seed.value.trim() === '' ? undefined : intProblem(this.seed.value, 0, LIMITS.maxSeed)],
      [this.guidance, !this.usesGuidance || (/^\d+(\.\d+)?$/.test(this.guidance.value.trim()) && Number(this.guidance.value) <= LIMITS.maxGuidance) ? undefined : `a number from 0 to ${LIMITS.maxGuidance}`],
      [this.target, targetPathProblem(this.target.value.trim())],
    ];
    const problems: string[] = [];
    for (const [control, problem] of [...checks, ...this.imageToImageProblems()]) {
      control.setProblem(control === this.prompt && emptyPrompt && !this.attempted ? undefined : problem);
      if (problem) problems.push(`${control.control.id}: ${problem}`);
    }
    return problems;
  }

  read(): FormValues {
    const seedText = this.seed.value.trim();
    return {
      prompt: this.prompt.value, negativePrompt: this.negative.value, kind: this.kind.value as AssetKind,
      width: Number(this.width.value), height: Number(this.height.value),
      count: Number(this.count.value), steps: Number(this.steps.value),
      seed: seedText === '' ? null : Number(seedText), seedLocked: this.seedLock.value,
      ...(this.usesGuidance ? { guidanceScale: Number(this.guidance.value) } : {}),
      target: this.target.value.trim(),
      ...this.readImageToImage(),
    };
  }

  /** Only what applies: the layout of a mockup, the start image, the strength with either, transparency with an image. */
  private readImageToImage(): Partial<FormValues> {
    const start = this.start.current;
    const layout = this.layoutInUse() ? this.layoutField.value.trim() : undefined;
    if (!start && layout === undefined) return {};
    return {
      ...(layout !== undefined ? { layout } : {}),
      ...(start ? { startImage: start.ref } : {}),
      strength: Math.round(this.start.strength.value * 100) / 100,
      ...(start && this.start.keepAlpha.value ? { keepAlpha: true } : {}),
    };
  }

  write(v: FormValues): void {
    this.prompt.value = v.prompt;
    this.negative.value = v.negativePrompt;
    (this.negative.element.closest('details') as HTMLDetailsElement).open = v.negativePrompt !== '';
    this.kind.value = v.kind;
    this.setSize(v.width, v.height);
    this.count.value = String(v.count);
    this.steps.value = String(v.steps);
    this.seed.value = v.seed === null ? '' : String(v.seed);
    this.seedLock.value = v.seedLocked;
    if (v.guidanceScale !== undefined) this.guidance.value = String(v.guidanceScale);
    this.target.value = v.target;
    // The start image itself is shown by setStartImage (its thumbnail is not part of the request).
    this.layoutField.value = v.layout ?? '';
    if (v.strength !== undefined) this.start.strength.value = v.strength;
    this.start.keepAlpha.value = v.keepAlpha === true;
    this.showLayout();
    this.validate();
  }

  /** After a run with a random seed, show the seed it used (unlocked, so the next run re-rolls). */
  showSeed(seed: number): void {
    if (!this.seedLock.value) this.seed.value = String(seed);
  }

  useSeed(seed: number): void {
    this.seed.value = String(seed);
    this.seedLock.value = true;
  }

  setTarget(target: string): void {
    this.target.value = target;
    this.validate();
  }

  focusPrompt(): void {
    this.prompt.control.focus();
  }
}
