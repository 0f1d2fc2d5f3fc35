"""The admin's pricing settings (`c.Pricing.*`) and an asyncio front for `PriceResolver`.

The resolver is synchronous (it may call the Price List API); `PriceService` runs it in a
worker thread, lets any number of coroutines wait on one lookup per key, and remembers the
answers for a while so a status poll never leaves the event loop.
"""

from __future__ import annotations

import asyncio
import math
import os
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from traitlets import Bool, Dict, Float, TraitError, Unicode, validate
from traitlets.config import LoggingConfigurable

from ...tolerant_config import TolerantConfig
from .cache import PriceCache
from .components import COMPONENTS
from .model import Price, PriceKey, PriceResult, Unknown
from .pricelist import DEFAULT_ENDPOINT_REGION, make_fetcher
from .resolver import PriceResolver, check_overrides
from .snapshot import load_snapshot


@dataclass(frozen=True)
class Pending:
    """A price still being looked up."""

    key: PriceKey

    def to_dict(self) -> dict[str, Any]:
        return {
            "known": False,
            "usd_per_hour": None,
            "source": "pending",
            "reason": f"looking up the price of {self.key.instance_type} "
            f"({self.key.component}) in {self.key.region}",
        }


PriceAnswer = Price | Unknown | Pending


class Pricing(TolerantConfig, LoggingConfigurable):
    """Where prices come from (DESIGN §6)."""

    overrides = Dict(
        help='Your own $/h, e.g. {"ml.g5.xlarge": 1.2, "training:ml.p3.2xlarge": 3.0}. Keys are '
        'an instance type, or "<component>:<instance type>" (components: '
        + ", ".join(COMPONENTS)
        + "). Overrides are used as they are: discount_percent does not apply to them.",
    ).tag(config=True)
    discount_percent = Float(
        0.0, help="A contract discount off AWS list prices, in percent (0 <= x < 100)."
    ).tag(config=True)
    use_price_list_api = Bool(
        True, help="Ask the AWS Price List API (needs pricing:GetProducts)."
    ).tag(config=True)
    endpoint_region = Unicode(
        DEFAULT_ENDPOINT_REGION,
        help="Region of the Price List API endpoint (it exists in few regions).",
    ).tag(config=True)
    cache_path = Unicode(
        "", help="The price cache file (default: price-cache.json in SMCost.state_dir)."
    ).tag(config=True)
    cache_ttl_days = Float(7.0, help="How long a price from AWS is reused.").tag(config=True)
    snapshot_path = Unicode(
        "", help="A price snapshot file to use instead of the bundled one."
    ).tag(config=True)

    @validate("overrides")
    def _valid_overrides(self, proposal: Any) -> dict[str, float]:
        # The resolver's own check, reported as a configuration error.
        try:
            return check_overrides(dict(proposal["value"]))
        except (TypeError, ValueError) as err:
            raise TraitError(f"c.Pricing.overrides: {err}") from None

    @validate("discount_percent")
    def _valid_discount(self, proposal: Any) -> float:
        value = float(proposal["value"])
        if not (0 <= value < 100):
            raise TraitError(f"c.Pricing.discount_percent must be in [0, 100), not {value:g}")
        return value

    @validate("cache_ttl_days")
    def _valid_ttl(self, proposal: Any) -> float:
        value = float(proposal["value"])
        if not (math.isfinite(value) and value > 0):
            raise TraitError("c.Pricing.cache_ttl_days must be a positive number of days")
        return value

    def build_resolver(
        self, state_dir: str, client_factory: Callable[[], Any] | None = None
    ) -> PriceResolver:
        cache_file = self.cache_path or str(Path(state_dir) / "price-cache.json")
        fetch = None
        if self.use_price_list_api:
            fetch = make_fetcher(client_factory, endpoint_region=self.endpoint_region)
            endpoint = os.environ.get("AWS_ENDPOINT_URL_PRICING") or os.environ.get(
                "AWS_ENDPOINT_URL"
            )
            if endpoint:
                inner = fetch

                def fetch_labelled(key: PriceKey) -> Price | None:
                    # Say so when the "Price List API" is not AWS's own (e.g. the emulator).
                    found = inner(key)
                    if found is None:
                        return None
                    return Price(
                        found.usd_per_hour,
                        found.source,
                        found.as_of,
                        f"{found.detail}, endpoint {endpoint}",
                    )

                fetch = fetch_labelled
        return PriceResolver(
            overrides=self.overrides,
            discount_percent=self.discount_percent,
            cache=PriceCache(cache_file, ttl_seconds=self.cache_ttl_days * 86400),
            fetch=fetch,
            snapshot=load_snapshot(self.snapshot_path or None),
        )


Runner = Callable[[Callable[[], PriceResult]], Awaitable[PriceResult]]


class PriceService:
    """`await get(key)`: one lookup per key at a time, answers remembered `memo_seconds`."""

    def __init__(
        self,
        resolver: PriceResolver,
        run: Runner,
        *,
        memo_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.resolver = resolver
        self._run = run
        self.memo_seconds = memo_seconds
        self._clock = clock
        self._memo: dict[PriceKey, tuple[float, PriceResult]] = {}
        self._inflight: dict[PriceKey, asyncio.Future[PriceResult]] = {}

    def peek(self, key: PriceKey) -> PriceResult | None:
        found = self._memo.get(key)
        if found is None or self._clock() - found[0] > self.memo_seconds:
            return None
        return found[1]

    async def get(self, key: PriceKey) -> PriceResult:
        known = self.peek(key)
        if known is not None:
            return known
        future = self._inflight.get(key)
        if future is None:
            future = asyncio.ensure_future(self._lookup(key))
            self._inflight[key] = future
        return await asyncio.shield(future)

    async def _lookup(self, key: PriceKey) -> PriceResult:
        try:
            result = await self._run(lambda: self.resolver.resolve(key))
        except Exception as err:  # the resolver handles AWS errors; this is a bug guard
            result = Unknown.for_key(key, f"price lookup failed: {err!r}")
        finally:
            self._inflight.pop(key, None)
        self._memo[key] = (self._clock(), result)
        return result

    async def get_many(
        self, keys: Iterable[PriceKey], wait_seconds: float
    ) -> dict[PriceKey, PriceAnswer]:
        """Prices of `keys`; those not found within `wait_seconds` are `Pending`."""
        wanted = list(dict.fromkeys(keys))
        answers: dict[PriceKey, PriceAnswer] = {}
        tasks: dict[PriceKey, asyncio.Future[PriceResult]] = {}
        for key in wanted:
            known = self.peek(key)
            if known is not None:
                answers[key] = known
            else:
                tasks[key] = asyncio.ensure_future(self.get(key))
        if tasks:
            await asyncio.wait(tasks.values(), timeout=wait_seconds)
            for key, task in tasks.items():
                answers[key] = task.result() if task.done() else Pending(key)
        return answers
