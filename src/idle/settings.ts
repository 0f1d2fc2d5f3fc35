import { Notification } from '@jupyterlab/apputils';
import { ServerConnection } from '@jupyterlab/services';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import { IDisposable } from '@lumino/disposable';
import { JSONExt, PartialJSONObject } from '@lumino/coreutils';
import { Debouncer } from '@lumino/polling';

import { formatUsd } from '../format';
import { en, loadTrans } from '../i18n';
import {
  IConfigReply,
  IConfigUpdate,
  IServerConfig,
  jsonInit,
  requestAPI
} from '../api';

/**
 * The setting of the idle timeout.
 */
export const TIMEOUT_KEY = 'timeoutMinutes';

/**
 * The setting of the warning.
 */
export const WARNING_KEY = 'warningMinutes';

/**
 * The setting of the idle budget.
 */
export const BUDGET_KEY = 'maxIdleUsd';

/**
 * The user's settings this extension sends to the server.
 */
export interface IUserSettings {
  /** Idle minutes before shutdown; `null` leaves the admin's default. */
  timeoutMinutes: number | null;
  /** Minutes of warning before the shutdown; `null` leaves the default. */
  warningMinutes: number | null;
  /**
   * The idle budget in USD; `null` (or absent) leaves the admin's default,
   * `0` means no budget.
   */
  maxIdleUsd?: number | null;
}

/**
 * The result of validating one setting.
 */
export type MinutesCheck =
  { valid: true; value: number | null } | { valid: false; reason: string };

/**
 * Check a minutes (or dollars) setting before it goes to the server: a
 * finite number at least 0, or `null` (absent counts as `null`).
 *
 * @param value - The raw value from the settings.
 */
export function validateMinutes(
  value: unknown,
  trans: TranslationBundle = en
): MinutesCheck {
  if (value === null || value === undefined) {
    return { valid: true, value: null };
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return {
      valid: false,
      reason: trans.__('%1 is not a number', JSON.stringify(value))
    };
  }
  if (value < 0) {
    return { valid: false, reason: trans.__('%1 is negative', value) };
  }
  return { valid: true, value };
}

/**
 * Read and validate the user's settings.
 *
 * @param composite - The composite settings of the plugin.
 * @returns The settings, or the reasons they cannot be sent.
 */
export function readSettings(
  composite: {
    [key: string]: unknown;
  },
  trans: TranslationBundle = en
): { settings: IUserSettings } | { errors: string[] } {
  const timeout = validateMinutes(composite[TIMEOUT_KEY], trans);
  const warning = validateMinutes(composite[WARNING_KEY], trans);
  const budget = validateMinutes(composite[BUDGET_KEY], trans);
  const errors: string[] = [];
  if (!timeout.valid) {
    errors.push(trans.__('Idle timeout: %1', timeout.reason));
  }
  if (!warning.valid) {
    errors.push(trans.__('Warning: %1', warning.reason));
  }
  if (!budget.valid) {
    errors.push(trans.__('Idle budget: %1', budget.reason));
  }
  if (!timeout.valid || !warning.valid || !budget.valid) {
    return { errors };
  }
  const settings: IUserSettings = {
    timeoutMinutes: timeout.value,
    warningMinutes: warning.value
  };
  if (budget.value !== null) {
    settings.maxIdleUsd = budget.value;
  }
  return { settings };
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
 * On page load (`previous === null`) a value is sent only when the server
 * holds none: a different value held by the server (another tab's, or the
 * clamped one) wins, so opening JupyterLab never overrides the server, and
 * `null` (the settings' default) means "no opinion", so it never erases a
 * value stored on the server either. After a change, a value the user
 * changed and that differs from the server's is sent as typed (the server
 * clamps it and says so), and `null` removes the user's value. A value the
 * user did not change is never sent: when another tab or the admin changed
 * the server's, this tab follows the server (`SettingsSync.serverChanged`).
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
  const update: IConfigUpdate = {};
  if (
    Private.shouldSend(
      desired.timeoutMinutes,
      previous === null ? undefined : previous.timeoutMinutes,
      server.user_timeout_minutes
    )
  ) {
    update.timeout_minutes = desired.timeoutMinutes;
  }
  // Older servers do not say which warning is the user's.
  const heldWarning =
    server.user_warning_minutes === undefined
      ? server.warning_minutes
      : server.user_warning_minutes;
  if (
    Private.shouldSend(
      desired.warningMinutes,
      previous === null ? undefined : previous.warningMinutes,
      heldWarning
    )
  ) {
    update.warning_minutes = desired.warningMinutes;
  }
  // Older servers have no idle budget: never send them one.
  if (
    server.user_max_idle_usd !== undefined &&
    Private.shouldSend(
      desired.maxIdleUsd ?? null,
      previous === null ? undefined : (previous.maxIdleUsd ?? null),
      server.user_max_idle_usd
    )
  ) {
    update.max_idle_usd = desired.maxIdleUsd ?? null;
  }
  return Object.keys(update).length > 0 ? update : null;
}

