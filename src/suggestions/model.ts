import { ServerConnection } from '@jupyterlab/services';

import {
  IActionReply,
  IActionRequest,
  IDismissReply,
  ISuggestion,
  ISuggestions,
  jsonInit,
  requestAPI
} from '../api';
import { errorMessage, loadState, LoadState, PollingModel } from '../poll';

/**
 * The shortest polling interval: the server computes suggestions in the
 * background on the resources' schedule, so asking more often than this
 * only returns the same document.
 */
export const SUGGESTIONS_MIN_POLL_MS = 30_000;

/**
 * The longest interval, for the backoff after failures and for a server
 * whose `ttl_seconds` is very long.
 */
export const SUGGESTIONS_MAX_POLL_MS = 600_000;

/**
 * How soon to ask again while the server's first round is running.
 */
export const SUGGESTIONS_LOADING_RETRY_MS = 5_000;

/**
 * The server's savings suggestions (`GET suggestions`), with the actions and
 * the dismissals they offer.
 *
 * The poll runs as long as the model lives (the status bar badge shows the
 * count), at the server's `ttl_seconds` but never more often than every
 * 30 s; it stands by while the browser tab is hidden and backs off after
 * failures, keeping the last good answer. An action or a dismissal asks again
 * at once.
 */
export class SuggestionsModel extends PollingModel {
  /**
   * Construct a model; the poll starts at once unless `autoStart` is false.
   */
  constructor(options: SuggestionsModel.IOptions = {}) {
    const minInterval = options.minInterval ?? SUGGESTIONS_MIN_POLL_MS;
    super({
      serverSettings: options.serverSettings,
      clock: options.clock,
      autoStart: options.autoStart,
      interval: minInterval,
      maxInterval: SUGGESTIONS_MAX_POLL_MS,
      name: 'jupyter-smcost:SuggestionsModel',
      standby: options.standby ?? 'when-hidden'
    });
    this._minInterval = minInterval;
    this._retryMs = options.loadingRetry ?? SUGGESTIONS_LOADING_RETRY_MS;
  }

  /**
   * The last document received, or `null` before the first one. Its
   * `suggestions` still holds the ones dismissed since: see `items`.
   */
  get document(): ISuggestions | null {
    return this._document;
  }

  /**
   * The suggestions to show: the server's, largest saving first, less the
   * ones dismissed in this page (the server forgets them at its next round).
   */
  get items(): ISuggestion[] {
    const items = this._document?.suggestions ?? [];
    return this._hidden.size === 0
      ? items
      : items.filter(item => !this._isHidden(item.id));
  }

  /**
   * How many suggestions there are to show.
   */
  get count(): number {
    return this.items.length;
  }

  /**
   * The monthly saving of the suggestions shown: the server's total less
   * the ones dismissed here.
   */
  get totalSaving(): number {
    const document = this._document;
    if (document === null) {
      return 0;
    }
    let total = document.total_saving_usd_per_month ?? 0;
    for (const item of document.suggestions ?? []) {
      if (this._isHidden(item.id) && item.saving_usd_per_month !== null) {
        total -= item.saving_usd_per_month;
      }
    }
    return Math.max(0, total);
  }

  /**
   * Why the last request failed, or `null` if it succeeded.
   */
  get error(): string | null {
    return this._error;
  }

  /**
   * How the request stands.
   */
  get state(): LoadState {
    return loadState(this._document, this._error);
  }

  /**
   * Whether the server offers suggestions at all: `false` when it has no
   * such route (an older server) or turned them off.
   */
  get available(): boolean {
    return !this._unsupported && this._document?.state !== 'disabled';
  }

  /**
   * Whether this user may run actions.
   */
  get actionsAllowed(): boolean {
    return this._document?.actions_allowed === true;
  }

  /**
   * The polling interval in ms (before any backoff).
   */
  get interval(): number {
    return this.poll.frequency.interval;
  }

  /**
   * Fetch the suggestions now. The poll's factory: it rethrows failures so
   * that the poll backs off.
   */
  async update(): Promise<void> {
    try {
      const document = await requestAPI<ISuggestions>(
        'suggestions',
        {},
        this.serverSettings
      );
      if (this.isDisposed) {
        return;
      }
      this._document = document;
      this._error = null;
      this._unsupported = false;
      this._followTtl(document?.ttl_seconds);
      this.emitChanged();
      if (document?.state === 'loading') {
        this.refreshSoon(this._retryMs);
      }
    } catch (reason) {
      if (this.isDisposed) {
        throw reason;
      }
      if (Private.status(reason) === 404) {
        // A server without suggestions: nothing to show, and no error either.
        this._unsupported = true;
        this._error = null;
      } else {
        this._error = errorMessage(reason);
      }
      this.emitChanged();
      throw reason;
    }
  }

