"""The timestamp file Studio's own idle shutdown reads, both ways.

Studio's built-in idle shutdown asks jupyter-activity-monitor-extension's `/api/idle`, which
takes the latest of kernel activity, terminal activity and the UTC timestamp in
`/tmp/.sagemaker-last-active-timestamp` (written by the Code Editor idle extension and the
AWS Toolkit, formatted `%Y-%m-%dT%H:%M:%S.%fZ`). Typing in a notebook moves none of them, so
Studio's backstop could delete an app that we know is in use. So:

- real user activity (the frontend heartbeat, "keep running") is written to the file, at most
  once per `min_interval_seconds`; never background polling, never the checker's ticks;
- a new timestamp in the file that another tool wrote counts as activity for our clock.

Pure: no tornado, no event loop; the clock is injected. Nothing here raises. The file lives in
a world-writable directory, so it is handled as hostile: written through an exclusively created
temporary file and `os.replace` (`statefiles.write_atomic`, which replaces a planted symlink,
never its target, and leaves anything else that is not a regular file alone; our own stale
temporary files are removed when this object is made, at start); read only
when it is a regular file of ours (or root's), small, opened without following symlinks and
without blocking on a FIFO. The write is not fsynced: the file is a hint, not a record, and an
fsync could stall the request that carries the heartbeat.
"""

from __future__ import annotations

import logging
import os
import stat
from datetime import datetime, timedelta, timezone
from typing import Any

from ..statefiles import clean_temp_files, write_atomic
from .activity import Clock, as_utc

DEFAULT_PATH = "/tmp/.sagemaker-last-active-timestamp"
#: What Studio's reader parses (`datetime.strptime(text.strip(), TIMESTAMP_FORMAT)`).
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
#: Also read (never written): the same without the fraction of a second.
_WHOLE_SECONDS_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
#: One timestamp is 27 bytes; anything much larger is not one.
MAX_BYTES = 256
#: A heartbeat comes every few tens of seconds; Studio's timeouts are in minutes.
MIN_WRITE_INTERVAL_SECONDS = 10.0
#: The activity source shown in the status when another tool's timestamp moved our clock.
SOURCE = "studio activity file"

_log = logging.getLogger(__name__)


def format_timestamp(at: datetime) -> str:
    """`at` in UTC, in the file's format (always with microseconds)."""
    return as_utc(at).strftime(TIMESTAMP_FORMAT)


def parse_timestamp(text: str | bytes) -> datetime | None:
    """The UTC time in the file's content, or None when it is not exactly one timestamp."""
    try:
        value = text.decode("ascii") if isinstance(text, bytes) else text
    except UnicodeDecodeError:
        return None
    value = value.strip()
    # strptime's digits include other scripts' digits; the file's format is ASCII only.
    if not value.isascii() or not value.endswith("Z"):
        return None
    for fmt in (TIMESTAMP_FORMAT, _WHOLE_SECONDS_FORMAT):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    return None


