import { ServerConnection } from '@jupyterlab/services';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { Signal } from '@lumino/signaling';

import {
  clampTimeout,
  describeFailure,
  IConfigAPI,
  INotifier,
  planUpdate,
  readSettings,
  SettingsSync,
  validateMinutes
} from '../settings';
import { IConfigReply, IConfigUpdate, IServerConfig } from '../tokens';
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
    const server = serverConfig({ user_timeout_minutes: 30 });
    expect(
      planUpdate({ timeoutMinutes: 30, warningMinutes: 5 }, null, server)
    ).toBeNull();
  });

  it('sends a timeout that differs from the user value on the server', () => {
    expect(
      planUpdate({ ...none, timeoutMinutes: 30 }, null, serverConfig())
    ).toEqual({ timeout_minutes: 30 });
  });

  it('sends 0 (disabled) as a value, not as "nothing"', () => {
    expect(
      planUpdate({ ...none, timeoutMinutes: 0 }, null, serverConfig())
    ).toEqual({ timeout_minutes: 0 });
  });

  it('does not resend on load a value the server holds clamped', () => {
    const server = serverConfig({ user_timeout_minutes: 5 });
    expect(planUpdate({ ...none, timeoutMinutes: 2 }, null, server)).toBeNull();
    expect(
      planUpdate({ ...none, timeoutMinutes: 2 }, null, serverConfig())
    ).toEqual({ timeout_minutes: 2 });
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

  it('keeps the user timeout when only the warning changes', () => {
    const server = serverConfig({ user_timeout_minutes: 30 });
    expect(
      planUpdate({ timeoutMinutes: 30, warningMinutes: 10 }, null, server)
    ).toEqual({ timeout_minutes: 30, warning_minutes: 10 });
    expect(
      planUpdate({ ...none, warningMinutes: 10 }, null, serverConfig())
    ).toEqual({ timeout_minutes: null, warning_minutes: 10 });
  });
});

describe('planUpdate for the warning', () => {
  const none = { timeoutMinutes: null, warningMinutes: null };

  it('erases the warning only when the user clears it', () => {
    const server = serverConfig({ warning_minutes: 10 });
    expect(planUpdate(none, null, server)).toBeNull();
    expect(planUpdate(none, { ...none, warningMinutes: 10 }, server)).toEqual({
      timeout_minutes: null,
      warning_minutes: null
    });
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
  constructor(public composite: { [key: string]: unknown }) {}
  readonly changed = new Signal<this, void>(this);
  async set(key: string, value: unknown): Promise<void> {
    this.composite = { ...this.composite, [key]: value };
    this.changed.emit();
  }
}

/**
 * A server that clamps the timeout to [min, max] like the real one.
 */
class FakeConfigAPI implements IConfigAPI {
  constructor(public config: IServerConfig) {}
  puts: IConfigUpdate[] = [];
  async get(): Promise<IServerConfig> {
    return { ...this.config };
  }
  async put(update: IConfigUpdate): Promise<IConfigReply> {
    this.puts.push(update);
    const { min_timeout_minutes: min, max_timeout_minutes: max } = this.config;
    const wanted = update.timeout_minutes;
    const clamped =
      wanted === null ? null : Math.min(max, Math.max(min, wanted));
    this.config = {
      ...this.config,
      user_timeout_minutes: clamped,
      timeout_minutes: clamped ?? this.config.admin_timeout_minutes,
      warning_minutes: update.warning_minutes ?? this.config.warning_minutes
    };
    return {
      ...this.config,
      clamped: clamped !== wanted,
      message:
        clamped !== wanted
          ? `The idle timeout was clamped to ${clamped} minutes.`
          : ''
    };
  }
}

function notifier(): INotifier & { [level: string]: jest.Mock } {
  return { info: jest.fn(), warning: jest.fn(), error: jest.fn() };
}

function makeSync(
  settings: FakeSettings,
  api: IConfigAPI,
  notify: INotifier
): SettingsSync {
  return new SettingsSync({
    settings: settings as unknown as ISettingRegistry.ISettings,
    api,
    notifier: notify,
    debounceMs: 5
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
    expect(notify.error).not.toHaveBeenCalled();
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
    expect(settings.composite.timeoutMinutes).toBe(2);
    sync.dispose();
    // The next page load: the server already holds the clamped value.
    const reload = makeSync(settings, api, notify);
    await reload.start();
    expect(api.puts).toEqual([{ timeout_minutes: 2 }]);
    expect(notify.info).toHaveBeenCalledTimes(1);
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
    expect(api.puts).toEqual([]);
    expect(notify.error).toHaveBeenCalledWith(
      expect.stringContaining('-3 is negative')
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
