"""After the idle shutdown stopped the app, its cost stops too (a dry run's keeps going)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from jupyter_smcost.cost.app_cost import IdleFigures, environment_cost
from tests.support.clock import T0
from tests.support.cost import SPACE, known
from tests.support.idle import make, pass_deadline

STOP = T0 + timedelta(hours=2)


def cost_at(
    now_hours: float, stopped: bool = True, idle: IdleFigures | None = None
) -> dict[str, Any]:
    """The cost of a $1.41/h app started at T0, its user last active at 1 h (unless `idle`
    says otherwise), stopped at 2 h (if `stopped`), seen at `now_hours`."""
    now = T0 + timedelta(hours=now_hours)
    last_activity = T0 + timedelta(hours=1)
    return environment_cost(
        env=SPACE,
        instance_price=known(1.41),
        storage_price=None,
        storage_gb=None,
        started_at=T0,
        now=now,
        idle=idle
        or IdleFigures(
            (now - last_activity).total_seconds(), None, "timeout", None, STOP, last_activity
        ),
        stopped_at=STOP if stopped else None,
    )


def test_session_uptime_and_idle_time_stop_at_the_stop() -> None:
    first, later = cost_at(2.5), cost_at(7)
    for doc in (first, later):
        assert doc["frozen"] is True
        assert doc["stopped_at"] == STOP.isoformat()
        assert doc["uptime_seconds"] == 7200
        assert doc["session_usd"] == pytest.approx(2 * 1.41)
        assert doc["idle"]["idle_seconds"] == 3600  # last activity at 1 h, stopped at 2 h
        assert doc["idle"]["idle_usd"] == pytest.approx(1.41)
        # The rate is what it cost while it ran; projections say "if left running".
        assert doc["usd_per_hour"] == pytest.approx(1.41)
        assert doc["projection"]["per_day_usd"] == pytest.approx(24 * 1.41)
        assert "stopped at 14:00 UTC" in doc["frozen_note"]
        json.dumps(doc)
    assert first["session_usd"] == later["session_usd"]
    assert first["generated_at"] != later["generated_at"]


def test_without_a_stop_the_figures_keep_going() -> None:
    doc = cost_at(7, stopped=False)
    assert doc["frozen"] is False and doc["stopped_at"] is None and doc["frozen_note"] is None
    assert doc["uptime_seconds"] == 7 * 3600
    assert doc["idle"]["idle_seconds"] == 6 * 3600


def test_idle_time_without_last_activity_ends_at_the_stop() -> None:
    doc = cost_at(2.5, idle=IdleFigures(5400.0, None, "timeout", None, None))
    assert doc["idle"]["idle_seconds"] == 3600


async def test_checker_records_when_the_action_succeeded(tmp_path: Path) -> None:
    idle, clock, _, _ = make(tmp_path)
    await idle.check()
    assert idle.status_json()["stopped_at"] is None
    pass_deadline(idle, clock)
    await idle.check()
    stopped = clock()
    status = idle.status_json()
    assert status["state"] == "shut-down" and status["stopped_at"] == stopped.isoformat()
    clock.advance(600)
    assert idle.status_json()["stopped_at"] == stopped.isoformat()
    # Activity starts the idle clock again: no longer stopped.
    idle.record_activity("keep running")
    assert idle.status_json()["stopped_at"] is None


async def test_a_failing_action_has_no_stop_time(tmp_path: Path) -> None:
    idle, clock, _, _ = make(tmp_path, failures=1)
    pass_deadline(idle, clock)
    await idle.check()
    status = idle.status_json()
    assert status["state"] == "error" and status["stopped_at"] is None


# -- on a real server (local mode, price from an override) -------------------------------
