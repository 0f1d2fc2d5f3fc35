/**
 * The monthly budget (`GET budget`): its texts, its section of the Cost
 * panel, and the once-a-month notifications at 80% and 100%.
 */

import type { Notification } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';

import { IBudget } from '../api';
import { el, setData, setText } from '../dom';
import { formatUsd } from '../format';
import { en } from '../i18n';
import { CostSection, labelledSection } from './sections';

/**
 * What Cost Explorer billed this month (`GET budget`'s `cost_explorer`),
 * each field checked: the server's may be absent, `null` or partial.
 */
export interface ICostExplorerSpend {
  usd: number | null;
  as_of: string | null;
  lag_hours: number | null;
  error: string | null;
}

/**
 * The budget's Cost Explorer figure, if the server sent a usable one.
 */
export function costExplorerOf(budget: IBudget): ICostExplorerSpend | null {
  const raw: unknown = budget.cost_explorer;
  if (raw === null || typeof raw !== 'object') {
    return null;
  }
  const value = raw as { [key: string]: unknown };
  const num = (v: unknown): number | null =>
    typeof v === 'number' && Number.isFinite(v) ? v : null;
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  return {
    usd: num(value.usd),
    as_of: str(value.as_of),
    lag_hours: num(value.lag_hours),
    error: str(value.error)
  };
}

/**
 * Whether the budget applies: a budget is set and the state is known.
 */
export function hasBudget(budget: IBudget | null): budget is IBudget {
  return (
    budget !== null &&
    budget.state !== 'no-budget' &&
    typeof budget.budget_usd === 'number' &&
    Number.isFinite(budget.budget_usd)
  );
}

/**
 * "$41 of $100 this month", or `null` without a budget.
 */
export function describeBudgetSpend(
  budget: IBudget | null,
  trans: TranslationBundle = en
): string | null {
  if (!hasBudget(budget) || !Number.isFinite(budget.spent_usd)) {
    return null;
  }
  return trans.__(
    '%1 of %2 this month',
    formatUsd(budget.spent_usd),
    formatUsd(budget.budget_usd!)
  );
}

/**
 * The projection to the month's end, or why there is none.
 */
export function describeProjection(
  budget: IBudget,
  trans: TranslationBundle = en
): string {
  const projected = budget.projected_usd;
  if (typeof projected !== 'number' || !Number.isFinite(projected)) {
    return trans.__(
      "Projection to the month's end: unknown (a running resource has no known price)"
    );
  }
  return trans.__(
    "Projected by the month's end at the current rate: %1",
    formatUsd(projected)
  );
}

/**
 * The state in words.
 */
export function describeBudgetState(
  budget: IBudget,
  trans: TranslationBundle = en
): string {
  switch (budget.state) {
    case 'over':
      return budget.timeout_tightened
        ? trans.__('Over budget: the idle timeout is shorter until next month')
        : trans.__('Over budget');
    case 'near':
      return trans.__('Near the budget');
    case 'under':
      return trans.__('Within budget');
    default:
      return String(budget.state);
  }
}

/**
 * "Cost Explorer: $38.20 as of 2 Dec (tags appear 24-48 h late)", its error,
 * or `null` when the server sent no such figure.
 */
export function describeCostExplorer(
  budget: IBudget,
  trans: TranslationBundle = en
): string | null {
  const explorer = costExplorerOf(budget);
  if (explorer === null) {
    return null;
  }
  if (explorer.error) {
    return trans.__('Cost Explorer: not available (%1)', explorer.error);
  }
  if (explorer.usd === null) {
    return null;
  }
  const ms = explorer.as_of ? Date.parse(explorer.as_of) : NaN;
  const asOf = Number.isNaN(ms)
    ? null
    : new Date(ms).toLocaleDateString([], {
        day: 'numeric',
        month: 'short',
        // A bare date (the server's) is that day wherever the browser is.
        timeZone: /^\d{4}-\d\d-\d\d$/.test(explorer.as_of!) ? 'UTC' : undefined
      });
  const lag =
    explorer.lag_hours !== null
      ? trans.__('tags appear up to %1 h late', Math.round(explorer.lag_hours))
      : trans.__('tags appear 24-48 h late');
  return asOf
    ? trans.__(
        'Cost Explorer: %1 as of %2 (%3)',
        formatUsd(explorer.usd),
        asOf,
        lag
      )
    : trans.__('Cost Explorer: %1 (%2)', formatUsd(explorer.usd), lag);
}

