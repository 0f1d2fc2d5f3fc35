/**
 * Working hours (issue 17 part 4): the scheduled stop as the frontend reads,
 * says and changes it.
 *
 * `GET status`' `idle.schedule` (`{stop_at: "19:00", next_stop,
 * keep_running_until}` or `null`) and `idle.schedule_waiting_for_busy` are
 * what the status bar item and the countdowns say; `GET schedule` (whose
 * stop time it is, the days, the admin's bounds) is what the Cost panel's
 * controls need, asked only when the status' schedule changes
 * (`ScheduleModel`). Both are read here field by field.
 */

import { Dialog, showDialog } from '@jupyterlab/apputils';
import { ServerConnection } from '@jupyterlab/services';
import { TranslationBundle } from '@jupyterlab/translation';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import {
  IIdleStatus,
  ISchedule,
  IScheduleUpdate,
  IStatus,
  jsonInit,
  requestAPI,
  Weekday
} from '../api';
import { describeIdleAction, formatTimeOfDay, isDryRun } from '../format';
import { en } from '../i18n';

/**
 * The schedule of a status, checked field by field; `null` without one.
 */
export interface IStatusSchedule {
  /** The stop time of day, `HH:MM`, in the schedule's time zone. */
  stop_at: string;
  /** The next scheduled stop, ISO 8601, or `null`. */
  next_stop: string | null;
  /** Until when the user keeps the app running past it, ISO 8601, or `null`. */
  keep_running_until: string | null;
}

export function scheduleOf(status: IStatus | null): IStatusSchedule | null {
  const raw: unknown = status?.idle?.schedule;
  if (raw === null || typeof raw !== 'object') {
    return null;
  }
  const value = raw as { [key: string]: unknown };
  if (!isTimeOfDay(value.stop_at)) {
    return null;
  }
  return {
    stop_at: value.stop_at,
    next_stop: Private.instant(value.next_stop),
    keep_running_until: Private.instant(value.keep_running_until)
  };
}

/**
 * Whether a due scheduled stop waits for busy kernels (the user may consent
 * to end them: "Stop now").
 */
export function isWaitingForBusy(
  idle: IIdleStatus | null | undefined
): boolean {
  return idle?.schedule_waiting_for_busy === true;
}

/**
 * "stops at 19:00" (the next stop on this browser's clock when the server
 * sends it), "kept running until 22:30" while the user postponed it; `null`
 * without a schedule, and while the due stop waits for busy kernels (the
 * countdown says that instead).
 */
export function describeSchedule(
  status: IStatus | null,
  trans: TranslationBundle = en
): string | null {
  const schedule = scheduleOf(status);
  if (schedule === null || isWaitingForBusy(status?.idle)) {
    return null;
  }
  const until = formatTimeOfDay(schedule.keep_running_until);
  if (until !== null) {
    return trans.__('kept running until %1', until);
  }
  return trans.__(
    'stops at %1',
    formatTimeOfDay(schedule.next_stop) ?? schedule.stop_at
  );
}

/**
 * Whether a value is a 24 h time of day, `HH:MM`, as the server writes them.
 */
export function isTimeOfDay(value: unknown): value is string {
  return typeof value === 'string' && /^([01]\d|2[0-3]):[0-5]\d$/.test(value);
}

/**
 * A `GET schedule` answer checked field by field: `null` when it is not one
 * (an older server's 404 page, say). A bad optional field reads as absent;
 * unknown days are dropped.
 */
