"""The bundled, dated price snapshot: the fallback when the Price List API cannot answer.

`snapshot.json` (next to this module) is generated from AWS's own price data, by
`scripts/snapshot_from_price_feed.py` (a public copy of AWS's pricing-page feed) or
`scripts/update_prices.py` (AWS's bulk offer file). Format:

    {"source": "...", "generated": "YYYY-MM-DD",
     "prices": {"<region>": {"<component key>": {"<instance type>": ENTRY}}}}

where ENTRY is a number (USD per hour, dated `generated`, from `source`) or
`{"usd_per_hour", "as_of", "source", "estimate"?}` for an entry of its own provenance.
An optional `"estimates": {"<component>": {"from": "<component>", "note": "..."}}` lets one
component's rate stand in for another's that AWS does not publish, labelled as an estimate.
Component keys come from `components.py`. A figure older than `STALE_DAYS` says so.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from ...statefiles import MISSING, read_json
from .model import Price, PriceKey

log = logging.getLogger(__name__)

DEFAULT_PATH = Path(__file__).with_name("snapshot.json")
#: A snapshot of every region's SageMaker prices is a few hundred KB; far more is not one.
MAX_SNAPSHOT_BYTES = 64 << 20
NO_SNAPSHOT = "no bundled snapshot: run scripts/update_prices.py"
#: Figures older than this many days say so.
STALE_DAYS = 180


@dataclass(frozen=True)
class Entry:
    usd_per_hour: float
    as_of: str
    detail: str


@dataclass(frozen=True)
class Snapshot:
    source: str = ""
    generated: str = ""
    prices: dict[str, dict[str, dict[str, Entry]]] = field(default_factory=dict)
    #: What this snapshot is, or why it is empty.
    detail: str = NO_SNAPSHOT
    #: component -> (the component whose rate stands in, why)
    estimates: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not any(i for c in self.prices.values() for i in c.values())

    def lookup(self, key: PriceKey, today: date | None = None) -> Price | None:
        regional = self.prices.get(key.region, {})
        entry = regional.get(key.component, {}).get(key.instance_type)
        note = None
        if entry is None and key.component in self.estimates:
            stand_in, note = self.estimates[key.component]
            entry = regional.get(stand_in, {}).get(key.instance_type)
        if entry is None:
            return None
        detail = entry.detail if note is None else f"{entry.detail}; estimate: {note}"
        age = _age_days(entry.as_of, today or datetime.now(timezone.utc).date())
        if age is not None and age > STALE_DAYS:
            detail += f"; {age} days old (older than {STALE_DAYS} days)"
        return Price(entry.usd_per_hour, "snapshot", entry.as_of, detail)


def _age_days(as_of: str, today: date) -> int | None:
    try:
        return (today - date.fromisoformat(as_of[:10])).days
    except ValueError:
        return None


def parse_snapshot(data: Any) -> Snapshot:
    """Validate snapshot JSON; entries that are not positive numbers are dropped."""
    if not isinstance(data, dict) or not isinstance(data.get("prices"), dict):
        raise ValueError("a price snapshot needs a 'prices' object")
    source = str(data.get("source", "")).strip() or "unnamed source"
    generated = str(data.get("generated", "")).strip()
    detail = f"bundled snapshot of {source}, generated {generated or 'on an unknown date'}"
    prices: dict[str, dict[str, dict[str, Entry]]] = {}
    for region, comps in data["prices"].items():
        if not isinstance(comps, dict):
            continue
        for comp, instances in comps.items():
            if not isinstance(instances, dict):
                continue
            for instance, value in instances.items():
                entry = _entry(value, generated, detail)
                if entry is not None:
                    prices.setdefault(region, {}).setdefault(comp, {})[instance] = entry
    estimates = {
        str(component): (str(rule["from"]), str(rule.get("note") or "a related rate"))
        for component, rule in (data.get("estimates") or {}).items()
        if isinstance(rule, dict) and rule.get("from")
    }
    return Snapshot(
        source=source, generated=generated, prices=prices, detail=detail, estimates=estimates
    )


def _entry(value: Any, generated: str, detail: str) -> Entry | None:
    """A number (the snapshot's own date and source) or an object with its own."""
    if isinstance(value, dict):
        usd = value.get("usd_per_hour")
        as_of = str(value.get("as_of") or generated)
        own = str(value.get("source") or "").strip()
        detail = f"bundled snapshot of {own}" if own else detail
        if value.get("estimate"):
            detail += f"; estimate: {value['estimate']}"
    else:
        usd, as_of = value, generated
    if isinstance(usd, bool) or not isinstance(usd, int | float):
        return None
    if not (math.isfinite(usd) and usd > 0):
        return None
    return Entry(float(usd), as_of, detail)


def load_snapshot(path: str | os.PathLike[str] | None = None) -> Snapshot:
    """The snapshot at `path` (default: the bundled one), or an empty one saying why."""
    p = Path(path) if path is not None else DEFAULT_PATH
    # Fail safe: a FIFO or a link to a device there never holds up the server.
    data, why = read_json(p, MAX_SNAPSHOT_BYTES, follow_symlinks=True)
    if why == MISSING:
        return Snapshot(detail=NO_SNAPSHOT)
    try:
        if why is not None:
            raise ValueError(why)
        return parse_snapshot(data)
    except ValueError as err:
        log.warning("ignoring unreadable price snapshot %s: %s", p, err)
        return Snapshot(detail=f"unreadable price snapshot {p.name}: {err}")
