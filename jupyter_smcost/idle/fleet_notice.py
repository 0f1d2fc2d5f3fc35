"""The fleet check's warning, seen from the app it warns (docs/admins.md, "The fleet check").

The admin's fleet check tags an idle Studio app `jupyter-smcost:stop-after` (an ISO 8601 UTC
time) and deletes it on a later run if it is still idle then. This reads that tag on this
app's own ARN (SageMaker ListTags) so the status can say `fleet_stop_after`, and on the
user's Keep running removes it (DeleteTags, this app's ARN and that key only) so the next
run spares the app.

Calls: none at rest. `poll()` is called by the status route, which only an open browser
reads, and starts a paced refresh at most every `ttl_seconds` (a `Refresher` with the
process's throttle gate). An unknown identity (no app ARN: local mode, a notebook instance)
means no call at all. A failure is logged and kept as `error`, never raised. No tornado.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..refresh import Gate, Refresher

STOP_AFTER_TAG = "jupyter-smcost:stop-after"
DEFAULT_TTL_SECONDS = 300.0

#: call(service, operation, **params): an off-loop AWS call (aws.AwsClients.call, or paced).
Call = Callable[..., Awaitable[dict[str, Any]]]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Notice:
    stop_after: datetime | None = None
    error: str | None = None


def parse_stop_after(value: object) -> datetime | None:
    """The tag's time; None for a missing or malformed one (never "stop now")."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def own_app_arn(arn: str | None) -> str | None:
    """This app's ARN if the metadata names a Studio app, else None (no calls)."""
    if not arn or not arn.startswith("arn:") or ":app/" not in arn:
        return None
    return arn


class FleetNotice:
    def __init__(
        self,
        call: Call,
        arn: str | None,
        *,
        change: Call | None = None,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        gate: Gate | None = None,
    ) -> None:
        self._call = call
        #: The DeleteTags call: sent once (aws.AwsClients.call_once), else `call`.
        self._change = change or call
        self.arn = own_app_arn(arn)
        self.delete_error: str | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.refresher: Refresher[Notice] = Refresher(
            self._read,
            ttl_seconds,
            failed=lambda notice: notice.error is not None,
            what="the fleet check's tag",
            gate=gate,
        )

    async def _read(self, started: float, call: Call | None = None) -> Notice:
        assert self.arn is not None
        try:
            answer = await (call or self._call)("sagemaker", "list_tags", ResourceArn=self.arn)
        except Exception as err:
            log.warning("jupyter-smcost: reading this app's fleet-check tag failed: %s", err)
            return Notice(error=f"reading the fleet check's tag failed: {err}")
        tags = answer.get("Tags") or []
        value = next((t.get("Value") for t in tags if t.get("Key") == STOP_AFTER_TAG), None)
        return Notice(stop_after=parse_stop_after(value))

    def poll(self) -> None:
        """A browser is reading the status: refresh the tag if it is stale."""
        if self.arn is not None:
            self.refresher.refresh_if_stale()

    @property
    def stop_after(self) -> str | None:
        notice = self.refresher.current
        if notice is None or notice.stop_after is None:
            return None
        return notice.stop_after.isoformat()

    @property
    def error(self) -> str | None:
        notice = self.refresher.current
        return self.delete_error or (notice.error if notice else None)

    def keep_running(self) -> None:
        """The user's Keep running: remove the tag (in the background; never raises)."""
        if self.arn is None:
            return
        task = asyncio.get_running_loop().create_task(self._delete())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _delete(self) -> None:
        assert self.arn is not None
        try:
            await self._change(
                "sagemaker", "delete_tags", ResourceArn=self.arn, TagKeys=[STOP_AFTER_TAG]
            )
        except Exception as err:
            log.warning("jupyter-smcost: removing this app's fleet-check tag failed: %s", err)
            self.delete_error = f"removing the fleet check's tag failed: {err}"
            return
        self.delete_error = None
        self.refresher.current = Notice()
        self.refresher.invalidate()

    async def stopped_by_fleet(self, now: datetime, timeout: float = 2.0) -> bool:
        """At the server's stop: was it the fleet check? True when this app carries a
        stop-after time that has passed (read once more, for `timeout` s at most, so an
        exit never waits on AWS; a failed read falls back to the last one seen)."""
        if self.arn is None:
            return False
        try:
            # Unpaced, one attempt: the exit does not queue behind background reads.
            notice = await asyncio.wait_for(self._read(0.0, self._change), timeout)
        except (asyncio.TimeoutError, asyncio.CancelledError):
            notice = Notice(error="no answer")
        if notice.error is not None:
            notice = self.refresher.current or notice
        return notice.stop_after is not None and notice.stop_after <= now

    async def stop(self) -> None:
        """Cancel what is in flight (the server's exit never waits on AWS)."""
        for task in [*self._tasks, self.refresher.inflight]:
            if task is not None:
                task.cancel()
