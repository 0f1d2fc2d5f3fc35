import { LabIcon } from '@jupyterlab/ui-components';
import { IDisposable } from '@lumino/disposable';
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import {
  describeCountdown,
  describeIdleCost,
  describePrice,
  describeOmitted,
  describeResource,
  describeStorage,
  describeTotal,
  environmentNoun,
  formatPriceRate,
  formatSessionUsd,
  hasEnvironmentCost,
  resourceKindLabel,
  stoppedAt
} from './format';
import { CostModel } from './model';
import { formatDuration, formatUsd, isStopped } from '../format';
import { IdleModel } from '../idle/model';
import { IResource } from '../tokens';

/**
 * The id of the Cost panel (the widget's DOM id, and the layout restorer's
 * name).
 */
export const COST_PANEL_ID = 'jupyter-smcost:cost-panel';

/**
 * The class of the Cost panel; stable, for styles and UI tests.
 */
export const COST_PANEL_CLASS = 'jp-smcost-CostPanel';

/**
 * The Cost panel's icon: a dollar sign in a circle.
 */
export const costIcon = new LabIcon({
  name: 'jupyter-smcost:cost',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">' +
    '<g class="jp-icon3" fill="#616161">' +
    '<path d="M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 1.8a8.2 8.2 0 1 1 0 16.4 8.2 8.2 0 0 1 0-16.4z"/>' +
    '<path d="M11.1 5.5h1.8v1.4c1.5.2 2.6 1.1 2.9 2.5l-1.8.4c-.2-.8-.9-1.3-2-1.3-1.2 0-1.9.5-1.9 1.2 0 .6.5 1 1.9 1.3l.9.2c2 .4 3.1 1.3 3.1 2.9 0 1.5-1.1 2.6-3.1 2.9v1.5h-1.8V17c-1.7-.2-2.9-1.1-3.2-2.7l1.8-.4c.2 1 1 1.6 2.3 1.6 1.3 0 2-.5 2-1.3 0-.6-.4-1-1.7-1.3l-.9-.2c-2-.4-3-1.3-3-2.8 0-1.5 1.1-2.5 2.7-2.8z"/>' +
    '</g></svg>'
});

/**
 * How often the live figures are redrawn while the panel is visible. Redrawing
 * makes no request.
 */
const TICK_MS = 1000;

/**
 * The Cost panel (left sidebar): what this environment costs, the idle
 * countdown with "Keep running", and the running resources that cost money
 * with the total burn rate.
 *
 * The DOM is built once; updates only change texts and attributes, and rows
 * are kept by resource, so the focus (a link, a button) survives each tick
 * and each poll. The stable hooks for UI tests are the `data-testid`
 * attributes (see `CostPanel.TEST_IDS`).
 */
