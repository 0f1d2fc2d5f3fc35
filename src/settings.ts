import { Notification } from '@jupyterlab/apputils';
import { ServerConnection } from '@jupyterlab/services';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IDisposable } from '@lumino/disposable';
import { Debouncer } from '@lumino/polling';

import { jsonInit, requestAPI } from './handler';
import { IConfigReply, IConfigUpdate, IServerConfig } from './tokens';

/**
 * The user's settings this extension sends to the server.
 */
export interface IUserSettings {
  /** Idle minutes before shutdown; `null` leaves the admin's default. */
  timeoutMinutes: number | null;
  /** Minutes of warning before the shutdown; `null` leaves the default. */
  warningMinutes: number | null;
}

/**
 * The result of validating one setting.
 */
export type MinutesCheck =
  { valid: true; value: number | null } | { valid: false; reason: string };

/**
 * Check a minutes setting before it goes to the server: a finite number
 * at least 0, or `null` (absent counts as `null`).
 *
 * @param value - The raw value from the settings.
 */
export function validateMinutes(value: unknown): MinutesCheck {
  if (value === null || value === undefined) {
    return { valid: true, value: null };
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return { valid: false, reason: `${JSON.stringify(value)} is not a number` };
  }
  if (value < 0) {
    return { valid: false, reason: `${value} is negative` };
  }
  return { valid: true, value };
}

/**
 * Read and validate the user's settings.
 *
 * @param composite - The composite settings of the plugin.
 * @returns The settings, or the reasons they cannot be sent.
 */
export function readSettings(composite: {
  [key: string]: unknown;
}): { settings: IUserSettings } | { errors: string[] } {
  const timeout = validateMinutes(composite.timeoutMinutes);
  const warning = validateMinutes(composite.warningMinutes);
  const errors: string[] = [];
  if (!timeout.valid) {
    errors.push(`Idle timeout: ${timeout.reason}`);
  }
  if (!warning.valid) {
    errors.push(`Warning: ${warning.reason}`);
  }
  if (!timeout.valid || !warning.valid) {
    return { errors };
  }
  return {
    settings: { timeoutMinutes: timeout.value, warningMinutes: warning.value }
  };
}

/**
 * The timeout the server would apply for `minutes`: clamped to the admin's
 * bounds (so 0 only stays 0 when the admin's minimum is 0).
 *
 * @param minutes - The requested timeout.
 * @param server - The server's config, with the bounds.
 */
export function clampTimeout(minutes: number, server: IServerConfig): number {
  return Math.min(
    server.max_timeout_minutes,
    Math.max(server.min_timeout_minutes, minutes)
  );
}

/**
 * Decide what to send to the server, if anything.
 *
 * On page load (`previous === null`) the settings are compared with what the
 * server applies: a value out of bounds that the server already holds
 * clamped is not sent again, so the clamp is explained once, not at every
 * load; and `null` (the settings' default) means "no opinion", so opening
 * JupyterLab never erases a value stored on the server. After a change, a
 * value that differs from the server's is sent as typed (the server clamps it
 * and says so), and `null` removes the user's value.
 *
 * @param desired - The settings now.
 * @param previous - The settings before this change, `null` on page load.
 * @param server - The server's current config.
 * @returns The `PUT config` body, or `null` when nothing needs sending.
 */
export function planUpdate(
  desired: IUserSettings,
  previous: IUserSettings | null,
  server: IServerConfig
): IConfigUpdate | null {
  const wanted = desired.timeoutMinutes;
  const held = server.user_timeout_minutes;
  let sendTimeout: boolean;
  if (previous === null) {
    sendTimeout = wanted !== null && clampTimeout(wanted, server) !== held;
  } else {
    sendTimeout =
      wanted !== held && (wanted !== null || previous.timeoutMinutes !== null);
  }
  const warning = desired.warningMinutes;
  const sendWarning =
    warning === null
      ? previous !== null && previous.warningMinutes !== null
      : warning !== server.warning_minutes;
  if (!sendTimeout && !sendWarning) {
    return null;
  }
  // `timeout_minutes` is required: when only the warning changes, send the
  // user's value back as it is.
  const update: IConfigUpdate = {
    timeout_minutes: sendTimeout ? wanted : held
  };
  if (sendWarning) {
    update.warning_minutes = warning;
  }
  return update;
}

/**
 * How to tell the user that the server refused a setting.
 *
 * @param reason - The failure of `PUT config`.
 */
export function describeFailure(reason: unknown): {
  level: 'warning' | 'error';
  message: string;
} {
  const message = reason instanceof Error ? reason.message : String(reason);
  if (reason instanceof ServerConnection.ResponseError) {
    if (reason.response.status === 403) {
      // The admin does not allow overrides: not the user's mistake.
      return { level: 'warning', message };
    }
    if (reason.response.status === 400) {
      return { level: 'error', message };
    }
  }
  return {
    level: 'error',
    message: `Could not save the idle timeout on the server: ${message}`
  };
}

