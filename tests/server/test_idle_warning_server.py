"""A tiny warning and budget through PUT /config: clamped, and the warning still comes before
the shutdown; a bad floor in the config is reported and the default applies."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from jupyter_smcost.idle.activity import ActivityTracker, utcnow
from tests.support.api import SMCostAPI


@pytest.fixture
def priced(smcost_config: dict[str, Any]) -> dict[str, Any]:
    smcost_config["Pricing"]["overrides"] = {"ml.t3.medium": 1.408}
    smcost_config["IdleShutdown"]["check_interval_seconds"] = 0.2
    return smcost_config


async def test_put_of_a_tiny_warning_and_budget_warns_before_the_shutdown(
    priced: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    idle = smcost_started.idle
    # The app started 25 min ago and nothing happened since.
    idle.tracker = ActivityTracker(utcnow, started_at=utcnow() - timedelta(minutes=25))
    for _ in range(100):  # the price arrives from the background task
        if idle.settings.usd_per_hour is not None:
            break
        await asyncio.sleep(0.05)
    assert idle.settings.usd_per_hour == 1.408
    reply = await smcost_api.get(
        "config", method="PUT", body={"warning_minutes": 5e-324, "max_idle_usd": 1e-300}
    )
    assert reply["warning_minutes"] == 1
    assert reply["clamped"] is True
    await asyncio.sleep(0.5)  # the checker wakes on the change, and twice more
    status = (await smcost_api.get("status"))["idle"]
    assert status["state"] == "warning", status
    assert status["stopped_at"] is None
    assert 58 < status["seconds_until_shutdown"] <= 60
    assert status["limit"] == "budget"


async def test_put_of_warning_zero_is_clamped_not_an_error(
    smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    reply = await smcost_api.get("config", method="PUT", body={"warning_minutes": 0})
    assert (reply["warning_minutes"], reply["user_warning_minutes"]) == (1, 1)
    assert reply["min_warning_minutes"] == 1
    assert "minimum" in reply["message"]
    config = await smcost_api.get("config")
    assert config["sources"]["min_warning_minutes"] == "default"
    status = (await smcost_api.get("status"))["idle"]
    assert status["warning_seconds"] == 60


@pytest.fixture
def bad_floor(smcost_config: dict[str, Any]) -> None:
    smcost_config["IdleShutdown"]["min_warning_minutes"] = "soon"


async def test_a_bad_floor_in_config_is_reported_and_the_default_applies(
    bad_floor: None, smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    status = await smcost_api.get("status")
    errors = {e["setting"]: e for e in status["config_errors"]}
    assert errors["c.IdleShutdown.min_warning_minutes"]["applies"] == 1
    config = await smcost_api.get("config")
    assert config["min_warning_minutes"] == 1
    assert config["sources"]["min_warning_minutes"] == "default"