export class CostPanel extends Widget {
  /**
   * Construct the panel.
   */
  constructor(options: CostPanel.IOptions) {
    super();
    this._model = options.model;
    this._idle = options.idle ?? null;
    this._keepRunning = options.keepRunning ?? null;
    this._clock = options.clock ?? Date.now;
    this.id = COST_PANEL_ID;
    // Focusable (not in the tab order) so that opening the panel can move focus here.
    this.node.tabIndex = -1;
    this.addClass(COST_PANEL_CLASS);
    this.title.icon = costIcon;
    this.title.caption = 'SageMaker Cost';
    this.node.dataset.testid = 'smcost-cost-panel';
    this.node.setAttribute('role', 'region');
    this.node.setAttribute('aria-label', 'SageMaker cost');

    const d = Private.el;
    // Header: the title, the manual refresh, and how the cost request stands.
    this._refreshButton = d('button', {
      className: 'jp-smcost-CostPanel-button',
      testid: 'smcost-refresh',
      text: 'Refresh',
      attrs: { type: 'button', 'aria-label': 'Refresh the cost' }
    });
    this._costStatus = d('div', {
      className: 'jp-smcost-CostPanel-status',
      testid: 'smcost-cost-status',
      attrs: { role: 'status', 'aria-live': 'polite' }
    });
    this._costStatusText = d('span', { testid: 'smcost-cost-message' });
    this._costRetry = Private.retryButton('smcost-cost-retry');
    this._costStatus.append(
      d('span', { className: 'jp-smcost-CostPanel-spinner' }),
      this._costStatusText,
      this._costRetry
    );

    // This environment.
    this._envHeading = d('h3', {
      className: 'jp-smcost-CostPanel-heading',
      testid: 'smcost-environment-heading',
      attrs: { id: `${Private.ID_PREFIX}-environment` }
    });
    this._instanceType = d('span', {
      className: 'jp-smcost-CostPanel-instanceType',
      testid: 'smcost-instance-type'
    });
    this._rate = d('dd', { testid: 'smcost-rate' });
    this._session = d('dd', { testid: 'smcost-session' });
    this._perDay = d('dd', { testid: 'smcost-per-day' });
    this._perMonth = d('dd', { testid: 'smcost-per-month' });
    this._priceSource = d('p', {
      className: 'jp-smcost-CostPanel-source',
      testid: 'smcost-price-source'
    });
    this._storage = d('p', {
      className: 'jp-smcost-CostPanel-storage',
      testid: 'smcost-storage'
    });
    this._costProblems = d('ul', {
      className: 'jp-smcost-CostPanel-problems',
      testid: 'smcost-cost-problems'
    });
    this._environment = d('section', {
      className: 'jp-smcost-CostPanel-section',
      testid: 'smcost-environment',
      attrs: { 'aria-labelledby': `${Private.ID_PREFIX}-environment` }
    });
    this._environment.append(
      this._envHeading,
      this._instanceType,
      Private.figures([
        ['Rate', this._rate],
        ['This session', this._session],
        ['Per day if left running', this._perDay],
        ['Per month if left running', this._perMonth]
      ]),
      this._priceSource,
      this._storage,
      this._costProblems
    );

    // The idle countdown.
    this._countdown = d('p', {
      className: 'jp-smcost-CostPanel-countdown',
      testid: 'smcost-countdown'
    });
    this._idleCost = d('p', {
      className: 'jp-smcost-CostPanel-secondary',
      testid: 'smcost-idle-cost'
    });
    this._keepButton = d('button', {
      className: 'jp-smcost-CostPanel-keepRunning jp-mod-styled jp-mod-accept',
      testid: 'smcost-keep-running',
      text: 'Keep running',
      attrs: {
        type: 'button',
        'aria-label': 'Keep running: restart the idle clock'
      }
    });
    this._keepMessage = d('p', {
      className: 'jp-smcost-CostPanel-secondary',
      testid: 'smcost-keep-running-message',
      attrs: { role: 'status', 'aria-live': 'polite' }
    });
    this._idleSection = d('section', {
      className: 'jp-smcost-CostPanel-section',
      testid: 'smcost-idle',
      attrs: { 'aria-labelledby': `${Private.ID_PREFIX}-idle` }
    });
    this._idleSection.append(
      d('h3', {
        className: 'jp-smcost-CostPanel-heading',
        text: 'Idle shutdown',
        attrs: { id: `${Private.ID_PREFIX}-idle` }
      }),
      this._countdown,
      this._idleCost,
      this._keepButton,
      this._keepMessage
    );

    // The running resources.
    this._scope = d('span', {
      className: 'jp-smcost-CostPanel-scope',
      testid: 'smcost-resources-scope'
    });
    const resourcesHeading = d('h3', {
      className: 'jp-smcost-CostPanel-heading',
      text: 'Running resources',
      attrs: { id: `${Private.ID_PREFIX}-resources` }
    });
    resourcesHeading.append(' ', this._scope);
    this._resourcesStatus = d('div', {
      className: 'jp-smcost-CostPanel-status',
      testid: 'smcost-resources-status',
      attrs: { role: 'status', 'aria-live': 'polite' }
    });
    this._resourcesStatusText = d('span', {
      testid: 'smcost-resources-message'
    });
    this._resourcesRetry = Private.retryButton('smcost-resources-retry');
    this._resourcesStatus.append(
      d('span', { className: 'jp-smcost-CostPanel-spinner' }),
      this._resourcesStatusText,
      this._resourcesRetry
    );
    this._problems = d('ul', {
      className: 'jp-smcost-CostPanel-problems',
      testid: 'smcost-problems'
    });
    // Explicit roles: a narrow panel lays the rows out as cards (style/cost.css),
    // and a table whose `display` changes may lose its semantics otherwise.
    this._tbody = d('tbody', { attrs: { role: 'rowgroup' } });
    this._table = d('table', {
      className: 'jp-smcost-CostTable',
      testid: 'smcost-resources-table',
      attrs: { role: 'table' }
    });
    const caption = d('caption', {
      className: 'jp-smcost-visuallyHidden',
      text: 'Running resources and what they cost'
    });
    const headRow = d('tr', { attrs: { role: 'row' } });
    for (const [label, numeric] of Private.COLUMNS) {
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
    this._table.append(caption, thead, this._tbody);
    const tableWrapper = d('div', { className: 'jp-smcost-CostTable-wrapper' });
    tableWrapper.append(this._table);
    this._total = d('p', {
      className: 'jp-smcost-CostPanel-total',
      testid: 'smcost-total'
    });
    this._updated = d('p', {
      className: 'jp-smcost-CostPanel-secondary',
      testid: 'smcost-updated'
    });
    const resources = d('section', {
      className: 'jp-smcost-CostPanel-section',
      testid: 'smcost-resources',
      attrs: { 'aria-labelledby': `${Private.ID_PREFIX}-resources` }
    });
    resources.append(
      resourcesHeading,
      this._resourcesStatus,
      this._problems,
      tableWrapper,
      this._total,
      this._updated
    );

    const header = d('div', { className: 'jp-smcost-CostPanel-header' });
    header.append(
      d('h2', { className: 'jp-smcost-CostPanel-title', text: 'Cost' }),
      this._refreshButton
    );
    this.node.append(
      header,
      this._costStatus,
      this._environment,
      this._idleSection,
      resources
    );

    this._model.changed.connect(this.render, this);
    this._idle?.changed.connect(this.render, this);
    // When the idle shutdown stops the app, the cost (and the meter) stop at
    // once rather than at the next poll.
    this._followIdle = this._idle ? this._model.followIdle(this._idle) : null;
    this.render();
  }

  /**
   * Redraw the panel from the models, touching the DOM only where something
   * changed.
   */
  render(): void {
    if (this.isDisposed) {
      return;
    }
    const now = this._clock();
    this._renderCost(now);
    this._renderIdle(now);
    this._renderResources(now);
  }

  /**
   * Handle the DOM events of the panel: its buttons.
   */
  handleEvent(event: Event): void {
    if (event.type !== 'click') {
      return;
    }
    const target = event.target as HTMLElement | null;
    const button = target?.closest('button');
    if (!button || !this.node.contains(button)) {
      return;
    }
    if (
      button === this._refreshButton ||
      button === this._costRetry ||
      button === this._resourcesRetry
    ) {
      void this._model.refresh();
    } else if (button === this._keepButton) {
      void this._onKeepRunning();
    }
  }

  /**
   * Dispose of the panel.
   */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._stopTicking();
    this._followIdle?.dispose();
    this._model.setResourcesWanted(false);
    this._model.changed.disconnect(this.render, this);
    this._idle?.changed.disconnect(this.render, this);
    super.dispose();
  }

