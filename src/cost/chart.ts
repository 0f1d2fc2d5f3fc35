import { TranslationBundle } from '@jupyterlab/translation';

import {
  environmentNoun,
  formatRate,
  hasEnvironmentCost,
  isFree,
  knownRate
} from './format';
import { ICostSample } from './history';
import { formatTimeOfDay, formatUsd } from '../format';
import { ICost, IResource, IResources } from '../api';
import { en, nameFor, Names } from '../i18n';

/**
 * Where the burn rate goes: this environment, training (training and tuning
 * jobs), endpoints, processing (processing and transform jobs), other apps
 * (Studio apps and notebook instances), and the rest (resources the server
 * counted but did not list, or of a kind this page does not know).
 */
export type BurnCategory =
  'space' | 'training' | 'endpoints' | 'processing' | 'apps' | 'other';

/**
 * The categories in the order of the bar and its legend.
 */
export const BURN_CATEGORIES: BurnCategory[] = [
  'space',
  'training',
  'endpoints',
  'processing',
  'apps',
  'other'
];

/**
 * One part of the burn rate.
 */
export interface IBurnSegment {
  category: BurnCategory;
  /** For people: `This space`, `Training`, ... */
  label: string;
  usdPerHour: number;
}

/**
 * The burn rate split by category: only the parts that cost something, in
 * the order of `BURN_CATEGORIES`; `total` is their sum (the same figure as
 * the panel's "Total" line).
 */
export interface IBurnSplit {
  segments: IBurnSegment[];
  total: number;
}

/**
 * The category of a resource kind.
 *
 * @param kind - The server's `kind`.
 */
export function burnCategory(kind: string): BurnCategory {
  return Private.CATEGORY_OF_KIND[kind] ?? 'other';
}

/**
 * The label of a category: `Training`; `space` is named after the
 * environment (`This space`, `This notebook instance`, ...).
 *
 * @param category - The category.
 * @param cost - `GET cost`, for the environment's name.
 */
export function burnLabel(
  category: BurnCategory,
  cost?: ICost | null,
  trans: TranslationBundle = en
): string {
  if (category === 'space') {
    const noun = environmentNoun(cost?.environment ?? null, trans);
    return noun.charAt(0).toUpperCase() + noun.slice(1);
  }
  return nameFor(Private.LABELS, category, trans) ?? category;
}

/**
 * The hourly rate of a resource that counts in the total: a known price
 * with its figure; `null` otherwise (the server leaves them out too).
 *
 * @param resource - A resource of `GET resources`.
 */
export function resourceRate(resource: IResource): number | null {
  const rate = resource.usd_per_hour;
  return knownRate(resource.price) !== null &&
    typeof rate === 'number' &&
    Number.isFinite(rate) &&
    rate > 0
    ? rate
    : null;
}

/**
 * Split the burn rate: this environment (when its price is known) and the
 * listed resources by category; what the server's total has beyond the
 * listed rows goes to `other`, so that the parts add up to the same total as
 * the panel's "Total" line.
 *
 * @param cost - `GET cost`, or `null`.
 * @param resources - `GET resources`, or `null` before the first listing.
 */
export function burnSplit(
  cost: ICost | null,
  resources: IResources | null,
  trans: TranslationBundle = en
): IBurnSplit {
  const sums = new Map<BurnCategory, number>();
  const add = (category: BurnCategory, usd: number) => {
    sums.set(category, (sums.get(category) ?? 0) + usd);
  };
  if (
    cost !== null &&
    hasEnvironmentCost(cost) &&
    !isFree(cost) &&
    typeof cost.usd_per_hour === 'number' &&
    cost.usd_per_hour > 0
  ) {
    add('space', cost.usd_per_hour);
  }
  let serverTotal: number | null = null;
  if (resources !== null) {
    let listed = 0;
    for (const resource of resources.resources ?? []) {
      const rate = resourceRate(resource);
      if (rate !== null) {
        listed += rate;
        add(burnCategory(resource.kind), rate);
      }
    }
    // Rows past the server's `max_rows` are in its total, not in the list.
    const rest = (resources.total_usd_per_hour ?? 0) - listed;
    if (rest > 0.00005) {
      add('other', rest);
    }
    if (rest > -0.00005) {
      serverTotal = resources.total_usd_per_hour ?? 0;
    }
  }
  const segments: IBurnSegment[] = [];
  let sum = 0;
  for (const category of BURN_CATEGORIES) {
    const usd = sums.get(category) ?? 0;
    if (usd > 0) {
      segments.push({
        category,
        label: burnLabel(category, cost, trans),
        usdPerHour: usd
      });
      sum += usd;
    }
  }
  // The server's total plus this environment, added as the "Total" line
  // adds them, so that both round to the same cent.
  const total =
    serverTotal === null ? sum : serverTotal + (sums.get('space') ?? 0);
  return { segments, total };
}