/**
 * Whether the user's settings say the same as the server's user values
 * (a timeout the server holds clamped counts as the same).
 *
 * @param user - The settings of this page.
 * @param server - The server's config.
 */
export function agreesWithServer(
  user: IUserSettings,
  server: IServerConfig
): boolean {
  const held = server.user_timeout_minutes;
  const timeoutAgrees =
    user.timeoutMinutes === held ||
    (user.timeoutMinutes !== null &&
      held !== null &&
      clampTimeout(user.timeoutMinutes, server) === held);
  const warningAgrees =
    server.user_warning_minutes === undefined ||
    user.warningMinutes === server.user_warning_minutes;
  const budgetAgrees =
    server.user_max_idle_usd === undefined ||
    (user.maxIdleUsd ?? null) === server.user_max_idle_usd;
  return timeoutAgrees && warningAgrees && budgetAgrees;
}

/**
 * The settings schema for the server's config: the admin's bounds as the
 * timeout's `minimum`/`maximum` (so the Settings Editor flags a bad value
 * itself), descriptions that state the effective values, and read-only
 * fields when the admin does not allow overrides.
 *
 * @param base - The schema as shipped (schema/plugin.json).
 * @param config - The server's config, or `null` when unknown (then the
 *   schema is returned as shipped).
 * @returns A new schema; `base` is not changed.
 */
export function schemaFor(
  base: ISettingRegistry.ISchema,
  config: IServerConfig | null,
  trans: TranslationBundle = en
): ISettingRegistry.ISchema {
  const schema = JSONExt.deepCopy(
    base as unknown as PartialJSONObject
  ) as unknown as ISettingRegistry.ISchema;
  const properties = schema.properties;
  if (config === null || !properties) {
    return schema;
  }
  const timeout = properties[TIMEOUT_KEY];
  const warning = properties[WARNING_KEY];
  const budget = properties[BUDGET_KEY];
  const fixed = !config.allow_user_override;
  if (timeout) {
    timeout.minimum = config.min_timeout_minutes;
    timeout.maximum = Math.max(
      config.min_timeout_minutes,
      config.max_timeout_minutes
    );
    timeout.description = describeTimeoutSetting(config, trans);
    if (fixed) {
      timeout.readOnly = true;
      timeout.default = config.timeout_minutes;
    }
  }
  if (warning) {
    warning.description = describeWarningSetting(config, trans);
    if (fixed) {
      warning.readOnly = true;
      warning.default = config.warning_minutes;
    }
  }
  // Older servers have no idle budget: the schema stays as shipped.
  if (budget && config.max_idle_usd !== undefined) {
    budget.description = describeBudgetSetting(config, trans);
    if (fixed) {
      budget.readOnly = true;
      budget.default = config.max_idle_usd;
    }
  }
  return schema;
}

/**
 * The timeout's description in the Settings Editor, e.g. "Effective: 60 min
 * (your administrator's default). Allowed: 5–1440 min."
 *
 * @param config - The server's config.
 */
