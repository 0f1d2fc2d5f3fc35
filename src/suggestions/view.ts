import { Clipboard } from '@jupyterlab/apputils';
import { ServerConnection } from '@jupyterlab/services';
import { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { confirmAction, ConfirmAnswer } from './confirm';
import {
  describeBudgetOutlook,
  describeBudgetSaving,
  describeSaving,
  describeSavingsTotal,
  resourceLabel,
  safeUrl
} from './format';
import { SuggestionsModel } from './model';
import { ISuggestion, ISuggestionAction, ISuggestionsProblem } from '../api';
import { busyNote, el, setData, setNote, setText, statusLine } from '../dom';
import { describeAwsBusy } from '../format';
import { loadTrans } from '../i18n';
import { errorMessage } from '../poll';

/**
 * How many suggestions show before "Show all".
 */
export const TOP_SUGGESTIONS = 3;

/**
 * The savings section of the Cost panel: "You could save $X/month", the
 * suggestions as cards (the top three, the rest behind "Show all"), and the
 * rules that could not run.
 *
 * Each card has its figure (or range, or "not priced" with the reason), the
 * detail and the arithmetic behind a disclosure, its actions, "Dismiss", a warning, a
 * snippet with "Copy", and a link to the docs. An action asks first (a
 * dialog naming the resource, what will happen and the figure) and shows its
 * result, or the refusal, in place on the card; a card whose action
 * succeeded stays with its result until closed.
 *
 * Cards are kept by suggestion id across polls, so the focus, an open
 * disclosure and a result survive each answer.
 */
export class SuggestionsView extends Widget {
  /**
   * Construct the section and follow the model.
   */
  constructor(options: SuggestionsView.IOptions) {
    super({
      node: el('section', {
        className: 'jp-smcost-CostPanel-section jp-smcost-Savings',
        testid: 'smcost-savings',
        attrs: { 'aria-labelledby': `${Private.ID_PREFIX}-heading` }
      })
    });
    this._model = options.model;
    const trans = (this._trans = loadTrans(options.translator));
    this._confirm = options.confirm ?? confirmAction;
    this._top = options.top ?? TOP_SUGGESTIONS;
    const d = el;
    this._heading = d('h3', {
      className: 'jp-smcost-CostPanel-heading jp-smcost-Savings-heading',
      testid: 'smcost-savings-total',
      attrs: { id: `${Private.ID_PREFIX}-heading`, tabindex: '-1' }
    });
    const status = statusLine(
      'smcost-savings-status',
      'smcost-savings-message'
    );
    this._status = status.node;
    this._statusText = status.text;
    // While AWS throttles the server, these are the suggestions of an earlier round.
    this._busy = busyNote('smcost-savings-aws-busy');
    // Near or over the monthly budget: what these suggestions do to the month.
    this._budget = d('p', {
      className: 'jp-smcost-CostPanel-secondary',
      testid: 'smcost-savings-budget'
    });
    this._note = d('p', {
      className: 'jp-smcost-CostPanel-secondary',
      testid: 'smcost-savings-note',
      text: trans.__(
        'Actions are turned off here; your administrator can allow them.'
      )
    });
    this._list = d('div', {
      className: 'jp-smcost-Savings-list',
      testid: 'smcost-suggestions',
      attrs: { id: `${Private.ID_PREFIX}-list` }
    });
    this._more = d('button', {
      className: 'jp-smcost-CostPanel-button jp-smcost-Savings-more',
      testid: 'smcost-suggestions-more',
      attrs: {
        type: 'button',
        'aria-expanded': 'false',
        'aria-controls': `${Private.ID_PREFIX}-list`
      }
    });
    this._problems = d(
      'details',
      'jp-smcost-Savings-problems',
      'smcost-suggestions-problems'
    );
    this._problemsSummary = d('summary', {
      className: 'jp-smcost-Savings-problemsSummary'
    });
    this._problemsList = d('ul', { className: 'jp-smcost-CostPanel-problems' });
    // After a dismissal: what was dismissed, and a way back.
    this._undo = d('div', {
      className: 'jp-smcost-CostPanel-secondary jp-smcost-Savings-undo',
      testid: 'smcost-savings-undo',
      attrs: { role: 'status' }
    });
    this._undoText = d('span');
    this._undoButton = d('button', {
      className: 'jp-smcost-CostPanel-button',
      testid: 'smcost-savings-undo-button',
      text: trans.__('Undo'),
      attrs: { type: 'button' }
    });
    this._undo.append(this._undoText, ' ', this._undoButton);
    this._undo.hidden = true;
    this._problems.append(this._problemsSummary, this._problemsList);
    this.node.append(
      this._heading,
      this._undo,
      this._status,
      this._busy,
      this._budget,
      this._note,
      this._list,
      this._more,
      this._problems
    );
    this.node.addEventListener('click', this);
    this._model.changed.connect(this.render, this);
    this.render();
  }

  /**
   * Whether every suggestion shows ("Show all").
   */
  get expanded(): boolean {
    return this._expanded;
  }

  /**
   * Move the focus to the section's heading; the panel scrolls it into view
   * (to the top of its content).
   */
  focus(): void {
    this._heading.focus({ preventScroll: true });
  }

  /**
   * Ask for the suggestions again (the Cost panel's refresh).
   */
  refresh(): Promise<void> {
    return this._model.refresh();
  }

  /**
   * Redraw from the model, touching the DOM only where something changed.
   */
  render(): void {
    if (this.isDisposed) {
      return;
    }
    const model = this._model;
    const document = model.document;
    this.node.hidden = !model.available;
    this._renderStatus();
    const items = model.items;
    setText(
      this._heading,
      document === null
        ? this._trans.__('Savings')
        : describeSavingsTotal(items.length, model.totalSaving, this._trans)
    );
    setData(
      this.node,
      'count',
      document === null ? undefined : String(items.length)
    );
    this._note.hidden =
      document === null ||
      model.actionsAllowed ||
      !items.some(item => (item.actions ?? []).length > 0);
    const outlook = describeBudgetOutlook(document?.budget, this._trans);
    setText(this._budget, outlook);
    this._budget.hidden = outlook === '';
    this._renderCards(items);
    this._renderProblems(document?.problems ?? []);
  }

  /**
   * Handle the clicks on the cards' buttons and on "Show all".
   */
  handleEvent(event: Event): void {
    if (event.type !== 'click') {
      return;
    }
    const button = (event.target as HTMLElement | null)?.closest('button');
    if (!button || !this.node.contains(button)) {
      return;
    }
    if (button === this._more) {
      this._expanded = !this._expanded;
      this.render();
      return;
    }
    if (button === this._undoButton) {
      void this._restore();
      return;
    }
    const article = button.closest<HTMLElement>('.jp-smcost-Suggestion');
    const card = article ? this._cards.get(article.dataset.id ?? '') : null;
    if (!card) {
      return;
    }
    switch (button.dataset.role) {
      case 'action': {
        const action = card.suggestion.actions.find(
          a => a.id === button.dataset.action
        );
        if (action) {
          void this._runAction(card, action);
        }
        break;
      }
      case 'dismiss':
        void this._dismiss(card);
        break;
      case 'copy':
        void this._copy(card, button);
        break;
      case 'close':
        this._close(card);
        break;
    }
  }

  /**
   * Stop following the model.
   */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.node.removeEventListener('click', this);
    this._model.changed.disconnect(this.render, this);
    for (const card of this._cards.values()) {
      if (card.copyTimer !== null) {
        window.clearTimeout(card.copyTimer);
      }
    }
    super.dispose();
  }

  private _renderStatus(): void {
    const model = this._model;
    const trans = this._trans;
    const document = model.document;
    let state = 'ready';
    let text = '';
    if (model.state === 'error') {
      state = 'error';
      text =
        document === null
          ? trans.__('Could not get the suggestions: %1', model.error ?? '')
          : trans.__(
              'Could not refresh the suggestions: %1',
              model.error ?? ''
            );
    } else if (document === null || document.state === 'loading') {
      state = 'loading';
      text = trans.__('Looking for savings…');
    } else if (document.state === 'unavailable' || document.state === 'error') {
      state = document.state;
      text =
        document.message || trans.__('Suggestions are not available here.');
    } else if (document.message) {
      text = document.message;
    }
    setData(this._status, 'state', state);
    setText(this._statusText, text);
    this._status.hidden = text === '';
    setNote(
      this._busy,
      describeAwsBusy(document?.aws_busy, document?.generated_at, trans)
    );
  }

  /**
   * Bring the cards in line with the suggestions: the server's order, with
   * the cards whose action succeeded kept where they were.
   */
  private _renderCards(items: ISuggestion[]): void {
    const order: ISuggestion[] = items.slice();
    const ids = new Set(items.map(item => item.id));
    for (const card of this._cards.values()) {
      if (card.done && !ids.has(card.suggestion.id)) {
        order.splice(Math.min(card.index, order.length), 0, card.suggestion);
      }
    }
    const next = new Map<string, Private.ICard>();
    order.forEach((suggestion, index) => {
      const card =
        this._cards.get(suggestion.id) ??
        Private.createCard(suggestion, this._trans);
      Private.updateCard(
        card,
        suggestion,
        this._model.actionsAllowed,
        this._trans
      );
      card.index = index;
      card.node.hidden = !this._expanded && index >= this._top;
      next.set(suggestion.id, card);
      // Move a card only when it is out of place: moving blurs it.
      if (this._list.children[index] !== card.node) {
        this._list.insertBefore(card.node, this._list.children[index] ?? null);
      }
    });
    for (const [id, card] of this._cards) {
      if (!next.has(id)) {
        card.node.remove();
        if (card.copyTimer !== null) {
          window.clearTimeout(card.copyTimer);
        }
      }
    }
    this._cards = next;
    this._list.hidden = order.length === 0;
    const hiddenCount = order.length - this._top;
    this._more.hidden = hiddenCount <= 0;
    this._more.setAttribute('aria-expanded', String(this._expanded));
    setText(
      this._more,
      this._expanded
        ? this._trans.__('Show fewer')
        : this._trans.__('Show all %1 suggestions', order.length)
    );
  }

  private _renderProblems(problems: ISuggestionsProblem[]): void {
    const signature = JSON.stringify(problems);
    if (this._problems.dataset.signature !== signature) {
      this._problems.dataset.signature = signature;
      const count = problems.length;
      setText(
        this._problemsSummary,
        this._trans._n(
          '%1 check could not run',
          '%1 checks could not run',
          count
        )
      );
      this._problemsList.replaceChildren(
        ...problems.map(problem => {
          const li = el('li', {
            testid: 'smcost-suggestions-problem'
          });
          li.dataset.code = problem.code;
          if (problem.rule) {
            li.dataset.rule = problem.rule;
            li.append(
              el('span', {
                className: 'jp-smcost-Savings-rule',
                text: problem.rule
              }),
              ': '
            );
          }
          li.append(problem.message);
          if (problem.action && !problem.message.includes(problem.action)) {
            li.append(' (', Private.actionCode(problem.action), ')');
          }
          return li;
        })
      );
    }
    this._problems.hidden = problems.length === 0;
  }

  private async _runAction(
    card: Private.ICard,
    action: ISuggestionAction
  ): Promise<void> {
    if (card.busy || card.done) {
      return;
    }
    const suggestion = card.suggestion;
    let answer: ConfirmAnswer;
    try {
      answer = await this._confirm(suggestion, action, this._trans);
    } catch (reason) {
      Private.showResult(card, 'error', errorMessage(reason));
      return;
    }
    if (answer === null || this.isDisposed) {
      return;
    }
    const fields = action.fields ?? [];
    if (
      fields.length > 0 &&
      fields.some(field => !(answer?.values?.[field] ?? '').trim())
    ) {
      Private.showResult(
        card,
        'error',
        this._trans.__('Enter a value for each tag.')
      );
      return;
    }
    card.busy = true;
    Private.setBusy(card, true);
    Private.showResult(card, 'busy', `${action.label}…`);
    try {
      const reply = await this._model.runAction(
        suggestion.id,
        action.id,
        fields.length > 0 ? answer.values : undefined
      );
      card.done = true;
      Private.showResult(card, 'ok', reply?.message || this._trans.__('Done.'));
    } catch (reason) {
      Private.showResult(
        card,
        'error',
        errorMessage(reason),
        Private.statusOf(reason)
      );
    } finally {
      card.busy = false;
      Private.setBusy(card, false);
    }
    const hadFocus = card.node.contains(document.activeElement);
    this.render();
    if (card.done && hadFocus) {
      // The action buttons are gone: the focus goes to "Close".
      card.close.focus();
    }
  }

  private async _dismiss(card: Private.ICard): Promise<void> {
    if (card.busy) {
      return;
    }
    const hadFocus = card.node.contains(document.activeElement);
    const next = card.node.nextElementSibling as HTMLElement | null;
    try {
      // The model hides it at once; the card goes at this render.
      const dismissed = this._model.dismiss(card.suggestion.id);
      if (hadFocus) {
        // Keep the keyboard in the list: on the next card, else the heading.
        if (next && !next.hidden) {
          next.focus();
        } else {
          this._heading.focus();
        }
      }
      await dismissed;
      this._undone = card.suggestion.id;
      setText(
        this._undoText,
        this._trans.__('Dismissed “%1”.', card.suggestion.title)
      );
      this._undoButton.setAttribute(
        'aria-label',
        this._trans.__('Undo: dismiss %1', card.suggestion.title)
      );
      this._undo.hidden = false;
    } catch (reason) {
      // The model shows it again: say why on it.
      const again = this._cards.get(card.suggestion.id);
      if (again) {
        Private.showResult(
          again,
          'error',
          this._trans.__('Could not dismiss: %1', errorMessage(reason)),
          Private.statusOf(reason)
        );
      }
    }
  }

  private async _copy(
    card: Private.ICard,
    button: HTMLButtonElement
  ): Promise<void> {
    const text = card.suggestion.snippet ?? '';
    let copied = false;
    try {
      if (navigator.clipboard?.writeText) {
        await navigator.clipboard.writeText(text);
      } else {
        Clipboard.copyToSystem(text);
      }
      copied = true;
    } catch {
      copied = false;
    }
    setText(
      button,
      copied ? this._trans.__('Copied') : this._trans.__('Copy failed')
    );
    if (card.copyTimer !== null) {
      window.clearTimeout(card.copyTimer);
    }
    card.copyTimer = window.setTimeout(() => {
      card.copyTimer = null;
      setText(button, this._trans.__('Copy'));
    }, 2000);
  }

  /**
   * "Undo" after a dismissal: the suggestion shows again.
   */
  private async _restore(): Promise<void> {
    const id = this._undone;
    if (id === null) {
      return;
    }
    this._undoButton.disabled = true;
    try {
      await this._model.restore(id);
      this._undone = null;
      this._undo.hidden = true;
      this._heading.focus();
    } catch (reason) {
      setText(
        this._undoText,
        this._trans.__('Could not undo: %1', errorMessage(reason))
      );
    } finally {
      this._undoButton.disabled = false;
    }
  }

  /**
   * "Close" on a card whose action succeeded.
   */
  private _close(card: Private.ICard): void {
    const next = card.node.nextElementSibling as HTMLElement | null;
    const hadFocus = card.node.contains(document.activeElement);
    card.done = false;
    card.node.remove();
    this._cards.delete(card.suggestion.id);
    this.render();
    if (hadFocus) {
      (next && next.isConnected && !next.hidden ? next : this._heading).focus();
    }
  }

  private _busy: HTMLParagraphElement;
  private _budget: HTMLParagraphElement;
  private _cards = new Map<string, Private.ICard>();
  private _trans: TranslationBundle;
  private _confirm: (
    suggestion: ISuggestion,
    action: ISuggestionAction,
    trans: TranslationBundle
  ) => Promise<ConfirmAnswer>;
  private _expanded = false;
  private _heading: HTMLHeadingElement;
  private _list: HTMLDivElement;
  private _model: SuggestionsModel;
  private _more: HTMLButtonElement;
  private _note: HTMLParagraphElement;
  private _problems: HTMLDetailsElement;
  private _problemsList: HTMLUListElement;
  private _problemsSummary: HTMLElement;
  private _status: HTMLDivElement;
  private _statusText: HTMLSpanElement;
  private _top: number;
  private _undo: HTMLDivElement;
  private _undoButton: HTMLButtonElement;
  private _undoText: HTMLSpanElement;
  private _undone: string | null = null;
}

