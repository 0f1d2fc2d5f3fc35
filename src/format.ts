import { TranslationBundle } from '@jupyterlab/translation';

import { IAwsBusy, IIdleStatus } from './api';
import { IIdleView } from './countdown';
import { en, nameFor, Names } from './i18n';

/**
 * What the status bar item shows.
 */
export interface IStatusText {
  /** The short text in the status bar. */
  text: string;
  /** The tooltip: last activity, action, what to do. */
  title: string;
  /**
   * A stable state for styling and tests: an idle state, or `unreachable`
   * when the server cannot be asked.
   */
  state: string;
}

/**
 * The longest error text shown in the status bar; the tooltip has all of it.
 */
const MAX_ERROR_LENGTH = 48;

/**
 * Format a duration for people: `45 s`, `12 min`, `1 h 5 min`, `2 d 3 h`.
 *
 * @param seconds - The duration; negative counts as zero.
 * @param rounding - `floor` for time gone by (idle 59 s is not yet "1 min"),
 *   `ceil` for time left (a countdown says "1 min" until less than a minute
 *   is left, then counts seconds).
 */
export function formatDuration(
  seconds: number,
  rounding: 'floor' | 'ceil' = 'floor',
  trans: TranslationBundle = en
): string {
  const round = rounding === 'ceil' ? Math.ceil : Math.floor;
  const total = round(Math.max(0, Number.isFinite(seconds) ? seconds : 0));
  if (total < 60) {
    return trans.__('%1 s', total);
  }
  const minutes = round(total / 60);
  if (minutes < 60) {
    return trans.__('%1 min', minutes);
  }
  if (minutes < 24 * 60) {
    const h = Math.floor(minutes / 60);
    const m = minutes % 60;
    return m === 0 ? trans.__('%1 h', h) : trans.__('%1 h %2 min', h, m);
  }
  const d = Math.floor(minutes / (24 * 60));
  const h = Math.floor((minutes % (24 * 60)) / 60);
  return h === 0 ? trans.__('%1 d', d) : trans.__('%1 d %2 h', d, h);
}

/**
 * Whether the idle shutdown only logs what it would do: the server says so,
 * or its action is `dry-run`.
 *
 * @param idle - The server's idle status.
 */
export function isDryRun(idle: IIdleStatus): boolean {
  return idle.dry_run || idle.action === 'dry-run';
}

/**
 * Whether the idle shutdown really stopped this app (not a dry run): it no
 * longer exists, so nothing can keep it running and its cost stopped.
 *
 * @param idle - The server's idle status, if any.
 */
export function isStopped(idle: IIdleStatus | null | undefined): boolean {
  return idle?.state === 'shut-down' && !isDryRun(idle);
}

/**
 * A time of day on this browser's clock, `19:42`; `null` when the time is
 * missing or not a date.
 *
 * @param iso - An ISO 8601 time from the server.
 */