  /**
   * Opening the panel (palette, meter) moves the keyboard focus into it.
   */
  protected onActivateRequest(msg: Message): void {
    super.onActivateRequest(msg);
    if (this.isAttached && !this.node.contains(document.activeElement)) {
      this.node.focus();
    }
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this.node.addEventListener('click', this);
    if (this.isVisible) {
      this._start();
    }
  }

  protected onBeforeDetach(msg: Message): void {
    this.node.removeEventListener('click', this);
    this._stop();
    super.onBeforeDetach(msg);
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._start();
  }

  protected onAfterHide(msg: Message): void {
    this._stop();
    super.onAfterHide(msg);
  }

  /**
   * Shown: the resources are polled and the figures tick.
   */
  private _start(): void {
    this._model.setResourcesWanted(true);
    this._stopTicking();
    this._timer = window.setInterval(() => this.render(), TICK_MS);
    this.render();
  }

  /**
   * Hidden: no more polling of the resources, no ticking.
   */
  private _stop(): void {
    this._model.setResourcesWanted(false);
    this._stopTicking();
  }

  private _stopTicking(): void {
    if (this._timer !== null) {
      window.clearInterval(this._timer);
      this._timer = null;
    }
  }

  private async _onKeepRunning(): Promise<void> {
    if (this._keepRunning === null) {
      return;
    }
    if (this._keepBusy) {
      return;
    }
    Private.setText(this._keepMessage, '');
    // aria-disabled, not disabled: a disabled button drops the keyboard focus.
    this._keepBusy = true;
    this._keepButton.setAttribute('aria-disabled', 'true');
    try {
      await this._keepRunning();
      Private.setText(this._keepMessage, 'The idle clock starts again.');
    } catch (reason) {
      Private.setText(
        this._keepMessage,
        'Could not reach the server to keep the app running: ' +
          (reason instanceof Error ? reason.message : String(reason))
      );
    } finally {
      this._keepBusy = false;
      this._keepButton.removeAttribute('aria-disabled');
    }
  }