class StudioActivityFile:
    """Reads and writes one timestamp file; see the module's docstring."""

    def __init__(
        self,
        path: str,
        clock: Clock,
        log: logging.Logger | logging.LoggerAdapter[Any] | None = None,
        min_interval_seconds: float = MIN_WRITE_INTERVAL_SECONDS,
    ) -> None:
        self.path = path
        self._clock = clock
        self._log = log or _log
        self._interval = timedelta(seconds=max(min_interval_seconds, 0.0))
        #: When we last tried to write (successfully or not): the rate limit.
        self._tried_at: datetime | None = None
        #: The timestamp we last wrote, and the last one `poll` saw in the file.
        self._ours: datetime | None = None
        self._seen: datetime | None = None
        #: Problems already logged at warning (later ones go to debug).
        self._warned: set[str] = set()
        directory, base = os.path.split(path)
        try:
            # Only ours, only of this name: the directory is shared.
            clean_temp_files(directory or ".", self._log, names=[base])
        except Exception as err:  # noqa: BLE001 - cleaning up must never stop the checker
            self._log.debug("jupyter-smcost: cannot clean temporary files of %s: %r", path, err)

    # -- writing --------------------------------------------------------------------------

    def write(self, at: datetime) -> bool:
        """Record real user activity at `at`; returns whether the file was written.

        Skipped (False) within `min_interval_seconds` of the previous try. Never raises: a
        file that cannot be written is logged once at warning, then at debug.
        """
        now = self._clock()
        last = self._tried_at
        if last is not None and last <= now < last + self._interval:
            return False
        self._tried_at = now
        text = format_timestamp(at)
        try:
            self._replace(text.encode("ascii"))
        except Exception as err:  # noqa: BLE001 - a hint for Studio must never break a request
            reason = err.strerror if isinstance(err, OSError) and err.strerror else repr(err)
            self._warn_once(
                "write",
                "jupyter-smcost: cannot write Studio's activity file %s (%s); Studio's own idle "
                "shutdown will not see activity in JupyterLab tabs",
                self.path,
                reason,
            )
            return False
        self._ours = self._seen = parse_timestamp(text)
        self._warned.discard("write")
        return True

    def _replace(self, data: bytes) -> None:
        # Readable by all: Studio's reader may be another user. No fsync: see the docstring.
        write_atomic(
            self.path, data, mode=0o644, fsync=False, create_dir=False, replace_symlink=True
        )

    # -- reading --------------------------------------------------------------------------

    def read(self) -> datetime | None:
        """The timestamp in the file, or None (missing, unsafe, unreadable or not one)."""
        try:
            raw = self._read_bytes()
        except Exception as err:  # noqa: BLE001 - reading a hint must never fail a tick
            self._log.debug("jupyter-smcost: cannot read %s: %r", self.path, err)
            return None
        if raw is None:
            return None
        value = parse_timestamp(raw)
        if value is None:
            self._log.debug(
                "jupyter-smcost: %s holds %r, not a timestamp; ignored", self.path, raw[:64]
            )
        return value

    def _read_bytes(self) -> bytes | None:
        flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0)
        flags |= getattr(os, "O_CLOEXEC", 0)
        try:
            # O_NONBLOCK: a FIFO at the name must not wait for a writer; O_NOFOLLOW: no link.
            fd = os.open(self.path, flags)
        except FileNotFoundError:
            return None
        except OSError as err:
            self._ignore("open", f"cannot open it ({err.strerror or err})")
            return None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                self._ignore("kind", "it is not a regular file")
                return None
            if info.st_uid not in (os.geteuid(), 0):
                self._ignore("owner", f"it belongs to another user (uid {info.st_uid})")
                return None
            if info.st_size > MAX_BYTES:
                self._ignore("size", f"it is {info.st_size} bytes, more than {MAX_BYTES}")
                return None
            raw = os.read(fd, MAX_BYTES + 1)
        finally:
            os.close(fd)
        if len(raw) > MAX_BYTES:
            self._ignore("size", f"it grew past {MAX_BYTES} bytes")
            return None
        return raw

    def poll(self) -> datetime | None:
        """A timestamp another tool wrote since the last poll, or None.

        Only a change of the file is news: a timestamp left in it (even one from the future,
        which the caller counts as now) counts once, so it cannot keep the app up. What we
        wrote ourselves is not news either.
        """
        value = self.read()
        if value is None or value == self._seen:
            return None
        self._seen = value
        if value == self._ours:
            return None
        return value

    # -- logging --------------------------------------------------------------------------

    def _ignore(self, key: str, why: str) -> None:
        self._warn_once(
            key, "jupyter-smcost: ignoring Studio's activity file %s: %s", self.path, why
        )

    def _warn_once(self, key: str, message: str, *args: Any) -> None:
        if key in self._warned:
            self._log.debug(message, *args)
        else:
            self._warned.add(key)
            self._log.warning(message, *args)