  /**
   * Run an action of a suggestion: the user has confirmed it. The
   * suggestions are asked for again afterwards, whatever the answer.
   *
   * @param suggestionId - The suggestion's `id`.
   * @param actionId - The action's `id`.
   * @param values - The form's values (`add-tags`: tag key to value).
   * @returns The server's answer, with the message saying what was done.
   * @throws `ServerConnection.ResponseError` with the server's message (403
   *   actions off, not allowed or not provably the user's resource, 404
   *   unknown suggestion, 409 the resource changed or an action on it is in
   *   progress, 502 AWS refused, 503 AWS busy, 504 AWS did not confirm), or
   *   `ServerConnection.NetworkError`.
   */
  async runAction(
    suggestionId: string,
    actionId: string,
    values?: { [key: string]: string }
  ): Promise<IActionReply> {
    const body: IActionRequest = {
      suggestion_id: suggestionId,
      action_id: actionId,
      confirm: true
    };
    if (values !== undefined) {
      body.values = values;
    }
    try {
      return await requestAPI<IActionReply>(
        'actions',
        jsonInit('POST', body),
        this.serverSettings
      );
    } finally {
      void this.refresh();
    }
  }

  /**
   * Hide a suggestion for this user (the server keeps it hidden): at once in
   * this page, then on the server.
   *
   * @param suggestionId - The suggestion's `id`.
   * @param days - For how many days; for good when left out.
   * @returns The server's answer.
   * @throws When the server refused; the suggestion shows again.
   */
  async dismiss(suggestionId: string, days?: number): Promise<IDismissReply> {
    this._hidden.set(suggestionId, Infinity);
    this.emitChanged();
    try {
      const reply = await requestAPI<IDismissReply>(
        `suggestions/${encodeURIComponent(suggestionId)}/dismiss`,
        jsonInit('POST', days === undefined ? {} : { days }),
        this.serverSettings
      );
      const until = Date.parse(reply?.until ?? '');
      if (Number.isFinite(until)) {
        this._hidden.set(suggestionId, until);
      }
      return reply;
    } catch (reason) {
      this._hidden.delete(suggestionId);
      if (!this.isDisposed) {
        this.emitChanged();
      }
      throw reason;
    } finally {
      void this.refresh();
    }
  }

  /**
   * Show a dismissed suggestion again (undo a dismissal).
   *
   * @param suggestionId - The suggestion's `id`.
   * @throws When the server refused; it stays hidden.
   */
  async restore(suggestionId: string): Promise<void> {
    try {
      await requestAPI<unknown>(
        `suggestions/${encodeURIComponent(suggestionId)}/dismiss`,
        { method: 'DELETE' },
        this.serverSettings
      );
      this._hidden.delete(suggestionId);
    } finally {
      void this.refresh();
    }
  }

  protected tick(): Promise<void> {
    return this.update();
  }

  private _isHidden(id: string): boolean {
    const until = this._hidden.get(id);
    return until !== undefined && until > this.clock();
  }

  /**
   * Poll at the server's pace: its `ttl_seconds`, within the bounds.
   */
  private _followTtl(ttlSeconds: number | undefined): void {
    const ttl =
      typeof ttlSeconds === 'number' && Number.isFinite(ttlSeconds)
        ? ttlSeconds * 1000
        : 0;
    const interval = Math.min(
      SUGGESTIONS_MAX_POLL_MS,
      Math.max(this._minInterval, ttl)
    );
    this.poll.frequency = {
      ...this.poll.frequency,
      interval
    };
  }

  private _document: ISuggestions | null = null;
  private _error: string | null = null;
  /** Dismissed here: id to until when (ms). */
  private _hidden = new Map<string, number>();
  private _minInterval: number;
  private _retryMs: number;
  private _unsupported = false;
}

/**
 * A namespace for `SuggestionsModel` statics.
 */
export namespace SuggestionsModel {
  /**
   * The options to construct a `SuggestionsModel`.
   */
  export interface IOptions extends PollingModel.ICommonOptions {
    /** The shortest polling interval in ms (default 30 s). */
    minInterval?: number;
    /** How soon to ask again while the server is still loading (ms). */
    loadingRetry?: number;
  }
}

namespace Private {
  /**
   * The HTTP status of a failed request, `null` when it did not get one.
   */
  export function status(reason: unknown): number | null {
    return reason instanceof ServerConnection.ResponseError
      ? reason.response.status
      : null;
  }
}
