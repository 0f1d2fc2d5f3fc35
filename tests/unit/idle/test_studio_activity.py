"""Studio's idle timestamp file (/tmp/.sagemaker-last-active-timestamp), both ways.

Unit tests of the pure module (fake clock, tmp paths), of the checker's two hooks (fakes), and
of the REST contract against a real server (pytest-jupyter). No test touches the real /tmp file.
"""

from __future__ import annotations

import logging
import os
import stat
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from jupyter_smcost import statefiles
from jupyter_smcost.idle.studio_activity import (
    DEFAULT_PATH,
    MAX_BYTES,
    SOURCE,
    StudioActivityFile,
    format_timestamp,
    parse_timestamp,
)
from tests.support.clock import T0, FakeClock
from tests.support.idle import make

LOGGER = "jupyter_smcost.test.studio_activity"


def studio_file(tmp_path: Path, clock: FakeClock | None = None) -> tuple[StudioActivityFile, Path]:
    path = tmp_path / ".sagemaker-last-active-timestamp"
    return StudioActivityFile(str(path), clock or FakeClock(), logging.getLogger(LOGGER)), path


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


# -- the format -----------------------------------------------------------------------------


def test_format_is_the_one_studio_reads() -> None:
    at = datetime(2026, 12, 6, 19, 20, 1, 123456, tzinfo=timezone.utc)
    assert format_timestamp(at) == "2026-12-06T19:20:01.123456Z"
    # Studio's reader: datetime.strptime(text.strip(), "%Y-%m-%dT%H:%M:%S.%fZ"), naive UTC.
    parsed = datetime.strptime(format_timestamp(at), "%Y-%m-%dT%H:%M:%S.%fZ")
    assert parsed.replace(tzinfo=timezone.utc) == at
    # Whole seconds still carry the fraction, and another zone is converted to UTC.
    assert format_timestamp(datetime(2026, 12, 6, 19, 20, tzinfo=timezone.utc)) == (
        "2026-12-06T19:20:00.000000Z"
    )
    plus_one = timezone(timedelta(hours=1))
    assert format_timestamp(datetime(2026, 12, 6, 20, 20, tzinfo=plus_one)) == (
        "2026-12-06T19:20:00.000000Z"
    )


def test_parse_round_trip_and_what_other_tools_write() -> None:
    at = datetime(2026, 12, 6, 19, 20, 1, 123456, tzinfo=timezone.utc)
    assert parse_timestamp(format_timestamp(at)) == at
    # JavaScript's toISOString (the Code Editor extension): milliseconds; a trailing newline.
    assert parse_timestamp("2026-12-06T19:20:01.123Z\n") == at.replace(microsecond=123000)
    assert parse_timestamp(b"2026-12-06T19:20:01.123456Z") == at
    parsed = parse_timestamp("2026-12-06T19:20:01.5Z")
    assert parsed is not None and parsed.tzinfo is not None and parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "yesterday",
        "2026-12-06 19:20:01",
        "2026-12-06T19:20:01.123456+01:00",
        "2026-13-06T19:20:01.123456Z",
        "2026-12-06T19:20:01.123456Z trailing",
        "2026-12-06T19:20:01.123456Z\n2026-12-07T19:20:01.123456Z",
        b"\xff\xfe2026-12-06T19:20:01.123456Z",
        "１２".encode(),
        "2026-12-06T19:20:01.123456Z\x00",
        "nan",
    ],
)
def test_garbage_does_not_parse(text: str | bytes) -> None:
    assert parse_timestamp(text) is None


# -- writing --------------------------------------------------------------------------------


def test_write_is_exact_atomic_and_readable_by_all(tmp_path: Path) -> None:
    clock = FakeClock()
    studio, path = studio_file(tmp_path, clock)
    path.write_text("2026-11-26T11:00:00.000000Z")
    before = path.stat().st_ino
    with open(path, "rb") as reader:
        old_umask = os.umask(0o077)
        try:
            assert studio.write(T0) is True
        finally:
            os.umask(old_umask)
        # Replaced, not rewritten in place: a reader of the old file still sees it whole.
        assert reader.read() == b"2026-11-26T11:00:00.000000Z"
    assert path.read_bytes() == b"2026-11-26T12:00:00.000000Z"
    assert path.stat().st_ino != before
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    # No temporary file is left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_write_replaces_a_planted_symlink_never_its_target(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious")
    studio, path = studio_file(tmp_path)
    path.symlink_to(victim)
    assert studio.write(T0) is True
    assert victim.read_text() == "precious"
    assert not path.is_symlink()
    assert path.read_text() == "2026-11-26T12:00:00.000000Z"


