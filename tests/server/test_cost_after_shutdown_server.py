"""GET /cost after a real shutdown freezes the session's cost; a dry run keeps counting."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.support.api import SMCostAPI
from tests.support.idle import FakeAction


@pytest.fixture
def priced_local(smcost_config: dict[str, Any]) -> dict[str, Any]:
    smcost_config["Pricing"]["overrides"] = {"ml.t3.medium": 0.05}
    smcost_config["Resources"] = {"enabled": False}
    return smcost_config


async def test_get_cost_freezes_after_a_real_shutdown(
    priced_local: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    idle = smcost_started.idle
    before = await smcost_api.get("cost")
    assert before["frozen"] is False and before["stopped_at"] is None
    # A real action (not the tests' default dry run) that succeeds without ending the test.
    idle._action = FakeAction([])
    await idle._run_action()
    status = (await smcost_api.get("status"))["idle"]
    assert status["state"] == "shut-down" and status["dry_run"] is False
    first = await smcost_api.get("cost")
    await asyncio.sleep(0.2)
    later = await smcost_api.get("cost")
    assert first["frozen"] is True and first["stopped_at"] == status["stopped_at"]
    assert first["frozen_note"].startswith("The app was stopped at")
    assert later["session_usd"] == first["session_usd"]
    assert later["uptime_seconds"] == first["uptime_seconds"]
    assert later["idle"]["idle_seconds"] == first["idle"]["idle_seconds"]
    assert later["usd_per_hour"] == 0.05


async def test_a_dry_run_keeps_counting(
    priced_local: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    idle = smcost_started.idle
    await idle._run_action()  # the tests' default action: dry-run
    status = (await smcost_api.get("status"))["idle"]
    assert status["state"] == "shut-down" and status["dry_run"] is True
    assert status["stopped_at"] is not None  # "would have stopped at ..."
    first = await smcost_api.get("cost")
    await asyncio.sleep(0.2)
    later = await smcost_api.get("cost")
    assert first["frozen"] is False and first["stopped_at"] is None
    assert later["session_usd"] > first["session_usd"]
