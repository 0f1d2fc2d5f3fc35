import { ServerConnection } from '@jupyterlab/services';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { Signal } from '@lumino/signaling';

import {
  agreesWithServer,
  BUDGET_KEY,
  clampTimeout,
  describeBudgetSetting,
  describeFailure,
  displayedUserSettings,
  IConfigAPI,
  INotifier,
  planUpdate,
  readSettings,
  SchemaTransform,
  schemaFor,
  SettingsSync,
  validateMinutes
} from '../idle/settings';
import { IConfigReply, IConfigUpdate, IServerConfig } from '../api';
import { TRANSLATION_DOMAIN } from '../i18n';
import shipped from '../../schema/plugin.json';
import { serverConfig } from './fixtures';

describe('validateMinutes', () => {
  it.each([0, 0.5, 30, 1440])('accepts %p', value => {
    expect(validateMinutes(value)).toEqual({ valid: true, value });
  });

  it('reads null and absent as no value', () => {
    expect(validateMinutes(null)).toEqual({ valid: true, value: null });
    expect(validateMinutes(undefined)).toEqual({ valid: true, value: null });
  });

  it.each([
    [-1, 'negative'],
    [Number.NaN, 'not a number'],
    [Number.POSITIVE_INFINITY, 'not a number'],
    ['30', 'not a number'],
    [true, 'not a number'],
    [{}, 'not a number']
  ])('refuses %p', (value, reason) => {
    const check = validateMinutes(value);
    expect(check.valid).toBe(false);
    expect(check.valid === false && check.reason).toContain(reason);
  });
});

describe('readSettings', () => {
  it('reads both settings', () => {
    expect(readSettings({ timeoutMinutes: 30, warningMinutes: null })).toEqual({
      settings: { timeoutMinutes: 30, warningMinutes: null }
    });
  });

  it('says what is wrong', () => {
    expect(readSettings({ timeoutMinutes: -5, warningMinutes: 'x' })).toEqual({
      errors: ['Idle timeout: -5 is negative', 'Warning: "x" is not a number']
    });
  });
});

describe('planUpdate', () => {
  const none = { timeoutMinutes: null, warningMinutes: null };

  it('sends nothing when the settings match the server', () => {
    const server = serverConfig({
      user_timeout_minutes: 30,
      user_warning_minutes: 5
    });
    expect(
      planUpdate({ timeoutMinutes: 30, warningMinutes: 5 }, null, server)
    ).toBeNull();
  });

  it('sends on load a timeout the server does not hold', () => {
    expect(
      planUpdate({ ...none, timeoutMinutes: 30 }, null, serverConfig())
    ).toEqual({ timeout_minutes: 30 });
  });

  it('sends 0 (disabled) as a value, not as "nothing"', () => {
    expect(
      planUpdate({ ...none, timeoutMinutes: 0 }, null, serverConfig())
    ).toEqual({ timeout_minutes: 0 });
  });

  it("lets the server's value win on load", () => {
    // Held clamped, or set by another tab: not sent again.
    const server = serverConfig({ user_timeout_minutes: 5 });
    expect(planUpdate({ ...none, timeoutMinutes: 2 }, null, server)).toBeNull();
    expect(
      planUpdate({ ...none, timeoutMinutes: 45 }, null, server)
    ).toBeNull();
  });

  it('sends a changed value as typed, for the server to clamp and explain', () => {
    const server = serverConfig({ user_timeout_minutes: 5 });
    expect(
      planUpdate(
        { ...none, timeoutMinutes: 3 },
        { ...none, timeoutMinutes: 2 },
        server
      )
    ).toEqual({ timeout_minutes: 3 });
  });

  it('never sends back a value the user did not change', () => {
    // Another tab set 20 on the server; this tab still shows 45.
    const server = serverConfig({ user_timeout_minutes: 20 });
    const shown = { ...none, timeoutMinutes: 45 };
    expect(planUpdate(shown, shown, server)).toBeNull();
  });

  it('never erases the server value on first read', () => {
    const server = serverConfig({ user_timeout_minutes: 30 });
    expect(planUpdate(none, null, server)).toBeNull();
  });

  it('erases the server value when the user clears theirs', () => {
    const server = serverConfig({ user_timeout_minutes: 30 });
    expect(planUpdate(none, { ...none, timeoutMinutes: 30 }, server)).toEqual({
      timeout_minutes: null
    });
  });

  it('sends the warning alone when only the warning changes', () => {
    const server = serverConfig({
      user_timeout_minutes: 30,
      user_warning_minutes: null
    });
    expect(
      planUpdate(
        { timeoutMinutes: 30, warningMinutes: 10 },
        { timeoutMinutes: 30, warningMinutes: null },
        server
      )
    ).toEqual({ warning_minutes: 10 });
    expect(
      planUpdate({ timeoutMinutes: 30, warningMinutes: 10 }, null, server)
    ).toEqual({ warning_minutes: 10 });
  });

  it('sends both when both change', () => {
    expect(
      planUpdate(
        { timeoutMinutes: 20, warningMinutes: 2 },
        none,
        serverConfig({ user_warning_minutes: null })
      )
    ).toEqual({ timeout_minutes: 20, warning_minutes: 2 });
  });
});

