"""A Studio space priced from the emulator's Price List (the `studio_cost` fixture), a local
space's environment, and a price as the services return it."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest

from jupyter_smcost.cost.pricing.model import Price
from tests.support.api import SMCostAPI
from tests.support.resources import ENV


@pytest.fixture
def studio_cost(emulator_demo: dict[str, Any], smcost_config: dict[str, Any]) -> dict[str, Any]:
    smcost_config["SMCost"]["metadata_path"] = str(emulator_demo["metadata_path"])
    smcost_config["Pricing"]["use_price_list_api"] = True
    smcost_config["Resources"] = {"ttl_seconds": 60}
    smcost_config["Suggestions"] = {"ttl_seconds": 60}
    return emulator_demo


async def listed(smcost_api: SMCostAPI, app: Any) -> dict[str, Any]:
    """GET resources once a listing has been made (a busy machine may take longer than the
    first GET waits)."""
    await smcost_api.get("resources")
    await app.monitor.settled()
    doc: dict[str, Any] = await smcost_api.get("resources")
    return doc


async def settled_cost(
    smcost_api: SMCostAPI, waiting: tuple[str, ...] = ("pending", "unknown")
) -> dict[str, Any]:
    """GET cost once the instance type is read and its price looked up (its source no longer
    one of `waiting`)."""
    for _ in range(100):
        cost = await smcost_api.get("cost")
        if cost["instance"]["price"]["source"] not in waiting:
            return cost
        await asyncio.sleep(0.1)
    raise AssertionError(f"the price never settled: {cost}")


#: The scripted user's space, as the cost tests see it: no profile or ARN in its metadata.
SPACE = replace(ENV, user_profile_name=None, resource_arn=None)


def known(usd: float, source: str = "price-list-api") -> dict[str, Any]:
    return Price(usd, source, "2026-11-26", "test").to_dict()


def queue_cost_and_usage(
    endpoint_url: str, amount: str | None = None, groups: dict[str, str] | None = None
) -> None:
    """Queue one GetCostAndUsage answer in moto (its documented test API): a month's total
    (`amount`), or one group per cost allocation tag key string (`groups`: {"key$value": USD})."""
    import json
    import urllib.request

    period: dict[str, Any] = {
        "TimePeriod": {"Start": "2026-12-01", "End": "2026-12-07"},
        "Groups": [
            {"Keys": [key], "Metrics": {"UnblendedCost": {"Amount": usd, "Unit": "USD"}}}
            for key, usd in (groups or {}).items()
        ],
        "Estimated": True,
    }
    if amount is not None:
        period["Total"] = {"UnblendedCost": {"Amount": amount, "Unit": "USD"}}
    request = urllib.request.Request(
        f"{endpoint_url}/moto-api/static/ce/cost-and-usage-results",
        data=json.dumps({"results": [{"ResultsByTime": [period]}]}).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