/**
 * The calls `SettingsSync` makes to the server; injectable for tests.
 */
export interface IConfigAPI {
  /** `GET config`. */
  get(): Promise<IServerConfig>;
  /** `PUT config`. */
  put(update: IConfigUpdate): Promise<IConfigReply>;
}

/**
 * The notifications `SettingsSync` shows; injectable for tests.
 */
export interface INotifier {
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
}

/**
 * Sends the user's idle settings to the server (`PUT config`) when they are
 * first read and whenever they change.
 *
 * The server applies them with no browser open and clamps them to the
 * admin's bounds, with a message shown to the user. Clamped values are not
 * written back into the settings: the Settings Editor saves at each keystroke,
 * and "3" on the way to "30" must not become "5" under the user's fingers.
 */
export class SettingsSync implements IDisposable {
  /**
   * Construct a sync; call `start()` to run it.
   */
  constructor(options: SettingsSync.IOptions) {
    this._settings = options.settings;
    this._api = options.api ?? Private.restAPI(options.serverSettings);
    this._notify = options.notifier ?? Notification;
    // One request once the typing stops, not one per keystroke.
    this._debouncer = new Debouncer(
      () => this._enqueue(),
      options.debounceMs ?? 1000
    );
  }

  /**
   * Whether the sync is disposed.
   */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Send the current settings if needed, then follow their changes.
   *
   * @returns A promise that resolves when the first sync is done.
   */
  start(): Promise<void> {
    this._settings.changed.connect(this._onChanged, this);
    return this._enqueue();
  }

  /**
   * A promise that resolves when the changes seen so far are synced (tests).
   */
  get idle(): Promise<void> {
    return this._pending.then(() => this._queue);
  }

  /**
   * Stop following the settings.
   */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._debouncer.dispose();
    this._settings.changed.disconnect(this._onChanged, this);
  }

  private _onChanged(): void {
    this._pending = this._debouncer.invoke().catch(() => undefined);
  }

  /**
   * Run syncs one at a time, in the order of the changes.
   */
  private _enqueue(): Promise<void> {
    this._queue = this._queue.then(() => this._sync());
    return this._queue;
  }

  private async _sync(): Promise<void> {
    if (this._isDisposed) {
      return;
    }
    const firstRead = this._previous === null;
    const read = readSettings(this._settings.composite);
    if ('errors' in read) {
      // The Settings Editor validates against the schema; this is a backstop
      // so that nothing invalid ever reaches the server.
      this._notify.error(
        `Idle shutdown settings not sent: ${read.errors.join('; ')}`
      );
      return;
    }
    const desired = read.settings;
    const previous = this._previous;
    this._previous = desired;
    try {
      const server = await this._api.get();
      const update = planUpdate(desired, previous, server);
      if (update === null) {
        return;
      }
      if (!server.allow_user_override) {
        // Never nag on page load; say it only when the user changed something.
        if (!firstRead) {
          this._notify.warning(
            'Your administrator does not allow changing the idle timeout ' +
              `(it is ${server.timeout_minutes} min).`
          );
        }
        return;
      }
      const reply = await this._api.put(update);
      if (reply.clamped) {
        this._notify.info(reply.message);
      }
    } catch (reason) {
      if (firstRead) {
        // The server extension may be missing or down: the status bar says so.
        console.warn('jupyter-smcost: could not sync the settings', reason);
        return;
      }
      const { level, message } = describeFailure(reason);
      this._notify[level](message);
    }
  }

  private _api: IConfigAPI;
  private _debouncer: Debouncer;
  private _isDisposed = false;
  private _notify: INotifier;
  private _pending: Promise<void> = Promise.resolve();
  private _previous: IUserSettings | null = null;
  private _queue: Promise<void> = Promise.resolve();
  private _settings: ISettingRegistry.ISettings;
}

/**
 * A namespace for `SettingsSync` statics.
 */
export namespace SettingsSync {
  /**
   * The options to construct a `SettingsSync`.
   */
  export interface IOptions {
    /** The plugin's settings. */
    settings: ISettingRegistry.ISettings;
    /** The server connection, when `api` is not given. */
    serverSettings?: ServerConnection.ISettings;
    /** The server calls; defaults to the REST API. */
    api?: IConfigAPI;
    /** The notifications; defaults to JupyterLab's. */
    notifier?: INotifier;
    /** How long the settings must stay still before they are sent (ms). */
    debounceMs?: number;
  }
}

namespace Private {
  /**
   * The config calls over REST.
   */
  export function restAPI(
    serverSettings?: ServerConnection.ISettings
  ): IConfigAPI {
    return {
      get: () => requestAPI<IServerConfig>('config', {}, serverSettings),
      put: update =>
        requestAPI<IConfigReply>(
          'config',
          jsonInit('PUT', update),
          serverSettings
        )
    };
  }
}
