import { TranslationBundle } from '@jupyterlab/translation';

import { formatMonthly, formatUsd, resourceKindLabel } from '../format';
import { en } from '../i18n';
import { ISuggestion, ISuggestionAction, ISuggestions } from '../api';

/**
 * What a suggestion's saving shows as.
 */
export interface ISavingText {
  /** `$167.90/month`, `$12–$108/month`, `up to $108/month` or `not priced`. */
  text: string;
  /** The tooltip: the arithmetic, or why there is no figure. */
  title: string;
  /** `priced`, `range` or `unpriced`. */
  state: 'priced' | 'range' | 'unpriced';
}

/**
 * Describe the saving of a suggestion: its figure, the range when only a
 * range is known, or "not priced" with the server's reason.
 *
 * @param suggestion - One suggestion of `GET suggestions`.
 */
export function describeSaving(
  suggestion: ISuggestion,
  trans: TranslationBundle = en
): ISavingText {
  const saving = suggestion.saving_usd_per_month;
  if (typeof saving === 'number' && Number.isFinite(saving)) {
    return {
      text: formatMonthly(saving, trans),
      title: suggestion.arithmetic || '',
      state: 'priced'
    };
  }
  const range = suggestion.saving_range_usd_per_month;
  if (
    Array.isArray(range) &&
    range.length === 2 &&
    range.every(value => typeof value === 'number' && Number.isFinite(value))
  ) {
    const [low, high] = range;
    return {
      // "up to" when the low end is nothing (e.g. spot: "up to 90%").
      text:
        low > 0
          ? `${formatUsd(low)}–${formatMonthly(high, trans)}`
          : trans.__('up to %1', formatMonthly(high, trans)),
      title: suggestion.saving_note || suggestion.arithmetic || '',
      state: 'range'
    };
  }
  return {
    text: trans.__('not priced'),
    title:
      suggestion.saving_note || trans.__('No price is known for this saving.'),
    state: 'unpriced'
  };
}

/**
 * The headline over the suggestions: `You could save $1,234/month`; when no
 * suggestion has a figure, how many there are.
 *
 * @param count - How many suggestions are shown.
 * @param total - Their monthly saving.
 */
export function describeSavingsTotal(
  count: number,
  total: number,
  trans: TranslationBundle = en
): string {
  if (count === 0) {
    return trans.__('No savings found');
  }
  if (total > 0) {
    return trans.__('You could save %1', formatMonthly(total, trans));
  }
  return trans._n('%1 way to spend less', '%1 ways to spend less', count);
}

/**
 * The resource of a suggestion for people: `Endpoint demo-idle`, or `''`.
 *
 * @param suggestion - One suggestion.
 */
export function resourceLabel(
  suggestion: ISuggestion,
  trans: TranslationBundle = en
): string {
  const resource = suggestion.resource;
  if (!resource) {
    return '';
  }
  const kind = resourceKindLabel(resource.kind, trans);
  // Kinds this page has no label for (e.g. `account`) start with a capital.
  return `${kind.charAt(0).toUpperCase()}${kind.slice(1)} ${resource.name}`;
}

/**
 * What the confirmation of an action says.
 */
export interface IConfirmText {
  /** The dialog's title: the action's label. */
  title: string;
  /** The lines of its body: the resource, what will happen, the figure. */
  lines: string[];
  /** Whether the action deletes or stops something (a warning button). */
  destructive: boolean;
}

/**
 * Describe an action before the user confirms it: which resource, what will
 * happen, and the dollar figure.
 *
 * @param suggestion - The suggestion.
 * @param action - One of its actions.
 */
export function describeConfirmation(
  suggestion: ISuggestion,
  action: ISuggestionAction,
  trans: TranslationBundle = en
): IConfirmText {
  const lines: string[] = [];
  const resource = resourceLabel(suggestion, trans);
  if (resource) {
    lines.push(trans.__('Resource: %1', resource));
  }
  lines.push(action.description || suggestion.title);
  const saving = describeSaving(suggestion, trans);
  lines.push(
    saving.state === 'unpriced'
      ? trans.__('Saving: not priced (%1)', saving.title)
      : trans.__('Saving: %1', saving.text)
  );
  return {
    title: action.label || suggestion.title,
    lines,
    destructive: /^(delete|stop)-/.test(action.id)
  };
}

/**
 * Only https links: the URLs come from the server.
 *
 * @param url - A URL from the server.
 */
export function safeUrl(url: string | null | undefined): string | null {
  return typeof url === 'string' && url.startsWith('https://') ? url : null;
}

/**
 * A card's saving by the month's end, while the monthly budget is near or
 * over; `''` when the server sends none.
 */
export function describeBudgetSaving(
  suggestion: ISuggestion,
  trans: TranslationBundle = en
): string {
  const usd = suggestion.saving_to_month_end_usd;
  if (typeof usd !== 'number' || !Number.isFinite(usd)) {
    return '';
  }
  return suggestion.brings_under_budget
    ? trans.__(
        "Saves %1 by the month's end; alone, it brings this month under your budget.",
        formatUsd(usd)
      )
    : trans.__("Saves %1 by the month's end.", formatUsd(usd));
}

/**
 * The month against its budget with these suggestions taken; `''` when the
 * server sends no outlook (no budget, or far under it).
 */
export function describeBudgetOutlook(
  budget: ISuggestions['budget'],
  trans: TranslationBundle = en
): string {
  if (
    !budget ||
    ![budget.projected_usd, budget.budget_usd, budget.over_by_usd].every(
      value => typeof value === 'number' && Number.isFinite(value)
    )
  ) {
    return '';
  }
  const projected = formatUsd(budget.projected_usd);
  const limit = formatUsd(budget.budget_usd);
  if (budget.over_by_usd <= 0) {
    return trans.__(
      'This month is projected at %1 of your %2 budget; these suggestions save %3 by its end.',
      projected,
      limit,
      formatUsd(budget.saving_to_month_end_usd)
    );
  }
  const needed = budget.suggestions_needed;
  if (typeof needed !== 'number') {
    return trans.__(
      'This month is projected at %1, over your %2 budget; with every suggestion here, %3: still over.',
      projected,
      limit,
      formatUsd(budget.projected_with_all_usd)
    );
  }
  return trans._n(
    'This month is projected at %2, over your %3 budget; the first suggestion brings it under.',
    'This month is projected at %2, over your %3 budget; the first %1 suggestions bring it under.',
    needed,
    projected,
    limit
  );
}