/**
 * A namespace for `SuggestionsView` statics.
 */
export namespace SuggestionsView {
  /**
   * The options to construct a `SuggestionsView`.
   */
  export interface IOptions {
    /** The suggestions. */
    model: SuggestionsModel;
    /** Ask before an action (default: a JupyterLab dialog). */
    confirm?: (
      suggestion: ISuggestion,
      action: ISuggestionAction
    ) => Promise<ConfirmAnswer>;
    /** How many cards show before "Show all" (default 3). */
    top?: number;
    /** The strings' translations; English without it. */
    translator?: ITranslator | null;
  }

  /**
   * The `data-testid`s of the section, for UI tests.
   */
  export const TEST_IDS = {
    section: 'smcost-savings',
    total: 'smcost-savings-total',
    status: 'smcost-savings-status',
    message: 'smcost-savings-message',
    note: 'smcost-savings-note',
    list: 'smcost-suggestions',
    more: 'smcost-suggestions-more',
    problems: 'smcost-suggestions-problems',
    problem: 'smcost-suggestions-problem',
    card: 'smcost-suggestion',
    title: 'smcost-suggestion-title',
    saving: 'smcost-suggestion-saving',
    resource: 'smcost-suggestion-resource',
    detail: 'smcost-suggestion-detail',
    suggestionNote: 'smcost-suggestion-note',
    warning: 'smcost-suggestion-warning',
    arithmetic: 'smcost-suggestion-arithmetic',
    calculation: 'smcost-suggestion-calculation',
    snippet: 'smcost-suggestion-snippet',
    copy: 'smcost-suggestion-copy',
    action: 'smcost-suggestion-action',
    dismiss: 'smcost-suggestion-dismiss',
    docs: 'smcost-suggestion-docs',
    result: 'smcost-suggestion-result',
    close: 'smcost-suggestion-close'
  } as const;
}

