import { TranslationBundle } from '@jupyterlab/translation';

import { burnCategory, BurnCategory, burnLabel, resourceRate } from './chart';
import {
  describeOmitted,
  describePrice,
  describeResource,
  formatRate,
  priceSourceLabel
} from './format';
import { CostSection, labelledSection } from './sections';
import { IResource } from '../api';
import {
  busyNote,
  el,
  setData,
  setList,
  setNote,
  setText,
  statusLine,
  IStatusLine
} from '../dom';
import {
  describeAwsBusy,
  formatDuration,
  formatUsd,
  resourceKindLabel
} from '../format';

/**
 * "worst case $91.80 (max runtime 24 h)": what a running job costs if it runs
 * to its stopping condition; `null` unless the server sent the figure.
 */
export function describeWorstCase(
  resource: IResource,
  trans: TranslationBundle
): string | null {
  const worst: unknown = resource.worst_case_usd;
  if (typeof worst !== 'number' || !Number.isFinite(worst) || worst < 0) {
    return null;
  }
  const max = resource.max_runtime_seconds;
  if (typeof max !== 'number' || !Number.isFinite(max) || max <= 0) {
    return trans.__('worst case %1', formatUsd(worst));
  }
  const hours = max / 3600;
  const shown =
    hours >= 10
      ? String(Math.round(hours))
      : String(Math.round(hours * 10) / 10);
  return trans.__('worst case %1 (max runtime %2 h)', formatUsd(worst), shown);
}

/**
 * The running resources section of the Cost panel: how the listing went,
 * the problems, and a table of the resources grouped by kind of cost, one
 * line each, the rest of a row behind its name.
 *
 * Rows and groups are kept by resource across polls, so the focus (a link,
 * a button) survives each tick and each answer.
 */
export class ResourcesSection extends CostSection {
  /**
   * Construct the section.
   */
  constructor(options: ResourcesSection.IOptions) {
    const { node, heading } = labelledSection('resources', 'smcost-resources', {
      text: options.trans.__('Running resources')
    });
    super(node, options);
    const trans = this.trans;
    const d = el;
    this._scope = d(
      'span',
      'jp-smcost-CostPanel-scope',
      'smcost-resources-scope'
    );
    heading.append(' ', this._scope);
    this._status = statusLine(
      'smcost-resources-status',
      'smcost-resources-message',
      { label: trans.__('Retry'), testid: 'smcost-resources-retry' }
    );
    this._status.retry!.addEventListener('click', () => options.onRetry());
    // While AWS throttles the server, the rows are older than the TTL says.
    this._busy = busyNote('smcost-resources-aws-busy');
    this._problems = d('ul', 'jp-smcost-CostPanel-problems', 'smcost-problems');
    // Explicit roles: the table is laid out as a grid (style/cost.css), and
    // a table whose `display` changes may lose its semantics otherwise.
    this._table = d('table', {
      className: 'jp-smcost-CostTable',
      testid: 'smcost-resources-table',
      attrs: { role: 'table' }
    });
    const caption = d('caption', {
      className: 'jp-smcost-visuallyHidden',
      text: trans.__('Running resources by kind and what they cost')
    });
    const headRow = d('tr', {
      className: 'jp-smcost-CostTable-head',
      attrs: { role: 'row' }
    });
    for (const [label, numeric] of Private.columns(trans)) {
      headRow.append(
        d('th', {
          className: numeric ? 'jp-smcost-CostTable-number' : '',
          text: label,
          attrs: { scope: 'col', role: 'columnheader' }
        })
      );
    }
    const thead = d('thead', { attrs: { role: 'rowgroup' } });
    thead.append(headRow);
    this._table.append(caption, thead);
    const tableWrapper = d('div', { className: 'jp-smcost-CostTable-wrapper' });
    tableWrapper.append(this._table);
    this._omitted = d('p', 'jp-smcost-CostPanel-secondary', 'smcost-omitted');
    this._footnote = d(
      'p',
      'jp-smcost-CostPanel-source jp-smcost-CostPanel-footnote',
      'smcost-price-footnote'
    );
    this._updated = d('p', 'jp-smcost-CostPanel-secondary', 'smcost-updated');
    this.node.append(
      this._status.node,
      this._busy,
      this._problems,
      tableWrapper,
      this._omitted,
      this._footnote,
      this._updated
    );
    this._table.addEventListener('click', this);
  }

