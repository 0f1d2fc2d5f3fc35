import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { IStatus } from '../api';
import { CostPanel } from '../cost/panel';
import { formatTimeOfDay } from '../format';
import {
  describeFleetStop,
  fleetStopAfter,
  followFleetCheck
} from '../idle/fleet';
import {
  byId,
  cost,
  costModel,
  FakeClock,
  FakeServer,
  idleModel
} from './costfixtures';
import { status } from './fixtures';

const STOP = '2026-11-26T18:30:00+00:00';

function withFleet(value: unknown): IStatus {
  const base = status();
  return {
    ...base,
    idle: { ...base.idle, fleet_stop_after: value }
  } as unknown as IStatus;
}

class FakeIdle {
  changed = new Signal<this, void>(this);
  status: IStatus | null = null;
  set(value: IStatus | null): void {
    this.status = value;
    this.changed.emit();
  }
}

describe("the admin's fleet check", () => {
  it('reads fleet_stop_after, and nothing that is not a time', () => {
    expect(fleetStopAfter(withFleet(STOP))).toBe(STOP);
    expect(fleetStopAfter(withFleet(null))).toBeNull();
    expect(fleetStopAfter(withFleet('soon'))).toBeNull();
    expect(fleetStopAfter(status())).toBeNull();
    expect(fleetStopAfter(null)).toBeNull();
    expect(describeFleetStop(withFleet(STOP))).toBe(
      `Your admin's fleet check will stop this app at ${formatTimeOfDay(STOP)}`
    );
  });

  it('notifies once per value, with Keep running', async () => {
    const idle = new FakeIdle();
    const shown: Array<{ message: string; actions: any[] }> = [];
    const keepRunning = jest.fn(() => Promise.resolve());
    const follow = followFleetCheck({
      idle,
      keepRunning,
      notifications: {
        warning: (message, options) => {
          shown.push({ message, actions: options.actions ?? [] });
          return 'id';
        }
      }
    });
    idle.set(status());
    expect(shown).toHaveLength(0);
    idle.set(withFleet(STOP));
    idle.set(withFleet(STOP));
    idle.set(withFleet(STOP));
    expect(shown).toHaveLength(1);
    expect(shown[0].message).toContain("Your admin's fleet check will stop");
    expect(shown[0].actions.map(a => a.label)).toEqual(['Keep running']);
    shown[0].actions[0].callback(new Event('click'));
    expect(keepRunning).toHaveBeenCalledTimes(1);
    // A new planned stop: a new notice.
    idle.set(withFleet('2026-11-26T19:30:00+00:00'));
    expect(shown).toHaveLength(2);
    follow.dispose();
    idle.set(withFleet('2026-11-26T20:30:00+00:00'));
    expect(shown).toHaveLength(2);
  });

  it("keeps running through the idle model's POST activity", async () => {
    const server = new FakeServer({
      status: [withFleet(STOP)],
      activity: [status().idle]
    });
    const idle = idleModel(server);
    let action: any = null;
    followFleetCheck({
      idle,
      keepRunning: () => idle.keepRunning(),
      notifications: {
        warning: (_message, options) => {
          action = options.actions![0];
          return 'id';
        }
      }
    });
    await idle.update();
    expect(action).not.toBeNull();
    action.callback(new Event('click'));
    await new Promise(resolve => setTimeout(resolve, 10));
    const post = server.calls.find(c => c.path === 'activity');
    expect(post?.method).toBe('POST');
    expect(post?.body).toContain('keep running');
    idle.dispose();
  });

  it("shows the same line in the Cost panel's idle section", async () => {
    const clock = new FakeClock();
    const server = new FakeServer({
      cost: [cost()],
      status: [status(), withFleet(STOP)]
    });
    const model = costModel(server, clock);
    const idle = idleModel(server, clock);
    const panel = new CostPanel({ model, idle, clock: clock.read });
    await idle.update();
    const line = byId(panel, 'smcost-fleet-stop');
    expect(line.hidden).toBe(true);
    await idle.update();
    expect(line.hidden).toBe(false);
    expect(line.textContent).toBe(describeFleetStop(withFleet(STOP)));
    if (panel.isAttached) {
      Widget.detach(panel);
    }
    panel.dispose();
    model.dispose();
    idle.dispose();
  });
});
