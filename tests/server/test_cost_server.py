"""GET cost and GET resources on a real server (local mode here; Studio with the emulator
below)."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support.api import SMCostAPI, extension
from tests.support.cost import listed, settled_cost


@pytest.fixture
def priced_local(smcost_config: dict[str, Any]) -> dict[str, Any]:
    smcost_config["Pricing"]["overrides"] = {"ml.t3.medium": 0.05}
    smcost_config["IdleShutdown"]["max_idle_usd"] = 0.01  # 12 idle minutes at $0.05/h
    smcost_config["Resources"] = {"enabled": False}
    return smcost_config


async def test_local_cost_from_an_override_feeds_the_idle_budget(
    priced_local: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    cost = await smcost_api.get("cost")
    price = cost["instance"]["price"]
    assert price["known"] and price["source"] == "override" and price["usd_per_hour"] == 0.05
    assert "c.Pricing.overrides" in price["detail"]
    assert cost["usd_per_hour"] == 0.05  # local mode: no space volume
    assert cost["started_at"] is not None and cost["uptime_seconds"] >= 0
    assert cost["projection"]["per_day_usd"] == pytest.approx(1.2)
    assert cost["idle"]["limit"] == "budget"
    assert cost["idle"]["budget_seconds"] == pytest.approx(720)
    status = await smcost_api.get("status")
    assert status["idle"]["limit"] == "budget"
    assert status["idle"]["seconds_until_shutdown"] <= 720
    config = await smcost_api.get("config")
    assert config["max_idle_usd"] == 0.01 and config["admin_max_idle_usd"] == 0.01


async def test_user_budget_through_put_config(
    priced_local: dict[str, Any], jp_fetch: Any, smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    await smcost_api.get("cost")
    response = await jp_fetch(
        "jupyter-smcost", "config", method="PUT", body=json.dumps({"max_idle_usd": 0})
    )
    body = json.loads(response.body)
    assert body["max_idle_usd"] is None and body["message"] == "No idle budget."
    assert (await smcost_api.get("status"))["idle"]["limit"] == "timeout"
    with pytest.raises(Exception) as err:
        await jp_fetch(
            "jupyter-smcost", "config", method="PUT", body=json.dumps({"max_idle_usd": -2})
        )
    assert getattr(err.value, "code", None) == 400


@pytest.fixture
def no_snapshot(smcost_config: dict[str, Any], tmp_path: Path) -> None:
    """No price snapshot at all (the bundled one is replaced by a missing file)."""
    smcost_config["Pricing"]["snapshot_path"] = str(tmp_path / "no-snapshot.json")


async def test_unknown_price_is_a_clear_state(
    no_snapshot: None, smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    cost = await smcost_api.get("cost")
    assert cost["usd_per_hour"] is None and cost["session_usd"] is None
    reason = cost["instance"]["price"]["reason"]
    assert reason.startswith("price unknown for ml.t3.medium (studio-jupyterlab) in region")
    assert [p["code"] for p in cost["problems"]] == ["price-unknown"]


async def test_resources_turned_off_is_unavailable_with_a_reason(
    priced_local: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    doc = await smcost_api.get("resources")
    assert doc["state"] == "unavailable"
    assert "c.Resources.enabled" in doc["problems"][0]["message"]


async def test_cost_needs_authentication(jp_fetch: Any, smcost_started: Any) -> None:
    for route in ("cost", "resources"):
        with pytest.raises(Exception) as err:
            await jp_fetch("jupyter-smcost", route, headers={"Authorization": ""})
        assert getattr(err.value, "code", None) in (401, 403)
    assert extension(smcost_started.serverapp) is smcost_started


# -- in a simulated Studio space (the emulator) -------------------------------------------


def calls(emulator: Any, action: str) -> int:
    return sum(1 for record in emulator.call_log() if record.action == action)


async def test_space_cost_from_the_price_list_with_storage(
    studio_cost: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    cost = await settled_cost(smcost_api)
    price = cost["instance"]["price"]
    assert cost["instance"] == {
        "instance_type": "ml.g5.xlarge",
        "component": "studio-jupyterlab",
        "price": price,
    }
    assert price["source"] == "price-list-api" and price["usd_per_hour"] == pytest.approx(1.408)
    assert studio_cost["emulator"].endpoint_url in price["detail"]
    storage = cost["storage"]
    assert storage["size_gb"] == 20
    assert storage["usd_per_gb_month"] == pytest.approx(0.14)
    assert cost["usd_per_hour"] == pytest.approx(1.408 + 20 * 0.14 / 730)
    assert cost["started_at"] is not None and cost["session_usd"] > 0
    assert cost["problems"] == []
    # One Price List call per key, however often the cost is asked for.
    for _ in range(5):
        await smcost_api.get("cost")
    assert calls(studio_cost["emulator"], "GetProducts") == 2  # instance + storage
    # Once per start, the component names of our price table are checked against AWS.
    for _ in range(50):
        if calls(studio_cost["emulator"], "GetAttributeValues") >= 2:
            break
        await asyncio.sleep(0.1)
    assert calls(studio_cost["emulator"], "GetAttributeValues") == 2


async def test_resources_of_the_demo_user(
    studio_cost: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    doc = await smcost_api.get("resources")
    for _ in range(50):
        if doc["state"] == "ok" and all(r["price"]["known"] for r in doc["resources"]):
            break
        await asyncio.sleep(0.1)
        doc = await smcost_api.get("resources")
    assert doc["state"] == "ok" and doc["scope"] == "mine" and doc["problems"] == []
    rows = {(r["kind"], r["name"]): r for r in doc["resources"]}
    assert set(rows) == {
        ("training-job", "demo-finetune-spot"),
        ("training-job", "demo-resnet-train"),
        ("processing-job", "demo-features-processing"),
        ("endpoint", "demo-endpoint"),
        ("studio-app", "demo-space-2/CodeEditor/default"),
    }
    resnet = rows[("training-job", "demo-resnet-train")]
    assert resnet["instance_type"] == "ml.p3.2xlarge" and resnet["spot"] is False
    assert resnet["usd_per_hour"] == pytest.approx(3.978)
    assert resnet["running_seconds"] == pytest.approx(25 * 60, abs=30)
    assert resnet["cost_so_far_usd"] == pytest.approx(3.978 * 25 / 60, rel=0.05)
    spot = rows[("training-job", "demo-finetune-spot")]
    assert spot["spot"] is True and spot["billable_seconds"] == 840
    assert spot["cost_so_far_usd"] == pytest.approx(1.5756 * 840 / 3600)
    assert "billed 14 min of 40 min" in spot["detail"]
    endpoint = rows[("endpoint", "demo-endpoint")]
    assert endpoint["instance_count"] == 2 and endpoint["usd_per_hour"] == pytest.approx(0.506)
    assert endpoint["console_url"].endswith("#/endpoints/demo-endpoint")
    assert rows[("studio-app", "demo-space-2/CodeEditor/default")]["usd_per_hour"] == (
        pytest.approx(0.051)
    )
    assert doc["total_usd_per_hour"] == pytest.approx(
        sum(r["usd_per_hour"] for r in doc["resources"])
    )
    assert doc["unpriced"] == 0


async def test_twenty_concurrent_gets_cause_one_listing_per_ttl(
    studio_cost: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    emulator = studio_cost["emulator"]
    emulator.clear_call_log()
    docs = await asyncio.gather(*(smcost_api.get("resources") for _ in range(20)))
    assert {d["fetched_at"] for d in docs} == {docs[0]["fetched_at"]}
    await smcost_started.monitor.settled()  # on a busy machine, past the first GET's wait
    more = await asyncio.gather(*(smcost_api.get("resources") for _ in range(20)))
    assert len({d["fetched_at"] for d in more}) == 1 and more[0]["fetched_at"] is not None
    for action in ("ListApps", "ListProcessingJobs", "ListTransformJobs"):
        assert calls(emulator, action) == 1, action
    # The user's training jobs, tuning jobs and endpoints: one Search each, no listing.
    assert calls(emulator, "Search") == 3
    assert calls(emulator, "ListTrainingJobs") == calls(emulator, "ListEndpoints") == 0
    # Each price once, too: the rows' prices, and at most this space's own instance and its
    # volume (the budget's tick may have priced those before the count began).
    rows = len({(r["instance_type"], r["kind"]) for r in more[0]["resources"]})
    assert rows <= calls(emulator, "GetProducts") <= rows + 2


async def test_mine_hides_other_users(
    studio_cost: dict[str, Any],
    smcost_config: dict[str, Any],
    smcost_api: SMCostAPI,
    smcost_started: Any,
) -> None:
    doc = await listed(smcost_api, smcost_started)
    assert "other-user-xgboost" not in {r["name"] for r in doc["resources"]}


@pytest.fixture
def account_scope(studio_cost: dict[str, Any], smcost_config: dict[str, Any]) -> dict[str, Any]:
    smcost_config["Resources"]["scope"] = "account"
    return studio_cost


async def test_account_scope_lists_every_user(
    account_scope: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    doc = await listed(smcost_api, smcost_started)
    assert doc["scope"] == "account"
    assert "other-user-xgboost" in {r["name"] for r in doc["resources"]}


async def test_missing_permission_is_a_clear_partial_state(
    studio_cost: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    # Without Search the jobs are listed; without ListTrainingJobs, those are not.
    for action in ("Search", "ListTrainingJobs"):
        studio_cost["emulator"].inject_fault(
            action, "AccessDeniedException", f"not authorized to perform {action}"
        )
    doc = await listed(smcost_api, smcost_started)
    assert doc["state"] == "partial"
    assert {
        "kind": "training-job",
        "code": "permission",
        "action": "sagemaker:ListTrainingJobs",
        "message": "no permission for sagemaker:ListTrainingJobs: add it to the execution role "
        "(jupyter smcost policy --for user prints the policy)",
    } in doc["problems"]
    assert {r["kind"] for r in doc["resources"]} == {"processing-job", "endpoint", "studio-app"}


async def test_price_list_denied_falls_back_to_the_bundled_snapshot(
    studio_cost: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    """Most execution roles cannot call pricing:GetProducts: the figures still show, from
    the bundled snapshot of AWS's own feed, with its source and date."""
    studio_cost["emulator"].inject_fault("GetProducts", "AccessDeniedException", "no pricing")
    cost = await settled_cost(smcost_api, waiting=("pending",))  # instance type, then price
    price = cost["instance"]["price"]
    assert price["known"] is True and price["source"] == "snapshot"
    assert price["as_of"] == "2025-06-16"
    assert "sagemaker-instances-studionotebook" in price["detail"]
    assert "estimate" in price["detail"] and "older than 180 days" in price["detail"]
    assert cost["usd_per_hour"] is not None and cost["usd_per_hour"] > 0


