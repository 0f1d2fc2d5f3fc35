import { parseIdleEvent, secondsBetween } from '../events';
import { IDLE_EVENT_SCHEMA } from '../api';
import { emission } from './fixtures';

describe('parseIdleEvent', () => {
  it('reads an idle event', () => {
    // Every field as sent; no version or time, as the emission has none.
    expect(parseIdleEvent(emission())).toEqual({
      ...emission(),
      version: undefined,
      __timestamp__: undefined
    });
  });

  it('keeps the time of the event when the bus sends it', () => {
    const event = parseIdleEvent(
      emission({ __timestamp__: '2026-11-26T16:55:00Z', version: 1 })
    );
    expect(event?.__timestamp__).toBe('2026-11-26T16:55:00Z');
    expect(event?.version).toBe(1);
  });

  it('ignores the events of other schemas and bad ones', () => {
    expect(
      parseIdleEvent({
        schema_id:
          'https://events.jupyter.org/jupyter_server/kernel_actions/v1',
        action: 'start'
      })
    ).toBeNull();
    expect(parseIdleEvent(emission({ kind: 'unknown' }))).toBeNull();
    expect(parseIdleEvent(emission({ state: 3 }))).toBeNull();
    expect(parseIdleEvent(null)).toBeNull();
    expect(parseIdleEvent('event')).toBeNull();
  });

  it('reads missing or odd fields as null', () => {
    const event = parseIdleEvent({
      schema_id: IDLE_EVENT_SCHEMA,
      kind: 'config',
      state: 'active',
      seconds_until_shutdown: 'soon'
    });
    expect(event).toMatchObject({
      kind: 'config',
      seconds_until_shutdown: null,
      deadline: null,
      config_version: null,
      request_id: null
    });
  });
});

describe('secondsBetween', () => {
  it('measures between two ISO times', () => {
    expect(
      secondsBetween('2026-11-26T16:00:00+00:00', '2026-11-26T16:01:30Z')
    ).toBe(90);
  });

  it('is null when a time is missing or unreadable', () => {
    expect(secondsBetween(null, '2026-11-26T16:01:30Z')).toBeNull();
    expect(secondsBetween('2026-11-26T16:01:30Z', undefined)).toBeNull();
    expect(secondsBetween('yesterday', '2026-11-26T16:01:30Z')).toBeNull();
  });
});