export function describeTimeoutSetting(
  config: IServerConfig,
  trans: TranslationBundle = en
): string {
  const effective = Private.minutes(config.timeout_minutes, trans);
  if (!config.allow_user_override) {
    return config.timeout_minutes === 0
      ? trans.__(
          'Your administrator fixed the idle timeout at %1 (never stopped); it cannot be changed here.',
          effective
        )
      : trans.__(
          'Your administrator fixed the idle timeout at %1; it cannot be changed here.',
          effective
        );
  }
  const user = config.user_timeout_minutes;
  const source =
    user === null
      ? trans.__("your administrator's default")
      : user === config.timeout_minutes
        ? trans.__('your setting')
        : trans.__(
            'your setting %1, kept within the allowed range',
            Private.minutes(user, trans)
          );
  const min = config.min_timeout_minutes;
  const max = Math.max(min, config.max_timeout_minutes);
  const defaultMinutes = Private.minutes(config.admin_timeout_minutes, trans);
  return min === 0
    ? trans.__(
        'Stop the app after this many idle minutes. Effective: %1 (%2). Allowed: %3–%4 min; 0 disables the shutdown. Leave it empty to use the default (%5). The server applies it even with no browser open.',
        effective,
        source,
        min,
        max,
        defaultMinutes
      )
    : trans.__(
        'Stop the app after this many idle minutes. Effective: %1 (%2). Allowed: %3–%4 min. Leave it empty to use the default (%5). The server applies it even with no browser open.',
        effective,
        source,
        min,
        max,
        defaultMinutes
      );
}

/**
 * The warning's description in the Settings Editor.
 *
 * @param config - The server's config.
 */
export function describeWarningSetting(
  config: IServerConfig,
  trans: TranslationBundle = en
): string {
  const effective = Private.minutes(config.warning_minutes, trans);
  if (!config.allow_user_override) {
    return trans.__(
      'Your administrator fixed the warning at %1 before the shutdown; it cannot be changed here.',
      effective
    );
  }
  const head = trans.__(
    'Warn this many minutes before the shutdown. Effective: %1',
    effective
  );
  const admin = config.admin_warning_minutes;
  return (
    head +
    Private.source(config.user_warning_minutes, trans) +
    (admin === undefined
      ? trans.__(
          '; never more than the timeout. Leave it empty to use the default.'
        )
      : trans.__(
          '; never more than the timeout. Leave it empty to use the default (%1).',
          Private.minutes(admin, trans)
        ))
  );
}

/**
 * The idle budget's description in the Settings Editor, e.g. "... Effective:
 * $0.50 (your setting)."
 *
 * @param config - The server's config.
 */
export function describeBudgetSetting(
  config: IServerConfig,
  trans: TranslationBundle = en
): string {
  const effective = Private.budget(config.max_idle_usd ?? null, trans);
  if (!config.allow_user_override) {
    return trans.__(
      'Your administrator set the idle budget: %1; it cannot be changed here.',
      effective
    );
  }
  return trans.__(
    "Shut down once this app's idle time has cost this many US dollars at its hourly price, whichever comes first with the idle timeout. Effective: %1%2. 0 means no budget. Leave it empty to use your administrator's default (%3).",
    effective,
    Private.source(config.user_max_idle_usd, trans),
    Private.budget(config.admin_max_idle_usd ?? null, trans)
  );
}

/**
 * The user's settings as the Settings Editor should show them for a config:
 * a stored timeout out of the admin's bounds shows clamped (as the server
 * applies it; it would otherwise fail the schema and break the editor), and
 * with overrides not allowed the stored values are hidden so the fixed ones
 * show.
 *
 * @param user - The stored user settings (parsed).
 * @param config - The server's config.
 * @returns The settings to show, or `null` when they show as stored.
 */