describe('planUpdate for the warning', () => {
  const none = { timeoutMinutes: null, warningMinutes: null };

  it('erases the warning only when the user clears it', () => {
    const server = serverConfig({ user_warning_minutes: 10 });
    expect(planUpdate(none, null, server)).toBeNull();
    expect(planUpdate(none, { ...none, warningMinutes: 10 }, server)).toEqual({
      warning_minutes: null
    });
  });

  it('compares with the effective warning on older servers', () => {
    const server = serverConfig({ warning_minutes: 5 });
    delete server.user_warning_minutes;
    expect(planUpdate({ ...none, warningMinutes: 5 }, none, server)).toBeNull();
    expect(planUpdate({ ...none, warningMinutes: 7 }, none, server)).toEqual({
      warning_minutes: 7
    });
  });
});

describe('agreesWithServer', () => {
  it("accepts the server's clamped value for the user's", () => {
    const server = serverConfig({
      user_timeout_minutes: 5,
      user_warning_minutes: null
    });
    expect(
      agreesWithServer({ timeoutMinutes: 2, warningMinutes: null }, server)
    ).toBe(true);
    expect(
      agreesWithServer({ timeoutMinutes: 6, warningMinutes: null }, server)
    ).toBe(false);
    expect(
      agreesWithServer({ timeoutMinutes: 5, warningMinutes: 3 }, server)
    ).toBe(false);
    expect(
      agreesWithServer({ timeoutMinutes: null, warningMinutes: null }, server)
    ).toBe(false);
  });
});

const BASE_SCHEMA: ISettingRegistry.ISchema = {
  type: 'object',
  title: 'SageMaker idle shutdown',
  properties: {
    timeoutMinutes: {
      title: 'Idle timeout (minutes)',
      description: 'As shipped.',
      type: ['number', 'null'],
      minimum: 0,
      default: null
    },
    warningMinutes: {
      title: 'Warning (minutes)',
      description: 'As shipped.',
      type: ['number', 'null'],
      minimum: 0,
      default: null
    }
  }
};

describe('schemaFor', () => {
  it("sets the admin's bounds and states the effective values", () => {
    const schema = schemaFor(
      BASE_SCHEMA,
      serverConfig({ user_warning_minutes: null })
    );
    const timeout = schema.properties!.timeoutMinutes;
    expect(timeout.minimum).toBe(5);
    expect(timeout.maximum).toBe(1440);
    expect(timeout.readOnly).toBeUndefined();
    expect(timeout.description).toContain(
      "Effective: 60 min (your administrator's default). Allowed: 5–1440 min."
    );
    expect(schema.properties!.warningMinutes.description).toContain(
      "Effective: 5 min (your administrator's default)"
    );
    // The base is left as it was.
    expect(BASE_SCHEMA.properties!.timeoutMinutes.maximum).toBeUndefined();
  });

  it("says when the user's value applies, and when it was clamped", () => {
    const own = schemaFor(
      BASE_SCHEMA,
      serverConfig({ timeout_minutes: 45, user_timeout_minutes: 45 })
    );
    expect(own.properties!.timeoutMinutes.description).toContain(
      'Effective: 45 min (your setting)'
    );
    const lowered = schemaFor(
      BASE_SCHEMA,
      serverConfig({
        timeout_minutes: 120,
        user_timeout_minutes: 240,
        max_timeout_minutes: 120
      })
    );
    expect(lowered.properties!.timeoutMinutes.description).toContain(
      'Effective: 120 min (your setting 240 min, kept within the allowed range)'
    );
  });

  it('mentions that 0 disables the shutdown only when it is allowed', () => {
    const zero = schemaFor(
      BASE_SCHEMA,
      serverConfig({ min_timeout_minutes: 0 })
    );
    expect(zero.properties!.timeoutMinutes.description).toContain(
      'Allowed: 0–1440 min; 0 disables the shutdown.'
    );
  });

  it('makes both fields read-only when the admin fixed them', () => {
    const schema = schemaFor(
      BASE_SCHEMA,
      serverConfig({ allow_user_override: false })
    );
    const { timeoutMinutes, warningMinutes } = schema.properties!;
    expect(timeoutMinutes.readOnly).toBe(true);
    expect(warningMinutes.readOnly).toBe(true);
    expect(timeoutMinutes.default).toBe(60);
    expect(timeoutMinutes.description).toBe(
      'Your administrator fixed the idle timeout at 60 min; it cannot be changed here.'
    );
  });

  it('is the schema as shipped without a config', () => {
    expect(schemaFor(BASE_SCHEMA, null)).toEqual(BASE_SCHEMA);
  });
});

