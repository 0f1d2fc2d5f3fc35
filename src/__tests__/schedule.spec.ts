import {
  acceptDialog,
  dangerDialog,
  dismissDialog,
  waitForDialog
} from '@jupyterlab/testing';

import { IIdleStatus, ISchedule, IStatus } from '../api';
import { describeCountdown } from '../cost/format';
import { CostPanel } from '../cost/panel';
import { extrapolate } from '../countdown';
import { formatStatus, formatTimeOfDay } from '../format';
import {
  browserTimeZone,
  confirmStopNow,
  describeDays,
  describeSchedule,
  describeStopTime,
  keepRunningBound,
  parseSchedule,
  ScheduleModel,
  scheduleOf,
  stopNowQuestion,
  stopTimeBounds
} from '../idle/schedule';
import { IdleStatusItem } from '../idle/statusbar';
import {
  byId,
  cost,
  costModel,
  FakeClock,
  FakeServer,
  idleModel,
  settle
} from './costfixtures';
import { idleStatus, status } from './fixtures';

const NEXT = '2026-11-26T19:00:00+00:00';

function withSchedule(
  schedule: unknown,
  idle: Partial<IIdleStatus> = {}
): IStatus {
  const base = status(idle);
  return { ...base, idle: { ...base.idle, schedule } } as unknown as IStatus;
}

const SCHEDULED = {
  stop_at: '19:00',
  next_stop: NEXT,
  keep_running_until: null
};

/**
 * A `GET schedule` answer: the admin's 19:00 on weekdays in this browser's
 * zone, which the user may change, with overrides.
 */
function scheduleDoc(overrides: Partial<ISchedule> = {}): ISchedule {
  return {
    stop_at: '19:00',
    days: ['mon', 'tue', 'wed', 'thu', 'fri'],
    timezone: browserTimeZone() ?? 'UTC',
    next_stop: NEXT,
    keep_running_until: null,
    source: 'admin',
    user_may_change: true,
    earliest_stop_at: null,
    latest_stop_at: null,
    max_keep_running_until: '23:59',
    ...overrides
  };
}

/**
 * A panel with the idle and schedule models on a fake server, after the
 * first status (and the schedule it brings).
 */
async function schedulePanel(
  server: FakeServer,
  options: Partial<CostPanel.IOptions> = {}
) {
  const clock = new FakeClock();
  const idle = idleModel(server, clock);
  const model = costModel(server, clock);
  const schedule = new ScheduleModel({ idle });
  const panel = new CostPanel({
    model,
    idle,
    clock: clock.read,
    schedule,
    ...options
  });
  await idle.update();
  await until(() => schedule.document !== null, 2000);
  const dispose = () => {
    panel.dispose();
    schedule.dispose();
    model.dispose();
    idle.dispose();
  };
  return { clock, idle, model, schedule, panel, dispose };
}

/**
 * Wait until `done` holds (the answers go through promises and timers; a
 * loaded machine takes longer than a fixed pause).
 */
async function until(done: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!done() && Date.now() < end) {
    await settle(10);
  }
}

/**
 * The body of each `PUT schedule` the fake server saw.
 */
function puts(server: FakeServer): unknown[] {
  return server.calls
    .filter(c => c.path === 'schedule' && c.method === 'PUT')
    .map(c => JSON.parse(c.body));
}

