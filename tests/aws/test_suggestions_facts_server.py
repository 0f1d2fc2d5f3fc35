"""A refused AWS call through a running server silences only the rules that read it, with a
problem naming the IAM action; actions and refused sources reach the server's log."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.api import SMCostAPI
from tests.support.demo import EMULATOR_FED, one, settled
from tests.support.suggestions import (
    AFTER_START,
    SERVICE,
    SILENCES,
    WITHOUT_SEARCH,
    Lines,
    named,
)


@pytest.fixture(params=sorted(SILENCES))
def refused(request: pytest.FixtureRequest, demo: dict[str, Any]) -> Iterator[str]:
    """Refuse one call from before the server starts (nothing is remembered yet)."""
    call: str = request.param
    if call not in AFTER_START:
        demo["emulator"].inject_fault(call, "AccessDeniedException", "not authorized")
    if call in WITHOUT_SEARCH:
        demo["emulator"].inject_fault("Search", "AccessDeniedException", "not authorized")
    yield call
    demo["emulator"].clear_faults()


async def test_a_refused_call_silences_only_the_rules_that_read_it(
    refused: str,
    demo: dict[str, Any],
    smcost_api: SMCostAPI,
    smcost_started: Any,
) -> None:
    silenced, degraded = SILENCES[refused]
    doc = await settled(smcost_api, smcost_started)
    if refused in AFTER_START:
        demo["emulator"].inject_fault(refused, "AccessDeniedException", "not authorized")
        smcost_started.suggestions.invalidate()
        doc = await settled(smcost_api, smcost_started)
    action = f"{SERVICE.get(refused, 'sagemaker')}:{refused}"
    fired = {s["rule"] for s in doc["suggestions"]}
    assert fired & EMULATOR_FED == EMULATOR_FED - silenced, doc["problems"]
    if not silenced | degraded:
        # Search refused: the same facts come from the listings, nothing is missing.
        assert doc["problems"] == [] and smcost_started.collector.inventory.search_off
        return
    [problem] = doc["problems"]
    assert problem["action"] == action, problem
    said = problem["message"]
    assert (named(said, "silences"), named(said, "degrades")) == (silenced, degraded), said
    assert set(problem["rule"].split(", ")) == silenced | degraded


@pytest.fixture
def no_describe_model(demo: dict[str, Any]) -> Iterator[None]:
    demo["emulator"].inject_fault("DescribeModel", "AccessDeniedException", "not authorized")
    yield
    demo["emulator"].clear_faults()


async def test_without_describe_model_only_multi_model_is_silenced(
    no_describe_model: None, smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    """The issue's case, with the cards themselves: the idle endpoint, the untagged job and
    the busy endpoint on an oversized instance are all still there."""
    doc = await settled(smcost_api, smcost_started)
    one(doc, "idle-endpoint", "demo-idle-endpoint")
    one(doc, "tags", "demo-untagged-train")
    assert [s for s in doc["suggestions"] if s["rule"] == "inference-recommender"]
    assert not [s for s in doc["suggestions"] if s["rule"] == "multi-model"]
    [problem] = doc["problems"]
    assert problem["action"] == "sagemaker:DescribeModel"
    assert problem["rule"] == "multi-model" and "(silences: multi-model)" in problem["message"]


@pytest.fixture
def server_log(jp_serverapp: Any) -> Iterator[Lines]:
    """What reaches the server's own logger (where Jupyter's handler and format are)."""
    lines = Lines()
    jp_serverapp.log.addHandler(lines)
    yield lines
    jp_serverapp.log.removeHandler(lines)


@pytest.fixture
def no_savings_plan(demo: dict[str, Any]) -> Iterator[None]:
    demo["emulator"].inject_fault(
        "GetSavingsPlansPurchaseRecommendation", "AccessDeniedException", "not authorized"
    )
    yield
    demo["emulator"].clear_faults()


async def test_actions_and_refused_sources_reach_the_server_log(
    no_savings_plan: None,
    jp_serverapp: Any,
    server_log: Lines,
    smcost_api: SMCostAPI,
    smcost_started: Any,
) -> None:
    assert jp_serverapp.log.getEffectiveLevel() <= logging.INFO
    doc = await settled(smcost_api, smcost_started)
    endpoint = one(doc, "idle-endpoint", "demo-idle-endpoint")
    body = {"suggestion_id": endpoint["id"], "action_id": "delete-endpoint", "confirm": True}
    code, answer = await smcost_api.post("actions", body)
    assert code == 200, answer
    [line] = server_log.said(logging.INFO, "action delete-endpoint by ")
    assert line.name.startswith("jupyter_smcost.")
    # A source AWS refused is a warning there too, once (not at every refresh).
    smcost_started.suggestions.invalidate()
    await settled(smcost_api, smcost_started)
    assert smcost_started.suggestions.refreshes >= 2
    [warning] = server_log.said(logging.WARNING, "ce:GetSavingsPlansPurchaseRecommendation")
    assert "savings-plan" in warning.getMessage() and warning.name.startswith("jupyter_smcost.")
