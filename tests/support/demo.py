"""The savings demo: the emulator seeded so that every emulator-fed rule fires, a server that
reads it (the `demo` fixture), and helpers to wait for its suggestions and find one."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.api import SMCostAPI

EMULATOR_FED = {
    "local-mode",
    "spot-training",
    "idle-endpoint",
    "multi-model",
    "idle-apps",
    "tags",
    "data-locality",
    "savings-plan",
    "idle-budget",
    "inference-recommender",
}


def serve_in(
    emulator: Any,
    seeded: dict[str, Any],
    metadata: dict[str, Any],
    tmp_path: Path,
    smcost_config: dict[str, Any],
    suggestions: dict[str, Any],
) -> dict[str, Any]:
    """Configure the test server to run in the space `metadata` names (Studio's resource
    metadata file), priced by the emulator's Price List, with these `c.Suggestions`."""
    path = tmp_path / "resource-metadata.json"
    path.write_text(json.dumps(metadata))
    smcost_config["SMCost"]["metadata_path"] = str(path)
    smcost_config["Pricing"]["use_price_list_api"] = True
    smcost_config["Suggestions"] = suggestions
    return {**seeded, "emulator": emulator, "metadata_path": path}


@pytest.fixture
def demo(emulator: Any, tmp_path: Path, smcost_config: dict[str, Any]) -> dict[str, Any]:
    seeded: dict[str, Any] = emulator.seed_demo(savings=True)
    # The demo's own settings (scripts/demo.py).
    suggestions = {
        "required_tags": ["project"],
        "idle_budget_hint_usd": 1.0,
        "min_saving_usd_per_month": 0.25,
    }
    return serve_in(emulator, seeded, seeded["metadata"], tmp_path, smcost_config, suggestions)


async def settled(smcost_api: SMCostAPI, app: Any) -> dict[str, Any]:
    for _ in range(100):
        cost = await smcost_api.get("cost")
        if cost["instance"] and cost["instance"]["price"]["source"] not in ("pending", "unknown"):
            break
        await asyncio.sleep(0.1)
    await smcost_api.get("suggestions")
    await app.suggestions.settled()
    doc = await smcost_api.get("suggestions")
    assert doc["state"] in ("ok", "partial"), doc
    return doc


def one(doc: dict[str, Any], rule: str, name: str | None = None) -> dict[str, Any]:
    found = [
        s
        for s in doc["suggestions"]
        if s["rule"] == rule and (name is None or (s["resource"] or {}).get("name") == name)
    ]
    assert len(found) == 1, [s["title"] for s in doc["suggestions"] if s["rule"] == rule]
    return found[0]


def calls(emulator: Any, action: str) -> list[Any]:
    return [c for c in emulator.call_log() if c.action == action]
