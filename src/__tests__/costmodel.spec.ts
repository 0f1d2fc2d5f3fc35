import { CostModel } from '../cost/model';
import {
  cost,
  costModel,
  FakeClock,
  FakeServer,
  knownPrice,
  resources,
  settle
} from './costfixtures';

describe('CostModel states', () => {
  let model: CostModel;

  afterEach(() => {
    model.dispose();
  });

  it('goes loading → ready → error (keeping the data) → ready', async () => {
    const server = new FakeServer({
      cost: [
        cost(),
        new TypeError('Failed to fetch'),
        cost({ usd_per_hour: 2 })
      ]
    });
    model = costModel(server);
    let changes = 0;
    model.changed.connect(() => changes++);
    expect(model.costState).toBe('loading');
    expect(model.cost).toBeNull();

    await model.update();
    expect(model.costState).toBe('ready');
    expect(model.cost?.usd_per_hour).toBe(1.43);
    expect(model.costError).toBeNull();

    await expect(model.update()).rejects.toThrow();
    expect(model.costState).toBe('error');
    // The last good figures stay, with the error.
    expect(model.cost?.usd_per_hour).toBe(1.43);
    expect(model.costError).toContain('Failed to fetch');

    await model.update();
    expect(model.costState).toBe('ready');
    expect(model.cost?.usd_per_hour).toBe(2);
    expect(model.costError).toBeNull();
    expect(changes).toBe(3);
  });

  it("carries the server's message on an HTTP error", async () => {
    const server = new FakeServer({ cost: [500] });
    model = costModel(server);
    await expect(model.update()).rejects.toThrow();
    expect(model.costState).toBe('error');
    expect(model.cost).toBeNull();
    expect(model.costError).toBe('HTTP 500');
  });

  it('keeps the resources apart from the cost', async () => {
    const server = new FakeServer({
      cost: [cost()],
      resources: [resources(), 403]
    });
    model = costModel(server);
    expect(model.resourcesState).toBe('loading');
    await model.updateResources();
    expect(model.resourcesState).toBe('ready');
    expect(model.resources?.resources).toHaveLength(2);
    await expect(model.updateResources()).rejects.toThrow();
    expect(model.resourcesState).toBe('error');
    expect(model.resources?.resources).toHaveLength(2);
    expect(model.costState).toBe('loading');
  });
});

describe('CostModel live figures', () => {
  it('grows the session cost at the hourly rate between polls', async () => {
    const clock = new FakeClock();
    const server = new FakeServer({ cost: [cost()] });
    const model = costModel(server, clock);
    expect(model.sessionUsd()).toBeNull();
    await model.update();
    expect(model.sessionUsd()).toBeCloseTo(2.86);
    expect(model.uptimeSeconds()).toBe(7200);
    // Half an hour later at $1.43/h: $0.715 more, without a request.
    clock.now += 30 * 60 * 1000;
    expect(model.sessionUsd()).toBeCloseTo(2.86 + 0.715);
    expect(model.uptimeSeconds()).toBe(9000);
    expect(server.count('cost')).toBe(1);
    // A clock that went back counts as no time.
    clock.now -= 60 * 60 * 1000;
    expect(model.sessionUsd()).toBeCloseTo(2.86);
    model.dispose();
  });

  it('ticks with fake timers too', async () => {
    jest.useFakeTimers({ now: Date.parse('2026-11-26T16:20:00+00:00') });
    const server = new FakeServer({ cost: [cost({ usd_per_hour: 3.6 })] });
    const model = new CostModel({
      serverSettings: server.settings,
      autoStart: false
    });
    await model.update();
    const first = model.sessionUsd()!;
    jest.advanceTimersByTime(10_000);
    // $3.60/h is a cent every 10 s.
    expect(model.sessionUsd()! - first).toBeCloseTo(0.01);
    model.dispose();
    jest.useRealTimers();
  });

  it('has no session cost without a rate or a start', async () => {
    const server = new FakeServer({
      cost: [
        cost({ usd_per_hour: null, session_usd: null }),
        cost({ started_at: null, uptime_seconds: null, session_usd: null })
      ]
    });
    const model = costModel(server);
    await model.update();
    expect(model.sessionUsd()).toBeNull();
    await model.update();
    expect(model.sessionUsd()).toBeNull();
    expect(model.uptimeSeconds()).toBeNull();
    model.dispose();
  });

  it("ages the server's listing of the resources", async () => {
    const clock = new FakeClock();
    const server = new FakeServer({ resources: [resources()] });
    const model = costModel(server, clock);
    expect(model.resourcesAge()).toBeNull();
    await model.updateResources();
    // Listed 20 s before the answer was made.
    expect(model.resourcesAge()).toBe(20);
    clock.now += 5000;
    expect(model.resourcesAge()).toBe(25);
    model.dispose();
  });
});

