import { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import {
  LabIcon,
  refreshIcon,
  SidePanel,
  Spinner,
  ToolbarButton
} from '@jupyterlab/ui-components';
import { IDisposable } from '@lumino/disposable';
import { Message } from '@lumino/messaging';
import { Panel, Widget } from '@lumino/widgets';

import { burnSplit } from './chart';
import { describeTotal, environmentNoun, formatRate } from './format';
import { SessionCostHistory } from './history';
import { BudgetSection } from './budget';
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
import { ScheduleModel } from '../idle/schedule';
import { IIdleStatus } from '../api';
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
 * The Cost panel (left sidebar), to be read at a glance: at the top (in the
 * header, which stays while the content scrolls) the total burn rate; a bar
 * of where it goes and this session's cost over time; the savings
 * suggestions with their actions; then what this environment costs, the idle
 * countdown with "Keep running", and the running resources grouped by kind,
 * one line each.
 *
 * A JupyterLab `SidePanel`: the header holds the title and the total, the
 * toolbar the refresh button and JupyterLab's spinner (shown while a refresh
 * is in flight or the first figures are awaited), and the content, a plain
 * `Panel` that scrolls, the sections. Each section is a widget of its own
 * (`src/cost/sections.ts`, `src/cost/resources.ts`, and the savings section
 * that `jupyter-smcost:suggestions` adds); the panel redraws them at each
 * answer and, while it is visible, each second. Updates only change texts and
 * attributes, so the focus (a link, a button) survives each tick and each
 * poll. The stable hooks for UI tests are the `data-testid` attributes (see
 * `CostPanel.TEST_IDS` and `SuggestionsView.TEST_IDS`).
 */
export class CostPanel extends SidePanel {
  /**
   * Construct the panel.
   */
  constructor(options: CostPanel.IOptions) {
    // The content is a plain panel, not SidePanel's default accordion: the
    // sections have headings of their own and are read one after the other.
    super({
      content: new Panel(),
      header: new Panel(),
      translator: options.translator ?? undefined
    });
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

    // The header, above the scrolling content: the title and the total burn rate.
    const header = this.header;
    header.addClass('jp-smcost-CostPanel-header');
    header.node.dataset.testid = 'smcost-header';
    header.addWidget(
      new Widget({
        node: el('h2', {
          className: 'jp-smcost-CostPanel-title',
          text: trans.__('Cost')
        })
      })
    );
    this._total = el('p', 'jp-smcost-CostPanel-total', 'smcost-total');
    header.addWidget(new Widget({ node: this._total }));

    // The toolbar: the manual refresh, and the spinner while it is under way.
    const toolbar = this.toolbar;
    toolbar.node.dataset.testid = 'smcost-toolbar';
    toolbar.node.setAttribute('aria-label', trans.__('Cost panel toolbar'));
    const refresh = new ToolbarButton({
      icon: refreshIcon,
      tooltip: trans.__('Refresh the cost'),
      // The `data-` form: JupyterLab 4.0 spreads the keys as they are.
      dataset: { 'data-testid': 'smcost-refresh' },
      onClick: () => {
        // JupyterLab's button toggles `pressed` on each click; a refresh is
        // an action, not a toggle.
        refresh.pressed = false;
        void this.refresh();
      }
    });
    toolbar.addItem('refresh', refresh);
    this._spinner = new Spinner();
    this._spinner.addClass('jp-smcost-CostPanel-busy');
    this._spinner.node.dataset.testid = 'smcost-busy';
    this._spinner.node.setAttribute('role', 'progressbar');
    this._spinner.node.setAttribute(
      'aria-label',
      trans.__('Refreshing the cost…')
    );
    toolbar.addItem('busy', this._spinner);

    this.content.addClass('jp-smcost-CostPanel-content');
    this.content.node.dataset.testid = 'smcost-content';

    const model = this._model;
    const retry = () => void model.refresh();
    this._environment = new EnvironmentSection({ model, trans });
    this._sections = [
      new CostStatus({ model, trans, onRetry: retry }),
      new PictureSection({ model, trans, history: this._history }),
      new BudgetSection({ model, trans }),
      this._environment,
      new IdleSection({
        model,
        trans,
        idle: this._idle,
        keepRunning: options.keepRunning,
        schedule: options.schedule,
        confirmStopNow: options.confirmStopNow,
        showHistory: options.showHistory
      }),
      new ResourcesSection({ model, trans, onRetry: retry })
    ];
    for (const section of this._sections) {
      this.addWidget(section);
    }
    this._strings = trans;
    if (options.savings) {
      this.setSavings(options.savings);
    }

    model.changed.connect(this.render, this);
    this._idle?.changed.connect(this.render, this);
    this._schedule = options.schedule ?? null;
    this._schedule?.changed.connect(this.render, this);
    this._history?.changed.connect(this.render, this);
    // When the idle shutdown stops the app, the cost (and the meter) stop at
    // once rather than at the next poll.
    this._followIdle = this._idle ? model.followIdle(this._idle) : null;
    this.render();
  }