describe("the admin's stop schedule", () => {
  it('reads the schedule field by field', () => {
    expect(scheduleOf(status())).toBeNull();
    expect(scheduleOf(withSchedule(null))).toBeNull();
    expect(scheduleOf(withSchedule({ stop_at: 'evening' }))).toBeNull();
    expect(
      scheduleOf(
        withSchedule({
          stop_at: '19:00',
          next_stop: NEXT,
          keep_running_until: 7
        })
      )
    ).toEqual({ stop_at: '19:00', next_stop: NEXT, keep_running_until: null });
  });

  it('says when it stops, or until when it is kept running', () => {
    expect(
      describeSchedule(
        withSchedule({
          stop_at: '19:00',
          next_stop: NEXT,
          keep_running_until: null
        })
      )
    ).toBe(`stops at ${formatTimeOfDay(NEXT)}`);
    expect(
      describeSchedule(withSchedule({ stop_at: '19:00', next_stop: null }))
    ).toBe('stops at 19:00');
    const until = '2026-11-26T22:30:00+00:00';
    expect(
      describeSchedule(
        withSchedule({
          stop_at: '19:00',
          next_stop: NEXT,
          keep_running_until: until
        })
      )
    ).toBe(`kept running until ${formatTimeOfDay(until)}`);
  });

  it('shows in the status bar item and the Cost panel', async () => {
    const clock = new FakeClock();
    const server = new FakeServer({
      cost: [cost()],
      status: [
        withSchedule({
          stop_at: '19:00',
          next_stop: null,
          keep_running_until: null
        })
      ]
    });
    const idle = idleModel(server, clock);
    const model = costModel(server, clock);
    const item = new IdleStatusItem({ model: idle, onActivate: () => {} });
    const panel = new CostPanel({ model, idle, clock: clock.read });
    await idle.update();
    item.render();
    expect(item.node.textContent).toContain(' · stops at 19:00');
    expect(byId(panel, 'smcost-schedule').hidden).toBe(false);
    expect(byId(panel, 'smcost-schedule').textContent).toBe('stops at 19:00');
    item.dispose();
    panel.dispose();
    model.dispose();
    idle.dispose();
  });

  it('"Keep running until" sends PUT schedule with the time and the browser\'s zone, and shows a refusal', async () => {
    const server = new FakeServer({
      cost: [cost()],
      status: [withSchedule(SCHEDULED)],
      schedule: [scheduleDoc(), scheduleDoc(), 403]
    });
    const { panel, dispose } = await schedulePanel(server);
    const form = byId(panel, 'smcost-keep-until') as HTMLFormElement;
    expect(form.hidden).toBe(false);
    expect(byId(panel, 'smcost-keep-until-cancel').hidden).toBe(true);
    const input = byId(panel, 'smcost-keep-until-time') as HTMLInputElement;
    input.value = '22:30';
    form.dispatchEvent(new Event('submit', { cancelable: true }));
    const message = byId(panel, 'smcost-keep-until-message');
    await until(() => message.textContent !== '');
    expect(puts(server)).toEqual([
      { keep_running_until: '22:30', timezone: browserTimeZone() }
    ]);
    expect(message.textContent).toBe(
      'The app keeps running until 22:30 today.'
    );
    // The server's refusal (past the admin's bound) is said as it is.
    form.dispatchEvent(new Event('submit', { cancelable: true }));
    await until(() => message.textContent !== '');
    expect(message.textContent).toBe('HTTP 403');
    dispose();
  });

  it('has no "Keep running until" without a schedule, and Cancel while one is set', async () => {
    const server = new FakeServer({
      cost: [cost()],
      status: [
        status(),
        withSchedule({
          ...SCHEDULED,
          keep_running_until: '2026-11-26T22:30:00+00:00'
        })
      ],
      schedule: [scheduleDoc({ user_may_change: false, stop_at: null })]
    });
    const { idle, panel, dispose } = await schedulePanel(server);
    expect(byId(panel, 'smcost-keep-until').hidden).toBe(true);
    // Nothing to say or set: no working hours at all.
    expect(byId(panel, 'smcost-working-hours').hidden).toBe(true);
    await idle.update();
    expect(byId(panel, 'smcost-keep-until').hidden).toBe(false);
    expect(byId(panel, 'smcost-working-hours').hidden).toBe(false);
    const cancel = byId(panel, 'smcost-keep-until-cancel');
    expect(cancel.hidden).toBe(false);
    cancel.click();
    const message = byId(panel, 'smcost-keep-until-message');
    await until(() => message.textContent !== '');
    expect(puts(server)).toEqual([
      { keep_running_until: null, timezone: browserTimeZone() }
    ]);
    expect(message.textContent).toBe(
      'The app stops at its scheduled time today.'
    );
    dispose();
  });

  it('reads GET schedule field by field', () => {
    expect(parseSchedule(null)).toBeNull();
    expect(parseSchedule({ message: 'Not Found' })).toBeNull();
    expect(
      parseSchedule({
        stop_at: '7pm',
        days: ['mon', 'funday', 'sun'],
        timezone: 42,
        next_stop: 'soon',
        keep_running_until: null,
        source: 'root',
        user_may_change: false,
        earliest_stop_at: '25:00',
        latest_stop_at: '21:00'
      })
    ).toEqual({
      stop_at: null,
      days: ['mon', 'sun'],
      timezone: 'UTC',
      next_stop: null,
      keep_running_until: null,
      source: null,
      user_may_change: false,
      earliest_stop_at: null,
      latest_stop_at: '21:00',
      max_keep_running_until: '23:59'
    });
    const doc = scheduleDoc({ source: 'user', earliest_stop_at: '17:00' });
    expect(parseSchedule(doc)).toEqual(doc);
  });

  it('says the days, whose stop time it is, and the bounds', () => {
    expect(describeDays(['mon', 'tue', 'wed', 'thu', 'fri'])).toBe('Mon–Fri');
    expect(describeDays(['mon', 'wed', 'fri'])).toBe('Mon, Wed, Fri');
    expect(describeDays(['sat', 'sun'])).toBe('Sat, Sun');
    expect(describeDays(['mon', 'tue', 'wed', 'sat'])).toBe('Mon–Wed, Sat');
    expect(
      describeDays(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'])
    ).toBe('every day');
    expect(describeDays([])).toBe('no day');

    expect(describeStopTime(scheduleDoc())).toBe(
      "Your admin's stop time: 19:00, Mon–Fri."
    );
    expect(
      describeStopTime(scheduleDoc({ source: 'user', stop_at: '18:30' }))
    ).toBe('Your stop time: 18:30, Mon–Fri.');
    // The admin's zone, when it is not this browser's.
    expect(
      describeStopTime(
        scheduleDoc({ timezone: 'Europe/Berlin' }),
        undefined,
        'America/New_York'
      )
    ).toBe("Your admin's stop time: 19:00 (Europe/Berlin), Mon–Fri.");
    expect(describeStopTime(scheduleDoc({ stop_at: null, source: null }))).toBe(
      'No daily stop time.'
    );

    expect(stopTimeBounds(scheduleDoc())).toBeNull();
    expect(
      stopTimeBounds(
        scheduleDoc({ earliest_stop_at: '17:00', latest_stop_at: '21:00' })
      )
    ).toBe('Your admin allows 17:00 to 21:00.');
    expect(stopTimeBounds(scheduleDoc({ earliest_stop_at: '17:00' }))).toBe(
      'Your admin allows 17:00 or later.'
    );
    expect(stopTimeBounds(scheduleDoc({ latest_stop_at: '21:00' }))).toBe(
      'Your admin allows 21:00 or earlier.'
    );
    expect(
      keepRunningBound(scheduleDoc({ max_keep_running_until: '22:00' }))
    ).toBe('Today only, until 22:00 at the latest.');
  });

  it('asks GET schedule at the first status and again only when the schedule changes', async () => {
    const clock = new FakeClock();
    const server = new FakeServer({
      status: [
        withSchedule(SCHEDULED),
        withSchedule(SCHEDULED),
        withSchedule({ ...SCHEDULED, stop_at: '18:00' })
      ],
      schedule: [scheduleDoc(), scheduleDoc({ stop_at: '18:00' })]
    });
    const idle = idleModel(server, clock);
    const schedule = new ScheduleModel({ idle });
    const changed = jest.fn();
    schedule.changed.connect(changed);
    expect(server.count('schedule')).toBe(0);
    await idle.update();
    await until(() => schedule.document !== null);
    expect(server.count('schedule')).toBe(1);
    expect(schedule.document?.stop_at).toBe('19:00');
    await idle.update();
    await settle(20);
    expect(server.count('schedule')).toBe(1);
    await idle.update();
    await until(() => schedule.document?.stop_at === '18:00');
    expect(server.count('schedule')).toBe(2);
    expect(schedule.document?.stop_at).toBe('18:00');
    expect(changed).toHaveBeenCalledTimes(2);
    schedule.dispose();
    idle.dispose();
  });

  it('has no document from a server without GET schedule, and does not ask at each poll', async () => {
    const clock = new FakeClock();
    const server = new FakeServer({ status: [status()] });
    const idle = idleModel(server, clock);
    const schedule = new ScheduleModel({ idle });
    const model = costModel(server, clock);
    const panel = new CostPanel({ model, idle, clock: clock.read, schedule });
    for (let i = 0; i < 3; i++) {
      await idle.update();
      await settle(20);
    }
    expect(server.count('schedule')).toBe(1);
    expect(schedule.document).toBeNull();
    expect(byId(panel, 'smcost-working-hours').hidden).toBe(true);
    panel.dispose();
    model.dispose();
    schedule.dispose();
    idle.dispose();
  });

  it("the user's own stop time: the admin's shown with its days, bounds beside the input, set and back to the admin's", async () => {
    const bounded = scheduleDoc({
      earliest_stop_at: '17:00',
      latest_stop_at: '21:00'
    });
    const server = new FakeServer({
      cost: [cost()],
      status: [withSchedule(SCHEDULED)],
      schedule: [
        bounded,
        { ...bounded, stop_at: '18:30', source: 'user' },
        bounded,
        403
      ]
    });
    const { panel, dispose } = await schedulePanel(server);
    expect(byId(panel, 'smcost-schedule-source').textContent).toBe(
      "Your admin's stop time: 19:00, Mon–Fri."
    );
    const form = byId(panel, 'smcost-stop-at') as HTMLFormElement;
    expect(form.hidden).toBe(false);
    const input = byId(panel, 'smcost-stop-at-time') as HTMLInputElement;
    expect(input.value).toBe('19:00');
    expect(input.min).toBe('17:00');
    expect(input.max).toBe('21:00');
    const hint = byId(panel, 'smcost-stop-at-hint');
    expect(hint.textContent).toBe('Your admin allows 17:00 to 21:00.');
    expect(input.getAttribute('aria-describedby')).toBe(hint.id);
    // The label names the input.
    expect(input.labels![0].textContent).toBe('Your stop time');
    const reset = byId(panel, 'smcost-stop-at-reset');
    expect(reset.hidden).toBe(true);

    input.value = '18:30';
    form.dispatchEvent(new Event('submit', { cancelable: true }));
    await until(() => byId(panel, 'smcost-stop-at-message').textContent !== '');
    expect(puts(server)).toEqual([
      { stop_at: '18:30', timezone: browserTimeZone() }
    ]);
    const message = byId(panel, 'smcost-stop-at-message');
    expect(message.textContent).toBe('Your stop time is 18:30 from now on.');
    expect(byId(panel, 'smcost-schedule-source').textContent).toBe(
      'Your stop time: 18:30, Mon–Fri.'
    );
    expect(reset.hidden).toBe(false);

    reset.click();
    await until(() => message.textContent !== '');
    expect(puts(server)[1]).toEqual({
      stop_at: null,
      timezone: browserTimeZone()
    });
    expect(message.textContent).toBe("Your admin's stop time applies again.");
    expect(byId(panel, 'smcost-schedule-source').textContent).toBe(
      "Your admin's stop time: 19:00, Mon–Fri."
    );
    expect(reset.hidden).toBe(true);

    // Outside the bounds: the server refuses, and says so.
    input.value = '16:00';
    form.dispatchEvent(new Event('submit', { cancelable: true }));
    await until(() => message.textContent !== '');
    expect(message.textContent).toBe('HTTP 403');
    dispose();
  });

  it('no stop time form when the admin does not allow it; the keep running bound beside its input', async () => {
    const server = new FakeServer({
      cost: [cost()],
      status: [withSchedule(SCHEDULED)],
      schedule: [
        scheduleDoc({ user_may_change: false, max_keep_running_until: '22:00' })
      ]
    });
    const { panel, dispose } = await schedulePanel(server);
    expect(byId(panel, 'smcost-stop-at').hidden).toBe(true);
    expect(byId(panel, 'smcost-schedule-source').textContent).toBe(
      "Your admin's stop time: 19:00, Mon–Fri."
    );
    const input = byId(panel, 'smcost-keep-until-time') as HTMLInputElement;
    expect(input.max).toBe('22:00');
    expect(byId(panel, 'smcost-keep-until-hint').textContent).toBe(
      'Today only, until 22:00 at the latest.'
    );
    dispose();
  });

  it("the admin's zone with the stop time when it is not the browser's", async () => {
    const server = new FakeServer({
      cost: [cost()],
      status: [withSchedule(SCHEDULED)],
      // No browser runs in this zone.
      schedule: [scheduleDoc({ timezone: 'Antarctica/Troll' })]
    });
    const { panel, dispose } = await schedulePanel(server);
    expect(byId(panel, 'smcost-schedule-source').textContent).toBe(
      "Your admin's stop time: 19:00 (Antarctica/Troll), Mon–Fri."
    );
    dispose();
  });
});

describe('a due scheduled stop that waits for busy kernels', () => {
  const WAITING: Partial<IIdleStatus> = {
    state: 'warning',
    seconds_until_shutdown: 0,
    limit: 'schedule' as unknown as IIdleStatus['limit'],
    schedule_waiting_for_busy: true,
    error: 'the scheduled stop waits for 1 busy kernel(s); stop now to end them'
  };

  afterEach(async () => {
    // A dialog left open by a failed test.
    await dismissDialog(document.body, 10);
  });

  it('stays a warning (not "stopping") and says it waits, in the status bar and the panel', () => {
    const view = extrapolate(idleStatus(WAITING), 30);
    expect(view.state).toBe('warning');
    expect(formatStatus(view, null).text).toBe(
      'idle 12 min · scheduled stop waiting'
    );
    expect(describeCountdown(view, null).text).toBe(
      'Idle 12 min · the scheduled stop is due and waits for the running cells to finish.'
    );
    // Without the flag, a countdown at zero is the shutdown under way.
    const { schedule_waiting_for_busy: _, ...due } = WAITING;
    expect(extrapolate(idleStatus(due), 30).state).toBe('shutting-down');
    // The line "stops at 19:00" would be in the past: the countdown says it.
    expect(describeSchedule(withSchedule(SCHEDULED, WAITING))).toBeNull();
  });

  it('"Stop now" asks first, then sends the consent alone; a refusal is shown as the server says it', async () => {
    const server = new FakeServer({
      cost: [cost()],
      status: [withSchedule(SCHEDULED, WAITING)],
      schedule: [scheduleDoc(), scheduleDoc(), 400]
    });
    const answers = [false, true, true];
    const asked: Array<IIdleStatus | null> = [];
    const { panel, idle, dispose } = await schedulePanel(server, {
      keepRunning: () => idle.keepRunning(),
      confirmStopNow: async status => {
        asked.push(status);
        return answers.shift()!;
      }
    });
    const button = byId(panel, 'smcost-stop-now');
    expect(button.hidden).toBe(false);
    expect(button.textContent).toBe('Stop now');
    expect(byId(panel, 'smcost-keep-running').hidden).toBe(false);
    // Cancelled: nothing sent.
    button.click();
    await until(() => asked.length === 1);
    await settle(20);
    expect(asked).toHaveLength(1);
    expect(asked[0]?.schedule_waiting_for_busy).toBe(true);
    expect(puts(server)).toEqual([]);
    // Confirmed: the consent, without a time zone (nothing else changes).
    const message = byId(panel, 'smcost-stop-now-message');
    button.click();
    await until(() => message.textContent !== '');
    expect(puts(server)).toEqual([{ stop_now: true }]);
    expect(message.textContent).toBe(
      'The app stops now: open documents are saved first.'
    );
    button.click();
    await until(() => message.textContent !== '');
    expect(message.textContent).toBe('Could not stop the app now: HTTP 400');
    // No longer waiting: no "Stop now".
    server.answers.status = [withSchedule(SCHEDULED, { state: 'active' })];
    await idle.update();
    expect(button.hidden).toBe(true);
    dispose();
  });

  it('"Stop now" in a dry run says it is only logged', async () => {
    const server = new FakeServer({
      cost: [cost()],
      status: [
        withSchedule(SCHEDULED, {
          ...WAITING,
          action: 'dry-run',
          dry_run: true
        })
      ],
      schedule: [scheduleDoc()]
    });
    const { panel, dispose } = await schedulePanel(server, {
      confirmStopNow: async () => true
    });
    const message = byId(panel, 'smcost-stop-now-message');
    byId(panel, 'smcost-stop-now').click();
    await until(() => message.textContent !== '');
    expect(message.textContent).toBe(
      'Dry run: the scheduled stop is only logged.'
    );
    dispose();
  });

  it('has no "Stop now" while the stop is not due', async () => {
    const server = new FakeServer({
      cost: [cost()],
      status: [
        withSchedule(SCHEDULED, {
          ...WAITING,
          seconds_until_shutdown: 120,
          schedule_waiting_for_busy: false
        })
      ],
      schedule: [scheduleDoc()]
    });
    const { panel, dispose } = await schedulePanel(server);
    expect(byId(panel, 'smcost-stop-now').hidden).toBe(true);
    dispose();
  });

  it("JupyterLab's dialog says what ends and what is saved; Enter alone cancels", async () => {
    const idle = idleStatus({
      ...WAITING,
      action_description:
        "delete the JupyterLab app 'default' of space 'demo-space'"
    });
    const answer = confirmStopNow(idle);
    await waitForDialog();
    const dialog = document.querySelector('.jp-Dialog')!;
    // The header is a React widget: rendered after the dialog is attached.
    const header = dialog.querySelector('.jp-Dialog-header')!;
    for (let i = 0; i < 50 && !header.textContent; i++) {
      await settle(10);
    }
    expect(header.textContent).toBe('Stop the app now?');
    const lines = Array.from(
      dialog.querySelectorAll('[data-testid="smcost-stop-now-confirm"] p')
    ).map(p => p.textContent);
    expect(lines).toEqual(stopNowQuestion(idle).lines);
    expect(lines[0]).toMatch(/ends all running kernels and terminals/);
    expect(lines[1]).toMatch(/^Open notebooks and files are saved first/);
    expect(lines[2]).toBe(
      "Then: delete the JupyterLab app 'default' of space 'demo-space'."
    );
    expect(dialog.querySelector('button.jp-mod-warn')!.textContent).toBe(
      'Stop now'
    );
    await dangerDialog();
    expect(await answer).toBe(true);
    // Enter takes the default button, Cancel: nothing ends by a stray key.
    const entered = confirmStopNow(idle);
    await acceptDialog();
    expect(await entered).toBe(false);
    // Escape: no.
    const dismissed = confirmStopNow(idle);
    await dismissDialog();
    expect(await dismissed).toBe(false);
  });

  it('says a dry run only logs', () => {
    const question = stopNowQuestion(
      idleStatus({ ...WAITING, action: 'dry-run', dry_run: true })
    );
    expect(question.destructive).toBe(false);
    expect(question.lines).toEqual([
      'Dry run: the scheduled stop is only logged. The running cells go on.'
    ]);
  });
});
