/**
 * The shapes of the server's REST API (see "REST API (contract)" in README.md).
 */

/**
 * Where the server runs, as detected from SageMaker's metadata file.
 */
export interface IEnvironment {
  kind: 'studio-space' | 'studio-classic' | 'notebook-instance' | 'local';
  region: string | null;
  instance_type: string | null;
  domain_id: string | null;
  space_name: string | null;
  user_profile_name: string | null;
  app_type: string | null;
  app_name: string | null;
  error: string | null;
}

/**
 * The idle checker's states.
 */
export type IdleState =
  'disabled' | 'active' | 'warning' | 'shutting-down' | 'shut-down' | 'error';

/**
 * The server's request to open tabs to save their documents.
 */
export interface ISaveRequest {
  id: string;
  requested_at: string;
  deadline: string;
}

/**
 * The `idle` part of `GET status`, also returned by `POST activity`.
 */
export interface IIdleStatus {
  state: IdleState;
  idle_seconds: number;
  timeout_seconds: number;
  warning_seconds: number;
  /** `null` when nothing is counting down (disabled, or already shut down). */
  seconds_until_shutdown: number | null;
  last_activity: string | null;
  last_activity_source: string | null;
  action: string;
  /** What the action would do here, in words (newer servers). */
  action_description?: string;
  dry_run: boolean;
  /** Why the action failed, or a notice such as a postponed shutdown. */
  error: string | null;
  /** What the last action did (newer servers). */
  result?: string | null;
  /** When a failed action is retried (newer servers). */
  retry_at?: string | null;
  checker_running: boolean;
  last_check: string | null;
  save_request: ISaveRequest | null;
  /** When the shutdown is due (ISO 8601 UTC), `null` when none (newer servers). */
  deadline?: string | null;
  /** Changes whenever the idle settings change (newer servers). */
  config_version?: string;
}

/**
 * `GET status`.
 */
export interface IStatus {
  version: string;
  environment: IEnvironment;
  idle: IIdleStatus;
}

/**
 * `GET config`: the effective settings and the admin's bounds.
 */
export interface IServerConfig {
  timeout_minutes: number;
  warning_minutes: number;
  check_interval_seconds: number;
  min_timeout_minutes: number;
  max_timeout_minutes: number;
  allow_user_override: boolean;
  user_timeout_minutes: number | null;
  admin_timeout_minutes: number;
  cpu_threshold_percent: number;
  action: string;
  effective_action: string;
  /** Changes whenever the settings change (newer servers). */
  config_version?: string;
  /** The user's own warning, `null` when the admin's applies (newer servers). */
  user_warning_minutes?: number | null;
  /** The admin's warning (newer servers). */
  admin_warning_minutes?: number;
}

/**
 * The body of `PUT config`: at least one of the two.
 */
export interface IConfigUpdate {
  /** `null` removes the user's value so the admin's default applies again. */
  timeout_minutes?: number | null;
  /** `null` removes the user's value. */
  warning_minutes?: number | null;
}

/**
 * The answer to `PUT config`.
 */
export interface IConfigReply extends IServerConfig {
  clamped: boolean;
  message: string;
}

/**
 * The schema of the server's idle events (jupyter_events).
 */
export const IDLE_EVENT_SCHEMA =
  'https://schema.jupyter.org/jupyter_smcost/idle/v1';

/**
 * What an idle event reports.
 */
export type IdleEventKind = 'state' | 'save-request' | 'config';

/**
 * An idle event as received from `app.serviceManager.events.stream`.
 *
 * Every field is present; `null` when it does not apply.
 */
export interface IIdleEvent {
  schema_id: string;
  version?: number | string;
  /**
   * When the server emitted it (ISO 8601). jupyter_server's event socket
   * (2.x) sends the data without it; the file log has it.
   */
  __timestamp__?: string;
  kind: IdleEventKind;
  state: IdleState;
  seconds_until_shutdown: number | null;
  /** When the shutdown will happen (ISO 8601 UTC), or `null`. */
  deadline: string | null;
  last_activity: string | null;
  last_activity_source: string | null;
  error: string | null;
  /** For `save-request`. */
  request_id: string | null;
  /** For `save-request`: when the server stops waiting (ISO 8601 UTC). */
  save_deadline: string | null;
  config_version: string | null;
}

/**
 * The body of `POST save-ack`.
 */
export interface ISaveAck {
  request_id: string;
  client_id: string;
  saved: string[];
  failed: Array<{ path: string; error: string }>;
}
