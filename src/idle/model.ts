import { UUID } from '@lumino/coreutils';
import { ISignal, Signal } from '@lumino/signaling';

import { extrapolate, IIdleView } from '../countdown';
import { secondsBetween } from '../events';
import { isStopped } from '../format';
import { errorMessage, PollingModel } from '../poll';
import {
  IIdleEvent,
  IIdleStatus,
  ISaveRequest,
  IStatus,
  jsonInit,
  requestAPI
} from '../api';

/**
 * How often a hidden tab still asks for the status. The server counts a tab
 * as open (and waits for it to save before a shutdown) for 90 s after its
 * last poll, so a hidden tab with unsaved documents must keep polling.
 */
export const HIDDEN_POLL_MS = 45_000;

/**
 * The idle status of the server, polled from `GET status` and updated at
 * once by the server's idle events (`handleEvent`).
 *
 * Polling is never activity: the server counts only `POST activity`. The
 * `client_id` sent with each poll lets the server know this tab is open, so
 * that it can ask it to save documents before a shutdown. Events make the
 * warning reach the tab at once; polling is the fallback when they are
 * missed (e.g. while the events socket reconnects).
 */
export class IdleModel extends PollingModel {
  /**
   * Construct a model; polling starts at once unless `autoStart` is false.
   */
  constructor(options: IdleModel.IOptions = {}) {
    super({
      serverSettings: options.serverSettings,
      clock: options.clock,
      autoStart: options.autoStart,
      interval: options.interval ?? 10_000,
      maxInterval: options.maxInterval ?? 60_000,
      name: 'jupyter-smcost:IdleModel#status',
      // A hidden tab polls less often (see `tick`), but it still polls: it
      // may hold unsaved documents the server must wait for.
      standby: options.standby ?? 'never',
      // A tab shown again catches up at once.
      refreshWhenShown: true
    });
    this.clientId = options.clientId ?? UUID.uuid4();
    this._hiddenIntervalMs = options.hiddenInterval ?? HIDDEN_POLL_MS;
  }

  /**
   * This tab's id for the server, random per page load.
   */
  readonly clientId: string;

  /**
   * Emitted once per save request of the server (from an event or a poll).
   */
  get saveRequested(): ISignal<this, ISaveRequest> {
    return this._saveRequested;
  }

  /**
   * Emitted when the server's settings version changes (and when it is first
   * known): another tab, the admin or this tab changed the settings.
   */
  get configVersionChanged(): ISignal<this, string> {
    return this._configVersionChanged;
  }

  /**
   * The last settings version seen, or `null` before any.
   */
  get configVersion(): string | null {
    return this._configVersion;
  }

  /**
   * The last status received, or `null` before the first one.
   */
  /** Whether the idle shutdown really stopped the app (not a dry run). */
  get appStopped(): boolean {
    return isStopped(this.status?.idle);
  }

  get status(): IStatus | null {
    return this._status;
  }

  /**
   * When the idle status was last received, in ms (the model's clock).
   */
  get receivedAt(): number | null {
    return this._receivedAt;
  }

  /**
   * Why the last status request failed, or `null` if it succeeded.
   */
  get error(): string | null {
    return this._error;
  }

  /**
   * The idle status extrapolated to `now`, or `null` before the first answer.
   *
   * @param now - The time in ms; defaults to the model's clock.
   */
  view(now: number = this.clock()): IIdleView | null {
    if (this._status === null || this._receivedAt === null) {
      return null;
    }
    return extrapolate(this._status.idle, (now - this._receivedAt) / 1000);
  }

  /**
   * Seconds left before the shutdown, ticking between polls; `null` when
   * nothing counts down.
   *
   * @param now - The time in ms; defaults to the model's clock.
   */
  secondsUntilShutdown(now: number = this.clock()): number | null {
    return this.view(now)?.secondsLeft ?? null;
  }

  /**
   * Fetch the status now. This is the poll's factory: it rethrows failures so
   * that the poll backs off.
   */
  async update(): Promise<void> {
    this._fetchedAt = this.clock();
    try {
      const status = await requestAPI<IStatus>(
        `status?client_id=${encodeURIComponent(this.clientId)}`,
        {},
        this.serverSettings
      );
      if (this.isDisposed) {
        return;
      }
      this._status = status;
      this._receivedAt = this.clock();
      this._error = null;
      this.emitChanged();
      this._noteConfigVersion(status.idle?.config_version);
      this._noteSaveRequest(status.idle?.save_request ?? null);
    } catch (reason) {
      if (!this.isDisposed) {
        const message = errorMessage(reason);
        if (message !== this._error) {
          this._error = message;
          this.emitChanged();
        }
      }
      throw reason;
    }
  }

