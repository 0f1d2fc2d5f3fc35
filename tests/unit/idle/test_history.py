"""The user's idle history (issue 17, part 2): bounded, fail safe, and what a shutdown did
not cost; and the checker records each warning, postponement, Keep running and shutdown."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from jupyter_smcost.idle import history as history_module
from jupyter_smcost.idle.checker import KEEP_RUNNING_SOURCE
from jupyter_smcost.idle.history import (
    KEEP_RUNNING_GAP_SECONDS,
    MAX_BYTES,
    MAX_PATHS,
    IdleHistory,
    avoided_usd,
)
from tests.support.clock import T0, FakeClock
from tests.support.idle import make, pass_deadline

REPO = Path(__file__).resolve().parents[3]


def shutdown(history: IdleHistory, **details: Any) -> dict[str, Any] | None:
    details.setdefault("rate_usd_per_hour", 1.408)
    details.setdefault("action", "deleted")
    return history.record("shutdown", idle_seconds=3600, **details)


def on_disk(path: Path) -> Any:
    return json.loads((path / "history.json").read_text())


# --------------------------------------------------------------------------- the module


def test_entries_persist_newest_last_with_every_field(tmp_path: Path) -> None:
    clock = FakeClock()
    history = IdleHistory(tmp_path, clock=clock)
    history.record("warning", idle_seconds=3300.04, rate_usd_per_hour=None)
    clock.advance(60)
    history.record(
        "postponed",
        idle_seconds=3600,
        rate_usd_per_hour=1.408,
        unsaved=[{"path": "ro.ipynb", "error": "permission denied"}],
    )
    entries = IdleHistory(tmp_path, clock=clock).entries()
    assert [e["kind"] for e in entries] == ["warning", "postponed"]
    assert [e["id"] for e in entries] == [1, 2]
    assert entries[0] == {
        "id": 1,
        "at": "2026-11-26T12:00:00+00:00",
        "kind": "warning",
        "reason": "timeout",
        "idle_seconds": 3300.0,
        "rate_usd_per_hour": None,
        "saved": [],
        "unsaved": [],
        "action": None,
        "dry_run": False,
        "came_back_at": None,
        "avoided_usd": None,
    }
    assert entries[1]["unsaved"] == [{"path": "ro.ipynb", "error": "permission denied"}]
    assert entries[1]["at"] == "2026-11-26T12:01:00+00:00"


def test_the_history_keeps_the_newest_entries_within_its_limit(tmp_path: Path) -> None:
    clock = FakeClock()
    history = IdleHistory(tmp_path, clock=clock, limit=5)
    for n in range(12):
        history.record("warning", idle_seconds=n, rate_usd_per_hour=None)
    assert [e["idle_seconds"] for e in history.entries()] == [7, 8, 9, 10, 11]
    again = IdleHistory(tmp_path, clock=clock, limit=3)
    assert [e["idle_seconds"] for e in again.entries()] == [9, 10, 11]
    # Ids go on from the newest kept, never reused.
    again.record("warning", idle_seconds=12, rate_usd_per_hour=None)
    assert again.entries()[-1]["id"] == 13


def test_long_path_lists_are_cut_and_the_file_stays_under_its_bytes(tmp_path: Path) -> None:
    clock = FakeClock()
    history = IdleHistory(tmp_path, clock=clock, limit=1000)
    paths = [f"{'d' * 2000}/{n}.ipynb" for n in range(200)]
    for _ in range(30):
        shutdown(history, saved=paths)
    entries = history.entries()
    assert all(len(e["saved"]) == MAX_PATHS for e in entries)
    assert all(len(p) == history_module.MAX_TEXT for p in entries[0]["saved"])
    assert os.path.getsize(tmp_path / "history.json") <= MAX_BYTES
    # The oldest went to make room; what is on disk is what is in memory.
    assert len(entries) < 30
    assert [e["id"] for e in IdleHistory(tmp_path, clock=clock).entries()] == [
        e["id"] for e in entries
    ]


def test_came_back_fills_in_the_return_and_what_it_did_not_cost(tmp_path: Path) -> None:
    clock = FakeClock()
    history = IdleHistory(tmp_path, clock=clock)
    history.record("warning", idle_seconds=3300, rate_usd_per_hour=1.408)
    shutdown(history, saved=["a.ipynb", "b.ipynb"])
    assert history.notice() is None  # not until the user is back
    clock.advance(8 * 3600 + 1)
    restarted = IdleHistory(tmp_path, clock=clock)
    back = restarted.came_back()
    assert back is not None
    assert back["came_back_at"] == "2026-11-26T20:00:01+00:00"
    assert back["avoided_usd"] == 11.26  # 1.408 $/h x 8 h 0 min 1 s, to the cent
    assert restarted.notice() == back
    assert restarted.came_back() is None  # once
    assert IdleHistory(tmp_path, clock=clock).entries()[-1] == back


def test_came_back_only_after_a_shutdown_nobody_came_back_from(tmp_path: Path) -> None:
    clock = FakeClock()
    history = IdleHistory(tmp_path, clock=clock)
    assert history.came_back() is None
    shutdown(history)
    history.record("warning", idle_seconds=1, rate_usd_per_hour=None)
    assert history.came_back() is None  # the last event is not the shutdown
    assert history.notice() is None


def test_an_unknown_rate_avoids_null_never_zero_or_nan(tmp_path: Path) -> None:
    clock = FakeClock()
    history = IdleHistory(tmp_path, clock=clock)
    shutdown(history, rate_usd_per_hour=None)
    clock.advance(3600)
    back = history.came_back()
    assert back is not None and back["came_back_at"] is not None
    assert back["avoided_usd"] is None


@pytest.mark.parametrize("rate", [math.nan, math.inf, -1.0, 0.0, None])
def test_avoided_is_null_for_a_rate_that_is_not_a_price(rate: float | None) -> None:
    assert avoided_usd(rate, T0, T0 + timedelta(hours=1), False) is None


def test_avoided_arithmetic() -> None:
    assert avoided_usd(2.0, T0, T0 + timedelta(minutes=90), False) == 3.0
    assert avoided_usd(1.0, T0, T0 + timedelta(seconds=17), False) == 0.0
    # A clock that went back does not make a negative saving.
    assert avoided_usd(1.0, T0, T0 - timedelta(hours=1), False) == 0.0
    assert avoided_usd(1e300, T0, T0 + timedelta(days=999_999), False) is None


def test_a_dry_run_shutdown_never_claims_money_not_spent(tmp_path: Path) -> None:
    clock = FakeClock()
    history = IdleHistory(tmp_path, clock=clock)
    shutdown(history, dry_run=True, action="dry-run: would stop nothing")
    clock.advance(3600)
    back = history.came_back()
    assert back is not None
    assert back["dry_run"] is True and back["avoided_usd"] is None
    # Even a file that says otherwise.
    document = on_disk(tmp_path)
    document["entries"][-1]["avoided_usd"] = 99.0
    (tmp_path / "history.json").write_text(json.dumps(document))
    assert IdleHistory(tmp_path, clock=clock).entries()[-1]["avoided_usd"] is None


def test_seen_clears_the_notice_for_good(tmp_path: Path) -> None:
    clock = FakeClock()
    history = IdleHistory(tmp_path, clock=clock)
    shutdown(history)
    clock.advance(60)
    back = history.came_back()
    assert back is not None
    assert history.seen(back["id"] + 1) is False  # another notice's id: not this one
    assert history.notice() is not None
    assert history.seen(back["id"]) is True
    assert history.notice() is None
    assert history.seen() is False  # a second tab: nothing left to clear
    # A reload (a new server on the same state directory) does not show it again.
    assert IdleHistory(tmp_path, clock=clock).to_json()["notice"] is None


def test_keep_running_pressed_in_a_loop_is_one_entry_a_minute(tmp_path: Path) -> None:
    clock = FakeClock()
    history = IdleHistory(tmp_path, clock=clock)
    for _ in range(50):
        history.record("keep-running", idle_seconds=1, rate_usd_per_hour=None)
        clock.advance(1)
    clock.advance(KEEP_RUNNING_GAP_SECONDS)
    history.record("keep-running", idle_seconds=1, rate_usd_per_hour=None)
    assert [e["kind"] for e in history.entries()] == ["keep-running"] * 2


def test_an_unknown_kind_is_a_programming_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown history kind"):
        IdleHistory(tmp_path, clock=FakeClock()).record(
            "exploded", idle_seconds=1, rate_usd_per_hour=None
        )


@pytest.mark.parametrize(
    "content",
    [
        b"not json",
        b"[1, 2]",
        b'{"version": 2, "entries": []}',
        b'{"version": 1, "entries": {}}',
        b"[" * 100_000,
        b'{"version": 1, "entries": [], "pad": "' + b"x" * MAX_BYTES + b'"}',
        b"\xff\xfe",
    ],
)
def test_a_file_we_cannot_use_is_set_aside_and_the_history_starts_afresh(
    tmp_path: Path, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "history.json").write_bytes(content)
    history = IdleHistory(tmp_path, clock=FakeClock())
    with caplog.at_level(logging.WARNING):
        assert history.to_json() == {"entries": [], "notice": None, "limit": 200}
    assert "ignoring the idle history" in caplog.text
    assert [p.name.startswith("history.json.bad-") for p in tmp_path.iterdir()] == [True]
    shutdown(history)
    assert len(on_disk(tmp_path)["entries"]) == 1


def test_a_fifo_or_a_directory_at_the_path_never_blocks_or_crashes(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "history.json")
    history = IdleHistory(tmp_path, clock=FakeClock())
    assert history.entries() == []
    other = tmp_path / "other"
    (other / "history.json").mkdir(parents=True)
    stuck = IdleHistory(other, clock=FakeClock())
    # Cannot be set aside or replaced: kept in memory, logged, never raised.
    stuck._entries = []
    assert shutdown(stuck) is not None
    assert len(stuck.entries()) == 1


def test_bad_entries_are_dropped_alone(tmp_path: Path) -> None:
    good = {"id": 3, "at": "2026-11-26T12:00:00+00:00", "kind": "shutdown", "saved": ["a"]}
    hostile = [
        {"id": 1, "at": "2026-11-26T12:00:00", "kind": "warning"},  # naive time
        {"id": 2, "at": "yesterday", "kind": "warning"},
        {"id": True, "at": "2026-11-26T12:00:00+00:00", "kind": "warning"},
        {"id": 4, "at": "2026-11-26T12:00:00+00:00", "kind": "reboot"},
        "warning",
        None,
    ]
    odd_numbers = {
        "id": 5,
        "at": "2026-11-26T13:00:00+00:00",
        "kind": "shutdown",
        "idle_seconds": 1e400,  # Infinity once parsed
        "rate_usd_per_hour": "1.4",
        "avoided_usd": -3,
        "saved": [1, "", "ok.ipynb"],
        "unsaved": [{"path": "x"}, {"error": "no path"}, 7],
        "came_back_at": "2026-11-26T14:00:00Z",
    }
    document = {"version": 1, "notice_id": True, "entries": [*hostile, good, odd_numbers]}
    (tmp_path / "history.json").write_text(json.dumps(document).replace("Infinity", "1e400"))
    history = IdleHistory(tmp_path, clock=FakeClock())
    entries = history.entries()
    assert [e["id"] for e in entries] == [3, 5]
    odd = entries[1]
    assert odd["idle_seconds"] == 0.0 and odd["rate_usd_per_hour"] is None
    assert odd["avoided_usd"] is None
    assert odd["saved"] == ["ok.ipynb"]
    assert odd["unsaved"] == [{"path": "x", "error": "unknown error"}]
    assert odd["came_back_at"] == "2026-11-26T14:00:00+00:00"
    assert history.notice() is None  # `true` is not the id 1
    json.dumps(history.to_json(), allow_nan=False)


# --------------------------------------------------------------------------- the checker


async def test_the_checker_records_one_warning_per_episode_and_the_shutdown(
    tmp_path: Path,
) -> None:
    idle, clock, signals, _ = make(tmp_path, timeout_minutes=10, warning_minutes=2)
    idle.set_hourly_rate(1.408)
    clock.advance(8 * 60 + 1)
    for _ in range(3):  # several ticks in the same warning
        await idle.check()
        clock.advance(5)
    idle.record_activity("typing in a.ipynb")  # ends the episode
    clock.advance(8 * 60)  # the checker wakes when the next warning starts
    await idle.check()
    clock.advance(2 * 60)
    await asyncio.wait_for(idle.check(), 2)
    entries = idle.history.entries()
    assert [e["kind"] for e in entries] == ["warning", "warning", "shutdown"]
    assert entries[0]["idle_seconds"] == 481.0
    last = entries[-1]
    assert last["rate_usd_per_hour"] == 1.408
    assert last["idle_seconds"] == 600.0
    assert last["action"] == "deleted" and last["dry_run"] is False
    assert last["came_back_at"] is None
    assert signals.events[-1] == "action"
    # Next tick (already shut down): nothing more.
    await idle.check()
    assert len(idle.history.entries()) == 3


async def test_the_checker_records_what_was_saved_before_the_shutdown(tmp_path: Path) -> None:
    idle, clock, _, _ = make(tmp_path, save_timeout_seconds=5)
    pass_deadline(idle, clock)
    idle.saver.seen("tab")
    task = asyncio.ensure_future(idle.check())
    await asyncio.sleep(0.05)
    request = idle.status_json()["save_request"]
    assert idle.saver.ack(request["id"], "tab", ["a.ipynb", "b.ipynb"], [])
    await asyncio.wait_for(task, 2)
    last = idle.history.entries()[-1]
    assert (last["kind"], last["saved"]) == ("shutdown", ["a.ipynb", "b.ipynb"])
    assert last["rate_usd_per_hour"] is None  # no price known


async def test_the_checker_records_a_postponement_with_what_could_not_be_saved(
    tmp_path: Path,
) -> None:
    idle, clock, signals, _ = make(tmp_path, save_timeout_seconds=5)
    pass_deadline(idle, clock)
    idle.saver.seen("tab")
    task = asyncio.ensure_future(idle.check())
    await asyncio.sleep(0.05)
    request = idle.status_json()["save_request"]
    failed = [{"path": "ro.ipynb", "error": "permission denied"}]
    idle.saver.ack(request["id"], "tab", [], failed)
    await asyncio.wait_for(task, 2)
    assert signals.events == []
    postponed = [e for e in idle.history.entries() if e["kind"] == "postponed"]
    assert len(postponed) == 1
    assert postponed[0]["unsaved"] == failed
    assert postponed[0]["idle_seconds"] == 600.0


async def test_keep_running_is_recorded_other_activity_is_not(tmp_path: Path) -> None:
    idle, clock, _, _ = make(tmp_path)
    clock.advance(500)
    idle.record_activity("typing in a.ipynb")
    clock.advance(300)
    idle.record_activity(KEEP_RUNNING_SOURCE)
    entries = idle.history.entries()
    assert [e["kind"] for e in entries] == ["keep-running"]
    assert entries[0]["idle_seconds"] == 300.0


async def test_a_dry_run_shutdown_is_marked(tmp_path: Path) -> None:
    idle, clock, _, action = make(tmp_path)
    action.dry_run = True
    pass_deadline(idle, clock)
    await idle.check()
    last = idle.history.entries()[-1]
    assert (last["kind"], last["dry_run"]) == ("shutdown", True)


async def test_a_history_that_cannot_be_written_never_stops_the_shutdown(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    idle, clock, signals, _ = make(tmp_path)
    (tmp_path / "a-file").write_text("")
    idle.history.path = tmp_path / "a-file" / "history.json"  # no directory can be made
    pass_deadline(idle, clock)
    with caplog.at_level(logging.WARNING):
        await idle.check()
    assert signals.events[-1] == "action"
    assert idle.status_json()["state"] == "shut-down"
    assert "kept in memory only" in caplog.text
    assert idle.history.entries()[-1]["kind"] == "shutdown"


def test_the_keep_running_source_is_the_one_the_frontend_sends() -> None:
    model = (REPO / "src" / "idle" / "model.ts").read_text()
    assert f"this.reportActivity('{KEEP_RUNNING_SOURCE}')" in model