/**
 * The accessible description of the bar: `Burn rate $5.43/h: this space
 * $1.43/h, training $3.83/h.`
 *
 * @param split - The split.
 */
export function describeBurnSplit(
  split: IBurnSplit,
  trans: TranslationBundle = en
): string {
  if (split.segments.length === 0) {
    return trans.__('Burn rate: nothing priced is running.');
  }
  const parts = split.segments.map(
    s => `${s.label.toLowerCase()} ${formatRate(s.usdPerHour, trans)}`
  );
  return trans.__(
    'Burn rate %1: %2.',
    formatRate(split.total, trans),
    parts.join(', ')
  );
}

/**
 * The bar's rectangles in a 100-wide box: `x` and `width` per segment,
 * in order, ending at 100.
 *
 * @param split - The split.
 */
export function barGeometry(
  split: IBurnSplit
): Array<{ category: BurnCategory; x: number; width: number }> {
  const out: Array<{ category: BurnCategory; x: number; width: number }> = [];
  if (!(split.total > 0)) {
    return out;
  }
  let x = 0;
  for (const segment of split.segments) {
    const width = (segment.usdPerHour / split.total) * 100;
    out.push({
      category: segment.category,
      x: Private.round(x),
      width: Private.round(width)
    });
    x += width;
  }
  return out;
}

/**
 * The points of the sparkline in a `width` x `height` box: time across, the
 * cost up from $0 at the bottom (1 unit of margin so that the line is never
 * clipped), as the `points` attribute of an SVG polyline.
 *
 * @param samples - The samples, oldest first.
 * @param width - The box's width.
 * @param height - The box's height.
 */
export function sparklinePoints(
  samples: ICostSample[],
  width = 100,
  height = 24
): string {
  if (samples.length === 0) {
    return '';
  }
  const t0 = samples[0].t;
  const span = samples[samples.length - 1].t - t0;
  const top = Math.max(...samples.map(s => s.usd));
  const margin = 1;
  const usable = height - 2 * margin;
  return samples
    .map(s => {
      const x = span > 0 ? ((s.t - t0) / span) * width : width;
      const y =
        height - margin - (top > 0 ? (Math.max(0, s.usd) / top) * usable : 0);
      return `${Private.round(x)},${Private.round(y)}`;
    })
    .join(' ');
}

/**
 * The accessible description of the sparkline: `This session's cost: $0.00
 * at 14:20, $2.86 at 16:20.`
 *
 * @param samples - The samples, oldest first.
 */
export function describeSparkline(
  samples: ICostSample[],
  trans: TranslationBundle = en
): string {
  if (samples.length === 0) {
    return trans.__("This session's cost: no figures yet.");
  }
  const first = samples[0];
  const last = samples[samples.length - 1];
  const at = (s: ICostSample) => {
    const time = formatTimeOfDay(new Date(s.t).toISOString());
    return time === null
      ? formatUsd(s.usd)
      : trans.__('%1 at %2', formatUsd(s.usd), time);
  };
  return samples.length === 1
    ? trans.__("This session's cost: %1.", at(last))
    : trans.__("This session's cost: %1, %2.", at(first), at(last));
}

/**
 * The burn-rate bar with its legend: an SVG of one rectangle per category,
 * its colour from the theme (style/cost.css, by `data-category`).
 */
export class BurnBar {
  /**
   * @param trans - The extension's strings (English by default).
   */
  constructor(trans: TranslationBundle = en) {
    this._trans = trans;
    const svg = Private.svg('svg', {
      class: 'jp-smcost-BurnBar-svg',
      viewBox: '0 0 100 10',
      preserveAspectRatio: 'none',
      role: 'img',
      focusable: 'false',
      'data-testid': 'smcost-burn-bar'
    });
    this._svg = svg;
    this._legend = document.createElement('ul');
    this._legend.className = 'jp-smcost-BurnBar-legend';
    this._legend.dataset.testid = 'smcost-burn-legend';
    this.node = document.createElement('div');
    this.node.className = 'jp-smcost-BurnBar';
    this.node.append(svg, this._legend);
  }

  /**
   * The bar and its legend.
   */
  readonly node: HTMLDivElement;