export function parseSchedule(raw: unknown): ISchedule | null {
  if (raw === null || typeof raw !== 'object') {
    return null;
  }
  const value = raw as { [key: string]: unknown };
  if (typeof value.user_may_change !== 'boolean') {
    return null;
  }
  const time = (v: unknown): string | null => (isTimeOfDay(v) ? v : null);
  const days = Array.isArray(value.days)
    ? Private.WEEKDAYS.filter(day => (value.days as unknown[]).includes(day))
    : [];
  const source = value.source;
  return {
    stop_at: time(value.stop_at),
    days,
    timezone:
      typeof value.timezone === 'string' && value.timezone
        ? value.timezone
        : 'UTC',
    next_stop: Private.instant(value.next_stop),
    keep_running_until: Private.instant(value.keep_running_until),
    source: source === 'admin' || source === 'user' ? source : null,
    user_may_change: value.user_may_change,
    earliest_stop_at: time(value.earliest_stop_at),
    latest_stop_at: time(value.latest_stop_at),
    // The server's own default when it sends none (the end of the day).
    max_keep_running_until: time(value.max_keep_running_until) ?? '23:59'
  };
}

/**
 * The days a stop applies to: "every day", "Mon–Fri" for a run of three or
 * more, else the days listed ("Mon, Wed, Fri").
 */
export function describeDays(
  days: readonly Weekday[],
  trans: TranslationBundle = en
): string {
  if (days.length === 0) {
    return trans.__('no day');
  }
  if (days.length === 7) {
    return trans.__('every day');
  }
  const names = Private.dayNames(trans);
  const indexes = Private.WEEKDAYS.map((day, i) =>
    days.includes(day) ? i : -1
  ).filter(i => i >= 0);
  const parts: string[] = [];
  for (let i = 0; i < indexes.length;) {
    let j = i;
    while (j + 1 < indexes.length && indexes[j + 1] === indexes[j] + 1) {
      j++;
    }
    if (j - i >= 2) {
      parts.push(trans.__('%1–%2', names[indexes[i]], names[indexes[j]]));
    } else {
      for (let k = i; k <= j; k++) {
        parts.push(names[indexes[k]]);
      }
    }
    i = j + 1;
  }
  return parts.join(trans.__(', '));
}

/**
 * This browser's IANA time zone, `null` when it reports none.
 */
export function browserTimeZone(): string | null {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || null;
}

/**
 * A time of the schedule with its zone when that is not this browser's
 * ("19:00 (Europe/Berlin)"): the inputs and the hints are in the
 * schedule's zone, which is the admin's when they set one.
 */
export function timeInZone(
  time: string,
  schedule: Pick<ISchedule, 'timezone'>,
  trans: TranslationBundle = en,
  browserZone: string | null = browserTimeZone()
): string {
  return schedule.timezone === browserZone
    ? time
    : trans.__('%1 (%2)', time, schedule.timezone);
}

/**
 * The daily stop and whose it is: "Your admin's stop time: 19:00, Mon–Fri."
 * or "Your stop time: 18:30, Mon–Fri."; "No daily stop time." when none
 * applies.
 */
export function describeStopTime(
  schedule: ISchedule,
  trans: TranslationBundle = en,
  browserZone: string | null = browserTimeZone()
): string {
  if (schedule.stop_at === null) {
    return trans.__('No daily stop time.');
  }
  const at = timeInZone(schedule.stop_at, schedule, trans, browserZone);
  const days = describeDays(schedule.days, trans);
  return schedule.source === 'user'
    ? trans.__('Your stop time: %1, %2.', at, days)
    : trans.__("Your admin's stop time: %1, %2.", at, days);
}

/**
 * The admin's bounds of a user's stop time, for beside its input: "Your
 * admin allows 17:00 to 21:00."; `null` without bounds.
 */
export function stopTimeBounds(
  schedule: ISchedule,
  trans: TranslationBundle = en
): string | null {
  const low = schedule.earliest_stop_at;
  const high = schedule.latest_stop_at;
  if (low !== null && high !== null) {
    return trans.__('Your admin allows %1 to %2.', low, high);
  }
  if (low !== null) {
    return trans.__('Your admin allows %1 or later.', low);
  }
  if (high !== null) {
    return trans.__('Your admin allows %1 or earlier.', high);
  }
  return null;
}

/**
 * The admin's bound of "Keep running until", for beside its input.
 */
