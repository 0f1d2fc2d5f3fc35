"""multi-model: single-model endpoints of one image that one multi-model endpoint could serve.
It fires with its exact figure and stays silent when its trigger is absent."""

from __future__ import annotations

import pytest

from jupyter_smcost.suggestions.model import (
    VariantFact,
    suggestion_id,
)
from jupyter_smcost.suggestions.rules import multi_model as multi_model_rule
from tests.unit.suggestions.rules.builders import HOSTING, T, endpoint, facts, no_nan, price


def test_multi_model_groups_by_image() -> None:
    eps = (
        endpoint("a", calls=24.0, instance_type="ml.m5.large", image="img-1"),
        endpoint("b", calls=48.0, instance_type="ml.m5.xlarge", image="img-1"),
        endpoint("c", calls=0.0, image="img-1"),  # idle: idle-endpoint's
        endpoint("f", calls=24.0 * 100, image="img-1"),  # busy
        endpoint("d", calls=24.0, instance_type="ml.c5.large", image="img-2"),
        endpoint("e", calls=24.0, instance_type="ml.m5.large", count=2, image="img-3"),
        endpoint(
            "g",
            variants=(
                VariantFact("x", "ml.m5.large", 1, ("img-4",), invocations=1.0),
                VariantFact("y", "ml.m5.large", 1, ("img-4",), invocations=1.0),
            ),
        ),
    )
    prices = {**HOSTING, ("ml.c5.large", "hosting"): price(0.102)}
    found = multi_model_rule.run(facts(endpoints=eps, prices=prices), T)
    assert len(found) == 2
    mme, mce = found
    assert mme.id == suggestion_id("multi-model", "endpoints", "a", "b")
    assert mme.title == "Serve 2 low-traffic endpoints from one multi-model endpoint"
    assert mme.saving_usd_per_month == pytest.approx(0.115 * 730)
    assert mme.arithmetic == (
        "(1 x ml.m5.large x $0.115/h) x 730 h = $83.95/month; "
        "b ($0.23/h, the largest) stays as the shared endpoint"
    )
    assert mme.docs_url.endswith("/multi-model-endpoints.html")
    assert mme.resource is not None and mme.resource.name == "a"
    assert mme.actions == ()
    assert "1.0 invocations/h" in mme.detail and "2.0 invocations/h" in mme.detail
    assert "fewer than 60 invocations/h over the last 24.0 h" in mme.detail

    assert mce.id == suggestion_id("multi-model", "endpoints", "d", "e")
    assert mce.title == "Combine 2 low-traffic endpoints in one multi-container endpoint"
    assert mce.saving_usd_per_month == pytest.approx(0.102 * 730)
    assert mce.arithmetic == (
        "(1 x ml.c5.large x $0.102/h) x 730 h = $74.46/month; "
        "e ($0.23/h, the largest) stays as the shared endpoint"
    )
    assert mce.docs_url.endswith("/multi-container-endpoints.html")
    assert mce.resource is not None and mce.resource.name == "d"
    no_nan(found)


def test_multi_model_silent() -> None:
    eps = (
        endpoint("alone", calls=24.0),
        endpoint("busy", calls=24.0 * 60),  # exactly 60/h: not under the threshold
        endpoint("idle", calls=0.0),
    )
    assert multi_model_rule.run(facts(endpoints=eps, prices=HOSTING), T) == []


def test_multi_model_caps_multi_container_groups_at_15() -> None:
    eps = tuple(endpoint(f"e{i:02d}", calls=1.0, image=f"img-{i}") for i in range(16))
    found = multi_model_rule.run(facts(endpoints=eps, prices=HOSTING), T)
    assert [len(s.detail.splitlines()) - 2 for s in found] == [8, 8]
    assert all(s.saving_usd_per_month == pytest.approx(7 * 0.115 * 730) for s in found)


def test_multi_model_unknown_price() -> None:
    eps = (endpoint("a", calls=1.0), endpoint("b", calls=1.0, instance_type="ml.x9.large"))
    s = multi_model_rule.run(facts(endpoints=eps, prices=HOSTING), T)[0]
    assert s.saving_usd_per_month is None
    assert s.saving_note and "ml.x9.large (hosting)" in s.saving_note
    no_nan([s])
