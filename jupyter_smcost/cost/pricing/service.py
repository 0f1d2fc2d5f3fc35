"""An asyncio front for `PriceResolver` (the admin's settings, `c.Pricing`: ../config.py).

The resolver is synchronous (it may call the Price List API); `PriceService` runs it in a
worker thread, lets any number of coroutines wait on one lookup per key, and remembers the
answers for a while so a status poll never leaves the event loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .model import Price, PriceKey, PriceResult, Unknown
from .resolver import PriceResolver


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
