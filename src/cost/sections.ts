import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { BurnBar, burnSplit, Sparkline } from './chart';
import {
  describeCountdown,
  describeIdleCost,
  describePrice,
  describeStorage,
  environmentNoun,
  formatPriceRate,
  formatSessionUsd,
  hasEnvironmentCost,
  stoppedAt
} from './format';
import { SessionCostHistory } from './history';
import { CostModel } from './model';
import { el, IStatusLine, setData, setList, setText, statusLine } from '../dom';
import { formatDuration, formatUsd, isDryRun, isStopped } from '../format';
import { IIdleStatus } from '../api';
import { describeFleetStop } from '../idle/fleet';
import {
  confirmStopNow,
  isWaitingForBusy,
  ScheduleModel
} from '../idle/schedule';
import { IdleModel } from '../idle/model';
import { errorMessage } from '../poll';
import { WorkingHours } from './workinghours';

/**
 * A part of the Cost panel: a widget of its own that the panel redraws at
 * each answer and each tick.
 */
export abstract class CostSection extends Widget {
  /**
   * Construct the section on its node.
   */
  constructor(node: HTMLElement, options: CostSection.IOptions) {
    super({ node });
    this.model = options.model;
    this.trans = options.trans;
  }

  /**
   * Redraw from the models, touching the DOM only where something changed.
   *
   * @param now - The time in ms.
   */
  abstract render(now: number): void;

  /**
   * The cost and the resources.
   */
  protected readonly model: CostModel;

  /**
   * The extension's strings.
   */
  protected readonly trans: TranslationBundle;
}

/**
 * A namespace for `CostSection` statics.
 */
export namespace CostSection {
  /**
   * The options every section takes.
   */
  export interface IOptions {
    /** The cost and the resources. */
    model: CostModel;
    /** The extension's strings. */
    trans: TranslationBundle;
  }
}

/**
 * A section of the Cost panel named by its heading: `<section
 * aria-labelledby>` with the `<h3>` first.
 *
 * @param name - What the ids say (`environment`, `idle`, `resources`).
 * @param testid - The section's test id.
 * @param heading - The heading's text and test id, if any.
 */
export function labelledSection(
  name: string,
  testid: string,
  heading: { text?: string; testid?: string } = {}
): { node: HTMLElement; heading: HTMLHeadingElement } {
  const id = `${Private.ID_PREFIX}-${name}`;
  const node = el('section', {
    className: 'jp-smcost-CostPanel-section',
    testid,
    attrs: { 'aria-labelledby': id }
  });
  const h3 = el('h3', {
    className: 'jp-smcost-CostPanel-heading',
    testid: heading.testid,
    text: heading.text,
    attrs: { id }
  });
  node.append(h3);
  return { node, heading: h3 };
}

/**
 * The cost request's status line: loading, or why it failed (the last good
 * figures stay) with "Retry".
 */
export class CostStatus extends CostSection {
  constructor(options: CostStatus.IOptions) {
    const line = statusLine('smcost-cost-status', 'smcost-cost-message', {
      label: options.trans.__('Retry'),
      testid: 'smcost-cost-retry'
    });
    super(line.node, options);
    this._line = line;
    line.retry!.addEventListener('click', () => options.onRetry());
  }

  render(now: number): void {
    const { model, trans } = this;
    const state = model.costState;
    setData(this.node, 'state', state);
    this.node.hidden = state === 'ready';
    this._line.retry!.hidden = state !== 'error';
    let text = '';
    if (state === 'loading') {
      text = trans.__('Loading the cost…');
    } else if (state === 'error') {
      text =
        model.cost === null
          ? trans.__('Could not get the cost: %1', model.costError ?? '')
          : trans.__(
              'Could not refresh the cost (figures from %1 ago): %2',
              formatDuration(model.elapsedSeconds(now), 'floor', trans),
              model.costError ?? ''
            );
    }
    setText(this._line.text, text);
  }

  private _line: IStatusLine;
}

/**
 * A namespace for `CostStatus` statics.
 */
export namespace CostStatus {
  /**
   * The options to construct a `CostStatus`.
   */
  export interface IOptions extends CostSection.IOptions {
    /** "Retry": ask for the cost again. */
    onRetry: () => void;
  }
}

/**
 * The picture: where the burn rate goes (a bar), and this session's cost
 * over time (a sparkline).
 */
export class PictureSection extends CostSection {
  constructor(options: PictureSection.IOptions) {
    super(
      el('section', {
        className: 'jp-smcost-CostPanel-picture',
        testid: 'smcost-picture',
        attrs: { 'aria-label': options.trans.__('Where the money goes') }
      }),
      options
    );
    this._history = options.history ?? null;
    this._burnBar = new BurnBar(this.trans);
    this._sparkline = new Sparkline(this.trans);
    this.node.append(this._burnBar.node, this._sparkline.node);
  }