namespace Private {
  /**
   * The prefix of the ids in the section (one panel per page).
   */
  export const ID_PREFIX = 'jp-smcost-Savings';

  let nextId = 0;

  /**
   * The elements of a card.
   */
  export interface ICard {
    node: HTMLElement;
    suggestion: ISuggestion;
    signature: string;
    /** Where it was in the list (kept there once done). */
    index: number;
    title: HTMLHeadingElement;
    saving: HTMLSpanElement;
    resource: HTMLParagraphElement;
    detail: HTMLParagraphElement;
    note: HTMLParagraphElement;
    /** Near or over the monthly budget: its saving by the month's end. */
    budget: HTMLParagraphElement;
    warning: HTMLParagraphElement;
    arithmetic: HTMLDetailsElement;
    arithmeticText: HTMLParagraphElement;
    snippet: HTMLDivElement;
    code: HTMLElement;
    actions: HTMLDivElement;
    dismiss: HTMLButtonElement;
    docs: HTMLAnchorElement;
    close: HTMLButtonElement;
    result: HTMLParagraphElement;
    busy: boolean;
    /** Its action succeeded: the result stays until "Close". */
    done: boolean;
    copyTimer: number | null;
  }

  /**
   * Create an empty card.
   */
  export function createCard(
    suggestion: ISuggestion,
    trans: TranslationBundle
  ): ICard {
    const id = `${ID_PREFIX}-card-${nextId++}`;
    const node = el('article', {
      className: 'jp-smcost-Suggestion',
      testid: 'smcost-suggestion',
      attrs: { 'aria-labelledby': `${id}-title`, tabindex: '-1' }
    });
    const head = el('div', { className: 'jp-smcost-Suggestion-head' });
    const title = el('h4', {
      className: 'jp-smcost-Suggestion-title',
      testid: 'smcost-suggestion-title',
      attrs: { id: `${id}-title` }
    });
    const saving = el(
      'span',
      'jp-smcost-Suggestion-saving jp-smcost-figure',
      'smcost-suggestion-saving'
    );
    head.append(title, saving);
    const resource = el(
      'p',
      'jp-smcost-Suggestion-resource',
      'smcost-suggestion-resource'
    );
    const detail = el(
      'p',
      'jp-smcost-Suggestion-detail',
      'smcost-suggestion-detail'
    );
    const note = el('p', 'jp-smcost-Suggestion-note', 'smcost-suggestion-note');
    const budget = el(
      'p',
      'jp-smcost-Suggestion-budget',
      'smcost-suggestion-budget'
    );
    const warning = el('p', {
      className: 'jp-smcost-Suggestion-warning',
      testid: 'smcost-suggestion-warning',
      attrs: { role: 'note' }
    });
    const arithmetic = el(
      'details',
      'jp-smcost-Suggestion-arithmetic',
      'smcost-suggestion-arithmetic'
    );
    // The detail (the server's reasoning, often long) and the calculation
    // behind the figure, on expand: the card itself stays short.
    const arithmeticText = el(
      'p',
      'jp-smcost-Suggestion-calculation',
      'smcost-suggestion-calculation'
    );
    arithmetic.append(
      el('summary', { text: trans.__('Details and calculation') }),
      detail,
      arithmeticText
    );
    const snippet = el(
      'div',
      'jp-smcost-Suggestion-snippet',
      'smcost-suggestion-snippet'
    );
    const code = el('code', {});
    const pre = el('pre', { attrs: { tabindex: '0' } });
    pre.append(code);
    const copy = el('button', {
      className: 'jp-smcost-CostPanel-button jp-smcost-Suggestion-copy',
      testid: 'smcost-suggestion-copy',
      text: trans.__('Copy'),
      attrs: { type: 'button', 'data-role': 'copy' }
    });
    snippet.append(pre, copy);
    const actions = el('div', { className: 'jp-smcost-Suggestion-actions' });
    const dismiss = el('button', {
      className: 'jp-smcost-CostPanel-button jp-smcost-Suggestion-dismiss',
      testid: 'smcost-suggestion-dismiss',
      text: trans.__('Dismiss'),
      attrs: { type: 'button', 'data-role': 'dismiss' }
    });
    const docs = el('a', {
      className: 'jp-smcost-Suggestion-docs',
      testid: 'smcost-suggestion-docs',
      text: trans.__('Docs'),
      attrs: { target: '_blank', rel: 'noopener noreferrer' }
    });
    const close = el('button', {
      className: 'jp-smcost-CostPanel-button jp-smcost-Suggestion-close',
      testid: 'smcost-suggestion-close',
      text: trans.__('Close'),
      attrs: { type: 'button', 'data-role': 'close' }
    });
    actions.append(dismiss, close, docs);
    const result = el('p', {
      className: 'jp-smcost-Suggestion-result',
      testid: 'smcost-suggestion-result',
      attrs: { role: 'status', 'aria-live': 'polite' }
    });
    result.hidden = true;
    node.append(
      head,
      resource,
      budget,
      note,
      warning,
      arithmetic,
      snippet,
      actions,
      result
    );
    return {
      node,
      suggestion,
      signature: '',
      index: 0,
      title,
      saving,
      resource,
      detail,
      note,
      budget,
      warning,
      arithmetic,
      arithmeticText,
      snippet,
      code,
      actions,
      dismiss,
      docs,
      close,
      result,
      busy: false,
      done: false,
      copyTimer: null
    };
  }