/**
 * The labels of `spent_sources`' keys.
 */
function sourceLabel(source: string, trans: TranslationBundle): string {
  switch (source) {
    case 'this-app':
      return trans.__('This app');
    case 'training-jobs':
      return trans.__('Training and tuning jobs');
    case 'processing-jobs':
      return trans.__('Processing jobs');
    case 'transform-jobs':
      return trans.__('Transform jobs');
    case 'endpoints':
      return trans.__('Endpoints');
    case 'apps':
      return trans.__('Other Studio apps');
    case 'notebook-instances':
      return trans.__('Notebook instances');
    default:
      return source;
  }
}

/**
 * The Cost panel's budget section: spent so far of the budget, a bar, the
 * projection, the state, Cost Explorer's figure when the server has one, and
 * the sources behind a disclosure. Hidden without a budget.
 */
export class BudgetSection extends CostSection {
  constructor(options: CostSection.IOptions) {
    const { node, heading } = labelledSection('budget', 'smcost-budget', {
      text: options.trans.__('Monthly budget'),
      testid: 'smcost-budget-heading'
    });
    super(node, options);
    this._spent = el('p', 'jp-smcost-Budget-spent', 'smcost-budget-spent');
    this._bar = el('div', {
      className: 'jp-smcost-Budget-bar',
      testid: 'smcost-budget-bar',
      attrs: {
        role: 'meter',
        'aria-valuemin': '0',
        'aria-valuemax': '100',
        'aria-labelledby': heading.id
      }
    });
    this._fill = el('div', 'jp-smcost-Budget-fill');
    this._bar.append(this._fill);
    this._projection = el(
      'p',
      'jp-smcost-Budget-projection',
      'smcost-budget-projection'
    );
    this._state = el('p', 'jp-smcost-Budget-state', 'smcost-budget-state');
    this._explorer = el(
      'p',
      'jp-smcost-Budget-explorer',
      'smcost-budget-explorer'
    );
    const details = el('details', 'jp-smcost-Budget-sources');
    details.dataset.testid = 'smcost-budget-sources';
    details.append(
      el('summary', { text: options.trans.__('What counts so far') })
    );
    this._sources = el('ul', '', 'smcost-budget-sources-list');
    this._notes = el('p', 'jp-smcost-Budget-notes', 'smcost-budget-notes');
    details.append(this._sources, this._notes);
    node.append(
      this._spent,
      this._bar,
      this._projection,
      this._state,
      this._explorer,
      details
    );
  }

  render(): void {
    const { model, trans } = this;
    const budget = model.budget;
    if (!hasBudget(budget)) {
      this.node.hidden = true;
      setData(this.node, 'state', model.budget?.state ?? null);
      return;
    }
    this.node.hidden = false;
    setData(this.node, 'state', budget.state);
    setText(this._spent, describeBudgetSpend(budget, trans) ?? '');
    const share =
      typeof budget.share_spent === 'number' &&
      Number.isFinite(budget.share_spent)
        ? budget.share_spent
        : 0;
    const percent = Math.round(Math.min(1, Math.max(0, share)) * 100);
    this._fill.style.width = `${percent}%`;
    this._bar.setAttribute('aria-valuenow', String(percent));
    this._bar.setAttribute(
      'aria-valuetext',
      trans.__('%1% of the budget spent', Math.round(share * 100))
    );
    setText(this._projection, describeProjection(budget, trans));
    setText(this._state, describeBudgetState(budget, trans));
    const explorer = describeCostExplorer(budget, trans);
    this._explorer.hidden = explorer === null;
    setText(this._explorer, explorer ?? '');
    const lines = Object.entries(budget.spent_sources ?? {})
      .filter(([, usd]) => typeof usd === 'number' && Number.isFinite(usd))
      .map(
        ([source, usd]) => `${sourceLabel(source, trans)}: ${formatUsd(usd)}`
      );
    const key = lines.join('\n');
    if (this._sourcesKey !== key) {
      this._sourcesKey = key;
      this._sources.replaceChildren(
        ...lines.map(line => el('li', { text: line }))
      );
    }
    const notes = (budget.notes ?? []).join(' ');
    this._notes.hidden = notes === '';
    setText(this._notes, notes);
  }

