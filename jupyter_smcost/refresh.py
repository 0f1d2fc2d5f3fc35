"""One result computed in the background and served stale while it is computed again.

`Refresher` keeps the last good value of an async `work`; a reader gets it at once and at
most starts a refresh (one in flight at a time, whatever the number of readers). A value is
fresh until the end of its TTL window; after failures the next refresh waits longer
(doubling up to a maximum). `invalidate()` says something the work reads has changed: the
next reader starts a refresh, and a refresh that started before the change does not count
as fresh. The resources listing and the suggestions both use it. No tornado import.

So that a domain's servers do not call AWS more than they must (pace.py):
- with `max_ttl_seconds`, the TTL doubles after each refresh whose value is the `same` as
  the last one, up to that maximum, and falls back to the base TTL when it changes, when
  `invalidate()` says something changed, or when the user did something that may change
  it (`acted()`, e.g. a kernel ran code since the last refresh);
- with `jitter`, each refresher's TTL windows start at a random phase and each window
  ends a random share of up to `jitter` x TTL later, so servers started together by a
  lifecycle script do not refresh in step;
- with a `gate` (a `Pace`), no refresh is fresh for less than its backoff after AWS
  throttled any call of the process.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable
from typing import Generic, Protocol, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class Gate(Protocol):
    """Until when the process backs off from AWS (monotonic; see pace.Pace)."""

    busy_until: float


def next_fresh_until(
    now: float, ttl: float, failures: int, max_backoff: float, phase: float = 0.0
) -> float:
    """Until when a background result is fresh: the end of the current TTL window (windows
    start at `phase`; one tab polling now and then refreshes as often as twenty would), or
    after failures a backoff doubling up to `max_backoff`."""
    if failures:
        wait = ttl * (2 ** min(failures, 10))
        return now + min(wait, max(max_backoff, ttl))
    return (math.floor((now - phase) / ttl) + 1) * ttl + phase


class Refresher(Generic[T]):
    """Stale-while-revalidate over `work(started)`, where `started` is the monotonic time
    the refresh began.

    `failed(value)` says whether a value that `work` returned reports a transient failure
    (throttling, an AWS error): it is served, and the next refresh backs off. When `work`
    raises, the last value stays, `error` holds the exception and the next refresh backs
    off too (a bug guard: the work reports AWS errors in its value). For `same`,
    `max_ttl_seconds`, `acted`, `jitter` and `gate` see the module docstring."""

    def __init__(
        self,
        work: Callable[[float], Awaitable[T]],
        ttl_seconds: float | Callable[[], float],
        *,
        failed: Callable[[T], bool] = lambda value: False,
        max_backoff_seconds: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
        what: str = "a background refresh",
        same: Callable[[T, T], bool] | None = None,
        max_ttl_seconds: float | Callable[[], float] | None = None,
        acted: Callable[[], float] | None = None,
        jitter: float = 0.0,
        gate: Gate | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._work = work
        self._ttl = ttl_seconds
        self._failed = failed
        self._same = same
        self._max_ttl = max_ttl_seconds
        self._acted = acted
        self._jitter = max(0.0, jitter)
        self._gate = gate
        self._rng = rng or random.Random()
        # Where this refresher's windows start, as a share of the TTL.
        self._phase = self._rng.random() if self._jitter else 0.0
        #: Refreshes in a row whose value did not change (the TTL doubles with each).
        self.unchanged = 0
        self._last_started = float("-inf")
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
    def base_ttl_seconds(self) -> float:
        return self._ttl() if callable(self._ttl) else self._ttl

    @property
    def ttl_seconds(self) -> float:
        """The TTL now: the base one, doubled for each unchanged refresh up to the maximum."""
        base = self.base_ttl_seconds
        top = self._max_ttl() if callable(self._max_ttl) else self._max_ttl
        if top is None or not self.unchanged:
            return base
        return max(base, min(top, base * 2 ** min(self.unchanged, 20)))

    @property
    def inflight(self) -> asyncio.Future[T | None] | None:
        """The refresh in flight (to cancel when the server stops)."""
        return self._inflight if self._inflight is not None and not self._inflight.done() else None

    @property
    def loading(self) -> bool:
        return self.inflight is not None

    @property
    def stale(self) -> bool:
        now = self._clock()
        if self._acted is not None and self.unchanged and self._acted() > self._last_started:
            # The user did something since: back to the base TTL from the last refresh.
            self.unchanged = 0
            self._fresh_until = min(self._fresh_until, self._last_started + self.ttl_seconds)
        return now >= self._fresh_until

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
        self.unchanged = 0

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
        started = self._last_started = self._clock()
        previous = self.current
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
            if self._same is not None and not self._failures:
                same = previous is not None and self._same(previous, value)
                self.unchanged = self.unchanged + 1 if same else 0
        ttl = self.ttl_seconds
        now = self._clock()
        fresh_until = next_fresh_until(
            now, ttl, self._failures, self.max_backoff_seconds, self._phase * ttl
        )
        if self._jitter and not self._failures:
            fresh_until += self._rng.uniform(0.0, self._jitter * ttl)
        if self._gate is not None:
            fresh_until = max(fresh_until, self._gate.busy_until)
        self._fresh_until = fresh_until
        if self._changed_at >= started:
            self._fresh_until = 0.0  # read before the change: the next reader reads again
        return self.current