describe('displayedUserSettings', () => {
  it('shows a stored timeout out of bounds clamped', () => {
    const config = serverConfig({ max_timeout_minutes: 120 });
    expect(displayedUserSettings({ timeoutMinutes: 240 }, config)).toEqual({
      timeoutMinutes: 120
    });
    expect(
      displayedUserSettings({ timeoutMinutes: 2, other: 1 }, config)
    ).toEqual({ timeoutMinutes: 5, other: 1 });
    expect(displayedUserSettings({ timeoutMinutes: 30 }, config)).toBeNull();
    expect(displayedUserSettings({}, config)).toBeNull();
  });

  it('hides the stored values when the admin fixed them', () => {
    const config = serverConfig({ allow_user_override: false });
    expect(
      displayedUserSettings({ timeoutMinutes: 30, other: 1 }, config)
    ).toEqual({ other: 1 });
    expect(displayedUserSettings({ other: 1 }, config)).toBeNull();
  });
});

describe('SchemaTransform', () => {
  const fetched = (raw = '{}', settings: unknown = {}) =>
    ({
      id: 'jupyter-smcost:plugin',
      raw,
      schema: JSON.parse(JSON.stringify(BASE_SCHEMA)),
      data: { composite: {}, user: {} },
      settings,
      version: '0.1.0'
    }) as unknown as ISettingRegistry.IPlugin;

  it('updates the schema it handed out in place', () => {
    const transform = new SchemaTransform();
    expect(transform.setConfig(serverConfig())).toBe(true);
    const first = transform.fetch(fetched());
    expect(first.schema.properties!.timeoutMinutes.maximum).toBe(1440);
    // Nothing new: nothing to reload.
    expect(transform.setConfig(serverConfig())).toBe(false);
    expect(
      transform.setConfig(serverConfig({ max_timeout_minutes: 120 }))
    ).toBe(true);
    const second = transform.fetch(fetched());
    expect(second.schema).toBe(first.schema);
    expect(first.schema.properties!.timeoutMinutes.maximum).toBe(120);
    expect(first.schema.properties!.timeoutMinutes.description).toContain(
      'Allowed: 5–120 min'
    );
  });

  it('works from the schema as shipped when given its own output', () => {
    const transform = new SchemaTransform();
    transform.setConfig(serverConfig());
    const first = transform.fetch(fetched());
    transform.setConfig(serverConfig({ allow_user_override: false }));
    const again = transform.fetch(first);
    expect(again.schema.properties!.timeoutMinutes.readOnly).toBe(true);
    transform.setConfig(serverConfig());
    const back = transform.fetch(again);
    expect(back.schema.properties!.timeoutMinutes.readOnly).toBeUndefined();
  });

  it('shows stored values the way the server applies them', () => {
    const transform = new SchemaTransform();
    transform.setConfig(serverConfig({ max_timeout_minutes: 120 }));
    const plugin = transform.fetch(
      fetched('// a comment\n{"timeoutMinutes": 240}', { timeoutMinutes: 240 })
    );
    expect(JSON.parse(plugin.raw)).toEqual({ timeoutMinutes: 120 });
    const kept = transform.fetch(
      fetched('{"timeoutMinutes": 60}', { timeoutMinutes: 60 })
    );
    expect(kept.raw).toBe('{"timeoutMinutes": 60}');
  });

  it('passes the plugin through without a config', () => {
    const transform = new SchemaTransform();
    const plugin = transform.fetch(fetched('{"timeoutMinutes": 1}'));
    expect(plugin.raw).toBe('{"timeoutMinutes": 1}');
    expect(plugin.schema).toEqual(BASE_SCHEMA);
  });
});

describe('clampTimeout', () => {
  it("clamps to the admin's bounds", () => {
    const server = serverConfig({
      min_timeout_minutes: 5,
      max_timeout_minutes: 1440
    });
    expect(clampTimeout(2, server)).toBe(5);
    expect(clampTimeout(0, server)).toBe(5);
    expect(clampTimeout(30, server)).toBe(30);
    expect(clampTimeout(5000, server)).toBe(1440);
    expect(clampTimeout(0, { ...server, min_timeout_minutes: 0 })).toBe(0);
  });
});

