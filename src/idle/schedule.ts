/**
 * The admin's stop schedule (issue 17 part 4), as far as the frontend shows
 * it: `GET status`' `idle.schedule` (`{stop_at: "19:00", next_stop,
 * keep_running_until}` or `null`), read here field by field.
 */

import { TranslationBundle } from '@jupyterlab/translation';

import { IStatus } from '../api';
import { formatTimeOfDay } from '../format';
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
  if (typeof value.stop_at !== 'string' || !/^\d\d:\d\d$/.test(value.stop_at)) {
    return null;
  }
  const time = (v: unknown): string | null =>
    typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? v : null;
  return {
    stop_at: value.stop_at,
    next_stop: time(value.next_stop),
    keep_running_until: time(value.keep_running_until)
  };
}

/**
 * "stops at 19:00" (the next stop on this browser's clock when the server
 * sends it), "kept running until 22:30" while the user postponed it; `null`
 * without a schedule.
 */
export function describeSchedule(
  status: IStatus | null,
  trans: TranslationBundle = en
): string | null {
  const schedule = scheduleOf(status);
  if (schedule === null) {
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
