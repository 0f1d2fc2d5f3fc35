"""One result computed in the background and served stale while it is computed again.

`Refresher` keeps the last good value of an async `work`; a reader gets it at once and at
most starts a refresh (one in flight at a time, whatever the number of readers). A value is
fresh until the end of its TTL window; after failures the next refresh waits longer
(doubling up to a maximum). `invalidate()` says something the work reads has changed: the
next reader starts a refresh, and a refresh that started before the change does not count
as fresh. The resources listing and the suggestions both use it. No tornado import.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


def next_fresh_until(now: float, ttl: float, failures: int, max_backoff: float) -> float:
    """Until when a background result is fresh: the end of the current TTL window (one tab
    polling now and then refreshes as often as twenty would), or after failures a backoff
    doubling up to `max_backoff`."""
    if failures:
        wait = ttl * (2 ** min(failures, 10))
        return now + min(wait, max(max_backoff, ttl))
    return (math.floor(now / ttl) + 1) * ttl


class Refresher(Generic[T]):
    """Stale-while-revalidate over `work(started)`, where `started` is the monotonic time
    the refresh began.

    `failed(value)` says whether a value that `work` returned reports a transient failure
    (throttling, an AWS error): it is served, and the next refresh backs off. When `work`
    raises, the last value stays, `error` holds the exception and the next refresh backs
    off too (a bug guard: the work reports AWS errors in its value)."""

    def __init__(
        self,
        work: Callable[[float], Awaitable[T]],
        ttl_seconds: float | Callable[[], float],
        *,
        failed: Callable[[T], bool] = lambda value: False,
        max_backoff_seconds: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
        what: str = "a background refresh",
    ) -> None:
        self._work = work
        self._ttl = ttl_seconds
        self._failed = failed
        self.max_backoff_seconds = max_backoff_seconds
        self._clock = clock
        self._what = what
        self.current: T | None = None
        self.error: Exception | None = None
        self.refreshes = 0
        self._fresh_until = 0.0
        self._failures = 0
        # When something the work reads last changed (see `invalidate`).
        self._changed_at = float("-inf")
        self._inflight: asyncio.Future[T | None] | None = None

    @property
    def ttl_seconds(self) -> float:
        return self._ttl() if callable(self._ttl) else self._ttl

    @property
    def inflight(self) -> asyncio.Future[T | None] | None:
        """The refresh in flight (to cancel when the server stops)."""
        return self._inflight if self._inflight is not None and not self._inflight.done() else None

    @property
    def loading(self) -> bool:
        return self.inflight is not None

    @property
    def stale(self) -> bool:
        return self._clock() >= self._fresh_until

    def start_refresh(self) -> asyncio.Future[T | None]:
        """The refresh in flight, started now if none is."""
        if self._inflight is None or self._inflight.done():
            self._inflight = asyncio.ensure_future(self._refresh())
        return self._inflight

    def refresh_if_stale(self) -> None:
        if self.stale:
            self.start_refresh()

    def invalidate(self) -> None:
        """Something the work reads changed: refresh at the next read, and count only a
        refresh that starts from now on as fresh."""
        self._fresh_until = 0.0
        self._changed_at = self._clock()

    async def settled(self) -> T | None:
        """The value once the refresh in flight, if any, is done (tests, benchmarks)."""
        if self._inflight is not None and not self._inflight.done():
            await asyncio.shield(self._inflight)
        return self.current

    async def get(self, wait_seconds: float = 2.0) -> T | None:
        """The last value; a stale one starts a refresh in the background and is returned
        at once. Only the very first value is waited for (`wait_seconds` at most)."""
        if self.current is not None:
            self.refresh_if_stale()
            return self.current
        future = self.start_refresh()
        try:
            await asyncio.wait_for(asyncio.shield(future), wait_seconds)
        except asyncio.TimeoutError:
            pass
        return self.current

    async def _refresh(self) -> T | None:
        self.refreshes += 1
        started = self._clock()
        try:
            value = await self._work(started)
        except Exception as err:
            log.exception("jupyter-smcost: %s failed", self._what)
            self.error = err
            self._failures += 1
        else:
            self.current = value
            self.error = None
            self._failures = self._failures + 1 if self._failed(value) else 0
        self._fresh_until = next_fresh_until(
            self._clock(), self.ttl_seconds, self._failures, self.max_backoff_seconds
        )
        if self._changed_at >= started:
            self._fresh_until = 0.0  # read before the change: the next reader reads again
        return self.current
