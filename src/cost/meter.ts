import { ISignal, Signal } from '@lumino/signaling';

import { describeBudgetSpend, hasBudget } from './budget';
import { formatMeter, IMeterText } from './format';
import { CostModel } from './model';
import { badgeLabel, formatMonthly } from '../format';
import { TickingStatusButton } from '../statusbutton';
import { ISavingsSummary } from '../tokens';

/**
 * The class of the cost meter; stable, for styles and UI tests.
 */
export const COST_METER_CLASS = 'jp-smcost-CostMeter';

/**
 * The status bar's cost meter: `$0.74/h · $3.12 this session`, the session
 * cost ticking between polls; `price unknown` when the price is not known.
 * With suggestions, a small badge with their number (hidden at 0).
 *
 * Its `data-state` attribute is `known`, `pending`, `unknown` or `hidden`
 * (local mode without an instance type: the status bar does not show it
 * unless there are suggestions). The tooltip says where the price came from
 * and what the suggestions could save. Click, Enter or Space open the Cost
 * panel.
 */
export class CostMeter extends TickingStatusButton {
  constructor(options: CostMeter.IOptions) {
    super({
      changed: options.model.changed,
      onActivate: options.onActivate,
      labelClass: 'jp-smcost-CostMeter-label',
      translator: options.translator
    });
    this._model = options.model;
    this.addClass(COST_METER_CLASS);
    this.node.dataset.testid = 'smcost-cost-meter';
    this._badge = document.createElement('span');
    this._badge.className = 'jp-smcost-CostMeter-badge';
    this._badge.dataset.testid = 'smcost-savings-badge';
    // An image of a number: its name says what the number counts.
    this._badge.setAttribute('role', 'img');
    this._badge.hidden = true;
    this.node.appendChild(this._badge);
    this.suggestions = options.suggestions ?? null;
  }

  /**
   * The savings suggestions the badge counts; `null` for none.
   */
  get suggestions(): ISavingsSummary | null {
    return this._suggestions;
  }

  set suggestions(value: ISavingsSummary | null) {
    this._suggestions?.changed.disconnect(this.render, this);
    this._suggestions = value;
    this._suggestions?.changed.connect(this.render, this);
    this.render();
  }

  /**
   * Emitted when `isActive` changes (the status bar shows or hides the
   * meter).
   */
  get activeStateChanged(): ISignal<this, void> {
    return this._activeStateChanged;
  }

  /**
   * What the meter shows now.
   */
  get current(): IMeterText {
    const model = this._model;
    return formatMeter(
      model.cost,
      model.sessionUsd(),
      model.costError,
      this.trans
    );
  }

  /**
   * How many suggestions the badge counts.
   */
  get suggestionCount(): number {
    return this._suggestions?.available ? this._suggestions.count : 0;
  }

  /**
   * Whether the status bar shows the meter.
   */
  get isActive(): boolean {
    return this.current.state !== 'hidden' || this.suggestionCount > 0;
  }

  render(): void {
    const { text, title, state } = this.current;
    const count = this.suggestionCount;
    let tooltip = title;
    if (count > 0) {
      const total = this._suggestions!.totalSaving;
      const trans = this.trans;
      const label = badgeLabel(count, trans);
      const line =
        total > 0
          ? trans.__('%1: up to %2.', label, formatMonthly(total, trans))
          : `${label}.`;
      tooltip = tooltip
        ? `${tooltip}\n${line}`
        : `${line}\n${trans.__('Click for the Cost panel.')}`;
    }
    const budget = this._model.budget;
    const spend = describeBudgetSpend(budget, this.trans);
    if (spend !== null) {
      tooltip = tooltip ? `${tooltip}\n${spend}` : spend;
    }
    this.display(text, tooltip, state);
    // near/over: the meter's look (style/base.css); absent without a budget.
    const budgetState = hasBudget(budget) ? String(budget.state) : null;
    if (budgetState === null) {
      delete this.node.dataset.budget;
    } else if (this.node.dataset.budget !== budgetState) {
      this.node.dataset.budget = budgetState;
    }
    this.toggleClass('jp-mod-stale', this._model.costError !== null);
    // Empty at 0, so that the meter's text is its figures alone.
    const label = count > 0 ? String(count) : '';
    if (this._badge.textContent !== label) {
      this._badge.textContent = label;
      this._badge.setAttribute('aria-label', badgeLabel(count, this.trans));
    }
    this._badge.hidden = count === 0;
    const active = this.isActive;
    if (active !== this._wasActive) {
      this._wasActive = active;
      this._activeStateChanged.emit();
    }
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._suggestions?.changed.disconnect(this.render, this);
    Signal.clearData(this);
    super.dispose();
  }

  private _activeStateChanged = new Signal<this, void>(this);
  private _badge: HTMLSpanElement;
  private _model: CostModel;
  private _suggestions: ISavingsSummary | null = null;
  private _wasActive: boolean | null = null;
}

/**
 * A namespace for `CostMeter` statics.
 */
export namespace CostMeter {
  /**
   * The options to construct a `CostMeter`.
   */
  export interface IOptions extends Pick<
    TickingStatusButton.IOptions,
    'translator'
  > {
    /** The cost. */
    model: CostModel;
    /** The savings suggestions, for the badge; none without them. */
    suggestions?: ISavingsSummary | null;
    /** Called on click, Enter or Space: open the Cost panel. */
    onActivate: () => void;
  }
}
