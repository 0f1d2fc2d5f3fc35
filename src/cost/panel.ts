import { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import { LabIcon } from '@jupyterlab/ui-components';
import { IDisposable } from '@lumino/disposable';
import { Message } from '@lumino/messaging';
import { PanelLayout, Widget } from '@lumino/widgets';

import { burnSplit } from './chart';
import { describeTotal, environmentNoun, formatRate } from './format';
import { SessionCostHistory } from './history';
import { CostModel } from './model';
import { ResourcesSection } from './resources';
import {
  CostSection,
  CostStatus,
  EnvironmentSection,
  IdleSection,
  PictureSection
} from './sections';
import { el, setData, setText } from '../dom';
import { loadTrans } from '../i18n';
import { IdleModel } from '../idle/model';
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
 * Each part is a widget of its own (`src/cost/sections.ts`,
 * `src/cost/resources.ts`, and the savings section that
 * `jupyter-smcost:suggestions` adds); the panel lays them out, owns the
 * sticky header with the refresh, and redraws them at each answer and, while
 * it is visible, each second. Updates only change texts and attributes, so
 * the focus (a link, a button) survives each tick and each poll. The stable
 * hooks for UI tests are the `data-testid` attributes (see
 * `CostPanel.TEST_IDS` and `SuggestionsView.TEST_IDS`).
 */
export class CostPanel extends Widget {
  /**
   * Construct the panel.
   */
  constructor(options: CostPanel.IOptions) {
    super();
    this._model = options.model;
    this._idle = options.idle ?? null;
    this._clock = options.clock ?? Date.now;
    this._history = options.history ?? null;
    const trans = loadTrans(options.translator);
    this.id = COST_PANEL_ID;
    // Focusable (not in the tab order) so that opening the panel can move focus here.
    this.node.tabIndex = -1;
    this.addClass(COST_PANEL_CLASS);
    this.title.icon = costIcon;
    this.title.caption = trans.__('SageMaker Cost');
    this.node.dataset.testid = 'smcost-cost-panel';
    this.node.setAttribute('role', 'region');
    this.node.setAttribute('aria-label', trans.__('SageMaker cost'));

    // Header, sticky: the title, the manual refresh and the total burn rate.
    const refresh = el('button', {
      className: 'jp-smcost-CostPanel-button',
      testid: 'smcost-refresh',
      text: trans.__('Refresh'),
      attrs: { type: 'button', 'aria-label': trans.__('Refresh the cost') }
    });
    refresh.addEventListener('click', () => {
      void this._model.refresh();
      void this._savings?.refresh();
    });
    this._total = el('p', 'jp-smcost-CostPanel-total', 'smcost-total');
    const titleRow = el('div', { className: 'jp-smcost-CostPanel-titleRow' });
    titleRow.append(
      el('h2', {
        className: 'jp-smcost-CostPanel-title',
        text: trans.__('Cost')
      }),
      refresh
    );
    this._header = new Widget({
      node: el('div', 'jp-smcost-CostPanel-header', 'smcost-header')
    });
    this._header.node.append(titleRow, this._total);

    const model = this._model;
    const retry = () => void model.refresh();
    this._environment = new EnvironmentSection({ model, trans });
    this._sections = [
      new CostStatus({ model, trans, onRetry: retry }),
      new PictureSection({ model, trans, history: this._history }),
      this._environment,
      new IdleSection({
        model,
        trans,
        idle: this._idle,
        keepRunning: options.keepRunning
      }),
      new ResourcesSection({ model, trans, onRetry: retry })
    ];
    const layout = (this.layout = new PanelLayout());
    layout.addWidget(this._header);
    for (const section of this._sections) {
      layout.addWidget(section);
    }
    this._trans = trans;
    if (options.savings) {
      this.setSavings(options.savings);
    }

    model.changed.connect(this.render, this);
    this._idle?.changed.connect(this.render, this);
    this._history?.changed.connect(this.render, this);
    // When the idle shutdown stops the app, the cost (and the meter) stop at
    // once rather than at the next poll.
    this._followIdle = this._idle ? model.followIdle(this._idle) : null;
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
    const layout = this.layout as PanelLayout;
    layout.insertWidget(layout.widgets.indexOf(this._environment), section);
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
    setData(this.node, 'state', this._model.costState);
    for (const section of this._sections) {
      section.render(now);
    }
    this._renderTotal();
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
      this._header.node.offsetHeight;
    this.node.scrollTop = Math.max(0, this.node.scrollTop + delta - 4);
  }

  /**
   * Dispose of the panel and its sections.
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
    if (this.isVisible) {
      this._start();
    }
  }

  protected onBeforeDetach(msg: Message): void {
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

  /**
   * The total burn rate, in the sticky header: this environment and the
   * running resources (before the first listing, this environment alone).
   */
  private _renderTotal(): void {
    const cost = this._model.cost;
    const resources = this._model.resources;
    let text = '';
    if (resources !== null && resources.state !== 'loading') {
      text = describeTotal(cost, resources, this._trans);
    } else {
      const split = burnSplit(cost, null, this._trans);
      if (split.total > 0 && cost !== null) {
        const noun = environmentNoun(cost.environment, this._trans);
        text = this._trans.__(
          '%1: %2 · listing resources…',
          `${noun.charAt(0).toUpperCase()}${noun.slice(1)}`,
          formatRate(split.total, this._trans)
        );
      }
    }
    setText(this._total, text);
    this._total.hidden = text === '';
  }

  private _clock: () => number;
  private _environment: EnvironmentSection;
  private _followIdle: IDisposable | null;
  private _header: Widget;
  private _history: SessionCostHistory | null;
  private _idle: IdleModel | null;
  private _model: CostModel;
  private _savings: ISavingsSection | null = null;
  private _sections: CostSection[];
  private _timer: number | null = null;
  private _total: HTMLParagraphElement;
  private _trans: TranslationBundle;
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
    /** The strings' translations; English without it. */
    translator?: ITranslator | null;
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