  render(): void {
    const resources = this.model.resources;
    const split = burnSplit(
      this.model.cost,
      resources !== null && resources.state !== 'loading' ? resources : null,
      this.trans
    );
    this._burnBar.update(split);
    this._sparkline.update(this._history?.samples ?? []);
    this.node.hidden = this._burnBar.node.hidden && this._sparkline.node.hidden;
  }

  private _burnBar: BurnBar;
  private _history: SessionCostHistory | null;
  private _sparkline: Sparkline;
}

/**
 * A namespace for `PictureSection` statics.
 */
export namespace PictureSection {
  /**
   * The options to construct a `PictureSection`.
   */
  export interface IOptions extends CostSection.IOptions {
    /** This session's cost over time; no sparkline without it. */
    history?: SessionCostHistory | null;
  }
}

/**
 * What this environment costs: its rate, this session, the projections, the
 * price's source, the storage, and the problems met costing it.
 */
export class EnvironmentSection extends CostSection {
  constructor(options: CostSection.IOptions) {
    const { node, heading } = labelledSection(
      'environment',
      'smcost-environment',
      { testid: 'smcost-environment-heading' }
    );
    super(node, options);
    this._heading = heading;
    const trans = this.trans;
    const d = el;
    this._instanceType = d(
      'span',
      'jp-smcost-CostPanel-instanceType',
      'smcost-instance-type'
    );
    this._rate = d('dd', { testid: 'smcost-rate' });
    this._session = d('dd', { testid: 'smcost-session' });
    this._perDay = d('dd', { testid: 'smcost-per-day' });
    this._perMonth = d('dd', { testid: 'smcost-per-month' });
    this._priceSource = d(
      'p',
      'jp-smcost-CostPanel-source',
      'smcost-price-source'
    );
    this._storage = d('p', 'jp-smcost-CostPanel-storage', 'smcost-storage');
    this._problems = d(
      'ul',
      'jp-smcost-CostPanel-problems',
      'smcost-cost-problems'
    );
    const figures = d('dl', { className: 'jp-smcost-CostPanel-figures' });
    for (const [label, value] of [
      [trans.__('Rate'), this._rate],
      [trans.__('This session'), this._session],
      [trans.__('Per day if left running'), this._perDay],
      [trans.__('Per month if left running'), this._perMonth]
    ] as const) {
      figures.append(d('dt', { text: label }), value);
    }
    this.node.append(
      this._instanceType,
      figures,
      this._priceSource,
      this._storage,
      this._problems
    );
  }

  render(now: number): void {
    const { model, trans } = this;
    const cost = model.cost;
    this.node.hidden = cost === null || !hasEnvironmentCost(cost);
    if (cost === null || this.node.hidden) {
      return;
    }
    const noun = environmentNoun(cost.environment, trans);
    setText(this._heading, noun.charAt(0).toUpperCase() + noun.slice(1));
    setText(
      this._instanceType,
      cost.instance?.instance_type ?? trans.__('instance type unknown')
    );
    const price = describePrice(cost.instance?.price, trans);
    const rate =
      price.state === 'known' && typeof cost.usd_per_hour === 'number'
        ? cost.usd_per_hour
        : null;
    setData(this.node, 'price', price.state);
    const stopped = stoppedAt(cost);
    setData(this.node, 'stopped', stopped === null ? 'false' : 'true');
    setText(
      this._rate,
      formatPriceRate(cost.instance?.price, rate, trans) +
        (stopped !== null && rate !== null ? trans.__(' while it ran') : '')
    );
    this._rate.title = price.title;
    // The same figure and rounding as the meter's.
    const session = rate === null ? null : model.sessionUsd(now);
    const uptime = model.uptimeSeconds(now);
    const details = [
      uptime !== null ? formatDuration(uptime, 'floor', trans) : null,
      stopped !== null ? trans.__('stopped at %1', stopped) : null
    ].filter(part => part !== null);
    setText(
      this._session,
      session !== null
        ? formatSessionUsd(session) +
            (details.length > 0 ? ` (${details.join(', ')})` : '')
        : rate === null
          ? '—'
          : trans.__('start time unknown')
    );
    const projection = cost.projection ?? {};
    const projected = (usd: number | null | undefined) =>
      rate !== null && typeof usd === 'number' ? formatUsd(usd) : '—';
    setText(this._perDay, projected(projection.per_day_usd));
    setText(this._perMonth, projected(projection.per_month_usd));
    setText(this._priceSource, price.text);
    this._priceSource.title = price.title;
    setData(this._priceSource, 'source', cost.instance?.price?.source);
    const storage = describeStorage(cost, trans);
    setText(this._storage, storage.text);
    this._storage.title = storage.title;
    // The price problems are on the lines above; the others (permissions,
    // AWS errors) are listed verbatim.
    setList(
      this._problems,
      (cost.problems ?? [])
        .filter(p => !Private.SHOWN_ABOVE.includes(p.code))
        .map(p => ({ code: p.code, message: p.message }))
    );
  }