  /**
   * Show a suggestion in its card; the parts change only when the
   * suggestion (or whether actions are allowed) did.
   */
  export function updateCard(
    card: ICard,
    suggestion: ISuggestion,
    actionsAllowed: boolean,
    trans: TranslationBundle
  ): void {
    card.suggestion = suggestion;
    const node = card.node;
    setData(node, 'done', card.done ? 'true' : 'false');
    card.close.hidden = !card.done;
    card.dismiss.hidden = card.done;
    const signature = JSON.stringify([suggestion, actionsAllowed, card.done]);
    if (signature === card.signature) {
      return;
    }
    card.signature = signature;
    setData(node, 'id', suggestion.id);
    setData(node, 'rule', suggestion.rule);
    setData(node, 'severity', suggestion.severity);
    setText(card.title, suggestion.title);

    const saving = describeSaving(suggestion, trans);
    setText(card.saving, saving.text);
    card.saving.title = saving.title;
    setData(card.saving, 'saving', saving.state);

    updateResource(card, suggestion, trans);
    Private.setBreakable(card.detail, suggestion.detail ?? '');
    card.detail.hidden = !suggestion.detail;
    card.arithmeticText.hidden = !suggestion.arithmetic;
    // An unpriced saving says why in words, not only in a tooltip.
    const note =
      saving.state === 'priced' ? '' : (suggestion.saving_note ?? '');
    Private.setBreakable(card.note, note);
    card.note.hidden = note === '';
    const budget = describeBudgetSaving(suggestion, trans);
    setText(card.budget, budget);
    card.budget.hidden = budget === '';
    setData(
      card.node,
      'bringsUnderBudget',
      suggestion.brings_under_budget ? 'true' : undefined
    );
    Private.setBreakable(card.warning, suggestion.warning ?? '');
    card.warning.hidden = !suggestion.warning;
    Private.setBreakable(
      card.arithmeticText,
      suggestion.arithmetic
        ? trans.__('Calculation: %1', suggestion.arithmetic)
        : ''
    );
    card.arithmetic.hidden = !suggestion.arithmetic && !suggestion.detail;
    setText(card.code, suggestion.snippet ?? '');
    card.snippet.hidden = !suggestion.snippet;

    const docs = safeUrl(suggestion.docs_url);
    card.docs.hidden = docs === null;
    if (docs !== null) {
      card.docs.href = docs;
      card.docs.setAttribute(
        'aria-label',
        trans.__('Docs: %1 (new tab)', suggestion.title)
      );
    }
    card.dismiss.setAttribute(
      'aria-label',
      trans.__('Dismiss: %1', suggestion.title)
    );
    card.close.setAttribute(
      'aria-label',
      trans.__('Close: %1', suggestion.title)
    );

    // The action buttons, before "Dismiss"; none once done or when the
    // administrator turned actions off.
    for (const old of Array.from(
      card.actions.querySelectorAll('[data-role="action"]')
    )) {
      old.remove();
    }
    if (actionsAllowed && !card.done) {
      const buttons = (suggestion.actions ?? []).map(action =>
        el('button', {
          className:
            'jp-smcost-CostPanel-button jp-smcost-Suggestion-action' +
            (/^(delete|stop)-/.test(action.id) ? ' jp-mod-warn' : ''),
          testid: 'smcost-suggestion-action',
          text: action.label,
          attrs: {
            type: 'button',
            'data-role': 'action',
            'data-action': action.id,
            title: action.description
          }
        })
      );
      card.actions.prepend(...buttons);
    }
  }

