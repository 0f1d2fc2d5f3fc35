import { IIdleView } from '../countdown';
import { secondsBetween } from '../events';
import {
  formatDuration,
  formatTimeOfDay,
  formatUsd,
  isStopped
} from '../format';
import { ICost, IEnvironment, IPrice, IResource, IResources } from '../api';

/**
 * Format an hourly rate: `$0.74/h`.
 *
 * @param usdPerHour - USD per hour.
 */
export function formatRate(usdPerHour: number): string {
  return `${formatUsd(usdPerHour)}/h`;
}

/**
 * The hourly figure of a price, if it is really known: a price is never 0,
 * so a known price without a positive figure counts as unknown.
 *
 * @param price - The price object from the server.
 */
export function knownRate(price: IPrice | null | undefined): number | null {
  const rate = price?.usd_per_hour;
  return price?.known &&
    typeof rate === 'number' &&
    Number.isFinite(rate) &&
    rate > 0
    ? rate
    : null;
}

/**
 * A price's source for people, e.g. `AWS Price List API, 2026-11-26`.
 *
 * @param price - A known price.
 */
export function priceSourceLabel(price: IPrice): string {
  const label = Private.SOURCES[price.source] ?? price.source;
  return price.as_of ? `${label}, ${price.as_of}` : label;
}

/**
 * What is shown for a price's source: the line, and the tooltip with the
 * server's detail.
 */
export interface IPriceText {
  /** E.g. `Price: AWS Price List API, 2026-11-26`, or why it is unknown. */
  text: string;
  /** The server's detail, or the reason. */
  title: string;
  /** `known`, `pending` or `unknown`. */
  state: 'known' | 'pending' | 'unknown';
}

/**
 * Describe where a price came from, or why it is not known.
 *
 * @param price - The price object from the server.
 */
export function describePrice(price: IPrice | null | undefined): IPriceText {
  if (price && knownRate(price) !== null) {
    return {
      text: `Price: ${priceSourceLabel(price)}`,
      title: price.detail || priceSourceLabel(price),
      state: 'known'
    };
  }
  if (price?.source === 'pending') {
    const reason = price.reason || 'looking up the price';
    return {
      text: 'Looking up the price…',
      title: Private.sentence(reason),
      state: 'pending'
    };
  }
  const reason =
    price?.reason ||
    (price?.known ? 'the server sent no usable figure' : 'no source has it');
  return {
    text: `Price unknown: ${reason}`,
    title: Private.sentence(`Price unknown: ${reason}`),
    state: 'unknown'
  };
}

/**
 * The rate to show for a price: `$1.41/h`, else `price unknown` or
 * `looking up price…` (never `$0`).
 *
 * @param price - The price object from the server.
 * @param usdPerHour - The rate to show when known, if not the price's own
 *   (e.g. the price times the instance count).
 */
export function formatPriceRate(
  price: IPrice | null | undefined,
  usdPerHour?: number | null
): string {
  const rate = knownRate(price);
  if (rate !== null) {
    return formatRate(
      typeof usdPerHour === 'number' && usdPerHour > 0 ? usdPerHour : rate
    );
  }
  return price?.source === 'pending' ? 'looking up price…' : 'price unknown';
}

/**
 * What the environment is, for people: `this space`, `this notebook
 * instance`, `this app` (Studio Classic), `this server` (local mode).
 *
 * @param environment - The environment from the server.
 */
export function environmentNoun(environment: IEnvironment | null): string {
  switch (environment?.kind) {
    case 'studio-space':
      return 'this space';
    case 'notebook-instance':
      return 'this notebook instance';
    case 'studio-classic':
      return 'this app';
    default:
      return 'this server';
  }
}

/**
 * Whether the cost of this environment is worth showing: not in local mode
 * without a configured instance type (nothing to price there).
 *
 * @param cost - `GET cost`, or `null` before the first answer.
 */
export function hasEnvironmentCost(cost: ICost | null): boolean {
  return (
    cost !== null &&
    !(cost.environment?.kind === 'local' && !cost.instance?.instance_type)
  );
}

/**
 * Whether this environment is free (Studio Classic's JupyterServer app): its
 * unknown price is then not a gap in the total.
 *
 * @param cost - `GET cost`.
 */
export function isFree(cost: ICost): boolean {
  return cost.problems?.some(p => p.code === 'no-charge') ?? false;
}

/**
 * The session cost as the meter and the panel both show it: `$3.12`. One
 * function for both, so that they never round the same figure differently.
 *
 * @param sessionUsd - The session cost (`CostModel.sessionUsd`).
 */
