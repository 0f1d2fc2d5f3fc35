/**
 * The server's REST API: the one helper that calls it (`requestAPI`) and the
 * shapes of its documents (docs/rest-api.md, docs/openapi.json).
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/**
 * The URL namespace of the server extension.
 */
export const API_NAMESPACE = 'jupyter-smcost';

/**
 * Call the jupyter-smcost server extension.
 *
 * @param endPoint - The REST end point under `{base_url}jupyter-smcost/`,
 *   with its query string if any.
 * @param init - The fetch options (method, body, ...).
 * @param serverSettings - The server connection; defaults to the page's.
 * @returns The JSON body of the answer, or `undefined` when it is empty.
 * @throws `ServerConnection.NetworkError` when the server cannot be reached,
 *   `ServerConnection.ResponseError` (carrying the server's `message`) on any
 *   non-2xx answer.
 */
export async function requestAPI<T>(
  endPoint = '',
  init: RequestInit = {},
  serverSettings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const url = URLExt.join(serverSettings.baseUrl, API_NAMESPACE, endPoint);
  // makeRequest adds the token and XSRF headers and turns a failed fetch into
  // a NetworkError.
  const response = await ServerConnection.makeRequest(
    url,
    init,
    serverSettings
  );
  const text = await response.text();
  const data = Private.parse(text);

  if (!response.ok) {
    throw new ServerConnection.ResponseError(
      response,
      Private.errorMessage(response, data)
    );
  }
  return data as T;
}

/**
 * A JSON request body with the matching content type.
 *
 * @param method - The HTTP method.
 * @param body - The value to send as JSON.
 */
export function jsonInit(method: 'POST' | 'PUT', body: unknown): RequestInit {
  return {
    method,
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' }
  };
}

namespace Private {
  /**
   * Parse a body that should be JSON; an empty body (e.g. 204) is `undefined`.
   */
  export function parse(text: string): unknown {
    if (text.length === 0) {
      return undefined;
    }
    try {
      return JSON.parse(text);
    } catch {
      // A proxy's HTML error page, for instance: keep the text for the message.
      return text;
    }
  }

  /**
   * The best message for a failed answer: the server's JSON `message` (what
   * jupyter_server's API handlers write), else a generic one.
   */
  export function errorMessage(response: Response, data: unknown): string {
    if (
      typeof data === 'object' &&
      data !== null &&
      typeof (data as { message?: unknown }).message === 'string' &&
      (data as { message: string }).message.length > 0
    ) {
      return (data as { message: string }).message;
    }
    return `Invalid response: ${response.status} ${response.statusText}`.trim();
  }
}

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
  /**
   * When the action succeeded (ISO 8601 UTC) while `shut-down`; with
   * `dry_run`, when it would have stopped (newer servers).
   */
  stopped_at?: string | null;
  checker_running: boolean;
  last_check: string | null;
  save_request: ISaveRequest | null;
  /** When the shutdown is due (ISO 8601 UTC), `null` when none (newer servers). */
  deadline?: string | null;
  /** Changes whenever the idle settings change (newer servers). */
  config_version?: string;
  /**
   * Which limit ends the idle time first (newer servers); the countdown and
   * the deadline already follow it.
   */
  limit?: IdleLimit;
  /** The idle budget in force, `null` when none (newer servers). */
  max_idle_usd?: number | null;
  /** Idle seconds the budget buys at this app's price (newer servers). */
  budget_seconds?: number | null;
  /** The scheduled stop (`c.Schedule`), `null` without one (newer servers). */
  schedule?: IScheduleStatus | null;
  /** A due scheduled stop waits for busy kernels (newer servers). */
  schedule_waiting_for_busy?: boolean;
  /** When the admin's fleet check will stop this app, or `null` (newer servers). */
  fleet_stop_after?: string | null;
  /** Why the fleet check's tag could not be read or removed (newer servers). */
  fleet_error?: string | null;
}

