"""The stale-while-revalidate refresher behind GET resources and GET suggestions: one
refresh in flight, a TTL grid, backoff after failures, the last value served meanwhile,
and freshness only for a refresh that started after a change (an action)."""

from __future__ import annotations

import asyncio

import pytest

from jupyter_smcost.refresh import Refresher, next_fresh_until


class Work:
    """Counts its runs; each waits for `gate` and returns (or raises) the next answer."""

    def __init__(self, *answers: object) -> None:
        self.answers = list(answers)
        self.runs = 0
        self.started: list[float] = []
        self.gate = asyncio.Event()
        self.gate.set()

    async def __call__(self, started: float) -> str:
        self.runs += 1
        self.started.append(started)
        await self.gate.wait()
        answer = self.answers[min(self.runs, len(self.answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return str(answer)


def test_fresh_until_the_end_of_the_ttl_window_or_a_doubling_backoff() -> None:
    assert next_fresh_until(61.0, 60.0, 0, 900.0) == 120.0
    assert next_fresh_until(61.0, 60.0, 1, 900.0) == 61.0 + 120.0
    assert next_fresh_until(61.0, 60.0, 3, 900.0) == 61.0 + 480.0
    assert next_fresh_until(61.0, 60.0, 9, 900.0) == 61.0 + 900.0  # at most the maximum


async def test_readers_share_one_refresh_in_flight() -> None:
    work = Work("a")
    work.gate.clear()
    refresher: Refresher[str] = Refresher(work, 60.0, clock=lambda: 0.0)
    waiting = [asyncio.ensure_future(refresher.get(wait_seconds=5)) for _ in range(20)]
    await asyncio.sleep(0.01)
    assert refresher.loading and refresher.inflight is not None
    work.gate.set()
    assert await asyncio.gather(*waiting) == ["a"] * 20
    assert work.runs == 1 and refresher.refreshes == 1 and not refresher.loading


async def test_the_first_value_is_waited_for_a_bounded_time_only() -> None:
    work = Work("a")
    work.gate.clear()
    refresher: Refresher[str] = Refresher(work, 60.0, clock=lambda: 0.0)
    assert await refresher.get(wait_seconds=0.01) is None and refresher.loading
    work.gate.set()
    assert await refresher.settled() == "a"


async def test_a_stale_value_is_served_at_once_while_the_next_is_read() -> None:
    clock = [0.0]
    work = Work("a", "b")
    refresher: Refresher[str] = Refresher(work, 60.0, clock=lambda: clock[0])
    assert await refresher.get() == "a"
    clock[0] = 59.0
    assert await refresher.get() == "a" and work.runs == 1  # fresh: no refresh
    clock[0] = 60.0
    work.gate.clear()
    loop = asyncio.get_running_loop()
    began = loop.time()
    assert [await refresher.get(wait_seconds=5) for _ in range(5)] == ["a"] * 5
    assert loop.time() - began < 0.5
    await asyncio.sleep(0)
    assert refresher.loading and work.runs == 2
    work.gate.set()
    assert await refresher.settled() == "b" and await refresher.get() == "b"


async def test_failures_back_off_and_keep_the_last_good_value() -> None:
    clock = [0.0]
    work = Work("ok", "throttled", RuntimeError("bug"), "ok")
    refresher: Refresher[str] = Refresher(
        work,
        60.0,
        failed=lambda value: value == "throttled",
        max_backoff_seconds=900.0,
        clock=lambda: clock[0],
    )
    assert await refresher.get() == "ok"
    clock[0] = 60.0
    await refresher.get()
    assert await refresher.settled() == "throttled"  # served, but the next waits 2 x TTL
    clock[0] = 60.0 + 119.0
    await refresher.get()
    assert work.runs == 2
    clock[0] = 60.0 + 120.0
    await refresher.get()
    assert await refresher.settled() == "throttled"  # the error kept the last value
    assert isinstance(refresher.error, RuntimeError) and work.runs == 3
    clock[0] = 180.0 + 239.0
    await refresher.get()
    assert work.runs == 3  # two failures: 4 x TTL
    clock[0] = 180.0 + 240.0
    await refresher.get()
    assert await refresher.settled() == "ok" and refresher.error is None
    # Back on the TTL grid once a refresh succeeds.
    clock[0] = 480.0
    await refresher.get()
    await refresher.settled()
    assert work.runs == 5


async def test_only_a_refresh_that_started_after_a_change_is_fresh() -> None:
    """An action during a refresh: that refresh read AWS before it, so the next reader
    starts another one; the one after it is fresh as usual."""
    clock = [0.0]
    work = Work("before", "during", "after")
    refresher: Refresher[str] = Refresher(work, 60.0, clock=lambda: clock[0])
    assert await refresher.get() == "before"
    clock[0] = 60.0
    work.gate.clear()
    await refresher.get()
    await asyncio.sleep(0)
    assert refresher.loading
    clock[0] = 61.0
    refresher.invalidate()  # the action, while that refresh runs
    work.gate.set()
    assert await refresher.settled() == "during"
    assert refresher.stale
    clock[0] = 62.0
    await refresher.get()
    assert await refresher.settled() == "after" and work.started == [0.0, 60.0, 62.0]
    assert not refresher.stale
    await refresher.get()
    assert work.runs == 3


async def test_invalidate_without_a_refresh_in_flight_refreshes_at_the_next_read() -> None:
    clock = [0.0]
    work = Work("a", "b")
    refresher: Refresher[str] = Refresher(work, 60.0, clock=lambda: clock[0])
    await refresher.get()
    clock[0] = 10.0
    refresher.invalidate()
    clock[0] = 11.0
    await refresher.get()
    assert await refresher.settled() == "b" and not refresher.stale


@pytest.mark.parametrize("ttl", [30.0, 300.0])
async def test_the_ttl_may_be_read_at_each_refresh(ttl: float) -> None:
    settings = {"ttl": 60.0}
    work = Work("a")
    refresher: Refresher[str] = Refresher(work, lambda: settings["ttl"], clock=lambda: 1.0)
    settings["ttl"] = ttl
    await refresher.get()
    assert refresher.ttl_seconds == ttl and refresher._fresh_until == ttl
