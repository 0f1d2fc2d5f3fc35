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


async def both_panels(studio: dict[str, Any], jp_fetch: Any, smcost_started: Any) -> Counter[str]:
    """The SageMaker calls of one refresh of both panels, by operation; checks the listing."""
    app = extension(smcost_started.serverapp)
    emulator = studio["emulator"]
    emulator.clear_call_log()
    await asyncio.gather(
        jp_fetch("jupyter-smcost", "resources"), jp_fetch("jupyter-smcost", "suggestions")
    )
    await asyncio.gather(app.monitor.settled(), app.suggestions.settled())
    calls = Counter(
        r.action
        for r in emulator.call_log()
        if r.service == "sagemaker" and not getattr(r, "throttled", False)
    )
    doc = json.loads((await jp_fetch("jupyter-smcost", "resources")).body)
    endpoints = [r for r in studio["resources"] if r["kind"] == "endpoint"]
    assert doc["state"] == "ok" and {e["name"] for e in endpoints} <= {
        r["name"] for r in doc["resources"]
    }
    return calls


async def test_the_app_searches_once_for_both_panels(
    studio: dict[str, Any], jp_fetch: Any, smcost_started: Any
) -> None:
    calls = await both_panels(studio, jp_fetch, smcost_started)
    # The user's running training jobs, recent training jobs, tuning jobs and endpoints:
    # one Search each, shared by the panels, with the descriptions and tags in the answer.
    assert calls["Search"] == 4, calls
    for gone in ("ListTrainingJobs", "DescribeTrainingJob", "ListEndpoints", "DescribeEndpoint"):
        assert calls[gone] == 0, calls
    assert calls["ListApps"] == 1 and calls["ListSpaces"] == 1, calls
    assert calls["ListProcessingJobs"] == 2, calls  # running, and recent: no Search for them


@pytest.fixture
def no_search(studio: dict[str, Any]) -> dict[str, Any]:
    studio["emulator"].inject_fault("Search", "AccessDeniedException", "not authorized")
    return studio


async def test_without_search_the_app_describes_each_resource_once_for_both_panels(
    no_search: dict[str, Any], jp_fetch: Any, smcost_started: Any
) -> None:
    calls = await both_panels(no_search, jp_fetch, smcost_started)
    endpoints = [r for r in no_search["resources"] if r["kind"] == "endpoint"]
    assert calls["DescribeEndpoint"] == len(endpoints), calls
    assert calls["ListEndpoints"] == 1 and calls["ListApps"] == 1, calls
    assert calls["ListSpaces"] == 1, calls  # whose resources are "mine": read once
    # The running jobs' listing once, the suggestions' recent jobs once.
    assert calls["ListTrainingJobs"] == 2 and calls["ListProcessingJobs"] == 2, calls
    assert calls["Search"] <= 4  # the searches asked together; none after the refusal
