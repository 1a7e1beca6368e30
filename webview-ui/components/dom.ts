// A tiny element builder: no innerHTML anywhere in the panel, so prompt text and file names from
// the host can never become markup.

export interface ElementProps {
  id?: string;
  className?: string;
  attrs?: Record<string, string>;
  /** Sets `tabIndex`; -1 keeps an element focusable only from script (roving focus). */
  tabIndex?: number;
}

export function el(tag: string, props: ElementProps = {}, ...children: (Node | string)[]): HTMLElement {
  const node = document.createElement(tag);
  if (props.id) node.id = props.id;
  if (props.className) node.className = props.className;
  for (const [name, value] of Object.entries(props.attrs ?? {})) node.setAttribute(name, value);
  if (props.tabIndex !== undefined) node.tabIndex = props.tabIndex;
  node.append(...children);
  return node;
}