  private _renderCost(now: number): void {
    const model = this._model;
    const cost = model.cost;
    const state = model.costState;
    Private.setData(this.node, 'state', state);
    // The status line: loading, or an error (with the last good figures kept).
    Private.setData(this._costStatus, 'state', state);
    this._costStatus.hidden = state === 'ready';
    this._costRetry.hidden = state !== 'error';
    Private.setText(
      this._costStatusText,
      state === 'loading'
        ? 'Loading the cost…'
        : state === 'error'
          ? cost === null
            ? `Could not get the cost: ${model.costError}`
            : `Could not refresh the cost (figures from ${formatDuration(
                model.elapsedSeconds(now)
              )} ago): ${model.costError}`
          : ''
    );

    this._environment.hidden = cost === null || !hasEnvironmentCost(cost);
    if (cost === null || this._environment.hidden) {
      return;
    }
    const noun = environmentNoun(cost.environment);
    Private.setText(
      this._envHeading,
      noun.charAt(0).toUpperCase() + noun.slice(1)
    );
    Private.setText(
      this._instanceType,
      cost.instance?.instance_type ?? 'instance type unknown'
    );
    const price = describePrice(cost.instance?.price);
    const rate =
      price.state === 'known' && typeof cost.usd_per_hour === 'number'
        ? cost.usd_per_hour
        : null;
    Private.setData(this._environment, 'price', price.state);
    const stopped = stoppedAt(cost);
    Private.setData(
      this._environment,
      'stopped',
      stopped === null ? 'false' : 'true'
    );
    Private.setText(
      this._rate,
      formatPriceRate(cost.instance?.price, rate) +
        (stopped !== null && rate !== null ? ' while it ran' : '')
    );
    this._rate.title = price.title;
    // The same figure and rounding as the meter's.
    const session = rate === null ? null : model.sessionUsd(now);
    const uptime = model.uptimeSeconds(now);
    const details = [
      uptime !== null ? formatDuration(uptime) : null,
      stopped !== null ? `stopped at ${stopped}` : null
    ].filter(part => part !== null);
    Private.setText(
      this._session,
      session !== null
        ? formatSessionUsd(session) +
            (details.length > 0 ? ` (${details.join(', ')})` : '')
        : rate === null
          ? '—'
          : 'start time unknown'
    );
    const projection = cost.projection ?? {};
    Private.setText(
      this._perDay,
      rate !== null && typeof projection.per_day_usd === 'number'
        ? formatUsd(projection.per_day_usd)
        : '—'
    );
    Private.setText(
      this._perMonth,
      rate !== null && typeof projection.per_month_usd === 'number'
        ? formatUsd(projection.per_month_usd)
        : '—'
    );
    Private.setText(this._priceSource, price.text);
    this._priceSource.title = price.title;
    Private.setData(this._priceSource, 'source', cost.instance?.price?.source);
    const storage = describeStorage(cost);
    Private.setText(this._storage, storage.text);
    this._storage.title = storage.title;
    // The price problems are on the lines above; the others (permissions,
    // AWS errors) are listed verbatim.
    Private.setList(
      this._costProblems,
      (cost.problems ?? [])
        .filter(p => !Private.SHOWN_ABOVE.includes(p.code))
        .map(p => ({ code: p.code, message: p.message }))
    );
  }

  private _renderIdle(now: number): void {
    const idle = this._idle;
    this._idleSection.hidden = idle === null;
    if (idle === null) {
      return;
    }
    const view = idle.view(now);
    const countdown = describeCountdown(view, idle.error);
    Private.setText(this._countdown, countdown.text);
    Private.setData(this._countdown, 'state', countdown.state);
    Private.setData(
      this._countdown,
      'limit',
      view?.idle.limit ?? (view ? 'timeout' : undefined)
    );
    const cost = this._model.cost;
    const rate =
      cost !== null && describePrice(cost.instance?.price).state === 'known'
        ? cost.usd_per_hour
        : null;
    const idleCost = describeIdleCost(view, rate);
    Private.setText(this._idleCost, idleCost ?? '');
    this._idleCost.hidden = idleCost === null;
    // A stopped app no longer exists: there is nothing to keep running. (A
    // dry run's app does: its "Keep running" restarts the idle clock.)
    this._keepButton.hidden =
      this._keepRunning === null || view === null || isStopped(view.idle);
  }