  private _heading: HTMLHeadingElement;
  private _instanceType: HTMLSpanElement;
  private _perDay: HTMLElement;
  private _perMonth: HTMLElement;
  private _priceSource: HTMLParagraphElement;
  private _problems: HTMLUListElement;
  private _rate: HTMLElement;
  private _session: HTMLElement;
  private _storage: HTMLParagraphElement;
}

/**
 * The idle countdown, what the idle time costs, "Keep running" (and "Stop
 * now" while a due scheduled stop waits for busy kernels), and the working
 * hours.
 */
export class IdleSection extends CostSection {
  constructor(options: IdleSection.IOptions) {
    super(
      labelledSection('idle', 'smcost-idle', {
        text: options.trans.__('Idle shutdown')
      }).node,
      options
    );
    this._idle = options.idle ?? null;
    this._keepRunning = options.keepRunning ?? null;
    const trans = this.trans;
    const d = el;
    this._countdown = d(
      'p',
      'jp-smcost-CostPanel-countdown',
      'smcost-countdown'
    );
    this._idleCost = d(
      'p',
      'jp-smcost-CostPanel-secondary',
      'smcost-idle-cost'
    );
    this._keepButton = d('button', {
      className: 'jp-smcost-CostPanel-keepRunning jp-mod-styled jp-mod-accept',
      testid: 'smcost-keep-running',
      text: trans.__('Keep running'),
      attrs: {
        type: 'button',
        'aria-label': trans.__('Keep running: restart the idle clock')
      }
    });
    this._keepButton.addEventListener('click', () => {
      void this._onKeepRunning();
    });
    this._keepMessage = d('p', {
      className: 'jp-smcost-CostPanel-secondary',
      testid: 'smcost-keep-running-message',
      attrs: { role: 'status', 'aria-live': 'polite' }
    });
    this._scheduleModel = options.schedule ?? null;
    this._confirmStopNow = options.confirmStopNow ?? confirmStopNow;
    this._stopNowButton = d('button', {
      className: 'jp-smcost-CostPanel-stopNow jp-mod-styled jp-mod-warn',
      testid: 'smcost-stop-now',
      text: trans.__('Stop now'),
      attrs: {
        type: 'button',
        'aria-label': trans.__(
          'Stop now: end the running kernels for the scheduled stop'
        )
      }
    });
    this._stopNowButton.hidden = true;
    this._stopNowButton.addEventListener('click', () => {
      void this._onStopNow();
    });
    this._stopNowMessage = d('p', {
      className: 'jp-smcost-CostPanel-secondary',
      testid: 'smcost-stop-now-message',
      attrs: { role: 'status', 'aria-live': 'polite' }
    });
    const buttons = d('div', { className: 'jp-smcost-CostPanel-idleActions' });
    buttons.append(this._keepButton, this._stopNowButton);
    this._fleet = d('p', {
      className: 'jp-smcost-CostPanel-secondary',
      testid: 'smcost-fleet-stop'
    });
    this._fleet.hidden = true;
    this._workingHours = new WorkingHours({
      trans,
      schedule: this._scheduleModel
    });
    this.node.append(
      this._countdown,
      this._fleet,
      this._idleCost,
      buttons,
      this._keepMessage,
      this._stopNowMessage
    );
    // "Why was I stopped": the idle history, behind a small link.
    const showHistory = options.showHistory ?? null;
    if (showHistory !== null) {
      const history = d('button', {
        className: 'jp-smcost-CostPanel-historyLink',
        testid: 'smcost-idle-history',
        text: trans.__('History'),
        attrs: {
          type: 'button',
          title: trans.__('Every idle warning and shutdown of this app')
        }
      });
      history.addEventListener('click', () => showHistory());
      const line = d('p', { className: 'jp-smcost-CostPanel-secondary' });
      line.append(history);
      this.node.append(line);
    }
    this.node.append(this._workingHours.node);
  }

