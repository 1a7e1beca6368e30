// The only folder that knows which component library draws the panel's controls. Everything else
// in webview-ui/ builds UI through these factories, so moving from @vscode/webview-ui-toolkit
// (archived upstream in 2025) to @vscode-elements/elements means rewriting this file alone.
import {
  provideVSCodeDesignSystem, vsCodeButton, vsCodeCheckbox, vsCodeDropdown, vsCodeOption,
  vsCodeProgressRing, vsCodeTextArea, vsCodeTextField,
} from '@vscode/webview-ui-toolkit';
import { el } from './dom';

export { el } from './dom';

let registered = false;

/** Defines the custom elements once; the toolkit reads the --vscode-* theme variables itself. */
export function registerComponents(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(
    vsCodeButton(), vsCodeCheckbox(), vsCodeDropdown(), vsCodeOption(), vsCodeProgressRing(),
    vsCodeTextArea(), vsCodeTextField(),
  );
}

/** A labelled input whose value the rest of the UI reads and writes without knowing its element. */
export interface Control<T> {
  /** The labelled block to place in the layout. */
  readonly element: HTMLElement;
  /** The focusable control itself (what keyboard tests and focus() target). */
  readonly control: HTMLElement;
  value: T;
  disabled: boolean;
  onChange(listener: (value: T) => void): void;
  /** Shows (or clears, with undefined) a validation message under the control. */
  setProblem(message: string | undefined): void;
}

/** Toolkit controls keep `value`/`checked`/`disabled` as properties on the custom element. */
interface ToolkitControl extends HTMLElement {
  value: string;
  checked: boolean;
  disabled: boolean;
}

function wrap<T>(
  id: string, control: ToolkitControl, block: HTMLElement,
  read: () => T, write: (v: T) => void, quiet: () => boolean = () => false,
): Control<T> {
  const problem = el('div', { className: 'problem', id: `${id}-problem`, attrs: { 'aria-live': 'polite' } });
  block.append(problem);
  return {
    element: block,
    control,
    get value() { return read(); },
    set value(v: T) { write(v); },
    get disabled() { return control.disabled; },
    set disabled(v: boolean) { control.disabled = v; },
    onChange(listener) {
      // Text inputs fire `input` per keystroke (validation as you type); dropdowns/checkboxes `change`.
      const fire = (): void => { if (!quiet()) listener(read()); };
      control.addEventListener('input', fire);
      control.addEventListener('change', fire);
    },
    setProblem(message) {
      problem.textContent = message ?? '';
      control.toggleAttribute('aria-invalid', message !== undefined);
      block.classList.toggle('invalid', message !== undefined);
    },
  };
}

export function textField(o: { id: string; label: string; value?: string; placeholder?: string; size?: number; inputMode?: string }): Control<string> {
  const control = el('vscode-text-field', { id: o.id, attrs: { placeholder: o.placeholder ?? '', ...(o.size ? { size: String(o.size) } : {}) } }, o.label) as ToolkitControl;
  if (o.inputMode) control.setAttribute('inputmode', o.inputMode);
  control.value = o.value ?? '';
  const block = el('div', { className: 'field' }, control);
  return wrap(o.id, control, block, () => control.value, (v) => { control.value = v; });
}

export function textArea(o: { id: string; label: string; rows: number; value?: string; placeholder?: string }): Control<string> {
  const control = el('vscode-text-area', { id: o.id, attrs: { rows: String(o.rows), resize: 'vertical', placeholder: o.placeholder ?? '' } }, o.label) as ToolkitControl;
  control.value = o.value ?? '';
  const block = el('div', { className: 'field wide' }, control);
  return wrap(o.id, control, block, () => control.value, (v) => { control.value = v; });
}

export interface Choice { value: string; label: string }

