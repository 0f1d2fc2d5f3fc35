import { DisposableDelegate, IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal } from '@lumino/signaling';

import { secondsBetween } from '../events';
import { isStopped } from '../format';
import { errorMessage, loadState, LoadState, PollingModel } from '../poll';
import { IBudget, ICost, IIdleStatus, IResources, requestAPI } from '../api';

/**
 * How often the cost and the resources are asked for. The server caches the
 * resources (60 s by default), so more tabs do not mean more AWS calls.
 */
export const COST_POLL_MS = 30_000;

/**
 * How soon to ask again while the server is still looking a price up or
 * listing the resources for the first time.
 */
export const PENDING_RETRY_MS = 3_000;

/**
 * What this environment costs (`GET cost`) and the running resources that
 * cost money (`GET resources`).
 *
 * The cost is polled as long as the model lives (the status bar meter shows
 * it); the resources only while someone wants them (the Cost panel, while it
 * is visible): see `setResourcesWanted`. Both stand by while the browser tab
 * is hidden and catch up when it is shown again. A failed request keeps the
 * last good answer and backs off.
 *
 * Between polls, the session cost keeps growing at the hourly rate
 * (`sessionUsd`), so the display can tick without a request.
 */
export class CostModel extends PollingModel {
  /**
   * Construct a model; the cost poll starts at once unless `autoStart` is
   * false.
   */
  constructor(options: CostModel.IOptions = {}) {
    super({
      serverSettings: options.serverSettings,
      clock: options.clock,
      autoStart: options.autoStart,
      interval: options.interval ?? COST_POLL_MS,
      maxInterval: options.maxInterval ?? 300_000,
      name: 'jupyter-smcost:CostModel#cost',
      standby: options.standby ?? 'when-hidden',
      refreshWhenShown: true
    });
    this._retryMs = options.pendingRetry ?? PENDING_RETRY_MS;
    this._resourcesPoll = this.makePoll({
      // Started by `setResourcesWanted`.
      auto: false,
      factory: () => this.updateResources(),
      name: 'jupyter-smcost:CostModel#resources'
    });
    // The monthly budget: its own poll, so that a server without it (or a
    // failure) leaves the cost alone. `makePoll` keeps it: the model
    // disposes of it.
    // eslint-disable-next-line jupyter/require-disposable-transfer
    this.makePoll({
      auto: options.autoStart ?? true,
      factory: () => this.updateBudget(),
      name: 'jupyter-smcost:CostModel#budget'
    });
  }

  /**
   * The last `GET budget` answer; `null` before the first, or when the
   * server has none.
   */
  get budget(): IBudget | null {
    return this._budget;
  }

  /**
   * Why the last `GET budget` failed; `null` after a success.
   */
  get budgetError(): string | null {
    return this._budgetError;
  }

  /**
   * Ask for the budget now (what the budget poll does at each tick).
   */
  async updateBudget(): Promise<void> {
    try {
      const budget = await requestAPI<IBudget>(
        'budget',
        {},
        this.serverSettings
      );
      if (this.isDisposed) {
        return;
      }
      this._budget = budget;
      this._budgetError = null;
      this.emitChanged();
    } catch (reason) {
      if (!this.isDisposed) {
        this._budgetError = errorMessage(reason);
        this.emitChanged();
      }
      throw reason;
    }
  }

  /**
   * The last cost received, or `null` before the first one.
   */
  get cost(): ICost | null {
    return this._cost;
  }

  /**
   * Why the last cost request failed, or `null` if it succeeded.
   */
  get costError(): string | null {
    return this._costError;
  }

  /**
   * How the cost request stands.
   */
  get costState(): LoadState {
    return loadState(this._cost, this._costError);
  }

  /**
   * The last resources received, or `null` before the first one.
   */
  get resources(): IResources | null {
    return this._resources;
  }

  /**
   * Why the last resources request failed, or `null` if it succeeded.
   */
  get resourcesError(): string | null {
    return this._resourcesError;
  }

