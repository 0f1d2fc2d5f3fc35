"""The background reads' pace: a token bucket per AWS operation, one backoff for the whole
process after a throttle, and the refreshers that wait for it (never the user's calls)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from jupyter_smcost.aws import AwsError
from jupyter_smcost.pace import Pace, PacedAws
from jupyter_smcost.refresh import Refresher


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class Aws:
    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def call(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        self.calls.append((operation, params))
        answer = self.answers.pop(0) if self.answers else {}
        if isinstance(answer, Exception):
            raise answer
        return dict(answer)

    async def paginate(self, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        raise AssertionError("SageMaker listings are paged by PacedAws itself")


THROTTLED = AwsError("ListTags", "ThrottlingException", "Rate exceeded", 400)


async def test_each_operation_has_its_own_bucket() -> None:
    clock = Clock()
    pace = Pace(1.0, 2, clock=clock, sleep=clock.sleep)
    aws = PacedAws(Aws(), pace)
    for _ in range(5):
        await aws.call("sagemaker", "list_tags", ResourceArn="a")
    # Two at once (the burst), then one a second.
    assert clock.slept == [1.0, 1.0, 1.0] and clock.now == 3.0
    await aws.call("sagemaker", "describe_endpoint", EndpointName="e")
    assert clock.now == 3.0  # another operation's bucket is full


async def test_a_throttle_backs_the_process_off_doubling_until_a_call_succeeds_after_it() -> None:
    clock = Clock()
    pace = Pace(
        100.0, 10, backoff_seconds=30, max_backoff_seconds=100, clock=clock, sleep=clock.sleep
    )
    aws = PacedAws(Aws(THROTTLED, THROTTLED, THROTTLED, {}, THROTTLED), pace)
    with pytest.raises(AwsError):
        await aws.call("sagemaker", "list_tags")
    assert pace.busy and pace.busy_until == 30.0 and pace.busy_json() is not None
    with pytest.raises(AwsError):
        await aws.call("sagemaker", "list_tags")  # the same burst: counted once
    assert pace.busy_until == 30.0 and pace.throttled == 2
    clock.now = 31.0
    assert not pace.busy and pace.busy_json() is None
    with pytest.raises(AwsError):
        await aws.call("sagemaker", "list_tags")
    assert pace.busy_until == 31.0 + 60.0  # doubled
    clock.now = 200.0
    await aws.call("sagemaker", "list_tags")  # went through after the backoff: reset
    with pytest.raises(AwsError):
        await aws.call("sagemaker", "list_tags")
    assert pace.busy_until == 200.0 + 30.0


def test_busy_json_says_since_when_and_until_when_on_the_wall_clock() -> None:
    clock = Clock()
    wall = [datetime(2026, 11, 26, 14, 2, tzinfo=timezone.utc)]
    pace = Pace(backoff_seconds=30, clock=clock, wall=lambda: wall[0], sleep=clock.sleep)
    assert pace.busy_json() is None
    pace.throttled_now("ListTags")
    busy = {"since": "2026-11-26T14:02:00+00:00", "until": "2026-11-26T14:02:30+00:00"}
    assert pace.busy_json() == busy
    # The same answer while it lasts, however the two clocks drift (the documents that
    # carry it are served as the same bytes meanwhile).
    clock.now, wall[0] = 10.0, wall[0] + timedelta(seconds=10.5)
    assert pace.busy_json() == busy
    # Throttled again once the backoff is over: since stays, until moves on (doubled).
    clock.now, wall[0] = 31.0, datetime(2026, 11, 26, 14, 2, 31, tzinfo=timezone.utc)
    assert pace.busy_json() is None
    pace.throttled_now("ListApps")
    assert pace.busy_json() == {
        "since": "2026-11-26T14:02:00+00:00",
        "until": "2026-11-26T14:03:31+00:00",
    }
    clock.now = 200.0
    pace.succeeded()
    assert pace.busy_json() is None


async def test_listings_are_paged_one_paced_call_per_page_and_stop_at_max_items() -> None:
    clock = Clock()
    pages = [{"Spaces": [{"n": i}, {"n": i + 1}], "NextToken": f"t{i}"} for i in (0, 2, 4)]
    inner = Aws(*pages, {"Spaces": [{"n": 6}]})
    aws = PacedAws(inner, Pace(1.0, 1, clock=clock, sleep=clock.sleep))
    found = await aws.paginate("sagemaker", "list_spaces", "Spaces", DomainIdEquals="d")
    assert [s["n"] for s in found] == list(range(7))
    assert [p.get("NextToken") for _, p in inner.calls] == [None, "t0", "t2", "t4"]
    assert clock.now == 3.0  # four pages, one a second
    inner = Aws(*pages)
    aws = PacedAws(inner, Pace(10.0, 10, clock=clock, sleep=clock.sleep))
    found = await aws.paginate(
        "sagemaker", "list_spaces", "Spaces", PaginationConfig={"MaxItems": 3}
    )
    assert len(found) == 3 and len(inner.calls) == 2


async def test_a_refresher_behind_the_gate_waits_out_the_backoff() -> None:
    clock = Clock()
    pace = Pace(clock=clock, sleep=clock.sleep)
    runs: list[float] = []

    async def work(started: float) -> str:
        runs.append(started)
        return "same"

    refresher: Refresher[str] = Refresher(work, 60.0, clock=clock, gate=pace)
    pace.throttled_now("ListTags")  # busy for 30 s... then 60
    clock.now = 31.0
    pace.throttled_now("ListTags")
    assert pace.busy_until == 91.0
    await refresher.get()
    await refresher.settled()
    clock.now = 89.0
    await refresher.get()
    assert len(runs) == 1  # the window ended at 60, but AWS is busy until 91
    clock.now = 91.0
    await refresher.get()
    await refresher.settled()
    assert len(runs) == 2


async def test_the_ttl_grows_while_nothing_changes_and_falls_back_when_the_user_works() -> None:
    clock = Clock()
    answers = ["a", "a", "a", "a", "b", "b"]
    worked = [float("-inf")]

    async def work(started: float) -> str:
        return answers.pop(0)

    refresher: Refresher[str] = Refresher(
        work,
        60.0,
        clock=clock,
        same=lambda x, y: x == y,
        max_ttl_seconds=200.0,
        acted=lambda: worked[0],
    )
    ttls = []
    for _ in range(4):
        await refresher.get()
        await refresher.settled()
        ttls.append(refresher.ttl_seconds)
        clock.now = refresher._fresh_until
    assert ttls == [60.0, 120.0, 200.0, 200.0]  # doubling, capped
    worked[0] = clock.now + 1.0  # a kernel ran code after the last refresh
    clock.now += 2.0
    assert refresher.stale and refresher.ttl_seconds == 60.0
    await refresher.get()
    await refresher.settled()
    assert refresher.current == "b" and refresher.ttl_seconds == 60.0  # changed: base TTL


async def test_jitter_spreads_refreshers_started_together() -> None:
    import random

    async def work(started: float) -> str:
        return "x"

    ends = set()
    for seed in range(20):
        refresher: Refresher[str] = Refresher(
            work, 60.0, clock=lambda: 0.0, jitter=0.2, rng=random.Random(seed)
        )
        await refresher.get()
        await refresher.settled()
        assert 0.0 < refresher._fresh_until <= 60.0 * 1.2
        ends.add(round(refresher._fresh_until, 3))
    assert len(ends) == 20
