"""The user's idle settings on disk, so they apply with no browser open and after a restart.

Reading is fail safe: whatever is at the path (a FIFO, a directory, a huge or hostile file),
`load` returns quickly with a dict and a warning; the caller validates the values. Writing is
atomic and durable (temp file, fsync, rename, fsync of the directory) and never raises: a
read-only or missing state directory is reported to the caller in words.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from ..statefiles import MISSING, read_json

_log = logging.getLogger(__name__)

#: A settings file holds three numbers; anything much larger is not ours.
MAX_BYTES = 64 * 1024
TEMP_PREFIX = ".settings-"


class SettingsStore:
    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.path = self.directory / "settings.json"

    def load(self, log: logging.Logger | None = None) -> Any:
        """The parsed file (any JSON value), or {} with a warning when it cannot be read."""
        log = log or _log
        self._remove_stale_temp_files(log)
        value, why = read_json(self.path, MAX_BYTES)
        if why == MISSING:
            return {}
        if why is not None:
            self._warn(log, why)
            return {}
        return value

    def _warn(self, log: logging.Logger, why: str) -> None:
        log.warning(
            "jupyter-smcost: ignoring the user settings file %s: %s; the admin's settings apply",
            self.path,
            why,
        )

    def _remove_stale_temp_files(self, log: logging.Logger) -> None:
        """A crash between writing and renaming leaves a temp file behind; clear them."""
        try:
            stale = list(self.directory.glob(f"{TEMP_PREFIX}*.json"))
        except OSError:
            return
        for path in stale:
            try:
                path.unlink()
                log.info("jupyter-smcost: removed a stale temporary settings file %s", path)
            except OSError:
                pass

    def save(self, data: dict[str, Any]) -> str | None:
        """Write atomically and durably; returns None, or why it could not be written."""
        tmp: str | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=TEMP_PREFIX, suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=2, sort_keys=True, allow_nan=False)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
            tmp = None
            self._fsync_directory()
        except (OSError, ValueError) as err:
            reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
            where = getattr(err, "filename", None) or self.directory
            return f"cannot write {where}: {reason}"
        finally:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
        return None

    def _fsync_directory(self) -> None:
        try:
            fd = os.open(self.directory, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)