  /**
   * Show a split; the DOM changes only when the figures do.
   *
   * @param split - The burn rate split.
   */
  update(split: IBurnSplit): void {
    const label = describeBurnSplit(split, this._trans);
    if (label === this._label) {
      return;
    }
    this._label = label;
    this._svg.setAttribute('aria-label', label);
    const geometry = barGeometry(split);
    this._svg.replaceChildren(
      ...geometry.map((g, i) => {
        const segment = split.segments[i];
        const rect = Private.svg('rect', {
          class: 'jp-smcost-BurnBar-segment',
          'data-category': g.category,
          x: String(g.x),
          y: '0',
          width: String(g.width),
          height: '10'
        });
        const title = Private.svg('title', {});
        title.textContent =
          `${segment.label}: ${formatRate(segment.usdPerHour, this._trans)} ` +
          `(${Math.round((segment.usdPerHour / split.total) * 100)}%)`;
        rect.append(title);
        return rect;
      })
    );
    this._legend.replaceChildren(
      ...split.segments.map(segment => {
        const item = document.createElement('li');
        item.className = 'jp-smcost-BurnBar-item';
        item.dataset.category = segment.category;
        item.dataset.testid = 'smcost-burn-item';
        const swatch = document.createElement('span');
        swatch.className = 'jp-smcost-BurnBar-swatch';
        swatch.setAttribute('aria-hidden', 'true');
        const name = document.createElement('span');
        name.className = 'jp-smcost-BurnBar-label';
        name.textContent = segment.label;
        const figure = document.createElement('span');
        figure.className = 'jp-smcost-figure';
        figure.textContent = formatRate(segment.usdPerHour, this._trans);
        item.append(swatch, name, ' ', figure);
        return item;
      })
    );
    this.node.hidden = split.segments.length === 0;
  }

  private _label = '';
  private _legend: HTMLUListElement;
  private _svg: SVGSVGElement;
  private _trans: TranslationBundle;
}

/**
 * This session's cost over time as a small line.
 */
export class Sparkline {
  /**
   * @param trans - The extension's strings (English by default).
   */
  constructor(trans: TranslationBundle = en) {
    this._trans = trans;
    this._line = Private.svg('polyline', {
      class: 'jp-smcost-Sparkline-line',
      fill: 'none',
      'vector-effect': 'non-scaling-stroke'
    });
    this._svg = Private.svg('svg', {
      class: 'jp-smcost-Sparkline-svg',
      viewBox: `0 0 ${Private.SPARK_WIDTH} ${Private.SPARK_HEIGHT}`,
      preserveAspectRatio: 'none',
      role: 'img',
      focusable: 'false',
      'data-testid': 'smcost-sparkline'
    });
    this._svg.append(this._line);
    this._caption = document.createElement('span');
    this._caption.className = 'jp-smcost-Sparkline-caption';
    this._caption.textContent = trans.__('This session');
    this._caption.setAttribute('aria-hidden', 'true');
    this.node = document.createElement('div');
    this.node.className = 'jp-smcost-Sparkline';
    this.node.append(this._caption, this._svg);
  }

  /**
   * The caption and the line.
   */
  readonly node: HTMLDivElement;

  /**
   * The `points` attribute of the line now.
   */
  get points(): string {
    return this._line.getAttribute('points') ?? '';
  }

  /**
   * Show the samples; hidden with fewer than two.
   *
   * @param samples - The samples, oldest first.
   */
  update(samples: ICostSample[]): void {
    const points = sparklinePoints(
      samples,
      Private.SPARK_WIDTH,
      Private.SPARK_HEIGHT
    );
    if (points !== this.points) {
      this._line.setAttribute('points', points);
      this._svg.setAttribute(
        'aria-label',
        describeSparkline(samples, this._trans)
      );
    }
    this.node.hidden = samples.length < 2;
  }

  private _caption: HTMLSpanElement;
  private _line: SVGPolylineElement;
  private _svg: SVGSVGElement;
  private _trans: TranslationBundle;
}

namespace Private {
  export const SPARK_WIDTH = 100;
  export const SPARK_HEIGHT = 24;

  export const LABELS: Names = {
    training: t => t.__('Training'),
    endpoints: t => t.__('Endpoints'),
    processing: t => t.__('Processing'),
    apps: t => t.__('Other apps'),
    other: t => t.__('Not listed')
  };

  export const CATEGORY_OF_KIND: { [kind: string]: BurnCategory } = {
    'training-job': 'training',
    'tuning-job': 'training',
    endpoint: 'endpoints',
    'processing-job': 'processing',
    'transform-job': 'processing',
    'studio-app': 'apps',
    'notebook-instance': 'apps'
  };

  /**
   * Two decimals are plenty in a 100-wide box.
   */
  export function round(value: number): number {
    return Math.round(value * 100) / 100;
  }

  /**
   * Create an SVG element with attributes.
   */
  export function svg<K extends keyof SVGElementTagNameMap>(
    tag: K,
    attrs: { [name: string]: string }
  ): SVGElementTagNameMap[K] {
    const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [name, value] of Object.entries(attrs)) {
      node.setAttribute(name, value);
    }
    return node;
  }
}