def test_write_never_opens_a_planted_temp_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A neighbour who guesses the next temporary name and plants a symlink (or a file) there
    # gains nothing: the temp file is created exclusively, and another name is drawn.
    victim = tmp_path / "victim"
    victim.write_text("precious")
    studio, path = studio_file(tmp_path)
    planted = [tmp_path / ".planted-link", tmp_path / ".planted-file"]
    planted[0].symlink_to(victim)
    planted[1].write_text("theirs")
    names = iter([p.name for p in planted] + [".fresh-name"])
    monkeypatch.setattr(statefiles, "_temp_name", lambda _base: next(names))
    assert studio.write(T0) is True
    assert victim.read_text() == "precious"
    assert planted[1].read_text() == "theirs"
    assert planted[0].is_symlink()
    assert path.read_text() == "2026-11-26T12:00:00.000000Z"
    assert not (tmp_path / ".fresh-name").exists()


def test_an_unwritable_file_is_a_single_warning_never_an_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    path = tmp_path / "missing-dir" / ".sagemaker-last-active-timestamp"
    studio = StudioActivityFile(str(path), clock, logging.getLogger(LOGGER))
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        for _ in range(5):
            assert studio.write(clock()) is False
            clock.advance(60)
    assert len(warnings(caplog)) == 1
    assert str(path) in warnings(caplog)[0]
    assert not (tmp_path / "missing-dir").exists()


def test_a_directory_at_the_name_is_left_alone(tmp_path: Path) -> None:
    studio, path = studio_file(tmp_path)
    path.mkdir()
    (path / "keep").write_text("x")
    assert studio.write(T0) is False
    assert (path / "keep").read_text() == "x"
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_writes_are_rate_limited(tmp_path: Path) -> None:
    clock = FakeClock()
    studio, path = studio_file(tmp_path, clock)
    assert studio.write(clock()) is True
    first = path.read_text()
    clock.advance(5)
    assert studio.write(clock()) is False
    assert path.read_text() == first
    clock.advance(5)
    assert studio.write(clock()) is True
    assert path.read_text() == "2026-11-26T12:00:10.000000Z"
    # A clock that jumps back does not silence the file for the size of the jump.
    clock.advance(-3600)
    assert studio.write(clock()) is True
    assert path.read_text() == "2026-11-26T11:00:10.000000Z"


# -- reading --------------------------------------------------------------------------------


def test_read_missing_and_valid(tmp_path: Path) -> None:
    studio, path = studio_file(tmp_path)
    assert studio.read() is None
    path.write_text("2026-11-26T12:30:00.250000Z\n")
    assert studio.read() == T0 + timedelta(minutes=30, milliseconds=250)


def test_read_does_not_follow_symlinks(tmp_path: Path) -> None:
    real = tmp_path / "elsewhere"
    real.write_text("2026-11-26T12:30:00.000000Z")
    studio, path = studio_file(tmp_path)
    path.symlink_to(real)
    assert studio.read() is None


def test_read_of_a_fifo_returns_at_once(tmp_path: Path) -> None:
    studio, path = studio_file(tmp_path)
    os.mkfifo(path)
    started = time.monotonic()
    assert studio.read() is None
    assert time.monotonic() - started < 1


def test_read_of_a_huge_file_or_a_directory(tmp_path: Path) -> None:
    studio, path = studio_file(tmp_path)
    path.write_bytes(b"2026-11-26T12:30:00.000000Z" + b" " * MAX_BYTES)
    assert studio.read() is None
    path.unlink()
    path.mkdir()
    assert studio.read() is None


def test_garbage_is_a_debug_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    studio, path = studio_file(tmp_path)
    path.write_bytes(b"\x00\x01 not a time")
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        assert studio.read() is None
        assert studio.poll() is None
    assert warnings(caplog) == []
    assert any("not a timestamp" in r.getMessage() for r in caplog.records)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the file to another user")
def test_a_file_of_another_user_is_not_trusted(tmp_path: Path) -> None:
    studio, path = studio_file(tmp_path)
    path.write_text("2026-11-26T12:30:00.000000Z")
    os.chown(path, 65534, 65534)
    # Root itself reads only files of root; a user reads its own and root's.
    assert studio.read() is None


def test_poll_reports_each_new_timestamp_of_another_tool_once(tmp_path: Path) -> None:
    clock = FakeClock()
    studio, path = studio_file(tmp_path, clock)
    assert studio.poll() is None
    path.write_text("2026-11-26T12:01:00.000000Z")
    assert studio.poll() == T0 + timedelta(minutes=1)
    assert studio.poll() is None  # unchanged: not activity again
    # What we wrote ourselves is not another tool's activity.
    clock.advance(120)
    assert studio.write(clock()) is True
    assert studio.poll() is None
    path.write_text("2026-11-26T12:03:00.000000Z")
    assert studio.poll() == T0 + timedelta(minutes=3)


