"""The one SageMaker inventory that the resources listing and the suggestions read: within
one round (overlapping refreshes) each listing and each describe reaches AWS once, whatever
the number of wings reading it; nothing read before a change or long ago is shared."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from jupyter_smcost.aws import AwsError
from jupyter_smcost.cost.inventory import SEARCH_RETRY_SECONDS, SHARED_SECONDS, Inventory
from jupyter_smcost.cost.resources import Collector
from jupyter_smcost.suggestions.collect import FactsCollector
from jupyter_smcost.suggestions.model import Thresholds
from tests.support.resources import ENV, NOW, R, ScriptedAws, base_answers, tags


class SlowAws(ScriptedAws):
    """Yields to the event loop on every call, as the real client does (its calls run in
    threads), so that refreshes started together overlap."""

    async def call(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        await asyncio.sleep(0)
        return await super().call(service, operation, **params)

    async def paginate(
        self, service: str, operation: str, key: str, **params: Any
    ) -> list[dict[str, Any]]:
        await asyncio.sleep(0)
        return await super().paginate(service, operation, key, **params)


def both_wings(aws: ScriptedAws, shared: bool = True) -> tuple[Collector, FactsCollector]:
    collector = Collector(aws, lambda: ENV, "mine", clock=lambda: NOW)
    facts = FactsCollector(
        aws,
        lambda: ENV,
        collector.owner,
        whoami=collector.whoami,
        clock=lambda: NOW,
        inventory=collector.inventory if shared else None,
    )
    return collector, facts


async def test_one_round_reads_each_thing_once_for_both_wings() -> None:
    aws = SlowAws(base_answers(), tags())
    collector, facts = both_wings(aws)
    found, got = await asyncio.gather(collector.collect(), facts.collect(Thresholds()))
    calls = Counter(aws.calls)
    # The running jobs' listing is shared; the suggestions' recent one is their own.
    assert calls["list_training_jobs"] == 2
    # Each of the user's jobs (two running, a tuning trial, one gone) described once.
    assert calls["describe_training_job"] == 4
    assert calls["list_tags"] == len(tags())  # every ARN once (the other user's too)
    for operation in ("describe_endpoint", "describe_endpoint_config", "list_endpoints"):
        assert calls[operation] == 1, operation
    assert calls["list_apps"] == calls["list_spaces"] == 1
    # What each wing built is what it builds alone.
    alone_rows, alone_facts = await asyncio.gather(
        Collector(ScriptedAws(base_answers(), tags()), lambda: ENV, clock=lambda: NOW).collect(),
        both_wings(ScriptedAws(base_answers(), tags()))[1].collect(Thresholds()),
    )
    assert sorted(map(repr, found.rows)) == sorted(map(repr, alone_rows.rows))
    assert got.jobs == alone_facts.jobs and got.endpoints == alone_facts.endpoints
    # The inventory's own tally: the calls it made (the rest are the suggestions' own).
    assert all(calls[op] == n for op, n in collector.inventory.calls.items())
    assert collector.inventory.calls["describe_training_job"] == 4


async def test_wings_with_their_own_inventories_read_everything_twice() -> None:
    """What the shared inventory saves (and what main did)."""
    aws = SlowAws(base_answers(), tags())
    collector, facts = both_wings(aws, shared=False)
    await asyncio.gather(collector.collect(), facts.collect(Thresholds()))
    assert Counter(aws.calls)["describe_training_job"] == 8


async def test_a_reader_after_the_round_or_after_a_change_reads_afresh() -> None:
    aws = SlowAws(base_answers(), tags())
    inventory = Inventory(aws, lambda: ENV)
    async with inventory.reading():
        await inventory.endpoints()
        await inventory.endpoints()  # the same round: shared
        assert aws.calls.count("list_endpoints") == 1
        inventory.forget(f"{R}:endpoint/ep")  # an action ran: nothing before is shared
        await inventory.endpoints()
        assert aws.calls.count("list_endpoints") == 2
    async with inventory.reading():
        await inventory.endpoints()  # a new round
    assert aws.calls.count("list_endpoints") == 3
    await inventory.endpoints()
    await inventory.endpoints()  # outside a round: never shared
    assert aws.calls.count("list_endpoints") == 5


async def test_a_round_held_open_by_a_slow_reader_shares_only_recent_answers() -> None:
    clock = [0.0]
    aws = ScriptedAws(base_answers(), tags())
    inventory = Inventory(aws, lambda: ENV, clock=lambda: clock[0])
    async with inventory.reading():
        await inventory.describe("describe_endpoint", EndpointName="ep")
        clock[0] = SHARED_SECONDS
        await inventory.describe("describe_endpoint", EndpointName="ep")
        assert aws.calls.count("describe_endpoint") == 1
        clock[0] = SHARED_SECONDS + 0.1
        await inventory.describe("describe_endpoint", EndpointName="ep")
        assert aws.calls.count("describe_endpoint") == 2


async def test_a_reader_cancelled_mid_read_does_not_cancel_the_others() -> None:
    """The server stops the suggestions' refresh: the listing it asked for is cancelled,
    and a reader that shared it asks again rather than fail."""
    gate = asyncio.Event()

    class GatedAws(ScriptedAws):
        async def paginate(
            self, service: str, operation: str, key: str, **params: Any
        ) -> list[dict[str, Any]]:
            await gate.wait()
            return await super().paginate(service, operation, key, **params)

    aws = GatedAws(base_answers(), tags())
    inventory = Inventory(aws, lambda: ENV)

    async def reader() -> list[dict[str, Any]]:
        async with inventory.reading():
            return await inventory.endpoints()

    first = asyncio.ensure_future(reader())
    await asyncio.sleep(0)
    second = asyncio.ensure_future(reader())
    await asyncio.sleep(0)
    first.cancel()
    await asyncio.sleep(0)
    gate.set()
    assert [e["EndpointName"] for e in await second] == ["ep"]
    assert first.cancelled()


async def test_each_reader_says_what_a_gone_resource_is() -> None:
    """A refused or missing describe is shared as the error itself: the resources listing
    skips a job that ended, the suggestions may count the same answer as a failure."""
    answers = base_answers()
    answers["describe_endpoint_config"] = AwsError(
        "DescribeEndpointConfig", "ValidationException", "Could not find config"
    )
    aws = SlowAws(answers, tags())
    collector, facts = both_wings(aws)
    found, got = await asyncio.gather(collector.collect(), facts.collect(Thresholds()))
    assert aws.calls.count("describe_endpoint_config") == 1
    assert not found.failed_kinds  # the endpoint is listed without its variants' types
    assert got.missing["endpoint-configs"]["code"] == "aws-error"


async def test_readers_at_the_same_time_share_one_identity_read() -> None:
    aws = SlowAws(base_answers(), tags())
    inventory = Inventory(aws, lambda: ENV)
    idents = await asyncio.gather(*(inventory.whoami() for _ in range(5)))
    assert len(set(idents)) == 1 and aws.calls.count("list_spaces") == 1
    assert idents[0].space_names == {"demo-space", "demo-space-2"}


async def test_tags_are_reread_only_when_a_reader_wants_fresher_ones() -> None:
    clock = [0.0]
    aws = ScriptedAws(base_answers(), tags())
    inventory = Inventory(aws, lambda: ENV, clock=lambda: clock[0])
    arn = f"{R}:endpoint/ep"
    await inventory.tags(arn)
    clock[0] = 7200.0
    await inventory.tags(arn)  # the resources listing: ownership tags never move
    assert aws.calls.count("list_tags") == 1
    await inventory.tags(arn, max_age=3600.0)  # the suggestions: a running one hourly
    assert aws.calls.count("list_tags") == 2


async def test_a_refused_search_is_asked_again_after_an_hour() -> None:
    """A role granted sagemaker:Search later is searched with, without a restart."""
    clock = [0.0]
    aws = ScriptedAws(base_answers(), tags())
    inventory = Inventory(aws, lambda: ENV, clock=lambda: clock[0])
    ident = await inventory.whoami()
    assert await inventory.search_mine("training-job", ident) is None
    assert inventory.search_off and aws.calls.count("search") == 1
    clock[0] = SEARCH_RETRY_SECONDS / 2
    assert await inventory.search_mine("training-job", ident) is None
    assert aws.calls.count("search") == 1  # not asked again within the hour
    aws.answers["search"] = {"Results": []}  # granted since
    clock[0] = SEARCH_RETRY_SECONDS + 1
    assert await inventory.search_mine("training-job", ident) == []
    assert inventory.search_off is None and aws.calls.count("search") == 2


# -- the app: one cold refresh of GET resources and GET suggestions --------------------------