  /**
   * Whether the panel waits for an answer: a refresh from its toolbar is in
   * flight, or the first cost (or, while shown, the first listing) has not
   * come yet. The toolbar's spinner shows then.
   */
  get busy(): boolean {
    const model = this._model;
    return (
      this._refreshing > 0 ||
      model.costState === 'loading' ||
      (model.resourcesWanted &&
        (model.resourcesState === 'loading' ||
          model.resources?.state === 'loading'))
    );
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
    this.insertWidget(this.widgets.indexOf(this._environment), section);
  }

  /**
   * Ask for the cost, the resources (while shown) and the savings again: the
   * toolbar's refresh. The spinner shows until every answer (or failure) has
   * come.
   */
  async refresh(): Promise<void> {
    if (this.isDisposed) {
      return;
    }
    this._refreshing++;
    this._renderBusy();
    try {
      // A failure shows in its section; the others still count.
      await Promise.all(
        [this._model.refresh(), this._savings?.refresh()].map(refreshed =>
          Promise.resolve(refreshed).catch(() => undefined)
        )
      );
    } finally {
      this._refreshing--;
      this._renderBusy();
    }
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
    this._renderBusy();
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
    // Scroll the content (the header and the toolbar stay) to its top.
    const content = this.content.node;
    const delta =
      this._savings.node.getBoundingClientRect().top -
      content.getBoundingClientRect().top;
    content.scrollTop = Math.max(0, content.scrollTop + delta - 4);
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
    this._schedule?.changed.disconnect(this.render, this);
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
   * The spinner and `aria-busy` of the content, while the panel is busy.
   */
  private _renderBusy(): void {
    if (this.isDisposed) {
      return;
    }
    const busy = this.busy;
    this._spinner.node.hidden = !busy;
    const content = this.content.node;
    if (busy && content.getAttribute('aria-busy') !== 'true') {
      content.setAttribute('aria-busy', 'true');
    } else if (!busy && content.hasAttribute('aria-busy')) {
      content.removeAttribute('aria-busy');
    }
  }

  /**
   * The total burn rate, in the header: this environment and the
   * running resources (before the first listing, this environment alone).
   */
  private _renderTotal(): void {
    const trans = this._strings;
    const cost = this._model.cost;
    const resources = this._model.resources;
    let text = '';
    if (resources !== null && resources.state !== 'loading') {
      text = describeTotal(cost, resources, trans);
    } else {
      const split = burnSplit(cost, null, trans);
      if (split.total > 0 && cost !== null) {
        const noun = environmentNoun(cost.environment, trans);
        text = trans.__(
          '%1: %2 · listing resources…',
          `${noun.charAt(0).toUpperCase()}${noun.slice(1)}`,
          formatRate(split.total, trans)
        );
      }
    }
    setText(this._total, text);
    this._total.hidden = text === '';
  }

  private _clock: () => number;
  private _environment: EnvironmentSection;
  private _followIdle: IDisposable | null;
  private _history: SessionCostHistory | null;
  private _idle: IdleModel | null;
  private _model: CostModel;
  private _refreshing = 0;
  private _savings: ISavingsSection | null = null;
  private _schedule: ScheduleModel | null;
  private _sections: CostSection[];
  private _spinner: Spinner;
  private _timer: number | null = null;
  private _total: HTMLParagraphElement;
  /** The extension's strings (SidePanel's `_trans` holds JupyterLab's). */
  private _strings: TranslationBundle;
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
    /**
     * The working hours' schedule and its changes; no controls without it.
     */
    schedule?: ScheduleModel | null;
    /** Ask before "Stop now"; JupyterLab's dialog by default. */
    confirmStopNow?: (idle: IIdleStatus | null) => Promise<boolean>;
    /** Open the idle history; no "History" link in the idle section without it. */
    showHistory?: (() => void) | null;
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
    toolbar: 'smcost-toolbar',
    refresh: 'smcost-refresh',
    busy: 'smcost-busy',
    content: 'smcost-content',
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
    idleHistory: 'smcost-idle-history',
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