describe('CostModel polling', () => {
  it('polls the resources only while they are wanted', async () => {
    const server = new FakeServer({
      cost: [cost()],
      resources: [resources()]
    });
    const model = costModel(server, new FakeClock(), { interval: 20 });
    await settle(60);
    expect(server.count('resources')).toBe(0);
    model.setResourcesWanted(true);
    expect(model.resourcesWanted).toBe(true);
    await settle(70);
    const seen = server.count('resources');
    expect(seen).toBeGreaterThanOrEqual(2);
    model.setResourcesWanted(false);
    await settle(10);
    const after = server.count('resources');
    await settle(80);
    expect(server.count('resources')).toBe(after);
    // The cost poll was never started.
    expect(server.count('cost')).toBe(0);
    model.dispose();
  });

  it('polls the cost from the start unless told not to', async () => {
    const server = new FakeServer({ cost: [cost()] });
    const model = new CostModel({
      serverSettings: server.settings,
      interval: 10_000
    });
    await settle(30);
    expect(server.count('cost')).toBe(1);
    expect(model.costState).toBe('ready');
    model.dispose();
  });

  it('refreshes what is wanted at once', async () => {
    const server = new FakeServer({
      cost: [cost()],
      resources: [resources()]
    });
    const model = costModel(server);
    await model.refresh();
    await settle(20);
    expect(server.count('cost')).toBe(1);
    expect(server.count('resources')).toBe(0);
    model.setResourcesWanted(true);
    await settle(20);
    await model.refresh();
    await settle(20);
    expect(server.count('cost')).toBe(2);
    expect(server.count('resources')).toBe(2);
    model.dispose();
  });

  it('resolves a refresh once its answers have come, or the model is gone', async () => {
    const server = new FakeServer({
      cost: [cost()],
      resources: [resources()]
    });
    const model = costModel(server);
    model.setResourcesWanted(true);
    await settle(20);
    expect(server.count('resources')).toBe(1);
    let release = server.hold('resources');
    let done = false;
    const refreshed = model.refresh().then(() => {
      done = true;
    });
    await settle(20);
    // Both asked; the listing is still out.
    expect(server.count('cost')).toBe(1);
    expect(server.count('resources')).toBe(2);
    expect(done).toBe(false);
    release();
    await refreshed;
    expect(model.resourcesState).toBe('ready');

    // Disposed while a refresh is in flight: it resolves all the same.
    release = server.hold('cost');
    const pending = model.refresh();
    await settle(20);
    model.dispose();
    await expect(pending).resolves.toBeUndefined();
    release();
  });

  it('asks again soon while the first listing or a price is pending', async () => {
    const server = new FakeServer({
      cost: [
        cost({
          instance: {
            instance_type: 'ml.g5.xlarge',
            component: 'studio-jupyterlab',
            price: {
              known: false,
              usd_per_hour: null,
              source: 'pending',
              reason: 'looking up the price of ml.g5.xlarge'
            }
          },
          usd_per_hour: null
        }),
        cost()
      ],
      resources: [resources({ state: 'loading', resources: [] }), resources()]
    });
    const model = costModel(server, new FakeClock(), {
      interval: 60_000,
      pendingRetry: 20
    });
    model.setResourcesWanted(true);
    await model.update();
    await settle(100);
    expect(server.count('cost')).toBe(2);
    expect(model.cost?.instance.price).toEqual(knownPrice(1.408));
    expect(server.count('resources')).toBe(2);
    expect(model.resources?.state).toBe('ok');
    model.dispose();
  });

  it('stops everything when disposed', async () => {
    const server = new FakeServer({ cost: [cost()] });
    const model = costModel(server, new FakeClock(), { interval: 10 });
    model.setResourcesWanted(true);
    model.dispose();
    expect(model.isDisposed).toBe(true);
    const seen = server.requests.length;
    await settle(50);
    expect(server.requests.length).toBe(seen);
    // Harmless afterwards.
    model.setResourcesWanted(true);
    await model.refresh();
    model.dispose();
  });
});
