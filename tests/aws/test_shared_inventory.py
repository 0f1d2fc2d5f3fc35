"""The shared inventory: the Lambda's reconcile writes each owner's document to S3 (the
emulator's), and a running server given `c.Resources.inventory_uri` serves its rows from
there without listing SageMaker; when the document is missing or stale, it lists itself
and the listing says why."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest

from jupyter_smcost.admin.inventory_lambda import (
    EVENT_QUIET_SECONDS,
    REWRITE_SECONDS,
    InventoryWriter,
    Outcome,
    Settings,
    handler,
)
from jupyter_smcost.aws import AwsClients
from tests.support.api import SMCostAPI, extension
from tests.support.demo import one, settled

BUCKET = "smcost-inventory"
PREFIX = "jupyter-smcost/inventory/"
URI = f"s3://{BUCKET}/{PREFIX}"
#: The SageMaker calls that a server reading the shared inventory no longer makes.
LISTINGS = (
    "Search",
    "ListTrainingJobs",
    "ListProcessingJobs",
    "ListTransformJobs",
    "ListHyperParameterTuningJobs",
    "ListEndpoints",
    "ListApps",
    "ListTags",
)


@pytest.fixture
def studio(emulator_demo: dict[str, Any], smcost_config: dict[str, Any]) -> dict[str, Any]:
    smcost_config["SMCost"]["metadata_path"] = str(emulator_demo["metadata_path"])
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
    return emulator_demo


def writer(
    studio: dict[str, Any],
    *,
    period: float = 300.0,
    wall: datetime | list[datetime] | None = None,
    clock: list[float] | None = None,
) -> InventoryWriter:
    """The function's writer; `wall` (fixed, or a list whose first item is now) and
    `clock` simulate its time."""
    clients = AwsClients("us-east-1")

    def now() -> datetime:
        if isinstance(wall, list):
            return wall[0]
        return wall or datetime.now(timezone.utc)

    async def put(bucket: str, key: str, body: bytes) -> None:
        await clients.call("s3", "put_object", Bucket=bucket, Key=key, Body=body)

    return InventoryWriter(
        clients,
        put,
        Settings([studio["domain_id"]], BUCKET, PREFIX, period),
        region="us-east-1",
        account=studio["account_id"],
        wall=now,
        clock=(lambda: clock[0]) if clock else time.monotonic,
    )


def reconcile(w: InventoryWriter) -> Outcome:
    """One reconcile, on a loop of its own (before the test server's starts)."""
    loop = asyncio.new_event_loop()
    try:
        [outcome] = loop.run_until_complete(w.reconcile())
    finally:
        loop.close()
    assert outcome.error is None, outcome.error
    return outcome


def s3_json(key: str) -> Any:
    body = boto3.client("s3", region_name="us-east-1").get_object(Bucket=BUCKET, Key=key)["Body"]
    return json.loads(body.read())


@pytest.fixture
def shared(studio: dict[str, Any], smcost_config: dict[str, Any]) -> Outcome:
    outcome = reconcile(writer(studio))
    smcost_config["Resources"] = {"inventory_uri": URI}
    return outcome


async def listed(
    studio: dict[str, Any], jp_fetch: Any, app: Any
) -> tuple[dict[str, Any], Counter[str]]:
    """A fresh GET resources, and the SageMaker calls it made."""
    emulator = studio["emulator"]
    emulator.clear_call_log()
    app.monitor.invalidate()
    await jp_fetch("jupyter-smcost", "resources")
    await app.monitor.settled()
    doc = json.loads((await jp_fetch("jupyter-smcost", "resources")).body)
    calls = Counter(r.action for r in emulator.call_log() if r.service == "sagemaker")
    return doc, calls


def demo_users_rows(studio: dict[str, Any]) -> set[tuple[str, str]]:
    """(kind, name) of what the demo's user runs (the other user's left out)."""
    return {(r["kind"], r["name"]) for r in studio["resources"] if "other-user" not in r["name"]}


def listed_rows(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(r["kind"], r["name"]) for r in doc["resources"]}


def what(doc: dict[str, Any]) -> list[tuple[Any, ...]]:
    return sorted(
        (r["kind"], r["name"], r["instance_type"], r["instance_count"], r["usd_per_hour"])
        for r in doc["resources"]
    )


async def test_the_server_serves_its_rows_from_the_shared_inventory(
    shared: Outcome, studio: dict[str, Any], jp_fetch: Any, smcost_started: Any
) -> None:
    # One document per user profile (the demo's user and the other one) and per shared
    # space, and the heartbeat.
    user = s3_json(f"{PREFIX}{studio['domain_id']}/users/{studio['user_profile_name']}.json")
    assert user["user_profile_name"] == studio["user_profile_name"]
    assert shared.owners >= 2 and shared.written == shared.owners
    app = extension(smcost_started.serverapp)
    doc, calls = await listed(studio, jp_fetch, app)
    assert doc["state"] == "ok", doc["problems"]
    assert not [p for p in doc["problems"] if p["code"] == "inventory"], doc["problems"]
    for name in LISTINGS:
        assert calls[name] == 0, calls
    # Whose spaces are the user's: from the document too, not from the domain's listing.
    assert calls["ListSpaces"] == 0, calls
    ident = await app.collector.whoami()
    assert "demo-space-2" in ident.space_names and studio["space_name"] in ident.space_names
    assert not [r for r in studio["emulator"].call_log() if r.action == "ListSpaces"]
    assert listed_rows(doc) == demo_users_rows(studio)
    # What the space lists itself is the same, row for row, price for price.
    app.collector.inventory.shared = None
    own, calls = await listed(studio, jp_fetch, app)
    assert calls["Search"] + calls["ListProcessingJobs"] > 0, calls
    assert what(own) == what(doc)


@pytest.fixture
def named_by_policy(studio: dict[str, Any], smcost_config: dict[str, Any], tmp_path: Path) -> None:
    """As `lcc install --inventory-uri` leaves it: the address in the admin's policy file."""
    from jupyter_smcost.admin.policy_file import POLICY_VERSION

    reconcile(writer(studio))
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"jupyter_smcost_policy": POLICY_VERSION, "inventory_uri": URI}))
    smcost_config["SMCost"]["policy_path"] = str(policy)


