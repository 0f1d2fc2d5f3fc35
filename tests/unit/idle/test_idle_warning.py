"""Nothing shortens the warning (issue 14, section 4).

A change of settings (PUT config, the admin's config at run time, a price) that puts the
deadline at or before now starts a full warning from now; the warning in force has the
admin's floor `c.IdleShutdown.min_warning_minutes` and never exceeds the timeout; a warning
already running is never shortened below what the user was told.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from traitlets.config import Config

from tests.support.idle import make

# --------------------------------------------------------------------------- the checker


async def test_a_tiny_warning_and_budget_mid_idle_warn_for_the_floor(tmp_path: Path) -> None:
    """The issue's reproduction: idle 25 min, then a warning of 5e-324 min and a budget of
    $1e-300 deleted the app about 10 ms later."""
    idle, clock, signals, _ = make(
        tmp_path, timeout_minutes=60, min_timeout_minutes=5, warning_minutes=5
    )
    idle.set_hourly_rate(1.408)
    clock.advance(25 * 60)
    await idle.check()
    result = idle.update_user_settings({"warning_minutes": 5e-324, "max_idle_usd": 1e-300})
    assert result["warning_minutes"] == 1  # the floor
    await idle.check()
    status = idle.status_json()
    assert status["state"] == "warning"
    assert status["warning_seconds"] == 60
    assert status["seconds_until_shutdown"] == 60
    clock.advance(0.01)
    await idle.check()
    clock.advance(59.98)
    await idle.check()
    assert signals.events == []
    assert idle.status_json()["state"] == "warning"
    clock.advance(0.01)
    await idle.check()
    assert signals.events[-1] == "action"


async def test_warning_zero_during_a_warning_keeps_it_to_the_deadline(tmp_path: Path) -> None:
    idle, clock, signals, _ = make(tmp_path, timeout_minutes=10, warning_minutes=3)
    clock.advance(7 * 60)
    await idle.check()
    assert idle.status_json()["state"] == "warning"
    told = idle.status_json()["deadline"]
    result = idle.update_user_settings({"warning_minutes": 0})
    assert result["clamped"] is True
    assert result["warning_minutes"] == 1
    assert "1 min" in result["message"]
    for _ in range(3):
        await idle.check()
        status = idle.status_json()
        assert (status["state"], status["deadline"]) == ("warning", told)
        clock.advance(59.9)
    clock.advance(180 - 3 * 59.9 - 0.1)
    await idle.check()
    assert signals.events == []
    assert idle.status_json()["state"] == "warning"
    clock.advance(0.1)
    await idle.check()
    assert signals.events[-1] == "action"


async def test_a_running_warning_is_never_shortened(tmp_path: Path) -> None:
    """Told "5 min left", the user lowers both the timeout and the warning: still 5 min."""
    idle, clock, signals, _ = make(
        tmp_path, timeout_minutes=10, min_timeout_minutes=1, warning_minutes=5
    )
    clock.advance(5 * 60)
    await idle.check()
    assert idle.status_json()["seconds_until_shutdown"] == 300
    clock.advance(60)
    idle.update_user_settings({"timeout_minutes": 1, "warning_minutes": 1})
    await idle.check()
    status = idle.status_json()
    assert status["state"] == "warning"
    assert status["seconds_until_shutdown"] == 240
    clock.advance(239.9)
    await idle.check()
    assert signals.events == []
    clock.advance(0.1)
    await idle.check()
    assert signals.events[-1] == "action"


async def test_a_timeout_below_the_idle_time_with_no_warning_warns_for_the_floor(
    tmp_path: Path,
) -> None:
    idle, clock, signals, _ = make(tmp_path, timeout_minutes=60, warning_minutes=5)
    clock.advance(50 * 60)
    await idle.check()
    idle.update_user_settings({"timeout_minutes": 10, "warning_minutes": 0})
    await idle.check()
    status = idle.status_json()
    assert (status["state"], status["seconds_until_shutdown"]) == ("warning", 60)
    clock.advance(59.9)
    await idle.check()
    assert signals.events == []


async def test_the_admins_config_at_run_time_cannot_skip_the_warning(tmp_path: Path) -> None:
    """A config reload sets the traits: the same floor holds as for a user's PUT."""
    idle, clock, signals, _ = make(tmp_path, timeout_minutes=60, warning_minutes=5)
    clock.advance(50 * 60)
    await idle.check()
    idle.warning_minutes = 0
    idle.timeout_minutes = 10
    await idle.check()
    status = idle.status_json()
    assert (status["state"], status["seconds_until_shutdown"]) == ("warning", 60)
    assert signals.events == []


async def test_the_warning_is_capped_at_the_timeout(tmp_path: Path) -> None:
    idle, *_ = make(tmp_path, timeout_minutes=0.5, min_timeout_minutes=0, warning_minutes=0)
    assert idle.status_json()["warning_seconds"] == 30
    assert idle.config_json()["warning_minutes"] == 0.5


def test_the_admin_may_lower_the_floor(tmp_path: Path) -> None:
    idle, *_ = make(tmp_path, warning_minutes=0, min_warning_minutes=0)
    assert idle.status_json()["warning_seconds"] == 0
    result = idle.update_user_settings({"warning_minutes": 0.25})
    assert (result["clamped"], result["warning_minutes"]) == (False, 0.25)


def test_the_floor_is_in_get_config_with_its_source(tmp_path: Path) -> None:
    idle, *_ = make(tmp_path, config=Config({"IdleShutdown": {"min_warning_minutes": 2}}))
    config = idle.config_json()
    assert config["min_warning_minutes"] == 2
    assert config["warning_minutes"] == 2
    assert config["sources"]["min_warning_minutes"] == "config"
    default, *_ = make(tmp_path / "other")
    assert default.config_json()["min_warning_minutes"] == 1
    assert default.config_json()["sources"]["min_warning_minutes"] == "default"


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf"), "soon", 1e300])
def test_a_bad_floor_is_refused_alone_and_the_default_applies(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, bad: Any
) -> None:
    config = Config({"IdleShutdown": {"min_warning_minutes": bad, "cpu_threshold_percent": 30}})
    with caplog.at_level(logging.ERROR):
        idle, *_ = make(tmp_path, config=config)
    assert idle.min_warning_minutes == 1
    assert idle.cpu_threshold_percent == 30  # the rest of the config stands
    assert [e.setting for e in idle.config_errors] == ["c.IdleShutdown.min_warning_minutes"]
    assert "refusing c.IdleShutdown.min_warning_minutes" in caplog.text


def test_the_policy_file_governs_the_floor(tmp_path: Path) -> None:
    from jupyter_smcost.admin.policy_file import load_policy

    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"jupyter_smcost_policy": 1, "min_warning_minutes": 3}))
    policy = load_policy(str(path), {"min_warning_minutes": 1.0})
    assert policy.idle["min_warning_minutes"] == 3
    # A user's config under the policy cannot lower it.
    user_config = Config({"IdleShutdown": {"min_warning_minutes": 0}})
    idle, *_ = make(tmp_path / "state", policy=policy, config=user_config)
    assert idle.config_json()["min_warning_minutes"] == 3
    assert idle.config_json()["sources"]["min_warning_minutes"] == "policy"
    path.write_text(json.dumps({"jupyter_smcost_policy": 1, "min_warning_minutes": -2}))
    refused = load_policy(str(path), {"min_warning_minutes": 1.0})
    assert "min_warning_minutes" not in refused.idle
    assert [e.setting for e in refused.errors] == [f"policy {path}: min_warning_minutes"]


# --------------------------------------------------------------------------- a real server