/**
 * The schedule part of the idle status.
 */
export interface IScheduleStatus {
  /** The stop time of day, `HH:MM`, in the schedule's time zone. */
  stop_at: string;
  /** The next scheduled stop, ISO 8601, or `null`. */
  next_stop: string | null;
  /** Until when the user keeps the app running past it, ISO 8601, or `null`. */
  keep_running_until: string | null;
}

/**
 * A day the scheduled stop applies to.
 */
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/**
 * `GET schedule` (and the answer to `PUT schedule`): the working hours' stop
 * that applies, whose it is, and the admin's bounds.
 */
export interface ISchedule {
  /** The daily stop time, `HH:MM` in `timezone`; `null`: no scheduled stop. */
  stop_at: string | null;
  /** The days the stop applies to, Monday first. */
  days: Weekday[];
  /** The IANA time zone of the times: the admin's, else the browser's, else UTC. */
  timezone: string;
  /** The next stop (ISO 8601 UTC), keep running included, or `null`. */
  next_stop: string | null;
  /** Today's stop postponed to this instant (ISO 8601 UTC), or `null`. */
  keep_running_until: string | null;
  /** Whose stop time applies, `null` without one. */
  source: 'admin' | 'user' | null;
  /** Whether the user may set their own `stop_at`. */
  user_may_change: boolean;
  /** The earliest `stop_at` a user may choose, `HH:MM`, or `null`. */
  earliest_stop_at: string | null;
  /** The latest `stop_at` a user may choose, `HH:MM`, or `null`. */
  latest_stop_at: string | null;
  /** The latest local time `keep_running_until` may name, `HH:MM`. */
  max_keep_running_until: string;
}

/**
 * The body of `PUT schedule`: any subset, applied all or nothing.
 */
export interface IScheduleUpdate {
  /** The user's own stop time, `HH:MM`; `null`: the admin's applies again. */
  stop_at?: string | null;
  /** The browser's IANA time zone (used when the admin gives none). */
  timezone?: string;
  /** Postpone today's stop to this local time, `HH:MM`; `null` cancels. */
  keep_running_until?: string | null;
  /** Consent: a due scheduled stop may end busy kernels. */
  stop_now?: true;
}

/**
 * Which limit ends the idle time first: the idle timeout, the idle budget
 * (idle time that cost this much), or neither.
 */
export type IdleLimit = 'timeout' | 'budget' | 'none';

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
  /** The idle budget in force in USD, `null` when none (newer servers). */
  max_idle_usd?: number | null;
  /** The admin's idle budget, `null` when none (newer servers). */
  admin_max_idle_usd?: number | null;
  /**
   * The user's idle budget, `null` when the admin's applies (newer servers);
   * `0` turns the budget off.
   */
  user_max_idle_usd?: number | null;
}

/**
 * The body of `PUT config`: at least one field.
 */
