"""One idle clock from many activity signals, and the idle decision.

Pure logic: no tornado, no jupyter_server, no I/O. The clock is injected so the
decision can be tested over arbitrary timelines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from enum import Enum

Clock = Callable[[], datetime]

#: Kernel states that mean "a cell is running", however silent it is.
BUSY_STATES = frozenset({"busy"})


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: datetime) -> datetime:
    """Timezone-aware UTC. Naive values are taken as UTC: that is what jupyter_server
    and botocore mean by them, and comparing them with local time was a bug in older tools."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


@dataclass(frozen=True)
class Activity:
    at: datetime
    source: str


@dataclass(frozen=True)
class KernelInfo:
    kernel_id: str
    execution_state: str
    last_activity: datetime | None
    label: str


@dataclass(frozen=True)
class TerminalInfo:
    name: str
    last_activity: datetime | None


@dataclass(frozen=True)
class ProcessInfo:
    pid: int
    name: str
    cpu_percent: float


class ActivityTracker:
    """Folds every activity signal into the latest one.

    The app's own start is the first activity, so a new app gets the full timeout
    and an app nobody ever opens still times out.
    """

    def __init__(self, clock: Clock, started_at: datetime | None = None) -> None:
        self._clock = clock
        self._last = Activity(as_utc(started_at or clock()), "app start")
        #: The last time a kernel or a terminal worked: what may have launched a job or an
        #: endpoint (the resources listing looks again soon after it; the browser's
        #: heartbeat alone does not count).
        self.last_work: datetime | None = None

    def _worked(self, at: datetime) -> None:
        at = min(as_utc(at), self._clock())
        if self.last_work is None or at > self.last_work:
            self.last_work = at

    @property
    def last(self) -> Activity:
        return self._last

    def record(self, source: str, at: datetime | None = None) -> bool:
        """Count an activity; returns whether it moved the clock.

        A timestamp from the future (clock skew between processes) counts as now,
        so it cannot postpone the shutdown indefinitely.
        """
        now = self._clock()
        when = now if at is None else min(as_utc(at), now)
        if when > self._last.at:
            self._last = Activity(when, source)
            return True
        return False

    def observe_kernels(self, kernels: Iterable[KernelInfo]) -> None:
        now = self._clock()
        for kernel in kernels:
            if kernel.execution_state in BUSY_STATES:
                self.record(f"kernel busy: {kernel.label}", now)
                self._worked(now)
            elif kernel.last_activity is not None:
                # Includes kernels stuck in `starting`: their last activity does not move,
                # so they cannot block the shutdown.
                self.record(f"kernel: {kernel.label}", kernel.last_activity)
                self._worked(kernel.last_activity)

    def observe_terminals(self, terminals: Iterable[TerminalInfo]) -> None:
        for terminal in terminals:
            if terminal.last_activity is not None:
                self.record(f"terminal {terminal.name}", terminal.last_activity)
                self._worked(terminal.last_activity)

    def observe_processes(self, processes: Iterable[ProcessInfo], threshold_percent: float) -> None:
        if threshold_percent <= 0:
            return
        now = self._clock()
        for proc in processes:
            if proc.cpu_percent >= threshold_percent:
                self.record(
                    f"process {proc.name} (pid {proc.pid}, {proc.cpu_percent:.0f}% CPU)", now
                )


class IdleState(str, Enum):
    DISABLED = "disabled"
    ACTIVE = "active"
    WARNING = "warning"
    EXPIRED = "expired"


@dataclass(frozen=True)
class IdlePolicy:
    timeout_seconds: float
    warning_seconds: float

    @property
    def enabled(self) -> bool:
        return self.timeout_seconds > 0


@dataclass(frozen=True)
class IdleDecision:
    state: IdleState
    idle_seconds: float
    last_activity: Activity
    deadline: datetime | None
    warn_at: datetime | None

    def seconds_until_shutdown(self, now: datetime) -> float | None:
        if self.deadline is None:
            return None
        return max(0.0, (self.deadline - now).total_seconds())


def decide(
    policy: IdlePolicy, last: Activity, now: datetime, warned_at: datetime | None = None
) -> IdleDecision:
    """Where the idle clock stands at `now`.

    `warned_at`, when given, is when the warning for this idle period was (or is being)
    first given: the shutdown never comes before a full warning period after it. Without
    it, the warning is taken to have been given on time.
    """
    idle = max(0.0, (now - last.at).total_seconds())
    if not policy.enabled:
        return IdleDecision(IdleState.DISABLED, idle, last, None, None)
    deadline = last.at + timedelta(seconds=policy.timeout_seconds)
    warning = min(max(policy.warning_seconds, 0.0), policy.timeout_seconds)
    warn_at = deadline - timedelta(seconds=warning)
    if warned_at is not None and warning > 0 and now >= warn_at and warned_at >= last.at:
        warn_at = max(warn_at, warned_at)
        deadline = max(deadline, warned_at + timedelta(seconds=warning))
    if now >= deadline:
        state = IdleState.EXPIRED
    elif now >= warn_at and warning > 0:
        state = IdleState.WARNING
    else:
        state = IdleState.ACTIVE
    return IdleDecision(state, idle, last, deadline, warn_at)


class IdleWatch:
    """The idle decision over time. It remembers when the warning was first given, so that
    a change of timeout, budget or price that moves the deadline into the past turns into a
    warning first, never an immediate shutdown; and the deadline that warning showed, so
    that no later change (a shorter warning, timeout or budget) brings the shutdown sooner
    than the user was told."""

    def __init__(self) -> None:
        self.warned_at: datetime | None = None
        #: The deadline shown by the warning of this idle period (the latest, if it moved).
        self.told: datetime | None = None

    def decide(self, policy: IdlePolicy, last: Activity, now: datetime) -> IdleDecision:
        given, told = self.warned_at, self.told
        if given is not None and given < last.at:
            given = told = None  # activity since: that warning is over
        # Not given yet: if the decision is "warning" now, the warning starts now.
        decision = decide(policy, last, now, given or now)
        if (
            given is not None
            and told is not None
            and decision.deadline is not None
            and decision.deadline <= told
        ):
            # A change shortened a running warning (or ended it, warning_minutes 0): the
            # shutdown stays where the warning said, and the warning stays up until then.
            state = IdleState.WARNING if now < told else IdleState.EXPIRED
            decision = replace(decision, state=state, deadline=told, warn_at=given)
        if decision.state is IdleState.WARNING:
            self.warned_at, self.told = given or now, decision.deadline
        elif decision.state is not IdleState.EXPIRED:
            # Disabled, or the deadline moved beyond the warning: the next one starts afresh.
            self.warned_at = self.told = None
        return decision


def next_check_delay(decision: IdleDecision, now: datetime, interval_seconds: float) -> float:
    """Seconds until the checker should look again.

    Besides the regular interval, the checker wakes exactly at the warning time and
    at the deadline, so how late a shutdown happens does not depend on the interval.
    """
    delay = max(interval_seconds, 0.05)
    for moment in (decision.warn_at, decision.deadline):
        if moment is not None and moment > now:
            delay = min(delay, (moment - now).total_seconds())
    return max(delay, 0.01)
