import { IDLE_EVENT_SCHEMA, IdleEventKind, IIdleEvent } from './api';

/**
 * The event kinds this version understands.
 */
const KINDS: ReadonlyArray<IdleEventKind> = ['state', 'save-request', 'config'];

/**
 * Read one emission of the server's event bus as an idle event.
 *
 * @param emission - Anything the events stream emitted.
 * @returns The idle event, or `null` when it is another schema's event or
 *   does not look like an idle event (an unknown kind, no state).
 */
export function parseIdleEvent(emission: unknown): IIdleEvent | null {
  if (typeof emission !== 'object' || emission === null) {
    return null;
  }
  const event = emission as { [key: string]: unknown };
  if (event.schema_id !== IDLE_EVENT_SCHEMA) {
    return null;
  }
  if (
    !KINDS.includes(event.kind as IdleEventKind) ||
    typeof event.state !== 'string'
  ) {
    return null;
  }
  const text = (key: string): string | null =>
    typeof event[key] === 'string' ? (event[key] as string) : null;
  const seconds = event.seconds_until_shutdown;
  return {
    schema_id: IDLE_EVENT_SCHEMA,
    version: event.version as IIdleEvent['version'],
    __timestamp__: text('__timestamp__') ?? undefined,
    kind: event.kind as IdleEventKind,
    state: event.state as IIdleEvent['state'],
    seconds_until_shutdown:
      typeof seconds === 'number' && Number.isFinite(seconds) ? seconds : null,
    deadline: text('deadline'),
    last_activity: text('last_activity'),
    last_activity_source: text('last_activity_source'),
    error: text('error'),
    request_id: text('request_id'),
    save_deadline: text('save_deadline'),
    config_version: text('config_version')
  };
}

/**
 * Seconds from `from` to `to` (two ISO 8601 times), or `null` if either
 * cannot be read.
 */
export function secondsBetween(
  from: string | null | undefined,
  to: string | null | undefined
): number | null {
  if (!from || !to) {
    return null;
  }
  const a = Date.parse(from);
  const b = Date.parse(to);
  if (Number.isNaN(a) || Number.isNaN(b)) {
    return null;
  }
  return (b - a) / 1000;
}