async def test_the_admins_policy_names_the_inventory(
    named_by_policy: None, studio: dict[str, Any], jp_fetch: Any, smcost_started: Any
) -> None:
    app = extension(smcost_started.serverapp)
    assert app.resources_config.inventory_uri == URI
    doc, calls = await listed(studio, jp_fetch, app)
    assert doc["state"] == "ok" and calls["Search"] == 0, (calls, doc["problems"])
    assert app.collector.from_shared


async def fallen_back(
    studio: dict[str, Any], jp_fetch: Any, smcost_started: Any
) -> tuple[dict[str, Any], Counter[str], str]:
    """The listing made without the shared inventory: the document, the AWS calls, and the
    one problem that says why."""
    doc, calls = await listed(studio, jp_fetch, extension(smcost_started.serverapp))
    [note] = [p for p in doc["problems"] if p["code"] == "inventory"]
    return doc, calls, note["message"]


@pytest.fixture
def stale(studio: dict[str, Any], smcost_config: dict[str, Any]) -> None:
    # Written three periods ago, and not since: the Lambda has stopped.
    long_ago = datetime.now(timezone.utc) - timedelta(seconds=900)
    reconcile(writer(studio, period=300.0, wall=long_ago))
    smcost_config["Resources"] = {"inventory_uri": URI}


async def test_a_stale_inventory_is_not_used_and_the_listing_says_so(
    stale: None, studio: dict[str, Any], jp_fetch: Any, smcost_started: Any
) -> None:
    doc, calls, note = await fallen_back(studio, jp_fetch, smcost_started)
    assert "out of date" in note and "listed from this space" in note
    assert doc["state"] == "ok" and calls["Search"] > 0, calls
    assert listed_rows(doc) == demo_users_rows(studio)


@pytest.fixture
def missing(studio: dict[str, Any], smcost_config: dict[str, Any]) -> None:
    smcost_config["Resources"] = {"inventory_uri": URI}  # deployed, not yet run


async def test_a_missing_document_falls_back_to_the_own_listing(
    missing: None, studio: dict[str, Any], jp_fetch: Any, smcost_started: Any
) -> None:
    doc, _, note = await fallen_back(studio, jp_fetch, smcost_started)
    assert f"s3://{BUCKET}/{PREFIX}" in note and "no document" in note
    assert doc["resources"], doc