  render(now: number): void {
    const model = this.model;
    const trans = this.trans;
    const resources = model.resources;
    const state = model.resourcesState;
    // What the status line says: the request (loading, error) first, then
    // how the server's listing went.
    let status: string;
    let text = '';
    if (resources === null) {
      status = state;
      text =
        state === 'error'
          ? trans.__(
              'Could not list the running resources: %1',
              model.resourcesError ?? ''
            )
          : trans.__('Listing running resources…');
    } else if (state === 'error') {
      status = 'error';
      text = trans.__(
        'Could not refresh the running resources: %1',
        model.resourcesError ?? ''
      );
    } else {
      status = resources.state;
      switch (resources.state) {
        case 'loading':
          text = trans.__('Listing running resources…');
          break;
        case 'error':
          text = trans.__('Could not list the running resources:');
          break;
        case 'unavailable':
          text = trans.__('Running resources are not available here:');
          break;
        case 'partial':
          text = trans.__('Some kinds of resources could not be listed:');
          break;
        default:
          if ((resources.resources ?? []).length === 0) {
            status = 'empty';
            // "mine" with no provable owner lists nothing: say so, not "none running".
            text = (resources.problems ?? []).some(p => p.code === 'scope')
              ? trans.__(
                  'No running jobs or endpoints that are provably yours:'
                )
              : trans.__('No running jobs or endpoints.');
          }
      }
    }
    setData(this._status.node, 'state', status);
    setText(this._status.text, text);
    this._status.node.hidden = text === '';
    this._status.retry!.hidden = status !== 'error';
    const scope =
      resources === null
        ? ''
        : [
            resources.scope === 'account'
              ? trans.__('whole account')
              : trans.__('yours'),
            resources.region
          ]
            .filter(Boolean)
            .join(', ');
    setText(this._scope, scope ? `(${scope})` : '');
    setNote(
      this._busy,
      describeAwsBusy(resources?.aws_busy, resources?.fetched_at, trans)
    );

    setList(
      this._problems,
      (resources?.problems ?? []).map(p => ({
        code: p.code,
        message: p.message
      }))
    );
    const rows = resources?.resources ?? [];
    this._renderRows(rows, now, resources?.generated_at ?? null);
    this._table.hidden = rows.length === 0;
    const omitted = resources === null ? '' : describeOmitted(resources, trans);
    setText(this._omitted, omitted ? `${omitted}.` : '');
    this._omitted.hidden = omitted === '';
    const age = model.resourcesAge(now);
    setText(
      this._updated,
      age === null
        ? ''
        : trans.__(
            'Listed from AWS %1 ago.',
            formatDuration(age, 'floor', trans)
          )
    );
    this._updated.hidden = age === null;
  }

  /**
   * Bring the table in line with the resources: one group per kind of cost
   * (the bar's), the most expensive group first, and one row per resource,
   * keeping each row's elements (and the focus in them) across updates.
   */

  /**
   * Handle the clicks on the rows' names: show or hide the rest of a row.
   */
  handleEvent(event: Event): void {
    const button = (event.target as HTMLElement | null)?.closest('button');
    if (event.type !== 'click' || button?.dataset.role !== 'toggle') {
      return;
    }
    const row = this._rowOf(button);
    if (row) {
      Private.setExpanded(row, !row.expanded);
    }
  }

  private _rowOf(button: HTMLElement): Private.IRow | null {
    // Few rows (the server sends the most expensive ones only).
    const tr = button.closest('tr');
    for (const row of this._rows.values()) {
      if (row.tr === tr) {
        return row;
      }
    }
    return null;
  }

