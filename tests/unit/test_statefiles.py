"""Every state file fails safe like the settings file: regular files only, bounded reads,
no blocking opens, atomic writes, stale temp files cleaned at start, JSON Lines that survive
a torn tail, a bad file set aside with a log line; and a real server whose state directory
holds a FIFO or a symlink to /dev/zero starts, checks, and answers while POST actions runs.

A FIFO that the code under test blocks on is released by `FifoWatch` (so a regression fails
the test instead of hanging it) and recorded there.
"""

from __future__ import annotations

import logging
import os
import signal
import stat
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from jupyter_smcost import statefiles
from jupyter_smcost.cost.pricing.cache import PriceCache
from jupyter_smcost.idle.store import SettingsStore
from jupyter_smcost.idle.studio_activity import StudioActivityFile
from jupyter_smcost.statefiles import (
    MISSING,
    NotRegularFile,
    append_jsonl,
    clean_temp_files,
    read_json,
    read_jsonl,
    set_aside,
    write_atomic,
    write_json,
)
from jupyter_smcost.suggestions.store import AuditLog, DismissStore
from jupyter_smcost.suggestions.usage import UsageSampler
from tests.support.paths import REPO
from tests.support.statefiles import FifoWatch, fifo, plant, set_aside_files

log = logging.getLogger("tests.statefiles")


def warnings(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and text in r.getMessage()
    ]


# --------------------------------------------------------------------------- the module


def test_read_json_refuses_fifo_link_directory_and_huge_at_once(
    tmp_path: Path, watch: list[FifoWatch]
) -> None:
    fifo(tmp_path / "fifo.json", watch)
    (tmp_path / "zero.json").symlink_to("/dev/zero")
    (tmp_path / "dir.json").mkdir()
    (tmp_path / "huge.json").write_text("[" + "0," * 1000 + "0]")
    started = time.monotonic()
    assert read_json(tmp_path / "fifo.json", 100) == (None, "it is not a regular file")
    assert read_json(tmp_path / "zero.json", 100) == (None, "it is a symbolic link")
    assert read_json(tmp_path / "dir.json", 100) == (None, "it is not a regular file")
    assert read_json(tmp_path / "huge.json", 100)[1] == "it is 2003 bytes, more than 100"
    assert read_json(tmp_path / "absent.json", 100) == (None, MISSING)
    assert time.monotonic() - started < 1.0
    assert watch[0].never_blocked()


def test_write_json_is_atomic_and_leaves_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "state.json"
    write_json(path, {"a": 1}, 1000)
    before = path.stat().st_ino
    with open(path, "rb") as reader:
        write_json(path, {"a": 2}, 1000)
        # Replaced, not rewritten in place: a reader of the old file still sees it whole.
        assert reader.read() == b'{"a": 1}'
    assert read_json(path, 1000) == ({"a": 2}, None)
    assert path.stat().st_ino != before
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]
    with pytest.raises(ValueError):
        write_json(path, {"a": float("nan")}, 1000)
    with pytest.raises(ValueError):
        write_json(path, {"a": "x" * 2000}, 1000)  # what read_json would refuse next time
    assert read_json(path, 1000) == ({"a": 2}, None)


@pytest.mark.parametrize("kind", ["fifo", "directory", "symlink"])
def test_write_refuses_to_replace_what_is_not_a_regular_file(
    tmp_path: Path, kind: str, watch: list[FifoWatch]
) -> None:
    path = tmp_path / "state.json"
    victim = tmp_path / "victim"
    victim.write_text("precious")
    if kind == "fifo":
        fifo(path, watch)
    elif kind == "directory":
        path.mkdir()
    else:
        path.symlink_to(victim)
    with pytest.raises(NotRegularFile):
        write_json(path, {"a": 1}, 1000)
    assert victim.read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json", "victim"]
    if kind == "symlink":
        write_atomic(path, b"x", replace_symlink=True)  # Studio's file in /tmp: the link goes
        assert not path.is_symlink() and path.read_bytes() == b"x"
        assert victim.read_text() == "precious"


def test_a_failed_write_never_replaces_the_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.json"
    write_json(path, {"a": 1}, 1000)
    real_write = os.write

    def half_then_fail(fd: int, data: Any) -> int:
        if len(data) > 4:
            return real_write(fd, bytes(data[:4]))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(statefiles.os, "write", half_then_fail)
    with pytest.raises(OSError, match="No space"):
        write_json(path, {"a": 22222}, 1000)
    monkeypatch.undo()
    assert read_json(path, 1000) == ({"a": 1}, None)
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


KILLED_WRITER = """
import os, sys, time
from jupyter_smcost import statefiles
def stall(fd):
    print("written", flush=True)
    time.sleep(60)
statefiles.os.fsync = stall
statefiles.write_json(sys.argv[1], {"new": "x" * 100000}, 1 << 20)
"""