  /**
   * How the resources request stands.
   */
  get resourcesState(): LoadState {
    return loadState(this._resources, this._resourcesError);
  }

  /**
   * Whether the resources are being polled.
   */
  get resourcesWanted(): boolean {
    return this._resourcesWanted;
  }

  /**
   * When the cost was last received, in ms (the model's clock).
   */
  get costReceivedAt(): number | null {
    return this._costReceivedAt;
  }

  /**
   * How old the server's listing of the resources is now, in seconds (the
   * server caches it); `null` when unknown.
   *
   * @param now - The time in ms; defaults to the model's clock.
   */
  resourcesAge(now: number = this.clock()): number | null {
    const resources = this._resources;
    const atServer = secondsBetween(
      resources?.fetched_at,
      resources?.generated_at
    );
    if (atServer === null || this._resourcesReceivedAt === null) {
      return null;
    }
    return (
      Math.max(0, atServer) +
      Math.max(0, (now - this._resourcesReceivedAt) / 1000)
    );
  }

  /**
   * Seconds since the cost was received, `0` before (never negative).
   *
   * The elapsed time is read on this browser's clock from when the answer
   * arrived, not from the server's `generated_at`: the two clocks may
   * disagree, and the difference would show as cost.
   *
   * @param now - The time in ms; defaults to the model's clock.
   */
  elapsedSeconds(now: number = this.clock()): number {
    if (this._costReceivedAt === null) {
      return 0;
    }
    return Math.max(0, (now - this._costReceivedAt) / 1000);
  }

  /**
   * Whether the idle shutdown stopped this environment (not a dry run): the
   * server's session cost and uptime end at `cost.stopped_at` and no longer
   * grow.
   */
  get frozen(): boolean {
    return this._cost?.frozen === true;
  }

  /**
   * The session cost now: the server's figure plus the hourly rate times the
   * whole seconds since; `null` when the rate or the start is unknown. Once
   * the app was stopped (`frozen`), the server's figure as it is.
   *
   * Whole seconds, so that the meter and the panel, which redraw on their
   * own timers, show the same figure within a second.
   *
   * @param now - The time in ms; defaults to the model's clock.
   */
  sessionUsd(now: number = this.clock()): number | null {
    const cost = this._cost;
    if (
      cost === null ||
      typeof cost.session_usd !== 'number' ||
      typeof cost.usd_per_hour !== 'number'
    ) {
      return null;
    }
    if (this.frozen) {
      return cost.session_usd;
    }
    const elapsed = Math.floor(this.elapsedSeconds(now));
    return cost.session_usd + (cost.usd_per_hour * elapsed) / 3600;
  }

  /**
   * How long this environment has been up now (until it was stopped, when
   * `frozen`), `null` when unknown.
   *
   * @param now - The time in ms; defaults to the model's clock.
   */
  uptimeSeconds(now: number = this.clock()): number | null {
    const uptime = this._cost?.uptime_seconds;
    if (typeof uptime !== 'number') {
      return null;
    }
    return this.frozen ? uptime : uptime + this.elapsedSeconds(now);
  }

  /**
   * Ask for the cost again as soon as the idle shutdown really stopped the
   * app, so that the figures stop within seconds, not at the next poll.
   *
   * @param idle - Where the idle status comes from.
   * @returns A disposable that stops following it.
   */
  followIdle(idle: CostModel.IIdleSource): IDisposable {
    let asked: string | null = null;
    const onChanged = () => {
      const status = idle.status?.idle;
      const stoppedAt = status?.stopped_at;
      if (
        this.isDisposed ||
        !status ||
        !stoppedAt ||
        !isStopped(status) ||
        this.frozen ||
        asked === stoppedAt
      ) {
        return;
      }
      asked = stoppedAt;
      void this.poll.refresh();
    };
    idle.changed.connect(onChanged);
    onChanged();
    return new DisposableDelegate(() => idle.changed.disconnect(onChanged));
  }