export function formatSessionUsd(sessionUsd: number): string {
  return formatUsd(sessionUsd);
}

/**
 * When the idle shutdown stopped this environment, `19:42`, if it did (not a
 * dry run) and the server says so; `null` otherwise.
 *
 * @param cost - `GET cost`.
 */
export function stoppedAt(cost: ICost | null): string | null {
  return cost?.frozen ? (formatTimeOfDay(cost.stopped_at) ?? '?') : null;
}

/**
 * What the status bar meter shows.
 */
export interface IMeterText {
  /** E.g. `$0.74/h · $3.12 this session`; empty when hidden. */
  text: string;
  /** The tooltip: what is counted and where the price came from. */
  title: string;
  /**
   * `known`, `pending`, `unknown`, `stopped` (the idle shutdown stopped the
   * app: the figures no longer move), or `hidden` (nothing to show).
   */
  state: 'known' | 'pending' | 'unknown' | 'stopped' | 'hidden';
}

/**
 * The status bar meter: this environment's rate and its session cost so far.
 *
 * @param cost - `GET cost`, or `null` before the first answer.
 * @param sessionUsd - The session cost now (ticking between polls), or
 *   `null` when unknown.
 * @param error - Why the last request failed, if it did.
 */
export function formatMeter(
  cost: ICost | null,
  sessionUsd: number | null,
  error: string | null = null
): IMeterText {
  if (cost === null || !hasEnvironmentCost(cost)) {
    return { text: '', title: '', state: 'hidden' };
  }
  const noun = environmentNoun(cost.environment);
  const price = describePrice(cost.instance?.price);
  const lines: string[] = [];
  let text: string;
  let state: IMeterText['state'];
  const rate = cost.usd_per_hour;
  const stopped = stoppedAt(cost);
  if (typeof rate === 'number' && rate > 0 && price.state === 'known') {
    state = stopped === null ? 'known' : 'stopped';
    const session =
      sessionUsd === null
        ? null
        : `${formatSessionUsd(sessionUsd)} this session`;
    // Once stopped, the rate is no longer being paid: the meter says so.
    text =
      stopped === null
        ? formatRate(rate) + (session === null ? '' : ` · ${session}`)
        : 'stopped' + (session === null ? '' : ` · ${session}`);
    const type = cost.instance.instance_type ?? 'instance';
    if (stopped === null) {
      lines.push(
        `${Private.capitalize(noun)} (${type}) costs ${formatRate(rate)}` +
          (Private.storageIncluded(cost) ? ', storage included.' : '.')
      );
    } else {
      lines.push(
        `${Private.capitalize(noun)} (${type}) was stopped at ${stopped} by ` +
          `the idle shutdown; it cost ${formatRate(rate)}` +
          (Private.storageIncluded(cost) ? ', storage included,' : '') +
          ' while it ran.'
      );
    }
    if (sessionUsd !== null) {
      lines.push(
        stopped === null
          ? `This session so far: ${formatSessionUsd(sessionUsd)}.`
          : `This session: ${formatSessionUsd(sessionUsd)}, up to ${stopped}.`
      );
    }
    lines.push(`${price.text} (${price.title}).`);
  } else {
    state = price.state === 'pending' ? 'pending' : 'unknown';
    text = state === 'pending' ? 'looking up price…' : 'price unknown';
    lines.push(price.title);
  }
  if (error !== null) {
    lines.push(`Could not refresh the cost: ${error}`);
  }
  lines.push('Click for the Cost panel.');
  return { text, title: lines.join('\n'), state };
}

/**
 * The storage line: `Storage: 5 GB, $0.56/month`.
 *
 * @param cost - `GET cost`.
 */
export function describeStorage(cost: ICost): IPriceText {
  const storage = cost.storage;
  const size =
    typeof storage?.size_gb === 'number' ? `${storage.size_gb} GB` : null;
  const price = describePrice(storage?.price);
  const perGbMonth = storage?.usd_per_gb_month;
  if (
    price.state === 'known' &&
    typeof perGbMonth === 'number' &&
    perGbMonth > 0
  ) {
    const monthly =
      size === null
        ? `${formatUsd(perGbMonth)}/GB-month`
        : `${formatUsd(perGbMonth * storage.size_gb!)}/month`;
    return {
      text:
        `Storage: ${size ?? 'size unknown'}, ${monthly}` +
        (Private.storageIncluded(cost) ? ' (in the rate)' : ''),
      title: `${formatUsd(perGbMonth)} per GB-month. ${price.text} (${price.title}).`,
      state: 'known'
    };
  }
  return {
    text:
      `Storage: ${size ?? 'size unknown'}, ` +
      (price.state === 'pending' ? 'looking up price…' : 'price unknown'),
    title: price.title,
    state: price.state
  };
}