describe('describeFailure', () => {
  const responseError = (status: number, message: string) =>
    new ServerConnection.ResponseError(new Response('', { status }), message);

  it('warns when the admin forbids overrides', () => {
    expect(describeFailure(responseError(403, 'not allowed'))).toEqual({
      level: 'warning',
      message: 'not allowed'
    });
  });

  it("shows the server's message for bad input", () => {
    expect(describeFailure(responseError(400, 'must be >= 0'))).toEqual({
      level: 'error',
      message: 'must be >= 0'
    });
  });

  it('explains other failures', () => {
    const { level, message } = describeFailure(new Error('offline'));
    expect(level).toBe('error');
    expect(message).toContain('offline');
  });
});

/**
 * Just enough of `ISettingRegistry.ISettings` for `SettingsSync`.
 */
class FakeSettings {
  constructor(public user: { [key: string]: unknown }) {}
  readonly id = 'jupyter-smcost:plugin';
  readonly changed = new Signal<this, void>(this);
  saves: string[] = [];
  get composite(): { [key: string]: unknown } {
    return { timeoutMinutes: null, warningMinutes: null, ...this.user };
  }
  async set(key: string, value: unknown): Promise<void> {
    this.user = { ...this.user, [key]: value };
    this.changed.emit();
  }
  async save(raw: string): Promise<void> {
    this.saves.push(raw);
    this.user = JSON.parse(raw);
    this.changed.emit();
  }
}

/**
 * A server that clamps the timeout to [min, max] like the real one.
 */
class FakeConfigAPI implements IConfigAPI {
  constructor(config: IServerConfig) {
    this.config = { user_warning_minutes: null, ...config };
  }
  config: IServerConfig;
  puts: IConfigUpdate[] = [];
  gets = 0;
  async get(): Promise<IServerConfig> {
    this.gets++;
    return { ...this.config };
  }
  /**
   * A change made elsewhere (another tab, the admin).
   */
  change(overrides: Partial<IServerConfig>): string {
    const version = `v${++this._version}`;
    this.config = { ...this.config, ...overrides, config_version: version };
    return version;
  }
  async put(update: IConfigUpdate): Promise<IConfigReply> {
    this.puts.push(update);
    const { min_timeout_minutes: min, max_timeout_minutes: max } = this.config;
    let clamped = false;
    if ('timeout_minutes' in update) {
      const wanted = update.timeout_minutes ?? null;
      const held =
        wanted === null ? null : Math.min(max, Math.max(min, wanted));
      clamped = held !== wanted;
      this.config.user_timeout_minutes = held;
      this.config.timeout_minutes = held ?? this.config.admin_timeout_minutes;
    }
    if ('warning_minutes' in update) {
      this.config.user_warning_minutes = update.warning_minutes ?? null;
      this.config.warning_minutes = update.warning_minutes ?? 5;
    }
    this.change({});
    return {
      ...this.config,
      clamped,
      message: clamped
        ? `The idle timeout was clamped to ${this.config.user_timeout_minutes} minutes.`
        : ''
    };
  }
  private _version = 0;
}

function notifier(): INotifier & { [level: string]: jest.Mock } {
  return { info: jest.fn(), warning: jest.fn(), error: jest.fn() };
}

function makeSync(
  settings: FakeSettings,
  api: IConfigAPI,
  notify: INotifier,
  more: Partial<SettingsSync.IOptions> = {}
): SettingsSync {
  return new SettingsSync({
    settings: settings as unknown as ISettingRegistry.ISettings,
    api,
    notifier: notify,
    debounceMs: 5,
    ...more
  });
}

