"""Hostile state files: FIFOs whose other end is watched (a read or write that blocks is
seen), and what a store sets aside."""

from __future__ import annotations

import os
import select
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


class FifoWatch:
    """Releases whoever is blocked opening the FIFO at `path`, and records it: a reader
    waiting for a writer (a non-blocking open for writing succeeds only when there is a
    reader), or a writer waiting for a reader (it writes once we open the read end)."""

    def __init__(self, path: Path, interval: float = 0.5) -> None:
        self.path = path
        self.blocked: list[str] = []
        self._interval = interval
        self._passes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def never_blocked(self) -> bool:
        """Whether nobody blocked on the FIFO, once the pass under way is done."""
        wanted = self._passes + 2
        deadline = time.monotonic() + 10
        while self._passes < wanted and time.monotonic() < deadline:
            time.sleep(0.05)
        return not self.blocked

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._pass()
            self._passes += 1

    def _pass(self) -> None:
        try:
            if not stat.S_ISFIFO(os.lstat(self.path).st_mode):
                return
        except OSError:
            return
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            pass
        else:
            self.blocked.append("reader")
            os.close(fd)
            return
        fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            deadline = time.monotonic() + 1.0
            while (left := deadline - time.monotonic()) > 0:
                if select.select([fd], [], [], left)[0]:
                    try:
                        if os.read(fd, 65536):
                            self.blocked.append("writer")
                            break
                    except BlockingIOError:
                        pass
                    time.sleep(0.05)
        finally:
            os.close(fd)


@pytest.fixture
def watch() -> Iterator[list[FifoWatch]]:
    watches: list[FifoWatch] = []
    yield watches
    for w in watches:
        w.stop()


def set_aside_files(directory: Path, name: str) -> list[Path]:
    return sorted(directory.glob(f"{name}.bad-*"))


def plant(path: Path, kind: str, watches: list[FifoWatch]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "fifo":
        fifo(path, watches)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "directory":
        path.mkdir()
    else:
        path.write_bytes(b"\xff{[" * 10)


def fifo(path: Path, watches: list[FifoWatch]) -> Path:
    os.mkfifo(path)
    watches.append(FifoWatch(path))
    return path
