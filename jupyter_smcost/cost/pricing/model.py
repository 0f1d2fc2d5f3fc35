"""Value types of the pricing core: what was asked (`PriceKey`) and what was found."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

#: Where a price came from, in resolution order. "unknown" is not a source: it is `Unknown`.
SOURCES = ("override", "cache", "price-list-api", "snapshot")


@dataclass(frozen=True)
class PriceKey:
    """One priced thing: an instance type of one component (see `components.py`) in a region."""

    region: str
    instance_type: str
    component: str

    def as_str(self) -> str:
        """A stable text form, used as the disk cache key."""
        return f"{self.region}|{self.component}|{self.instance_type}"

    @classmethod
    def from_str(cls, text: str) -> PriceKey:
        region, component, instance_type = text.split("|")
        return cls(region=region, instance_type=instance_type, component=component)


@dataclass(frozen=True)
class Price:
    """An hourly price in USD; never zero, never negative, always with its source."""

    usd_per_hour: float
    source: str
    #: The date the figure is valid for, ISO `YYYY-MM-DD`.
    as_of: str
    #: Human-readable provenance, e.g. "AWS Price List API, us-east-1, 2026-11-26".
    detail: str

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"unknown price source {self.source!r}")
        if not (math.isfinite(self.usd_per_hour) and self.usd_per_hour > 0):
            raise ValueError(f"a price must be a positive number, not {self.usd_per_hour!r}")

    def discounted(self, percent: float) -> Price:
        """This price with a contract discount applied (no-op for 0 %)."""
        if not percent:
            return self
        return replace(
            self,
            usd_per_hour=self.usd_per_hour * (1.0 - percent / 100.0),
            detail=f"{self.detail}, less {percent:g}% discount",
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "known": True,
            "usd_per_hour": self.usd_per_hour,
            "source": self.source,
            "as_of": self.as_of,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Unknown:
    """No price could be found; the reason is shown to the user instead of a $0 figure."""

    key: PriceKey
    reason: str

    @classmethod
    def for_key(cls, key: PriceKey, why: str = "") -> Unknown:
        reason = f"price unknown for {key.instance_type} ({key.component}) in region {key.region}"
        return cls(key=key, reason=f"{reason}: {why}" if why else reason)

    def to_dict(self) -> dict[str, Any]:
        return {"known": False, "usd_per_hour": None, "source": "unknown", "reason": self.reason}


PriceResult = Price | Unknown
