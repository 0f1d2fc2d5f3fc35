/**
 * Small DOM helpers the Cost panel and the savings cards share.
 */

/**
 * Create an element with an optional class, test id, text and attributes.
 */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: {
    className?: string;
    testid?: string;
    text?: string;
    attrs?: { [name: string]: string };
  } = {}
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (options.className) {
    node.className = options.className;
  }
  if (options.testid) {
    node.dataset.testid = options.testid;
  }
  if (options.text !== undefined) {
    node.textContent = options.text;
  }
  for (const [name, value] of Object.entries(options.attrs ?? {})) {
    node.setAttribute(name, value);
  }
  return node;
}

/**
 * Set a text if it changed (a selection survives the ticks).
 */
export function setText(node: HTMLElement, text: string): void {
  if (node.textContent !== text) {
    node.textContent = text;
  }
}

/**
 * Set a data attribute if it changed; `undefined` or `null` removes it.
 */
export function setData(
  node: HTMLElement,
  name: string,
  value: string | undefined | null
): void {
  if (value === undefined || value === null) {
    delete node.dataset[name];
  } else if (node.dataset[name] !== value) {
    node.dataset[name] = value;
  }
}