export function displayedUserSettings(
  user: { [key: string]: unknown },
  config: IServerConfig
): { [key: string]: unknown } | null {
  if (!config.allow_user_override) {
    if (
      !(TIMEOUT_KEY in user) &&
      !(WARNING_KEY in user) &&
      !(BUDGET_KEY in user)
    ) {
      return null;
    }
    const shown = { ...user };
    delete shown[TIMEOUT_KEY];
    delete shown[WARNING_KEY];
    delete shown[BUDGET_KEY];
    return shown;
  }
  const timeout = user[TIMEOUT_KEY];
  if (typeof timeout === 'number' && Number.isFinite(timeout)) {
    const clamped = clampTimeout(timeout, config);
    if (clamped !== timeout) {
      return { ...user, [TIMEOUT_KEY]: clamped };
    }
  }
  return null;
}

/**
 * The settings registry's `fetch` transform of this plugin: the schema and
 * the shown values follow the server's config (`schemaFor`,
 * `displayedUserSettings`).
 *
 * The schema object handed to the registry is kept and updated in place on
 * later fetches, so that settings objects already handed out (e.g. the one an
 * open Settings Editor shows) see the new bounds when the plugin is reloaded.
 */
export class SchemaTransform {
  /**
   * @param options - The translator for the descriptions (English without
   *   it).
   */
  constructor(options: { translator?: ITranslator | null } = {}) {
    this._trans = loadTrans(options.translator);
  }

  /**
   * The server's config the schema follows, `null` when unknown.
   */
  get config(): IServerConfig | null {
    return this._config;
  }

  /**
   * Follow a new config.
   *
   * @returns Whether the schema or the shown values change (then reload the
   *   plugin so the registry and the Settings Editor see it).
   */
  setConfig(config: IServerConfig | null): boolean {
    const before = Private.signature(this._base, this._config);
    this._config = config;
    return before !== Private.signature(this._base, config);
  }

  /**
   * The `fetch` transform.
   */
  fetch = (plugin: ISettingRegistry.IPlugin): ISettingRegistry.IPlugin => {
    if (this._base === null) {
      // The first fetch is the schema as shipped; later ones may be ours.
      this._base = JSONExt.deepCopy(
        plugin.schema as unknown as PartialJSONObject
      ) as unknown as ISettingRegistry.ISchema;
    }
    const schema = schemaFor(this._base, this._config, this._trans);
    if (this._schema === null) {
      this._schema = schema;
    } else {
      for (const key of Object.keys(this._schema)) {
        delete this._schema[key];
      }
      Object.assign(this._schema, schema);
    }
    let raw = plugin.raw;
    // The parsed user settings, which the settings server sends with `raw`.
    const user = (plugin as { settings?: unknown }).settings;
    if (this._config !== null && typeof user === 'object' && user !== null) {
      const shown = displayedUserSettings(
        user as { [key: string]: unknown },
        this._config
      );
      if (shown !== null) {
        raw = JSON.stringify(shown, undefined, 4);
      }
    }
    return { ...plugin, raw, schema: this._schema };
  };

  private _base: ISettingRegistry.ISchema | null = null;
  private _config: IServerConfig | null = null;
  private _schema: ISettingRegistry.ISchema | null = null;
  private _trans: TranslationBundle;
}

/**
 * How to tell the user that the server refused a setting.
 *
 * @param reason - The failure of `PUT config`.
 */
export function describeFailure(
  reason: unknown,
  trans: TranslationBundle = en
): {
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
    message: trans.__(
      'Could not save the idle timeout on the server: %1',
      message
    )
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
 * Keeps the user's idle settings and the server's in step, both ways.
 *
 * To the server: the settings are sent (`PUT config`) when they change; the
 * server applies them with no browser open and clamps them to the admin's
 * bounds, with a message shown to the user. Clamped values are not written
 * back into the settings: the Settings Editor saves at each keystroke, and "3"
 * on the way to "30" must not become "5" under the user's fingers.
 *
 * From the server: when its settings version changes (another tab, the
 * admin, a restart), the config is read again; the schema follows it (bounds,
 * read-only, effective values, see `SchemaTransform`) and the settings take
 * the server's values, which are not sent back (`planUpdate` sends only what
 * the user changed).
 *
 * On page load, the server's values win over different ones in the settings;
 * a value in the settings is sent only when the server holds none.
 */