/**
 * The idle countdown with the limit that applies:
 * `Idle 5 min · stops in 12 min (idle budget $0.50 reached)`.
 *
 * @param view - The extrapolated idle status, `null` before the first one.
 * @param error - Why the idle status cannot be read, if so.
 */
export function describeCountdown(
  view: IIdleView | null,
  error: string | null
): { text: string; state: string } {
  if (error !== null || view === null) {
    return {
      text: `The idle status is unknown: ${error ?? 'no answer yet'}.`,
      state: 'unreachable'
    };
  }
  const { idle } = view;
  const dryRun = idle.dry_run || idle.action === 'dry-run';
  let text: string;
  switch (view.state) {
    case 'disabled':
      text = 'Idle shutdown is off: this app is never stopped for idleness.';
      break;
    case 'active':
    case 'warning':
      text =
        `Idle ${formatDuration(view.idleSeconds)} · stops in ` +
        `${formatDuration(view.secondsLeft ?? 0, 'ceil')} ` +
        `(${limitPhrase(view)})` +
        (dryRun ? ', dry run' : '');
      break;
    case 'shutting-down':
      text = 'Stopping now: saving open documents first.';
      break;
    case 'shut-down': {
      const at = formatTimeOfDay(idle.stopped_at);
      if (dryRun) {
        text =
          at === null
            ? 'The limit passed; dry run, so it was only logged.'
            : `Dry run: would have stopped at ${at}; it was only logged.`;
      } else {
        text =
          at === null
            ? 'The app was stopped.'
            : `The app was stopped at ${at}.`;
      }
      break;
    }
    case 'error':
      text = `The shutdown failed and will be retried: ${idle.error ?? 'unknown error'}`;
      break;
    default:
      text = `Idle shutdown: ${String(view.state)}`;
  }
  return { text, state: view.state };
}

/**
 * Which limit ends the idle time: `idle budget $0.50 reached` or
 * `idle timeout 1 h`.
 *
 * @param view - The extrapolated idle status.
 */
export function limitPhrase(view: IIdleView): string {
  const { idle } = view;
  if (idle.limit === 'budget' && typeof idle.max_idle_usd === 'number') {
    return `idle budget ${formatUsd(idle.max_idle_usd)} reached`;
  }
  return `idle timeout ${formatDuration(idle.timeout_seconds)}`;
}

/**
 * What the idle time so far cost, with the budget if any:
 * `Idle time so far: $0.12 of the $0.50 idle budget`.
 *
 * @param view - The extrapolated idle status.
 * @param usdPerHour - This environment's rate, `null` when unknown.
 * @returns The text, or `null` when the rate is unknown.
 */
export function describeIdleCost(
  view: IIdleView | null,
  usdPerHour: number | null
): string | null {
  if (view === null || usdPerHour === null || !(usdPerHour > 0)) {
    return null;
  }
  // Once the app was stopped, its idle time ended there.
  const untilStop = isStopped(view.idle)
    ? secondsBetween(view.idle.last_activity, view.idle.stopped_at)
    : null;
  const seconds =
    untilStop === null ? view.idleSeconds : Math.max(0, untilStop);
  const spent = (seconds * usdPerHour) / 3600;
  const budget = view.idle.max_idle_usd;
  return (
    (untilStop === null
      ? 'Idle time so far: '
      : 'Idle time before the stop: ') +
    formatUsd(spent) +
    (typeof budget === 'number' && budget > 0
      ? ` of the ${formatUsd(budget)} idle budget`
      : '')
  );
}

/**
 * The total burn rate: `Total: $12.34/h including this space`, and the
 * resources left out of it.
 *
 * @param cost - `GET cost`, or `null` when unknown.
 * @param resources - `GET resources`.
 */
