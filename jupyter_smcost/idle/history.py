"""The user's own idle history: every warning, postponement, "Keep running" and shutdown.

"Why was I stopped": a bounded, append-only list of events kept in the state directory
(`history.json`, next to settings.json). At the next server start the last shutdown learns
when the user came back and what that idle night did not cost (`came_back`); its summary is
the once-only `notice` until a client acknowledges it (`seen`).

No tornado import. The clock is injected. Like every state file it is read as untrusted:
a file we cannot use is set aside with a warning and the history starts afresh; one bad
entry is dropped alone. Nothing here raises into the checker: a write that fails is logged
and the entry is kept in memory.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..statefiles import (
    MISSING,
    read_json,
    set_aside,
    stored_amount,
    stored_time,
    write_json,
)

_log = logging.getLogger(__name__)

FILE_NAME = "history.json"
VERSION = 1
#: What happened. Later parts add reasons, never kinds the panel cannot show.
KINDS = ("warning", "postponed", "keep-running", "shutdown")
#: Why: the idle timeout, the idle budget (c.IdleShutdown.max_idle_usd), or the tighter
#: timeout while over the monthly budget (c.Budget.over_budget_timeout_minutes) (the admin's
#: audit and the fleet check will add "admin-audit" and "fleet-check"); any short text is
#: kept, so an older server reads them.
REASONS = ("timeout", "budget", "monthly-budget", "admin-audit", "fleet-check")
DEFAULT_LIMIT = 200
MAX_LIMIT = 10_000
#: The whole file; the oldest entries are dropped first to stay under it.
MAX_BYTES = 1024 * 1024
#: Per entry: the paths kept of what was saved or not, and the length of each text.
MAX_PATHS = 50
MAX_TEXT = 1024
MAX_REASON = 64
#: Presses of "Keep running" closer than this to the previous one are one entry (a client
#: that posts it in a loop must not rewrite the file each time).
KEEP_RUNNING_GAP_SECONDS = 60.0

Clock = Callable[[], datetime]


def _iso(at: datetime) -> str:
    return at.astimezone(timezone.utc).isoformat()


def _text(value: Any, limit: int = MAX_TEXT) -> str | None:
    return value[:limit] if isinstance(value, str) else None


def _paths(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [p[:MAX_TEXT] for p in value if isinstance(p, str) and p][:MAX_PATHS]


def _failures(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list):
        return []
    out = []
    for item in value:
        if isinstance(item, dict) and isinstance(item.get("path"), str) and item["path"]:
            error = item.get("error")
            out.append(
                {
                    "path": item["path"][:MAX_TEXT],
                    "error": (error if isinstance(error, str) and error else "unknown error")[
                        :MAX_TEXT
                    ],
                }
            )
    return out[:MAX_PATHS]


def avoided_usd(
    rate_usd_per_hour: float | None, stopped_at: datetime, came_back_at: datetime, dry_run: bool
) -> float | None:
    """What the stopped time did not cost: rate x (came back - stopped), to the cent; None
    when the rate is unknown or nothing was really stopped (a dry run). Never NaN or inf."""
    rate = stored_amount(rate_usd_per_hour)
    if dry_run or not rate:  # a price is never $0: 0 is not known either
        return None
    seconds = max(0.0, (came_back_at - stopped_at).total_seconds())
    usd = rate * seconds / 3600.0
    return round(usd, 2) if math.isfinite(usd) else None


def clean_entry(raw: Any) -> dict[str, Any] | None:
    """One entry as we write it, from whatever the file holds; None if it is not one."""
    if not isinstance(raw, dict) or raw.get("kind") not in KINDS:
        return None
    at = stored_time(raw.get("at"))
    entry_id = raw.get("id")
    if at is None or isinstance(entry_id, bool) or not isinstance(entry_id, int) or entry_id < 0:
        return None
    shutdown = raw["kind"] == "shutdown"
    came_back = stored_time(raw.get("came_back_at")) if shutdown else None
    dry_run = shutdown and raw.get("dry_run") is True
    return {
        "id": entry_id,
        "at": _iso(at),
        "kind": raw["kind"],
        "reason": _text(raw.get("reason"), MAX_REASON) or "timeout",
        "idle_seconds": stored_amount(raw.get("idle_seconds")) or 0.0,
        "rate_usd_per_hour": stored_amount(raw.get("rate_usd_per_hour")) or None,
        "saved": _paths(raw.get("saved")),
        "unsaved": _failures(raw.get("unsaved")),
        "action": _text(raw.get("action")) if shutdown else None,
        "dry_run": dry_run,
        "came_back_at": None if came_back is None else _iso(came_back),
        # A dry run stopped nothing: it never claims money not spent.
        "avoided_usd": None if dry_run or not shutdown else stored_amount(raw.get("avoided_usd")),
    }


class IdleHistory:
    """The bounded history of idle events in `<directory>/history.json`."""

    def __init__(
        self,
        directory: str | Path,
        *,
        clock: Clock,
        limit: int = DEFAULT_LIMIT,
        log: logging.Logger | None = None,
    ) -> None:
        self.path = Path(directory) / FILE_NAME
        self._clock = clock
        self.limit = limit
        self.log = log or _log
        self._entries: list[dict[str, Any]] | None = None  # read at first use
        self._notice_id: int | None = None
        self._next_id = 1
        self._logged_error: str | None = None

    @property
    def limit(self) -> int:
        return self._limit

    @limit.setter
    def limit(self, value: int) -> None:
        self._limit = min(max(int(value), 1), MAX_LIMIT)

    # -- reading -------------------------------------------------------------------------

    def _load(self) -> list[dict[str, Any]]:
        if self._entries is not None:
            return self._entries
        self._entries = []
        value, why = read_json(self.path, MAX_BYTES)
        if why == MISSING:
            return self._entries
        if why is None and not (
            isinstance(value, dict)
            and value.get("version") == VERSION
            and isinstance(value.get("entries"), list)
        ):
            why = f"it is not a version {VERSION} history"
        if why is not None:
            set_aside(self.path, f"{why}; the history starts afresh", self.log, "idle history")
            return self._entries
        raw_entries = value["entries"]
        entries = [e for e in map(clean_entry, raw_entries) if e is not None]
        if len(entries) < len(raw_entries):
            self.log.warning(
                "jupyter-smcost: ignoring %d unreadable entries of the idle history %s",
                len(raw_entries) - len(entries),
                self.path,
            )
        self._entries = entries[-self.limit :]
        self._next_id = max((e["id"] for e in self._entries), default=0) + 1
        notice = value.get("notice_id")
        if (
            isinstance(notice, int)
            and not isinstance(notice, bool)
            and any(e["id"] == notice and e["kind"] == "shutdown" for e in self._entries)
        ):
            self._notice_id = notice
        return self._entries

    def entries(self) -> list[dict[str, Any]]:
        """Copies of the entries, oldest first."""
        return [dict(e) for e in self._load()]

    def notice(self) -> dict[str, Any] | None:
        """The last shutdown the user has not been told about yet (its entry), or None."""
        for entry in reversed(self._load()):
            if entry["id"] == self._notice_id:
                return dict(entry)
        return None

    def to_json(self) -> dict[str, Any]:
        """The `GET history` document."""
        return {"entries": self.entries(), "notice": self.notice(), "limit": self.limit}

    # -- writing -------------------------------------------------------------------------

    def record(
        self,
        kind: str,
        *,
        idle_seconds: float,
        rate_usd_per_hour: float | None,
        reason: str = "timeout",
        saved: list[str] | None = None,
        unsaved: list[dict[str, str]] | None = None,
        action: str | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any] | None:
        """Append an event and persist the history; returns the entry (None when a press of
        Keep running follows the previous one too closely to be a new one)."""
        if kind not in KINDS:
            raise ValueError(f"unknown history kind {kind!r}")
        entries = self._load()
        now = self._clock()
        last = entries[-1] if entries else None
        if kind == "keep-running" and last is not None and last["kind"] == kind:
            since = (now - datetime.fromisoformat(last["at"])).total_seconds()
            if 0 <= since < KEEP_RUNNING_GAP_SECONDS:
                return None
        entry = clean_entry(
            {
                "id": self._next_id,
                "at": _iso(now),
                "kind": kind,
                "reason": reason,
                "idle_seconds": round(idle_seconds, 1) if math.isfinite(idle_seconds) else 0.0,
                "rate_usd_per_hour": rate_usd_per_hour,
                "saved": saved or [],
                "unsaved": unsaved or [],
                "action": action,
                "dry_run": dry_run,
            }
        )
        assert entry is not None  # built from valid parts
        self._next_id += 1
        entries.append(entry)
        self._save()
        return dict(entry)

    def came_back(self) -> dict[str, Any] | None:
        """At a server start: the user is back. If the last event was a shutdown nobody came
        back from yet, note when, what that saved, and make it the notice; returns it."""
        entries = self._load()
        if not entries or entries[-1]["kind"] != "shutdown" or entries[-1]["came_back_at"]:
            return None
        entry = entries[-1]
        now = self._clock()
        entry["came_back_at"] = _iso(now)
        entry["avoided_usd"] = avoided_usd(
            entry["rate_usd_per_hour"],
            datetime.fromisoformat(entry["at"]),
            now,
            entry["dry_run"],
        )
        self._notice_id = entry["id"]
        self._save()
        return dict(entry)

    def seen(self, notice_id: int | None = None) -> bool:
        """The client showed the notice (`notice_id`: that one only, so a tab that showed an
        older one does not hide a newer one). Returns whether a notice was cleared."""
        self._load()
        if self._notice_id is None or (notice_id is not None and notice_id != self._notice_id):
            return False
        self._notice_id = None
        self._save()
        return True

    def _save(self) -> None:
        entries = self._load()
        del entries[: -self.limit]
        while True:
            document = {"version": VERSION, "notice_id": self._notice_id, "entries": entries}
            try:
                write_json(self.path, document, MAX_BYTES, indent=1)
            except ValueError as err:
                # Too big (long path lists): the oldest go first; never NaN (entries are clean).
                if len(entries) > 1:
                    del entries[: max(1, len(entries) // 10)]
                    continue
                self._log_error(f"cannot write {self.path}: {err}")
                return
            except OSError as err:
                self._log_error(f"cannot write {self.path}: {err.strerror or err}")
                return
            self._logged_error = None
            return

    def _log_error(self, message: str) -> None:
        # Once per distinct failure: the checker records on every warning and shutdown.
        if message != self._logged_error:
            self._logged_error = message
            self.log.warning("jupyter-smcost: the idle history is kept in memory only: %s", message)