export function dropdown(o: { id: string; label: string; choices: readonly Choice[]; value?: string }): Control<string> & { setChoices(choices: readonly Choice[]): void } {
  const labelId = `${o.id}-label`;
  const control = el('vscode-dropdown', { id: o.id, attrs: { 'aria-labelledby': labelId, position: 'below' } }) as ToolkitControl;
  // Workaround (@vscode/webview-ui-toolkit 1.4.0 on @microsoft/fast-foundation 2.x): the dropdown
  // learns about new options on `slotchange` and FAST's render queue
  // (asynchronously), picks the first option and emits `change` meanwhile. So the wanted value is
  // kept here, applied again once the options settled, and events while settling are swallowed.
  let wanted = o.value ?? '';
  let settling = 0;
  const hasOption = (v: string): boolean => Array.from(control.children).some((c) => c.getAttribute('value') === v);
  const settle = (): void => {
    settling += 1;
    setTimeout(() => requestAnimationFrame(() => {
      if (hasOption(wanted) && control.value !== wanted) control.value = wanted;
      settling -= 1;
    }), 0);
  };
  control.addEventListener('change', () => { if (settling === 0) wanted = control.value; });
  const write = (v: string): void => {
    wanted = v;
    control.value = v;
    settle();
  };
  const setChoices = (choices: readonly Choice[]): void => {
    control.replaceChildren(...choices.map((c) => el('vscode-option', { attrs: { value: c.value } }, c.label)));
    settle();
  };
  setChoices(o.choices);
  write(wanted);
  const block = el('div', { className: 'field' }, el('label', { id: labelId, className: 'label', attrs: { for: o.id } }, o.label), control);
  // Object.assign, not spread: spreading would freeze the value accessor into a plain field.
  return Object.assign(wrap(o.id, control, block, () => (hasOption(wanted) ? wanted : control.value), write, () => settling > 0), { setChoices });
}

export function checkbox(o: { id: string; label: string; checked?: boolean }): Control<boolean> {
  const control = el('vscode-checkbox', { id: o.id }, o.label) as ToolkitControl;
  control.checked = o.checked ?? false;
  const block = el('div', { className: 'field check' }, control);
  return wrap(o.id, control, block, () => control.checked, (v) => { control.checked = v; });
}

/**
 * A range slider with its value shown beside it. The toolkit has none, so this is a native
 * <input type="range"> (keyboard, screen readers and forced colours work as the browser does them).
 */
export function slider(o: { id: string; label: string; min: number; max: number; step: number; value: number; format: (v: number) => string }): Control<number> {
  const labelId = `${o.id}-label`;
  const control = el('input', { id: o.id, className: 'slider', attrs: { type: 'range', min: String(o.min), max: String(o.max), step: String(o.step), 'aria-labelledby': labelId } }) as HTMLInputElement;
  const output = el('output', { id: `${o.id}-value`, className: 'slider-value', attrs: { for: o.id, 'aria-hidden': 'true' } });
  const show = (): void => {
    output.textContent = o.format(Number(control.value));
    control.setAttribute('aria-valuetext', output.textContent);
  };
  control.value = String(o.value);
  show();
  control.addEventListener('input', show);
  const block = el('div', { className: 'field slider-field' },
    el('label', { id: labelId, className: 'label', attrs: { for: o.id } }, o.label), el('div', { className: 'slider-row' }, control, output));
  return wrap(o.id, control as unknown as ToolkitControl, block, () => Number(control.value), (v) => { control.value = String(v); show(); });
}

export interface ButtonOptions {
  id?: string;
  label: string;
  /** Spoken name when the visible label is terse or a symbol. */
  ariaLabel?: string;
  title?: string;
  appearance?: 'primary' | 'secondary';
  onClick: () => void;
}

export function button(o: ButtonOptions): HTMLElement & { disabled: boolean } {
  const b = el('vscode-button', {
    id: o.id,
    attrs: { appearance: o.appearance ?? 'secondary', ...(o.ariaLabel ? { 'aria-label': o.ariaLabel } : {}), ...(o.title ? { title: o.title } : {}) },
  }, o.label) as ToolkitControl;
  b.addEventListener('click', () => { if (!b.disabled) o.onClick(); });
  return b;
}

/** An indeterminate spinner shown while a generation runs. */
export function spinner(): HTMLElement {
  return el('vscode-progress-ring', { className: 'spinner', attrs: { 'aria-hidden': 'true' } });
}
