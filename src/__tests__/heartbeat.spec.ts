import {
  describeInteraction,
  Heartbeat,
  HEARTBEAT_INTERVAL_MS,
  heartbeatInterval,
  Throttle
} from '../idle/heartbeat';

/**
 * A clock the test moves by hand.
 */
class FakeClock {
  now = 1_000_000;
  read = (): number => this.now;
  advance(ms: number): void {
    this.now += ms;
  }
}

/**
 * An event as the browser would make it (scripts cannot set `isTrusted`).
 */
function userEvent(type: string, isTrusted = true): Event {
  return { type, isTrusted } as Event;
}

describe('Throttle', () => {
  it('passes the first call at once (leading edge)', () => {
    const clock = new FakeClock();
    const throttle = new Throttle(60_000, clock.read);
    expect(throttle.tryPass()).toBe(true);
  });

  it('drops calls within the interval and passes the next one after it', () => {
    const clock = new FakeClock();
    const throttle = new Throttle(60_000, clock.read);
    expect(throttle.tryPass()).toBe(true);
    clock.advance(1);
    expect(throttle.tryPass()).toBe(false);
    clock.advance(59_998);
    expect(throttle.tryPass()).toBe(false);
    clock.advance(1);
    expect(throttle.tryPass()).toBe(true);
    clock.advance(30_000);
    expect(throttle.tryPass()).toBe(false);
  });

  it('measures the interval from the last call that passed', () => {
    const clock = new FakeClock();
    const throttle = new Throttle(60_000, clock.read);
    const passed: number[] = [];
    // One call a second for five minutes: one heartbeat a minute.
    for (let s = 0; s < 300; s++) {
      if (throttle.tryPass()) {
        passed.push(s);
      }
      clock.advance(1000);
    }
    expect(passed).toEqual([0, 60, 120, 180, 240]);
  });

  it('can be reset', () => {
    const clock = new FakeClock();
    const throttle = new Throttle(60_000, clock.read);
    throttle.tryPass();
    throttle.reset();
    expect(throttle.tryPass()).toBe(true);
  });
});

describe('heartbeatInterval', () => {
  it('is a minute for timeouts in minutes', () => {
    expect(heartbeatInterval(3600)).toBe(HEARTBEAT_INTERVAL_MS);
    expect(heartbeatInterval(300)).toBe(HEARTBEAT_INTERVAL_MS);
    expect(heartbeatInterval(240)).toBe(HEARTBEAT_INTERVAL_MS);
  });

  it('is a quarter of a shorter timeout, at least a second', () => {
    expect(heartbeatInterval(120)).toBe(30_000);
    expect(heartbeatInterval(6)).toBe(1500);
    expect(heartbeatInterval(1)).toBe(1000);
  });

  it('is a minute when the timeout is unknown or disabled', () => {
    expect(heartbeatInterval(null)).toBe(HEARTBEAT_INTERVAL_MS);
    expect(heartbeatInterval(0)).toBe(HEARTBEAT_INTERVAL_MS);
    expect(heartbeatInterval(Number.NaN)).toBe(HEARTBEAT_INTERVAL_MS);
  });
});

describe('Throttle with a changing interval', () => {
  it('reads the interval at each call', () => {
    const clock = new FakeClock();
    let interval = 60_000;
    const throttle = new Throttle(() => interval, clock.read);
    expect(throttle.tryPass()).toBe(true);
    clock.advance(2000);
    expect(throttle.tryPass()).toBe(false);
    // The timeout became a few seconds: the heartbeat follows at once.
    interval = 1500;
    expect(throttle.intervalMs).toBe(1500);
    expect(throttle.tryPass()).toBe(true);
  });
});

describe('describeInteraction', () => {
  it('names the action and the current document', () => {
    expect(describeInteraction('keydown', 'Untitled.ipynb')).toBe(
      'typing in Untitled.ipynb'
    );
    expect(describeInteraction('pointerdown', 'Terminal 1')).toBe(
      'clicking in Terminal 1'
    );
    expect(describeInteraction('wheel', 'data.csv')).toBe(
      'scrolling in data.csv'
    );
  });

  it('falls back when there is no document', () => {
    expect(describeInteraction('keydown', null)).toBe('typing in JupyterLab');
    expect(describeInteraction('keydown', '  ')).toBe('typing in JupyterLab');
    expect(describeInteraction('focus', null)).toBe('using in JupyterLab');
  });

  it('shortens long titles', () => {
    const text = describeInteraction('keydown', 'x'.repeat(500));
    expect(text.length).toBeLessThanOrEqual(100);
    expect(text.endsWith('…')).toBe(true);
  });
});

describe('Heartbeat', () => {
  let clock: FakeClock;
  let send: jest.Mock<Promise<unknown>, [string]>;
  let heartbeat: Heartbeat;
  let visibility: DocumentVisibilityState;

  beforeEach(() => {
    clock = new FakeClock();
    send = jest.fn((source: string) => Promise.resolve({}));
    visibility = 'visible';
    jest
      .spyOn(document, 'visibilityState', 'get')
      .mockImplementation(() => visibility);
    heartbeat = new Heartbeat({
      send,
      currentTitle: () => 'Untitled.ipynb',
      clock: clock.read
    });
  });

  afterEach(() => {
    heartbeat.dispose();
    jest.restoreAllMocks();
  });

  it('sends the first interaction at once, then one a minute', () => {
    heartbeat.handleEvent(userEvent('keydown'));
    heartbeat.handleEvent(userEvent('keydown'));
    clock.advance(HEARTBEAT_INTERVAL_MS - 1);
    heartbeat.handleEvent(userEvent('wheel'));
    expect(send.mock.calls).toEqual([['typing in Untitled.ipynb']]);
    clock.advance(1);
    heartbeat.handleEvent(userEvent('pointerdown'));
    expect(send.mock.calls).toEqual([
      ['typing in Untitled.ipynb'],
      ['clicking in Untitled.ipynb']
    ]);
  });

  it('ignores events dispatched by scripts', () => {
    heartbeat.handleEvent(userEvent('keydown', false));
    expect(send).not.toHaveBeenCalled();
    // Synthetic events reach the listener but are not trusted.
    document.body.dispatchEvent(
      new KeyboardEvent('keydown', { bubbles: true })
    );
    expect(send).not.toHaveBeenCalled();
  });

  it('ignores a hidden page', () => {
    visibility = 'hidden';
    heartbeat.handleEvent(userEvent('keydown'));
    expect(send).not.toHaveBeenCalled();
    visibility = 'visible';
    heartbeat.handleEvent(userEvent('keydown'));
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('survives a failed request without retrying at once', async () => {
    send.mockImplementation(source => Promise.reject(new Error('offline')));
    const debug = jest.spyOn(console, 'debug').mockImplementation(() => {});
    heartbeat.handleEvent(userEvent('keydown'));
    heartbeat.handleEvent(userEvent('keydown'));
    await Promise.resolve();
    await Promise.resolve();
    expect(send).toHaveBeenCalledTimes(1);
    expect(debug).toHaveBeenCalled();
  });

  it('stops listening when disposed', () => {
    const remove = jest.spyOn(document, 'removeEventListener');
    heartbeat.dispose();
    expect(heartbeat.isDisposed).toBe(true);
    expect(remove).toHaveBeenCalledWith('keydown', heartbeat, {
      capture: true
    });
    expect(remove).toHaveBeenCalledWith('pointerdown', heartbeat, {
      capture: true
    });
  });
});