  private _renderResources(now: number): void {
    const model = this._model;
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
          ? `Could not list the running resources: ${model.resourcesError}`
          : 'Listing running resources…';
    } else if (state === 'error') {
      status = 'error';
      text = `Could not refresh the running resources: ${model.resourcesError}`;
    } else {
      status = resources.state;
      switch (resources.state) {
        case 'loading':
          text = 'Listing running resources…';
          break;
        case 'error':
          text = 'Could not list the running resources:';
          break;
        case 'unavailable':
          text = 'Running resources are not available here:';
          break;
        case 'partial':
          text = 'Some kinds of resources could not be listed:';
          break;
        default:
          if ((resources.resources ?? []).length === 0) {
            status = 'empty';
            text = 'No running jobs or endpoints.';
          }
      }
    }
    Private.setData(this._resourcesStatus, 'state', status);
    Private.setText(this._resourcesStatusText, text);
    this._resourcesStatus.hidden = text === '';
    this._resourcesRetry.hidden = status !== 'error';
    const scope =
      resources === null
        ? ''
        : [
            resources.scope === 'account' ? 'whole account' : 'yours',
            resources.region
          ]
            .filter(Boolean)
            .join(', ');
    Private.setText(this._scope, scope ? `(${scope})` : '');

    Private.setList(
      this._problems,
      (resources?.problems ?? []).map(p => ({
        code: p.code,
        message: p.message
      }))
    );
    const rows = resources?.resources ?? [];
    this._renderRows(rows, now, resources?.generated_at ?? null);
    this._table.hidden = rows.length === 0;
    this._total.hidden = resources === null || resources.state === 'loading';
    if (resources !== null) {
      const omitted = describeOmitted(resources);
      Private.setText(
        this._total,
        describeTotal(model.cost, resources) + (omitted ? ` · ${omitted}` : '')
      );
    }
    const age = model.resourcesAge(now);
    Private.setText(
      this._updated,
      age === null ? '' : `Listed from AWS ${formatDuration(age)} ago.`
    );
    this._updated.hidden = age === null;
  }

  /**
   * Bring the table's rows in line with the resources, keeping each row's
   * elements (and the focus in them) across updates.
   */
  private _renderRows(
    resources: IResource[],
    now: number,
    generatedAt: string | null
  ): void {
    const seen = new Map<string, number>();
    const next = new Map<string, Private.IRow>();
    resources.forEach((resource, index) => {
      const base = `${resource.kind}\u0000${resource.name}\u0000${resource.instance_type}`;
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      const key = `${base}\u0000${count}`;
      const row = this._rows.get(key) ?? Private.createRow();
      Private.updateRow(row, resource, now, generatedAt);
      next.set(key, row);
      // Move a row only when it is out of place: moving blurs it.
      if (this._tbody.children[index] !== row.tr) {
        this._tbody.insertBefore(row.tr, this._tbody.children[index] ?? null);
      }
    });
    for (const [key, row] of this._rows) {
      if (!next.has(key)) {
        row.tr.remove();
      }
    }
    this._rows = next;
  }

  private _clock: () => number;
  private _costProblems: HTMLUListElement;
  private _costRetry: HTMLButtonElement;
  private _costStatus: HTMLDivElement;
  private _costStatusText: HTMLSpanElement;
  private _countdown: HTMLParagraphElement;
  private _envHeading: HTMLHeadingElement;
  private _environment: HTMLElement;
  private _followIdle: IDisposable | null;
  private _idle: IdleModel | null;
  private _idleCost: HTMLParagraphElement;
  private _idleSection: HTMLElement;
  private _instanceType: HTMLSpanElement;
  private _keepButton: HTMLButtonElement;
  private _keepMessage: HTMLParagraphElement;
  private _keepRunning: (() => Promise<unknown>) | null;
  private _model: CostModel;
  private _perDay: HTMLElement;
  private _perMonth: HTMLElement;
  private _priceSource: HTMLParagraphElement;
  private _problems: HTMLUListElement;
  private _rate: HTMLElement;
  private _refreshButton: HTMLButtonElement;
  private _keepBusy = false;
  private _resourcesRetry: HTMLButtonElement;
  private _resourcesStatus: HTMLDivElement;
  private _resourcesStatusText: HTMLSpanElement;
  private _rows = new Map<string, Private.IRow>();
  private _scope: HTMLSpanElement;
  private _session: HTMLElement;
  private _storage: HTMLParagraphElement;
  private _table: HTMLTableElement;
  private _tbody: HTMLTableSectionElement;
  private _timer: number | null = null;
  private _total: HTMLParagraphElement;
  private _updated: HTMLParagraphElement;
}