describe('SettingsSync', () => {
  it('sends the settings on start and on change', async () => {
    const settings = new FakeSettings({
      timeoutMinutes: 30,
      warningMinutes: null
    });
    const api = new FakeConfigAPI(serverConfig());
    const notify = notifier();
    const sync = makeSync(settings, api, notify);
    await sync.start();
    expect(api.puts).toEqual([{ timeout_minutes: 30 }]);
    await settings.set('timeoutMinutes', 45);
    await sync.idle;
    expect(api.puts).toEqual([
      { timeout_minutes: 30 },
      { timeout_minutes: 45 }
    ]);
    await settings.set('timeoutMinutes', null);
    await sync.idle;
    expect(api.puts[2]).toEqual({ timeout_minutes: null });
    await settings.set('warningMinutes', 2);
    await sync.idle;
    expect(api.puts[3]).toEqual({ warning_minutes: 2 });
    expect(notify.error).not.toHaveBeenCalled();
    // Its own changes are not "changes from elsewhere".
    expect(settings.saves).toEqual([]);
    expect(sync.configVersion).toBe(api.config.config_version);
    sync.dispose();
  });

  it('explains a clamp, once across page loads, and keeps the setting', async () => {
    const settings = new FakeSettings({ timeoutMinutes: 2 });
    const api = new FakeConfigAPI(serverConfig());
    const notify = notifier();
    const sync = makeSync(settings, api, notify);
    await sync.start();
    expect(notify.info).toHaveBeenCalledWith(
      'The idle timeout was clamped to 5 minutes.'
    );
    expect(settings.user.timeoutMinutes).toBe(2);
    sync.dispose();
    // The next page load: the server already holds the clamped value.
    const reload = makeSync(settings, api, notify);
    await reload.start();
    expect(api.puts).toEqual([{ timeout_minutes: 2 }]);
    expect(notify.info).toHaveBeenCalledTimes(1);
    expect(settings.saves).toEqual([]);
    reload.dispose();
  });

  it('sends one request once the typing stops', async () => {
    const settings = new FakeSettings({ timeoutMinutes: null });
    const api = new FakeConfigAPI(serverConfig());
    const notify = notifier();
    const sync = makeSync(settings, api, notify);
    await sync.start();
    // The Settings Editor saves at each keystroke: "3", then "30".
    await settings.set('timeoutMinutes', 3);
    await settings.set('timeoutMinutes', 30);
    await sync.idle;
    expect(api.puts).toEqual([{ timeout_minutes: 30 }]);
    expect(notify.info).not.toHaveBeenCalled();
    sync.dispose();
  });

  it('never sends an invalid value', async () => {
    const settings = new FakeSettings({ timeoutMinutes: -3 });
    const api = new FakeConfigAPI(serverConfig());
    const notify = notifier();
    const sync = makeSync(settings, api, notify);
    await sync.start();
    await settings.set('timeoutMinutes', 'ten');
    await sync.idle;
    await settings.set('timeoutMinutes', Number.POSITIVE_INFINITY);
    await sync.idle;
    expect(api.puts).toEqual([]);
    expect(notify.error).toHaveBeenCalledWith(
      expect.stringContaining('-3 is negative')
    );
    expect(notify.error).toHaveBeenCalledWith(
      expect.stringContaining('"ten" is not a number')
    );
    sync.dispose();
  });

  it('says when the admin forbids changes, but not on page load', async () => {
    const settings = new FakeSettings({ timeoutMinutes: 30 });
    const api = new FakeConfigAPI(serverConfig({ allow_user_override: false }));
    const notify = notifier();
    const sync = makeSync(settings, api, notify);
    await sync.start();
    expect(notify.warning).not.toHaveBeenCalled();
    await settings.set('timeoutMinutes', 40);
    await sync.idle;
    expect(notify.warning).toHaveBeenCalledWith(
      expect.stringContaining('does not allow')
    );
    expect(api.puts).toEqual([]);
    sync.dispose();
  });

  it("shows the server's refusal", async () => {
    const settings = new FakeSettings({ timeoutMinutes: null });
    const api = new FakeConfigAPI(serverConfig());
    api.put = () =>
      Promise.reject(
        new ServerConnection.ResponseError(
          new Response('', { status: 400 }),
          'timeout_minutes must be >= 0'
        )
      );
    const notify = notifier();
    const sync = makeSync(settings, api, notify);
    await sync.start();
    await settings.set('timeoutMinutes', 10);
    await sync.idle;
    expect(notify.error).toHaveBeenCalledWith('timeout_minutes must be >= 0');
    sync.dispose();
  });

  it('stays quiet on load when the server is missing', async () => {
    const settings = new FakeSettings({ timeoutMinutes: 30 });
    const api = new FakeConfigAPI(serverConfig());
    api.get = () => Promise.reject(new Error('Not Found'));
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    const notify = notifier();
    const sync = makeSync(settings, api, notify);
    await sync.start();
    expect(notify.error).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
    sync.dispose();
  });

  it('stops following the settings when disposed', async () => {
    const settings = new FakeSettings({ timeoutMinutes: 30 });
    const api = new FakeConfigAPI(serverConfig());
    const sync = makeSync(settings, api, notifier());
    await sync.start();
    sync.dispose();
    await settings.set('timeoutMinutes', 50);
    await sync.idle;
    expect(api.puts).toEqual([{ timeout_minutes: 30 }]);
  });
});

