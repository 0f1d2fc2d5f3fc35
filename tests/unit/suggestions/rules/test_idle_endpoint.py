"""idle-endpoint: an endpoint nobody calls, with its delete action. It fires with its exact
figure and stays silent when its trigger is absent."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jupyter_smcost.suggestions.model import (
    ResourceRef,
    VariantFact,
    suggestion_id,
)
from jupyter_smcost.suggestions.rules import idle_endpoint as idle_endpoint_rule
from tests.unit.suggestions.rules.builders import HOSTING, T, endpoint, facts, no_nan


def test_idle_endpoint_fires_with_delete_action() -> None:
    ep = endpoint(
        "quiet",
        variants=(
            VariantFact("a", "ml.m5.large", 2, ("img",), invocations=0.0),
            VariantFact("b", None, 1, ("img",), serverless=True, invocations=0.0),
        ),
    )
    found = idle_endpoint_rule.run(facts(endpoints=(ep,), prices=HOSTING), T)
    assert len(found) == 1
    s = found[0]
    assert s.saving_usd_per_month == pytest.approx(2 * 0.115 * 730)
    assert s.arithmetic == "2 x ml.m5.large x $0.115/h x 730 h = $167.90/month"
    assert s.severity == "high"
    assert s.id == suggestion_id("idle-endpoint", "endpoint", "quiet")
    assert s.fingerprint == "fp-quiet"
    assert s.resource == ResourceRef("endpoint", "quiet", ep.arn, "https://console.example/quiet")
    (action,) = s.actions
    assert action.id == "delete-endpoint"
    assert dict(action.params) == {"name": "quiet", "config_name": "quiet-config"}
    assert "quiet-config" in action.description
    assert "create_endpoint(EndpointName='quiet', EndpointConfigName='quiet-config')" in (
        action.description
    )
    assert "async-inference.html" in s.detail and "serverless" in s.detail
    no_nan(found)


def test_idle_endpoint_silent() -> None:
    eps = (
        endpoint("busy", calls=5.0),
        endpoint("young", created_ago=timedelta(hours=2)),
        endpoint("unknown", calls=None),
        endpoint("creating", status="Creating"),
        endpoint(
            "serverless",
            variants=(VariantFact("a", None, 1, ("img",), serverless=True, invocations=0.0),),
        ),
    )
    assert idle_endpoint_rule.run(facts(endpoints=eps, prices=HOSTING), T) == []


def test_idle_endpoint_unknown_price() -> None:
    s = idle_endpoint_rule.run(facts(endpoints=(endpoint("quiet"),)), T)[0]
    assert s.saving_usd_per_month is None
    assert s.saving_note and "ml.m5.large (hosting)" in s.saving_note
    assert s.severity == "low"
    assert s.actions[0].id == "delete-endpoint"
    no_nan([s])