def test_nothing_ever_raises(tmp_path: Path) -> None:
    # A path that cannot even be opened (a NUL byte) or that is too long is only "no value".
    for bad in (str(tmp_path / "a\x00b"), str(tmp_path / ("x" * 5000))):
        studio = StudioActivityFile(bad, FakeClock(), logging.getLogger(LOGGER))
        assert studio.read() is None
        assert studio.poll() is None
        assert studio.write(T0) is False


# -- the checker's hooks --------------------------------------------------------------------


def checker(tmp_path: Path, **traits: Any) -> tuple[Any, FakeClock, Path]:
    path = tmp_path / "studio" / ".sagemaker-last-active-timestamp"
    path.parent.mkdir()
    traits.setdefault("studio_activity_file", str(path))
    idle, clock, _, _ = make(tmp_path, **traits)
    return idle, clock, path


async def test_user_activity_writes_the_file_and_ticks_do_not(tmp_path: Path) -> None:
    idle, clock, path = checker(tmp_path)
    assert idle.studio_activity_file == str(path)
    for _ in range(5):
        clock.advance(30)
        await idle.check()
        idle.status_json()
    assert not path.exists()
    idle.record_activity("typing in a.ipynb")
    assert path.read_text() == format_timestamp(clock())
    assert idle.status_json()["last_activity"] == clock().isoformat()
    assert idle.status_json()["last_activity_source"] == "typing in a.ipynb"
    # Reading it back on the next tick does not change who the activity was.
    clock.advance(1)
    await idle.check()
    assert idle.status_json()["last_activity_source"] == "typing in a.ipynb"


async def test_keep_running_writes_the_file(tmp_path: Path) -> None:
    idle, clock, path = checker(tmp_path)
    clock.advance(9 * 60)
    await idle.check()
    assert idle.status_json()["state"] == "warning"
    idle.record_activity("keep running")
    assert path.read_text() == format_timestamp(clock())
    assert idle.status_json()["state"] == "active"


async def test_another_tools_newer_timestamp_is_activity(tmp_path: Path) -> None:
    idle, clock, path = checker(tmp_path)
    clock.advance(9 * 60)
    await idle.check()
    assert idle.status_json()["state"] == "warning"
    # The Code Editor (or the AWS Toolkit) saw the user 10 s ago.
    path.write_text(format_timestamp(clock() - timedelta(seconds=10)))
    await idle.check()
    status = idle.status_json()
    assert status["state"] == "active"
    assert status["last_activity_source"] == SOURCE
    assert status["last_activity"] == (clock() - timedelta(seconds=10)).isoformat()
    assert status["seconds_until_shutdown"] == 10 * 60 - 10


async def test_an_older_timestamp_or_garbage_is_not(tmp_path: Path) -> None:
    idle, clock, path = checker(tmp_path)
    clock.advance(5 * 60)
    idle.record_activity("typing")
    clock.advance(60)
    for content in (format_timestamp(clock() - timedelta(minutes=3)), "garbage", ""):
        path.write_text(content)
        await idle.check()
        status = idle.status_json()
        assert status["last_activity_source"] == "typing"
        assert status["check_error"] is None


async def test_a_future_timestamp_counts_once_as_now(tmp_path: Path) -> None:
    idle, clock, path = checker(tmp_path)
    path.write_text("2099-01-01T00:00:00.000000Z")
    clock.advance(60)
    await idle.check()
    assert idle.status_json()["last_activity"] == clock().isoformat()
    assert idle.status_json()["last_activity_source"] == SOURCE
    # Left there, it cannot keep the app up: only a change of the file is activity.
    clock.advance(8 * 60)
    await idle.check()
    assert idle.status_json()["state"] == "warning"
    clock.advance(2 * 60)
    await idle.check()
    assert idle.status_json()["state"] in ("shutting-down", "shut-down")


async def test_empty_path_disables_both_ways(tmp_path: Path) -> None:
    idle, clock, path = checker(tmp_path, studio_activity_file="")
    path.write_text(format_timestamp(clock() + timedelta(seconds=5)))
    clock.advance(30)
    await idle.check()
    assert idle.status_json()["last_activity_source"] == "app start"
    path.unlink()
    idle.record_activity("typing")
    assert list(path.parent.iterdir()) == []


def test_default_is_the_studio_path() -> None:
    from jupyter_smcost.idle.checker import IdleShutdown

    assert DEFAULT_PATH == "/tmp/.sagemaker-last-active-timestamp"
    assert IdleShutdown.class_traits()["studio_activity_file"].default_value == DEFAULT_PATH


# -- a real server --------------------------------------------------------------------------
