import { Widget } from '@lumino/widgets';

import { CostMeter } from '../cost/meter';
import { CostModel } from '../cost/model';
import { CostPanel } from '../cost/panel';
import { IIdleView } from '../countdown';
import { formatStatus, formatTimeOfDay } from '../format';
import { showIdleDialog } from '../idle/dialog';
import { IdleModel } from '../idle/model';
import {
  byId,
  cost,
  costModel,
  FakeClock,
  FakeServer,
  idleModel,
  resources,
  settle,
  text
} from './costfixtures';
import { idleStatus, NOW, status } from './fixtures';

/**
 * 19:42 on this machine's clock, whatever its time zone: the texts show the
 * browser's local time.
 */
const STOPPED_AT = new Date(2026, 10, 26, 19, 42).toISOString();
const LAST_ACTIVITY = new Date(2026, 10, 26, 18, 42).toISOString();

/**
 * `GET cost` after the idle shutdown really stopped the app.
 */
function frozenCost(): ReturnType<typeof cost> {
  return cost({
    session_usd: 0.42,
    frozen: true,
    stopped_at: STOPPED_AT,
    frozen_note: 'The app was stopped at 19:42 UTC by the idle shutdown.'
  });
}

/**
 * `GET status` once the idle shutdown ran.
 */
function stoppedStatus(dryRun = false): ReturnType<typeof status> {
  return status({
    state: 'shut-down',
    seconds_until_shutdown: null,
    idle_seconds: 3600 + 600,
    last_activity: LAST_ACTIVITY,
    stopped_at: STOPPED_AT,
    action: dryRun ? 'dry-run' : 'delete-app',
    dry_run: dryRun,
    result: dryRun ? 'dry-run: would delete the app' : 'requested: delete'
  });
}

describe('after the idle shutdown', () => {
  let clock: FakeClock;
  let model: CostModel;
  let idle: IdleModel;
  let meter: CostMeter;
  let panel: CostPanel;
  let kept: number;

  function make(server: FakeServer): void {
    clock = new FakeClock();
    model = costModel(server, clock);
    idle = idleModel(server, clock);
    meter = new CostMeter({ model, onActivate: () => {} });
    kept = 0;
    panel = new CostPanel({
      model,
      idle,
      keepRunning: async () => {
        kept += 1;
      },
      clock: clock.read
    });
  }

  afterEach(() => {
    for (const widget of [meter, panel]) {
      if (widget.isAttached) {
        Widget.detach(widget);
      }
      widget.dispose();
    }
    model.dispose();
    idle.dispose();
    jest.useRealTimers();
  });

  it('the meter stops ticking and says the app was stopped', async () => {
    const server = new FakeServer({
      cost: [frozenCost()],
      status: [stoppedStatus()]
    });
    make(server);
    await model.update();
    expect(meter.node.textContent).toBe('stopped · $0.42 this session');
    expect(meter.node.dataset.state).toBe('stopped');
    expect(meter.node.title).toContain(
      'This space (ml.g5.xlarge) was stopped at 19:42 by the idle shutdown'
    );
    expect(meter.node.title).toContain('This session: $0.42, up to 19:42.');
    clock.now += 3 * 3600 * 1000;
    meter.render();
    expect(meter.node.textContent).toBe('stopped · $0.42 this session');
    expect(model.uptimeSeconds()).toBe(7200);
  });

  it('the panel freezes its figures and offers no Keep running', async () => {
    const server = new FakeServer({
      cost: [frozenCost()],
      status: [stoppedStatus()],
      resources: [resources()]
    });
    make(server);
    await model.update();
    await idle.update();
    expect(text(panel, 'smcost-rate')).toBe('$1.43/h while it ran');
    expect(text(panel, 'smcost-session')).toBe('$0.42 (2 h, stopped at 19:42)');
    expect(text(panel, 'smcost-countdown')).toBe(
      'The app was stopped at 19:42.'
    );
    // 1 h of idle time before the stop, at $1.43/h.
    expect(text(panel, 'smcost-idle-cost')).toBe(
      'Idle time before the stop: $1.43'
    );
    expect(byId(panel, 'smcost-keep-running').hidden).toBe(true);
    clock.now += 3600 * 1000;
    panel.render();
    expect(text(panel, 'smcost-session')).toBe('$0.42 (2 h, stopped at 19:42)');
    expect(text(panel, 'smcost-idle-cost')).toBe(
      'Idle time before the stop: $1.43'
    );
    const labels = Array.from(panel.node.querySelectorAll('dt')).map(
      dt => dt.textContent
    );
    expect(labels).toContain('Per day if left running');
    expect(labels).toContain('Per month if left running');
  });

  it('a dry run keeps counting and keeps Keep running', async () => {
    const server = new FakeServer({
      cost: [cost({ usd_per_hour: 36, session_usd: 1 })],
      status: [stoppedStatus(true)],
      resources: [resources()]
    });
    make(server);
    await model.update();
    await idle.update();
    expect(text(panel, 'smcost-countdown')).toBe(
      'Dry run: would have stopped at 19:42; it was only logged.'
    );
    expect(byId(panel, 'smcost-keep-running').hidden).toBe(false);
    expect(meter.node.textContent).toBe('$36.00/h · $1.00 this session');
    clock.now += 5000;
    meter.render();
    panel.render();
    expect(meter.node.textContent).toBe('$36.00/h · $1.05 this session');
    expect(text(panel, 'smcost-session')).toBe('$1.05 (2 h)');
    expect(text(panel, 'smcost-idle-cost')).toMatch(/^Idle time so far: /);
    Widget.attach(panel, document.body);
    byId(panel, 'smcost-keep-running').click();
    await settle();
    expect(kept).toBe(1);
  });

  it('asks for the cost again as soon as the app was stopped', async () => {
    const server = new FakeServer({
      cost: [cost(), frozenCost()],
      status: [status(), stoppedStatus()]
    });
    make(server);
    await model.update();
    await idle.update();
    expect(server.count('cost')).toBe(1);
    await idle.update();
    await settle(10);
    expect(server.count('cost')).toBe(2);
    expect(model.frozen).toBe(true);
    expect(meter.node.textContent).toBe('stopped · $0.42 this session');
    // Once: more idle answers do not ask again.
    await idle.update();
    await settle(10);
    expect(server.count('cost')).toBe(2);
  });

  it('the meter and the panel round the same figure the same way', async () => {
    // $36/h is a cent a second: within one second both show the same cents.
    const server = new FakeServer({
      cost: [cost({ usd_per_hour: 36, session_usd: 1 })],
      resources: [resources()]
    });
    make(server);
    await model.update();
    clock.now = NOW + 1600;
    meter.render();
    const shown = meter.node.textContent;
    clock.now = NOW + 1200;
    panel.render();
    expect(shown).toBe('$36.00/h · $1.01 this session');
    expect(text(panel, 'smcost-session')).toBe('$1.01 (2 h)');
  });
});