  /**
   * Apply an idle event of the server at once, then fetch the full status.
   *
   * The event carries the state, the countdown and the last activity, so the
   * display (and the warning) need not wait for the status request.
   *
   * @param event - The event, as read by `parseIdleEvent`.
   */
  handleEvent(event: IIdleEvent): void {
    if (this.isDisposed) {
      return;
    }
    // A settings change moves the timeout and the warning, which the event
    // does not carry: its countdown would be read against the old ones (a
    // shorter timeout would flash a warning). The status below has them.
    if (
      event.kind !== 'config' &&
      this._status !== null &&
      this._receivedAt !== null
    ) {
      const previous = this._status.idle;
      const idle: IIdleStatus = {
        ...previous,
        state: event.state,
        idle_seconds: Private.idleSeconds(event, previous, this.view()),
        seconds_until_shutdown: event.seconds_until_shutdown,
        deadline: event.deadline,
        last_activity: event.last_activity ?? previous.last_activity,
        last_activity_source:
          event.last_activity_source ?? previous.last_activity_source,
        error: event.error,
        config_version: event.config_version ?? previous.config_version
      };
      this._status = { ...this._status, idle };
      this._receivedAt = this.clock();
      this._error = null;
      this.emitChanged();
    }
    this._noteConfigVersion(event.config_version);
    if (
      event.kind === 'save-request' &&
      event.request_id !== null &&
      event.save_deadline !== null &&
      event.__timestamp__
    ) {
      // Without the server's time of the request, the status (asked for
      // below) brings it: the time to save comes from the server's clock.
      this._noteSaveRequest({
        id: event.request_id,
        requested_at: event.__timestamp__,
        deadline: event.save_deadline
      });
    }
    // The event has no timeout, warning or save request: ask for all of it.
    void this.refresh().catch(() => undefined);
  }

  /**
   * Report real activity in this tab (`POST activity`).
   *
   * @param source - What the user did, e.g. `typing in Untitled.ipynb`.
   * @returns The new idle status, also applied to the model.
   */
  async reportActivity(source: string): Promise<IIdleStatus> {
    const idle = await requestAPI<IIdleStatus>(
      'activity',
      jsonInit('POST', { source }),
      this.serverSettings
    );
    this._applyIdle(idle);
    return idle;
  }

  /**
   * The "Keep running" action: activity that restarts the idle clock.
   */
  keepRunning(): Promise<IIdleStatus> {
    return this.reportActivity('keep running');
  }

  /**
   * Apply an idle status received outside the poll (from `POST activity`).
   */
  private _applyIdle(idle: IIdleStatus): void {
    if (this.isDisposed || this._status === null || !Private.isIdle(idle)) {
      return;
    }
    this._status = { ...this._status, idle };
    this._receivedAt = this.clock();
    this.emitChanged();
    this._noteConfigVersion(idle.config_version);
  }

  /**
   * The poll's factory: a hidden tab asks less often, only to stay known.
   */
  protected tick(): Promise<void> {
    if (
      document.visibilityState === 'hidden' &&
      this._fetchedAt !== null &&
      this.clock() - this._fetchedAt < this._hiddenIntervalMs
    ) {
      return Promise.resolve();
    }
    return this.update();
  }

  private _noteConfigVersion(version: string | null | undefined): void {
    if (typeof version === 'string' && version !== this._configVersion) {
      this._configVersion = version;
      this._configVersionChanged.emit(version);
    }
  }

  private _noteSaveRequest(request: ISaveRequest | null): void {
    if (request === null || this._saveRequestIds.includes(request.id)) {
      return;
    }
    // The last few are enough: a request lasts seconds.
    this._saveRequestIds = [...this._saveRequestIds.slice(-19), request.id];
    this._saveRequested.emit(request);
  }

  private _configVersion: string | null = null;
  private _configVersionChanged = new Signal<this, string>(this);
  private _error: string | null = null;
  private _fetchedAt: number | null = null;
  private _hiddenIntervalMs: number;
  private _saveRequested = new Signal<this, ISaveRequest>(this);
  private _saveRequestIds: string[] = [];
  private _receivedAt: number | null = null;
  private _status: IStatus | null = null;
}

/**
 * A namespace for `IdleModel` statics.
 */
export namespace IdleModel {
  /**
   * The options to construct an `IdleModel`.
   */
  export interface IOptions extends PollingModel.ICommonOptions {
    /** This tab's id; random by default. */
    clientId?: string;
    /** The polling interval in ms (default 10 s). */
    interval?: number;
    /** The longest interval when backing off after failures (default 60 s). */
    maxInterval?: number;
    /** How often a hidden tab asks, at most, in ms (default 45 s). */
    hiddenInterval?: number;
  }
}

namespace Private {
  /**
   * The idle time an event implies, best source first: the server's own
   * times (the event's time, when the event bus sends it, and the last
   * activity), else the countdown against the timeout, else the running
   * count.
   */
  export function idleSeconds(
    event: IIdleEvent,
    previous: IIdleStatus,
    view: IIdleView | null
  ): number {
    const fromTimes = secondsBetween(event.last_activity, event.__timestamp__);
    if (fromTimes !== null) {
      return Math.max(0, fromTimes);
    }
    if (event.seconds_until_shutdown !== null) {
      return Math.max(
        0,
        previous.timeout_seconds - event.seconds_until_shutdown
      );
    }
    if (event.last_activity !== previous.last_activity) {
      // New activity, just now.
      return 0;
    }
    return view?.idleSeconds ?? previous.idle_seconds;
  }

  /**
   * Whether a `POST activity` answer looks like an idle status (an older
   * server may answer with nothing).
   */
  export function isIdle(value: unknown): value is IIdleStatus {
    return (
      typeof value === 'object' &&
      value !== null &&
      typeof (value as IIdleStatus).state === 'string'
    );
  }
}