export interface IConfigUpdate {
  /** `null` removes the user's value so the admin's default applies again. */
  timeout_minutes?: number | null;
  /** `null` removes the user's value. */
  warning_minutes?: number | null;
  /** `null` removes the user's value; `0` turns the budget off. */
  max_idle_usd?: number | null;
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

/**
 * Where a price came from: an admin's override, the disk cache, the AWS
 * Price List API or the bundled snapshot; `pending` while it is looked up,
 * `unknown` when no source has it.
 */
export type PriceSource =
  'override' | 'cache' | 'price-list-api' | 'snapshot' | 'pending' | 'unknown';

/**
 * An hourly price. A known price is never 0; an unknown one says why.
 */
export interface IPrice {
  known: boolean;
  /** USD per hour; `null` unless known. */
  usd_per_hour: number | null;
  source: PriceSource | string;
  /** The date of the price (known prices). */
  as_of?: string | null;
  /** Where the price came from, for people (known prices). */
  detail?: string | null;
  /** Why the price is not known (`unknown`, `pending`). */
  reason?: string | null;
}

/**
 * A problem the server met while costing something.
 */
export interface ICostProblem {
  code: string;
  message: string;
}

/**
 * `GET cost`: what the environment this server runs in costs.
 */
export interface ICost {
  generated_at: string;
  environment: IEnvironment;
  instance: {
    instance_type: string | null;
    component: string | null;
    price: IPrice;
  };
  storage: {
    size_gb: number | null;
    usd_per_gb_month: number | null;
    /** The volume's price (per GB-hour). */
    price: IPrice;
  };
  /** Instance and (when known) storage; `null` if the instance price is unknown. */
  usd_per_hour: number | null;
  started_at: string | null;
  uptime_seconds: number | null;
  session_usd: number | null;
  /**
   * When the idle shutdown stopped the app (not a dry run): the session cost,
   * uptime and idle time count up to then, and no longer grow (newer servers).
   */
  stopped_at?: string | null;
  /** Whether the figures stopped at `stopped_at` (newer servers). */
  frozen?: boolean;
  /** The server's sentence saying so, `null` unless frozen (newer servers). */
  frozen_note?: string | null;
  projection: { per_day_usd: number | null; per_month_usd: number | null };
  idle: {
    idle_seconds: number;
    idle_usd: number | null;
    max_idle_usd: number | null;
    limit: IdleLimit;
    budget_seconds: number | null;
    shutdown_at: string | null;
  };
  problems: ICostProblem[];
}

/**
 * The kinds of resources that cost money.
 */
export type ResourceKind =
  | 'training-job'
  | 'tuning-job'
  | 'processing-job'
  | 'transform-job'
  | 'endpoint'
  | 'studio-app'
  | 'notebook-instance';

/**
 * A running resource that costs money.
 */
export interface IResource {
  kind: ResourceKind | string;
  name: string;
  arn: string | null;
  status: string;
  instance_type: string | null;
  instance_count: number;
  spot: boolean | null;
  started_at: string | null;
  running_seconds: number | null;
  max_runtime_seconds: number | null;
  /**
   * An InProgress job's cost if it runs its max runtime; `null` when unknown
   * or not such a job (newer servers).
   */
  worst_case_usd?: number | null;
  billable_seconds: number | null;
  /** Price times count; `null` if unknown. */
  usd_per_hour: number | null;
  cost_so_far_usd: number | null;
  /** The price of one instance. */
  price: IPrice;
  /** Human text, may be empty. */
  detail: string;
  console_url: string | null;
}

/**
 * How the listing of running resources went.
 */
export type ResourcesState =
  'ok' | 'partial' | 'error' | 'loading' | 'unavailable';

/**
 * A kind of resources the server could not list, or another problem.
 */
export interface IResourcesProblem {
  kind: string | null;
  code: string;
  action: string | null;
  message: string;
}

/**
 * While AWS throttles this server's background reads: since when, and until
 * when every background refresh waits (the documents keep their last
 * figures meanwhile). The user's own actions never wait for it.
 */
export interface IAwsBusy {
  since: string;
  until: string;
}

/**
 * `GET resources`: the running resources that cost money.
 */
export interface IResources {
  generated_at: string;
  fetched_at: string | null;
  ttl_seconds: number;
  scope: 'mine' | 'account' | string;
  region: string | null;
  state: ResourcesState;
  /** By `usd_per_hour`, highest first, unknown last. */
  resources: IResource[];
  /** The sum of the known rates; this environment is not in it. */
  total_usd_per_hour: number;
  /** How many resources have no known price (not in the total). */
  unpriced: number;
  problems: IResourcesProblem[];
  /** While AWS throttles: the rows are those of `fetched_at`. */
  aws_busy: IAwsBusy | null;
}

/**
 * How the server's suggestions stand: `ok`, `partial` (some rules could not
 * run: see `problems`), `loading` (the first round is still running),
 * `disabled` (turned off), `unavailable` (no region, for instance) or `error`.
 */
export type SuggestionsState =
  'ok' | 'partial' | 'loading' | 'disabled' | 'unavailable' | 'error';

/**
 * How much a suggestion is worth, by the size of its saving.
 */
export type SuggestionSeverity = 'high' | 'medium' | 'low';

/**
 * Something the server can do for a suggestion once the user confirms it.
 *
 * `id` names what it does: `stop-training-job`, `stop-processing-job`,
 * `delete-endpoint`, `delete-app`, `add-tags`, `set-idle-budget`,
 * `set-idle-timeout`.
 */
export interface ISuggestionAction {
  id: string;
  label: string;
  /** What will happen, in a sentence (shown before the user confirms). */
  description: string;
  /** The values a form asks for (`add-tags`: the missing tag keys). */
  fields?: string[];
}

/**
 * The resource a suggestion is about.
 */
export interface ISuggestionResource {
  kind: string;
  name: string;
  arn: string | null;
  console_url: string | null;
}

/**
 * One piece of advice with its dollar figure.
 */
export interface ISuggestion {
  /** Stable for the same resource and rule. */
  id: string;
  rule: string;
  severity: SuggestionSeverity | string;
  title: string;
  detail: string;
  /** `null` when it cannot be priced: `saving_note` says why. */
  saving_usd_per_month: number | null;
  saving_note: string | null;
  /** `[low, high]` when only a range is known. */
  saving_range_usd_per_month: [number, number] | null;
  /** The calculation in words and numbers. */
  arithmetic: string;
  resource: ISuggestionResource | null;
  actions: ISuggestionAction[];
  docs_url: string;
  warning: string | null;
  /** Ready-to-run code. */
  snippet: string | null;
  /**
   * While the monthly budget is near or over (newer servers): the saving over
   * the hours left in the month.
   */
  saving_to_month_end_usd?: number | null;
  /** With `saving_to_month_end_usd`: it alone brings the projection under. */
  brings_under_budget?: boolean;
}

/**
 * A rule that could not run, and the IAM action that would let it.
 */
export interface ISuggestionsProblem {
  rule: string | null;
  source: string | null;
  code: string;
  message: string;
  /** The IAM action to add, if that is the fix. */
  action: string | null;
}

/**
 * `GET suggestions`.
 */
export interface ISuggestions {
  generated_at: string | null;
  state: SuggestionsState | string;
  /** Largest saving first. */
  suggestions: ISuggestion[];
  total_saving_usd_per_month: number;
  problems: ISuggestionsProblem[];
  /** Whether this user may run actions (`c.Suggestions.allow_actions`). */
  actions_allowed: boolean;
  /** How long the server keeps a round of suggestions. */
  ttl_seconds: number;
  message: string | null;
  /** While AWS throttles: the suggestions are those of `generated_at`. */
  aws_busy: IAwsBusy | null;
  /**
   * While the monthly budget is near or over with a projection (newer
   * servers): what the suggestions shown save by the month's end.
   */
  budget?: {
    state: 'near' | 'over' | string;
    budget_usd: number;
    projected_usd: number;
    /** Negative: on course to stay under. */
    over_by_usd: number;
    saving_to_month_end_usd: number;
    projected_with_all_usd: number;
    /** How many of the first suggestions bring it under; `null`: they cannot. */
    suggestions_needed: number | null;
  } | null;
}

/**
 * The body of `POST actions`.
 */
export interface IActionRequest {
  suggestion_id: string;
  action_id: string;
  /** Always `true`: the user confirmed. */
  confirm: true;
  /** The form's values (`add-tags`: tag key to value). */
  values?: { [key: string]: string };
}

/**
 * The answer to a successful `POST actions`.
 */
export interface IActionReply {
  ok: boolean;
  /** What was done, e.g. how to recreate a deleted endpoint. */
  message: string;
  suggestion_id: string;
  action_id: string;
}

/**
 * The answer to `POST suggestions/<id>/dismiss`.
 */
export interface IDismissReply {
  dismissed: string;
  /** When the suggestion may come back, `null` for never. */
  until: string | null;
}

/**
 * What an idle history entry records: the warning window began, a document
 * could not be saved at the timeout, "Keep running" was pressed, or the
 * shutdown action succeeded.
 */
export type HistoryKind = 'warning' | 'postponed' | 'keep-running' | 'shutdown';

/**
 * One idle event of `GET history`. Every field is present; those that do not
 * apply to its kind are `null`, `[]` or `false`.
 */
export interface IHistoryEntry {
  /** Increases with each entry; never reused. */
  id: number;
  /** When (ISO 8601 UTC); for a shutdown, when the action succeeded. */
  at: string;
  kind: HistoryKind | string;
  /**
   * The limit that ended the idle time: `timeout` or `budget`; later servers
   * add others (`admin-audit`, `fleet-check`), shown as they are.
   */
  reason: string;
  idle_seconds: number;
  /** The app's price then, `null` when unknown. */
  rate_usd_per_hour: number | null;
  /** A shutdown: the documents saved before it (at most 50). */
  saved: string[];
  /** What could not be saved, and why. */
  unsaved: Array<{ path: string; error: string }>;
  /** A shutdown: what the action did. */
  action: string | null;
  /** A shutdown that was only logged. */
  dry_run: boolean;
  /** A shutdown: the next server start. */
  came_back_at: string | null;
  /**
   * A shutdown: what the stopped time did not cost; `null` when the rate is
   * unknown, for a dry run, or before the user came back.
   */
  avoided_usd: number | null;
}

/**
 * `GET history`: the user's idle events and the once-only notice of the
 * last shutdown.
 */
export interface IHistory {
  /** Oldest first, newest last. */
  entries: IHistoryEntry[];
  /** The last shutdown, once the user came back, until a tab saw it. */
  notice: IHistoryEntry | null;
  /** How many entries the server keeps. */
  limit: number;
}

/**
 * The body of `POST history/seen`.
 */
export interface IHistorySeenRequest {
  /** The notice shown: a newer one is left alone. */
  id?: number;
}

/**
 * The answer to `POST history/seen`.
 */
export interface IHistorySeenReply {
  /** Whether a notice was cleared (false: already seen, or another one). */
  seen: boolean;
  notice: IHistoryEntry | null;
}

/**
 * How the month stands against its budget: `no-budget`, `under`, `near` (80%
 * spent, or the projection reaches the budget) or `over` (spent it all).
 */
export type BudgetState = 'no-budget' | 'under' | 'near' | 'over';

/**
 * `GET budget`: this user's monthly budget, from the extension's ledger (a
 * floor of what AWS bills).
 */
export interface IBudget {
  generated_at: string;
  /** The UTC calendar month, `YYYY-MM`. */
  month: string;
  month_ends_at: string;
  hours_left: number;
  /** The budget in force; `null`: none. */
  budget_usd: number | null;
  budget_source: 'tag' | 'policy' | 'config' | 'default' | string;
  spent_usd: number;
  /** Spent this month per source (`this-app`, `training-jobs`, ...). */
  spent_sources: { [source: string]: number };
  /** The burn rate now; `null` when a rate is not known. */
  usd_per_hour: number | null;
  unknown_rates: number;
  /** Spent plus the burn rate to the month's end; `null` when unknown. */
  projected_usd: number | null;
  state: BudgetState | string;
  /** spent / budget; `null` without a budget. */
  share_spent: number | null;
  timeout_tightened: boolean;
  notes: string[];
  /**
   * Cost Explorer's figure for the month, beside the ledger's; `null` when
   * off or not asked yet, absent from older servers.
   */
  cost_explorer?: {
    usd: number | null;
    /** The end (exclusive) of the period asked, a date. */
    as_of: string | null;
    /** How late the tag's costs may appear, at most. */
    lag_hours: number;
    error: string | null;
  } | null;
}
