import { IStatus } from '../api';
import { CostPanel } from '../cost/panel';
import { formatTimeOfDay } from '../format';
import { describeSchedule, scheduleOf } from '../idle/schedule';
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
import { status } from './fixtures';

const NEXT = '2026-11-26T19:00:00+00:00';

function withSchedule(schedule: unknown): IStatus {
  const base = status();
  return { ...base, idle: { ...base.idle, schedule } } as unknown as IStatus;
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
    const clock = new FakeClock();
    const scheduled = withSchedule({
      stop_at: '19:00',
      next_stop: NEXT,
      keep_running_until: null
    });
    const server = new FakeServer({
      cost: [cost()],
      status: [scheduled],
      schedule: [{ stop_at: '19:00' }, 403]
    });
    const idle = idleModel(server, clock);
    const model = costModel(server, clock);
    const panel = new CostPanel({
      model,
      idle,
      clock: clock.read,
      keepRunningUntil: time => idle.keepRunningUntil(time)
    });
    await idle.update();
    const form = byId(panel, 'smcost-keep-until') as HTMLFormElement;
    expect(form.hidden).toBe(false);
    expect(byId(panel, 'smcost-keep-until-cancel').hidden).toBe(true);
    const input = byId(panel, 'smcost-keep-until-time') as HTMLInputElement;
    input.value = '22:30';
    form.dispatchEvent(new Event('submit', { cancelable: true }));
    const message = byId(panel, 'smcost-keep-until-message');
    await settle(20);
    const put = server.calls.find(c => c.path === 'schedule');
    expect(put?.method).toBe('PUT');
    expect(JSON.parse(put!.body)).toEqual({
      keep_running_until: '22:30',
      timezone: Intl.DateTimeFormat().resolvedOptions().timeZone
    });
    expect(message.textContent).toBe(
      'The app keeps running until 22:30 today.'
    );
    // The server's refusal (past the admin's bound) is said as it is.
    form.dispatchEvent(new Event('submit', { cancelable: true }));
    await settle(20);
    expect(message.textContent).toBe('HTTP 403');
    panel.dispose();
    model.dispose();
    idle.dispose();
  });

  it('has no "Keep running until" without a schedule, and Cancel while one is set', async () => {
    const clock = new FakeClock();
    const server = new FakeServer({
      cost: [cost()],
      status: [
        status(),
        withSchedule({
          stop_at: '19:00',
          next_stop: NEXT,
          keep_running_until: '2026-11-26T22:30:00+00:00'
        })
      ],
      schedule: [{ stop_at: '19:00' }]
    });
    const idle = idleModel(server, clock);
    const model = costModel(server, clock);
    const panel = new CostPanel({
      model,
      idle,
      clock: clock.read,
      keepRunningUntil: time => idle.keepRunningUntil(time)
    });
    await idle.update();
    expect(byId(panel, 'smcost-keep-until').hidden).toBe(true);
    await idle.update();
    expect(byId(panel, 'smcost-keep-until').hidden).toBe(false);
    const cancel = byId(panel, 'smcost-keep-until-cancel');
    expect(cancel.hidden).toBe(false);
    cancel.click();
    const message = byId(panel, 'smcost-keep-until-message');
    await settle(20);
    const put = server.calls.find(c => c.path === 'schedule');
    expect(JSON.parse(put!.body).keep_running_until).toBeNull();
    expect(message.textContent).toBe(
      'The app stops at its scheduled time today.'
    );
    panel.dispose();
    model.dispose();
    idle.dispose();
  });
});
