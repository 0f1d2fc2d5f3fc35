"""What the suggestions keep on disk, in the state directory: each user's dismissals
(`suggestions-dismissed.json`) and the audit log of actions (`actions-audit.jsonl`, one JSON
object a line: who, when, what, result).

Fail safe like the idle settings store: a corrupt file is ignored with a log line (nothing is
hidden then), a write that fails is reported to the caller, writes are atomic.
"""

from __future__ import annotations

import json
import logging
import math
import os
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DISMISSED_FILE = "suggestions-dismissed.json"
AUDIT_FILE = "actions-audit.jsonl"
MAX_DISMISSED_PER_USER = 1000
MAX_FILE_BYTES = 1 << 20
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
        try:
            if self.path.stat().st_size > MAX_FILE_BYTES:
                raise ValueError("larger than 1 MiB")
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, RecursionError) as err:
            log.warning("jupyter-smcost: ignoring dismissed suggestions in %s: %s", self.path, err)
            return {}
        data: dict[str, dict[str, str | None]] = {}
        if not isinstance(raw, dict):
            return data
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
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".dismissed-", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    json.dump(self._data, out)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as err:
            log.warning("jupyter-smcost: cannot save dismissed suggestions: %s", err)
            return str(err)
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
    """Appends one line per action attempt; never raises (a log line says why not)."""

    def __init__(self, state_dir: str | Path) -> None:
        self.path = Path(state_dir) / AUDIT_FILE

    def append(self, entry: dict[str, Any]) -> bool:
        try:
            line = json.dumps(entry, default=str, allow_nan=False) + "\n"
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as out:
                out.write(line)
                out.flush()
                os.fsync(out.fileno())
        except (OSError, ValueError) as err:
            log.warning("jupyter-smcost: cannot write the action audit log %s: %s", self.path, err)
            return False
        return True

    def entries(self) -> list[dict[str, Any]]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except OSError:
            return []
        out = []
        for line in lines:
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                out.append(value)
        return out
