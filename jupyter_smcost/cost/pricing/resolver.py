"""Resolve an hourly price through the sources of DESIGN §6, in order.

1. Admin overrides (`c.Pricing.overrides`), keyed by `"<component>:<instance type>"` or by
   instance type alone; the component-specific key wins. Overrides are taken to be the
   admin's actual (contract) rate, so `discount_percent` is NOT applied to them.
2. The disk cache of AWS list prices.
3. The AWS Price List API through `fetch(key)`. A found price is cached for the cache TTL;
   an empty answer or an error is remembered for `miss_ttl_seconds`, so at most one call per
   key per TTL is made, also when many threads ask for the same key at once (single flight:
   one lock per key, the cache re-checked under it).
4. The bundled snapshot.
5. `Unknown`, with the reason; never $0.

`discount_percent` applies to AWS list prices (cache, API, snapshot).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from datetime import date

from .cache import PriceCache
from .components import COMPONENTS
from .model import Price, PriceKey, PriceResult, Unknown
from .snapshot import Snapshot

log = logging.getLogger(__name__)

DEFAULT_MISS_TTL_SECONDS = 3600.0

Fetch = Callable[[PriceKey], Price | None]


def check_overrides(overrides: Mapping[str, float]) -> dict[str, float]:
    checked = {}
    for name, usd in overrides.items():
        component, sep, _instance = name.rpartition(":")
        if sep and component not in COMPONENTS:
            raise ValueError(f"price override {name!r}: unknown component {component!r}")
        try:
            value = float(usd)
        except (TypeError, ValueError):
            value = math.nan
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"price override {name!r} must be a positive $/h, not {usd!r}")
        checked[name] = value
    return checked


class PriceResolver:
    def __init__(
        self,
        overrides: Mapping[str, float] | None = None,
        discount_percent: float = 0.0,
        cache: PriceCache | None = None,
        fetch: Fetch | None = None,
        snapshot: Snapshot | None = None,
        clock: Callable[[], float] = time.time,
        *,
        miss_ttl_seconds: float = DEFAULT_MISS_TTL_SECONDS,
        today: Callable[[], date] = date.today,
    ) -> None:
        if not (0 <= discount_percent < 100):
            raise ValueError(f"discount_percent must be in [0, 100), not {discount_percent!r}")
        self.overrides = check_overrides(overrides or {})
        self.discount_percent = float(discount_percent)
        self.cache = cache if cache is not None else PriceCache(None, clock=clock)
        self.fetch = fetch
        self.snapshot = snapshot if snapshot is not None else Snapshot()
        self.clock = clock
        self.miss_ttl_seconds = miss_ttl_seconds
        self.today = today
        self._locks_guard = threading.Lock()
        self._locks: dict[PriceKey, threading.Lock] = {}

    def _key_lock(self, key: PriceKey) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(key, threading.Lock())

    def _override(self, key: PriceKey) -> Price | None:
        for name in (f"{key.component}:{key.instance_type}", key.instance_type):
            if name in self.overrides:
                return Price(
                    self.overrides[name],
                    "override",
                    self.today().isoformat(),
                    f"admin override c.Pricing.overrides[{name!r}]",
                )
        return None

    def _from_api(self, key: PriceKey) -> tuple[Price | None, str]:
        """Cache, then (once per key per TTL) the Price List API; also says why it failed."""
        cached = self.cache.get(key)
        if cached is not None:
            return cached, ""
        if self.fetch is None:
            return None, "no Price List access configured"
        with self._key_lock(key):
            cached = self.cache.get(key)
            if cached is not None:
                return cached, ""
            miss = self.cache.get_miss(key)
            if miss is not None:
                return None, miss.reason
            try:
                found = self.fetch(key)
            except Exception as err:  # any AWS/network failure: remember it briefly
                log.warning("Price List lookup failed for %s: %s", key.as_str(), err)
                reason = f"Price List API error: {err}"
                self.cache.put_miss(key, reason, self.miss_ttl_seconds)
                return None, reason
            if found is None:
                reason = "not in the AWS Price List"
                self.cache.put_miss(key, reason, self.miss_ttl_seconds)
                return None, reason
            self.cache.put(key, found)
            return found, ""

    def resolve(self, key: PriceKey) -> PriceResult:
        if key.component not in COMPONENTS:
            return Unknown.for_key(key, f"unknown component {key.component!r}")
        override = self._override(key)
        if override is not None:
            return override
        price, why = self._from_api(key)
        if price is None:
            price = self.snapshot.lookup(key)
        if price is None:
            reasons = [why] if why else []
            reasons.append(
                self.snapshot.detail if self.snapshot.empty else "not in the bundled snapshot"
            )
            return Unknown.for_key(key, "; ".join(reasons))
        return price.discounted(self.discount_percent)