def test_a_reconcile_with_nothing_changed_writes_only_the_heartbeat(
    studio: dict[str, Any],
) -> None:
    clock = [0.0]
    wall = [datetime.now(timezone.utc)]
    w = writer(studio, clock=clock, wall=wall)
    first = reconcile(w)
    beat = s3_json(f"{PREFIX}{studio['domain_id']}/_reconciled.json")
    clock[0] += 300.0
    second = reconcile(w)
    assert second.written == 0 and second.unchanged == first.owners
    # Hours later, the lookback starts later: the same jobs, so the same documents.
    clock[0] += 300.0
    wall[0] += timedelta(hours=2)
    assert reconcile(w).written == 0
    # Once a day all the same, so the bucket's lifecycle rule expires only deleted owners'.
    clock[0] += REWRITE_SECONDS
    assert reconcile(w).written == first.owners
    assert (
        s3_json(f"{PREFIX}{studio['domain_id']}/_reconciled.json")["written_at"]
        >= beat["written_at"]
    )
    # The domain is read once for every owner: each listing once per reconcile, one
    # Search per kind it covers (training jobs, tuning jobs, endpoints) and one for the
    # training jobs of the lookback; the processing jobs running and those of the lookback.
    listings = {op: n for op, n in first.calls.items() if op.startswith("list")}
    assert listings.pop("list_processing_jobs") == 2, first.calls
    assert set(listings.values()) == {1} and first.calls["search"] == 4, first.calls


def test_a_kind_the_reconcile_could_not_read_keeps_its_last_rows(studio: dict[str, Any]) -> None:
    w = writer(studio)
    reconcile(w)
    key = f"{PREFIX}{studio['domain_id']}/users/{studio['user_profile_name']}.json"
    before = {r["name"] for r in s3_json(key)["rows"]}
    assert "demo-features-processing" in before
    studio["emulator"].inject_fault("ListProcessingJobs", "ThrottlingException", "Rate exceeded")
    w.conf.period_seconds = 0.001  # read SageMaker again
    reconcile(w)
    doc = s3_json(key)
    assert {r["name"] for r in doc["rows"]} == before
    assert doc["failed_kinds"] == ["processing-job"]
    assert [p["code"] for p in doc["problems"]] == ["throttled"], doc["problems"]


