import { IIdleView } from './countdown';
import { IIdleStatus } from './api';

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
  rounding: 'floor' | 'ceil' = 'floor'
): string {
  const round = rounding === 'ceil' ? Math.ceil : Math.floor;
  const total = round(Math.max(0, Number.isFinite(seconds) ? seconds : 0));
  if (total < 60) {
    return `${total} s`;
  }
  const minutes = round(total / 60);
  if (minutes < 60) {
    return `${minutes} min`;
  }
  if (minutes < 24 * 60) {
    const h = Math.floor(minutes / 60);
    const m = minutes % 60;
    return m === 0 ? `${h} h` : `${h} h ${m} min`;
  }
  const d = Math.floor(minutes / (24 * 60));
  const h = Math.floor((minutes % (24 * 60)) / 60);
  return h === 0 ? `${d} d` : `${d} d ${h} h`;
}

/**
 * Whether the idle shutdown really stopped this app (not a dry run): it no
 * longer exists, so nothing can keep it running and its cost stopped.
 *
 * @param idle - The server's idle status, if any.
 */
export function isStopped(idle: IIdleStatus | null | undefined): boolean {
  return (
    idle?.state === 'shut-down' && !(idle.dry_run || idle.action === 'dry-run')
  );
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
 * Describe what happens at the timeout, for people: the server's own
 * description when it sends one, else one made from the action's name.
 *
 * @param idle - The server's idle status.
 */
export function describeIdleAction(idle: IIdleStatus): string {
  return idle.action_description || describeAction(idle.action, idle.dry_run);
}

/**
 * Describe an action, for people.
 *
 * @param action - The server's `idle.action`.
 * @param dryRun - The server's `idle.dry_run`.
 */
export function describeAction(action: string, dryRun: boolean): string {
  const what = Private.ACTIONS[action] ?? action;
  if (action === 'dry-run') {
    return what;
  }
  return dryRun ? `${what} (dry run: only logged)` : what;
}

/**
 * The status bar text and tooltip for the current idle status.
 *
 * @param view - The extrapolated status, or `null` before the first answer.
 * @param error - Why the last request failed, or `null` if it succeeded.
 */
export function formatStatus(
  view: IIdleView | null,
  error: string | null
): IStatusText {
  if (error !== null || view === null) {
    const reason = error ?? 'no answer yet';
    return {
      text: 'idle shutdown: server unreachable',
      title: `The idle-shutdown server extension cannot be reached: ${reason}`,
      state: 'unreachable'
    };
  }
  const { idle } = view;
  const dryRun = idle.dry_run || idle.action === 'dry-run';
  const lines = [describeLastActivity(view)];
  let text: string;
  switch (view.state) {
    case 'disabled':
      text = 'idle shutdown disabled';
      lines.push(
        'The idle timeout is 0: this app is never stopped for idleness.'
      );
      break;
    case 'active':
    case 'warning':
      text =
        `idle ${formatDuration(view.idleSeconds)} · ` +
        `stops in ${formatDuration(view.secondsLeft ?? 0, 'ceil')}` +
        (Private.isBudget(idle)
          ? ` (idle budget ${formatUsd(idle.max_idle_usd!)})`
          : '') +
        (dryRun ? ' (dry run)' : '');
      lines.push(
        Private.isBudget(idle)
          ? `When the idle budget is reached: ${describeIdleAction(idle)}.`
          : `At the timeout: ${describeIdleAction(idle)}.`
      );
      if (view.state === 'warning') {
        lines.push('Use JupyterLab or click "Keep running" to postpone it.');
      }
      break;
    case 'shutting-down':
      text = 'stopping…';
      lines.push(`Saving open documents, then: ${describeIdleAction(idle)}.`);
      break;
    case 'shut-down': {
      const at = formatTimeOfDay(idle.stopped_at);
      const when = at === null ? '' : ` at ${at}`;
      text = dryRun ? `would have stopped${when} (dry run)` : `stopped${when}`;
      lines.push(
        dryRun
          ? `Dry run: the shutdown${when} was only logged. New activity re-arms the clock.`
          : `The app was stopped${when}; its cost stopped then.`
      );
      if (idle.result) {
        lines.push(idle.result);
      }
      break;
    }
    case 'error':
      text = `cannot stop the app: ${Private.truncate(
        idle.error ?? 'unknown error',
        MAX_ERROR_LENGTH
      )}`;
      lines.push(
        `The shutdown failed and will be retried: ${idle.error ?? 'unknown error'}`
      );
      break;
    default:
      // A state this version does not know: say it rather than guess.
      text = `idle shutdown: ${String(view.state)}`;
      break;
  }
  if (idle.error && view.state !== 'error') {
    // Not a failure of the action: a notice, e.g. a postponed shutdown.
    lines.push(`Note: ${idle.error}`);
  }
  const limit = describeLimit(idle);
  if (limit !== null && (view.state === 'active' || view.state === 'warning')) {
    lines.push(limit);
  }
  if (!idle.checker_running) {
    lines.push('Warning: the idle checker is not running on the server.');
  }
  lines.push('Click for details.');
  return { text, title: lines.join('\n'), state: view.state };
}

/**
 * Say which limit ends the idle time when an idle budget is set: the budget
 * (idle time that cost that much at this app's price) or the timeout,
 * whichever comes first. `null` without a budget (or from an older server).
 *
 * @param idle - The server's idle status.
 */
export function describeLimit(idle: IIdleStatus): string | null {
  const budget = idle.max_idle_usd;
  if (typeof budget !== 'number' || !(budget > 0)) {
    return null;
  }
  if (idle.limit === 'budget') {
    const seconds = idle.budget_seconds ?? idle.timeout_seconds;
    return (
      `The idle budget of ${formatUsd(budget)} comes first: at this app's ` +
      `price it buys ${formatDuration(seconds)} of idle time.`
    );
  }
  if (idle.limit === 'timeout') {
    return `The idle timeout comes before the idle budget of ${formatUsd(budget)}.`;
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
export function describeLastActivity(view: IIdleView): string {
  const { idle } = view;
  if (idle.last_activity === null) {
    return 'No activity recorded yet.';
  }
  return (
    `Last activity: ${idle.last_activity_source ?? 'unknown'}, ` +
    `${formatDuration(view.idleSeconds)} ago.`
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
export function formatMonthly(usd: number): string {
  return `${formatUsd(usd)}/month`;
}

/**
 * The accessible name of the status bar's savings badge: `3 savings
 * suggestions` (the meter shows it, the suggestions count it).
 *
 * @param count - How many suggestions there are.
 */
export function badgeLabel(count: number): string {
  return count === 1 ? '1 savings suggestion' : `${count} savings suggestions`;
}

/**
 * A resource kind for people: `Training job` (the resources table and the
 * suggestions' resources).
 *
 * @param kind - The server's kind.
 */
export function resourceKindLabel(kind: string): string {
  return Private.KINDS[kind] ?? kind;
}

namespace Private {
  /**
   * The resource kinds, for people.
   */
  export const KINDS: { [kind: string]: string } = {
    'training-job': 'Training job',
    'tuning-job': 'Tuning job',
    'processing-job': 'Processing job',
    'transform-job': 'Transform job',
    endpoint: 'Endpoint',
    'studio-app': 'Studio app',
    'notebook-instance': 'Notebook instance'
  };

  /**
   * Money formats by number of decimals.
   */
  export const usdFormats = new Map<string, Intl.NumberFormat>();

  /**
   * What each action does, for people.
   */
  export const ACTIONS: { [action: string]: string } = {
    'delete-app': 'delete this Studio app',
    'stop-notebook-instance': 'stop this notebook instance',
    'stop-server': 'stop the Jupyter server',
    'dry-run': 'only log it (dry run)'
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