export function formatTimeOfDay(iso: string | null | undefined): string | null {
  const ms = iso ? Date.parse(iso) : NaN;
  if (Number.isNaN(ms)) {
    return null;
  }
  const date = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/**
 * A time of day as this browser's locale writes hours and minutes (`14:02`,
 * `2:02 PM`); `null` when the time is missing or not a date.
 *
 * @param iso - An ISO 8601 time from the server.
 */
export function formatLocalTime(iso: string | null | undefined): string | null {
  const ms = iso ? Date.parse(iso) : NaN;
  if (Number.isNaN(ms)) {
    return null;
  }
  return new Date(ms).toLocaleTimeString([], {
    hour: '2-digit',
    minute: '2-digit'
  });
}

/**
 * The note while AWS throttles the server (`aws_busy` of a document): "AWS
 * is busy; figures as of 14:02", the time the figures shown were read, and
 * until when the server waits (a tooltip); empty texts when AWS is not busy.
 *
 * @param busy - The document's `aws_busy`.
 * @param asOf - When the document's figures were read (`fetched_at` of the
 *   resources, `generated_at` of the suggestions).
 */
export function describeAwsBusy(
  busy: IAwsBusy | null | undefined,
  asOf: string | null | undefined,
  trans: TranslationBundle = en
): { text: string; title: string } {
  if (!busy) {
    return { text: '', title: '' };
  }
  const at = formatLocalTime(asOf);
  const until = formatLocalTime(busy.until);
  return {
    text:
      at === null
        ? trans.__('AWS is busy; no figures yet')
        : trans.__('AWS is busy; figures as of %1', at),
    title:
      until === null
        ? ''
        : trans.__(
            'AWS is throttling this server: its figures are read again after %1.',
            until
          )
  };
}

/**
 * Describe what happens at the timeout, for people: the server's own
 * description when it sends one, else one made from the action's name.
 *
 * @param idle - The server's idle status.
 */
export function describeIdleAction(
  idle: IIdleStatus,
  trans: TranslationBundle = en
): string {
  return (
    idle.action_description || describeAction(idle.action, idle.dry_run, trans)
  );
}

/**
 * Describe an action, for people.
 *
 * @param action - The server's `idle.action`.
 * @param dryRun - The server's `idle.dry_run`.
 */
export function describeAction(
  action: string,
  dryRun: boolean,
  trans: TranslationBundle = en
): string {
  const what = nameFor(Private.ACTIONS, action, trans) ?? action;
  if (action === 'dry-run') {
    return what;
  }
  return dryRun ? trans.__('%1 (dry run: only logged)', what) : what;
}

/**
 * The status bar text and tooltip for the current idle status.
 *
 * @param view - The extrapolated status, or `null` before the first answer.
 * @param error - Why the last request failed, or `null` if it succeeded.
 */
export function formatStatus(
  view: IIdleView | null,
  error: string | null,
  trans: TranslationBundle = en
): IStatusText {
  if (error !== null || view === null) {
    const reason = error ?? trans.__('no answer yet');
    return {
      text: trans.__('idle shutdown: server unreachable'),
      title: trans.__(
        'The idle-shutdown server extension cannot be reached: %1',
        reason
      ),
      state: 'unreachable'
    };
  }
  const { idle } = view;
  const dryRun = isDryRun(idle);
  const action = describeIdleAction(idle, trans);
  const lines = [describeLastActivity(view, trans)];
  let text: string;
  switch (view.state) {
    case 'disabled':
      text = trans.__('idle shutdown disabled');
      lines.push(
        trans.__(
          'The idle timeout is 0: this app is never stopped for idleness.'
        )
      );
      break;
    case 'active':
    case 'warning':
      if (idle.schedule_waiting_for_busy === true) {
        text = trans.__(
          'idle %1 · scheduled stop waiting',
          formatDuration(view.idleSeconds, 'floor', trans)
        );
        lines.push(
          trans.__(
            'The scheduled stop is due and waits for the running cells to finish.'
          ),
          trans.__(
            'Stop now (in the Cost panel) ends them; "Keep running" postpones the stop.'
          )
        );
        break;
      }
      text =
        trans.__(
          'idle %1 · stops in %2',
          formatDuration(view.idleSeconds, 'floor', trans),
          formatDuration(view.secondsLeft ?? 0, 'ceil', trans)
        ) +
        (Private.isBudget(idle)
          ? trans.__(' (idle budget %1)', formatUsd(idle.max_idle_usd!))
          : '') +
        (dryRun ? trans.__(' (dry run)') : '');
      lines.push(
        Private.isBudget(idle)
          ? trans.__('When the idle budget is reached: %1.', action)
          : trans.__('At the timeout: %1.', action)
      );
      if (view.state === 'warning') {
        lines.push(
          trans.__('Use JupyterLab or click "Keep running" to postpone it.')
        );
      }
      break;
    case 'shutting-down':
      text = trans.__('stopping…');
      lines.push(trans.__('Saving open documents, then: %1.', action));
      break;
    case 'shut-down': {
      const at = formatTimeOfDay(idle.stopped_at);
      if (dryRun) {
        text =
          at === null
            ? trans.__('would have stopped (dry run)')
            : trans.__('would have stopped at %1 (dry run)', at);
        lines.push(
          at === null
            ? trans.__(
                'Dry run: the shutdown was only logged. New activity re-arms the clock.'
              )
            : trans.__(
                'Dry run: the shutdown at %1 was only logged. New activity re-arms the clock.',
                at
              )
        );
      } else {
        text =
          at === null ? trans.__('stopped') : trans.__('stopped at %1', at);
        lines.push(
          at === null
            ? trans.__('The app was stopped; its cost stopped then.')
            : trans.__('The app was stopped at %1; its cost stopped then.', at)
        );
      }
      if (idle.result) {
        lines.push(idle.result);
      }
      break;
    }
    case 'error': {
      const reason = idle.error ?? trans.__('unknown error');
      text = trans.__(
        'cannot stop the app: %1',
        Private.truncate(reason, MAX_ERROR_LENGTH)
      );
      lines.push(
        trans.__('The shutdown failed and will be retried: %1', reason)
      );
      break;
    }
    default:
      // A state this version does not know: say it rather than guess.
      text = trans.__('idle shutdown: %1', String(view.state));
      break;
  }
  if (idle.error && view.state !== 'error') {
    // Not a failure of the action: a notice, e.g. a postponed shutdown.
    lines.push(trans.__('Note: %1', idle.error));
  }
  const limit = describeLimit(idle, trans);
  if (limit !== null && (view.state === 'active' || view.state === 'warning')) {
    lines.push(limit);
  }
  if (!idle.checker_running) {
    lines.push(
      trans.__('Warning: the idle checker is not running on the server.')
    );
  }
  lines.push(trans.__('Click for details.'));
  return { text, title: lines.join('\n'), state: view.state };
}

/**
 * Say which limit ends the idle time when an idle budget is set: the budget
 * (idle time that cost that much at this app's price) or the timeout,
 * whichever comes first. `null` without a budget (or from an older server).
 *
 * @param idle - The server's idle status.
 */
export function describeLimit(
  idle: IIdleStatus,
  trans: TranslationBundle = en
): string | null {
  const budget = idle.max_idle_usd;
  if (typeof budget !== 'number' || !(budget > 0)) {
    return null;
  }
  if (idle.limit === 'budget') {
    const seconds = idle.budget_seconds ?? idle.timeout_seconds;
    return trans.__(
      "The idle budget of %1 comes first: at this app's price it buys %2 of idle time.",
      formatUsd(budget),
      formatDuration(seconds, 'floor', trans)
    );
  }
  if (idle.limit === 'timeout') {
    return trans.__(
      'The idle timeout comes before the idle budget of %1.',
      formatUsd(budget)
    );
  }
  return null;
}

/**
 * Describe the last activity, e.g. `Last activity: typing in a.ipynb, 5 min ago.`
 *
 * "Ago" comes from the server's idle time, not from the browser's clock,
 * which may be off.
 *
 * @param view - The extrapolated status.
 */
export function describeLastActivity(
  view: IIdleView,
  trans: TranslationBundle = en
): string {
  const { idle } = view;
  if (idle.last_activity === null) {
    return trans.__('No activity recorded yet.');
  }
  return trans.__(
    'Last activity: %1, %2 ago.',
    idle.last_activity_source ?? trans.__('unknown'),
    formatDuration(view.idleSeconds, 'floor', trans)
  );
}

/**
 * Format US dollars for people: `$0.74`, `$12.34`, `$1,043`; amounts under
 * 10 cents keep two significant digits (`$0.046`, `$0.0008`) so that a small
 * price never reads as `$0.00`.
 *
 * @param value - The amount in USD; a non-finite value shows as `—`.
 */
export function formatUsd(value: number): string {
  if (!Number.isFinite(value)) {
    return '—';
  }
  const abs = Math.abs(value);
  let digits = 2;
  if (abs >= 99.995) {
    digits = 0;
  } else if (abs > 0 && abs < 0.1) {
    // Two significant digits, at most four decimals.
    digits = Math.min(4, Math.max(2, 1 - Math.floor(Math.log10(abs))));
    if (abs < 0.00005) {
      return value < 0 ? '-<$0.0001' : '<$0.0001';
    }
  }
  const key = `${digits}`;
  let format = Private.usdFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency: 'USD',
      // Trailing zeros only down to cents: $0.003, not $0.0030.
      minimumFractionDigits: Math.min(digits, 2),
      maximumFractionDigits: digits
    });
    Private.usdFormats.set(key, format);
  }
  return format.format(value);
}

