import { Notification } from '@jupyterlab/apputils';
import { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import { IDisposable } from '@lumino/disposable';

import { IIdleView } from '../countdown';
import { describeIdleAction, formatClock, isDryRun } from '../format';
import { en, loadTrans } from '../i18n';
import { IdleModel } from './model';
import { isWaitingForBusy } from './schedule';

/**
 * The label of the notification's action that restarts the idle clock, in
 * English.
 */
export const KEEP_RUNNING_ACTION = 'Keep running';

/**
 * The label of the action that consents to end busy kernels for a due
 * scheduled stop, in English.
 */
export const STOP_NOW_ACTION = 'Stop now';

/**
 * The notification calls `IdleNotifier` makes; injectable for tests.
 */
export interface INotificationAPI {
  warning(message: string, options: Notification.IOptions<null>): string;
  error(message: string, options: Notification.IOptions<null>): string;
  update(args: Notification.IUpdate<null>): boolean;
  dismiss(id: string): void;
}

/**
 * The warning's text for a view, or `null` when there is nothing to warn of.
 *
 * @param view - The extrapolated idle status.
 * @param now - The time in ms, for the clock time of the shutdown.
 */
export function warningMessage(
  view: IIdleView,
  now: number,
  trans: TranslationBundle = en
): string | null {
  const { idle } = view;
  const dryRun = isDryRun(idle);
  if (view.state === 'warning' && isWaitingForBusy(idle)) {
    return dryRun
      ? trans.__(
          'Dry run: the scheduled stop is due and waits for the running cells to finish; it is only logged.'
        )
      : trans.__(
          'The scheduled stop is due and waits for the running cells to finish.\nStop now ends them; Keep running postpones the stop.'
        );
  }
  if (view.state === 'warning' && view.secondsLeft !== null) {
    const at = new Date(now + view.secondsLeft * 1000).toLocaleTimeString([], {
      hour: '2-digit',
      minute: '2-digit'
    });
    const left = formatClock(view.secondsLeft);
    // The admin's stop schedule (newer servers' limit), not idleness.
    if (!dryRun && String(idle.limit) === 'schedule') {
      return trans.__(
        'This app stops in %1 at its scheduled stop unless you keep it running.\nAt %2: %3.',
        left,
        at,
        describeIdleAction(idle, trans)
      );
    }
    return dryRun
      ? trans.__(
          'Dry run: this app would stop in %1 unless you keep working.\nAt %2 the shutdown is only logged.',
          left,
          at
        )
      : trans.__(
          'This app stops in %1 unless you keep working.\nAt %2: %3.',
          left,
          at,
          describeIdleAction(idle, trans)
        );
  }
  if (view.state === 'shutting-down') {
    return dryRun
      ? trans.__(
          'Dry run: the idle timeout is reached; the shutdown is only logged.'
        )
      : trans.__(
          'This app is stopping: saving open documents first.\nThen: %1.',
          describeIdleAction(idle, trans)
        );
  }
  return null;
}

/**
 * The notification's text for a server notice. A postponement comes first,
 * as toasts cut long texts: the server says "shutdown postponed by 5 min:
 * could not save a.ipynb (...)"; older servers put it last, after the save
 * error, and that order is turned around.
 *
 * @param notice - The server's `idle.error` outside the `error` state.
 */
export function noticeMessage(
  notice: string,
  trans: TranslationBundle = en
): string {
  if (/^shutdown postponed/i.test(notice)) {
    return `${notice.charAt(0).toUpperCase()}${notice.slice(1)}`;
  }
  const match = /^(.*): (shutdown postponed[^:]*)$/s.exec(notice);
  if (match) {
    const [, why, what] = match;
    return `${what.charAt(0).toUpperCase()}${what.slice(1)}: ${why}`;
  }
  return trans.__('Idle shutdown: %1', notice);
}

/**
 * Shows the idle warning as a notification with a live countdown and a
 * "Keep running" action, and the server's notices (a postponed shutdown).
 *
 * Every tab runs one: the warning appears in each open JupyterLab and goes
 * away in each when the server reports activity from any of them.
 */
export class IdleNotifier implements IDisposable {
  /**
   * Construct a notifier and start following the model.
   */
  constructor(options: IdleNotifier.IOptions) {
    this._model = options.model;
    this._api = options.notifications ?? Notification;
    this._clock = options.clock ?? Date.now;
    this._trans = loadTrans(options.translator);
    this._toastShown = options.toastShown ?? Private.toastShown;
    this._stopNow = options.stopNow ?? null;
    this._model.changed.connect(this.render, this);
    this._timer = window.setInterval(
      () => this.render(),
      options.tickMs ?? 1000
    );
    this.render();
  }

  /**
   * The id of the warning notification on screen, or `null`.
   */
  get warningId(): string | null {
    return this._id;
  }

  /**
   * Whether the notifier is disposed.
   */
  get isDisposed(): boolean {
    return this._timer === null;
  }

  /**
   * Bring the notifications in line with the model; called each second and
   * at each change of the model.
   */
  render(): void {
    if (this.isDisposed) {
      return;
    }
    const view = this._model.error === null ? this._model.view() : null;
    if (view === null) {
      // The server cannot be asked: keep what is shown (the status bar
      // says the server is unreachable).
      return;
    }
    this._renderNotice(view);
    const message = warningMessage(view, this._clock(), this._trans);
    const waiting = view.state === 'warning' && isWaitingForBusy(view.idle);
    if (message === null || waiting !== this._waiting) {
      // Active again (activity in any tab), disabled, stopped or failed:
      // the warning period is over. A due stop that starts (or stops)
      // waiting for busy kernels is a new question, with its own actions.
      this._endWarning();
      this._waiting = waiting;
    }
    if (message === null || this._suppressed) {
      return;
    }
    if (this._id === null) {
      const actions = [this._keepRunningAction()];
      if (waiting && this._stopNow !== null) {
        actions.unshift(this._stopNowAction());
      }
      this._id = this._api.warning(message, {
        autoClose: false,
        actions
      });
      this._message = message;
      this._toastSeen = false;
      return;
    }
    if (message === this._message) {
      return;
    }
    // The user hid the toast (or opened the notification list): updating
    // would show it again, every second. The status bar keeps counting.
    const shown = this._toastShown(this._id);
    if (shown === true) {
      this._toastSeen = true;
    } else if (shown === false && this._toastSeen) {
      return;
    }
    if (this._api.update({ id: this._id, message, type: 'warning' })) {
      this._message = message;
    } else {
      // Dismissed (its "Keep running", or closed from the list): not again
      // until the next warning period.
      this._id = null;
      this._suppressed = true;
    }
  }

  /**
   * Stop following the model and dismiss the warning.
   */
  dispose(): void {
    if (this._timer === null) {
      return;
    }
    window.clearInterval(this._timer);
    this._timer = null;
    this._model.changed.disconnect(this.render, this);
    if (this._id !== null) {
      this._api.dismiss(this._id);
      this._id = null;
    }
  }

  private _endWarning(): void {
    this._suppressed = false;
    if (this._id !== null) {
      this._api.dismiss(this._id);
      this._id = null;
      this._message = null;
    }
  }

  /**
   * Show the server's notice (e.g. "could not save a.ipynb: shutdown
   * postponed by 5 min") once each time it appears.
   */
  private _renderNotice(view: IIdleView): void {
    const notice = view.state === 'error' ? null : view.idle.error;
    if (notice === this._notice) {
      return;
    }
    this._notice = notice;
    // The server's "the scheduled stop waits for busy kernels" is what the
    // warning says, with "Stop now": taken as shown.
    if (notice && !isWaitingForBusy(view.idle)) {
      this._api.error(noticeMessage(notice, this._trans), {
        autoClose: false
      });
    }
  }

  /**
   * "Stop now": the toast stays while the confirmation is asked (a
   * cancelled dialog leaves the question open); the server's refusal is
   * shown as it says it.
   */
  private _stopNowAction(): Notification.IAction {
    return {
      label: this._trans.__('Stop now'),
      caption: this._trans.__(
        'End the running kernels and stop the app at its scheduled time'
      ),
      displayType: 'warn',
      callback: event => {
        event.preventDefault();
        const stopNow = this._stopNow;
        if (stopNow === null) {
          return;
        }
        stopNow().catch(reason => {
          this._api.error(
            this._trans.__(
              'Could not stop the app now: %1',
              reason instanceof Error ? reason.message : String(reason)
            ),
            { autoClose: 10_000 }
          );
        });
      }
    };
  }

  private _keepRunningAction(): Notification.IAction {
    return {
      label: this._trans.__('Keep running'),
      caption: this._trans.__('Report activity: the idle clock starts again'),
      displayType: 'accent',
      callback: () => {
        // The toast closes and dismisses itself: no warning until the server
        // answers (then the warning period is over), or again if this fails.
        this._id = null;
        this._suppressed = true;
        this._model.keepRunning().catch(reason => {
          this._suppressed = false;
          this._api.error(
            this._trans.__(
              'Could not reach the server to keep the app running: %1',
              reason instanceof Error ? reason.message : String(reason)
            ),
            { autoClose: 10_000 }
          );
        });
      }
    };
  }

  private _api: INotificationAPI;
  private _clock: () => number;
  private _id: string | null = null;
  private _message: string | null = null;
  private _model: IdleModel;
  private _notice: string | null = null;
  private _stopNow: (() => Promise<unknown>) | null;
  private _suppressed = false;
  private _timer: number | null = null;
  private _waiting = false;
  private _trans: TranslationBundle;
  private _toastSeen = false;
  private _toastShown: (id: string) => boolean | null;
}

/**
 * A namespace for `IdleNotifier` statics.
 */
export namespace IdleNotifier {
  /**
   * The options to construct an `IdleNotifier`.
   */
  export interface IOptions {
    /** The idle status. */
    model: IdleModel;
    /** The strings' translations; English without it. */
    translator?: ITranslator | null;
    /** The notifications; defaults to JupyterLab's. */
    notifications?: INotificationAPI;
    /**
     * "Stop now" for a due scheduled stop that waits for busy kernels: asks
     * for confirmation, then consents (`PUT schedule`); no action without it.
     */
    stopNow?: (() => Promise<unknown>) | null;
    /** The current time in ms; injected for tests. */
    clock?: () => number;
    /** How often the countdown is redrawn (ms, default 1000). */
    tickMs?: number;
    /**
     * Whether the toast of a notification is on screen; `null` when unknown.
     * Defaults to looking for the toast in the page.
     */
    toastShown?: (id: string) => boolean | null;
  }
}

namespace Private {
  /**
   * Whether a notification's toast is in the page (the toasts carry the
   * notification's id).
   */
  export function toastShown(id: string): boolean | null {
    if (!document.querySelector('.Toastify')) {
      return null;
    }
    return document.getElementById(id) !== null;
  }
}
