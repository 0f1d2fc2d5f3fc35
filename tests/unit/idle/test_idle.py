"""The idle checker's sequence, driven with fakes and a fake clock (no server)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from jupyter_smcost.idle.activity import KernelInfo
from jupyter_smcost.idle.checker import IdleShutdown
from jupyter_smcost.idle.settings import SettingsError
from tests.support.clock import T0, FakeClock
from tests.support.idle import make, pass_deadline


async def test_active_warning_then_shutdown_in_order(tmp_path: Path) -> None:
    idle, clock, signals, _ = make(tmp_path)
    await idle.check()
    assert idle.status_json()["state"] == "active"
    clock.advance(8 * 60)
    await idle.check()
    status = idle.status_json()
    assert status["state"] == "warning"
    assert status["seconds_until_shutdown"] == 120
    clock.advance(2 * 60)
    await idle.check()
    assert signals.events == ["stop kernels and terminals", "action"]
    status = idle.status_json()
    assert status["state"] == "shut-down"
    assert status["result"] == "deleted"
    # Nothing happens twice.
    clock.advance(60)
    await idle.check()
    assert signals.events == ["stop kernels and terminals", "action"]


async def test_busy_kernel_holds_and_its_end_restarts_the_clock(tmp_path: Path) -> None:
    idle, clock, signals, _ = make(tmp_path)
    signals.kernel_list = [KernelInfo("k", "busy", T0, "train.ipynb")]
    for _ in range(30):
        clock.advance(60)
        await idle.check()
    assert signals.events == []
    assert idle.status_json()["last_activity_source"] == "kernel busy: train.ipynb"
    finished = clock()
    signals.kernel_list = [KernelInfo("k", "idle", finished, "train.ipynb")]
    clock.advance(8 * 60)  # the checker wakes when the warning starts
    await idle.check()
    assert signals.events == []
    clock.advance(2 * 60)
    await idle.check()
    assert signals.events[-1] == "action"


async def test_stuck_starting_kernel_does_not_block(tmp_path: Path) -> None:
    idle, clock, signals, _ = make(tmp_path)
    signals.kernel_list = [KernelInfo("k", "starting", T0, "stuck.ipynb")]
    pass_deadline(idle, clock)
    await idle.check()
    assert signals.events[-1] == "action"


async def test_kernels_that_fail_to_stop_do_not_block_the_action(tmp_path: Path) -> None:
    idle, clock, signals, _ = make(tmp_path)

    async def broken() -> tuple[int, int]:
        raise RuntimeError("kernel manager is wedged")

    signals.stop_all = broken  # type: ignore[method-assign]
    pass_deadline(idle, clock)
    await idle.check()
    assert signals.events == ["action"]
    assert idle.status_json()["state"] == "shut-down"


async def test_failed_action_is_retried_with_backoff_and_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    idle, clock, signals, _ = make(tmp_path, failures=2, retry_seconds=30)
    pass_deadline(idle, clock)
    await idle.check()
    status = idle.status_json()
    assert status["state"] == "error"
    assert "AccessDeniedException" in status["error"]
    assert status["retry_at"] == (clock() + timedelta(seconds=30)).isoformat()
    clock.advance(29)
    await idle.check()
    assert signals.events.count("action failed") == 1
    clock.advance(1)
    await idle.check()
    assert signals.events.count("action failed") == 2
    assert idle.status_json()["retry_at"] == (clock() + timedelta(seconds=60)).isoformat()
    clock.advance(60)
    await idle.check()
    assert idle.status_json()["state"] == "shut-down"
    assert idle.status_json()["error"] is None
    errors = [r for r in caplog.records if "AccessDeniedException" in r.getMessage()]
    assert len(errors) == 1


async def test_activity_after_a_failed_shutdown_rearms(tmp_path: Path) -> None:
    idle, clock, _, _ = make(tmp_path, failures=1)
    pass_deadline(idle, clock)
    await idle.check()
    assert idle.status_json()["state"] == "error"
    clock.advance(5)
    idle.record_activity("keep running")
    status = idle.status_json()
    assert status["state"] == "active"
    assert status["error"] is None
    assert status["last_activity_source"] == "keep running"


async def asking_to_save(
    idle: IdleShutdown, clock: FakeClock, tab: str
) -> tuple[asyncio.Future[Any], dict[str, Any]]:
    """Past the deadline with `tab` open: the check that waits for its save, and the request
    it is waiting on."""
    pass_deadline(idle, clock)
    idle.saver.seen(tab)
    task = asyncio.ensure_future(idle.check())
    await asyncio.sleep(0.05)
    request = idle.status_json()["save_request"]
    assert request is not None
    return task, request


async def test_save_request_waits_for_recent_tabs(tmp_path: Path) -> None:
    idle, clock, signals, _ = make(tmp_path, save_timeout_seconds=5)
    idle.saver.seen("tab-1")
    task, request = await asking_to_save(idle, clock, "tab-1")
    assert request is not None
    assert signals.events == []  # nothing is stopped before the tab answers
    signals.events.append("tab saved")
    assert idle.saver.ack(request["id"], "tab-1", ["a.ipynb"], [])
    await asyncio.wait_for(task, 2)
    assert signals.events == ["tab saved", "stop kernels and terminals", "action"]


async def test_silent_tab_does_not_block_forever(tmp_path: Path) -> None:
    idle, clock, signals, _ = make(tmp_path, save_timeout_seconds=0.2)
    pass_deadline(idle, clock)
    idle.saver.seen("closed-laptop")
    await asyncio.wait_for(idle.check(), 2)
    assert signals.events == ["stop kernels and terminals", "action"]


async def test_failed_save_postpones_by_one_warning_period(tmp_path: Path) -> None:
    idle, clock, signals, _ = make(tmp_path, save_timeout_seconds=5)
    task, request = await asking_to_save(idle, clock, "tab")
    idle.saver.ack(request["id"], "tab", [], [{"path": "ro.ipynb", "error": "permission denied"}])
    await asyncio.wait_for(task, 2)
    assert signals.events == []
    status = idle.status_json()
    assert status["state"] == "warning"
    assert status["seconds_until_shutdown"] == 120
    assert status["error"].startswith("shutdown postponed by 2 min: could not save ro.ipynb")


async def test_activity_during_save_wait_cancels(tmp_path: Path) -> None:
    idle, clock, signals, _ = make(tmp_path, save_timeout_seconds=5)
    task, request = await asking_to_save(idle, clock, "tab")
    clock.advance(1)
    idle.record_activity("typing in a.ipynb")
    idle.saver.ack(request["id"], "tab", ["a.ipynb"], [])
    await asyncio.wait_for(task, 2)
    assert signals.events == []
    assert idle.status_json()["state"] == "active"


def test_user_settings_validate_clamp_and_persist(tmp_path: Path) -> None:
    idle, *_ = make(tmp_path, min_timeout_minutes=5, max_timeout_minutes=120)
    for bad in (
        {},
        {"timeout_minutes": -1},
        {"timeout_minutes": "soon"},
        [],
        {"timeout_minutes": True},
    ):
        with pytest.raises(SettingsError) as info:
            idle.update_user_settings(bad)
        assert info.value.status == 400
    result = idle.update_user_settings({"timeout_minutes": 500})
    assert result["clamped"] is True
    assert result["timeout_minutes"] == 120
    assert "120" in result["message"]
    result = idle.update_user_settings({"timeout_minutes": "30"})
    assert (result["clamped"], result["timeout_minutes"]) == (False, 30)
    # A new process (a restart) reads the persisted value.
    again, *_ = make(tmp_path, min_timeout_minutes=5, max_timeout_minutes=120)
    assert again.config_json()["timeout_minutes"] == 30
    assert again.policy.timeout_seconds == 1800
    # Bounds tightened by the admin since then still apply.
    tighter, *_ = make(tmp_path, min_timeout_minutes=5, max_timeout_minutes=20)
    assert tighter.config_json()["timeout_minutes"] == 20
    reset = tighter.update_user_settings({"timeout_minutes": None})
    assert reset["timeout_minutes"] == 10


def test_overrides_off(tmp_path: Path) -> None:
    idle, *_ = make(tmp_path)
    idle.update_user_settings({"timeout_minutes": 30})
    locked, *_ = make(tmp_path, allow_user_override=False)
    assert locked.config_json()["timeout_minutes"] == 10
    with pytest.raises(SettingsError) as info:
        locked.update_user_settings({"timeout_minutes": 30})
    assert info.value.status == 403


def test_corrupt_settings_file_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text("{broken")
    idle, *_ = make(tmp_path)
    assert idle.config_json()["timeout_minutes"] == 10


def test_disabled(tmp_path: Path) -> None:
    idle, clock, *_ = make(tmp_path, timeout_minutes=0)
    clock.advance(10**6)
    status = idle.status_json()
    assert status["state"] == "disabled"
    assert status["seconds_until_shutdown"] is None


async def test_events_for_warning_save_request_activity_and_config(tmp_path: Path) -> None:
    events: list[dict[str, Any]] = []
    idle, clock, signals, _ = make(tmp_path, events=events, save_timeout_seconds=5)
    await idle.check()
    assert [e["state"] for e in events] == ["active"]
    clock.advance(8 * 60)
    await idle.check()
    warning = events[-1]
    assert (warning["kind"], warning["state"]) == ("state", "warning")
    assert warning["seconds_until_shutdown"] == 120
    assert (warning["timeout_seconds"], warning["warning_seconds"]) == (600, 120)
    assert warning["deadline"] == (T0 + timedelta(minutes=10)).isoformat()
    idle.record_activity("keep running")
    assert (events[-1]["state"], events[-1]["last_activity_source"]) == ("active", "keep running")
    version = events[-1]["config_version"]
    idle.update_user_settings({"warning_minutes": 3})
    assert events[-1]["kind"] == "config"
    assert events[-1]["config_version"] != version
    assert idle.config_json()["user_warning_minutes"] == 3
    pass_deadline(idle, clock)
    idle.saver.seen("tab")
    task = asyncio.ensure_future(idle.check())
    await asyncio.sleep(0.05)
    request = next(e for e in events if e["kind"] == "save-request")
    assert request["request_id"] and request["save_deadline"]
    assert idle.saver.ack(request["request_id"], "tab", [], [])
    await asyncio.wait_for(task, 2)
    assert events[-1]["state"] == "shut-down"


async def test_a_broken_event_sink_never_breaks_the_checker(tmp_path: Path) -> None:
    idle, clock, signals, _ = make(tmp_path)

    def broken(_: dict[str, Any]) -> None:
        raise RuntimeError("no event logger")

    idle._emit_event = broken
    pass_deadline(idle, clock)
    await idle.check()
    assert idle.status_json()["state"] == "shut-down"


async def test_server_side_save_runs_and_its_failure_postpones(tmp_path: Path) -> None:
    calls: list[float] = []

    async def collaborative(timeout: float) -> tuple[list[str], list[dict[str, str]]]:
        calls.append(timeout)
        return [], [{"path": "shared.ipynb", "error": "disk full"}]

    idle, clock, signals, _ = make(tmp_path, save_timeout_seconds=3)
    idle._server_side_save = collaborative
    pass_deadline(idle, clock)
    await idle.check()
    assert calls == [3]
    assert signals.events == []
    status = idle.status_json()
    assert status["state"] == "warning"
    assert "shared.ipynb (disk full)" in status["error"]
