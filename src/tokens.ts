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
}

/**
 * The body of `PUT config`.
 */
export interface IConfigUpdate {
  /** `null` removes the user's value so the admin's default applies again. */
  timeout_minutes: number | null;
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