/**
 * A namespace for `CostPanel` statics.
 */
export namespace CostPanel {
  /**
   * The options to construct a `CostPanel`.
   */
  export interface IOptions {
    /** The cost and the resources. */
    model: CostModel;
    /** The idle status, for the countdown; no idle section without it. */
    idle?: IdleModel | null;
    /** The "Keep running" action; no button without it. */
    keepRunning?: (() => Promise<unknown>) | null;
    /** The current time in ms; injected for tests. */
    clock?: () => number;
  }

  /**
   * The `data-testid`s of the panel, for UI tests.
   */
  export const TEST_IDS = {
    panel: 'smcost-cost-panel',
    refresh: 'smcost-refresh',
    costStatus: 'smcost-cost-status',
    costMessage: 'smcost-cost-message',
    costRetry: 'smcost-cost-retry',
    environment: 'smcost-environment',
    instanceType: 'smcost-instance-type',
    rate: 'smcost-rate',
    session: 'smcost-session',
    perDay: 'smcost-per-day',
    perMonth: 'smcost-per-month',
    priceSource: 'smcost-price-source',
    storage: 'smcost-storage',
    costProblems: 'smcost-cost-problems',
    idle: 'smcost-idle',
    countdown: 'smcost-countdown',
    idleCost: 'smcost-idle-cost',
    keepRunning: 'smcost-keep-running',
    resources: 'smcost-resources',
    resourcesStatus: 'smcost-resources-status',
    resourcesMessage: 'smcost-resources-message',
    resourcesRetry: 'smcost-resources-retry',
    problems: 'smcost-problems',
    table: 'smcost-resources-table',
    row: 'smcost-resource-row',
    total: 'smcost-total'
  } as const;
}

namespace Private {
  /**
   * The prefix of the ids that label the sections (one panel per page).
   */
  export const ID_PREFIX = 'jp-smcost-CostPanel';

  /**
   * The problem codes shown on the price lines rather than in the list.
   */
  export const SHOWN_ABOVE = ['price-unknown', 'no-instance-type', 'no-charge'];

  /**
   * The table's columns: label, and whether it holds numbers.
   */
  export const COLUMNS: Array<[string, boolean]> = [
    ['Name', false],
    ['Kind', false],
    ['Instances', false],
    ['Rate', true],
    ['Running', true],
    ['Cost so far', true]
  ];

  /**
   * Create an element.
   */
  export function el<K extends keyof HTMLElementTagNameMap>(
    tag: K,
    options: {
      className?: string;
      testid?: string;
      text?: string;
      attrs?: { [name: string]: string };
    } = {}
  ): HTMLElementTagNameMap[K] {
    const node = document.createElement(tag);
    if (options.className) {
      node.className = options.className;
    }
    if (options.testid) {
      node.dataset.testid = options.testid;
    }
    if (options.text !== undefined) {
      node.textContent = options.text;
    }
    for (const [name, value] of Object.entries(options.attrs ?? {})) {
      node.setAttribute(name, value);
    }
    return node;
  }

  /**
   * A "Retry" button.
   */
  export function retryButton(testid: string): HTMLButtonElement {
    return el('button', {
      className: 'jp-smcost-CostPanel-button',
      testid,
      text: 'Retry',
      attrs: { type: 'button' }
    });
  }

  /**
   * A list of figures: label, value.
   */
  export function figures(items: Array<[string, HTMLElement]>): HTMLElement {
    const dl = el('dl', { className: 'jp-smcost-CostPanel-figures' });
    for (const [label, value] of items) {
      dl.append(el('dt', { text: label }), value);
    }
    return dl;
  }

