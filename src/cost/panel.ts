import { LabIcon } from '@jupyterlab/ui-components';
import { IDisposable } from '@lumino/disposable';
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import {
  BurnBar,
  burnCategory,
  BurnCategory,
  burnLabel,
  burnSplit,
  resourceRate,
  Sparkline
} from './chart';
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
  formatRate,
  formatSessionUsd,
  hasEnvironmentCost,
  priceSourceLabel,
  stoppedAt
} from './format';
import { SessionCostHistory } from './history';
import { CostModel } from './model';
import {
  formatDuration,
  formatUsd,
  isStopped,
  resourceKindLabel
} from '../format';
import { IdleModel } from '../idle/model';
import { ICost, IResource } from '../api';
import { el, setData, setText } from '../dom';
import { ISavingsSection } from '../tokens';

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
 * The Cost panel (left sidebar), to be read at a glance: at the top (and
 * kept there while scrolling) the total burn rate; a bar of where it goes and
 * this session's cost over time; the savings suggestions with their actions;
 * then what this environment costs, the idle countdown with "Keep running",
 * and the running resources grouped by kind, one line each.
 *
 * The DOM is built once; updates only change texts and attributes, and rows
 * and cards are kept by resource and suggestion, so the focus (a link, a
 * button) survives each tick and each poll. The stable hooks for UI tests
 * are the `data-testid` attributes (see `CostPanel.TEST_IDS` and
 * `SuggestionsView.TEST_IDS`).
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
    this._history = options.history ?? null;
    this.id = COST_PANEL_ID;
    // Focusable (not in the tab order) so that opening the panel can move focus here.
    this.node.tabIndex = -1;
    this.addClass(COST_PANEL_CLASS);
    this.title.icon = costIcon;
    this.title.caption = 'SageMaker Cost';
    this.node.dataset.testid = 'smcost-cost-panel';
    this.node.setAttribute('role', 'region');
    this.node.setAttribute('aria-label', 'SageMaker cost');

    const d = el;
    // Header, sticky: the title, the manual refresh and the total burn rate.
    this._refreshButton = d('button', {
      className: 'jp-smcost-CostPanel-button',
      testid: 'smcost-refresh',
      text: 'Refresh',
      attrs: { type: 'button', 'aria-label': 'Refresh the cost' }
    });
    this._total = d('p', {
      className: 'jp-smcost-CostPanel-total',
      testid: 'smcost-total'
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

    // The picture: where the burn rate goes, and this session over time.
    this._burnBar = new BurnBar();
    this._sparkline = new Sparkline();
    this._picture = d('section', {
      className: 'jp-smcost-CostPanel-picture',
      testid: 'smcost-picture',
      attrs: { 'aria-label': 'Where the money goes' }
    });
    this._picture.append(this._burnBar.node, this._sparkline.node);

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
    // Explicit roles: the table is laid out as a grid (style/cost.css), and
    // a table whose `display` changes may lose its semantics otherwise.
    this._table = d('table', {
      className: 'jp-smcost-CostTable',
      testid: 'smcost-resources-table',
      attrs: { role: 'table' }
    });
    const caption = d('caption', {
      className: 'jp-smcost-visuallyHidden',
      text: 'Running resources by kind and what they cost'
    });
    const headRow = d('tr', {
      className: 'jp-smcost-CostTable-head',
      attrs: { role: 'row' }
    });
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
    this._table.append(caption, thead);
    const tableWrapper = d('div', { className: 'jp-smcost-CostTable-wrapper' });
    tableWrapper.append(this._table);
    this._omitted = d('p', {
      className: 'jp-smcost-CostPanel-secondary',
      testid: 'smcost-omitted'
    });
    this._footnote = d('p', {
      className: 'jp-smcost-CostPanel-source jp-smcost-CostPanel-footnote',
      testid: 'smcost-price-footnote'
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
      this._omitted,
      this._footnote,
      this._updated
    );

    const titleRow = d('div', { className: 'jp-smcost-CostPanel-titleRow' });
    titleRow.append(
      d('h2', { className: 'jp-smcost-CostPanel-title', text: 'Cost' }),
      this._refreshButton
    );
    this._header = d('div', {
      className: 'jp-smcost-CostPanel-header',
      testid: 'smcost-header'
    });
    this._header.append(titleRow, this._total);
    this.node.append(
      this._header,
      this._costStatus,
      this._picture,
      this._environment,
      this._idleSection,
      resources
    );
    if (options.savings) {
      this.setSavings(options.savings);
    }

    this._model.changed.connect(this.render, this);
    this._idle?.changed.connect(this.render, this);
    this._history?.changed.connect(this.render, this);
    // When the idle shutdown stops the app, the cost (and the meter) stop at
    // once rather than at the next poll.
    this._followIdle = this._idle ? this._model.followIdle(this._idle) : null;
    this.render();
  }

  /**
   * The savings section, `null` without suggestions.
   */
  get savings(): ISavingsSection | null {
    return this._savings;
  }

  /**
   * Put the savings section in the panel, under the picture; the panel
   * disposes of it. Once.
   *
   * @param section - The savings suggestions (`jupyter-smcost:suggestions`).
   */
  setSavings(section: ISavingsSection): void {
    if (this._savings !== null || this.isDisposed) {
      return;
    }
    this._savings = section;
    this.node.insertBefore(section.node, this._environment);
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
    this._renderTotal();
    this._renderPicture();
  }

  /**
   * Bring the savings into view and move the focus there ("Show SageMaker
   * savings"). Call it once the panel is shown.
   */
  showSavings(): void {
    if (this._savings === null) {
      this.node.focus();
      return;
    }
    this._savings.focus();
    // Scroll it to just under the sticky header, not behind it.
    const delta =
      this._savings.node.getBoundingClientRect().top -
      this.node.getBoundingClientRect().top -
      this._header.offsetHeight;
    this.node.scrollTop = Math.max(0, this.node.scrollTop + delta - 4);
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
      if (button === this._refreshButton) {
        void this._savings?.refresh();
      }
    } else if (button === this._keepButton) {
      void this._onKeepRunning();
    } else if (button.dataset.role === 'toggle') {
      const row = this._rowOf(button);
      if (row) {
        Private.setExpanded(row, !row.expanded);
      }
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
    this._savings?.dispose();
    this._model.setResourcesWanted(false);
    this._model.changed.disconnect(this.render, this);
    this._idle?.changed.disconnect(this.render, this);
    this._history?.changed.disconnect(this.render, this);
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

  private async _onKeepRunning(): Promise<void> {
    if (this._keepRunning === null) {
      return;
    }
    if (this._keepBusy) {
      return;
    }
    setText(this._keepMessage, '');
    // aria-disabled, not disabled: a disabled button drops the keyboard focus.
    this._keepBusy = true;
    this._keepButton.setAttribute('aria-disabled', 'true');
    try {
      await this._keepRunning();
      setText(this._keepMessage, 'The idle clock starts again.');
    } catch (reason) {
      setText(
        this._keepMessage,
        'Could not reach the server to keep the app running: ' +
          (reason instanceof Error ? reason.message : String(reason))
      );
    } finally {
      this._keepBusy = false;
      this._keepButton.removeAttribute('aria-disabled');
    }
  }

  /**
   * The total burn rate, in the sticky header: this environment and the
   * running resources (before the first listing, this environment alone).
   */
  private _renderTotal(): void {
    const cost = this._model.cost;
    const resources = this._model.resources;
    let text = '';
    if (resources !== null && resources.state !== 'loading') {
      text = describeTotal(cost, resources);
    } else {
      const rate = Private.environmentRate(cost);
      if (rate !== null && cost !== null) {
        const noun = environmentNoun(cost.environment);
        text =
          `${noun.charAt(0).toUpperCase()}${noun.slice(1)}: ` +
          `${formatRate(rate)} · listing resources…`;
      }
    }
    setText(this._total, text);
    this._total.hidden = text === '';
  }

  /**
   * The bar of the burn rate and the sparkline of this session.
   */
  private _renderPicture(): void {
    const resources = this._model.resources;
    const split = burnSplit(
      this._model.cost,
      resources !== null && resources.state !== 'loading' ? resources : null
    );
    this._burnBar.update(split);
    this._sparkline.update(this._history?.samples ?? []);
    this._picture.hidden =
      this._burnBar.node.hidden && this._sparkline.node.hidden;
  }

  private _renderCost(now: number): void {
    const model = this._model;
    const cost = model.cost;
    const state = model.costState;
    setData(this.node, 'state', state);
    // The status line: loading, or an error (with the last good figures kept).
    setData(this._costStatus, 'state', state);
    this._costStatus.hidden = state === 'ready';
    this._costRetry.hidden = state !== 'error';
    setText(
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
    setText(this._envHeading, noun.charAt(0).toUpperCase() + noun.slice(1));
    setText(
      this._instanceType,
      cost.instance?.instance_type ?? 'instance type unknown'
    );
    const price = describePrice(cost.instance?.price);
    const rate =
      price.state === 'known' && typeof cost.usd_per_hour === 'number'
        ? cost.usd_per_hour
        : null;
    setData(this._environment, 'price', price.state);
    const stopped = stoppedAt(cost);
    setData(this._environment, 'stopped', stopped === null ? 'false' : 'true');
    setText(
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
    setText(
      this._session,
      session !== null
        ? formatSessionUsd(session) +
            (details.length > 0 ? ` (${details.join(', ')})` : '')
        : rate === null
          ? '—'
          : 'start time unknown'
    );
    const projection = cost.projection ?? {};
    setText(
      this._perDay,
      rate !== null && typeof projection.per_day_usd === 'number'
        ? formatUsd(projection.per_day_usd)
        : '—'
    );
    setText(
      this._perMonth,
      rate !== null && typeof projection.per_month_usd === 'number'
        ? formatUsd(projection.per_month_usd)
        : '—'
    );
    setText(this._priceSource, price.text);
    this._priceSource.title = price.title;
    setData(this._priceSource, 'source', cost.instance?.price?.source);
    const storage = describeStorage(cost);
    setText(this._storage, storage.text);
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
    setText(this._countdown, countdown.text);
    setData(this._countdown, 'state', countdown.state);
    setData(
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
    setText(this._idleCost, idleCost ?? '');
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
            // "mine" with no provable owner lists nothing: say so, not "none running".
            text = (resources.problems ?? []).some(p => p.code === 'scope')
              ? 'No running jobs or endpoints that are provably yours:'
              : 'No running jobs or endpoints.';
          }
      }
    }
    setData(this._resourcesStatus, 'state', status);
    setText(this._resourcesStatusText, text);
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
    setText(this._scope, scope ? `(${scope})` : '');

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
    const omitted = resources === null ? '' : describeOmitted(resources);
    setText(this._omitted, omitted ? `${omitted}.` : '');
    this._omitted.hidden = omitted === '';
    const age = model.resourcesAge(now);
    setText(
      this._updated,
      age === null ? '' : `Listed from AWS ${formatDuration(age)} ago.`
    );
    this._updated.hidden = age === null;
  }

  /**
   * Bring the table in line with the resources: one group per kind of cost
   * (the bar's), the most expensive group first, and one row per resource,
   * keeping each row's elements (and the focus in them) across updates.
   */
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
      ([] as IResource[]).concat(...categories.map(c => byCategory.get(c)!))
    );
    const footnote = Private.describeSources(sources);
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
        burnLabel(category, this._model.cost),
        list.length,
        subtotal(list),
        list.filter(r => resourceRate(r) === null).length
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
        const row = this._rows.get(key) ?? Private.createRow();
        Private.updateRow(row, resource, sources, now, generatedAt);
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

  private _burnBar: BurnBar;
  private _clock: () => number;
  private _costProblems: HTMLUListElement;
  private _costRetry: HTMLButtonElement;
  private _costStatus: HTMLDivElement;
  private _costStatusText: HTMLSpanElement;
  private _countdown: HTMLParagraphElement;
  private _envHeading: HTMLHeadingElement;
  private _environment: HTMLElement;
  private _followIdle: IDisposable | null;
  private _footnote: HTMLParagraphElement;
  private _groups = new Map<BurnCategory, Private.IGroup>();
  private _header: HTMLDivElement;
  private _history: SessionCostHistory | null;
  private _idle: IdleModel | null;
  private _idleCost: HTMLParagraphElement;
  private _idleSection: HTMLElement;
  private _instanceType: HTMLSpanElement;
  private _keepButton: HTMLButtonElement;
  private _keepMessage: HTMLParagraphElement;
  private _keepRunning: (() => Promise<unknown>) | null;
  private _model: CostModel;
  private _omitted: HTMLParagraphElement;
  private _perDay: HTMLElement;
  private _perMonth: HTMLElement;
  private _picture: HTMLElement;
  private _priceSource: HTMLParagraphElement;
  private _problems: HTMLUListElement;
  private _rate: HTMLElement;
  private _refreshButton: HTMLButtonElement;
  private _keepBusy = false;
  private _resourcesRetry: HTMLButtonElement;
  private _resourcesStatus: HTMLDivElement;
  private _resourcesStatusText: HTMLSpanElement;
  private _rows = new Map<string, Private.IRow>();
  private _savings: ISavingsSection | null = null;
  private _scope: HTMLSpanElement;
  private _session: HTMLElement;
  private _sparkline: Sparkline;
  private _storage: HTMLParagraphElement;
  private _table: HTMLTableElement;
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
    /** The savings section; none without it (see `setSavings`). */
    savings?: ISavingsSection | null;
    /** This session's cost over time; no sparkline without it. */
    history?: SessionCostHistory | null;
    /** The current time in ms; injected for tests. */
    clock?: () => number;
  }

  /**
   * The `data-testid`s of the panel, for UI tests.
   */
  export const TEST_IDS = {
    panel: 'smcost-cost-panel',
    header: 'smcost-header',
    refresh: 'smcost-refresh',
    total: 'smcost-total',
    costStatus: 'smcost-cost-status',
    costMessage: 'smcost-cost-message',
    costRetry: 'smcost-cost-retry',
    picture: 'smcost-picture',
    burnBar: 'smcost-burn-bar',
    burnLegend: 'smcost-burn-legend',
    burnItem: 'smcost-burn-item',
    sparkline: 'smcost-sparkline',
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
    group: 'smcost-resource-group',
    row: 'smcost-resource-row',
    toggle: 'smcost-resource-toggle',
    more: 'smcost-resource-more',
    omitted: 'smcost-omitted',
    priceFootnote: 'smcost-price-footnote'
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
    ['Instance', false],
    ['Rate', true],
    ['So far', true]
  ];

  /**
   * The marks of the price sources in the footnote, when there are several.
   */
  const MARKS = ['¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];

  let nextId = 0;

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
   * This environment's known rate, `null` when unknown or free.
   */
  export function environmentRate(cost: ICost | null): number | null {
    const split = burnSplit(cost, null);
    return split.total > 0 ? split.total : null;
  }

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
  export function priceSources(resources: IResource[]): Map<string, ISource> {
    const sources = new Map<string, ISource>();
    for (const resource of resources) {
      if (resourceRate(resource) === null) {
        continue;
      }
      const label = priceSourceLabel(resource.price);
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
  export function describeSources(sources: Map<string, ISource>): {
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
      text: `Prices: ${parts.join('; ')}.`,
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
    unpriced: number
  ): void {
    setText(group.label, label);
    setText(group.count, ` (${count})`);
    setText(
      group.rate,
      usdPerHour > 0
        ? formatRate(usdPerHour) + (unpriced > 0 ? ' +' : '')
        : 'price unknown'
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
  export function createRow(): IRow {
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
    const running = el('span', {
      className: 'jp-smcost-figure',
      testid: 'smcost-resource-running'
    });
    const secondary = el('span', {
      className: 'jp-smcost-CostTable-secondary'
    });
    const link = el('a', {
      className: 'jp-smcost-CostTable-link',
      testid: 'smcost-resource-link',
      text: 'AWS console',
      attrs: { target: '_blank', rel: 'noopener noreferrer' }
    });
    // The whole name first: the line may have shortened it.
    const fullName = el('span', { className: 'jp-smcost-CostTable-fullName' });
    detail.append(fullName, kind, ' · running ', running, secondary, ' ', link);
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
    now?: number,
    generatedAt?: string | null
  ): void {
    const text = describeResource(resource, now, generatedAt);
    const price = describePrice(resource.price);
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
        ? sources.get(priceSourceLabel(resource.price))
        : undefined;
    setData(row.rate, 'sourceMark', source?.mark || undefined);
    setText(row.cost, text.cost);
    row.cost.title = text.priceTitle;
    setText(row.kind, resourceKindLabel(resource.kind));
    setText(row.running, text.running);
    // What is not on the line: the whole instance type, the server's
    // detail, the status, and why a price is unknown.
    const secondary = [
      text.instances,
      resource.detail,
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
      `Open ${resource.name} in the AWS console (new tab)`
    );
  }
}
