"""rightsize-space: a space bigger than its use, or a GPU nobody uses. It fires with its exact
figure and stays silent when its trigger is absent."""

from __future__ import annotations

from typing import Any

import pytest

from jupyter_smcost.suggestions.model import (
    SpaceUsage,
    suggestion_id,
)
from jupyter_smcost.suggestions.rules import rightsize_space as rightsize_rule
from tests.unit.suggestions.rules.builders import JL, SPACE, T, facts, no_nan, price

SPACE_PRICES = {
    ("ml.m5.2xlarge", JL): price(0.461),
    ("ml.m5.xlarge", JL): price(0.23),
    ("ml.m5.large", JL): price(0.115),
    ("ml.g5.2xlarge", JL): price(1.515),
    ("ml.g5.xlarge", JL): price(1.41),
    ("ml.c5.9xlarge", JL): price(1.836),
    ("ml.c5.4xlarge", JL): price(0.816),
}


def usage(instance_type: str = "ml.m5.2xlarge", **kw: Any) -> SpaceUsage:
    values: dict[str, Any] = {
        "observed_minutes": 60.0,
        "cpu_avg": 5.0,
        "cpu_p95": 10.0,
        "memory_avg": 20.0,
        "memory_p95": 30.0,
        "hours_last_30_days": 100.0,
    }
    values.update(kw)
    return SpaceUsage(instance_type=instance_type, component=JL, **values)


def test_rightsize_space_next_smaller_size() -> None:
    found = rightsize_rule.run(facts(usage=usage(), prices=SPACE_PRICES, app_ref=SPACE), T)
    assert len(found) == 1
    s = found[0]
    assert s.title == "Switch this space from ml.m5.2xlarge to ml.m5.xlarge"
    assert s.saving_usd_per_month == pytest.approx((0.461 - 0.23) * 100)
    assert s.arithmetic == (
        "(ml.m5.2xlarge $0.461/h - ml.m5.xlarge $0.23/h) x 100.0 h this space ran in the last "
        "30 days = $23.10/month"
    )
    assert s.resource == SPACE and s.actions == ()
    assert "stop the space" in s.detail
    assert s.id == suggestion_id("rightsize-space", "space", SPACE.name, "ml.m5.2xlarge")
    no_nan(found)


def test_rightsize_space_skips_sizes_without_a_price() -> None:
    s = rightsize_rule.run(facts(usage=usage("ml.c5.9xlarge"), prices=SPACE_PRICES), T)[0]
    assert "to ml.c5.4xlarge" in s.title
    assert s.saving_usd_per_month == pytest.approx((1.836 - 0.816) * 100)


def test_rightsize_space_unused_gpu_to_cpu_projected_from_session() -> None:
    u = usage(
        "ml.g5.xlarge",
        cpu_p95=50.0,
        memory_p95=50.0,
        gpu_count=1,
        gpu_avg=1.0,
        gpu_p95=5.0,
        hours_last_30_days=None,
        session_hours=2.0,
    )
    s = rightsize_rule.run(facts(usage=u, prices=SPACE_PRICES), T)[0]
    assert s.title == "Switch this space from ml.g5.xlarge to ml.m5.xlarge"
    assert s.saving_usd_per_month == pytest.approx((1.41 - 0.23) * 60)
    assert s.arithmetic == (
        "(ml.g5.xlarge $1.41/h - ml.m5.xlarge $0.23/h) x 60.0 h/month projected from this "
        "session (2.0 h on each of 30 days, at most 730 h) = $70.80/month"
    )
    assert "GPU stayed under 10%" in s.detail
    # A long session is capped at every hour of the month.
    long = rightsize_rule.run(
        facts(
            usage=usage(
                "ml.g5.xlarge",
                gpu_count=1,
                gpu_p95=0.0,
                cpu_p95=90.0,
                hours_last_30_days=None,
                session_hours=48.0,
            ),
            prices=SPACE_PRICES,
        ),
        T,
    )[0]
    assert long.saving_usd_per_month == pytest.approx((1.41 - 0.23) * 730)


def test_rightsize_space_gpu_not_measured_claims_nothing_about_it() -> None:
    # NVML found no GPU: never "the GPU sat unused", even with a GPU p95 of 0.
    unmeasured = usage("ml.g5.2xlarge", gpu_count=0, gpu_p95=0.0)
    s = rightsize_rule.run(facts(usage=unmeasured, prices=SPACE_PRICES), T)[0]
    assert "to ml.g5.xlarge" in s.title
    assert "could not be measured" in s.detail
    assert "GPU stayed under" not in s.detail
    # Busy CPU and no GPU measure: nothing to say.
    busy = usage("ml.g5.xlarge", cpu_p95=80.0, gpu_count=None)
    assert rightsize_rule.run(facts(usage=busy, prices=SPACE_PRICES), T) == []


def test_rightsize_space_silent() -> None:
    cases = [
        usage(observed_minutes=29.0),  # not observed long enough
        usage(cpu_p95=25.0),  # CPU busy
        usage(memory_p95=45.0),  # memory busy
        usage("ml.m5.large"),  # no priced smaller size
        usage("ml.g5.xlarge", cpu_p95=80.0, gpu_count=1, gpu_p95=50.0),  # GPU busy
    ]
    for u in cases:
        assert rightsize_rule.run(facts(usage=u, prices=SPACE_PRICES), T) == [], u
    assert rightsize_rule.run(facts(), T) == []


def test_rightsize_space_unknown_current_price() -> None:
    prices = {("ml.m5.xlarge", JL): price(0.23)}
    s = rightsize_rule.run(facts(usage=usage(), prices=prices), T)[0]
    assert s.saving_usd_per_month is None
    assert s.saving_note and "ml.m5.2xlarge (studio-jupyterlab)" in s.saving_note
    no_nan([s])


def test_rightsize_space_asks_for_candidate_prices() -> None:
    assert rightsize_rule.RULE.prices is not None
    keys = list(rightsize_rule.RULE.prices(facts(usage=usage("ml.g5.2xlarge")), T))
    assert ("ml.g5.xlarge", JL) in keys and ("ml.m5.2xlarge", JL) in keys
    assert all(component == JL for _, component in keys)
    assert list(rightsize_rule.RULE.prices(facts(), T)) == []