export function keepRunningBound(
  schedule: ISchedule,
  trans: TranslationBundle = en
): string {
  return trans.__(
    'Today only, until %1 at the latest.',
    schedule.max_keep_running_until
  );
}

/**
 * `PUT schedule` with this browser's time zone (the server keeps it for a
 * schedule the admin gave no zone), but not for a bare "stop now": consent
 * changes nothing else.
 *
 * @returns The server's answer, as `GET schedule`'s (`null` if not one).
 * @throws The server's refusal (403 outside the bounds, 400 bad input) with
 *   its message.
 */
export async function putSchedule(
  change: IScheduleUpdate,
  serverSettings: ServerConnection.ISettings
): Promise<ISchedule | null> {
  const timezone = browserTimeZone();
  const body: IScheduleUpdate =
    change.stop_now === true || timezone === null
      ? change
      : { ...change, timezone };
  const reply = await requestAPI<unknown>(
    'schedule',
    jsonInit('PUT', body),
    serverSettings
  );
  return parseSchedule(reply);
}

/**
 * What "Stop now" asks before it consents to end busy kernels: what the
 * server's shutdown does (open documents saved first, then the kernels and
 * terminals stopped, then the action), or, in a dry run, that it is only
 * logged.
 */
export function stopNowQuestion(
  idle: IIdleStatus | null,
  trans: TranslationBundle = en
): { title: string; lines: string[]; accept: string; destructive: boolean } {
  const title = trans.__('Stop the app now?');
  if (idle !== null && isDryRun(idle)) {
    return {
      title,
      lines: [
        trans.__(
          'Dry run: the scheduled stop is only logged. The running cells go on.'
        )
      ],
      accept: trans.__('Stop now'),
      destructive: false
    };
  }
  const lines = [
    trans.__(
      'The scheduled stop waits for running cells. Stopping now ends all running kernels and terminals: their cells are interrupted and what they hold in memory is lost.'
    ),
    trans.__(
      'Open notebooks and files are saved first; output a running cell has not written yet is lost.'
    )
  ];
  if (idle !== null) {
    lines.push(trans.__('Then: %1.', describeIdleAction(idle, trans)));
  }
  return { title, lines, accept: trans.__('Stop now'), destructive: true };
}

/**
 * Ask "Stop now?" in JupyterLab's dialog.
 *
 * @returns Whether the user confirmed.
 */
export async function confirmStopNow(
  idle: IIdleStatus | null,
  trans: TranslationBundle = en
): Promise<boolean> {
  const question = stopNowQuestion(idle, trans);
  const body = document.createElement('div');
  body.className = 'jp-smcost-Confirm';
  body.dataset.testid = 'smcost-stop-now-confirm';
  for (const line of question.lines) {
    const p = document.createElement('p');
    p.textContent = line;
    body.append(p);
  }
  const accept = question.destructive
    ? Dialog.warnButton({ label: question.accept })
    : Dialog.okButton({ label: question.accept });
  const result = await showDialog({
    title: question.title,
    body: new Widget({ node: body }),
    // The safe choice has the focus: Enter alone ends nothing.
    buttons: [Dialog.cancelButton({ label: trans.__('Cancel') }), accept],
    defaultButton: 0
  });
  return result.button.accept;
}

/**
 * What the schedule model follows: the idle status, and a way to ask for it
 * again after a change (the `IdleModel`).
 */
export interface IScheduleStatusSource {
  readonly status: IStatus | null;
  readonly changed: ISignal<unknown, void>;
  readonly serverSettings: ServerConnection.ISettings;
  refresh(): Promise<void>;
}

/**
 * `GET schedule`, asked when the idle status' schedule changes (and at the
 * first status), and the user's changes (`PUT schedule`): their own stop
 * time, "keep running until", and "stop now".
 */
export class ScheduleModel implements IDisposable {
  constructor(options: ScheduleModel.IOptions) {
    this._idle = options.idle;
    this._idle.changed.connect(this._follow, this);
    this._follow();
  }