describe('SettingsSync from the server', () => {
  it("shows the server's value on load instead of sending its own", async () => {
    const settings = new FakeSettings({ timeoutMinutes: 45 });
    const api = new FakeConfigAPI(
      serverConfig({ user_timeout_minutes: 20, user_warning_minutes: 3 })
    );
    const sync = makeSync(settings, api, notifier());
    await sync.start();
    await sync.idle;
    expect(api.puts).toEqual([]);
    expect(settings.user).toEqual({ timeoutMinutes: 20, warningMinutes: 3 });
    sync.dispose();
  });

  it('follows a change made elsewhere without sending it back', async () => {
    const settings = new FakeSettings({ timeoutMinutes: 45 });
    const api = new FakeConfigAPI(serverConfig());
    const sync = makeSync(settings, api, notifier());
    await sync.start();
    expect(api.puts).toEqual([{ timeout_minutes: 45 }]);
    const version = api.change({
      user_timeout_minutes: 20,
      timeout_minutes: 20,
      user_warning_minutes: 2
    });
    await sync.serverChanged(version);
    await sync.idle;
    expect(settings.user).toEqual({ timeoutMinutes: 20, warningMinutes: 2 });
    expect(api.puts).toHaveLength(1);
    expect(sync.configVersion).toBe(version);
    // The same version again (e.g. from the status after the event): nothing.
    const gets = api.gets;
    await sync.serverChanged(version);
    expect(api.gets).toBe(gets);
    // Then the user changes it again: sent.
    await settings.set('timeoutMinutes', 25);
    await sync.idle;
    expect(api.puts[1]).toEqual({ timeout_minutes: 25 });
    sync.dispose();
  });

  it('does not rewrite a value the server holds clamped', async () => {
    const settings = new FakeSettings({ timeoutMinutes: 2 });
    const api = new FakeConfigAPI(
      serverConfig({ user_timeout_minutes: 5, timeout_minutes: 5 })
    );
    const sync = makeSync(settings, api, notifier());
    await sync.start();
    await sync.serverChanged(api.change({}));
    expect(settings.saves).toEqual([]);
    sync.dispose();
  });

  it('follows a cleared value', async () => {
    const settings = new FakeSettings({ timeoutMinutes: 45 });
    const api = new FakeConfigAPI(serverConfig({ user_timeout_minutes: 45 }));
    const sync = makeSync(settings, api, notifier());
    await sync.start();
    await sync.serverChanged(api.change({ user_timeout_minutes: null }));
    await sync.idle;
    expect(settings.user.timeoutMinutes).toBeNull();
    expect(api.puts).toEqual([]);
    sync.dispose();
  });

  it('reloads the plugin when the schema changes, and only then', async () => {
    const settings = new FakeSettings({});
    const api = new FakeConfigAPI(serverConfig());
    const transform = new SchemaTransform();
    // As on page load: the config read before the settings.
    transform.setConfig(await api.get());
    transform.fetch({
      id: 'jupyter-smcost:plugin',
      raw: '{}',
      schema: JSON.parse(JSON.stringify(BASE_SCHEMA)),
      data: { composite: {}, user: {} }
    } as unknown as ISettingRegistry.IPlugin);
    const registry = { reload: jest.fn(async () => undefined) };
    const sync = makeSync(settings, api, notifier(), {
      registry: registry as unknown as ISettingRegistry,
      transform
    });
    await sync.start();
    expect(registry.reload).not.toHaveBeenCalled();
    await sync.serverChanged(api.change({ max_timeout_minutes: 120 }));
    expect(registry.reload).toHaveBeenCalledWith('jupyter-smcost:plugin');
    expect(transform.config?.max_timeout_minutes).toBe(120);
    await sync.serverChanged(api.change({ allow_user_override: false }));
    expect(registry.reload).toHaveBeenCalledTimes(2);
    // Read-only: the values are not touched.
    expect(settings.saves).toEqual([]);
    await sync.serverChanged(api.change({}));
    expect(registry.reload).toHaveBeenCalledTimes(2);
    sync.dispose();
  });

  it('keeps going when the server cannot be read', async () => {
    const settings = new FakeSettings({});
    const api = new FakeConfigAPI(serverConfig());
    const sync = makeSync(settings, api, notifier());
    await sync.start();
    api.get = () => Promise.reject(new Error('offline'));
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    await sync.serverChanged('v9');
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
    sync.dispose();
  });
});