  private _renderRows(
    resources: IResource[],
    now: number,
    generatedAt: string | null
  ): void {
    const byCategory = new Map<BurnCategory, IResource[]>();
    for (const resource of resources) {
      const category = burnCategory(resource.kind);
      const list = byCategory.get(category) ?? [];
      list.push(resource);
      byCategory.set(category, list);
    }
    const subtotal = (list: IResource[]) =>
      list.reduce((sum, r) => sum + (resourceRate(r) ?? 0), 0);
    // Sort is stable: equal subtotals keep the bar's order.
    const categories = Array.from(byCategory.keys()).sort(
      (a, b) => subtotal(byCategory.get(b)!) - subtotal(byCategory.get(a)!)
    );
    // The price sources, said once in the footnote, marked in the order the
    // rows show.
    const sources = Private.priceSources(
      ([] as IResource[]).concat(...categories.map(c => byCategory.get(c)!)),
      this.trans
    );
    const footnote = Private.describeSources(sources, this.trans);
    setText(this._footnote, footnote.text);
    this._footnote.title = footnote.title;
    this._footnote.hidden = footnote.text === '';

    const seen = new Map<string, number>();
    const nextRows = new Map<string, Private.IRow>();
    const nextGroups = new Map<BurnCategory, Private.IGroup>();
    categories.forEach((category, groupIndex) => {
      const list = byCategory.get(category)!;
      const group = this._groups.get(category) ?? Private.createGroup(category);
      Private.updateGroup(
        group,
        burnLabel(category, this.model.cost, this.trans),
        list.length,
        subtotal(list),
        list.filter(r => resourceRate(r) === null).length,
        this.trans
      );
      nextGroups.set(category, group);
      if (this._table.tBodies[groupIndex] !== group.tbody) {
        this._table.insertBefore(
          group.tbody,
          this._table.tBodies[groupIndex] ?? null
        );
      }
      list.forEach((resource, index) => {
        const base = `${resource.kind}\u0000${resource.name}\u0000${resource.instance_type}`;
        const count = seen.get(base) ?? 0;
        seen.set(base, count + 1);
        const key = `${base}\u0000${count}`;
        const row = this._rows.get(key) ?? Private.createRow(this.trans);
        Private.updateRow(row, resource, sources, this.trans, now, generatedAt);
        nextRows.set(key, row);
        // Move a row only when it is out of place: moving blurs it. The
        // group's heading row comes first.
        const at = index + 1;
        if (group.tbody.rows[at] !== row.tr) {
          group.tbody.insertBefore(row.tr, group.tbody.rows[at] ?? null);
        }
      });
    });
    for (const [key, row] of this._rows) {
      if (!nextRows.has(key)) {
        row.tr.remove();
      }
    }
    for (const [category, group] of this._groups) {
      if (!nextGroups.has(category)) {
        group.tbody.remove();
      }
    }
    this._rows = nextRows;
    this._groups = nextGroups;
  }

  private _busy: HTMLParagraphElement;
  private _footnote: HTMLParagraphElement;
  private _groups = new Map<BurnCategory, Private.IGroup>();
  private _omitted: HTMLParagraphElement;
  private _problems: HTMLUListElement;
  private _rows = new Map<string, Private.IRow>();
  private _scope: HTMLSpanElement;
  private _status: IStatusLine;
  private _table: HTMLTableElement;
  private _updated: HTMLParagraphElement;
}

/**
 * A namespace for `ResourcesSection` statics.
 */
export namespace ResourcesSection {
  /**
   * The options to construct a `ResourcesSection`.
   */
  export interface IOptions extends CostSection.IOptions {
    /** "Retry": ask for the cost and the resources again. */
    onRetry: () => void;
  }
}

namespace Private {
  /**
   * The prefix of the ids of the section (one panel per page).
   */
  export const ID_PREFIX = 'jp-smcost-CostPanel';

  /**
   * The table's columns: label, and whether it holds numbers.
   */
  export function columns(trans: TranslationBundle): Array<[string, boolean]> {
    return [
      [trans.__('Name'), false],
      [trans.__('Instance'), false],
      [trans.__('Rate'), true],
      [trans.__('So far'), true]
    ];
  }

