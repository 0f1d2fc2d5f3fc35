"""GET cost and GET resources on a real server (local mode here; Studio with the emulator
below)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import extension


async def get(jp_fetch: Any, route: str) -> dict[str, Any]:
    response = await jp_fetch("jupyter-smcost", route)
    assert response.code == 200
    result: dict[str, Any] = json.loads(response.body)
    return result


@pytest.fixture
def priced_local(smcost_config: dict[str, Any]) -> dict[str, Any]:
    smcost_config["Pricing"]["overrides"] = {"ml.t3.medium": 0.05}
    smcost_config["IdleShutdown"]["max_idle_usd"] = 0.01  # 12 idle minutes at $0.05/h
    smcost_config["Resources"] = {"enabled": False}
    return smcost_config


async def test_local_cost_from_an_override_feeds_the_idle_budget(
    priced_local: dict[str, Any], jp_fetch: Any, smcost_started: Any
) -> None:
    cost = await get(jp_fetch, "cost")
    price = cost["instance"]["price"]
    assert price["known"] and price["source"] == "override" and price["usd_per_hour"] == 0.05
    assert "c.Pricing.overrides" in price["detail"]
    assert cost["usd_per_hour"] == 0.05  # local mode: no space volume
    assert cost["started_at"] is not None and cost["uptime_seconds"] >= 0
    assert cost["projection"]["per_day_usd"] == pytest.approx(1.2)
    assert cost["idle"]["limit"] == "budget"
    assert cost["idle"]["budget_seconds"] == pytest.approx(720)
    status = await get(jp_fetch, "status")
    assert status["idle"]["limit"] == "budget"
    assert status["idle"]["seconds_until_shutdown"] <= 720
    config = await get(jp_fetch, "config")
    assert config["max_idle_usd"] == 0.01 and config["admin_max_idle_usd"] == 0.01


async def test_user_budget_through_put_config(
    priced_local: dict[str, Any], jp_fetch: Any, smcost_started: Any
) -> None:
    await get(jp_fetch, "cost")
    response = await jp_fetch(
        "jupyter-smcost", "config", method="PUT", body=json.dumps({"max_idle_usd": 0})
    )
    body = json.loads(response.body)
    assert body["max_idle_usd"] is None and body["message"] == "No idle budget."
    assert (await get(jp_fetch, "status"))["idle"]["limit"] == "timeout"
    with pytest.raises(Exception) as err:
        await jp_fetch(
            "jupyter-smcost", "config", method="PUT", body=json.dumps({"max_idle_usd": -2})
        )
    assert getattr(err.value, "code", None) == 400


async def test_unknown_price_is_a_clear_state(jp_fetch: Any, smcost_started: Any) -> None:
    cost = await get(jp_fetch, "cost")
    assert cost["usd_per_hour"] is None and cost["session_usd"] is None
    reason = cost["instance"]["price"]["reason"]
    assert reason.startswith("price unknown for ml.t3.medium (studio-jupyterlab) in region")
    assert [p["code"] for p in cost["problems"]] == ["price-unknown"]


async def test_resources_turned_off_is_unavailable_with_a_reason(
    priced_local: dict[str, Any], jp_fetch: Any, smcost_started: Any
) -> None:
    doc = await get(jp_fetch, "resources")
    assert doc["state"] == "unavailable"
    assert "c.Resources.enabled" in doc["problems"][0]["message"]


async def test_cost_needs_authentication(jp_fetch: Any, smcost_started: Any) -> None:
    for route in ("cost", "resources"):
        with pytest.raises(Exception) as err:
            await jp_fetch("jupyter-smcost", route, headers={"Authorization": ""})
        assert getattr(err.value, "code", None) in (401, 403)
    assert extension(smcost_started.serverapp) is smcost_started
