import { Dialog, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { describeConfirmation } from './format';
import { ISuggestion, ISuggestionAction } from '../api';
import { en } from '../i18n';

/**
 * What the user answered: `null` when they cancelled; the form's values
 * (tag key to value) for an action with fields.
 */
export type ConfirmAnswer = { values?: { [key: string]: string } } | null;

/**
 * Ask before an action: a dialog that names the resource, says what will
 * happen and the dollar figure; for an action with fields (`add-tags`), a
 * small form for their values.
 *
 * @param suggestion - The suggestion.
 * @param action - The action the user chose.
 * @returns The answer; `null` when cancelled.
 */
export async function confirmAction(
  suggestion: ISuggestion,
  action: ISuggestionAction,
  trans: TranslationBundle = en
): Promise<ConfirmAnswer> {
  const text = describeConfirmation(suggestion, action, trans);
  const body = new ConfirmBody(text.lines, action.fields ?? []);
  const accept = text.destructive
    ? Dialog.warnButton({ label: text.title })
    : Dialog.okButton({ label: text.title });
  const result = await showDialog<{ [key: string]: string } | null>({
    title: text.title,
    body,
    buttons: [Dialog.cancelButton({ label: trans.__('Cancel') }), accept],
    // The first field, when there is a form; else the action's button.
    focusNodeSelector: 'input'
  });
  if (!result.button.accept) {
    return null;
  }
  return result.value === null ? {} : { values: result.value };
}

/**
 * The body of the confirmation: its lines, and one labelled field per value
 * to enter.
 */
export class ConfirmBody extends Widget {
  constructor(lines: string[], fields: string[]) {
    super();
    this.addClass('jp-smcost-Confirm');
    this.node.dataset.testid = 'smcost-confirm';
    for (const line of lines) {
      const p = document.createElement('p');
      p.textContent = line;
      this.node.append(p);
    }
    if (fields.length > 0) {
      const form = document.createElement('div');
      form.className = 'jp-smcost-Confirm-form';
      fields.forEach(field => {
        const id = `jp-smcost-Confirm-field-${Private.nextId()}`;
        const label = document.createElement('label');
        label.htmlFor = id;
        label.textContent = field;
        const input = document.createElement('input');
        input.id = id;
        input.type = 'text';
        input.className = 'jp-mod-styled jp-smcost-Confirm-input';
        input.dataset.testid = 'smcost-confirm-field';
        input.dataset.key = field;
        input.required = true;
        input.autocomplete = 'off';
        form.append(label, input);
        this._inputs.push(input);
      });
      this.node.append(form);
    }
  }

  /**
   * The form's values, `null` when there is no form.
   */
  getValue(): { [key: string]: string } | null {
    if (this._inputs.length === 0) {
      return null;
    }
    const values: { [key: string]: string } = {};
    for (const input of this._inputs) {
      values[input.dataset.key ?? ''] = input.value.trim();
    }
    return values;
  }

  private _inputs: HTMLInputElement[] = [];
}

namespace Private {
  let count = 0;

  /**
   * A new id for a field's label (several dialogs may follow each other).
   */
  export function nextId(): number {
    return count++;
  }
}