describe('the idle budget (maxIdleUsd)', () => {
  /**
   * A server with the idle budget (newer servers).
   */
  const budgetConfig = (overrides: Partial<IServerConfig> = {}) =>
    serverConfig({
      user_warning_minutes: null,
      max_idle_usd: null,
      admin_max_idle_usd: null,
      user_max_idle_usd: null,
      ...overrides
    });

  /**
   * A fake server that also keeps the budget, like the real one.
   */
  class BudgetConfigAPI extends FakeConfigAPI {
    async put(update: IConfigUpdate): Promise<IConfigReply> {
      if ('max_idle_usd' in update) {
        const value = update.max_idle_usd ?? null;
        this.config.user_max_idle_usd = value;
        const effective =
          value === null ? (this.config.admin_max_idle_usd ?? null) : value;
        this.config.max_idle_usd =
          effective !== null && effective > 0 ? effective : null;
      }
      return super.put(update);
    }
  }

  const none = { timeoutMinutes: null, warningMinutes: null };

  it('is a setting of the shipped schema', () => {
    const budget = (
      shipped.properties as { [key: string]: { [key: string]: unknown } }
    )[BUDGET_KEY];
    expect(BUDGET_KEY).toBe('maxIdleUsd');
    expect(budget.title).toBe('Idle budget (USD)');
    expect(budget.type).toEqual(['number', 'null']);
    expect(budget.minimum).toBe(0);
    expect(budget.default).toBeNull();
  });

  it('is read and checked with the other settings', () => {
    expect(
      readSettings({
        timeoutMinutes: 30,
        warningMinutes: null,
        maxIdleUsd: 0.5
      })
    ).toEqual({
      settings: { timeoutMinutes: 30, warningMinutes: null, maxIdleUsd: 0.5 }
    });
    // 0 (no budget) is a value.
    expect(readSettings({ maxIdleUsd: 0 })).toEqual({
      settings: { timeoutMinutes: null, warningMinutes: null, maxIdleUsd: 0 }
    });
    expect(readSettings({ maxIdleUsd: -1 })).toEqual({
      errors: ['Idle budget: -1 is negative']
    });
    expect(readSettings({ maxIdleUsd: '1' })).toEqual({
      errors: ['Idle budget: "1" is not a number']
    });
  });

  it('is sent like the timeout', () => {
    const server = budgetConfig();
    // On load, only when the server holds none.
    expect(planUpdate({ ...none, maxIdleUsd: 0.5 }, null, server)).toEqual({
      max_idle_usd: 0.5
    });
    expect(planUpdate({ ...none, maxIdleUsd: 0 }, null, server)).toEqual({
      max_idle_usd: 0
    });
    expect(
      planUpdate(
        { ...none, maxIdleUsd: 2 },
        null,
        budgetConfig({ user_max_idle_usd: 1 })
      )
    ).toBeNull();
    // After a change: as typed; cleared: null.
    const held = budgetConfig({ user_max_idle_usd: 1, max_idle_usd: 1 });
    expect(
      planUpdate({ ...none, maxIdleUsd: 2 }, { ...none, maxIdleUsd: 1 }, held)
    ).toEqual({ max_idle_usd: 2 });
    expect(planUpdate(none, { ...none, maxIdleUsd: 1 }, held)).toEqual({
      max_idle_usd: null
    });
    // Never erased on first read.
    expect(planUpdate(none, null, held)).toBeNull();
  });

  it('is never sent to an older server', () => {
    expect(
      planUpdate({ ...none, maxIdleUsd: 0.5 }, null, serverConfig())
    ).toBeNull();
    expect(
      planUpdate(
        { ...none, maxIdleUsd: 0.5 },
        { ...none, maxIdleUsd: 1 },
        serverConfig()
      )
    ).toBeNull();
  });

  it("is compared with the server's", () => {
    const server = budgetConfig({ user_max_idle_usd: 0.5 });
    expect(agreesWithServer({ ...none, maxIdleUsd: 0.5 }, server)).toBe(true);
    expect(agreesWithServer({ ...none, maxIdleUsd: 1 }, server)).toBe(false);
    expect(agreesWithServer(none, server)).toBe(false);
    expect(agreesWithServer(none, budgetConfig())).toBe(true);
    // Older servers: nothing to compare.
    expect(agreesWithServer({ ...none, maxIdleUsd: 3 }, serverConfig())).toBe(
      true
    );
  });

  const SCHEMA: ISettingRegistry.ISchema = {
    ...BASE_SCHEMA,
    properties: {
      ...BASE_SCHEMA.properties,
      maxIdleUsd: {
        title: 'Idle budget (USD)',
        description: 'As shipped.',
        type: ['number', 'null'],
        minimum: 0,
        default: null
      }
    }
  };

  it('states the effective budget in the Settings Editor', () => {
    const schema = schemaFor(
      SCHEMA,
      budgetConfig({
        admin_max_idle_usd: 2,
        max_idle_usd: 0.5,
        user_max_idle_usd: 0.5
      })
    );
    const description = schema.properties!.maxIdleUsd.description!;
    expect(description).toContain(
      'whichever comes first with the idle timeout'
    );
    expect(description).toContain('Effective: $0.50 (your setting)');
    expect(description).toContain(
      "Leave it empty to use your administrator's default ($2.00)."
    );
    expect(description).toContain('0 means no budget');
    expect(
      describeBudgetSetting(budgetConfig({ user_max_idle_usd: null }))
    ).toContain("Effective: none (your administrator's default)");
    // Older servers: as shipped.
    expect(
      schemaFor(SCHEMA, serverConfig()).properties!.maxIdleUsd.description
    ).toBe('As shipped.');
  });

  it('is read-only when the admin fixed the settings', () => {
    const schema = schemaFor(
      SCHEMA,
      budgetConfig({ allow_user_override: false, max_idle_usd: 1.5 })
    );
    const budget = schema.properties!.maxIdleUsd;
    expect(budget.readOnly).toBe(true);
    expect(budget.default).toBe(1.5);
    expect(budget.description).toBe(
      'Your administrator set the idle budget: $1.50; it cannot be changed here.'
    );
    expect(
      displayedUserSettings(
        { maxIdleUsd: 3, other: 1 },
        budgetConfig({ allow_user_override: false })
      )
    ).toEqual({ other: 1 });
  });

  it('syncs maxIdleUsd with max_idle_usd both ways', async () => {
    const settings = new FakeSettings({ maxIdleUsd: 0.5 });
    const api = new BudgetConfigAPI(budgetConfig());
    const notify = notifier();
    const sync = makeSync(settings, api, notify);
    await sync.start();
    expect(api.puts).toEqual([{ max_idle_usd: 0.5 }]);
    expect(api.config.max_idle_usd).toBe(0.5);
    // Changed: sent alone.
    await settings.set('maxIdleUsd', 1.25);
    await sync.idle;
    expect(api.puts[1]).toEqual({ max_idle_usd: 1.25 });
    // 0: no budget.
    await settings.set('maxIdleUsd', 0);
    await sync.idle;
    expect(api.puts[2]).toEqual({ max_idle_usd: 0 });
    expect(api.config.max_idle_usd).toBeNull();
    // Cleared: back to the admin's.
    await settings.set('maxIdleUsd', null);
    await sync.idle;
    expect(api.puts[3]).toEqual({ max_idle_usd: null });
    expect(notify.error).not.toHaveBeenCalled();
    expect(settings.saves).toEqual([]);

    // Another tab sets a budget: this one follows, and does not send it back.
    const version = api.change({ user_max_idle_usd: 3, max_idle_usd: 3 });
    await sync.serverChanged(version);
    await sync.idle;
    expect(settings.user.maxIdleUsd).toBe(3);
    expect(api.puts).toHaveLength(4);
    sync.dispose();
  });

  it('leaves the budget alone with an older server', async () => {
    const settings = new FakeSettings({ timeoutMinutes: 45, maxIdleUsd: 2 });
    const api = new FakeConfigAPI(serverConfig({ user_timeout_minutes: 20 }));
    const sync = makeSync(settings, api, notifier());
    await sync.start();
    await sync.idle;
    expect(api.puts).toEqual([]);
    expect(settings.user).toEqual({
      timeoutMinutes: 20,
      warningMinutes: null,
      maxIdleUsd: 2
    });
    sync.dispose();
  });

  it('refuses a negative budget before it reaches the server', async () => {
    const settings = new FakeSettings({});
    const api = new BudgetConfigAPI(budgetConfig());
    const notify = notifier();
    const sync = makeSync(settings, api, notify);
    await sync.start();
    await settings.set('maxIdleUsd', -2);
    await sync.idle;
    expect(api.puts).toEqual([]);
    expect(notify.error).toHaveBeenCalledWith(
      expect.stringContaining('Idle budget: -2 is negative')
    );
    sync.dispose();
  });
});

