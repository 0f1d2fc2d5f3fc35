"""Ask open JupyterLab tabs to save before anything is shut down.

The server cannot save a browser's unsaved edits itself: it publishes a save request
(in the status and as an event), and each tab that was seen recently answers with what it
saved or failed to save. The wait is bounded: a closed laptop must not keep a GPU running.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .activity import Clock


@dataclass
class SaveAck:
    client_id: str
    saved: list[str]
    failed: list[dict[str, str]]


@dataclass
class SaveRequest:
    id: str
    requested_at: datetime
    deadline: datetime
    expected: set[str]
    acks: dict[str, SaveAck] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "requested_at": self.requested_at.isoformat(),
            "deadline": self.deadline.isoformat(),
        }


@dataclass(frozen=True)
class SaveOutcome:
    request: SaveRequest | None
    missing: frozenset[str]

    @property
    def saved(self) -> list[str]:
        if self.request is None:
            return []
        return [path for ack in self.request.acks.values() for path in ack.saved]

    @property
    def failed(self) -> list[dict[str, str]]:
        if self.request is None:
            return []
        return [item for ack in self.request.acks.values() for item in ack.failed]


class SaveCoordinator:
    """Tracks which tabs are open (from their status polls) and collects save answers."""

    def __init__(self, clock: Clock, presence_seconds: float = 90) -> None:
        self._clock = clock
        self._presence = timedelta(seconds=presence_seconds)
        self._clients: dict[str, datetime] = {}
        self._current: SaveRequest | None = None
        self._answered = asyncio.Event()

    def seen(self, client_id: str | None) -> None:
        """A tab polled the status. Presence only: this is never activity."""
        if client_id:
            self._clients[client_id[:100]] = self._clock()
            if len(self._clients) > 1000:  # a bound against a misbehaving client
                self._forget_stale()

    def _forget_stale(self) -> None:
        cutoff = self._clock() - self._presence
        self._clients = {c: t for c, t in self._clients.items() if t >= cutoff}

    def recent_clients(self) -> set[str]:
        self._forget_stale()
        return set(self._clients)

    @property
    def current(self) -> SaveRequest | None:
        return self._current

    async def request_save(
        self, timeout_seconds: float, on_request: Callable[[], None] | None = None
    ) -> SaveOutcome:
        """Publish a save request and wait for every recent tab, at most `timeout_seconds`.

        `on_request` runs once the request is published (to send it as an event)."""
        now = self._clock()
        expected = self.recent_clients()
        request = SaveRequest(
            id=uuid.uuid4().hex,
            requested_at=now,
            deadline=now + timedelta(seconds=timeout_seconds),
            expected=expected,
        )
        self._current = request
        self._answered = asyncio.Event()
        if on_request is not None:
            on_request()
        try:
            if expected:
                try:
                    await asyncio.wait_for(self._wait_all(request), timeout_seconds)
                except asyncio.TimeoutError:
                    pass
        finally:
            self._current = None
        return SaveOutcome(request, frozenset(expected - set(request.acks)))

    async def _wait_all(self, request: SaveRequest) -> None:
        while not request.expected <= set(request.acks):
            await self._answered.wait()
            self._answered.clear()

    def ack(
        self,
        request_id: str,
        client_id: str,
        saved: list[str],
        failed: list[dict[str, str]],
    ) -> bool:
        """Record a tab's answer; False when no such request is waiting."""
        request = self._current
        if request is None or request.id != request_id:
            return False
        request.acks[client_id] = SaveAck(client_id, saved, failed)
        # A tab that opened after the request still gets its answer counted.
        request.expected.add(client_id)
        self._answered.set()
        return True