export function describeTotal(
  cost: ICost | null,
  resources: IResources
): string {
  let total = resources.total_usd_per_hour ?? 0;
  const unpriced = resources.unpriced ?? 0;
  const gaps: string[] = [];
  let including = '';
  if (cost !== null && hasEnvironmentCost(cost) && !isFree(cost)) {
    const noun = environmentNoun(cost.environment);
    if (typeof cost.usd_per_hour === 'number' && cost.usd_per_hour > 0) {
      total += cost.usd_per_hour;
      including = ` including ${noun}`;
    } else {
      gaps.push(`${noun} has no known price`);
    }
  }
  if (unpriced > 0) {
    gaps.push(
      unpriced === 1
        ? '1 resource has no price'
        : `${unpriced} resources have no price`
    );
  }
  if (gaps.length === 0) {
    return `Total: ${formatRate(total)}${including}`;
  }
  // Nothing known to add up (a known price is never 0): not "$0.00/h",
  // which would read as free.
  const figure = total > 0 ? formatRate(total) : 'unknown';
  return `Total: ${figure}${including} · ${gaps.join('; ')} (not counted)`;
}

/**
 * The cells of a resource row, as text.
 */
export interface IResourceText {
  /** `ml.p3.2xlarge × 2 · spot`. */
  instances: string;
  /** `$3.83/h`, or `price unknown`. */
  rate: string;
  /** `25 min`, or `—`. */
  running: string;
  /** `$1.59`, or `—` when unknown. */
  cost: string;
  /** The secondary line: detail, status and where the price came from. */
  secondary: string;
  /** The price's tooltip. */
  priceTitle: string;
}

/**
 * The resources a `GET resources` document counted but did not list (it
 * lists the most expensive ones): `805 more resources, $12.34/h`, or `''`.
 *
 * @param resources - `GET resources`.
 */
export function describeOmitted(resources: IResources): string {
  const omitted = (
    resources as IResources & {
      omitted?: { count?: number; usd_per_hour?: number };
    }
  ).omitted;
  const count = omitted?.count ?? 0;
  if (!(count > 0)) {
    return '';
  }
  const rate = omitted?.usd_per_hour;
  return (
    `${count} more ${count === 1 ? 'resource' : 'resources'} not listed` +
    (typeof rate === 'number' && rate > 0 ? `, ${formatRate(rate)}` : '')
  );
}

/**
 * Describe a running resource for the table.
 *
 * The server sends running times and costs as of the document's
 * `generated_at`; given `now`, they are brought up to it: the running time
 * from `started_at`, the cost so far by the row's rate since `generatedAt`.
 *
 * @param resource - One resource of `GET resources`.
 * @param now - The time in ms; leave out for the figures as sent.
 * @param generatedAt - The document's `generated_at`.
 */
export function describeResource(
  resource: IResource,
  now?: number,
  generatedAt?: string | null
): IResourceText {
  const price = describePrice(resource.price);
  const count = resource.instance_count ?? 1;
  const instances =
    `${resource.instance_type ?? 'instance type unknown'} × ${count}` +
    (resource.spot ? ' · spot' : '');
  const secondary = [resource.detail, resource.status, price.text]
    .filter(part => typeof part === 'string' && part.length > 0)
    .join(' · ');
  let running = resource.running_seconds;
  let cost = resource.cost_so_far_usd;
  if (typeof now === 'number') {
    const started = Date.parse(resource.started_at ?? '');
    if (Number.isFinite(started)) {
      running = Math.max(0, (now - started) / 1000);
    }
    const sent = Date.parse(generatedAt ?? '');
    if (
      Number.isFinite(sent) &&
      typeof cost === 'number' &&
      typeof resource.usd_per_hour === 'number'
    ) {
      cost += (resource.usd_per_hour * Math.max(0, now - sent)) / 3_600_000;
    }
  }
  return {
    instances,
    rate: formatPriceRate(resource.price, resource.usd_per_hour),
    running: typeof running === 'number' ? formatDuration(running) : '—',
    cost:
      typeof cost === 'number' && price.state === 'known'
        ? formatUsd(cost)
        : '—',
    secondary,
    priceTitle: price.title
  };
}

namespace Private {
  /**
   * The price sources, for people.
   */
  export const SOURCES: { [source: string]: string } = {
    override: 'set by your administrator',
    cache: 'AWS Price List API (cached)',
    'price-list-api': 'AWS Price List API',
    snapshot: 'bundled AWS price list'
  };

  /**
   * Whether the rate includes the storage (only when its price is known).
   */
  export function storageIncluded(cost: ICost): boolean {
    return (
      knownRate(cost.storage?.price) !== null &&
      typeof cost.storage?.size_gb === 'number' &&
      cost.storage.size_gb > 0
    );
  }

  export function capitalize(text: string): string {
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  /**
   * A message as a sentence, with its first letter up and a final stop.
   */
  export function sentence(text: string): string {
    const trimmed = capitalize(text.trim());
    return /[.!?…]$/.test(trimmed) ? trimmed : `${trimmed}.`;
  }
}
