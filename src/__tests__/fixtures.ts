import { IDLE_EVENT_SCHEMA, IIdleStatus, IServerConfig, IStatus } from '../api';

/**
 * An idle status as the server sends it, with overrides.
 */
export function idleStatus(overrides: Partial<IIdleStatus> = {}): IIdleStatus {
  return {
    state: 'active',
    idle_seconds: 720,
    timeout_seconds: 3600,
    warning_seconds: 300,
    seconds_until_shutdown: 2880,
    last_activity: '2026-11-26T16:08:00+00:00',
    last_activity_source: 'kernel busy: Untitled.ipynb',
    action: 'delete-app',
    dry_run: false,
    error: null,
    checker_running: true,
    last_check: '2026-11-26T16:20:00+00:00',
    save_request: null,
    ...overrides
  };
}

/**
 * A `GET status` answer around `idleStatus`.
 */
export function status(overrides: Partial<IIdleStatus> = {}): IStatus {
  return {
    version: '0.1.0',
    environment: {
      kind: 'local',
      region: 'us-east-1',
      instance_type: 'ml.t3.medium',
      domain_id: null,
      space_name: null,
      user_profile_name: null,
      app_type: null,
      app_name: null,
      error: null
    },
    idle: idleStatus(overrides)
  };
}

/**
 * A `GET config` answer, with overrides.
 */
export function serverConfig(
  overrides: Partial<IServerConfig> = {}
): IServerConfig {
  return {
    timeout_minutes: 60,
    warning_minutes: 5,
    check_interval_seconds: 30,
    min_timeout_minutes: 5,
    max_timeout_minutes: 1440,
    allow_user_override: true,
    user_timeout_minutes: null,
    admin_timeout_minutes: 60,
    cpu_threshold_percent: 10,
    action: 'auto',
    effective_action: 'delete-app',
    ...overrides
  };
}

/**
 * 16:20:00 UTC, twelve minutes after `idleStatus().last_activity`.
 */
export const NOW = Date.parse('2026-11-26T16:20:00+00:00');

/**
 * An idle event as jupyter_server's event socket sends it, with overrides.
 */
export function emission(overrides: { [key: string]: unknown } = {}): {
  [key: string]: unknown;
} {
  return {
    schema_id: IDLE_EVENT_SCHEMA,
    kind: 'state',
    state: 'warning',
    seconds_until_shutdown: 299.5,
    deadline: '2026-11-26T17:00:00+00:00',
    last_activity: '2026-11-26T16:00:00+00:00',
    last_activity_source: 'typing in a.ipynb',
    error: null,
    request_id: null,
    save_deadline: null,
    config_version: 'abc-1',
    ...overrides
  };
}
