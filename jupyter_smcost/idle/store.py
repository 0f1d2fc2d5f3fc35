"""The user's idle settings on disk, so they apply with no browser open and after a restart.

Reading is fail safe: whatever is at the path (a FIFO, a directory, a huge or hostile file),
`load` returns quickly with a dict and a warning, and sets the unreadable file aside so the
next save starts afresh; the caller validates the values. Writing is atomic and durable
(`statefiles.write_json`: temp file, fsync, rename, fsync of the directory) and never raises:
a read-only or missing state directory is reported to the caller in words.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ..statefiles import MISSING, clean_temp_files, read_json, set_aside, write_json

_log = logging.getLogger(__name__)

#: A settings file holds three numbers; anything much larger is not ours.
MAX_BYTES = 64 * 1024


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
        set_aside(self.path, f"{why}; the admin's settings apply", log, "user settings file")

    def _remove_stale_temp_files(self, log: logging.Logger) -> None:
        """A crash between writing and renaming leaves a temp file behind; clear them."""
        clean_temp_files(self.directory, log, names=[self.path.name])

    def save(self, data: dict[str, Any]) -> str | None:
        """Write atomically and durably; returns None, or why it could not be written."""
        try:
            write_json(self.path, data, MAX_BYTES, indent=2, sort_keys=True)
        except (OSError, ValueError) as err:
            reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
            where = getattr(err, "filename", None) or self.directory
            return f"cannot write {where}: {reason}"
        return None
