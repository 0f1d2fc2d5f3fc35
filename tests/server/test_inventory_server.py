"""One inventory for both panels: a running server describes each resource once for the
resources listing and the suggestions."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any

import pytest

from tests.support.api import extension


@pytest.fixture
def studio(emulator_demo: dict[str, Any], smcost_config: dict[str, Any]) -> dict[str, Any]:
    smcost_config["SMCost"]["metadata_path"] = str(emulator_demo["metadata_path"])
    return emulator_demo


async def test_the_app_describes_each_resource_once_for_both_panels(
    studio: dict[str, Any], jp_fetch: Any, smcost_started: Any
) -> None:
    app = extension(smcost_started.serverapp)
    emulator = studio["emulator"]
    emulator.clear_call_log()
    await asyncio.gather(
        jp_fetch("jupyter-smcost", "resources"), jp_fetch("jupyter-smcost", "suggestions")
    )
    await asyncio.gather(app.monitor.settled(), app.suggestions.settled())
    calls = Counter(r.action for r in emulator.call_log() if r.service == "sagemaker")
    endpoints = [r for r in studio["resources"] if r["kind"] == "endpoint"]
    assert endpoints and calls["DescribeEndpoint"] == len(endpoints), calls
    assert calls["ListEndpoints"] == 1 and calls["ListApps"] == 1, calls
    assert calls["ListSpaces"] == 1, calls  # whose resources are "mine": read once
    # The running jobs' listing once, the suggestions' recent jobs once.
    assert calls["ListTrainingJobs"] == 2 and calls["ListProcessingJobs"] == 2, calls
    doc = json.loads((await jp_fetch("jupyter-smcost", "resources")).body)
    assert doc["state"] == "ok" and {e["name"] for e in endpoints} <= {
        r["name"] for r in doc["resources"]
    }