  private _bar: HTMLDivElement;
  private _explorer: HTMLParagraphElement;
  private _fill: HTMLDivElement;
  private _notes: HTMLParagraphElement;
  private _projection: HTMLParagraphElement;
  private _sources: HTMLUListElement;
  private _sourcesKey = '';
  private _spent: HTMLParagraphElement;
  private _state: HTMLParagraphElement;
}

/**
 * The notification calls the budget makes; injectable for tests.
 */
export interface IBudgetNotifications {
  warning(message: string, options: Notification.IOptions<null>): string;
  error(message: string, options: Notification.IOptions<null>): string;
}

/**
 * Where the notices already shown are remembered; `localStorage` in a page.
 */
export interface IBudgetMemory {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/**
 * The storage key of a month's threshold shown.
 */
export function budgetNoticeKey(month: string, threshold: 80 | 100): string {
  return `jupyter-smcost:budget-notice:${month}:${threshold}`;
}

/**
 * Notify once per month at 80% and once at 100% of the budget: the
 * notices shown are remembered (per month, per threshold) across reloads.
 * `notify` is JupyterLab's `Notification` in the page.
 *
 * @returns The threshold notified now, or `null`.
 */
export function notifyBudget(
  budget: IBudget | null,
  memory: IBudgetMemory | null,
  notify: IBudgetNotifications,
  trans: TranslationBundle = en
): 80 | 100 | null {
  if (!hasBudget(budget) || typeof budget.month !== 'string') {
    return null;
  }
  const share =
    typeof budget.share_spent === 'number' &&
    Number.isFinite(budget.share_spent)
      ? budget.share_spent
      : budget.budget_usd! > 0
        ? budget.spent_usd / budget.budget_usd!
        : 0;
  const threshold: 80 | 100 | null =
    budget.state === 'over' || share >= 1 ? 100 : share >= 0.8 ? 80 : null;
  if (threshold === null) {
    return null;
  }
  const key = budgetNoticeKey(budget.month, threshold);
  const seen = (k: string): boolean => {
    try {
      return memory?.getItem(k) !== null && memory?.getItem(k) !== undefined;
    } catch {
      return false;
    }
  };
  if (seen(key)) {
    return null;
  }
  try {
    memory?.setItem(key, new Date().toISOString());
    // Past 100% the 80% notice has no news left.
    if (threshold === 100) {
      memory?.setItem(
        budgetNoticeKey(budget.month, 80),
        new Date().toISOString()
      );
    }
  } catch {
    // A full or forbidden storage: the notice may come again; no harm.
  }
  const spend = describeBudgetSpend(budget, trans) ?? '';
  if (threshold === 100) {
    notify.error(
      budget.timeout_tightened
        ? trans.__(
            'You have spent your monthly SageMaker budget (%1). The idle timeout is shorter until next month.',
            spend
          )
        : trans.__('You have spent your monthly SageMaker budget (%1).', spend),
      { autoClose: false }
    );
  } else {
    notify.warning(
      trans.__(
        'You have spent 80% of your monthly SageMaker budget (%1).',
        spend
      ),
      { autoClose: false }
    );
  }
  return threshold;
}
