"""What the suggestions keep on disk, in the state directory: each user's dismissals
(`suggestions-dismissed.json`) and the audit log of actions (`actions-audit.jsonl`, one JSON
object a line: who, when, what, result).

Fail safe like the idle settings store, through `statefiles`: whatever is at either path (a
FIFO, a symlink to /dev/zero, junk) is read without blocking or without limit, then set aside
with a log line (nothing is hidden then); a write that fails is reported to the caller; the
dismissals are written atomically; the audit log is appended without blocking (it is written
from a request) and a torn last line never swallows the next entry.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from ..statefiles import (
    MISSING,
    NotRegularFile,
    append_jsonl,
    read_json,
    read_jsonl,
    set_aside,
    write_json,
)

log = logging.getLogger(__name__)

DISMISSED_FILE = "suggestions-dismissed.json"
AUDIT_FILE = "actions-audit.jsonl"
MAX_DISMISSED_PER_USER = 1000
MAX_FILE_BYTES = 1 << 20
#: The audit log is rotated (to actions-audit.jsonl.1) past this size.
MAX_AUDIT_BYTES = 8 << 20
MAX_DISMISS_DAYS = 3650.0


class DismissStore:
    def __init__(
        self,
        state_dir: str | Path,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.path = Path(state_dir) / DISMISSED_FILE
        self._clock = clock
        # user -> suggestion id -> until (ISO) or None for ever
        self._data: dict[str, dict[str, str | None]] = self._load()

    def _load(self) -> dict[str, dict[str, str | None]]:
        raw, why = read_json(self.path, MAX_FILE_BYTES)
        if why == MISSING:
            return {}
        if why is None and not isinstance(raw, dict):
            why = "it is not a JSON object"
        if why is not None:
            set_aside(self.path, why, log, "dismissed suggestions file")
            return {}
        data: dict[str, dict[str, str | None]] = {}
        for user, entries in raw.items():
            if not isinstance(user, str) or not isinstance(entries, dict):
                continue
            data[user] = {
                str(k): v
                for k, v in entries.items()
                if isinstance(k, str) and (v is None or _parse(v) is not None)
            }
        return data

    def _save(self) -> str | None:
        for attempt in range(2):
            try:
                write_json(self.path, self._data, MAX_FILE_BYTES)
            except NotRegularFile as err:
                if attempt == 0:
                    # Appeared since the start: out of the way, then write afresh.
                    set_aside(self.path, str(err.strerror), log, "dismissed suggestions file")
                    continue
                error: Exception = err
            except (OSError, ValueError) as err:
                error = err
            else:
                return None
            log.warning("jupyter-smcost: cannot save dismissed suggestions: %s", error)
            return str(error)
        return None

    def dismiss(
        self, user: str, suggestion_id: str, days: float | None
    ) -> tuple[str | None, str | None]:
        """Hide `suggestion_id` for `user` (for `days`, or for good); (until, save error)."""
        until = None
        if days is not None:
            until = (self._clock() + timedelta(days=days)).isoformat()
        entries = self._data.setdefault(user, {})
        entries[suggestion_id] = until
        if len(entries) > MAX_DISMISSED_PER_USER:
            # The oldest dismissals go first (dicts keep insertion order).
            for key in list(entries)[: len(entries) - MAX_DISMISSED_PER_USER]:
                del entries[key]
        return until, self._save()

    def restore(self, user: str, suggestion_id: str) -> tuple[bool, str | None]:
        """Show a dismissed suggestion again; (whether it was dismissed, save error)."""
        entries = self._data.get(user, {})
        if suggestion_id not in entries:
            return False, None
        del entries[suggestion_id]
        return True, self._save()

    def hidden(self, user: str) -> set[str]:
        now = self._clock()
        out = set()
        for key, until in self._data.get(user, {}).items():
            end = _parse(until) if until else None
            if until is None or (end is not None and end > now):
                out.add(key)
        return out


def _parse(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def valid_days(value: Any) -> float | None:
    """`days` of a dismiss request: None (for good) or a positive finite number; raises
    ValueError with a message otherwise."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("days must be a number of days, or absent to dismiss for good")
    try:
        days = float(value)
    except OverflowError:  # an int of hundreds of digits
        days = math.inf
    if not math.isfinite(days) or days <= 0 or days > MAX_DISMISS_DAYS:
        raise ValueError(f"days must be more than 0 and at most {MAX_DISMISS_DAYS:g}")
    return days


class AuditLog:
    """Appends one line per action attempt; never raises (a log line says why not) and never
    blocks: the file is opened non-blocking and only a regular file is written."""

    def __init__(self, state_dir: str | Path) -> None:
        self.path = Path(state_dir) / AUDIT_FILE

    def append(self, entry: dict[str, Any]) -> bool:
        for attempt in range(2):
            try:
                append_jsonl(self.path, entry, MAX_AUDIT_BYTES)
            except NotRegularFile as err:
                if attempt == 0:
                    set_aside(self.path, str(err.strerror), log, "action audit log")
                    continue
                self._cannot(err)
                return False
            except (OSError, ValueError) as err:
                self._cannot(err)
                return False
            return True
        return False

    def _cannot(self, err: Exception) -> None:
        log.warning("jupyter-smcost: cannot write the action audit log %s: %s", self.path, err)

    def entries(self) -> list[dict[str, Any]]:
        values, why = read_jsonl(self.path, MAX_AUDIT_BYTES)
        if why is not None and why != MISSING:
            set_aside(self.path, why, log, "action audit log")
        return [value for value in values if isinstance(value, dict)]
