import { ServerConnection } from '@jupyterlab/services';
import { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

/**
 * How a request stands: no answer yet, answered, or failed (the last good
 * answer, if any, is kept).
 */
export type LoadState = 'loading' | 'ready' | 'error';

/**
 * How a request stands from its last answer and error.
 *
 * @param data - The last answer, `null` before the first.
 * @param error - Why the last request failed, `null` if it did not.
 */
export function loadState(data: unknown, error: string | null): LoadState {
  if (error !== null) {
    return 'error';
  }
  return data === null ? 'loading' : 'ready';
}

/**
 * A message for any failure.
 */
export function errorMessage(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

/**
 * What the idle, cost and suggestions models share: a `Poll` of one server
 * document that backs off after failures and stands by as told, a `changed`
 * signal, one-off early refreshes, and disposal of all of it.
 */
export abstract class PollingModel implements IDisposable {
  /**
   * Construct the model and its poll; the poll starts at once unless
   * `autoStart` is false.
   */
  constructor(options: PollingModel.IOptions) {
    this._serverSettings =
      options.serverSettings ?? ServerConnection.makeSettings();
    this.clock = options.clock ?? Date.now;
    this._interval = options.interval;
    this._max = options.maxInterval;
    this._standby = options.standby;
    this.poll = this.makePoll({
      auto: options.autoStart ?? true,
      factory: () => this.tick(),
      name: options.name
    });
    // A poll standing by while the tab was hidden catches up once shown.
    this._refreshWhenShown = options.refreshWhenShown ?? false;
    if (this._refreshWhenShown) {
      document.addEventListener('visibilitychange', this._onVisibilityChange);
    }
  }

  /**
   * The server connection.
   */
  get serverSettings(): ServerConnection.ISettings {
    return this._serverSettings;
  }

  /**
   * Emitted when the model's data or its error change.
   */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /**
   * Whether the model is disposed.
   */
  get isDisposed(): boolean {
    return this.poll.isDisposed;
  }

  /**
   * Ask for the document as soon as possible.
   *
   * @returns A promise that resolves once the answer has come or the request
   *   failed (never rejects), so that a caller can show a refresh in flight.
   */
  async refresh(): Promise<void> {
    await this.refreshPoll(this.poll);
  }

  /**
   * Stop polling and release resources.
   */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    if (this._refreshWhenShown) {
      document.removeEventListener(
        'visibilitychange',
        this._onVisibilityChange
      );
    }
    for (const timer of this._soon.values()) {
      window.clearTimeout(timer);
    }
    this._soon.clear();
    for (const poll of this._polls) {
      poll.dispose();
    }
    Signal.clearData(this);
  }

  /**
   * The main poll's factory; it rethrows failures so that the poll backs
   * off.
   */
  protected abstract tick(): Promise<void>;

  /**
   * A poll of the model's (the main one, or another document of the same
   * server) at the model's frequency and standby, disposed with the model.
   */
  protected makePoll(options: PollingModel.IPollOptions): Poll {
    const poll = new Poll({
      auto: options.auto,
      factory: options.factory,
      frequency: { interval: this._interval, backoff: true, max: this._max },
      name: options.name,
      standby: this._standby
    });
    this._polls.push(poll);
    return poll;
  }

  /**
   * Refresh a poll now and wait for that tick: `Poll.refresh` resolves once
   * the tick is scheduled, its `tick` once the factory has settled (or the
   * poll was disposed).
   *
   * @param poll - One of the model's polls.
   */
  protected async refreshPoll(poll: Poll): Promise<void> {
    if (this.isDisposed || poll.isDisposed) {
      return;
    }
    await poll.refresh();
    await poll.tick.then(
      () => undefined,
      () => undefined
    );
  }

  /**
   * Refresh a poll once, after `ms`, without waiting for its next tick (a
   * pending price, a first listing still running); a second call while one
   * is pending does nothing.
   *
   * @param ms - How soon.
   * @param poll - Which poll (the main one by default).
   * @param when - Checked when the time comes: refresh only if true.
   */
  protected refreshSoon(
    ms: number,
    poll: Poll = this.poll,
    when: () => boolean = () => true
  ): void {
    if (this._soon.has(poll)) {
      return;
    }
    const timer = window.setTimeout(() => {
      this._soon.delete(poll);
      if (!this.isDisposed && when()) {
        void poll.refresh();
      }
    }, ms);
    this._soon.set(poll, timer);
  }

  /**
   * Drop a pending `refreshSoon` of a poll.
   */
  protected cancelRefreshSoon(poll: Poll = this.poll): void {
    const timer = this._soon.get(poll);
    if (timer !== undefined) {
      window.clearTimeout(timer);
      this._soon.delete(poll);
    }
  }

  /**
   * Emit `changed`.
   */
  protected emitChanged(): void {
    this._changed.emit();
  }

  /**
   * The model's clock, in ms; injected for tests.
   */
  protected readonly clock: () => number;

  /**
   * The main poll.
   */
  protected readonly poll: Poll;

  private _onVisibilityChange = (): void => {
    if (document.visibilityState === 'visible') {
      void this.refresh();
    }
  };

  private _changed = new Signal<this, void>(this);
  private _interval: number;
  private _max: number;
  private _polls: Poll[] = [];
  private _refreshWhenShown: boolean;
  private _serverSettings: ServerConnection.ISettings;
  private _soon = new Map<Poll, number>();
  private _standby: PollingModel.Standby;
}

/**
 * A namespace for `PollingModel` statics.
 */
export namespace PollingModel {
  /**
   * When a poll stands by.
   */
  export type Standby = Poll.Standby | (() => boolean | Poll.Standby);

  /**
   * The options every polling model takes from its user.
   */
  export interface ICommonOptions {
    /** The server connection; defaults to the page's. */
    serverSettings?: ServerConnection.ISettings;
    /** The current time in ms; injected for tests. */
    clock?: () => number;
    /** Whether to start polling at once (default `true`). */
    autoStart?: boolean;
    /** When the polls stand by (each model has its default). */
    standby?: Standby;
  }

  /**
   * The options of the base class, from the model.
   */
  export interface IOptions extends ICommonOptions {
    /** The polling interval in ms. */
    interval: number;
    /** The longest interval when backing off after failures, in ms. */
    maxInterval: number;
    /** When the polls stand by. */
    standby: Standby;
    /** The main poll's name, for debugging. */
    name: string;
    /** Whether to refresh when the browser tab is shown again. */
    refreshWhenShown?: boolean;
  }

  /**
   * The options of one poll (`makePoll`).
   */
  export interface IPollOptions {
    auto: boolean;
    factory: () => Promise<void>;
    name: string;
  }
}