  /**
   * The resource line: its kind and name, linked to the AWS console.
   */
  function updateResource(
    card: ICard,
    suggestion: ISuggestion,
    trans: TranslationBundle
  ): void {
    const label = resourceLabel(suggestion, trans);
    card.resource.hidden = label === '';
    const url = safeUrl(suggestion.resource?.console_url);
    if (label === '') {
      card.resource.replaceChildren();
    } else if (url === null) {
      card.resource.replaceChildren(label);
    } else {
      const link = el('a', {
        text: label,
        attrs: {
          href: url,
          target: '_blank',
          rel: 'noopener noreferrer',
          title: trans.__(
            'Open %1 in the AWS console (new tab)',
            suggestion.resource?.name ?? ''
          )
        }
      });
      card.resource.replaceChildren(link);
    }
  }

  /**
   * Set a long text so that a narrow sidebar wraps it between words, and a
   * token too long for a line (code, a URL, an ARN) after its punctuation
   * (`/ . : = ( ,`), never between two letters.
   */
  export function setBreakable(node: HTMLElement, text: string): void {
    if (node.textContent === text) {
      return;
    }
    const parts: Array<string | HTMLElement> = [];
    for (const token of text.split(/(\s+)/)) {
      if (token.length <= LONG_TOKEN) {
        parts.push(token);
        continue;
      }
      const pieces = token.split(/(?<=[/.:=(,])/);
      pieces.forEach((piece, index) => {
        if (index > 0) {
          parts.push(el('wbr'));
        }
        parts.push(piece);
      });
    }
    node.replaceChildren(...parts);
  }

  /**
   * Tokens longer than this get break points after their punctuation.
   */
  const LONG_TOKEN = 16;

  /**
   * An IAM action as code that may wrap only between its words
   * (`ce:<wbr>Get<wbr>Savings<wbr>Plans…`), never inside one: a long one is
   * wider than the sidebar.
   */
  export function actionCode(action: string): HTMLElement {
    const code = el('code', { className: 'jp-smcost-Savings-action' });
    const parts = action.split(/(?<=:)|(?<=[a-z0-9])(?=[A-Z])/);
    parts.forEach((part, index) => {
      if (index > 0) {
        code.append(el('wbr'));
      }
      code.append(part);
    });
    return code;
  }

  /**
   * Show the outcome of an action on its card.
   */
  export function showResult(
    card: ICard,
    state: 'busy' | 'ok' | 'error',
    message: string,
    status: number | null = null
  ): void {
    card.result.hidden = false;
    setData(card.result, 'state', state);
    setData(
      card.result,
      'status',
      status === null ? undefined : String(status)
    );
    setText(card.result, message);
  }

  /**
   * Mark the card's buttons busy: `aria-disabled`, not `disabled`, so that
   * the focus stays on the button that was pressed.
   */
  export function setBusy(card: ICard, busy: boolean): void {
    setData(card.node, 'busy', busy ? 'true' : undefined);
    for (const button of Array.from(card.node.querySelectorAll('button'))) {
      if (busy) {
        button.setAttribute('aria-disabled', 'true');
      } else {
        button.removeAttribute('aria-disabled');
      }
    }
  }

  /**
   * The HTTP status of a refused request, `null` when there was none.
   */
  export function statusOf(reason: unknown): number | null {
    return reason instanceof ServerConnection.ResponseError
      ? reason.response.status
      : null;
  }
}