  render(now: number): void {
    const idle = this._idle;
    this.node.hidden = idle === null;
    if (idle === null) {
      return;
    }
    const view = idle.view(now);
    const countdown = describeCountdown(view, idle.error, this.trans);
    setText(this._countdown, countdown.text);
    setData(this._countdown, 'state', countdown.state);
    setData(
      this._countdown,
      'limit',
      view?.idle.limit ?? (view ? 'timeout' : undefined)
    );
    const fleet = describeFleetStop(idle.status, this.trans);
    const stopped = view !== null && isStopped(view.idle);
    this._workingHours.render(idle.status, stopped);
    // Only while a due scheduled stop waits for busy kernels.
    this._stopNowButton.hidden =
      this._scheduleModel === null ||
      view === null ||
      view.state !== 'warning' ||
      !isWaitingForBusy(view.idle);
    setText(this._fleet, fleet ?? '');
    this._fleet.hidden = fleet === null;
    const cost = this.model.cost;
    const rate =
      cost !== null && describePrice(cost.instance?.price).state === 'known'
        ? cost.usd_per_hour
        : null;
    const idleCost = describeIdleCost(view, rate, this.trans);
    setText(this._idleCost, idleCost ?? '');
    this._idleCost.hidden = idleCost === null;
    // A stopped app no longer exists: there is nothing to keep running. (A
    // dry run's app does: its "Keep running" restarts the idle clock.)
    this._keepButton.hidden =
      this._keepRunning === null || view === null || isStopped(view.idle);
  }

  /**
   * "Stop now": asked first (JupyterLab's dialog says what ends), then the
   * consent sent; the server's refusal is shown as it says it.
   */
  private async _onStopNow(): Promise<void> {
    const model = this._scheduleModel;
    if (model === null || this._stopNowBusy) {
      return;
    }
    const trans = this.trans;
    setText(this._stopNowMessage, '');
    this._stopNowBusy = true;
    this._stopNowButton.setAttribute('aria-disabled', 'true');
    try {
      if (!(await this._confirmStopNow(this._idle?.status?.idle ?? null))) {
        return;
      }
      await model.stopNow();
      setText(
        this._stopNowMessage,
        this._idle?.status && isDryRun(this._idle.status.idle)
          ? trans.__('Dry run: the scheduled stop is only logged.')
          : trans.__('The app stops now: open documents are saved first.')
      );
    } catch (reason) {
      setText(
        this._stopNowMessage,
        trans.__('Could not stop the app now: %1', errorMessage(reason))
      );
    } finally {
      this._stopNowBusy = false;
      this._stopNowButton.removeAttribute('aria-disabled');
    }
  }

  private async _onKeepRunning(): Promise<void> {
    if (this._keepRunning === null || this._keepBusy) {
      return;
    }
    const trans = this.trans;
    setText(this._keepMessage, '');
    // aria-disabled, not disabled: a disabled button drops the keyboard focus.
    this._keepBusy = true;
    this._keepButton.setAttribute('aria-disabled', 'true');
    try {
      await this._keepRunning();
      setText(this._keepMessage, trans.__('The idle clock starts again.'));
    } catch (reason) {
      setText(
        this._keepMessage,
        trans.__(
          'Could not reach the server to keep the app running: %1',
          reason instanceof Error ? reason.message : String(reason)
        )
      );
    } finally {
      this._keepBusy = false;
      this._keepButton.removeAttribute('aria-disabled');
    }
  }

  private _countdown: HTMLParagraphElement;
  private _fleet: HTMLParagraphElement;
  private _idle: IdleModel | null;
  private _idleCost: HTMLParagraphElement;
  private _keepBusy = false;
  private _keepButton: HTMLButtonElement;
  private _keepMessage: HTMLParagraphElement;
  private _keepRunning: (() => Promise<unknown>) | null;
  private _confirmStopNow: (idle: IIdleStatus | null) => Promise<boolean>;
  private _scheduleModel: ScheduleModel | null;
  private _stopNowBusy = false;
  private _stopNowButton: HTMLButtonElement;
  private _stopNowMessage: HTMLParagraphElement;
  private _workingHours: WorkingHours;
}

/**
 * A namespace for `IdleSection` statics.
 */
export namespace IdleSection {
  /**
   * The options to construct an `IdleSection`.
   */
  export interface IOptions extends CostSection.IOptions {
    /** The idle status; the section is hidden without it. */
    idle?: IdleModel | null;
    /** The "Keep running" action; no button without it. */
    keepRunning?: (() => Promise<unknown>) | null;
    /**
     * The working hours' schedule and its changes (own stop time, keep
     * running until, stop now); no controls without it.
     */
    schedule?: ScheduleModel | null;
    /** Ask before "Stop now"; JupyterLab's dialog by default. */
    confirmStopNow?: (idle: IIdleStatus | null) => Promise<boolean>;
    /** Open the idle history; no "History" link without it. */
    showHistory?: (() => void) | null;
  }
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
}