@pytest.mark.slow
def test_a_writer_killed_mid_write_leaves_the_old_file_and_a_temp_cleaned_at_start(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.json"
    write_json(path, {"old": True}, 1000)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(path)], stdout=subprocess.PIPE, env=env
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == b"written\n"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        if child.stdout is not None:
            child.stdout.close()
    assert read_json(path, 1000) == ({"old": True}, None)
    temps = [p for p in tmp_path.iterdir() if p != path]
    assert len(temps) == 1 and temps[0].name.startswith(".state.json.smcost-")
    assert clean_temp_files(tmp_path, log) == temps
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_clean_temp_files_removes_ours_only(tmp_path: Path) -> None:
    stale = [
        ".suggestions-dismissed.json.smcost-0123456789abcdef.tmp",
        ".dismissed-abc.tmp",
        ".usage-abc.tmp",
        ".prices-abc.tmp",
        ".settings-abc.json",
    ]
    kept = ["settings.json", ".dismissed-abc.json", "notes.tmp", "usage-ledger.json.bad-1"]
    for name in stale + kept:
        (tmp_path / name).write_text("x")
    (tmp_path / ".a.smcost-dir.tmp").mkdir()  # a directory is never removed
    (tmp_path / ".b.smcost-link.tmp").symlink_to("/dev/zero")  # a link: the link goes
    removed = clean_temp_files(tmp_path, log)
    assert sorted(p.name for p in removed) == sorted([*stale, ".b.smcost-link.tmp"])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*kept, ".a.smcost-dir.tmp"])
    # Of some targets only (a shared directory such as /tmp).
    (tmp_path / ".x.smcost-1.tmp").write_text("x")
    (tmp_path / ".y.smcost-1.tmp").write_text("x")
    assert [p.name for p in clean_temp_files(tmp_path, log, names=["x"])] == [".x.smcost-1.tmp"]
    assert (tmp_path / ".y.smcost-1.tmp").exists()


def test_set_aside_renames_with_one_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "state.json"
    path.write_text("{broken")
    with caplog.at_level(logging.WARNING):
        moved = set_aside(path, "it is not valid JSON", log)
        path.write_text("{broken again")
        again = set_aside(path, "still bad", log)
    assert moved is not None and moved.read_text() == "{broken"
    assert again is not None and again != moved and again.read_text() == "{broken again"
    assert not path.exists()
    assert moved.name.startswith("state.json.bad-20")
    lines = warnings(caplog, "set aside")
    assert len(lines) == 2 and str(path) in lines[0] and "not valid JSON" in lines[0]