  /**
   * The last `GET schedule` (or `PUT schedule`) answer; `null` before one,
   * and from a server without the route.
   */
  get document(): ISchedule | null {
    return this._document;
  }

  /**
   * Emitted when the document changes.
   */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /**
   * Apply a change with `PUT schedule`, then ask for the status again (the
   * status bar and the countdown follow the new stop).
   *
   * @throws The server's refusal, with its message.
   */
  async update(change: IScheduleUpdate): Promise<ISchedule | null> {
    const request = ++this._requests;
    const document = await putSchedule(change, this._idle.serverSettings);
    if (request === this._requests) {
      this._set(document);
    }
    // The status bar and the countdown follow at the status' answer; the
    // caller need not wait for it.
    void this._idle.refresh();
    return document;
  }

  /**
   * The user's own daily stop time, `HH:MM`; `null` goes back to the
   * admin's.
   */
  setStopAt(time: string | null): Promise<ISchedule | null> {
    return this.update({ stop_at: time });
  }

  /**
   * Keep running past today's stop until `HH:MM` today; `null` cancels.
   */
  keepRunningUntil(time: string | null): Promise<ISchedule | null> {
    return this.update({ keep_running_until: time });
  }

  /**
   * The user's consent to end busy kernels for the due stop.
   */
  stopNow(): Promise<ISchedule | null> {
    return this.update({ stop_now: true });
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._idle.changed.disconnect(this._follow, this);
    Signal.clearData(this);
  }

  /**
   * Ask for the document when the status' schedule is new.
   */
  private _follow(): void {
    const status = this._idle.status;
    if (status === null) {
      return;
    }
    const key = JSON.stringify(status.idle?.schedule ?? null);
    if (key === this._followed) {
      return;
    }
    this._followed = key;
    void this._fetch();
  }

  private async _fetch(): Promise<void> {
    const request = ++this._requests;
    try {
      const reply = await requestAPI<unknown>(
        'schedule',
        {},
        this._idle.serverSettings
      );
      if (request === this._requests) {
        this._set(parseSchedule(reply));
      }
    } catch (reason) {
      // The server answered (an older one has no such route): not again
      // until the schedule changes. Unreachable: at the next status.
      if (!(reason instanceof ServerConnection.ResponseError)) {
        this._followed = null;
      }
    }
  }

  private _set(document: ISchedule | null): void {
    if (this._disposed) {
      return;
    }
    if (JSON.stringify(document) !== JSON.stringify(this._document)) {
      this._document = document;
      this._changed.emit();
    }
  }

  private _changed = new Signal<this, void>(this);
  private _disposed = false;
  private _document: ISchedule | null = null;
  private _followed: string | null = null;
  private _idle: IScheduleStatusSource;
  private _requests = 0;
}

/**
 * A namespace for `ScheduleModel` statics.
 */
export namespace ScheduleModel {
  /**
   * The options to construct a `ScheduleModel`.
   */
  export interface IOptions {
    /** The idle status it follows (the `IdleModel`). */
    idle: IScheduleStatusSource;
  }
}

namespace Private {
  /**
   * The server's day names, Monday first.
   */
  export const WEEKDAYS: Weekday[] = [
    'mon',
    'tue',
    'wed',
    'thu',
    'fri',
    'sat',
    'sun'
  ];

  /**
   * The days' short names for people, Monday first.
   */
  export function dayNames(trans: TranslationBundle): string[] {
    return [
      trans.__('Mon'),
      trans.__('Tue'),
      trans.__('Wed'),
      trans.__('Thu'),
      trans.__('Fri'),
      trans.__('Sat'),
      trans.__('Sun')
    ];
  }

  /**
   * An ISO 8601 instant, or `null`.
   */
  export function instant(value: unknown): string | null {
    return typeof value === 'string' && !Number.isNaN(Date.parse(value))
      ? value
      : null;
  }
}
