"""The idle clock and decision, over explicit and random timelines (fake clock)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from jupyter_smcost.idle.activity import (
    ActivityTracker,
    IdlePolicy,
    IdleState,
    KernelInfo,
    ProcessInfo,
    TerminalInfo,
    as_utc,
    decide,
    next_check_delay,
)
from tests.support.clock import T0, FakeClock


def test_app_start_is_the_first_activity() -> None:
    clock = FakeClock()
    tracker = ActivityTracker(clock)
    assert tracker.last.at == T0
    assert tracker.last.source == "app start"
    policy = IdlePolicy(timeout_seconds=600, warning_seconds=60)
    clock.advance(539)
    assert decide(policy, tracker.last, clock()).state is IdleState.ACTIVE
    clock.advance(1)
    assert decide(policy, tracker.last, clock()).state is IdleState.WARNING
    clock.advance(60)
    decision = decide(policy, tracker.last, clock())
    assert decision.state is IdleState.EXPIRED
    assert decision.idle_seconds == 600


def test_busy_kernel_counts_however_silent_and_starting_does_not() -> None:
    clock = FakeClock()
    tracker = ActivityTracker(clock)
    long_ago = T0 - timedelta(hours=5)
    clock.advance(3600)
    tracker.observe_kernels([KernelInfo("k1", "starting", long_ago, "stuck.ipynb")])
    assert tracker.last.source == "app start"
    tracker.observe_kernels([KernelInfo("k2", "busy", long_ago, "train.ipynb")])
    assert tracker.last.at == clock()
    assert tracker.last.source == "kernel busy: train.ipynb"


def test_kernel_and_terminal_timestamps_naive_are_utc() -> None:
    clock = FakeClock()
    tracker = ActivityTracker(clock)
    clock.advance(100)
    naive = (T0 + timedelta(seconds=50)).replace(tzinfo=None)
    tracker.observe_terminals([TerminalInfo("1", naive)])
    assert tracker.last.at == T0 + timedelta(seconds=50)
    assert tracker.last.source == "terminal 1"
    local = (T0 + timedelta(seconds=70)).astimezone(timezone(timedelta(hours=-8)))
    tracker.observe_kernels([KernelInfo("k", "idle", local, "a.ipynb")])
    assert tracker.last.at == T0 + timedelta(seconds=70)
    assert as_utc(local).tzinfo is timezone.utc


def test_future_timestamps_count_as_now() -> None:
    clock = FakeClock()
    tracker = ActivityTracker(clock)
    tracker.record("skewed", T0 + timedelta(days=1))
    assert tracker.last.at == T0


def test_processes_above_threshold_only() -> None:
    clock = FakeClock()
    tracker = ActivityTracker(clock)
    clock.advance(10)
    tracker.observe_processes([ProcessInfo(5, "python", 3.0)], threshold_percent=10)
    assert tracker.last.source == "app start"
    tracker.observe_processes([ProcessInfo(5, "python", 3.0)], threshold_percent=0)
    assert tracker.last.source == "app start"
    tracker.observe_processes([ProcessInfo(6, "train", 95.0)], threshold_percent=10)
    assert tracker.last.source.startswith("process train (pid 6")


def test_disabled_never_expires() -> None:
    decision = decide(IdlePolicy(0, 300), ActivityTracker(FakeClock()).last, T0 + timedelta(days=9))
    assert decision.state is IdleState.DISABLED
    assert decision.deadline is None


def test_checker_wakes_at_warning_and_deadline() -> None:
    tracker = ActivityTracker(FakeClock())
    policy = IdlePolicy(timeout_seconds=100, warning_seconds=20)
    decision = decide(policy, tracker.last, T0 + timedelta(seconds=70))
    assert next_check_delay(decision, T0 + timedelta(seconds=70), 30) == 10
    decision = decide(policy, tracker.last, T0 + timedelta(seconds=90))
    assert next_check_delay(decision, T0 + timedelta(seconds=90), 30) == 10


# -- property tests over random activity timelines ---------------------------------------


# Whole milliseconds: datetimes keep microseconds, so float seconds would be rounded.
@settings(max_examples=300, deadline=None)
@given(
    activities=st.lists(st.integers(min_value=1, max_value=5_000_000), max_size=30),
    checks=st.lists(st.integers(min_value=0, max_value=6_000_000), min_size=1),
    timeout=st.integers(min_value=1_000, max_value=2_000_000),
    warning=st.integers(min_value=0, max_value=500_000),
)
def test_never_shuts_down_within_the_timeout_of_an_activity(
    activities: list[int], checks: list[int], timeout: int, warning: int
) -> None:
    clock = FakeClock()
    tracker = ActivityTracker(clock)
    policy = IdlePolicy(timeout / 1000, warning / 1000)
    pending = sorted(activities)
    for at in sorted(checks):
        clock.now = T0 + timedelta(milliseconds=at)
        while pending and pending[0] <= at:
            tracker.record("ui", T0 + timedelta(milliseconds=pending.pop(0)))
        seen = [0] + [a for a in activities if a <= at]
        recent = any(at - a < timeout for a in seen)
        state = decide(policy, tracker.last, clock()).state
        if recent:
            assert state is not IdleState.EXPIRED
        else:
            assert state is IdleState.EXPIRED


ms_timelines = st.lists(st.integers(min_value=1, max_value=5_000_000), max_size=30)


@settings(max_examples=300, deadline=None)
@given(
    activities=ms_timelines,
    timeout=st.integers(min_value=1_000, max_value=2_000_000),
    interval=st.integers(min_value=500, max_value=300_000),
    warning=st.integers(min_value=0, max_value=500_000),
)
def test_always_shuts_down_within_one_interval_after_the_timeout(
    activities: list[int], timeout: int, interval: int, warning: int
) -> None:
    def at(ms: int) -> datetime:
        return T0 + timedelta(milliseconds=ms)

    # The moment the timeout truly passes: the first activity followed by a quiet gap.
    times = [0] + sorted(activities)
    gaps = zip(times, times[1:] + [10**12], strict=True)
    due = at(next(a + timeout for a, b in gaps if b > a + timeout))

    clock = FakeClock()
    tracker = ActivityTracker(clock)
    policy = IdlePolicy(timeout / 1000, warning / 1000)
    pending = sorted(activities)
    for _ in range(100_000):
        while pending and at(pending[0]) <= clock.now:
            tracker.record("ui", at(pending.pop(0)))
        decision = decide(policy, tracker.last, clock())
        if decision.state is IdleState.EXPIRED:
            break
        clock.advance(next_check_delay(decision, clock(), interval / 1000))
    else:
        raise AssertionError("the checker never shut down")
    assert clock.now >= due
    assert (clock.now - due).total_seconds() <= interval / 1000
