/**
 * The admin's fleet check (issue 17 part 5): when `GET status` says when it
 * will stop this app (`fleet_stop_after`), a notification once per value with
 * "Keep running", and the same line in the Cost panel's idle section.
 */

import type { Notification } from '@jupyterlab/apputils';
import { DisposableDelegate, IDisposable } from '@lumino/disposable';
import { ISignal } from '@lumino/signaling';
import { TranslationBundle } from '@jupyterlab/translation';

import { IStatus } from '../api';
import { formatTimeOfDay } from '../format';
import { en } from '../i18n';

/**
 * When the fleet check will stop this app (ISO 8601), or `null`.
 *
 * `GET status`' `idle.fleet_stop_after` (the app's `jupyter-smcost:stop-after`
 * tag), read field by field: anything but a time is no warning.
 */
export function fleetStopAfter(status: IStatus | null): string | null {
  const value: unknown = status?.idle?.fleet_stop_after;
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
    return null;
  }
  return value;
}

/**
 * "Your admin's fleet check will stop this app at 14:30" (local time), or
 * `null` when no fleet stop is planned.
 */
export function describeFleetStop(
  status: IStatus | null,
  trans: TranslationBundle = en
): string | null {
  const at = formatTimeOfDay(fleetStopAfter(status));
  return at === null
    ? null
    : trans.__("Your admin's fleet check will stop this app at %1", at);
}

/**
 * The notification call the fleet notice makes; injectable for tests.
 */
export interface IFleetNotifications {
  warning(message: string, options: Notification.IOptions<null>): string;
}

/**
 * Notify once per `fleet_stop_after` value, with "Keep running".
 *
 * @returns What stops following the status.
 */
export function followFleetCheck(options: {
  idle: {
    readonly changed: ISignal<unknown, void>;
    readonly status: IStatus | null;
  };
  notifications: IFleetNotifications;
  keepRunning: () => Promise<unknown>;
  trans?: TranslationBundle;
}): IDisposable {
  const trans = options.trans ?? en;
  let notified: string | null = null;
  const onChanged = () => {
    const status = options.idle.status;
    const value = fleetStopAfter(status);
    const text = describeFleetStop(status, trans);
    if (value === null || text === null || value === notified) {
      return;
    }
    notified = value;
    try {
      options.notifications.warning(text, {
        autoClose: false,
        actions: [
          {
            label: trans.__('Keep running'),
            caption: trans.__('Keep running: restart the idle clock'),
            callback: () => {
              options.keepRunning().catch(reason => {
                console.warn('jupyter-smcost: keep running failed', reason);
              });
            }
          }
        ]
      });
    } catch (reason) {
      console.debug('jupyter-smcost: cannot show the fleet notice', reason);
    }
  };
  options.idle.changed.connect(onChanged);
  onChanged();
  return new DisposableDelegate(() =>
    options.idle.changed.disconnect(onChanged)
  );
}