  /**
   * Poll the resources or stop polling them. The first `true` fetches them
   * at once.
   *
   * @param wanted - Whether someone shows them (e.g. the visible panel).
   */
  setResourcesWanted(wanted: boolean): void {
    if (this.isDisposed || wanted === this._resourcesWanted) {
      return;
    }
    this._resourcesWanted = wanted;
    if (wanted) {
      void this._resourcesPoll.start();
    } else {
      this.cancelRefreshSoon(this._resourcesPoll);
      void this._resourcesPoll.stop();
    }
  }

  /**
   * Ask for the cost (and the resources, when wanted) as soon as possible:
   * the manual refresh and "Retry".
   *
   * @returns A promise that resolves once both answers have come or failed.
   */
  async refresh(): Promise<void> {
    if (this.isDisposed) {
      return;
    }
    const polls = [
      this.refreshPoll(this.poll),
      // Its poll keeps its own schedule; a failure shows as `budgetError`.
      this.updateBudget().catch(() => undefined)
    ];
    if (this._resourcesWanted) {
      polls.push(this.refreshPoll(this._resourcesPoll));
    }
    await Promise.all(polls);
  }

  /**
   * Fetch the cost now. The cost poll's factory: it rethrows failures so that
   * the poll backs off.
   */
  async update(): Promise<void> {
    try {
      const cost = await requestAPI<ICost>('cost', {}, this.serverSettings);
      if (this.isDisposed) {
        return;
      }
      this._cost = cost;
      this._costReceivedAt = this.clock();
      this._costError = null;
      this.emitChanged();
      if (cost?.instance?.price?.source === 'pending') {
        this.refreshSoon(this._retryMs);
      }
    } catch (reason) {
      if (!this.isDisposed) {
        this._costError = errorMessage(reason);
        this.emitChanged();
      }
      throw reason;
    }
  }

  /**
   * Fetch the resources now. The resources poll's factory: it rethrows
   * failures so that the poll backs off.
   */
  async updateResources(): Promise<void> {
    try {
      const resources = await requestAPI<IResources>(
        'resources',
        {},
        this.serverSettings
      );
      if (this.isDisposed) {
        return;
      }
      this._resources = resources;
      this._resourcesReceivedAt = this.clock();
      this._resourcesError = null;
      this.emitChanged();
      if (resources?.state === 'loading') {
        // The server's first listing is under way: ask again soon.
        this.refreshSoon(
          this._retryMs,
          this._resourcesPoll,
          () => this._resourcesWanted
        );
      }
    } catch (reason) {
      if (!this.isDisposed) {
        this._resourcesError = errorMessage(reason);
        this.emitChanged();
      }
      throw reason;
    }
  }

  protected tick(): Promise<void> {
    return this.update();
  }

  private _budget: IBudget | null = null;
  private _budgetError: string | null = null;
  private _cost: ICost | null = null;
  private _costError: string | null = null;
  private _costReceivedAt: number | null = null;
  private _resources: IResources | null = null;
  private _resourcesError: string | null = null;
  private _resourcesPoll: Poll;
  private _resourcesReceivedAt: number | null = null;
  private _resourcesWanted = false;
  private _retryMs: number;
}

/**
 * A namespace for `CostModel` statics.
 */
export namespace CostModel {
  /**
   * Where `followIdle` reads the idle status (the idle model).
   */
  export interface IIdleSource {
    /** Emitted when the idle status changes. */
    readonly changed: ISignal<unknown, void>;
    /** The last status, with its idle part. */
    readonly status: { idle: IIdleStatus } | null;
  }

  /**
   * The options to construct a `CostModel`.
   */
  export interface IOptions extends PollingModel.ICommonOptions {
    /** The polling interval in ms (default 30 s). */
    interval?: number;
    /** The longest interval when backing off after failures (default 5 min). */
    maxInterval?: number;
    /** How soon to ask again while a price or the listing is pending (ms). */
    pendingRetry?: number;
  }
}
