"""Running resources: the rows built from AWS answers, scope, errors, the cache, pricing.

These use a scripted stand-in for the AWS client to reach corners the emulator cannot
easily produce (throttling sequences, jobs ending between list and describe). The same
collection against the emulator is in test_cost_server.py.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from jupyter_smcost.aws import AwsError
from jupyter_smcost.cost.pricing.model import PriceKey
from jupyter_smcost.cost.resources import (
    KINDS,
    Collection,
    Collector,
    Identity,
    ResourceMonitor,
    Running,
    endpoint_variants,
    priced_document,
    studio_app,
    training_job,
)
from jupyter_smcost.environment import Environment, Kind
from tests.support.paths import DOCS
from tests.support.resources import (
    ACCOUNT,
    ENV,
    MINE,
    NOW,
    R,
    ScriptedAws,
    base_answers,
    tags,
    training,
)


async def test_mine_filters_by_studio_tags_and_builds_rows() -> None:
    aws = ScriptedAws(base_answers(), tags())
    found = await Collector(aws, lambda: ENV, "mine", clock=lambda: NOW).collect()
    assert found.scope == "mine" and found.problems == [] and not found.failed_kinds
    names = sorted((r.kind, r.name, r.detail) for r in found.rows)
    assert names == [
        ("endpoint", "ep", "variant AllTraffic"),
        ("endpoint", "ep", "variant Serverless, serverless"),
        ("studio-app", "demo-space-2/CodeEditor/default", "space demo-space-2, CodeEditor"),
        ("training-job", "mine-ondemand", ""),
        ("training-job", "mine-spot", ""),
    ]
    spot = next(r for r in found.rows if r.name == "mine-spot")
    assert spot.spot and spot.billable_seconds == 840 and spot.instance_count == 2
    # Only the listed jobs were tagged-checked, and the other user's job never described.
    assert aws.calls.count("describe_training_job") == 4


async def test_account_scope_lists_everyone_without_tag_calls() -> None:
    aws = ScriptedAws(base_answers(), tags())
    found = await Collector(aws, lambda: ENV, "account", clock=lambda: NOW).collect()
    assert {r.name for r in found.rows if r.kind == "training-job"} == {
        "mine-ondemand",
        "mine-spot",
        "theirs",
    }
    assert "list_tags" not in aws.calls
    assert any(r.name == "other/JupyterLab/default" for r in found.rows)


async def test_no_user_profile_lists_nothing_and_says_so() -> None:
    # "mine" never widens to the account: outside Studio nothing proves what is whose.
    local = Environment(kind=Kind.LOCAL, region="us-east-1", instance_type="ml.t3.medium")
    aws = ScriptedAws(base_answers(), tags())
    found = await Collector(aws, lambda: local, "mine").collect()
    assert found.scope == "mine" and found.rows == [] and not found.failed_kinds
    assert [p["code"] for p in found.problems] == ["scope"]
    assert 'c.Resources.scope = "account"' in found.problems[0]["message"]
    assert aws.calls == []


def test_ownership_is_read_from_the_tags_arns() -> None:
    R = "arn:aws:sagemaker:us-east-1:111122223333"
    R_EU = "arn:aws:sagemaker:eu-west-1:111122223333"  # another region
    R_OTHER = "arn:aws:sagemaker:us-east-1:999999999999"  # another account
    me = Identity("111122223333", "us-east-1", "d-demo", "demo-user", frozenset({"demo-space"}))
    assert me.owns({"sagemaker:user-profile-arn": f"{R}:user-profile/d-demo/demo-user"})
    assert me.owns({"sagemaker:space-arn": f"{R}:space/d-demo/demo-space"})
    for theirs in (
        {"sagemaker:user-profile-arn": f"{R}:user-profile/d-demo/demo-user-2"},
        {"sagemaker:user-profile-arn": f"{R}:user-profile/d-other/demo-user"},
        {"sagemaker:user-profile-arn": f"{R_EU}:user-profile/d-demo/demo-user"},
        {"sagemaker:user-profile-arn": f"{R_OTHER}:user-profile/d-demo/demo-user"},
        {"sagemaker:space-arn": f"{R}:space/d-demo/demo-space-2"},
        {"sagemaker:space-arn": f"{R}:space/d-demo/demo-space/x"},
        {"sagemaker:user-profile-arn": "demo-user"},
        {},
    ):
        assert not me.owns(theirs), theirs
    # Without the account (an ARN missing it), the domain, unique per region, decides.
    no_account = Identity(None, "us-east-1", "d-demo", "demo-user")
    assert no_account.owns({"sagemaker:user-profile-arn": f"{R}:user-profile/d-demo/demo-user"})
    # A space SageMaker records no owner for owns what is tagged with it, nothing else.
    shared = Identity("111122223333", "us-east-1", "d-demo", None, frozenset({"shared"}))
    assert shared.anchored
    assert shared.owns({"sagemaker:space-arn": f"{R}:space/d-demo/shared"})
    assert not shared.owns({"sagemaker:user-profile-arn": f"{R}:user-profile/d-demo/demo-user"})
    assert not Identity("111122223333", "us-east-1", None, None).anchored


async def test_permission_error_names_the_action_and_keeps_other_kinds() -> None:
    answers = base_answers()
    answers["list_training_jobs"] = AwsError(
        "ListTrainingJobs", "AccessDeniedException", "not authorized"
    )
    found = await Collector(ScriptedAws(answers, tags()), lambda: ENV, "mine").collect()
    assert found.failed_kinds == {"training-job"}
    (p,) = found.problems
    assert p["code"] == "permission" and p["action"] == "sagemaker:ListTrainingJobs"
    assert p["message"] == (
        "no permission for sagemaker:ListTrainingJobs: add it to the execution role "
        "(jupyter smcost policy --for user prints the policy)"
    )
    assert any(r.kind == "endpoint" for r in found.rows)
    doc = priced_document(
        found, {}, region="us-east-1", now=NOW, ttl_seconds=60, loading=False, scope="mine"
    )
    assert doc["state"] == "partial"


async def test_monitor_single_flight_ttl_and_throttling_backoff() -> None:
    calls = 0
    outcome: list[Collection] = []
    gate = asyncio.Event()
    clock = [0.0]

    async def collect() -> Collection:
        nonlocal calls
        calls += 1
        await gate.wait()
        return outcome[-1]

    ok = Collection(NOW, "mine", rows=[training_job(training("a"))])
    outcome.append(ok)
    monitor = ResourceMonitor(collect, ttl_seconds=60, clock=lambda: clock[0])
    waiting = [asyncio.ensure_future(monitor.get(wait_seconds=5)) for _ in range(20)]
    await asyncio.sleep(0.01)
    assert monitor.loading
    gate.set()
    results = await asyncio.gather(*waiting)
    assert calls == 1 and all(r is ok for r in results)
    clock[0] = 59
    await monitor.get()
    assert calls == 1
    # After the TTL a throttled refresh keeps the rows of the failed kind, and waits longer.
    throttled = Collection(
        NOW,
        "mine",
        problems=[{"kind": "training-job", "code": "throttled", "action": None, "message": "x"}],
        failed_kinds={"training-job"},
    )
    outcome.append(throttled)
    clock[0] = 61
    assert await monitor.get() is ok  # served at once; the refresh runs in the background
    got = await monitor.settled()
    assert calls == 2 and got is not None and [r.name for r in got.rows] == ["a"]
    clock[0] = 61 + 119
    await monitor.get()
    await monitor.settled()
    assert calls == 2  # backed off to 2 x TTL
    clock[0] = 61 + 121
    await monitor.get()
    await monitor.settled()
    assert calls == 3


async def test_monitor_answers_loading_while_the_first_refresh_is_slow() -> None:
    gate = asyncio.Event()

    async def collect() -> Collection:
        await gate.wait()
        return Collection(NOW, "mine")

    monitor = ResourceMonitor(collect)
    assert await monitor.get(wait_seconds=0.01) is None
    doc = priced_document(
        None, {}, region="us-east-1", now=NOW, ttl_seconds=60, loading=monitor.loading, scope="mine"
    )
    assert doc["state"] == "loading"
    gate.set()
    assert await monitor.get(wait_seconds=1) is not None


def test_priced_document_costs_totals_and_unknowns() -> None:
    rows = [
        training_job(training("ondemand")),
        training_job(
            training(
                "spot",
                EnableManagedSpotTraining=True,
                BillableTimeInSeconds=840,
                TrainingStartTime=NOW - timedelta(minutes=40),
            )
        ),
        training_job(
            training(
                "spot-early",
                EnableManagedSpotTraining=True,
                TrainingStartTime=NOW - timedelta(minutes=30),
            )
        ),
        Running("processing-job", "prep", None, "InProgress", "ml.x9.huge", 1, "processing", NOW),
        *endpoint_variants(
            {
                "EndpointName": "ep",
                "CreationTime": NOW - timedelta(hours=1),
                "ProductionVariants": [{"VariantName": "A", "CurrentInstanceCount": 2}],
            },
            {"ProductionVariants": [{"VariantName": "A", "InstanceType": "ml.m5.xlarge"}]},
        ),
    ]
    prices = {
        PriceKey("us-east-1", "ml.p3.2xlarge", "training"): {
            "known": True,
            "usd_per_hour": 3.825,
            "source": "snapshot",
            "as_of": "2026-11-01",
            "detail": "d",
        },
        PriceKey("us-east-1", "ml.m5.xlarge", "hosting"): {
            "known": True,
            "usd_per_hour": 0.23,
            "source": "cache",
            "as_of": "2026-11-20",
            "detail": "d",
        },
        PriceKey("us-east-1", "ml.x9.huge", "processing"): {
            "known": False,
            "usd_per_hour": None,
            "source": "unknown",
            "reason": "price unknown for ml.x9.huge (processing) in region us-east-1",
        },
    }
    doc = priced_document(
        Collection(NOW, "mine", rows=rows),
        prices,
        region="us-east-1",
        now=NOW,
        ttl_seconds=60,
        loading=False,
        scope="mine",
    )
    by = {r["name"]: r for r in doc["resources"]}
    assert by["ondemand"]["cost_so_far_usd"] == pytest.approx(3.825 * 25 / 60)
    assert by["spot"]["cost_so_far_usd"] == pytest.approx(3.825 * 840 / 3600)
    assert "billed 14 min of 40 min" in by["spot"]["detail"]
    # A spot job's rate is what it has cost per hour so far: billable / elapsed x on-demand.
    assert by["spot"]["usd_per_hour"] == pytest.approx(3.825 * 840 / 2400)
    assert by["spot"]["on_demand_usd_per_hour"] == pytest.approx(3.825)
    assert "35% of the on-demand $3.83/h" in by["spot"]["detail"]
    assert "upper bound" in by["spot-early"]["detail"]
    assert by["spot-early"]["usd_per_hour"] == pytest.approx(3.825)
    assert by["ep"]["usd_per_hour"] == pytest.approx(0.46)
    assert by["ep"]["console_url"].endswith("#/endpoints/ep")
    assert by["prep"]["usd_per_hour"] is None and by["prep"]["cost_so_far_usd"] is None
    assert doc["unpriced"] == 1
    assert doc["total_usd_per_hour"] == pytest.approx(2 * 3.825 + 3.825 * 0.35 + 0.46)
    assert doc["resources"][-1]["name"] == "prep"  # unknown prices last
    assert {p["code"] for p in doc["problems"]} == {"price-unknown"}
    assert doc["state"] == "ok"


def test_every_kind_is_named() -> None:
    assert len(KINDS) == 7
    doc = priced_document(
        None,
        {},
        region=None,
        now=NOW,
        ttl_seconds=60,
        loading=False,
        scope="mine",
        unavailable_reason="no AWS region",
    )
    assert doc["state"] == "unavailable" and doc["problems"][0]["message"] == "no AWS region"


def test_admin_docs_policy_lists_every_action_the_collector_uses() -> None:

    from jupyter_smcost.cost.resources import REQUIRED_ACTIONS

    docs = (DOCS / "admins.md").read_text()
    policy = docs.split("\n### Permissions for cost\n", 1)[1].split("\n#", 1)[0]
    assert [a for a in REQUIRED_ACTIONS if f'"{a}"' not in policy] == []


async def test_monitor_refreshes_on_a_fixed_ttl_grid() -> None:
    """A listing fetched late in a TTL window expires at the window's end, so one tab that
    polls every 30 s refreshes once per TTL, exactly as 20 tabs do."""
    clock = [50.0]
    calls = 0

    async def collect() -> Collection:
        nonlocal calls
        calls += 1
        return Collection(NOW, "mine")

    monitor = ResourceMonitor(collect, ttl_seconds=60, clock=lambda: clock[0])
    await monitor.get()
    clock[0] = 59.9
    await monitor.get()
    assert calls == 1
    clock[0] = 60.1  # a new window, although the listing is only 10 s old
    await monitor.get()
    await monitor.settled()
    assert calls == 2
    for t in range(61, 120, 30):
        clock[0] = float(t)
        await monitor.get()
        await monitor.settled()
    assert calls == 2


async def test_a_second_refresh_describes_only_new_and_spot_jobs() -> None:
    """Describe results are remembered by ARN: 300 unchanged jobs cost no describe call the
    second time; a spot job (its billable time moves) and a new job do."""
    names = [f"job-{i:03d}" for i in range(300)]
    jobs = {n: training(n) for n in names}
    jobs["spotty"] = training("spotty", EnableManagedSpotTraining=True, BillableTimeInSeconds=60)
    listed = [
        {"TrainingJobName": n, "TrainingJobArn": f"{R}:training-job/{n}", "LastModifiedTime": NOW}
        for n in jobs
    ]
    answers = {
        **base_answers(),
        "list_training_jobs": listed,
        "describe_training_job": lambda TrainingJobName: jobs[TrainingJobName],
    }
    aws = ScriptedAws(answers, {**tags(), **{f"{R}:training-job/{n}": MINE for n in jobs}})
    collector = Collector(aws, lambda: ENV, clock=lambda: NOW)
    first = await collector.collect()
    assert aws.calls.count("describe_training_job") == 301
    assert aws.calls.count("describe_endpoint_config") == 1
    aws.calls.clear()
    jobs["spotty"] = training("spotty", EnableManagedSpotTraining=True, BillableTimeInSeconds=90)
    jobs["new"] = training("new")
    aws.tags[f"{R}:training-job/new"] = MINE
    listed.append(
        {
            "TrainingJobName": "new",
            "TrainingJobArn": f"{R}:training-job/new",
            "LastModifiedTime": NOW,
        }
    )
    # job-000 moved on (its last-modified time changed): described again.
    listed[0] = {**listed[0], "LastModifiedTime": NOW + timedelta(minutes=1)}
    second = await collector.collect()
    # The endpoint is not described again: its list summary did not change.
    assert aws.calls.count("describe_training_job") == 3 and collector.last_describes == 3
    assert aws.calls.count("describe_endpoint") == 0
    assert aws.calls.count("describe_endpoint_config") == 0  # configs never change
    assert aws.calls.count("list_tags") == 1  # the new job's
    assert aws.calls.count("list_spaces") == 0  # the user's spaces: hourly
    by = {r.name: r for r in second.rows if r.kind == "training-job"}
    assert len(by) == 302 and by["spotty"].billable_seconds == 90
    assert {r.name for r in first.rows} <= {r.name for r in second.rows}
    # A job no longer listed is forgotten.
    del listed[5]
    await collector.collect()
    assert f"{R}:training-job/job-005" not in collector._described["describe_training_job"]


async def test_after_expiry_the_last_listing_is_served_while_a_refresh_runs() -> None:
    clock = [0.0]
    gate = asyncio.Event()
    calls = 0

    async def collect() -> Collection:
        nonlocal calls
        calls += 1
        if calls > 1:
            await gate.wait()
        return Collection(NOW + timedelta(seconds=calls), "mine")

    monitor = ResourceMonitor(collect, ttl_seconds=60, clock=lambda: clock[0])
    first = await monitor.get()
    assert first is not None
    clock[0] = 61
    loop = asyncio.get_running_loop()
    started = loop.time()
    answers = [await monitor.get(wait_seconds=5) for _ in range(10)]
    assert loop.time() - started < 0.5
    await asyncio.sleep(0)  # let the background refresh begin
    assert all(a is first for a in answers) and monitor.loading and calls == 2
    gate.set()
    newer = await monitor.settled()
    assert newer is not first and await monitor.get() is newer and calls == 2


def test_studio_app_rows_have_an_arn_and_a_console_link() -> None:
    row = studio_app(
        {
            "DomainId": "d-demo",
            "SpaceName": "demo-space-2",
            "AppType": "CodeEditor",
            "AppName": "default",
            "Status": "InService",
            "ResourceSpec": {"InstanceType": "ml.t3.medium"},
        },
        "us-east-1",
        ACCOUNT,
    )
    assert row is not None
    assert row.arn == f"{R}:app/d-demo/demo-space-2/codeeditor/default"
    assert row.console_url == (
        "https://us-east-1.console.aws.amazon.com/sagemaker/home?region=us-east-1"
        "#/studio/d-demo?tab=spaces"
    )
    classic = studio_app(
        {
            "DomainId": "d-demo",
            "UserProfileName": "demo-user",
            "AppType": "KernelGateway",
            "AppName": "datascience-1-0-ml-t3-medium-1abf3407f667f989be9d86559395",
            "ResourceSpec": {"InstanceType": "ml.t3.medium"},
        },
        "us-east-1",
        ACCOUNT,
    )
    assert classic is not None and classic.arn == (
        f"{R}:app/d-demo/demo-user/kernelgateway/"
        "datascience-1-0-ml-t3-medium-1abf3407f667f989be9d86559395"
    )
    assert classic.console_url is not None and classic.console_url.endswith("?tab=users")
    # Without the account, no made-up ARN.
    assert studio_app({**_APP, "DomainId": "d-demo"}, "us-east-1", None).arn is None  # type: ignore[union-attr]
    doc = priced_document(
        Collection(NOW, "mine", rows=[row]),
        {},
        region="us-east-1",
        now=NOW,
        ttl_seconds=60,
        loading=False,
        scope="mine",
    )
    assert doc["resources"][0]["console_url"] == row.console_url
    assert doc["resources"][0]["arn"] == row.arn


_APP = {
    "SpaceName": "s",
    "AppType": "JupyterLab",
    "AppName": "default",
    "ResourceSpec": {"InstanceType": "ml.t3.medium"},
}


def test_only_the_most_expensive_rows_are_listed_with_totals_for_all() -> None:
    rows = [
        Running("training-job", f"j{i}", None, "InProgress", "ml.m5.large", i + 1, "training", NOW)
        for i in range(10)
    ]
    price = {"known": True, "usd_per_hour": 1.0, "source": "override", "detail": "d"}
    doc = priced_document(
        Collection(NOW, "mine", rows=rows),
        {PriceKey("us-east-1", "ml.m5.large", "training"): price},
        region="us-east-1",
        now=NOW,
        ttl_seconds=60,
        loading=False,
        scope="mine",
        max_rows=3,
    )
    assert [r["name"] for r in doc["resources"]] == ["j9", "j8", "j7"]
    assert doc["count"] == 10 and doc["omitted"] == {"count": 7, "usd_per_hour": 28.0}
    assert doc["total_usd_per_hour"] == pytest.approx(55.0)


def test_worst_case_of_in_progress_jobs_is_rate_times_max_runtime() -> None:
    rate = 2.5
    rows = [
        training_job(
            training("bounded", ResourceConfig={"InstanceType": "ml.a", "InstanceCount": 2})
        ),
        training_job(training("no-bound", StoppingCondition={})),
        training_job(training("done", TrainingJobStatus="Completed")),
        training_job(
            training("unpriced", ResourceConfig={"InstanceType": "ml.b", "InstanceCount": 1})
        ),
    ]
    known = {"known": True, "usd_per_hour": rate, "source": "override", "detail": "d"}
    prices = {PriceKey("us-east-1", "ml.p3.2xlarge", "training"): known}
    prices[PriceKey("us-east-1", "ml.a", "training")] = known
    doc = priced_document(
        Collection(NOW, "mine", rows=rows),
        prices,
        region="us-east-1",
        now=NOW,
        ttl_seconds=60,
        loading=False,
        scope="mine",
    )
    by_name = {r["name"]: r for r in doc["resources"]}
    bounded = by_name["bounded"]
    assert bounded["max_runtime_seconds"] == 86400
    assert bounded["worst_case_usd"] == pytest.approx(rate * 2 * 24)
    assert by_name["no-bound"]["max_runtime_seconds"] is None
    assert by_name["no-bound"]["worst_case_usd"] is None
    assert by_name["done"]["worst_case_usd"] is None
    assert by_name["unpriced"]["worst_case_usd"] is None
