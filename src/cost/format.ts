import { TranslationBundle } from '@jupyterlab/translation';

import { IIdleView } from '../countdown';
import { secondsBetween } from '../events';
import {
  formatDuration,
  formatTimeOfDay,
  formatUsd,
  isDryRun,
  isStopped
} from '../format';
import { ICost, IEnvironment, IPrice, IResource, IResources } from '../api';
import { en, nameFor, Names } from '../i18n';

/**
 * Format an hourly rate: `$0.74/h`.
 *
 * @param usdPerHour - USD per hour.
 */
export function formatRate(
  usdPerHour: number,
  trans: TranslationBundle = en
): string {
  return trans.__('%1/h', formatUsd(usdPerHour));
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
export function priceSourceLabel(
  price: IPrice,
  trans: TranslationBundle = en
): string {
  const label = nameFor(Private.SOURCES, price.source, trans) ?? price.source;
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
export function describePrice(
  price: IPrice | null | undefined,
  trans: TranslationBundle = en
): IPriceText {
  if (price && knownRate(price) !== null) {
    const label = priceSourceLabel(price, trans);
    return {
      text: trans.__('Price: %1', label),
      title: price.detail || label,
      state: 'known'
    };
  }
  if (price?.source === 'pending') {
    const reason = price.reason || trans.__('looking up the price');
    return {
      text: trans.__('Looking up the price…'),
      title: Private.sentence(reason),
      state: 'pending'
    };
  }
  const reason =
    price?.reason ||
    (price?.known
      ? trans.__('the server sent no usable figure')
      : trans.__('no source has it'));
  const text = trans.__('Price unknown: %1', reason);
  return { text, title: Private.sentence(text), state: 'unknown' };
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
  usdPerHour?: number | null,
  trans: TranslationBundle = en
): string {
  const rate = knownRate(price);
  if (rate !== null) {
    return formatRate(
      typeof usdPerHour === 'number' && usdPerHour > 0 ? usdPerHour : rate,
      trans
    );
  }
  return Private.noRate(price, trans);
}

/**
 * What the environment is, for people: `this space`, `this notebook
 * instance`, `this app` (Studio Classic), `this server` (local mode).
 *
 * @param environment - The environment from the server.
 */
export function environmentNoun(
  environment: IEnvironment | null,
  trans: TranslationBundle = en
): string {
  return (
    nameFor(Private.NOUNS, environment?.kind ?? '', trans) ??
    trans.__('this server')
  );
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
  error: string | null = null,
  trans: TranslationBundle = en
): IMeterText {
  if (cost === null || !hasEnvironmentCost(cost)) {
    return { text: '', title: '', state: 'hidden' };
  }
  const noun = Private.capitalize(environmentNoun(cost.environment, trans));
  const price = describePrice(cost.instance?.price, trans);
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
        : trans.__('%1 this session', formatSessionUsd(sessionUsd));
    // Once stopped, the rate is no longer being paid: the meter says so.
    text =
      (stopped === null ? formatRate(rate, trans) : trans.__('stopped')) +
      (session === null ? '' : ` · ${session}`);
    const type = cost.instance.instance_type ?? trans.__('instance');
    const included = Private.storageIncluded(cost);
    if (stopped === null) {
      lines.push(
        included
          ? trans.__(
              '%1 (%2) costs %3, storage included.',
              noun,
              type,
              formatRate(rate, trans)
            )
          : trans.__('%1 (%2) costs %3.', noun, type, formatRate(rate, trans))
      );
    } else {
      lines.push(
        included
          ? trans.__(
              '%1 (%2) was stopped at %3 by the idle shutdown; it cost %4, storage included, while it ran.',
              noun,
              type,
              stopped,
              formatRate(rate, trans)
            )
          : trans.__(
              '%1 (%2) was stopped at %3 by the idle shutdown; it cost %4 while it ran.',
              noun,
              type,
              stopped,
              formatRate(rate, trans)
            )
      );
    }
    if (sessionUsd !== null) {
      lines.push(
        stopped === null
          ? trans.__('This session so far: %1.', formatSessionUsd(sessionUsd))
          : trans.__(
              'This session: %1, up to %2.',
              formatSessionUsd(sessionUsd),
              stopped
            )
      );
    }
    lines.push(`${price.text} (${price.title}).`);
  } else {
    state = price.state === 'pending' ? 'pending' : 'unknown';
    text =
      state === 'pending'
        ? trans.__('looking up price…')
        : trans.__('price unknown');
    lines.push(price.title);
  }
  if (error !== null) {
    lines.push(trans.__('Could not refresh the cost: %1', error));
  }
  lines.push(trans.__('Click for the Cost panel.'));
  return { text, title: lines.join('\n'), state };
}

/**
 * The storage line: `Storage: 5 GB, $0.56/month`.
 *
 * @param cost - `GET cost`.
 */
export function describeStorage(
  cost: ICost,
  trans: TranslationBundle = en
): IPriceText {
  const storage = cost.storage;
  const size =
    typeof storage?.size_gb === 'number'
      ? trans.__('%1 GB', storage.size_gb)
      : trans.__('size unknown');
  const price = describePrice(storage?.price, trans);
  const perGbMonth = storage?.usd_per_gb_month;
  if (
    price.state === 'known' &&
    typeof perGbMonth === 'number' &&
    perGbMonth > 0
  ) {
    const monthly =
      typeof storage.size_gb !== 'number'
        ? trans.__('%1/GB-month', formatUsd(perGbMonth))
        : trans.__('%1/month', formatUsd(perGbMonth * storage.size_gb));
    return {
      text: Private.storageIncluded(cost)
        ? trans.__('Storage: %1, %2 (in the rate)', size, monthly)
        : trans.__('Storage: %1, %2', size, monthly),
      title: trans.__(
        '%1 per GB-month. %2 (%3).',
        formatUsd(perGbMonth),
        price.text,
        price.title
      ),
      state: 'known'
    };
  }
  return {
    text: trans.__(
      'Storage: %1, %2',
      size,
      Private.noRate(storage?.price, trans)
    ),
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
  error: string | null,
  trans: TranslationBundle = en
): { text: string; state: string } {
  if (error !== null || view === null) {
    return {
      text: trans.__(
        'The idle status is unknown: %1.',
        error ?? trans.__('no answer yet')
      ),
      state: 'unreachable'
    };
  }
  const { idle } = view;
  const dryRun = isDryRun(idle);
  let text: string;
  switch (view.state) {
    case 'disabled':
      text = trans.__(
        'Idle shutdown is off: this app is never stopped for idleness.'
      );
      break;
    case 'active':
    case 'warning': {
      const idleFor = formatDuration(view.idleSeconds, 'floor', trans);
      if (idle.schedule_waiting_for_busy === true) {
        text = trans.__(
          'Idle %1 · the scheduled stop is due and waits for the running cells to finish.',
          idleFor
        );
        break;
      }
      const left = formatDuration(view.secondsLeft ?? 0, 'ceil', trans);
      const limit = limitPhrase(view, trans);
      text = dryRun
        ? trans.__('Idle %1 · stops in %2 (%3), dry run', idleFor, left, limit)
        : trans.__('Idle %1 · stops in %2 (%3)', idleFor, left, limit);
      break;
    }
    case 'shutting-down':
      text = trans.__('Stopping now: saving open documents first.');
      break;
    case 'shut-down': {
      const at = formatTimeOfDay(idle.stopped_at);
      if (dryRun) {
        text =
          at === null
            ? trans.__('The limit passed; dry run, so it was only logged.')
            : trans.__(
                'Dry run: would have stopped at %1; it was only logged.',
                at
              );
      } else {
        text =
          at === null
            ? trans.__('The app was stopped.')
            : trans.__('The app was stopped at %1.', at);
      }
      break;
    }
    case 'error':
      text = trans.__(
        'The shutdown failed and will be retried: %1',
        idle.error ?? trans.__('unknown error')
      );
      break;
    default:
      text = trans.__('Idle shutdown: %1', String(view.state));
  }
  return { text, state: view.state };
}

/**
 * Which limit ends the idle time: `idle budget $0.50 reached` or
 * `idle timeout 1 h`.
 *
 * @param view - The extrapolated idle status.
 */
export function limitPhrase(
  view: IIdleView,
  trans: TranslationBundle = en
): string {
  const { idle } = view;
  if (idle.limit === 'budget' && typeof idle.max_idle_usd === 'number') {
    return trans.__('idle budget %1 reached', formatUsd(idle.max_idle_usd));
  }
  return trans.__(
    'idle timeout %1',
    formatDuration(idle.timeout_seconds, 'floor', trans)
  );
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
  usdPerHour: number | null,
  trans: TranslationBundle = en
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
  const figure =
    typeof budget === 'number' && budget > 0
      ? trans.__(
          '%1 of the %2 idle budget',
          formatUsd(spent),
          formatUsd(budget)
        )
      : formatUsd(spent);
  return untilStop === null
    ? trans.__('Idle time so far: %1', figure)
    : trans.__('Idle time before the stop: %1', figure);
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
  resources: IResources,
  trans: TranslationBundle = en
): string {
  let total = resources.total_usd_per_hour ?? 0;
  const unpriced = resources.unpriced ?? 0;
  const gaps: string[] = [];
  let including: string | null = null;
  if (cost !== null && hasEnvironmentCost(cost) && !isFree(cost)) {
    const noun = environmentNoun(cost.environment, trans);
    if (typeof cost.usd_per_hour === 'number' && cost.usd_per_hour > 0) {
      total += cost.usd_per_hour;
      including = noun;
    } else {
      gaps.push(trans.__('%1 has no known price', noun));
    }
  }
  if (unpriced > 0) {
    gaps.push(
      trans._n(
        '%1 resource has no price',
        '%1 resources have no price',
        unpriced
      )
    );
  }
  // Nothing known to add up (a known price is never 0): not "$0.00/h",
  // which would read as free.
  const figure =
    gaps.length === 0 || total > 0
      ? formatRate(total, trans)
      : trans.__('unknown');
  const head =
    including === null
      ? trans.__('Total: %1', figure)
      : trans.__('Total: %1 including %2', figure, including);
  return gaps.length === 0
    ? head
    : trans.__('%1 · %2 (not counted)', head, gaps.join('; '));
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
export function describeOmitted(
  resources: IResources,
  trans: TranslationBundle = en
): string {
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
  const text = trans._n(
    '%1 more resource not listed',
    '%1 more resources not listed',
    count
  );
  return typeof rate === 'number' && rate > 0
    ? `${text}, ${formatRate(rate, trans)}`
    : text;
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
  generatedAt?: string | null,
  trans: TranslationBundle = en
): IResourceText {
  const price = describePrice(resource.price, trans);
  const count = resource.instance_count ?? 1;
  const instances =
    `${resource.instance_type ?? trans.__('instance type unknown')} × ${count}` +
    (resource.spot ? trans.__(' · spot') : '');
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
    rate: formatPriceRate(resource.price, resource.usd_per_hour, trans),
    running:
      typeof running === 'number'
        ? formatDuration(running, 'floor', trans)
        : '—',
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
   * The environments, for people (local mode: `this server`).
   */
  export const NOUNS: Names = {
    'studio-space': t => t.__('this space'),
    'notebook-instance': t => t.__('this notebook instance'),
    'studio-classic': t => t.__('this app')
  };

  /**
   * The price sources, for people.
   */
  export const SOURCES: Names = {
    override: t => t.__('set by your administrator'),
    cache: t => t.__('AWS Price List API (cached)'),
    'price-list-api': t => t.__('AWS Price List API'),
    snapshot: t => t.__('bundled AWS price list')
  };

  /**
   * What shows instead of a rate: `looking up price…` or `price unknown`.
   */
  export function noRate(
    price: IPrice | null | undefined,
    trans: TranslationBundle
  ): string {
    return price?.source === 'pending'
      ? trans.__('looking up price…')
      : trans.__('price unknown');
  }

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