describe('the shipped schema', () => {
  it("is translated in the extension's domain", () => {
    // jupyterlab_server translates a schema's strings with the bundle of
    // this domain (else JupyterLab's own, which has none of ours).
    expect(shipped['jupyter.lab.internationalization']).toEqual({
      domain: TRANSLATION_DOMAIN
    });
    expect(TRANSLATION_DOMAIN).toBe('jupyter_smcost');
  });

  it('has every string people read where the default selectors find it', () => {
    // jupyterlab_server's default selectors (translation_utils.py); a string
    // elsewhere needs a `selectors` entry of its own.
    const selectors = [
      /^\/title$/,
      /^\/description$/,
      /^\/jupyter\.lab\.setting-icon-label$/,
      /^\/properties\/[^/]+\/(title|description)$/
    ];
    const readable: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (node === null || typeof node !== 'object' || Array.isArray(node)) {
        return;
      }
      for (const [key, value] of Object.entries(node)) {
        if (
          typeof value === 'string' &&
          (key === 'title' || key === 'description' || key.endsWith('label'))
        ) {
          readable.push(`${path}/${key}`);
        }
        walk(value, `${path}/${key}`);
      }
    };
    walk(shipped, '');
    expect(readable).toContain('/title');
    expect(readable).toContain('/properties/timeoutMinutes/title');
    expect(
      readable.filter(path => !selectors.some(selector => selector.test(path)))
    ).toEqual([]);
  });
});
