import { Notification } from '@jupyterlab/apputils';
import { ServerConnection } from '@jupyterlab/services';
import { IDisposable } from '@lumino/disposable';

import { extrapolate } from '../countdown';
import { IdleModel } from '../idle/model';
import { IIdleStatus, IStatus } from '../api';
import {
  IdleNotifier,
  INotificationAPI,
  KEEP_RUNNING_ACTION,
  noticeMessage,
  STOP_NOW_ACTION,
  warningMessage
} from '../idle/warning';
import { idleStatus, NOW, status } from './fixtures';

/**
 * A notification center that records what it is asked.
 */
class FakeNotifications implements INotificationAPI {
  shown = new Map<
    string,
    { message: string; type: string; options: Notification.IOptions<null> }
  >();
  log: string[] = [];
  errors: string[] = [];
  private _next = 0;

  warning(message: string, options: Notification.IOptions<null>): string {
    const id = `n${++this._next}`;
    this.shown.set(id, { message, type: 'warning', options });
    this.log.push(`warning ${message}`);
    return id;
  }
  error(message: string, options: Notification.IOptions<null>): string {
    this.errors.push(message);
    return `e${++this._next}`;
  }
  update(args: Notification.IUpdate<null>): boolean {
    const current = this.shown.get(args.id);
    if (!current) {
      return false;
    }
    current.message = args.message ?? current.message;
    this.log.push(`update ${args.message}`);
    return true;
  }
  dismiss(id: string): void {
    this.shown.delete(id);
    this.log.push(`dismiss ${id}`);
  }
  /** The user clicks an action of a notification. */
  click(id: string, label: string): void {
    const action = this.shown
      .get(id)!
      .options.actions!.find(a => a.label === label)!;
    const event = new MouseEvent('click', { cancelable: true });
    action.callback(event);
    // The toast closes and dismisses itself unless prevented.
    if (!event.defaultPrevented) {
      this.shown.delete(id);
    }
  }
}

/**
 * What `setup` made, disposed after each test (the notifier first), even
 * when the test fails.
 */
const live: IDisposable[] = [];

afterEach(() => {
  for (const disposable of live.splice(0)) {
    disposable.dispose();
  }
});

/**
 * A model fed by hand, with a clock the test moves.
 */
function setup(
  idle: Partial<IIdleStatus>,
  toastShown: (id: string) => boolean | null = () => null,
  stopNow: (() => Promise<unknown>) | null = null
) {
  const clock = { now: NOW };
  const answers: Array<IStatus | Error> = [status(idle)];
  const fetch = async (request: Request) => {
    const next = answers[0];
    if (next instanceof Error) {
      throw next;
    }
    if (request.url.includes('/activity')) {
      return new Response(JSON.stringify(idleStatus({ state: 'active' })));
    }
    return new Response(JSON.stringify(next));
  };
  const model = new IdleModel({
    serverSettings: ServerConnection.makeSettings({
      baseUrl: 'http://localhost:8888/',
      fetch: fetch as unknown as typeof window.fetch
    }),
    autoStart: false,
    clock: () => clock.now
  });
  const notifications = new FakeNotifications();
  const notifier = new IdleNotifier({
    model,
    notifications,
    clock: () => clock.now,
    tickMs: 60_000,
    toastShown,
    stopNow
  });
  const answer = (next: Partial<IIdleStatus> | Error) => {
    answers[0] = next instanceof Error ? next : status(next);
  };
  live.push(notifier, model);
  return { clock, model, notifications, notifier, answer };
}

describe('warningMessage', () => {
  it('counts down as a clock and says what happens when', () => {
    const view = extrapolate(
      idleStatus({ state: 'warning', seconds_until_shutdown: 105 }),
      0
    );
    const message = warningMessage(view, Date.parse('2026-11-26T16:20:00'))!;
    expect(message).toMatch(
      /^This app stops in 1:45 unless you keep working\.\nAt .*: delete this Studio app\.$/
    );
  });

  it("says it is the scheduled stop when the schedule's limit applies", () => {
    const view = extrapolate(
      idleStatus({
        state: 'warning',
        seconds_until_shutdown: 105,
        limit: 'schedule' as unknown as IIdleStatus['limit']
      }),
      0
    );
    expect(warningMessage(view, NOW)).toMatch(
      /^This app stops in 1:45 at its scheduled stop unless you keep it running\.\nAt .*: delete this Studio app\.$/
    );
  });

  it('says it is only logged in a dry run', () => {
    const view = extrapolate(
      idleStatus({
        state: 'warning',
        seconds_until_shutdown: 60,
        action: 'dry-run'
      }),
      0
    );
    expect(warningMessage(view, NOW)).toMatch(
      /^Dry run: this app would stop in 1:00 unless you keep working\./
    );
  });

  it('says when the app is stopping, and nothing when active', () => {
    const stopping = extrapolate(
      idleStatus({ state: 'shutting-down', seconds_until_shutdown: null }),
      0
    );
    expect(warningMessage(stopping, NOW)).toMatch(/^This app is stopping/);
    expect(warningMessage(extrapolate(idleStatus(), 0), NOW)).toBeNull();
  });
});

