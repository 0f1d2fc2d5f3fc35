"""The user profile's tag `jupyter-smcost:monthly-budget-usd` in the emulator's demo Studio
space: it overrides the admin's budget for that user; a malformed value or a ListTags that
fails leaves the admin's budget in force with a note; it is read at most once per TTL; and
the user's running jobs, endpoints and apps accrue in the ledger between two listings."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from jupyter_smcost.cost.budget_service import BUDGET_TAG
from tests.support.api import SMCostAPI
from tests.support.cost import listed


@pytest.fixture
def admin_budget(studio_cost: dict[str, Any], smcost_config: dict[str, Any]) -> dict[str, Any]:
    smcost_config["Budget"] = {"monthly_usd": 100.0}
    return studio_cost


def tag_profile(seeded: dict[str, Any], value: str) -> None:
    boto3.client("sagemaker", region_name=seeded["region"]).add_tags(
        ResourceArn=seeded["user_profile_arn"], Tags=[{"Key": BUDGET_TAG, "Value": value}]
    )


async def test_the_profiles_tag_overrides_the_admins_budget(
    admin_budget: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    tag_profile(admin_budget, "42.5")
    await smcost_started.budget.tick()
    doc = await smcost_api.get("budget")
    assert doc["budget_usd"] == 42.5 and doc["budget_source"] == "tag", doc
    assert not [n for n in doc["notes"] if "tag" in n], doc
    # Cached (c.Budget.tag_ttl_seconds): a changed tag applies at the next read, not now.
    tag_profile(admin_budget, "7")
    await smcost_started.budget.tick()
    assert (await smcost_api.get("budget"))["budget_usd"] == 42.5


@pytest.mark.parametrize("value", ["lots", "-3", "1e3", " 5 ", "9" * 40])
async def test_a_malformed_tag_is_ignored_with_a_note(
    admin_budget: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any, value: str
) -> None:
    tag_profile(admin_budget, value)
    await smcost_started.budget.tick()
    doc = await smcost_api.get("budget")
    assert doc["budget_usd"] == 100.0 and doc["budget_source"] == "config", doc
    assert any(BUDGET_TAG in n and "admin's budget applies" in n for n in doc["notes"]), doc


async def test_a_failing_list_tags_leaves_the_admins_budget_with_a_note(
    admin_budget: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    tag_profile(admin_budget, "42")
    admin_budget["emulator"].inject_fault("ListTags", code="AccessDeniedException", status=400)
    smcost_started.budget._tag = None  # as if the first read at start had not happened
    await smcost_started.budget.tick()
    doc = await smcost_api.get("budget")
    assert doc["budget_usd"] == 100.0 and doc["budget_source"] == "config", doc
    assert any("sagemaker:ListTags" in n for n in doc["notes"]), doc
    admin_budget["emulator"].clear_faults()
    smcost_started.budget._tag = None  # the retry's time has come
    await smcost_started.budget.tick()
    assert (await smcost_api.get("budget"))["budget_source"] == "tag"


async def test_the_users_resources_accrue_between_two_listings(
    admin_budget: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    budget = smcost_started.budget
    resources = await listed(smcost_api, smcost_started)
    await budget.tick()
    first = await smcost_api.get("budget")
    # The spot job's effective rate moves with time: as of the listing, not of this GET.
    assert first["usd_per_hour"] == pytest.approx(
        resources["total_usd_per_hour"] + (await smcost_api.get("cost"))["usd_per_hour"],
        rel=1e-3,
    )
    # A second listing, as its TTL would bring: the rows seen in both accrue.
    smcost_started.monitor.invalidate()
    await listed(smcost_api, smcost_started)
    await budget.tick()
    second = await smcost_api.get("budget")
    sources = second["spent_sources"]
    assert sources["training-jobs"] > 0 and sources["endpoints"] > 0 and sources["apps"] > 0
    assert second["spent_usd"] == pytest.approx(sum(sources.values()), abs=1e-5)
    assert second["projected_usd"] is not None and second["unknown_rates"] == 0


async def test_with_no_admin_budget_the_tag_is_not_read(
    studio_cost: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    """No budget set: the budget's tick makes no AWS call (0 calls at rest)."""
    tag_profile(studio_cost, "42")
    studio_cost["emulator"].clear_call_log()
    await smcost_started.budget.tick()
    doc = await smcost_api.get("budget")
    assert doc["budget_usd"] is None and doc["state"] == "no-budget", doc
    sagemaker = [r.action for r in studio_cost["emulator"].call_log() if r.service == "sagemaker"]
    assert sagemaker == [], sagemaker
