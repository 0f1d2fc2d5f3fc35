import { IdleState, IIdleStatus } from './api';

/**
 * The idle status as it stands now, extrapolated from the last one fetched.
 *
 * The server is asked every ~10 s; in between, the clock keeps running, so the
 * display can tick every second without a request.
 */
export interface IIdleView {
  /** The state to show; may run ahead of the server (see `extrapolate`). */
  state: IdleState;
  /** Seconds since the last activity. */
  idleSeconds: number;
  /** Seconds left before the shutdown, or `null` when nothing counts down. */
  secondsLeft: number | null;
  /** The last status received from the server. */
  idle: IIdleStatus;
}

/**
 * Extrapolate an idle status `elapsedSeconds` after it was fetched.
 *
 * Only the counting states (`active`, `warning`) move: an `active` status
 * whose countdown reached the warning window shows as `warning`, and one whose
 * countdown reached zero shows as `shutting-down` until the server says more.
 *
 * @param idle - The status received from the server.
 * @param elapsedSeconds - Seconds since it was received; negative values (a
 *   clock that went back) count as zero.
 */
export function extrapolate(
  idle: IIdleStatus,
  elapsedSeconds: number
): IIdleView {
  const elapsed = Math.max(0, elapsedSeconds);
  const counting = idle.state === 'active' || idle.state === 'warning';
  if (!counting || idle.seconds_until_shutdown === null) {
    return {
      state: idle.state,
      // Idle time grows in every state; only the countdown stops.
      idleSeconds: idle.idle_seconds + elapsed,
      secondsLeft: null,
      idle
    };
  }
  const secondsLeft = Math.max(0, idle.seconds_until_shutdown - elapsed);
  let state: IdleState = idle.state;
  if (secondsLeft <= 0) {
    // A due scheduled stop that waits for busy kernels stays in its warning
    // until they finish or the user says "Stop now".
    state =
      idle.schedule_waiting_for_busy === true ? 'warning' : 'shutting-down';
  } else if (secondsLeft <= idle.warning_seconds) {
    state = 'warning';
  }
  return {
    state,
    idleSeconds: idle.idle_seconds + elapsed,
    secondsLeft,
    idle
  };
}
