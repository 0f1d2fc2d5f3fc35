"""Nothing shuts an app down sooner than the admin allows, or without a warning first.

The property test drives the same objects the checker uses (IdleSettings for the values in
force, IdleWatch for the decision over time, next_check_delay for when it wakes) over
generated timelines of activity, user settings, budgets, prices and admin bounds.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_smcost.idle.activity import Activity, IdleState, IdleWatch, next_check_delay
from jupyter_smcost.idle.settings import IdleSettings
from tests.support.clock import T0, FakeClock
from tests.support.idle import make

LOG = logging.getLogger("test")
EXAMPLES = int(os.environ.get("SMCOST_PROPERTY_EXAMPLES", "10000"))


# --------------------------------------------------------------------------- reproductions


async def test_a_tiny_budget_cannot_go_under_the_admin_floor(tmp_path: Path) -> None:
    """PUT max_idle_usd 0.001 with min_timeout_minutes 5 gave a 2.56 s timeout and warning."""
    idle, clock, signals, _ = make(
        tmp_path, timeout_minutes=60, min_timeout_minutes=5, warning_minutes=5
    )
    idle.set_hourly_rate(1.408)
    for budget in (0.001, 1e-300):
        idle.update_user_settings({"max_idle_usd": budget})
        status = idle.status_json()
        assert status["limit"] == "budget"
        assert status["timeout_seconds"] == 300  # the floor, not 2.56 s (or 1 s)
        assert status["warning_seconds"] == 300
        assert status["budget_seconds"] == 300
    clock.advance(2.56)
    await idle.check()
    assert signals.events == []
    clock.advance(296.44)  # 299 s
    await idle.check()
    assert signals.events == []
    clock.advance(1)
    await idle.check()
    assert signals.events[-1] == "action"


async def test_a_shorter_timeout_mid_idle_warns_before_it_stops(tmp_path: Path) -> None:
    """Idle for 50 min, then the timeout drops to 10 min: a full warning first, not a stop."""
    idle, clock, signals, _ = make(tmp_path, timeout_minutes=60, warning_minutes=5)
    clock.advance(50 * 60)
    await idle.check()
    idle.update_user_settings({"timeout_minutes": 10})
    await idle.check()
    status = idle.status_json()
    assert status["state"] == "warning"
    assert status["seconds_until_shutdown"] == 300
    clock.advance(299)
    await idle.check()
    assert signals.events == []
    clock.advance(1)
    await idle.check()
    assert signals.events[-1] == "action"


async def test_a_price_that_arrives_late_warns_before_the_budget_stops(tmp_path: Path) -> None:
    idle, clock, signals, _ = make(tmp_path, timeout_minutes=0, max_idle_usd=1.0)
    clock.advance(3 * 3600)
    await idle.check()
    idle.set_hourly_rate(2.0)  # the budget bought 30 min: long gone
    await idle.check()
    assert idle.status_json()["state"] == "warning"
    assert signals.events == []


async def test_contradictory_admin_bounds_take_the_admins_own_timeout(tmp_path: Path) -> None:
    idle, *_ = make(tmp_path, timeout_minutes=2, min_timeout_minutes=5, warning_minutes=1)
    assert idle.config_json()["floor_minutes"] == 2
    assert idle.status_json()["timeout_seconds"] == 120


# --------------------------------------------------------------------------- the property


class MemoryStore:
    """The settings file, in memory (the property runs ten thousand timelines)."""

    path = Path("memory")

    def load(self, log: Any = None) -> dict[str, Any]:
        return {}

    def save(self, data: dict[str, Any]) -> None:
        return None


@dataclass
class Admin:
    timeout_minutes: float
    min_timeout_minutes: float
    max_timeout_minutes: float
    allow_user_override: bool
    warning_minutes: float
    min_warning_minutes: float
    max_idle_usd: float | None


minutes = st.floats(min_value=0, max_value=180, allow_nan=False)
admins = st.builds(
    Admin,
    timeout_minutes=minutes,
    min_timeout_minutes=st.floats(min_value=0, max_value=60),
    max_timeout_minutes=st.floats(min_value=0, max_value=1440),
    allow_user_override=st.booleans(),
    warning_minutes=st.floats(min_value=0, max_value=30),
    min_warning_minutes=st.sampled_from([0.0, 1.0]) | st.floats(min_value=0, max_value=10),
    max_idle_usd=st.none() | st.floats(min_value=0, max_value=50),
)
events = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=6 * 3600),  # when, seconds after the start
        st.one_of(
            st.tuples(st.just("activity"), st.none()),
            st.tuples(st.just("timeout_minutes"), st.none() | minutes),
            st.tuples(st.just("warning_minutes"), st.none() | st.floats(0, 60)),
            st.tuples(st.just("max_idle_usd"), st.none() | st.floats(0, 20)),
            st.tuples(st.just("price"), st.none() | st.floats(0.001, 100)),
        ),
    ),
    max_size=12,
)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@pytest.mark.slow
@given(admin=admins, timeline=events, interval=st.floats(min_value=1, max_value=300))
def test_no_shutdown_before_the_floor_or_without_the_warning(
    admin: Admin, timeline: list[Any], interval: float
) -> None:
    values = IdleSettings(admin, MemoryStore(), LOG)  # type: ignore[arg-type]
    watch = IdleWatch()
    clock = FakeClock()
    last = Activity(T0, "app start")
    warning_since = None  # when the checker first saw "warning" since the last activity
    run_since = None  # when the warning now shown (or the last one) was first seen
    told = None  # the deadline that warning showed last
    floor = values.floor_minutes * 60
    changed_at = T0
    pending = sorted(timeline, key=lambda e: e[0])
    horizon = T0 + timedelta(days=30)
    while True:
        now = clock()
        decision = watch.decide(values.policy, last, now)
        if decision.state is IdleState.WARNING and warning_since is None:
            warning_since = now
        if decision.state is IdleState.WARNING:
            # 4. A running warning is never shortened below what it showed.
            assert decision.deadline is not None
            assert told is None or decision.deadline >= told, (decision.deadline, told)
            run_since, told = run_since or now, decision.deadline
        elif decision.state is not IdleState.EXPIRED:
            run_since = told = None
        # 5. The warning in force is at least the admin's floor (capped at the timeout).
        policy = values.policy
        floor_warning = min(values.min_warning_minutes * 60, policy.timeout_seconds)
        assert policy.warning_seconds >= floor_warning - 1e-6
        if decision.state is IdleState.EXPIRED:
            idle = (now - last.at).total_seconds()
            policy = values.policy
            # 1. Never under the admin's floor.
            assert idle >= floor - 1e-6, (idle, floor)
            # 2. The warning came first, for its full length.
            needed = min(policy.warning_seconds, policy.timeout_seconds)
            if needed > 0:
                assert warning_since is not None and run_since is not None
                assert (now - warning_since).total_seconds() >= needed - 1e-6
                # ... the warning shown last ran for at least that long, to its deadline.
                assert (now - run_since).total_seconds() >= needed - 1e-6
                assert told is not None and now >= told
            # 3. Not missed: the checker acted at the deadline, within one interval (or at
            # once, when a change of settings or price put the deadline in the past).
            assert decision.deadline is not None
            assert (now - max(decision.deadline, changed_at)).total_seconds() <= interval
            return
        delay = next_check_delay(decision, now, interval)
        if pending and T0 + timedelta(seconds=pending[0][0]) <= now + timedelta(seconds=delay):
            at, (kind, value) = pending.pop(0)
            clock.now = max(now, T0 + timedelta(seconds=at))
            if kind == "activity":
                last, warning_since, run_since, told = Activity(clock.now, "ui"), None, None, None
            elif kind == "price":
                values.set_hourly_rate(value)
                changed_at = clock.now
            elif values.allow_user_override:
                values.update({kind: value})
                changed_at = clock.now
            continue
        if now >= horizon:
            # 3'. Nothing was missed: a deadline before the horizon was acted on above.
            assert decision.deadline is None or decision.deadline > now
            return
        # Between events the state changes only at the warning time and the deadline, which
        # next_check_delay wakes for; skip the regular wakes in between (they change nothing).
        moments = [m for m in (decision.warn_at, decision.deadline) if m is not None and m > now]
        if pending:
            moments.append(T0 + timedelta(seconds=pending[0][0]))
        clock.now = min([*moments, horizon])
