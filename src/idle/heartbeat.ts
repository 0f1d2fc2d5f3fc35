import { IDisposable } from '@lumino/disposable';

/**
 * The events that prove a person is using this tab.
 *
 * `scroll` is left out on purpose: it also fires when code scrolls (e.g. an
 * output area following a running cell), so it is no proof of a person. Wheel,
 * keys and pointer presses cover scrolling by hand.
 */
export const INTERACTION_EVENTS = [
  'keydown',
  'input',
  'pointerdown',
  'wheel'
] as const;

/**
 * How often, at most, the heartbeat is sent.
 */
export const HEARTBEAT_INTERVAL_MS = 60_000;

/**
 * The heartbeat interval for an idle timeout: a minute, or a quarter of the
 * timeout when that is shorter (so that continuous work always keeps the
 * clock well below the timeout), never less than a second.
 *
 * @param timeoutSeconds - The server's idle timeout, `null` or 0 when unknown
 *   or disabled.
 */
export function heartbeatInterval(timeoutSeconds: number | null): number {
  if (timeoutSeconds === null || !(timeoutSeconds > 0)) {
    return HEARTBEAT_INTERVAL_MS;
  }
  return Math.max(
    1000,
    Math.min(HEARTBEAT_INTERVAL_MS, (timeoutSeconds * 1000) / 4)
  );
}

/**
 * A leading-edge throttle with an injectable clock.
 *
 * The first call after a quiet interval passes at once; the others within the
 * interval are dropped (not delayed): the server only needs to know that there
 * was activity in the last minute, which idle timeouts in minutes tolerate.
 */
export class Throttle {
  /**
   * Construct a throttle.
   *
   * @param interval - The shortest time between two passing calls (ms), or
   *   a function that says it at each call.
   * @param clock - The current time in ms; injected for tests.
   */
  constructor(
    interval: number | (() => number),
    private readonly _clock: () => number = Date.now
  ) {
    this._interval = typeof interval === 'number' ? () => interval : interval;
  }

  /**
   * The shortest time between two passing calls, now (ms).
   */
  get intervalMs(): number {
    return this._interval();
  }

  /**
   * Whether a call made now may pass; if so, the interval restarts now.
   */
  tryPass(): boolean {
    const now = this._clock();
    if (this._last !== null && now - this._last < this.intervalMs) {
      return false;
    }
    this._last = now;
    return true;
  }

  /**
   * Forget the last passing call, so the next one passes at once.
   */
  reset(): void {
    this._last = null;
  }

  private _interval: () => number;
  private _last: number | null = null;
}

/**
 * Describe an interaction for the server's `last_activity_source`.
 *
 * @param eventType - The DOM event's type.
 * @param title - The title of the current main-area widget, if any.
 */
export function describeInteraction(
  eventType: string,
  title: string | null
): string {
  const verb = Private.VERBS[eventType] ?? 'using';
  const where = title?.trim()
    ? Private.shorten(title.trim(), 80)
    : 'JupyterLab';
  return `${verb} in ${where}`;
}

/**
 * Sends `POST activity` when a person interacts with this tab.
 *
 * Only trusted events (made by the user agent, not dispatched by scripts) in
 * a visible page count, throttled to one request per minute. Timers and
 * polling never send a heartbeat.
 */
export class Heartbeat implements IDisposable {
  /**
   * Construct a heartbeat and start listening.
   */
  constructor(options: Heartbeat.IOptions) {
    this._send = options.send;
    this._currentTitle = options.currentTitle ?? (() => null);
    this._document = options.document ?? document;
    this._throttle = new Throttle(
      options.intervalMs ?? HEARTBEAT_INTERVAL_MS,
      options.clock
    );
    for (const type of INTERACTION_EVENTS) {
      // Capture: widgets that stop propagation (editors, menus) still count.
      this._document.addEventListener(type, this, {
        capture: true,
        passive: true
      });
    }
  }

  /**
   * Whether the heartbeat is disposed.
   */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Handle a DOM event (the `EventListener` interface).
   */
  handleEvent(event: Event): void {
    if (!event.isTrusted || this._document.visibilityState !== 'visible') {
      return;
    }
    if (!this._throttle.tryPass()) {
      return;
    }
    const source = describeInteraction(event.type, this._currentTitle());
    // A failed heartbeat is not retried: the next interaction after the
    // interval sends a new one, and polling shows whether the server is there.
    this._send(source).catch(reason => {
      console.debug('jupyter-smcost: heartbeat failed', reason);
    });
  }

  /**
   * Stop listening.
   */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    for (const type of INTERACTION_EVENTS) {
      this._document.removeEventListener(type, this, { capture: true });
    }
  }

  private _currentTitle: () => string | null;
  private _document: Document;
  private _isDisposed = false;
  private _send: (source: string) => Promise<unknown>;
  private _throttle: Throttle;
}

/**
 * A namespace for `Heartbeat` statics.
 */
export namespace Heartbeat {
  /**
   * The options to construct a heartbeat.
   */
  export interface IOptions {
    /** Send the heartbeat (`POST activity` with this source). */
    send: (source: string) => Promise<unknown>;
    /** The title of the current main-area widget, for the source. */
    currentTitle?: () => string | null;
    /** The document to listen on; defaults to the page's. */
    document?: Document;
    /** The current time in ms; injected for tests. */
    clock?: () => number;
    /** The throttle interval (ms), or a function that says it; a minute by default. */
    intervalMs?: number | (() => number);
  }
}

namespace Private {
  /**
   * The verb for each interaction event.
   */
  export const VERBS: { [type: string]: string } = {
    keydown: 'typing',
    input: 'typing',
    pointerdown: 'clicking',
    wheel: 'scrolling'
  };

  /**
   * Shorten a title to `max` characters.
   */
  export function shorten(text: string, max: number): string {
    return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
  }
}