async def test_price_list_denied_falls_back_to_unknown_with_the_reason(
    no_snapshot: None, studio_cost: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    studio_cost["emulator"].inject_fault("GetProducts", "AccessDeniedException", "no pricing")
    cost = await settled_cost(smcost_api, waiting=("pending",))  # instance type, then price
    price = cost["instance"]["price"]
    assert price["known"] is False and price["usd_per_hour"] is None
    assert (
        "price unknown for ml.g5.xlarge (studio-jupyterlab) in region us-east-1"
        in (price["reason"])
    )
    assert "AccessDeniedException" in price["reason"]
    assert cost["usd_per_hour"] is None


async def test_idle_budget_uses_the_space_price(
    studio_cost: dict[str, Any],
    smcost_config: dict[str, Any],
    jp_fetch: Any,
    smcost_api: SMCostAPI,
    smcost_started: Any,
) -> None:
    response = await jp_fetch(
        "jupyter-smcost", "config", method="PUT", body=json.dumps({"max_idle_usd": 0.25})
    )
    assert json.loads(response.body)["max_idle_usd"] == 0.25
    cost = await settled_cost(smcost_api)
    status = (await smcost_api.get("status"))["idle"]
    assert status["limit"] == "budget"
    # Spent at the instance's rate: the volume is billed whether the app runs or not.
    rate = cost["instance"]["price"]["usd_per_hour"]
    assert status["budget_seconds"] == pytest.approx(0.25 / rate * 3600, rel=1e-3)
    assert cost["idle"]["limit"] == "budget" and cost["idle"]["shutdown_at"] is not None


async def test_a_large_listing_is_refreshed_with_few_calls_and_served_whole(
    studio_cost: dict[str, Any], jp_fetch: Any, smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    """300 more running jobs of the demo user: once listed, a refresh of the unchanged jobs
    makes a handful of AWS calls, and GET resources sends the same text until it changes."""
    emulator = studio_cost["emulator"]
    mine = [
        {"Key": "sagemaker:user-profile-arn", "Value": studio_cost["user_profile_arn"]},
        {"Key": "sagemaker:space-arn", "Value": studio_cost["space_arn"]},
    ]
    emulator.seed_training_jobs(300, tags=mine, account_id=studio_cost["account_id"])
    app = extension(smcost_started.serverapp)
    for _ in range(100):
        doc = await smcost_api.get("resources")
        if doc["state"] == "ok" and all(r["price"]["known"] for r in doc["resources"]):
            break
        await asyncio.sleep(0.1)
    assert doc["count"] == 305 and len(doc["resources"]) == 100  # c.Resources.max_rows
    assert doc["omitted"]["count"] == 205
    assert doc["total_usd_per_hour"] == pytest.approx(
        sum(r["usd_per_hour"] for r in doc["resources"]) + doc["omitted"]["usd_per_hour"]
    )
    one = (await jp_fetch("jupyter-smcost", "resources")).body
    two = (await jp_fetch("jupyter-smcost", "resources")).body
    assert one == two  # serialized once per listing
    emulator.clear_call_log()
    app.monitor._fresh_until = 0.0  # the TTL ran out
    await smcost_api.get("resources")
    await app.monitor.settled()
    sagemaker = [r.action for r in emulator.call_log() if r.service == "sagemaker"]
    # The lists, and the user's jobs and endpoints found by Search with their descriptions
    # (four pages of 100 for 302 training jobs): no describe, no ListTags.
    assert len(sagemaker) <= 20, sagemaker
    assert sagemaker.count("Search") == 6
    assert "DescribeTrainingJob" not in sagemaker and "ListTags" not in sagemaker
    three = (await jp_fetch("jupyter-smcost", "resources")).body
    assert three != two  # a new listing, a new document


async def test_app_rows_carry_their_arn_and_spot_rows_their_effective_rate(
    studio_cost: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    for _ in range(50):
        doc = await smcost_api.get("resources")
        if doc["state"] == "ok" and all(r["price"]["known"] for r in doc["resources"]):
            break
        await asyncio.sleep(0.1)
    rows = {r["name"]: r for r in doc["resources"]}
    seeded = {r["name"]: r for r in studio_cost["resources"]}
    app = rows["demo-space-2/CodeEditor/default"]
    assert app["arn"] == seeded["demo-space-2/CodeEditor/default"]["arn"]
    assert app["console_url"].endswith(f"#/studio/{studio_cost['domain_id']}?tab=spaces")
    spot = rows["demo-finetune-spot"]
    assert spot["on_demand_usd_per_hour"] == pytest.approx(1.5756)
    assert spot["usd_per_hour"] == pytest.approx(1.5756 * 840 / 2400, rel=0.02)
    assert doc["total_usd_per_hour"] == pytest.approx(sum(r["usd_per_hour"] for r in rows.values()))


async def test_a_throttle_says_aws_is_busy_in_both_documents_until_the_backoff_ends(
    studio_cost: dict[str, Any], jp_fetch: Any, smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    """A ThrottlingException on one listing backs the whole process off (pace.py): GET
    resources and GET suggestions say since when and until when, with the last figures; once
    the backoff is over they say nothing of it again."""
    emulator = studio_cost["emulator"]
    app = extension(smcost_started.serverapp)
    doc = await listed(smcost_api, app)
    assert doc["aws_busy"] is None
    assert (await smcost_api.get("suggestions"))["aws_busy"] is None
    quiet = (await jp_fetch("jupyter-smcost", "resources")).body
    emulator.inject_fault("ListApps", "ThrottlingException", "Rate exceeded")
    app.monitor._fresh_until = 0.0  # the TTL ran out
    busy_doc = await listed(smcost_api, app)
    busy = busy_doc["aws_busy"]
    assert busy is not None and set(busy) == {"since", "until"}, busy_doc
    since, until = datetime.fromisoformat(busy["since"]), datetime.fromisoformat(busy["until"])
    assert since.tzinfo is not None and since < until
    assert until - since == pytest.approx(timedelta(seconds=30), abs=timedelta(seconds=1))
    assert datetime.fromisoformat(busy_doc["fetched_at"]) <= until
    # The apps could not be listed this time: the last ones are kept, as after any failure.
    assert any(r["kind"] == "studio-app" for r in busy_doc["resources"])
    assert (await smcost_api.get("suggestions"))["aws_busy"] == busy  # the same process
    one = (await jp_fetch("jupyter-smcost", "resources")).body
    assert one != quiet and one == (await jp_fetch("jupyter-smcost", "resources")).body
    emulator.clear_faults()
    app.pace.busy_until = 0.0  # the backoff is over
    assert (await smcost_api.get("resources"))["aws_busy"] is None
    assert (await smcost_api.get("suggestions"))["aws_busy"] is None
