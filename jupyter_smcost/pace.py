"""How fast this server's background reads may call AWS, for the whole process.

SageMaker throttles each operation per account (its management API limits are not published
and not adjustable; list operations are about 2 calls a second), and its users' own SDK calls
and pipelines share those limits with every server of the domain. So what this server reads
in the background (the resources listing and the suggestions' facts) goes through one
`Pace`:

- each operation has a token bucket of its own (`calls_per_second`, a burst of `burst`): a
  refresh that needs twenty ListTags spreads them out instead of sending them at once;
- a ThrottlingException on any call makes the whole process back off (`busy_until`, doubling
  from `backoff_seconds` up to `max_backoff_seconds`, reset by a call that succeeds once the
  backoff is over): every background refresh waits until then (refresh.py) and the panel
  says "AWS is busy; figures as of 14:02".

What a user asks for (a shutdown, a confirmed action) never goes through it: `PacedAws`
wraps the client the background readers get, and the rest of the server keeps the plain one.
The clock and the sleep are injected (tests, the fleet benchmark). No tornado import.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from .aws import THROTTLING_CODES, AwsError

log = logging.getLogger(__name__)

#: Calls a second each operation may make in the background (half the public hint of 2/s
#: for list operations, so the users' own calls keep the other half).
DEFAULT_CALLS_PER_SECOND = 1.0
DEFAULT_BURST = 1
DEFAULT_BACKOFF_SECONDS = 30.0
DEFAULT_MAX_BACKOFF_SECONDS = 900.0


class Pace:
    """The background calls' rate per operation and the process-wide throttling backoff."""

    def __init__(
        self,
        calls_per_second: float = DEFAULT_CALLS_PER_SECOND,
        burst: int = DEFAULT_BURST,
        *,
        backoff_seconds: float = DEFAULT_BACKOFF_SECONDS,
        max_backoff_seconds: float = DEFAULT_MAX_BACKOFF_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        if not calls_per_second > 0:  # also NaN
            raise ValueError("calls_per_second must be positive")
        self.calls_per_second = calls_per_second
        self.burst = max(1, int(burst))
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self._clock = clock
        self._wall = wall
        self._sleep = sleep
        # operation -> (tokens, when counted); a token is one call.
        self._buckets: dict[str, tuple[float, float]] = {}
        #: Until when (monotonic) background refreshes wait; 0: not busy.
        self.busy_until = 0.0
        self._busy_since: datetime | None = None
        # busy_until on the wall clock, fixed when it is set: the documents that carry it
        # stay the same bytes while AWS is busy (cost/service.py, suggestions/service.py).
        self._busy_until_wall: datetime | None = None
        self._strikes = 0
        #: Throttled answers seen, and how long calls waited for a token (diagnostics).
        self.throttled = 0
        self.waited_seconds = 0.0

    # -- the rate ----------------------------------------------------------------------

    def _delay(self, operation: str) -> float:
        """Take a token of `operation` now or say how long until one is there."""
        now = self._clock()
        tokens, at = self._buckets.get(operation, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.calls_per_second)
        if tokens >= 1.0 - 1e-9:  # a wait of exactly the refill time may fall short by a hair
            self._buckets[operation] = (max(0.0, tokens - 1.0), now)
            return 0.0
        self._buckets[operation] = (tokens, now)
        return (1.0 - tokens) / self.calls_per_second

    async def take(self, operation: str) -> None:
        """Wait for a call of `operation` to be within the rate."""
        while True:
            delay = self._delay(operation)
            if delay <= 0:
                return
            self.waited_seconds += delay
            await self._sleep(delay)

    # -- the backoff -------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._clock() < self.busy_until

    def busy_json(self) -> dict[str, str] | None:
        """`aws_busy` of the documents: since when AWS throttles, and until when the
        background refreshes wait; None when it does not."""
        if not self.busy or self._busy_since is None or self._busy_until_wall is None:
            return None
        return {"since": self._busy_since.isoformat(), "until": self._busy_until_wall.isoformat()}

    def throttled_now(self, operation: str) -> None:
        """AWS answered a call with a throttling error: back off, longer each time."""
        self.throttled += 1
        now = self._clock()
        if now < self.busy_until:
            return  # the calls of one burst count once
        self._strikes += 1
        wait = min(self.max_backoff_seconds, self.backoff_seconds * 2 ** (self._strikes - 1))
        self.busy_until = now + wait
        wall = self._wall()
        self._busy_until_wall = wall + timedelta(seconds=wait)
        if self._busy_since is None:
            self._busy_since = wall
        log.warning(
            "jupyter-smcost: AWS throttles %s; background refreshes wait %.0f s", operation, wait
        )

    def succeeded(self) -> None:
        """A call went through: once the backoff is over, the next throttle starts afresh."""
        if self._strikes and self._clock() >= self.busy_until:
            self._strikes = 0
            self._busy_since = None


class PacedAws:
    """An AWS client (async `call`/`paginate`) whose calls wait for `pace` and report
    throttling to it: the client of the background readers."""

    def __init__(self, aws: Any, pace: Pace) -> None:
        self.aws = aws
        self.pace = pace

    async def _paced(self, operation: str, call: Callable[[], Awaitable[Any]]) -> Any:
        await self.pace.take(operation)
        try:
            answer = await call()
        except AwsError as err:
            if err.code in THROTTLING_CODES:
                self.pace.throttled_now(err.operation)
            raise
        self.pace.succeeded()
        return answer

    async def call(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        answer: dict[str, Any] = await self._paced(
            operation, lambda: self.aws.call(service, operation, **params)
        )
        return answer

    async def paginate(
        self, service: str, operation: str, key: str, **params: Any
    ) -> list[dict[str, Any]]:
        """Every item of a SageMaker listing, page by page, each page a paced call (a
        listing of a thousand spaces is ten calls, not one); `PaginationConfig`'s
        `MaxItems` stops it early, as botocore's paginator does."""
        if service != "sagemaker":
            answer: list[dict[str, Any]] = await self._paced(
                operation, lambda: self.aws.paginate(service, operation, key, **params)
            )
            return answer
        limit = (params.pop("PaginationConfig", None) or {}).get("MaxItems")
        items: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            page = dict(params, NextToken=token) if token else params
            found = await self.call(service, operation, **page)
            items.extend(found.get(key) or [])
            token = found.get("NextToken")
            if not token or (limit is not None and len(items) >= limit):
                return items if limit is None else items[:limit]

    def __getattr__(self, name: str) -> Any:
        # Anything else (run, region, read_timeout) is the plain client's.
        return getattr(self.aws, name)