@pytest.fixture
def lambda_env(studio: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from jupyter_smcost.admin import inventory_lambda

    monkeypatch.setenv("SMCOST_DOMAIN_IDS", studio["domain_id"])
    monkeypatch.setenv("SMCOST_INVENTORY_BUCKET", BUCKET)
    monkeypatch.setenv("SMCOST_INVENTORY_PREFIX", PREFIX)
    monkeypatch.setenv("SMCOST_INVENTORY_CALLS_PER_SECOND", "50")
    inventory_lambda.cool()
    yield
    inventory_lambda.cool()


class Context:
    """What Lambda hands the handler: the function's ARN names the account."""

    def __init__(self, account: str) -> None:
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:{account}:function:inventory"


def test_the_handler_reconciles_on_the_schedule_and_on_events_once_a_minute(
    lambda_env: None, studio: dict[str, Any]
) -> None:
    context = Context(studio["account_id"])
    summary = handler({"source": "aws.events", "detail-type": "Scheduled Event"}, context)
    [domain] = summary["domains"]
    assert domain["error"] is None and domain["written"] >= 2, summary
    event = {"source": "aws.sagemaker", "detail-type": "SageMaker Training Job State Change"}
    # Just after the schedule's reconcile: this event's change waits for the next one.
    assert "skipped" in handler(event, context)
    from jupyter_smcost.admin import inventory_lambda

    inventory_lambda._WARM["writer"].last_reconcile -= EVENT_QUIET_SECONDS
    again = handler(event, context)
    assert again["domains"][0]["error"] is None, again


def test_a_misconfigured_handler_says_what_to_set(
    lambda_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SMCOST_INVENTORY_BUCKET")
    assert "SMCOST_INVENTORY_BUCKET" in handler({}, None)["error"]
    monkeypatch.setenv("SMCOST_INVENTORY_BUCKET", BUCKET)
    monkeypatch.setenv("SMCOST_INVENTORY_PERIOD_SECONDS", "nan")
    assert "SMCOST_INVENTORY_PERIOD_SECONDS" in handler({}, None)["error"]


# -- the savings suggestions read the same document -----------------------------------------

#: What the suggestions read of the user's resources, and no longer ask SageMaker for.
SUGGESTION_READS = (
    *LISTINGS,
    "DescribeTrainingJob",
    "DescribeProcessingJob",
    "DescribeEndpoint",
)


@pytest.fixture
def savings_shared(demo: dict[str, Any], smcost_config: dict[str, Any]) -> dict[str, Any]:
    """The savings demo, reconciled into the shared inventory that the server reads."""
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
    reconcile(writer(demo))
    smcost_config["Resources"] = {"inventory_uri": URI}
    return demo


async def computed(
    smcost_api: SMCostAPI, app: Any, emulator: Any
) -> tuple[dict[str, Any], Counter[str]]:
    """The suggestions computed afresh, and the SageMaker calls that took."""
    await settled(smcost_api, app)
    emulator.clear_call_log()
    app.suggestions.invalidate()
    doc = await settled(smcost_api, app)
    calls = Counter(r.action for r in emulator.call_log() if r.service == "sagemaker")
    return doc, calls


def cards(doc: dict[str, Any]) -> list[tuple[Any, ...]]:
    return sorted(
        (s["rule"], s["resource"]["name"] if s["resource"] else None, s["saving_usd_per_month"])
        for s in doc["suggestions"]
    )


async def test_the_suggestions_read_the_shared_inventory_and_say_the_same(
    savings_shared: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    emulator = savings_shared["emulator"]
    # Whether the domain lets its users run Docker: from the heartbeat, not DescribeDomain.
    emulator.clear_call_log()
    await settled(smcost_api, smcost_started)
    assert not [r for r in emulator.call_log() if r.action == "DescribeDomain"]
    doc, calls = await computed(smcost_api, smcost_started, emulator)
    reader = smcost_started.collector.inventory.shared
    assert reader.reads > 0 and reader.fallbacks == 0
    for name in SUGGESTION_READS:
        assert calls[name] == 0, calls
    fired = {s["rule"] for s in doc["suggestions"]}
    assert {"spot-training", "idle-endpoint", "data-locality", "idle-apps", "tags"} <= fired
    # What the space reads itself gives the same cards, figure for figure.
    smcost_started.collector.inventory.shared = None
    own, calls = await computed(smcost_api, smcost_started, emulator)
    assert calls["Search"] + calls["ListProcessingJobs"] > 0, calls
    assert cards(own) == cards(doc)


def test_processing_jobs_are_described_once_and_only_the_domains(studio: dict[str, Any]) -> None:
    """ListProcessingJobs answers the account's jobs: only those launched from this domain
    are described, and an ended one is not described again."""
    sm = boto3.client("sagemaker", region_name="us-east-1")
    elsewhere = f"arn:aws:sagemaker:us-east-1:{studio['account_id']}:user-profile/d-other/x"
    sm.create_processing_job(
        ProcessingJobName="another-domains-job",
        ProcessingResources={
            "ClusterConfig": {
                "InstanceCount": 1,
                "InstanceType": "ml.m5.xlarge",
                "VolumeSizeInGB": 30,
            }  # fmt: skip
        },
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
        AppSpecification={"ImageUri": "123.dkr.ecr.us-east-1.amazonaws.com/x:1"},
        RoleArn=f"arn:aws:iam::{studio['account_id']}:role/x",
        Tags=[{"Key": "sagemaker:user-profile-arn", "Value": elsewhere}],
    )
    emulator = studio["emulator"]
    emulator.clear_call_log()
    w = writer(studio)
    reconcile(w)
    described = [r.params for r in emulator.call_log() if r.action == "DescribeProcessingJob"]
    names = {p["ProcessingJobName"] for p in described}
    assert names and "another-domains-job" not in names
    key = f"{PREFIX}{studio['domain_id']}/users/{studio['user_profile_name']}.json"
    kept = s3_json(key)["facts"]["kinds"]["processing-job"]
    assert "demo-features-processing" in {j["ProcessingJobName"] for j in kept}
    # Read SageMaker again: nothing changed, so nothing is described again.
    emulator.clear_call_log()
    w.conf.period_seconds = 0.001
    reconcile(w)
    assert not [r for r in emulator.call_log() if r.action == "DescribeProcessingJob"]


async def test_after_an_action_the_suggestions_read_aws_until_the_function_has(
    savings_shared: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    """A document read before the user stopped a job still shows it running: until the
    function reads SageMaker again, the suggestions read it themselves."""
    emulator = savings_shared["emulator"]
    doc, _ = await computed(smcost_api, smcost_started, emulator)
    spot = one(doc, "spot-training", "demo-resnet-train")
    body = {"suggestion_id": spot["id"], "action_id": "stop-training-job", "confirm": True}
    emulator.clear_call_log()
    code, answer = await smcost_api.post("actions", body)
    assert code == 200, answer
    await settled(smcost_api, smcost_started)
    calls = Counter(r.action for r in emulator.call_log() if r.service == "sagemaker")
    assert calls["Search"] > 0, calls
    # The function's next reconcile (a state-change event) read after the action.
    [outcome] = await writer(savings_shared).reconcile(afresh=True)
    assert outcome.error is None, outcome.error
    smcost_started.collector.inventory.read_afresh()
    _, calls = await computed(smcost_api, smcost_started, emulator)
    assert calls["Search"] == 0 and calls["ListProcessingJobs"] == 0, calls