  /**
   * The marks of the price sources in the footnote, when there are several.
   */
  const MARKS = ['¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];

  let nextId = 0;

  /**
   * A price source of the listed resources: its mark in the rows (when
   * there are several) and the server's detail.
   */
  export interface ISource {
    mark: string;
    detail: string;
  }

  /**
   * The sources of the known prices of the resources, by label, in the
   * order they first appear.
   */
  export function priceSources(
    resources: IResource[],
    trans: TranslationBundle
  ): Map<string, ISource> {
    const sources = new Map<string, ISource>();
    for (const resource of resources) {
      if (resourceRate(resource) === null) {
        continue;
      }
      const label = priceSourceLabel(resource.price, trans);
      if (!sources.has(label)) {
        sources.set(label, {
          mark: '',
          detail: resource.price.detail || label
        });
      }
    }
    if (sources.size > 1) {
      let index = 0;
      for (const source of sources.values()) {
        source.mark = MARKS[index] ?? `(${index + 1})`;
        index++;
      }
    }
    return sources;
  }

  /**
   * The footnote: `Prices: AWS Price List API, 2026-11-26.`, or each source
   * with its mark.
   */
  export function describeSources(
    sources: Map<string, ISource>,
    trans: TranslationBundle
  ): {
    text: string;
    title: string;
  } {
    if (sources.size === 0) {
      return { text: '', title: '' };
    }
    const parts = Array.from(sources.entries()).map(([label, source]) =>
      source.mark ? `${source.mark} ${label}` : label
    );
    const details = Array.from(sources.values()).map(source =>
      source.mark ? `${source.mark} ${source.detail}` : source.detail
    );
    return {
      text: trans.__('Prices: %1.', parts.join('; ')),
      title: details.join('\n')
    };
  }

  /**
   * The elements of a group of resources: its row group and heading row.
   */
  export interface IGroup {
    tbody: HTMLTableSectionElement;
    label: HTMLSpanElement;
    count: HTMLSpanElement;
    rate: HTMLSpanElement;
  }

  /**
   * Create an empty group of resources.
   */
  export function createGroup(category: BurnCategory): IGroup {
    const tbody = el('tbody', {
      className: 'jp-smcost-CostTable-group',
      attrs: { role: 'rowgroup', 'data-category': category }
    });
    const tr = el('tr', {
      className: 'jp-smcost-CostTable-groupRow',
      testid: 'smcost-resource-group',
      attrs: { role: 'row', 'data-category': category }
    });
    const th = el('th', {
      className: 'jp-smcost-CostTable-groupHeading',
      attrs: { colspan: '4', scope: 'rowgroup', role: 'rowheader' }
    });
    const label = el('span', { className: 'jp-smcost-CostTable-groupLabel' });
    const count = el('span', { className: 'jp-smcost-CostTable-groupCount' });
    const rate = el('span', {
      className: 'jp-smcost-CostTable-groupRate jp-smcost-figure'
    });
    th.append(
      el('span', {
        className: 'jp-smcost-BurnBar-swatch',
        attrs: { 'aria-hidden': 'true', 'data-category': category }
      }),
      label,
      count,
      rate
    );
    tr.append(th);
    tbody.append(tr);
    return { tbody, label, count, rate };
  }

  /**
   * Show a group's heading: `Training (2) $7.65/h`.
   */
  export function updateGroup(
    group: IGroup,
    label: string,
    count: number,
    usdPerHour: number,
    unpriced: number,
    trans: TranslationBundle
  ): void {
    setText(group.label, label);
    setText(group.count, ` (${count})`);
    setText(
      group.rate,
      usdPerHour > 0
        ? formatRate(usdPerHour, trans) + (unpriced > 0 ? ' +' : '')
        : trans.__('price unknown')
    );
  }

  /**
   * The elements of a resource row.
   */
  export interface IRow {
    tr: HTMLTableRowElement;
    name: HTMLTableCellElement;
    /** The name, as the button that shows the rest. */
    toggle: HTMLButtonElement;
    nameText: HTMLSpanElement;
    instances: HTMLTableCellElement;
    rate: HTMLTableCellElement;
    cost: HTMLTableCellElement;
    more: HTMLTableCellElement;
    kind: HTMLSpanElement;
    running: HTMLSpanElement;
    secondary: HTMLSpanElement;
    fullName: HTMLSpanElement;
    link: HTMLAnchorElement;
    expanded: boolean;
  }

  /**
   * Create an empty resource row: one line (name, instance type and count,
   * rate, cost so far) and, when the name is pressed, the rest (kind,
   * running time, status, detail, the console link).
   */
  export function createRow(trans: TranslationBundle): IRow {
    const moreId = `${ID_PREFIX}-more-${nextId++}`;
    const tr = el('tr', {
      className: 'jp-smcost-CostTable-row',
      testid: 'smcost-resource-row',
      attrs: { role: 'row', 'data-expanded': 'false' }
    });
    const name = el('th', {
      className: 'jp-smcost-CostTable-name',
      attrs: { scope: 'row', role: 'rowheader' }
    });
    const toggle = el('button', {
      className: 'jp-smcost-CostTable-toggle',
      testid: 'smcost-resource-toggle',
      attrs: {
        type: 'button',
        'data-role': 'toggle',
        'aria-expanded': 'false',
        'aria-controls': moreId
      }
    });
    const nameText = el('span', { className: 'jp-smcost-CostTable-nameText' });
    toggle.append(nameText);
    name.append(toggle);
    const cell = (className: string, testid: string) =>
      el('td', { className, testid, attrs: { role: 'cell' } });
    const more = el('td', {
      className: 'jp-smcost-CostTable-more',
      testid: 'smcost-resource-more',
      attrs: { role: 'cell', id: moreId }
    });
    more.hidden = true;
    const detail = el('div', { className: 'jp-smcost-CostTable-detail' });
    const kind = el('span', { testid: 'smcost-resource-kind' });
    const running = el('span', 'jp-smcost-figure', 'smcost-resource-running');
    const secondary = el('span', {
      className: 'jp-smcost-CostTable-secondary'
    });
    const link = el('a', {
      className: 'jp-smcost-CostTable-link',
      testid: 'smcost-resource-link',
      text: trans.__('AWS console'),
      attrs: { target: '_blank', rel: 'noopener noreferrer' }
    });
    // The whole name first: the line may have shortened it.
    const fullName = el('span', { className: 'jp-smcost-CostTable-fullName' });
    detail.append(
      fullName,
      kind,
      trans.__(' · running '),
      running,
      secondary,
      ' ',
      link
    );
    more.append(detail);
    const row: IRow = {
      tr,
      name,
      toggle,
      nameText,
      instances: cell(
        'jp-smcost-CostTable-instances',
        'smcost-resource-instances'
      ),
      rate: cell('jp-smcost-CostTable-number', 'smcost-resource-rate'),
      cost: cell('jp-smcost-CostTable-number', 'smcost-resource-cost'),
      more,
      kind,
      running,
      secondary,
      fullName,
      link,
      expanded: false
    };
    tr.append(name, row.instances, row.rate, row.cost, more);
    return row;
  }

  /**
   * Show or hide the rest of a row.
   */
  export function setExpanded(row: IRow, expanded: boolean): void {
    row.expanded = expanded;
    row.more.hidden = !expanded;
    row.toggle.setAttribute('aria-expanded', String(expanded));
    setData(row.tr, 'expanded', String(expanded));
  }

  /**
   * The instance type on the line: without the `ml.` that every SageMaker
   * type has, so that a narrow panel shows the part that differs
   * (`p3.2xlarge × 1`); the whole type is in the title and the rest.
   */
  export function shortInstances(resource: IResource): string {
    const type = (resource.instance_type ?? '?').replace(/^ml\./, '');
    return `${type} × ${resource.instance_count ?? 1}`;
  }

  /**
   * Show a resource in a row.
   */
  export function updateRow(
    row: IRow,
    resource: IResource,
    sources: Map<string, ISource>,
    trans: TranslationBundle,
    now?: number,
    generatedAt?: string | null
  ): void {
    const text = describeResource(resource, now, generatedAt, trans);
    const price = describePrice(resource.price, trans);
    setData(row.tr, 'kind', resource.kind);
    setData(row.tr, 'name', resource.name);
    setData(row.tr, 'price', price.state);
    setText(row.nameText, resource.name);
    row.toggle.title = resource.name;
    setText(row.fullName, `${resource.name}: `);
    setText(row.instances, shortInstances(resource));
    row.instances.title = text.instances;
    setText(row.rate, text.rate);
    row.rate.title = text.priceTitle;
    // A known price names its source once, in the footnote; with several
    // sources, the rate carries the source's mark.
    const source =
      price.state === 'known'
        ? sources.get(priceSourceLabel(resource.price, trans))
        : undefined;
    setData(row.rate, 'sourceMark', source?.mark || undefined);
    setText(row.cost, text.cost);
    row.cost.title = text.priceTitle;
    setText(row.kind, resourceKindLabel(resource.kind, trans));
    setText(row.running, text.running);
    // What is not on the line: the whole instance type, the server's
    // detail, the status, and why a price is unknown.
    const secondary = [
      text.instances,
      resource.detail,
      describeWorstCase(resource, trans) ?? '',
      resource.status,
      price.state === 'known' ? '' : price.text
    ]
      .filter(part => typeof part === 'string' && part.length > 0)
      .join(' · ');
    setText(row.secondary, secondary ? ` · ${secondary}` : '');
    // Only https links: the URL comes from the server.
    const url =
      typeof resource.console_url === 'string' &&
      resource.console_url.startsWith('https://')
        ? resource.console_url
        : null;
    row.link.hidden = url === null;
    if (url === null) {
      row.link.removeAttribute('href');
    } else if (row.link.href !== url) {
      row.link.href = url;
    }
    row.link.setAttribute(
      'aria-label',
      trans.__('Open %1 in the AWS console (new tab)', resource.name)
    );
  }
}
