"""The idle checker: the check loop and the shutdown sequence (settings: settings.py).

No tornado import. Everything it talks to (the server's kernels and terminals, the save
coordinator, the shutdown action, the clock) is injected, so tests drive it directly.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from traitlets import observe

from ..aws import AwsError
from .actions import ShutdownAction, ShutdownError
from .activity import (
    BUSY_STATES,
    ActivityTracker,
    Clock,
    IdleDecision,
    IdlePolicy,
    IdleState,
    IdleWatch,
    KernelInfo,
    ProcessInfo,
    TerminalInfo,
    next_check_delay,
    utcnow,
)
from .config import IdleShutdown as IdleShutdownConfig
from .events import SCHEDULE_WAIT_NOTICE, idle_event
from .fleet_notice import FleetNotice
from .history import IdleHistory
from .saving import SaveCoordinator
from .schedule import ScheduledStop, ScheduleError
from .settings import POLICY_TRAITS, SETTINGS_TRAITS, USER_FIELDS, IdleSettings
from .store import SettingsStore
from .studio_activity import SOURCE as STUDIO_ACTIVITY_SOURCE
from .studio_activity import StudioActivityFile

if TYPE_CHECKING:
    from ..admin.policy_file import LoadedPolicy

log = logging.getLogger(__name__)

#: The longest pause between two tries of a failing shutdown action.
MAX_RETRY_SECONDS = 900.0
#: The activity source of the frontend's "Keep running" (src/idle/model.ts, keepRunning).
KEEP_RUNNING_SOURCE = "keep running"


class Signals(Protocol):
    async def kernels(self) -> list[KernelInfo]: ...

    def terminals(self) -> list[TerminalInfo]: ...

    def counts(self) -> tuple[int, int]: ...

    async def stop_all(self) -> tuple[int, int]: ...


class IdleShutdown(IdleShutdownConfig):
    """Shut the app down after a period without real activity (its traits: config.py)."""

    # -- fleet notice (issue 17 part 5): set by app.py; None in local mode ----------------
    fleet_notice: FleetNotice | None = None
    # -- end fleet notice --------------------------------------------------------------

    #: Built from `studio_activity_file` when first needed (see `_studio_activity`).
    _studio_file: StudioActivityFile | None = None

    def __init__(
        self,
        *,
        signals: Signals,
        store: SettingsStore,
        action_factory: Callable[[IdleShutdown], ShutdownAction],
        clock: Clock = utcnow,
        process_sampler: Callable[[], list[ProcessInfo]] | None = None,
        emit: Callable[[dict[str, Any]], None] | None = None,
        server_side_save: Callable[[float], Awaitable[tuple[list[str], list[dict[str, str]]]]]
        | None = None,
        policy: LoadedPolicy | None = None,
        history: IdleHistory | None = None,
        schedule: ScheduledStop | None = None,
        **kwargs: Any,
    ) -> None:
        # Trait observers may fire while the config loads, so this must exist first.
        self._wake = asyncio.Event()
        super().__init__(**kwargs)
        self.policy_file = policy
        sources, config_choice = self._apply_policy(policy)
        self._clock = clock
        self._signals = signals
        self._store = store
        # Built once the traits are loaded: the action depends on `action` and the environment.
        self._action = action_factory(self)
        self._effective_action = self._action.name
        #: The user's own history of warnings, postponements and shutdowns (GET history).
        self.history = history or IdleHistory(
            store.directory, clock=clock, limit=self.history_entries, log=self.log
        )
        self._sample_processes = process_sampler
        self._emit_event = emit
        self._server_side_save = server_side_save
        # Changes with every settings change, and with every server start.
        self._config_epoch = f"{int(time.time() * 1000):x}"
        self._config_changes = 0
        self.tracker = ActivityTracker(clock)
        self.saver = SaveCoordinator(clock)
        self.sources = sources
        #: Values and sources of other parts of the policy (the prices), for GET config.
        self.extra_sources: dict[str, str] = {}
        self.extra_values: dict[str, Any] = {}
        self.settings = IdleSettings(
            self, store, self.log, sources=sources, config_choice=config_choice
        )
        self._watch = IdleWatch()
        #: The last check that raised, and when (shown in the status; None once one passes).
        self.check_error: str | None = None
        self._phase: str | None = None  # shutting-down | shut-down | error
        self._error: str | None = None
        self._notice: str | None = None
        self._postponed_at: datetime | None = None
        self._result: str | None = None
        #: When the action last succeeded (cleared when the idle clock starts again).
        self._stopped_at: datetime | None = None
        self._attempts = 0
        self._retry_at: datetime | None = None
        self._shutdown_started: datetime | None = None
        #: What the shutdown in progress saved, did not save, and the idle time it began at.
        self._shutdown_saved: tuple[list[str], list[dict[str, str]], float] = ([], [], 0.0)
        self._last_check: datetime | None = None
        self._last_state: str | None = None
        self._logged_error: str | None = None
        self._task: asyncio.Task[None] | None = None
        self.last_tick_seconds = 0.0
        # -- schedule (c.Schedule, schedule.py) --
        #: The scheduled stop (None: no schedule support, as in older tests).
        self.scheduled = schedule
        #: Busy kernels at the last check: a scheduled stop waits for them.
        self._busy_kernels = 0
        #: Whether the shutdown in progress is the scheduled stop (history reason).
        self._by_schedule = False
        # -- end schedule --

    # -- the admin's policy ------------------------------------------------------------

    def _apply_policy(self, policy: LoadedPolicy | None) -> tuple[dict[str, str], dict[str, float]]:
        """Give the policy's values precedence over traitlets config; returns each governed
        value's source, and the user-choosable values config gave (see IdleSettings)."""
        sources: dict[str, str] = {}
        choice: dict[str, float] = {}
        for name in POLICY_TRAITS:
            configured = name in self.configured
            if policy is None or not policy.present:
                sources[name] = "config" if configured else "default"
                continue
            if configured:
                value = getattr(self, name)
                if name in USER_FIELDS and value is not None:
                    choice[name] = value
                else:
                    self.log.warning(
                        "jupyter-smcost: ignoring c.IdleShutdown.%s = %r from config: the "
                        "admin's policy %s governs it",
                        name,
                        value,
                        policy.path,
                    )
            if name in policy.idle:
                setattr(self, name, policy.idle[name])
                sources[name] = "policy"
            else:
                setattr(self, name, self.trait_defaults(name))
                sources[name] = "default"
        if choice and not self.allow_user_override:
            self.log.warning(
                "jupyter-smcost: ignoring %s from config: the admin's policy %s does not let "
                "users choose",
                ", ".join(f"c.IdleShutdown.{n}" for n in sorted(choice)),
                policy.path if policy else "",
            )
        return sources, choice

    def describe_sources(self) -> str:
        """The start-up log's account of the policy in force and where each part came from."""
        settings = self.settings
        where = self.policy_file.path if self.policy_file and self.policy_file.present else ""

        def src(name: str) -> str:
            source = settings.source(name)
            return f"{source} {where}" if source == "policy" else source

        budget = settings.max_idle_usd
        return (
            f"timeout {settings.timeout_minutes:g} min from {src('timeout_minutes')}, "
            f"users may choose {settings.min_timeout_minutes:g}-"
            f"{settings.max_timeout_minutes:g} min (from {src('min_timeout_minutes')}/"
            f"{src('max_timeout_minutes')}), user override "
            f"{'on' if settings.allow_user_override else 'off'} from "
            f"{src('allow_user_override')}, warning {settings.warning_minutes:g} min (at least "
            f"{settings.min_warning_minutes:g} from {src('min_warning_minutes')}), idle "
            f"budget {'none' if budget is None else f'${budget:g}'} from {src('max_idle_usd')}, "
            f"action {self._action.describe()} from {src('action')}"
        )

    # -- events ------------------------------------------------------------------------

    def _emit(self, kind: str) -> None:
        """Tell open tabs at once; a failing event must never break the checker."""
        if self._emit_event is None:
            return
        try:
            self._emit_event(idle_event(kind, self.status_json()))
        except Exception as err:
            self.log.warning("jupyter-smcost: cannot emit a %s event: %r", kind, err)

    @property
    def config_version(self) -> str:
        return f"{self._config_epoch}-{self._config_changes}"

    def _bump_config_version(self) -> None:
        self._config_changes += 1
        self._emit("config")
        self.wake()

    # -- settings (the logic lives in IdleSettings) -------------------------------------

    @property
    def policy(self) -> IdlePolicy:
        return self.settings.policy

    @property
    def limit(self) -> str:
        return self.settings.limit

    @property
    def budget_seconds(self) -> float | None:
        return self.settings.budget_seconds

    @property
    def effective_timeout_minutes(self) -> float:
        return self.settings.timeout_minutes

    @property
    def effective_max_idle_usd(self) -> float | None:
        return self.settings.max_idle_usd

    def set_hourly_rate(self, usd_per_hour: float | None) -> None:
        """The app's price, once known; changes the deadline when an idle budget is set."""
        if self.settings.set_hourly_rate(usd_per_hour):
            self._bump_config_version()

    def set_budget_timeout(self, minutes: float | None) -> None:
        """Over the month's budget: the timeout in force is at most `minutes` (None: back to
        the chosen one)."""
        was = self.settings.tightened
        if self.settings.set_over_budget(minutes):
            self.log.info(
                "jupyter-smcost: %s: the idle timeout in force is %g min",
                "over the monthly budget" if self.settings.tightened else "monthly budget",
                self.settings.timeout_minutes,
            )
            self._bump_config_version()
        elif was != self.settings.tightened:
            self.wake()

    def config_json(self) -> dict[str, Any]:
        settings = self.settings.config_json()
        return {
            **settings,
            "check_interval_seconds": self.check_interval_seconds,
            "config_version": self.config_version,
            "cpu_threshold_percent": self.cpu_threshold_percent,
            "action": self.action,
            "effective_action": self._effective_action,
            "sources": {
                **settings["sources"],
                "action": self.settings.source("action"),
                "cpu_threshold_percent": self.settings.source("cpu_threshold_percent"),
                **self.extra_sources,
            },
            **self.extra_values,
            "policy": self.policy_file.to_json() if self.policy_file else None,
        }

    def update_user_settings(self, body: Any) -> dict[str, Any]:
        """Validate, clamp and persist a user's change; raises SettingsError."""
        clamped, messages = self.settings.update(body)
        budget = self.settings.max_idle_usd
        self.log.info(
            "jupyter-smcost: idle timeout set to %g min (warning %g min, idle budget %s) "
            "by the user",
            self.settings.timeout_minutes,
            self.settings.warning_minutes,
            "none" if budget is None else f"${budget:g}",
        )
        self._bump_config_version()
        result = self.config_json()
        result["clamped"] = clamped
        if isinstance(body, dict) and "max_idle_usd" in body:
            messages.append("No idle budget." if budget is None else f"Idle budget: ${budget:g}.")
        result["message"] = " ".join(messages) or (
            f"Idle timeout: {self.settings.timeout_minutes:g} min."
        )
        return result

    @observe("history_entries")
    def _history_entries_changed(self, change: Any) -> None:
        if hasattr(self, "history"):
            self.history.limit = change["new"]

    @observe(*SETTINGS_TRAITS, "check_interval_seconds")
    def _settings_changed(self, change: Any) -> None:
        # Admin traits change at run time only through config reloads; treat them like a PUT.
        if hasattr(self, "settings"):
            self.settings.invalidate()
        if hasattr(self, "_config_changes"):
            self._bump_config_version()
        else:
            self.wake()

    # -- activity ----------------------------------------------------------------------

    def record_activity(self, source: str) -> None:
        """Real interaction reported by a frontend (or "keep running")."""
        if source == KEEP_RUNNING_SOURCE:
            decision, by_schedule = self._decide(self._clock())
            self._remember("keep-running", decision.idle_seconds)
            if (
                by_schedule
                and self.scheduled is not None
                and decision.state is not (IdleState.ACTIVE)
            ):
                # schedule: Keep running in a scheduled warning postpones today's stop
                # by one idle timeout (an hour when the idle shutdown is off).
                timeout = self.policy.timeout_seconds if self.policy.enabled else 3600.0
                self.scheduled.keep_running(self._clock(), timeout)
            if self.fleet_notice is not None:  # fleet notice: the next fleet run spares it
                self.fleet_notice.keep_running()
        self.tracker.record(source[:200] or "ui")
        studio = self._studio_activity()
        if studio is not None:
            # Tell Studio's own idle shutdown too; rate-limited, never raises.
            studio.write(self.tracker.last.at)
        self._rearm_if_active()
        # Tell every tab now (e.g. close their warnings), not at the next check.
        self._note_state(self.decision())
        self.wake()

    def _studio_activity(self) -> StudioActivityFile | None:
        path = self.studio_activity_file
        if not path:
            return None
        if self._studio_file is None or self._studio_file.path != path:
            self._studio_file = StudioActivityFile(path, self._clock, self.log)
        return self._studio_file

    def _rearm_if_active(self) -> None:
        """Activity after a shutdown began cancels it, and clears its error."""
        started = self._shutdown_started
        if started is not None and self.tracker.last.at > started:
            if self._phase in ("shut-down", "error"):
                self.log.info(
                    "jupyter-smcost: activity (%s) after the shutdown; the idle clock starts again",
                    self.tracker.last.source,
                )
                self._phase = None
            self._error = self._result = None
            self._stopped_at = None
            self._attempts = 0
            self._retry_at = None
            self._shutdown_started = None
        postponed = self._postponed_at
        if postponed is not None and self.tracker.last.at > postponed:
            # Activity since the postponement: its notice has served its purpose.
            self._notice = self._postponed_at = None

    # -- status ------------------------------------------------------------------------

    def decision(self, now: datetime | None = None) -> IdleDecision:
        return self._decide(now or self._clock())[0]

    # -- schedule (c.Schedule, schedule.py) --

    def _decide(self, now: datetime) -> tuple[IdleDecision, bool]:
        """The idle decision, or the scheduled stop's when that comes first; and whether
        it is the schedule's. A busy kernel holds a due scheduled stop in its warning."""
        decision = self._watch.decide(self.policy, self.tracker.last, now)
        pending = (
            None
            if self.scheduled is None
            else self.scheduled.pending(now, self.policy.warning_seconds)
        )
        if pending is None or (
            decision.deadline is not None and decision.deadline <= pending.deadline
        ):
            return decision, False
        if now >= pending.deadline:
            state = IdleState.EXPIRED
        elif now >= pending.warn_at and pending.warn_at < pending.deadline:
            state = IdleState.WARNING
        else:
            state = IdleState.ACTIVE
        return replace(
            decision, state=state, deadline=pending.deadline, warn_at=pending.warn_at
        ), True

    def _schedule_waits(self) -> bool:
        """A due scheduled stop waits while a kernel is busy, unless the user consented."""
        assert self.scheduled is not None
        return self._busy_kernels > 0 and not self.scheduled.consent

    def schedule_json(self) -> dict[str, Any]:
        if self.scheduled is None:
            raise ScheduleError("schedules are not available")
        return self.scheduled.to_json(self._clock())

    def update_schedule(self, body: Any) -> dict[str, Any]:
        """PUT schedule: ScheduleForbidden (403) or ScheduleError (400) on refusal."""
        if self.scheduled is None:
            raise ScheduleError("schedules are not available")
        self.scheduled.update(body, self._clock())
        self._note_state(self.decision())
        self.wake()
        return self.schedule_json()

    def _schedule_postpone(self, seconds: float) -> None:
        """A scheduled stop that was cancelled (activity, unsaved documents) moves on by
        `seconds`, so it warns again instead of starting over at once."""
        if self._by_schedule and self.scheduled is not None:
            self.scheduled.keep_running(self._clock(), seconds)

    # -- end schedule --

    def status_json(self) -> dict[str, Any]:
        now = self._clock()
        policy = self.policy
        decision, by_schedule = self._decide(now)  # schedule: which deadline is first
        state = self._phase or decision.state.value
        # schedule: a due stop that waits for busy kernels, said while (and only while) it does
        waiting = decision.state is IdleState.EXPIRED and by_schedule and self._schedule_waits()
        if state == IdleState.EXPIRED.value:
            state = "shutting-down"  # the checker wakes at the deadline and starts it
            if waiting:
                state = IdleState.WARNING.value
        remaining = decision.seconds_until_shutdown(now)
        request = self.saver.current
        return {
            "state": state,
            "idle_seconds": round(decision.idle_seconds, 3),
            "timeout_seconds": policy.timeout_seconds,
            "warning_seconds": policy.warning_seconds,
            "seconds_until_shutdown": None if remaining is None else round(remaining, 3),
            "last_activity": decision.last_activity.at.isoformat(),
            "last_activity_source": decision.last_activity.source,
            "action": self._effective_action,
            "action_description": self._action.describe(),
            "dry_run": self._action.dry_run,
            "error": self._error
            or self._notice
            or (
                f"{SCHEDULE_WAIT_NOTICE}{self._busy_kernels} busy kernel(s); stop now to end them"
                if waiting
                else None
            ),
            "result": self._result,
            "stopped_at": self._stopped_at.isoformat() if self._stopped_at else None,
            "retry_at": self._retry_at.isoformat() if self._retry_at else None,
            "checker_running": self.running,
            "check_error": self.check_error,
            "last_check": self._last_check.isoformat() if self._last_check else None,
            "save_request": request.to_json() if request else None,
            "deadline": decision.deadline.isoformat() if decision.deadline else None,
            "config_version": self.config_version,
            "limit": "schedule" if by_schedule else self.limit,
            "max_idle_usd": self.effective_max_idle_usd,
            "budget_seconds": None
            if self.budget_seconds is None
            else round(self.budget_seconds, 3),
            # -- schedule --
            "schedule": None if self.scheduled is None else self.scheduled.status_json(now),
            "schedule_waiting_for_busy": waiting,
            # -- end schedule --
            # -- fleet notice (issue 17 part 5) --
            "fleet_stop_after": self.fleet_notice.stop_after if self.fleet_notice else None,
            "fleet_error": self.fleet_notice.error if self.fleet_notice else None,
            # -- end fleet notice --
        }

    # -- the check loop ----------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start checking; called by the server once its event loop runs (no browser needed)."""
        if not self.running:
            self._task = asyncio.create_task(self._loop(), name="jupyter-smcost-idle")

    async def stop(self, timeout: float = 5.0) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        try:
            await asyncio.wait_for(task, timeout)
        except (asyncio.CancelledError, asyncio.TimeoutError):
            pass

    def wake(self) -> None:
        self._wake.set()

    def next_delay(self) -> float:
        """Seconds to the next check; the regular interval if the decision cannot be made."""
        try:
            return self._next_delay()
        except Exception:  # noqa: BLE001 - the loop must go on; check() reports the cause
            return max(self.check_interval_seconds, 1.0)

    def _next_delay(self) -> float:
        now = self._clock()
        delay = next_check_delay(self.decision(), now, self.check_interval_seconds)
        if self._phase == "error" and self._retry_at is not None:
            delay = min(delay, max((self._retry_at - now).total_seconds(), 0.01))
        return delay

    async def _loop(self) -> None:
        self.log.info("jupyter-smcost: idle checker started (%s)", self.describe_sources())
        while True:
            try:
                await self.check()
                self.check_error = None
            except asyncio.CancelledError:
                raise
            except Exception as err:  # never let one bad tick stop the checker
                self.check_error = f"the idle check failed at {self._clock().isoformat()}: {err!r}"
                self._log_error_once(f"idle check failed: {err!r}", exc_info=True)
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), self.next_delay())
            except asyncio.TimeoutError:
                pass

    async def observe_signals(self) -> None:
        """Fold the current signals into the idle clock."""
        started = self._clock()
        kernels = await self._signals.kernels()
        self._busy_kernels = sum(1 for k in kernels if k.execution_state in BUSY_STATES)
        self.tracker.observe_kernels(kernels)
        self.tracker.observe_terminals(self._signals.terminals())
        studio = self._studio_activity()
        if studio is not None:
            # Another tool's newer timestamp (ours is ignored); the tracker clamps the future.
            written = studio.poll()
            if written is not None:
                self.tracker.record(STUDIO_ACTIVITY_SOURCE, written)
        if self._sample_processes is not None and self.cpu_threshold_percent > 0:
            loop = asyncio.get_running_loop()
            processes = await loop.run_in_executor(None, self._sample_processes)
            self.tracker.observe_processes(processes, self.cpu_threshold_percent)
        self._last_check = self._clock()
        self.last_tick_seconds = (self._last_check - started).total_seconds()

    async def check(self) -> None:
        """One tick: observe, decide, and act when the timeout has passed."""
        await self.observe_signals()
        self._rearm_if_active()
        decision, by_schedule = self._decide(self._clock())
        self._note_state(decision)
        if by_schedule and decision.state is IdleState.EXPIRED and self._schedule_waits():
            pass  # waits for the busy kernels or the user's Stop now; status_json says so
        elif decision.state is IdleState.EXPIRED and self._phase is None:
            self._by_schedule = by_schedule
            try:
                await self.shutdown(decision)
            except Exception as err:
                # Never stay stuck in "shutting-down": show it and retry the action later.
                self._fail(f"shutdown failed: {err!r}", exc_info=True)
        elif self._phase == "error" and self._retry_at and self._clock() >= self._retry_at:
            await self._run_action()

    def _note_state(self, decision: IdleDecision) -> None:
        state = self._phase or decision.state.value
        if state == self._last_state:
            return
        self._last_state = state
        if state == IdleState.WARNING.value:
            # Once per warning episode: the state changes to warning once for each.
            self._remember("warning", decision.idle_seconds)
            self.log.info(
                "jupyter-smcost: idle for %.0f s; shutting down in %.0f s unless there is activity",
                decision.idle_seconds,
                decision.seconds_until_shutdown(self._clock()) or 0,
            )
        self._emit("state")

    async def shutdown(self, decision: IdleDecision) -> None:
        """Save, stop kernels and terminals, then run the action."""
        started = self._clock()
        self._phase = "shutting-down"
        self._shutdown_started = started
        self._stopped_at = None
        self._error = self._notice = self._postponed_at = None
        self._shutdown_saved = ([], [], decision.idle_seconds)
        self.log.info(
            "jupyter-smcost: idle for %.0f s (last activity: %s); shutting down",
            decision.idle_seconds,
            decision.last_activity.source,
        )
        self._emit("state")
        kernels, terminals = self._signals.counts()
        if self._action.dry_run:
            self.log.info(
                "jupyter-smcost: dry-run: would ask %d open tab(s) to save, stop %d kernel(s) "
                "and %d terminal(s)",
                len(self.saver.recent_clients()),
                kernels,
                terminals,
            )
        else:
            outcome = await self.saver.request_save(
                self.save_timeout_seconds, on_request=lambda: self._emit("save-request")
            )
            if self.tracker.last.at > started:
                self.log.info(
                    "jupyter-smcost: shutdown cancelled by activity (%s)", self.tracker.last.source
                )
                self._phase = None
                self._schedule_postpone(max(self.policy.warning_seconds, 60.0))
                self._rearm_if_active()
                return
            saved, failed = outcome.saved, outcome.failed
            if self._server_side_save is not None:
                more_saved, more_failed = await self._server_side_save(self.save_timeout_seconds)
                saved, failed = saved + more_saved, failed + more_failed
            if outcome.missing:
                self.log.warning(
                    "jupyter-smcost: %d tab(s) did not answer the save request in %g s",
                    len(outcome.missing),
                    self.save_timeout_seconds,
                )
            if failed and self.block_on_unsaved:
                self._postpone(failed, decision.idle_seconds)
                return
            self._shutdown_saved = (saved, failed, decision.idle_seconds)
            if failed:
                self.log.warning(
                    "jupyter-smcost: shutting down although these documents could not be saved "
                    "(block_on_unsaved is off): %s",
                    _describe_failures(failed),
                )
            if saved:
                self.log.info("jupyter-smcost: saved before shutdown: %s", ", ".join(saved))
            try:
                await self._signals.stop_all()
            except Exception as err:
                # The action ends them anyway; a stuck kernel must not keep the app alive.
                self.log.warning("jupyter-smcost: could not stop kernels/terminals: %r", err)
            else:
                self.log.info(
                    "jupyter-smcost: stopped %d kernel(s) and %d terminal(s)", kernels, terminals
                )
        await self._run_action()

    def _postpone(self, failed: list[dict[str, str]], idle_seconds: float) -> None:
        """A document could not be saved: keep the app for one more warning period."""
        period = max(self.policy.warning_seconds, 60.0)
        what = _describe_failures(failed)
        # Moving the last activity keeps the deadline logic in one place. The notice stays
        # until there is newer activity than the postponement (or the next shutdown).
        now = self._clock()
        at = now - timedelta(seconds=self.policy.timeout_seconds - period)
        self.tracker.record("shutdown postponed: unsaved documents", at=at)
        self._schedule_postpone(period)
        self._phase = None
        self._shutdown_started = None
        self._postponed_at = now
        self._notice = f"shutdown postponed by {period / 60:g} min: could not save {what}"
        self.log.warning("jupyter-smcost: %s", self._notice)
        self._remember("postponed", idle_seconds, unsaved=failed)
        self._emit("state")

    async def _run_action(self) -> None:
        try:
            result = await self._action.run()
        except (AwsError, ShutdownError) as err:
            self._fail(str(err))
            return
        except Exception as err:
            self._fail(f"{self._action.describe()} failed: {err!r}", exc_info=True)
            return
        self._phase = "shut-down"
        self._stopped_at = self._clock()
        if self._by_schedule and self.scheduled is not None:
            self.scheduled.handled(self._stopped_at)  # schedule: the next stop is pending
        self._error = None
        self._retry_at = None
        self._result = result
        self._logged_error = None
        self.log.info("jupyter-smcost: %s", result)
        saved, unsaved, idle_seconds = self._shutdown_saved
        self._remember(
            "shutdown",
            idle_seconds,
            saved=saved,
            unsaved=unsaved,
            action=result,
            dry_run=self._action.dry_run,
        )
        self._emit("state")

    def _remember(self, kind: str, idle_seconds: float, **details: Any) -> None:
        """Add to the user's history; the checker goes on whatever happens to it."""
        try:
            self.history.record(
                kind,
                idle_seconds=idle_seconds,
                rate_usd_per_hour=self.settings.usd_per_hour,
                **{"reason": self._reason(), **details},
            )
        except Exception as err:
            self.log.warning("jupyter-smcost: cannot record a %s in the history: %r", kind, err)

    # -- fleet notice (issue 17 part 5) --
    def record_fleet_stop(self) -> bool:
        """The server stops and this checker did not stop it, but the admin's fleet check's
        warning on this app has run out: the history names the stop `fleet-check` (the
        user coming back sees why, as after any other shutdown)."""
        if self._shutdown_started is not None:
            return False
        self._remember(
            "shutdown",
            self.decision().idle_seconds,
            action="the admin's fleet check",
            reason="fleet-check",
        )
        return True

    # -- end fleet notice --

    def _reason(self) -> str:
        """Why the idle time ends: the idle budget, the monthly budget's tighter timeout,
        or the timeout."""
        if self._by_schedule or (self.scheduled is not None and self._decide(self._clock())[1]):
            return "schedule"
        if self.limit == "budget":
            return "budget"
        return "monthly-budget" if self.settings.tightened else "timeout"

    def _fail(self, message: str, exc_info: bool = False) -> None:
        self._attempts += 1
        delay = min(self.retry_seconds * 2 ** (self._attempts - 1), MAX_RETRY_SECONDS)
        self._phase = "error"
        self._error = message
        self._retry_at = self._clock() + timedelta(seconds=delay)
        self._log_error_once(f"{message} (retrying every {delay:g} s at most)", exc_info)
        self._emit("state")

    def _log_error_once(self, message: str, exc_info: bool = False) -> None:
        # The first words identify the failure; the retry delay in the tail may change.
        key = message.split(" (retrying")[0]
        if key != self._logged_error:
            self._logged_error = key
            self.log.error("jupyter-smcost: %s", message, exc_info=exc_info)


def _describe_failures(failed: list[dict[str, str]]) -> str:
    return "; ".join(f"{f.get('path', '?')} ({f.get('error', 'unknown error')})" for f in failed)