describe('the idle status after the idle shutdown', () => {
  function view(dryRun: boolean): IIdleView {
    const idle = stoppedStatus(dryRun).idle;
    return { state: 'shut-down', idleSeconds: 4200, secondsLeft: null, idle };
  }

  it('says when the app was stopped', () => {
    expect(formatTimeOfDay(STOPPED_AT)).toBe('19:42');
    expect(formatTimeOfDay('not a time')).toBeNull();
    const stopped = formatStatus(view(false), null);
    expect(stopped.text).toBe('stopped at 19:42');
    expect(stopped.title).toContain('The app was stopped at 19:42');
    const dry = formatStatus(view(true), null);
    expect(dry.text).toBe('would have stopped at 19:42 (dry run)');
  });

  it('an older server without stopped_at reads as before', () => {
    const old = view(false);
    old.idle = idleStatus({ state: 'shut-down', seconds_until_shutdown: null });
    expect(formatStatus(old, null).text).toBe('stopped');
  });

  it.each([
    [false, false],
    [true, true]
  ])(
    'the details dialog offers Keep running: dry run %s -> %s',
    async (dryRun, offered) => {
      const server = new FakeServer({ status: [stoppedStatus(dryRun)] });
      const model = idleModel(server);
      await model.update();
      const shown = showIdleDialog({ model });
      await settle(10);
      const labels = Array.from(
        document.body.querySelectorAll('.jp-Dialog-button')
      ).map(b => b.textContent);
      expect(labels.includes('Keep running')).toBe(offered);
      expect(document.body.textContent).toContain(
        dryRun
          ? 'Dry run: would have stopped at 19:42'
          : 'The app was stopped at 19:42; its cost stopped then.'
      );
      const close = Array.from(
        document.body.querySelectorAll<HTMLButtonElement>('.jp-Dialog-button')
      ).find(b => b.textContent === 'Close')!;
      close.click();
      await shown;
      model.dispose();
    }
  );
});
