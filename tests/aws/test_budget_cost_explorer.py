"""Cost Explorer's figure beside the ledger's in `GET budget`, in the emulator's demo Studio
space: asked with the user profile's tag filter once (AWS bills each request), kept across
ticks, absent unless the admin turned it on, and a refusal shown as a note, not a crash."""

from __future__ import annotations

from typing import Any

import pytest

from jupyter_smcost.cost.cost_explorer import TAG_KEY
from tests.support.api import SMCostAPI
from tests.support.cost import queue_cost_and_usage


def cost_explorer_calls(emulator: Any) -> list[Any]:
    return [r for r in emulator.call_log() if r.action == "GetCostAndUsage"]


@pytest.fixture
def with_cost_explorer(
    studio_cost: dict[str, Any], smcost_config: dict[str, Any]
) -> dict[str, Any]:
    smcost_config["Budget"] = {"monthly_usd": 100.0, "cost_explorer": True}
    queue_cost_and_usage(studio_cost["emulator"].endpoint_url, "38.2049")
    return studio_cost


async def test_the_figure_is_asked_once_with_the_users_tag(
    with_cost_explorer: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    emulator = with_cost_explorer["emulator"]
    await smcost_started.budget.tick()
    await smcost_started.budget.tick()
    doc = await smcost_api.get("budget")
    figure = doc["cost_explorer"]
    assert figure["usd"] == 38.2 and figure["error"] is None, doc
    assert figure["estimated"] is True and figure["lag_hours"] == 48
    assert figure["month"] == doc["month"]
    calls = cost_explorer_calls(emulator)
    assert len(calls) == 1, calls
    tags = calls[0].params["Filter"]["Tags"]
    assert tags == {"Key": TAG_KEY, "Values": [with_cost_explorer["user_profile_arn"]]}
    # The ledger's own figure is unchanged beside it.
    assert doc["spent_usd"] != 38.2


async def test_without_the_setting_cost_explorer_is_not_asked(
    studio_cost: dict[str, Any],
    smcost_config: dict[str, Any],
    smcost_api: SMCostAPI,
    smcost_started: Any,
) -> None:
    await smcost_started.budget.tick()
    doc = await smcost_api.get("budget")
    assert doc["cost_explorer"] is None
    assert cost_explorer_calls(studio_cost["emulator"]) == []


async def test_a_refusal_is_a_note_and_the_ledger_goes_on(
    with_cost_explorer: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    emulator = with_cost_explorer["emulator"]
    emulator.inject_fault("GetCostAndUsage", code="AccessDeniedException", status=400)
    budget = smcost_started.budget
    budget.cost_explorer._state = None  # as if the tick at start had not asked yet
    await budget.tick()
    doc = await smcost_api.get("budget")
    assert doc["cost_explorer"]["usd"] is None, doc
    assert "ce:GetCostAndUsage" in doc["cost_explorer"]["error"]
    assert doc["budget_usd"] == 100.0 and doc["state"] in ("under", "near")
