import { ServerConnection } from '@jupyterlab/services';

import { parseIdleEvent } from '../events';
import { IdleModel } from '../idle/model';
import { IIdleEvent, ISaveRequest, IStatus } from '../api';
import { emission, NOW, status } from './fixtures';

/**
 * A clock the test moves by hand.
 */
class FakeClock {
  now = NOW;
  read = (): number => this.now;
}

/**
 * A model whose server answers each status request with the next answer
 * (the last one again when they run out).
 */
function modelWith(
  answers: IStatus[],
  clock = new FakeClock(),
  options: Partial<IdleModel.IOptions> = {}
): { model: IdleModel; requests: string[] } {
  const requests: string[] = [];
  const fetch = async (request: Request) => {
    requests.push(request.url);
    const next = answers.length > 1 ? answers.shift() : answers[0];
    return new Response(JSON.stringify(next), { status: 200 });
  };
  const model = new IdleModel({
    serverSettings: ServerConnection.makeSettings({
      baseUrl: 'http://localhost:8888/',
      fetch: fetch as unknown as typeof window.fetch
    }),
    autoStart: false,
    clock: clock.read,
    ...options
  });
  return { model, requests };
}

function event(overrides: { [key: string]: unknown } = {}): IIdleEvent {
  return parseIdleEvent(emission(overrides))!;
}

describe('IdleModel events', () => {
  it('applies an event at once, then asks for the whole status', async () => {
    const { model, requests } = modelWith([status()]);
    await model.update();
    let changes = 0;
    model.changed.connect(() => changes++);
    model.handleEvent(
      event({
        seconds_until_shutdown: 299,
        last_activity_source: 'kernel busy: b.ipynb'
      })
    );
    expect(changes).toBe(1);
    const view = model.view()!;
    expect(view.state).toBe('warning');
    expect(view.secondsLeft).toBe(299);
    // The idle time from the countdown: timeout 3600 s - 299 s.
    expect(view.idleSeconds).toBe(3301);
    expect(view.idle.last_activity_source).toBe('kernel busy: b.ipynb');
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(requests.length).toBeGreaterThanOrEqual(1);
    model.dispose();
  });

  it("reads the idle time from the server's two times when it can", async () => {
    const { model } = modelWith([status()]);
    await model.update();
    model.handleEvent(
      event({
        __timestamp__: '2026-11-26T16:10:00+00:00',
        last_activity: '2026-11-26T16:00:00+00:00',
        seconds_until_shutdown: null,
        state: 'shutting-down'
      })
    );
    expect(model.view()!.idleSeconds).toBe(600);
    model.dispose();
  });

  it('counts new activity without a countdown as just now', async () => {
    const { model } = modelWith([status({ state: 'shut-down' })]);
    await model.update();
    model.handleEvent(
      event({
        state: 'disabled',
        seconds_until_shutdown: null,
        last_activity: '2026-11-26T16:19:59+00:00'
      })
    );
    expect(model.view()!.idleSeconds).toBe(0);
    model.dispose();
  });

  it('does not read a settings event against the old timeout', async () => {
    const { model } = modelWith([status()]);
    await model.update();
    // A shorter timeout: 18 s left, but the old warning is 300 s.
    model.handleEvent(
      event({ kind: 'config', state: 'active', seconds_until_shutdown: 18 })
    );
    expect(model.view()!.state).toBe('active');
    expect(model.view()!.secondsLeft).toBe(2880);
    model.dispose();
  });

  it('waits for the first status before applying events', () => {
    const { model } = modelWith([status()]);
    model.handleEvent(event());
    expect(model.view()).toBeNull();
    model.dispose();
  });

  it('signals each new settings version once', async () => {
    const { model } = modelWith([
      status({ config_version: 'v1' }),
      status({ config_version: 'v1' }),
      status({ config_version: 'v2' })
    ]);
    const versions: string[] = [];
    model.configVersionChanged.connect((_, version) => versions.push(version));
    await model.update();
    await model.update();
    model.handleEvent(event({ kind: 'config', config_version: 'v2' }));
    await model.update();
    expect(versions).toEqual(['v1', 'v2']);
    expect(model.configVersion).toBe('v2');
    model.dispose();
  });

  it('signals each save request once, from the status or an event', async () => {
    const request: ISaveRequest = {
      id: 'r1',
      requested_at: '2026-11-26T16:20:00+00:00',
      deadline: '2026-11-26T16:20:30+00:00'
    };
    const { model } = modelWith([
      status({ state: 'shutting-down', save_request: request })
    ]);
    const seen: ISaveRequest[] = [];
    model.saveRequested.connect((_, r) => seen.push(r));
    await model.update();
    await model.update();
    model.handleEvent(
      event({
        kind: 'save-request',
        state: 'shutting-down',
        request_id: 'r1',
        save_deadline: request.deadline,
        __timestamp__: request.requested_at
      })
    );
    model.handleEvent(
      event({
        kind: 'save-request',
        state: 'shutting-down',
        request_id: 'r2',
        save_deadline: '2026-11-26T16:21:30+00:00',
        __timestamp__: '2026-11-26T16:21:00+00:00'
      })
    );
    expect(seen.map(r => r.id)).toEqual(['r1', 'r2']);
    expect(seen[1]).toEqual({
      id: 'r2',
      requested_at: '2026-11-26T16:21:00+00:00',
      deadline: '2026-11-26T16:21:30+00:00'
    });
    model.dispose();
  });

  it("leaves a save request without the server's time to the status", async () => {
    const { model } = modelWith([status()]);
    const seen: ISaveRequest[] = [];
    model.saveRequested.connect((_, r) => seen.push(r));
    await model.update();
    model.handleEvent(
      event({
        kind: 'save-request',
        request_id: 'r3',
        save_deadline: '2026-11-26T16:21:30+00:00'
      })
    );
    expect(seen).toEqual([]);
    model.dispose();
  });
});

describe('IdleModel polling', () => {
  it('registers the tab with each poll', async () => {
    const { model, requests } = modelWith([status()], new FakeClock(), {
      clientId: 'tab-1'
    });
    await model.update();
    // (makeRequest adds a cache-busting timestamp.)
    expect(requests[0]).toMatch(
      /^http:\/\/localhost:8888\/jupyter-smcost\/status\?client_id=tab-1(&\d+)?$/
    );
    model.dispose();
  });

  it('still polls when hidden, less often', async () => {
    const clock = new FakeClock();
    const { model, requests } = modelWith([status()], clock, {
      autoStart: true,
      interval: 20,
      hiddenInterval: 1000
    });
    const visibility = jest
      .spyOn(document, 'visibilityState', 'get')
      .mockReturnValue('hidden');
    await new Promise(resolve => setTimeout(resolve, 150));
    // The first poll, then none until the hidden interval is over.
    expect(requests).toHaveLength(1);
    clock.now += 1000;
    await new Promise(resolve => setTimeout(resolve, 100));
    expect(requests).toHaveLength(2);
    visibility.mockRestore();
    model.dispose();
  });
});
