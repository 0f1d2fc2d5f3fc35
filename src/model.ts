import { ServerConnection } from '@jupyterlab/services';
import { UUID } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { extrapolate, IIdleView } from './countdown';
import { jsonInit, requestAPI } from './handler';
import { IIdleStatus, IStatus } from './tokens';

/**
 * The idle status of the server, polled from `GET status`.
 *
 * Polling is never activity: the server counts only `POST activity`. The
 * `client_id` sent with each poll lets the server know this tab is open, so
 * that it can ask it to save documents before a shutdown.
 */
export class IdleModel implements IDisposable {
  /**
   * Construct a model; polling starts at once unless `autoStart` is false.
   */
  constructor(options: IdleModel.IOptions = {}) {
    this._serverSettings =
      options.serverSettings ?? ServerConnection.makeSettings();
    this._clock = options.clock ?? Date.now;
    this.clientId = options.clientId ?? UUID.uuid4();
    this._poll = new Poll({
      auto: options.autoStart ?? true,
      factory: () => this.update(),
      frequency: {
        interval: options.interval ?? 10_000,
        backoff: true,
        max: options.maxInterval ?? 60_000
      },
      name: 'jupyter-smcost:IdleModel#status',
      // A hidden tab needs no countdown...
      standby: options.standby ?? 'when-hidden'
    });
    // ...and catches up as soon as it is shown again.
    document.addEventListener('visibilitychange', this._onVisibilityChange);
  }

  /**
   * This tab's id for the server, random per page load.
   */
  readonly clientId: string;

  /**
   * Emitted when the status or the error changes.
   */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /**
   * The last status received, or `null` before the first one.
   */
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
   * Whether the model is disposed.
   */
  get isDisposed(): boolean {
    return this._poll.isDisposed;
  }

  /**
   * The idle status extrapolated to `now`, or `null` before the first answer.
   *
   * @param now - The time in ms; defaults to the model's clock.
   */
  view(now: number = this._clock()): IIdleView | null {
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
  secondsUntilShutdown(now: number = this._clock()): number | null {
    return this.view(now)?.secondsLeft ?? null;
  }

  /**
   * Fetch the status now. This is the poll's factory: it rethrows failures so
   * that the poll backs off.
   */
  async update(): Promise<void> {
    try {
      const status = await requestAPI<IStatus>(
        `status?client_id=${encodeURIComponent(this.clientId)}`,
        {},
        this._serverSettings
      );
      if (this.isDisposed) {
        return;
      }
      this._status = status;
      this._receivedAt = this._clock();
      this._error = null;
      this._changed.emit();
    } catch (reason) {
      if (!this.isDisposed) {
        const message = Private.messageOf(reason);
        if (message !== this._error) {
          this._error = message;
          this._changed.emit();
        }
      }
      throw reason;
    }
  }

  /**
   * Ask the poll to fetch the status as soon as possible.
   */
  refresh(): Promise<void> {
    return this._poll.refresh();
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
      this._serverSettings
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
   * Stop polling and release resources.
   */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    document.removeEventListener('visibilitychange', this._onVisibilityChange);
    this._poll.dispose();
    Signal.clearData(this);
  }

  /**
   * Apply an idle status received outside the poll (from `POST activity`).
   */
  private _applyIdle(idle: IIdleStatus): void {
    if (this.isDisposed || this._status === null || !Private.isIdle(idle)) {
      return;
    }
    this._status = { ...this._status, idle };
    this._receivedAt = this._clock();
    this._changed.emit();
  }

  private _onVisibilityChange = (): void => {
    if (document.visibilityState === 'visible') {
      void this.refresh();
    }
  };

  private _changed = new Signal<this, void>(this);
  private _clock: () => number;
  private _error: string | null = null;
  private _poll: Poll;
  private _receivedAt: number | null = null;
  private _serverSettings: ServerConnection.ISettings;
  private _status: IStatus | null = null;
}

/**
 * A namespace for `IdleModel` statics.
 */
export namespace IdleModel {
  /**
   * The options to construct an `IdleModel`.
   */
  export interface IOptions {
    /** The server connection; defaults to the page's. */
    serverSettings?: ServerConnection.ISettings;
    /** This tab's id; random by default. */
    clientId?: string;
    /** The current time in ms; injected for tests. */
    clock?: () => number;
    /** Whether to start polling at once (default `true`). */
    autoStart?: boolean;
    /** The polling interval in ms (default 10 s). */
    interval?: number;
    /** The longest interval when backing off after failures (default 60 s). */
    maxInterval?: number;
    /** When the poll stands by (default `when-hidden`). */
    standby?: Poll.Standby | (() => boolean | Poll.Standby);
  }
}

namespace Private {
  /**
   * A message for any failure.
   */
  export function messageOf(reason: unknown): string {
    if (reason instanceof Error) {
      return reason.message;
    }
    return String(reason);
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
