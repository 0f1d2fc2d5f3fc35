/**
 * Small DOM helpers the Cost panel and the savings cards share.
 */

/**
 * Create an element with an optional class, test id, text and attributes;
 * `el(tag, className, testid)` for the common case of a class and a test id.
 */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options:
    | string
    | {
        className?: string;
        testid?: string;
        text?: string;
        attrs?: { [name: string]: string };
      } = {},
  testid?: string
): HTMLElementTagNameMap[K] {
  if (typeof options === 'string') {
    options = { className: options, testid };
  }
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

/**
 * A status line of the Cost panel: the message and, for requests that can
 * fail, a "Retry" button. (While the panel waits for an answer, JupyterLab's
 * spinner shows in its toolbar.)
 */
export interface IStatusLine {
  node: HTMLDivElement;
  text: HTMLSpanElement;
  retry: HTMLButtonElement | null;
}

/**
 * Create a status line, announced politely to screen readers.
 *
 * @param testid - The line's test id; its message's is `messageTestid`.
 * @param retry - The "Retry" button's label and test id; none when left out.
 */
export function statusLine(
  testid: string,
  messageTestid: string,
  retry?: { label: string; testid: string }
): IStatusLine {
  const node = el('div', {
    className: 'jp-smcost-CostPanel-status',
    testid,
    attrs: { role: 'status', 'aria-live': 'polite' }
  });
  const text = el('span', { testid: messageTestid });
  const button = retry
    ? el('button', {
        className: 'jp-smcost-CostPanel-button',
        testid: retry.testid,
        text: retry.label,
        attrs: { type: 'button' }
      })
    : null;
  node.append(text);
  if (button) {
    node.append(button);
  }
  return { node, text, retry: button };
}

/**
 * Create the note that says AWS is busy (`describeAwsBusy`), announced
 * politely to screen readers; hidden until there is something to say.
 *
 * @param testid - The note's test id.
 */
export function busyNote(testid: string): HTMLParagraphElement {
  const node = el('p', {
    className: 'jp-smcost-busy',
    testid,
    attrs: { role: 'status' }
  });
  node.hidden = true;
  return node;
}

/**
 * Show a note's text and tooltip; hidden when the text is empty.
 */
export function setNote(
  node: HTMLElement,
  note: { text: string; title: string }
): void {
  setText(node, note.text);
  if (node.title !== note.title) {
    node.title = note.title;
  }
  node.hidden = note.text === '';
}

/**
 * Fill a list of problems, shown verbatim; hidden when empty.
 */
export function setList(
  list: HTMLUListElement,
  items: Array<{ code: string; message: string }>
): void {
  const signature = JSON.stringify(items);
  if (list.dataset.signature !== signature) {
    list.dataset.signature = signature;
    list.replaceChildren(
      ...items.map(item => {
        const li = el('li', { text: item.message });
        li.dataset.code = item.code;
        return li;
      })
    );
  }
  list.hidden = items.length === 0;
}