/**
 * A monthly figure: `$167.90/month`.
 *
 * @param usd - USD per month.
 */
export function formatMonthly(
  usd: number,
  trans: TranslationBundle = en
): string {
  return trans.__('%1/month', formatUsd(usd));
}

/**
 * The accessible name of the status bar's savings badge: `3 savings
 * suggestions` (the meter shows it, the suggestions count it).
 *
 * @param count - How many suggestions there are.
 */
export function badgeLabel(
  count: number,
  trans: TranslationBundle = en
): string {
  return trans._n('%1 savings suggestion', '%1 savings suggestions', count);
}

/**
 * A resource kind for people: `Training job` (the resources table and the
 * suggestions' resources).
 *
 * @param kind - The server's kind.
 */
export function resourceKindLabel(
  kind: string,
  trans: TranslationBundle = en
): string {
  return nameFor(Private.KINDS, kind, trans) ?? kind;
}

namespace Private {
  /**
   * The resource kinds, for people.
   */
  export const KINDS: Names = {
    'training-job': t => t.__('Training job'),
    'tuning-job': t => t.__('Tuning job'),
    'processing-job': t => t.__('Processing job'),
    'transform-job': t => t.__('Transform job'),
    endpoint: t => t.__('Endpoint'),
    'studio-app': t => t.__('Studio app'),
    'notebook-instance': t => t.__('Notebook instance')
  };

  /**
   * Money formats by number of decimals.
   */
  export const usdFormats = new Map<string, Intl.NumberFormat>();

  /**
   * What each action does, for people.
   */
  export const ACTIONS: Names = {
    'delete-app': t => t.__('delete this Studio app'),
    'stop-notebook-instance': t => t.__('stop this notebook instance'),
    'stop-server': t => t.__('stop the Jupyter server'),
    'dry-run': t => t.__('only log it (dry run)')
  };

  /**
   * Whether the idle budget sets the shutdown.
   */
  export function isBudget(idle: IIdleStatus): boolean {
    return idle.limit === 'budget' && typeof idle.max_idle_usd === 'number';
  }

  /**
   * Shorten a text to `max` characters, marking the cut.
   */
  export function truncate(text: string, max: number): string {
    return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
  }
}

/**
 * Format a countdown as a clock: `1:45`, `12:00`, `1:02:03`.
 *
 * @param seconds - The time left; rounded up (the clock reads `0:01` until
 *   the last second is over), negative counts as zero.
 */
export function formatClock(seconds: number): string {
  const total = Math.ceil(Math.max(0, Number.isFinite(seconds) ? seconds : 0));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
