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
  idleModel
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
});
