"""The monthly budget: a ledger of what the extension priced, and the `GET budget` document.

Pure: no tornado, no AWS. The clock is passed in with every observation; the service
(budget_service.py) feeds it this app's rate and the user's running resources.

Spend is accrued, never guessed: a resource counts only for the time between two
observations that both saw it running (each at the rate of the earlier one), and an
interval longer than `max_gap_seconds` (the server was down, the laptop closed, no
listing) is not counted at all. So the figure is a floor of what AWS bills: it never bills
what it did not see. Months are calendar months in UTC; an interval that crosses a month's
end is split between the two. The ledger is kept in the state directory
(`budget-ledger.json`), written atomically together with the last observations, so a
restart continues the month's total from the file: no time before the restart is counted
twice, and nothing written is lost.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
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

FILE_NAME = "budget-ledger.json"
VERSION = 1
MAX_BYTES = 512 * 1024
#: Resources remembered between observations; the oldest observations go first.
MAX_SEEN = 2000
MAX_ID = 512
#: An interval between two observations longer than this is not counted (see above).
DEFAULT_MAX_GAP_SECONDS = 3900.0
#: A month's figure per source beyond this is not one (a hostile file): dropped on reading.
MAX_SOURCE_USD = 1e12
#: `state` is "near" from this share of the budget spent (or when the projection reaches it).
NEAR_SHARE = 0.8

#: This app's own session (`spent_sources`' key).
THIS_APP = "this-app"
#: The `spent_sources` key of each kind of the resources listing (cost/resources.py).
SOURCE_OF_KIND = {
    "training-job": "training-jobs",
    "tuning-job": "training-jobs",
    "processing-job": "processing-jobs",
    "transform-job": "transform-jobs",
    "endpoint": "endpoints",
    "studio-app": "apps",
    "notebook-instance": "notebook-instances",
}
SOURCES = (THIS_APP, *dict.fromkeys(SOURCE_OF_KIND.values()))
STATES = ("no-budget", "under", "near", "over")


def month_of(at: datetime) -> str:
    """The UTC calendar month of `at`, as "YYYY-MM"."""
    at = at.astimezone(timezone.utc)
    return f"{at.year:04d}-{at.month:02d}"


def month_start(month: str) -> datetime:
    year, number = (int(part) for part in month.split("-"))
    return datetime(year, number, 1, tzinfo=timezone.utc)


def next_month_start(at: datetime) -> datetime:
    at = at.astimezone(timezone.utc)
    if at.month == 12:
        return datetime(at.year + 1, 1, 1, tzinfo=timezone.utc)
    return datetime(at.year, at.month + 1, 1, tzinfo=timezone.utc)


def _month(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) != 7 or value[4] != "-":
        return None
    try:
        month_start(value)
    except ValueError:
        return None
    return value


def _sources(value: Any) -> dict[str, float]:
    if not isinstance(value, dict):
        return {}
    out = {}
    for key, usd in value.items():
        number = stored_amount(usd)
        if isinstance(key, str) and key in SOURCES and number is not None:
            if number <= MAX_SOURCE_USD:
                out[key] = number
    return out


@dataclass(frozen=True)
class Observed:
    """One running resource as the listing priced it."""

    #: Unique per resource (kind, ARN or name; an endpoint's variant too): the dedupe key.
    id: str
    #: A `spent_sources` key.
    source: str
    #: Its $/h now; None when no price is known (then it is not counted).
    usd_per_hour: float | None


@dataclass
class _Seen:
    at: datetime
    usd_per_hour: float | None
    source: str


class BudgetLedger:
    """This user's spend per UTC month, from the observations it is given."""

    def __init__(
        self,
        directory: str | Path,
        *,
        max_gap_seconds: float = DEFAULT_MAX_GAP_SECONDS,
        log: logging.Logger | None = None,
    ) -> None:
        self.path = Path(directory) / FILE_NAME
        self.max_gap_seconds = max_gap_seconds
        self.log = log or _log
        self.month: str | None = None
        self.sources: dict[str, float] = {}
        #: The month before, for the record: {"month", "spent_usd", "sources"}.
        self.previous: dict[str, Any] | None = None
        #: When this month's counting began (the first observation in it).
        self.since: datetime | None = None
        self._seen: dict[str, _Seen] = {}
        self._loaded = False
        self._dirty = False
        self._logged_error: str | None = None

    # -- reading -------------------------------------------------------------------------

    def load(self) -> None:
        """Read the file once (a file we cannot use is set aside: the month starts afresh)."""
        if self._loaded:
            return
        self._loaded = True
        value, why = read_json(self.path, MAX_BYTES)
        if why == MISSING:
            return
        if why is None and not (isinstance(value, dict) and value.get("version") == VERSION):
            why = f"it is not a version {VERSION} budget ledger"
        month = _month(value.get("month")) if why is None else None
        if why is None and month is None:
            why = "it names no month"
        if why is not None:
            set_aside(self.path, f"{why}; the month's spend starts from 0", self.log, "ledger")
            return
        self.month = month
        self.sources = _sources(value.get("sources"))
        self.since = stored_time(value.get("since"))
        previous = value.get("previous")
        if isinstance(previous, dict) and _month(previous.get("month")):
            sources = _sources(previous.get("sources"))
            self.previous = {
                "month": previous["month"],
                "spent_usd": sum(sources.values()),
                "sources": sources,
            }
        seen = value.get("seen")
        if isinstance(seen, dict):
            for key, raw in list(seen.items())[-MAX_SEEN:]:
                if not (isinstance(key, str) and len(key) <= MAX_ID and isinstance(raw, dict)):
                    continue
                at, source = stored_time(raw.get("at")), raw.get("source")
                if at is None or source not in SOURCES:
                    continue
                self._seen[key] = _Seen(at, stored_amount(raw.get("usd_per_hour")), str(source))

    # -- accrual -------------------------------------------------------------------------

    def _roll(self, month: str) -> None:
        """Move on to `month`: the month before is kept for the record, the new one is 0."""
        if self.month is not None and self.month >= month:
            return
        if self.month is not None:
            self.previous = {
                "month": self.month,
                "spent_usd": sum(self.sources.values()),
                "sources": dict(self.sources),
            }
        self.month = month
        self.sources = {}
        self.since = None
        self._dirty = True

    def _add(self, source: str, usd_per_hour: float, start: datetime, end: datetime) -> None:
        """`usd_per_hour` from `start` to `end`, split at each month's end."""
        while start < end:
            cut = min(end, next_month_start(start))
            usd = usd_per_hour * (cut - start).total_seconds() / 3600.0
            month = month_of(start)
            self._roll(month)
            if not (math.isfinite(usd) and 0 < usd <= MAX_SOURCE_USD):
                pass
            elif month == self.month:
                self.sources[source] = self.sources.get(source, 0.0) + usd
                self._dirty = True
            elif self.previous is not None and self.previous["month"] == month:
                sources = self.previous["sources"]
                sources[source] = sources.get(source, 0.0) + usd
                self.previous["spent_usd"] = sum(sources.values())
                self._dirty = True
            # An older month than both (a clock that went back): not counted.
            start = cut

    def observe(
        self,
        now: datetime,
        running: Iterable[Observed],
        covers: Iterable[str],
        max_gap_seconds: float | None = None,
    ) -> None:
        """What runs at `now`, for the sources `covers` names (this app alone, or what one
        listing covers). Each resource seen at the last observation too accrues its rate
        then for the time since (unless that is longer than `max_gap_seconds`); a resource
        of those sources not seen now is forgotten: when it stopped is not known, so that
        last interval is not counted. Ids seen twice in one call count once (the last).
        `max_gap_seconds`: this observation's own cap (else the ledger's)."""
        self.load()
        cap = self.max_gap_seconds if max_gap_seconds is None else max_gap_seconds
        now = now.astimezone(timezone.utc)
        self._roll(month_of(now))
        if self.since is None:
            self.since = now
            self._dirty = True
        covered = set(covers)
        current = {item.id[:MAX_ID]: item for item in running if item.source in SOURCES}
        covered.update(item.source for item in current.values())
        kept: dict[str, _Seen] = {
            key: seen for key, seen in self._seen.items() if seen.source not in covered
        }
        for key, item in current.items():
            before = self._seen.get(key)
            if before is not None and before.at < now:
                gap = (now - before.at).total_seconds()
                if gap <= cap and before.usd_per_hour:
                    self._add(before.source, before.usd_per_hour, before.at, now)
            elif before is not None and before.at >= now:
                kept[key] = before  # the same (or an older) listing again: nothing new
                continue
            kept[key] = _Seen(now, item.usd_per_hour, item.source)
        if kept != self._seen:
            self._dirty = True
        # The most recently seen are kept when there are too many.
        ordered = sorted(kept.items(), key=lambda pair: pair[1].at)
        self._seen = dict(ordered[-MAX_SEEN:])

    # -- figures -------------------------------------------------------------------------

    def spent(self, now: datetime) -> tuple[str, float, dict[str, float]]:
        """(month, spent this month, per source) as of the last observation; a month the
        ledger has not reached yet is 0."""
        self.load()
        month = month_of(now)
        if self.month != month:
            return month, 0.0, {}
        sources = {key: round(value, 6) for key, value in self.sources.items()}
        return month, round(sum(self.sources.values()), 6), sources

    def previous_month(self, now: datetime) -> dict[str, Any] | None:
        """The month before `now`'s, if the ledger counted in it."""
        self.load()
        month = month_of(now)
        if self.month is not None and self.month < month:
            return {"month": self.month, "spent_usd": round(sum(self.sources.values()), 6)}
        if self.previous is not None:
            return {
                "month": self.previous["month"],
                "spent_usd": round(self.previous["spent_usd"], 6),
            }
        return None

    # -- writing -------------------------------------------------------------------------

    def save(self) -> bool:
        """Write the ledger if anything changed; False when it could not be (kept in memory,
        logged once)."""
        if not self._dirty:
            return True
        document = {
            "version": VERSION,
            "month": self.month,
            "since": None if self.since is None else self.since.isoformat(),
            "sources": self.sources,
            "previous": self.previous,
            "seen": {
                key: {"at": s.at.isoformat(), "usd_per_hour": s.usd_per_hour, "source": s.source}
                for key, s in self._seen.items()
            },
        }
        try:
            write_json(self.path, document, MAX_BYTES)
        except (OSError, ValueError) as err:
            message = f"cannot write {self.path}: {getattr(err, 'strerror', None) or err}"
            if message != self._logged_error:
                self._logged_error = message
                self.log.warning("jupyter-smcost: the budget ledger is kept in memory: %s", message)
            return False
        self._logged_error = None
        self._dirty = False
        return True


def budget_state(budget: float | None, spent: float, projected: float | None) -> str:
    """ "no-budget"; "over" once spent >= budget; "near" from 80% spent or when the
    projection reaches the budget; else "under"."""
    if budget is None:
        return "no-budget"
    if spent >= budget:
        return "over"
    if spent >= NEAR_SHARE * budget or (projected is not None and projected >= budget):
        return "near"
    return "under"


def projection(
    spent: float, usd_per_hour: float | None, now: datetime
) -> tuple[float | None, float]:
    """(spent + rate x hours left to the month's end (None when the rate is not known),
    hours left)."""
    hours = max(0.0, (next_month_start(now) - now).total_seconds() / 3600.0)
    if usd_per_hour is None:
        return None, hours
    projected = spent + usd_per_hour * hours
    return (round(projected, 6) if math.isfinite(projected) else None), hours