describe('noticeMessage', () => {
  it("capitalizes the server's postponement, which comes first", () => {
    expect(
      noticeMessage(
        'shutdown postponed by 5 min: could not save a.ipynb (disk full)'
      )
    ).toBe('Shutdown postponed by 5 min: could not save a.ipynb (disk full)');
  });

  it('puts a postponement first', () => {
    expect(
      noticeMessage(
        'could not save a.ipynb (Unexpected error: disk full): shutdown postponed by 5 min'
      )
    ).toBe(
      'Shutdown postponed by 5 min: could not save a.ipynb (Unexpected error: disk full)'
    );
    expect(noticeMessage('something else')).toBe(
      'Idle shutdown: something else'
    );
  });
});

describe('IdleNotifier', () => {
  const WAITING: Partial<IIdleStatus> = {
    state: 'warning',
    seconds_until_shutdown: 0,
    limit: 'schedule' as unknown as IIdleStatus['limit'],
    schedule_waiting_for_busy: true,
    error: 'the scheduled stop waits for 1 busy kernel(s); stop now to end them'
  };

  it('a due scheduled stop that waits for busy kernels: one warning with "Stop now", not the notice as well', async () => {
    const stopNow = jest.fn(() => Promise.resolve());
    const { answer, model, notifications } = setup(
      { state: 'warning', seconds_until_shutdown: 60, limit: WAITING.limit },
      () => null,
      stopNow
    );
    await model.update();
    const [first] = [...notifications.shown.keys()];
    expect(
      notifications.shown.get(first)!.options.actions!.map(a => a.label)
    ).toEqual([KEEP_RUNNING_ACTION]);
    // Due, and waiting: a new question with its own actions.
    answer(WAITING);
    await model.update();
    expect(notifications.shown.has(first)).toBe(false);
    expect(notifications.shown.size).toBe(1);
    const [id, shown] = [...notifications.shown][0];
    expect(shown.message).toBe(
      'The scheduled stop is due and waits for the running cells to finish.\nStop now ends them; Keep running postpones the stop.'
    );
    expect(shown.options.actions!.map(a => a.label)).toEqual([
      STOP_NOW_ACTION,
      KEEP_RUNNING_ACTION
    ]);
    // The server's notice says the same: not a second toast.
    expect(notifications.errors).toEqual([]);
    // The toast stays while the dialog asks (a cancel leaves it open).
    notifications.click(id, STOP_NOW_ACTION);
    expect(stopNow).toHaveBeenCalledTimes(1);
    expect(notifications.shown.has(id)).toBe(true);
    // Kept running: the stale notice is not shown afterwards either.
    answer({
      ...WAITING,
      state: 'active',
      seconds_until_shutdown: 3000,
      schedule_waiting_for_busy: false
    });
    await model.update();
    expect(notifications.shown.size).toBe(0);
    expect(notifications.errors).toEqual([]);
  });

  it('"Stop now" refused: the server\'s message in an error notification', async () => {
    const stopNow = jest.fn(() => Promise.reject(new Error('HTTP 403')));
    const { model, notifications } = setup(WAITING, () => null, stopNow);
    await model.update();
    const [id] = [...notifications.shown.keys()];
    notifications.click(id, STOP_NOW_ACTION);
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(notifications.errors).toEqual([
      'Could not stop the app now: HTTP 403'
    ]);
  });

  it('no "Stop now" action without a way to stop now', async () => {
    const { model, notifications } = setup(WAITING);
    await model.update();
    const [shown] = [...notifications.shown.values()];
    expect(shown.options.actions!.map(a => a.label)).toEqual([
      KEEP_RUNNING_ACTION
    ]);
  });

  it('warns with a live countdown and "Keep running"', async () => {
    const { clock, model, notifications, notifier } = setup({
      state: 'warning',
      seconds_until_shutdown: 105
    });
    await model.update();
    expect(notifications.shown.size).toBe(1);
    const [id, shown] = [...notifications.shown][0];
    expect(notifier.warningId).toBe(id);
    expect(shown.message).toMatch(/^This app stops in 1:45 /);
    expect(shown.options.autoClose).toBe(false);
    expect(shown.options.actions?.map(a => a.label)).toEqual([
      KEEP_RUNNING_ACTION
    ]);
    clock.now += 1000;
    notifier.render();
    expect(notifications.shown.get(id)!.message).toMatch(/stops in 1:44 /);
    // No change, no update.
    const updates = notifications.log.length;
    notifier.render();
    expect(notifications.log.length).toBe(updates);
    notifier.dispose();
    expect(notifications.shown.size).toBe(0);
  });

  it('appears when the countdown enters the warning window', async () => {
    const { clock, model, notifications, notifier } = setup({
      state: 'active',
      seconds_until_shutdown: 302
    });
    await model.update();
    expect(notifications.shown.size).toBe(0);
    clock.now += 2000;
    notifier.render();
    expect(notifications.shown.size).toBe(1);
  });

  it('goes away when the server says the app is active again', async () => {
    const { answer, model, notifications } = setup({
      state: 'warning',
      seconds_until_shutdown: 100
    });
    await model.update();
    expect(notifications.shown.size).toBe(1);
    answer({ state: 'active', seconds_until_shutdown: 3600 });
    await model.update();
    expect(notifications.shown.size).toBe(0);
    // And comes back at the next warning.
    answer({ state: 'warning', seconds_until_shutdown: 100 });
    await model.update();
    expect(notifications.shown.size).toBe(1);
  });

  it('"Keep running" reports activity and ends the warning', async () => {
    const { model, notifications, notifier } = setup({
      state: 'warning',
      seconds_until_shutdown: 100
    });
    await model.update();
    const keep = jest.spyOn(model, 'keepRunning');
    notifications.click(notifier.warningId!, KEEP_RUNNING_ACTION);
    expect(keep).toHaveBeenCalled();
    await keep.mock.results[0].value;
    expect(model.view()!.state).toBe('active');
    expect(notifications.shown.size).toBe(0);
    expect(notifier.warningId).toBeNull();
  });

  it('shows the warning again when "Keep running" fails', async () => {
    const { answer, clock, model, notifications, notifier } = setup({
      state: 'warning',
      seconds_until_shutdown: 100
    });
    await model.update();
    answer(new Error('offline'));
    notifications.click(notifier.warningId!, KEEP_RUNNING_ACTION);
    await new Promise(resolve => setTimeout(resolve, 10));
    expect(notifications.errors[0]).toMatch(/Could not reach the server/);
    clock.now += 1000;
    notifier.render();
    expect(notifications.shown.size).toBe(1);
  });

  it('stays away once dismissed, until the next warning period', async () => {
    const { clock, model, notifications, notifier } = setup({
      state: 'warning',
      seconds_until_shutdown: 100
    });
    await model.update();
    // Closed from the notification list.
    notifications.shown.clear();
    clock.now += 1000;
    notifier.render();
    clock.now += 1000;
    notifier.render();
    expect(notifications.shown.size).toBe(0);
  });

  it('stops updating a toast the user hid', async () => {
    let onScreen: boolean | null = null;
    const { clock, model, notifications, notifier } = setup(
      { state: 'warning', seconds_until_shutdown: 100 },
      () => onScreen
    );
    await model.update();
    const id = notifier.warningId!;
    onScreen = true;
    clock.now += 1000;
    notifier.render();
    expect(notifications.shown.get(id)!.message).toMatch(/1:39/);
    onScreen = false;
    clock.now += 1000;
    notifier.render();
    // Updating would show it again: left as it was.
    expect(notifications.shown.get(id)!.message).toMatch(/1:39/);
  });

  it('keeps the warning while the server cannot be reached', async () => {
    const { answer, model, notifications } = setup({
      state: 'warning',
      seconds_until_shutdown: 100
    });
    await model.update();
    answer(new Error('offline'));
    await expect(model.update()).rejects.toThrow();
    expect(model.error).toContain('offline');
    expect(notifications.shown.size).toBe(1);
  });

  it('says why the shutdown was postponed, once per notice', async () => {
    const notice =
      'could not save a.ipynb (disk full): shutdown postponed by 5 min';
    const { answer, model, notifications } = setup({
      state: 'active',
      error: notice
    });
    await model.update();
    await model.update();
    expect(notifications.errors).toEqual([
      'Shutdown postponed by 5 min: could not save a.ipynb (disk full)'
    ]);
    // A failure of the action is the status bar's, not a notice.
    answer({
      state: 'error',
      error: 'AccessDenied',
      seconds_until_shutdown: null
    });
    await model.update();
    // The same notice after a new attempt: said again.
    answer({ state: 'active', error: notice });
    await model.update();
    expect(notifications.errors).toHaveLength(2);
  });

  it('ticks by itself', async () => {
    jest.useFakeTimers();
    try {
      const { model, notifications } = setup({
        state: 'warning',
        seconds_until_shutdown: 100
      });
      const notifier = new IdleNotifier({
        model,
        notifications,
        tickMs: 1000
      });
      const render = jest.spyOn(notifier, 'render');
      jest.advanceTimersByTime(3000);
      expect(render).toHaveBeenCalledTimes(3);
      notifier.dispose();
      jest.advanceTimersByTime(3000);
      expect(render).toHaveBeenCalledTimes(3);
    } finally {
      jest.useRealTimers();
    }
  });
});