  /**
   * Set a text if it changed (a selection survives the ticks).
   */
  export function setText(node: HTMLElement, text: string): void {
    if (node.textContent !== text) {
      node.textContent = text;
    }
  }

  /**
   * Set a data attribute if it changed; `undefined` removes it.
   */
  export function setData(
    node: HTMLElement,
    name: string,
    value: string | undefined | null
  ): void {
    if (value === undefined || value === null) {
      delete node.dataset[name];
    } else if (node.dataset[name] !== value) {
      node.dataset[name] = value;
    }
  }

  /**
   * Fill a list of problems, shown verbatim; hidden when empty.
   */
  export function setList(
    list: HTMLUListElement,
    items: Array<{ code: string; message: string }>
  ): void {
    const signature = JSON.stringify(items);
    if (list.dataset.signature !== signature) {
      list.dataset.signature = signature;
      list.replaceChildren(
        ...items.map(item => {
          const li = el('li', { text: item.message });
          li.dataset.code = item.code;
          return li;
        })
      );
    }
    list.hidden = items.length === 0;
  }

  /**
   * The elements of a resource row.
   */
  export interface IRow {
    tr: HTMLTableRowElement;
    name: HTMLTableCellElement;
    link: HTMLAnchorElement | HTMLSpanElement;
    secondary: HTMLDivElement;
    kind: HTMLTableCellElement;
    instances: HTMLTableCellElement;
    rate: HTMLTableCellElement;
    running: HTMLTableCellElement;
    cost: HTMLTableCellElement;
  }

  /**
   * Create an empty resource row.
   */
  export function createRow(): IRow {
    const tr = el('tr', {
      className: 'jp-smcost-CostTable-row',
      testid: 'smcost-resource-row',
      attrs: { role: 'row' }
    });
    const name = el('th', {
      className: 'jp-smcost-CostTable-name',
      attrs: { scope: 'row', role: 'rowheader' }
    });
    const link = el('span', { className: 'jp-smcost-CostTable-link' });
    const secondary = el('div', { className: 'jp-smcost-CostTable-detail' });
    name.append(link, secondary);
    const cell = (numeric: boolean, testid: string) =>
      el('td', {
        className: numeric ? 'jp-smcost-CostTable-number' : '',
        testid,
        attrs: { role: 'cell' }
      });
    const row: IRow = {
      tr,
      name,
      link,
      secondary,
      kind: cell(false, 'smcost-resource-kind'),
      instances: cell(false, 'smcost-resource-instances'),
      rate: cell(true, 'smcost-resource-rate'),
      running: cell(true, 'smcost-resource-running'),
      cost: cell(true, 'smcost-resource-cost')
    };
    tr.append(name, row.kind, row.instances, row.rate, row.running, row.cost);
    return row;
  }

  /**
   * Show a resource in a row.
   */
  export function updateRow(
    row: IRow,
    resource: IResource,
    now?: number,
    generatedAt?: string | null
  ): void {
    const text = describeResource(resource, now, generatedAt);
    setData(row.tr, 'kind', resource.kind);
    setData(row.tr, 'name', resource.name);
    setData(row.tr, 'price', describePrice(resource.price).state);
    // Only https links: the URL comes from the server.
    const url =
      typeof resource.console_url === 'string' &&
      resource.console_url.startsWith('https://')
        ? resource.console_url
        : null;
    const isLink = row.link instanceof HTMLAnchorElement;
    if ((url !== null) !== isLink) {
      const replacement =
        url !== null
          ? el('a', {
              className: 'jp-smcost-CostTable-link',
              attrs: { target: '_blank', rel: 'noopener noreferrer' }
            })
          : el('span', { className: 'jp-smcost-CostTable-link' });
      row.link.replaceWith(replacement);
      row.link = replacement;
    }
    if (row.link instanceof HTMLAnchorElement && url !== null) {
      if (row.link.href !== url) {
        row.link.href = url;
      }
      row.link.title = `Open ${resource.name} in the AWS console (new tab)`;
    }
    setText(row.link, resource.name);
    setText(row.secondary, text.secondary);
    setText(row.kind, resourceKindLabel(resource.kind));
    setText(row.instances, text.instances);
    setText(row.rate, text.rate);
    row.rate.title = text.priceTitle;
    setText(row.running, text.running);
    setText(row.cost, text.cost);
    row.cost.title = text.priceTitle;
  }
}