export class SettingsSync implements IDisposable {
  /**
   * Construct a sync; call `start()` to run it.
   */
  constructor(options: SettingsSync.IOptions) {
    this._settings = options.settings;
    this._trans = loadTrans(options.translator);
    this._api = options.api ?? Private.restAPI(options.serverSettings);
    this._notify = options.notifier ?? Notification;
    this._registry = options.registry ?? null;
    this._transform = options.transform ?? null;
    // One request once the typing stops, not one per keystroke.
    this._debouncer = new Debouncer(
      () => this._enqueue(() => this._sync()),
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
   * The server's settings version this sync last followed.
   */
  get configVersion(): string | null {
    return this._version;
  }

  /**
   * Send the current settings if needed, then follow their changes.
   *
   * @returns A promise that resolves when the first sync is done.
   */
  start(): Promise<void> {
    this._settings.changed.connect(this._onChanged, this);
    return this._enqueue(() => this._sync());
  }

  /**
   * The server's settings changed (a new `config_version` in the status or
   * an event): read them and follow them, without sending them back.
   *
   * @param version - The new version; nothing is done if it is the one this
   *   sync already follows.
   * @returns A promise that resolves when the settings are followed.
   */
  serverChanged(version: string): Promise<void> {
    return this._enqueue(async () => {
      if (this._isDisposed || version === this._version) {
        return;
      }
      try {
        await this._followServer(await this._api.get());
      } catch (reason) {
        console.warn('jupyter-smcost: could not read the settings', reason);
      }
    });
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
   * Run the steps one at a time, in order.
   */
  private _enqueue(step: () => Promise<void>): Promise<void> {
    this._queue = this._queue.then(step).catch(reason => {
      console.error('jupyter-smcost: settings sync failed', reason);
    });
    return this._queue;
  }

  private async _sync(): Promise<void> {
    if (this._isDisposed) {
      return;
    }
    const firstRead = this._previous === null;
    const read = readSettings(this._settings.user, this._trans);
    if ('errors' in read) {
      // The Settings Editor validates against the schema; this is a backstop
      // so that nothing invalid ever reaches the server.
      this._notify.error(
        this._trans.__(
          'Idle shutdown settings not sent: %1',
          read.errors.join('; ')
        )
      );
      return;
    }
    const desired = read.settings;
    const previous = this._previous;
    this._previous = desired;
    let server: IServerConfig;
    try {
      server = await this._api.get();
      const update = planUpdate(desired, previous, server);
      if (update !== null && !server.allow_user_override) {
        // Never nag on page load; say it only when the user changed something.
        if (!firstRead) {
          this._notify.warning(
            this._trans.__(
              'Your administrator does not allow changing the idle timeout (it is %1 min).',
              server.timeout_minutes
            )
          );
        }
      } else if (update !== null) {
        const reply = await this._api.put(update);
        if (reply.clamped) {
          this._notify.info(reply.message);
        }
        server = reply;
      }
    } catch (reason) {
      if (firstRead) {
        // The server extension may be missing or down: the status bar says so.
        console.warn('jupyter-smcost: could not sync the settings', reason);
        return;
      }
      const { level, message } = describeFailure(reason, this._trans);
      this._notify[level](message);
      return;
    }
    if (firstRead || server.config_version !== this._version) {
      await this._followServer(server);
    }
  }

  /**
   * Follow the server's config: the schema, then the values.
   */
  private async _followServer(server: IServerConfig): Promise<void> {
    if (this._isDisposed) {
      return;
    }
    this._version = server.config_version ?? null;
    if (this._transform?.setConfig(server) && this._registry) {
      try {
        // The registry fetches the plugin again through the transform, and
        // the Settings Editor redraws it.
        await this._registry.reload(this._settings.id);
      } catch (reason) {
        console.warn('jupyter-smcost: could not reload the settings', reason);
      }
    }
    if (!server.allow_user_override) {
      return;
    }
    const read = readSettings(this._settings.user, this._trans);
    if ('errors' in read || agreesWithServer(read.settings, server)) {
      return;
    }
    const target: IUserSettings = {
      timeoutMinutes: server.user_timeout_minutes,
      warningMinutes:
        server.user_warning_minutes === undefined
          ? read.settings.warningMinutes
          : server.user_warning_minutes,
      maxIdleUsd:
        server.user_max_idle_usd === undefined
          ? (read.settings.maxIdleUsd ?? null)
          : server.user_max_idle_usd
    };
    // Not a change of the user's: `planUpdate` will not send it back.
    this._previous = target;
    const user: { [key: string]: unknown } = {
      ...(this._settings.user as { [key: string]: unknown }),
      [TIMEOUT_KEY]: target.timeoutMinutes,
      [WARNING_KEY]: target.warningMinutes
    };
    // Older servers have no budget: the user's own stays as it is.
    if (server.user_max_idle_usd !== undefined) {
      user[BUDGET_KEY] = target.maxIdleUsd;
    }
    try {
      await this._settings.save(JSON.stringify(user, undefined, 4));
    } catch (reason) {
      console.warn('jupyter-smcost: could not show the new settings', reason);
    }
  }

  private _api: IConfigAPI;
  private _debouncer: Debouncer;
  private _isDisposed = false;
  private _notify: INotifier;
  private _pending: Promise<void> = Promise.resolve();
  private _previous: IUserSettings | null = null;
  private _queue: Promise<void> = Promise.resolve();
  private _registry: Pick<ISettingRegistry, 'reload'> | null;
  private _settings: ISettingRegistry.ISettings;
  private _transform: SchemaTransform | null;
  private _trans: TranslationBundle;
  private _version: string | null = null;
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
    /** The registry, to reload the plugin when its schema changes. */
    registry?: Pick<ISettingRegistry, 'reload'>;
    /** The plugin's `fetch` transform, told about each new config. */
    transform?: SchemaTransform;
    /** The strings' translations; English without it. */
    translator?: ITranslator | null;
  }
}

namespace Private {
  /**
   * Whether a setting must be sent: on page load (`previous` undefined) only
   * when the server holds no value; after a change, when the user changed it
   * and the server holds another value.
   */
  export function shouldSend(
    wanted: number | null,
    previous: number | null | undefined,
    held: number | null
  ): boolean {
    if (previous === undefined) {
      return wanted !== null && held === null;
    }
    return wanted !== previous && wanted !== held;
  }

  /**
   * An idle budget for people: `$0.50`, or `none`.
   */
  export function budget(
    value: number | null,
    trans: TranslationBundle
  ): string {
    return value === null || !(value > 0) ? trans.__('none') : formatUsd(value);
  }

  /**
   * Minutes for people: `60 min`.
   */
  export function minutes(value: number, trans: TranslationBundle): string {
    return trans.__('%1 min', Math.round(value * 100) / 100);
  }

  /**
   * Where a setting's value comes from, for the descriptions: nothing from
   * an older server (`undefined`), the admin's default (`null`), or the
   * user's.
   */
  export function source(
    user: number | null | undefined,
    trans: TranslationBundle
  ): string {
    if (user === undefined) {
      return '';
    }
    return user === null
      ? trans.__(" (your administrator's default)")
      : trans.__(' (your setting)');
  }

  /**
   * What the transform's output depends on, to tell when it changes.
   */
  export function signature(
    base: ISettingRegistry.ISchema | null,
    config: IServerConfig | null
  ): string {
    return JSON.stringify([
      base === null ? null : schemaFor(base, config),
      config === null
        ? null
        : [
            config.allow_user_override,
            config.min_timeout_minutes,
            config.max_timeout_minutes
          ]
    ]);
  }

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
