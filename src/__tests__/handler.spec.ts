import { ServerConnection } from '@jupyterlab/services';

import { jsonInit, requestAPI } from '../api';
import { IdleModel } from '../idle/model';
import { idleStatus, status } from './fixtures';

const BASE_URL = 'http://localhost:8888/lab-base/';

/**
 * A fetch that answers each request with the next of `responses`, and records
 * the requests.
 */
function fakeServer(...responses: Array<() => Response>): {
  settings: ServerConnection.ISettings;
  requests: Request[];
} {
  const requests: Request[] = [];
  const fetch = jest.fn(async (request: RequestInfo) => {
    requests.push(request as Request);
    const next = responses.shift();
    if (!next) {
      throw new Error('unexpected request');
    }
    return next();
  });
  return {
    settings: ServerConnection.makeSettings({
      baseUrl: BASE_URL,
      fetch: fetch as unknown as typeof window.fetch
    }),
    requests
  };
}

function json(body: unknown, status = 200): () => Response {
  return () =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'Content-Type': 'application/json' }
    });
}

/**
 * The error a request fails with.
 */
async function rejection(
  request: Promise<unknown>
): Promise<ServerConnection.ResponseError> {
  try {
    await request;
  } catch (error) {
    return error as ServerConnection.ResponseError;
  }
  throw new Error('the request did not fail');
}

describe('requestAPI', () => {
  it('calls the extension namespace and returns the JSON body', async () => {
    const server = fakeServer(json({ hello: 'world' }));
    const data = await requestAPI<{ hello: string }>(
      'status?client_id=abc',
      {},
      server.settings
    );
    expect(data).toEqual({ hello: 'world' });
    const url = new URL(server.requests[0].url);
    expect(url.pathname).toBe('/lab-base/jupyter-smcost/status');
    expect(url.searchParams.get('client_id')).toBe('abc');
  });

  it('returns undefined for an empty body', async () => {
    const server = fakeServer(() => new Response(null, { status: 204 }));
    await expect(
      requestAPI('activity', jsonInit('POST', {}), server.settings)
    ).resolves.toBeUndefined();
  });

  it("throws a ResponseError with the server's message", async () => {
    const server = fakeServer(
      json({ message: 'timeout_minutes must be a number' }, 400)
    );
    const error = await rejection(
      requestAPI(
        'config',
        jsonInit('PUT', { timeout_minutes: 'x' }),
        server.settings
      )
    );
    expect(error).toBeInstanceOf(ServerConnection.ResponseError);
    expect(error.message).toBe('timeout_minutes must be a number');
    expect(error.response.status).toBe(400);
  });

  it('falls back to the status line for a non-JSON error', async () => {
    const server = fakeServer(
      () =>
        new Response('<html>Bad gateway</html>', {
          status: 502,
          statusText: 'Bad Gateway'
        })
    );
    const error = await rejection(requestAPI('status', {}, server.settings));
    expect(error).toBeInstanceOf(ServerConnection.ResponseError);
    expect(error.message).toBe('Invalid response: 502 Bad Gateway');
  });

  it('throws a NetworkError when the server cannot be reached', async () => {
    const settings = ServerConnection.makeSettings({
      baseUrl: BASE_URL,
      fetch: (() =>
        Promise.reject(
          new TypeError('Failed to fetch')
        )) as unknown as typeof window.fetch
    });
    await expect(requestAPI('status', {}, settings)).rejects.toBeInstanceOf(
      ServerConnection.NetworkError
    );
  });

  it('sends JSON bodies', async () => {
    const server = fakeServer(json(idleStatus()));
    await requestAPI(
      'activity',
      jsonInit('POST', { source: 'keep running' }),
      server.settings
    );
    const request = server.requests[0];
    expect(request.method).toBe('POST');
    expect(request.headers.get('Content-Type')).toBe('application/json');
    expect(await request.json()).toEqual({ source: 'keep running' });
  });
});

describe('IdleModel', () => {
  let model: IdleModel;
  afterEach(() => model?.dispose());

  it('fetches the status with its client id and extrapolates it', async () => {
    let now = 1_000_000;
    const server = fakeServer(json(status()));
    model = new IdleModel({
      serverSettings: server.settings,
      autoStart: false,
      clientId: 'tab-1',
      clock: () => now
    });
    const changed = jest.fn();
    model.changed.connect(changed);
    expect(model.view()).toBeNull();
    await model.update();
    expect(changed).toHaveBeenCalledTimes(1);
    expect(new URL(server.requests[0].url).searchParams.get('client_id')).toBe(
      'tab-1'
    );
    expect(model.secondsUntilShutdown()).toBe(2880);
    now += 10_500;
    expect(model.secondsUntilShutdown()).toBe(2869.5);
    expect(model.view()?.idleSeconds).toBe(730.5);
  });

  it('gives each page load its own client id', () => {
    const a = new IdleModel({ autoStart: false });
    const b = new IdleModel({ autoStart: false });
    expect(a.clientId).not.toBe(b.clientId);
    a.dispose();
    b.dispose();
  });

  it('records a failure, rethrows it for the backoff, and recovers', async () => {
    const server = fakeServer(
      json({ message: 'boom' }, 500),
      json(status({ state: 'warning' }))
    );
    model = new IdleModel({
      serverSettings: server.settings,
      autoStart: false
    });
    await expect(model.update()).rejects.toThrow('boom');
    expect(model.error).toBe('boom');
    await model.update();
    expect(model.error).toBeNull();
    expect(model.status?.idle.state).toBe('warning');
  });

  it('keeps running by posting activity and applies the answer', async () => {
    const server = fakeServer(
      json(status({ idle_seconds: 3000, seconds_until_shutdown: 600 })),
      json(idleStatus({ idle_seconds: 0, seconds_until_shutdown: 3600 }))
    );
    model = new IdleModel({
      serverSettings: server.settings,
      autoStart: false
    });
    await model.update();
    await model.keepRunning();
    const post = server.requests[1];
    expect(post.method).toBe('POST');
    expect(new URL(post.url).pathname).toBe(
      '/lab-base/jupyter-smcost/activity'
    );
    expect(await post.json()).toEqual({ source: 'keep running' });
    expect(Math.round(model.secondsUntilShutdown() ?? -1)).toBe(3600);
  });

  it('refreshes when the tab is shown again', () => {
    let visibility: DocumentVisibilityState = 'hidden';
    jest
      .spyOn(document, 'visibilityState', 'get')
      .mockImplementation(() => visibility);
    model = new IdleModel({ autoStart: false });
    const refresh = jest
      .spyOn(model, 'refresh')
      .mockImplementation(() => Promise.resolve());
    document.dispatchEvent(new Event('visibilitychange'));
    expect(refresh).not.toHaveBeenCalled();
    visibility = 'visible';
    document.dispatchEvent(new Event('visibilitychange'));
    expect(refresh).toHaveBeenCalledTimes(1);
    model.dispose();
    document.dispatchEvent(new Event('visibilitychange'));
    expect(refresh).toHaveBeenCalledTimes(1);
    jest.restoreAllMocks();
  });

  it('stops emitting once disposed', async () => {
    const server = fakeServer(json(status()));
    model = new IdleModel({
      serverSettings: server.settings,
      autoStart: false
    });
    const changed = jest.fn();
    model.changed.connect(changed);
    model.dispose();
    expect(model.isDisposed).toBe(true);
    await model.update();
    expect(changed).not.toHaveBeenCalled();
  });
});
