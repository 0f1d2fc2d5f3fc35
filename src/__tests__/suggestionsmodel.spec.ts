import { ServerConnection } from '@jupyterlab/services';

import {
  SUGGESTIONS_MAX_POLL_MS,
  SUGGESTIONS_MIN_POLL_MS,
  SuggestionsModel
} from '../suggestions/model';
import { FakeClock, FakeServer, settle } from './costfixtures';
import {
  spotSuggestion,
  suggestion,
  suggestions,
  suggestionsModel
} from './suggestionsfixtures';

describe('SuggestionsModel', () => {
  let model: SuggestionsModel;

  afterEach(() => {
    model.dispose();
    jest.useRealTimers();
  });

  it('fetches the suggestions, largest first, with their total', async () => {
    const server = new FakeServer({ suggestions: [suggestions()] });
    model = suggestionsModel(server);
    expect(model.state).toBe('loading');
    expect(model.count).toBe(0);
    let changed = 0;
    model.changed.connect(() => changed++);
    await model.update();
    expect(changed).toBe(1);
    expect(model.state).toBe('ready');
    expect(model.available).toBe(true);
    expect(model.actionsAllowed).toBe(true);
    expect(model.items.map(s => s.rule)).toEqual([
      'idle-endpoint',
      'spot-training'
    ]);
    expect(model.count).toBe(2);
    expect(model.totalSaving).toBeCloseTo(167.9, 6);
    expect(server.calls).toEqual([
      { path: 'suggestions', method: 'GET', body: '' }
    ]);
  });

  it("polls at the server's ttl, never more often than every 30 s", async () => {
    const server = new FakeServer({
      suggestions: [
        suggestions({ ttl_seconds: 120 }),
        suggestions({ ttl_seconds: 5 }),
        suggestions({ ttl_seconds: 86_400 })
      ]
    });
    model = suggestionsModel(server);
    expect(model.interval).toBe(SUGGESTIONS_MIN_POLL_MS);
    expect(SUGGESTIONS_MIN_POLL_MS).toBe(30_000);
    await model.update();
    expect(model.interval).toBe(120_000);
    await model.update();
    expect(model.interval).toBe(30_000);
    await model.update();
    expect(model.interval).toBe(SUGGESTIONS_MAX_POLL_MS);
  });

  it('asks again soon while the server is still loading', async () => {
    const server = new FakeServer({
      suggestions: [
        suggestions({ state: 'loading', suggestions: [] }),
        suggestions()
      ]
    });
    model = suggestionsModel(server, new FakeClock(), { loadingRetry: 20 });
    await model.update();
    expect(model.count).toBe(0);
    expect(server.count('suggestions')).toBe(1);
    await settle(100);
    expect(server.count('suggestions')).toBe(2);
    expect(model.count).toBe(2);
  });

  it('keeps the last answer when a request fails, and says why', async () => {
    const server = new FakeServer({ suggestions: [suggestions(), 500] });
    model = suggestionsModel(server);
    await model.update();
    await expect(model.update()).rejects.toBeInstanceOf(
      ServerConnection.ResponseError
    );
    expect(model.state).toBe('error');
    expect(model.error).toBe('HTTP 500');
    expect(model.count).toBe(2);
  });

  it('has nothing to offer on a server without suggestions (404)', async () => {
    const server = new FakeServer({});
    model = suggestionsModel(server);
    await expect(model.update()).rejects.toBeInstanceOf(
      ServerConnection.ResponseError
    );
    expect(model.available).toBe(false);
    expect(model.error).toBeNull();
    expect(model.count).toBe(0);
  });

  it('is not available when turned off', async () => {
    const server = new FakeServer({
      suggestions: [suggestions({ state: 'disabled', suggestions: [] })]
    });
    model = suggestionsModel(server);
    await model.update();
    expect(model.available).toBe(false);
  });

  it('runs an action with confirm true, then asks again', async () => {
    const reply = {
      ok: true,
      message:
        'Deleted endpoint demo-idle. Recreate it with create_endpoint(EndpointName="demo-idle", EndpointConfigName="demo-idle-config").',
      suggestion_id: suggestion().id,
      action_id: 'delete-endpoint'
    };
    const server = new FakeServer({
      suggestions: [suggestions(), suggestions({ suggestions: [] })],
      actions: [reply]
    });
    model = suggestionsModel(server);
    await model.update();
    const answer = await model.runAction(suggestion().id, 'delete-endpoint');
    expect(answer).toEqual(reply);
    const post = server.calls.find(c => c.path === 'actions')!;
    expect(post.method).toBe('POST');
    expect(JSON.parse(post.body)).toEqual({
      suggestion_id: suggestion().id,
      action_id: 'delete-endpoint',
      confirm: true
    });
    await settle(20);
    expect(server.count('suggestions')).toBe(2);
    expect(model.count).toBe(0);
  });

  it("sends a form's values with the action", async () => {
    const server = new FakeServer({
      suggestions: [suggestions()],
      actions: [{ ok: true, message: 'Tagged.' }]
    });
    model = suggestionsModel(server);
    await model.runAction('tags-1', 'add-tags', { team: 'ml', project: 'x' });
    const post = server.calls.find(c => c.path === 'actions')!;
    expect(JSON.parse(post.body)).toEqual({
      suggestion_id: 'tags-1',
      action_id: 'add-tags',
      confirm: true,
      values: { team: 'ml', project: 'x' }
    });
  });

  it("rejects with the server's message when an action is refused", async () => {
    const server = new FakeServer({
      suggestions: [suggestions()],
      actions: [409]
    });
    model = suggestionsModel(server);
    await model.update();
    const error = await model
      .runAction(suggestion().id, 'delete-endpoint')
      .catch(reason => reason);
    expect(error).toBeInstanceOf(ServerConnection.ResponseError);
    expect(error.response.status).toBe(409);
    expect(error.message).toBe('HTTP 409');
    await settle(20);
    // Asked again: the resource changed.
    expect(server.count('suggestions')).toBe(2);
  });

  it('dismisses through the route, hiding the suggestion at once', async () => {
    const id = spotSuggestion().id;
    const server = new FakeServer({
      suggestions: [suggestions()],
      [`suggestions/${id}/dismiss`]: [{ dismissed: id, until: null }]
    });
    model = suggestionsModel(server);
    await model.update();
    const dismissed = model.dismiss(id);
    // Gone before the server answers.
    expect(model.items.map(s => s.id)).toEqual([suggestion().id]);
    expect(await dismissed).toEqual({ dismissed: id, until: null });
    const post = server.calls.find(c => c.path.endsWith('/dismiss'))!;
    expect(post).toEqual({
      path: `suggestions/${id}/dismiss`,
      method: 'POST',
      body: '{}'
    });
    await settle(20);
    // The server still lists it until its next round: it stays hidden.
    expect(server.count('suggestions')).toBe(2);
    expect(model.count).toBe(1);
  });

  it('dismisses for some days, and the total follows', async () => {
    const clock = new FakeClock();
    const id = suggestion().id;
    const until = new Date(clock.now + 7 * 86_400_000).toISOString();
    const server = new FakeServer({
      suggestions: [suggestions()],
      [`suggestions/${id}/dismiss`]: [{ dismissed: id, until }]
    });
    model = suggestionsModel(server, clock);
    await model.update();
    await model.dismiss(id, 7);
    const post = server.calls.find(c => c.path.endsWith('/dismiss'))!;
    expect(JSON.parse(post.body)).toEqual({ days: 7 });
    expect(model.count).toBe(1);
    expect(model.totalSaving).toBe(0);
    // Back once the days have passed (if the server lists it again).
    clock.now += 8 * 86_400_000;
    expect(model.count).toBe(2);
  });

  it('shows a suggestion again when the dismissal fails', async () => {
    const id = suggestion().id;
    const server = new FakeServer({
      suggestions: [suggestions()],
      [`suggestions/${id}/dismiss`]: [403]
    });
    model = suggestionsModel(server);
    await model.update();
    await expect(model.dismiss(id)).rejects.toThrow('HTTP 403');
    expect(model.count).toBe(2);
  });

  it('stops when disposed', async () => {
    const server = new FakeServer({ suggestions: [suggestions()] });
    model = suggestionsModel(server);
    model.dispose();
    expect(model.isDisposed).toBe(true);
    await model.refresh();
    expect(server.count('suggestions')).toBe(0);
  });
});