def test_jsonl_a_torn_last_line_never_swallows_the_next_entry(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    append_jsonl(path, {"n": 1}, 1000)
    with open(path, "ab") as out:
        out.write(b'{"n": 2, "torn')  # a crash mid-append
    append_jsonl(path, {"n": 3}, 1000)
    append_jsonl(path, {"n": 4}, 1000)
    assert read_jsonl(path, 1000) == ([{"n": 1}, {"n": 3}, {"n": 4}], None)
    with open(path, "ab") as out:
        out.write(b'{"n": 5')
    assert read_jsonl(path, 1000) == ([{"n": 1}, {"n": 3}, {"n": 4}], None)
    with pytest.raises(ValueError):
        append_jsonl(path, {"n": float("inf")}, 1000)


def test_jsonl_rotates_at_its_size_cap(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    for n in range(30):
        append_jsonl(path, {"n": n}, 100)
    assert path.stat().st_size <= 100
    newest, _ = read_jsonl(path, 100)
    older, _ = read_jsonl(path.with_name("log.jsonl.1"), 100)
    assert [e["n"] for e in older + newest] == list(range(30))[-len(older + newest) :]
    assert newest[-1] == {"n": 29}


@pytest.mark.parametrize("kind", ["fifo", "fifo-with-reader", "dev-zero", "directory"])
def test_jsonl_append_refuses_at_once_what_is_not_a_regular_file(
    tmp_path: Path, kind: str, watch: list[FifoWatch]
) -> None:
    path = tmp_path / "log.jsonl"
    reader = -1
    if kind == "fifo":
        fifo(path, watch)
    elif kind == "fifo-with-reader":
        os.mkfifo(path)
        reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    else:
        path.mkdir()
    try:
        started = time.monotonic()
        with pytest.raises(NotRegularFile):
            append_jsonl(path, {"n": 1}, 1000)
        assert read_jsonl(path, 1000)[0] == []
        assert time.monotonic() - started < 1.0
        if reader >= 0:
            try:
                written = os.read(reader, 100)
            except BlockingIOError:
                written = b""
            assert written == b""  # nothing went into the pipe
    finally:
        if reader >= 0:
            os.close(reader)
    assert all(w.never_blocked() for w in watch)


# --------------------------------------------------------------------------- the stores

STORE_FILES = {
    "suggestions-dismissed.json": lambda d: DismissStore(d).hidden("me"),
    "usage-ledger.json": lambda d: UsageSampler(d, cpu=lambda: 1.0, memory=lambda: 1.0).ledger,
    "actions-audit.jsonl": lambda d: AuditLog(d).entries(),
    "settings.json": lambda d: SettingsStore(d).load(log),
    "price-cache.json": lambda d: PriceCache(d / "price-cache.json")._load(),
}
HOSTILE = ["fifo", "dev-zero", "directory", "junk"]


@pytest.mark.parametrize("kind", HOSTILE)
@pytest.mark.parametrize("name", list(STORE_FILES))
def test_every_store_reads_a_hostile_file_at_once_and_sets_it_aside(
    tmp_path: Path,
    name: str,
    kind: str,
    watch: list[FifoWatch],
    caplog: pytest.LogCaptureFixture,
) -> None:
    path = tmp_path / name
    plant(path, kind, watch)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        loaded = STORE_FILES[name](tmp_path)
    assert time.monotonic() - started < 2.0
    assert not loaded
    assert all(w.never_blocked() for w in watch)
    if name == "actions-audit.jsonl" and kind == "junk":
        return  # a JSON Lines file with a bad line is kept: its good lines still count
    lines = warnings(caplog, str(path))
    assert len(lines) == 1, caplog.text
    assert not os.path.lexists(path), "set aside, so the next write starts afresh"
    assert len(set_aside_files(tmp_path, name)) == 1


def test_stores_write_again_after_a_bad_file_was_set_aside(
    tmp_path: Path, watch: list[FifoWatch]
) -> None:
    for name in STORE_FILES:
        plant(tmp_path / name, "fifo", watch)
    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    store = DismissStore(tmp_path, clock=lambda: now)
    assert store.dismiss("me", "a", None) == (None, None)
    assert DismissStore(tmp_path).hidden("me") == {"a"}
    audit = AuditLog(tmp_path)
    assert audit.append({"action_id": "x"})
    assert AuditLog(tmp_path).entries() == [{"action_id": "x"}]
    sampler = UsageSampler(tmp_path, cpu=lambda: 1.0, memory=lambda: 1.0, clock=lambda: now)
    sampler.ledger = {"2026-12-01": 1.5}
    sampler.flush()
    assert UsageSampler(tmp_path, cpu=lambda: 1.0, memory=lambda: 1.0).ledger == {"2026-12-01": 1.5}
    settings = SettingsStore(tmp_path)
    assert settings.load(log) == {}
    assert settings.save({"timeout_minutes": 30}) is None
    assert SettingsStore(tmp_path).load(log) == {"timeout_minutes": 30}
    assert all(w.never_blocked() for w in watch)


def test_an_audit_fifo_appearing_later_is_set_aside_and_the_entry_written(
    tmp_path: Path, watch: list[FifoWatch], caplog: pytest.LogCaptureFixture
) -> None:
    audit = AuditLog(tmp_path)
    assert audit.append({"n": 1})
    (tmp_path / "actions-audit.jsonl").unlink()
    fifo(tmp_path / "actions-audit.jsonl", watch)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        assert audit.append({"n": 2})
    assert time.monotonic() - started < 1.0
    assert audit.entries() == [{"n": 2}]
    assert len(warnings(caplog, "set aside")) == 1
    assert watch[0].never_blocked()


def test_audit_torn_tail_keeps_the_next_entry(tmp_path: Path) -> None:
    audit = AuditLog(tmp_path)
    assert audit.append({"action_id": "a"})
    with open(tmp_path / "actions-audit.jsonl", "ab") as out:
        out.write(b'{"action_id": "b", "res')
    assert audit.append({"action_id": "c"})
    assert [e["action_id"] for e in audit.entries()] == ["a", "c"]


def test_studio_activity_file_cleans_its_own_stale_temp_files(tmp_path: Path) -> None:
    ours = tmp_path / ".sagemaker-last-active-timestamp.smcost-0123456789abcdef.tmp"
    other = tmp_path / ".other.smcost-0123456789abcdef.tmp"
    ours.write_text("2026")
    other.write_text("2026")
    studio = StudioActivityFile(
        str(tmp_path / ".sagemaker-last-active-timestamp"), lambda: datetime.now(timezone.utc)
    )
    assert not ours.exists() and other.exists()
    assert studio.write(datetime(2026, 12, 1, tzinfo=timezone.utc))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".other.smcost-0123456789abcdef.tmp",
        ".sagemaker-last-active-timestamp",
    ]


# --------------------------------------------------------------------------- a real server
