"""The pre-launch estimate's pure core and its guard, with a lookup made of Price values."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from jupyter_smcost.cost.pricing.components import HOURS_PER_MONTH
from jupyter_smcost.cost.pricing.model import Price, PriceKey, PriceResult, Unknown
from jupyter_smcost.prelaunch.estimate import (
    DEFAULT_MAX_RUNTIME_SECONDS,
    describe,
    estimate,
    plan_of,
    verdict,
)
from jupyter_smcost.prelaunch.guard import CONFIRM_ENV, Guard, JobCostRefused

RATES = {"ml.m5.xlarge": 0.25, "ml.g5.xlarge": 1.5}


def lookup(key: PriceKey) -> PriceResult:
    rate = RATES.get(key.instance_type)
    if rate is None:
        return Unknown.for_key(key, "not in the test's table")
    return Price(rate, "override", "2026-12-01", f"test table, {key.component}")


def training(instance: str = "ml.m5.xlarge", count: int = 2, **extra: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "TrainingJobName": "t1",
        "ResourceConfig": {"InstanceType": instance, "InstanceCount": count, "VolumeSizeInGB": 5},
        "StoppingCondition": {"MaxRuntimeInSeconds": 7200},
    }
    params.update(extra)
    return params


def test_training_upper_bound_is_rate_times_count_times_max_runtime() -> None:
    plan = plan_of("CreateTrainingJob", training(), "us-east-1")
    assert plan is not None and plan.component == "training"
    est = estimate(plan, lookup)
    assert est.usd_per_hour == pytest.approx(RATES["ml.m5.xlarge"] * 2)
    assert est.worst_case_usd == pytest.approx(RATES["ml.m5.xlarge"] * 2 * 2)
    text = "\n".join(describe(est))
    assert "upper bound: $1.00" in text and "test table, training" in text
    assert "spot alternative" in text and "unknown" in text


def test_no_max_runtime_uses_sagemakers_default_and_says_so() -> None:
    params = training()
    del params["StoppingCondition"]
    plan = plan_of("CreateTrainingJob", params, "us-east-1")
    assert plan is not None
    assert plan.max_runtime_seconds == DEFAULT_MAX_RUNTIME_SECONDS and plan.runtime_defaulted
    assert "SageMaker's default" in "\n".join(describe(estimate(plan, lookup)))


def test_processing_and_endpoint_config() -> None:
    processing = {
        "ProcessingJobName": "p1",
        "ProcessingResources": {
            "ClusterConfig": {"InstanceType": "ml.g5.xlarge", "InstanceCount": 1}
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    }
    plan = plan_of("CreateProcessingJob", processing, "us-east-1")
    assert plan is not None and plan.component == "processing"
    assert estimate(plan, lookup).worst_case_usd == pytest.approx(RATES["ml.g5.xlarge"])
    config = {
        "EndpointConfigName": "c1",
        "ProductionVariants": [{"InstanceType": "ml.m5.xlarge", "InitialInstanceCount": 3}],
    }
    plan = plan_of("CreateEndpointConfig", config, "us-east-1")
    assert plan is not None and plan.component == "hosting" and plan.max_runtime_seconds is None
    est = estimate(plan, lookup)
    assert est.worst_case_usd is None
    assert est.usd_per_month == pytest.approx(RATES["ml.m5.xlarge"] * 3 * HOURS_PER_MONTH)
    assert "/month" in "\n".join(describe(est))
    serverless = {"ProductionVariants": [{"ServerlessConfig": {"MemorySizeInMB": 2048}}]}
    assert plan_of("CreateEndpointConfig", serverless, "us-east-1") is None


def test_unknown_price_is_none_and_needs_confirmation_under_a_cap() -> None:
    plan = plan_of("CreateTrainingJob", training("ml.x9.huge"), "us-east-1")
    assert plan is not None
    est = estimate(plan, lookup)
    assert est.usd_per_hour is None and est.worst_case_usd is None
    assert "unknown" in "\n".join(describe(est))
    assert verdict(est, None).allowed
    refused = verdict(est, 100.0)
    assert not refused.allowed and refused.needs_confirmation and "unknown" in refused.reason


def test_cap() -> None:
    plan = plan_of("CreateTrainingJob", training(), "us-east-1")
    assert plan is not None
    est = estimate(plan, lookup)
    assert verdict(est, 1.0).allowed
    assert not verdict(est, 0.99).allowed


def test_bad_params_plan_nothing() -> None:
    assert plan_of("CreateTrainingJob", {"ResourceConfig": "x"}, "us-east-1") is None
    bad = training(count=0)
    assert plan_of("CreateTrainingJob", bad, "us-east-1") is None
    assert plan_of("ListApps", {}, "us-east-1") is None


def call(guard: Guard, params: dict[str, Any]) -> None:
    context: dict[str, Any] = {}
    guard.keep_params(params=params, context=context)
    guard.before_call(
        model=SimpleNamespace(name="CreateTrainingJob"),
        request_signer=SimpleNamespace(region_name="us-east-1"),
        context=context,
    )


def test_guard_refuses_above_the_cap_unless_confirmed() -> None:
    printed: list[str] = []
    guard = Guard(lookup, lambda: 0.5, out=printed.append, environ={})
    with pytest.raises(JobCostRefused, match="Nothing was sent to AWS"):
        call(guard, training())
    assert any("upper bound: $1.00" in line for line in printed)
    with guard.confirmed():
        call(guard, training())
    call(Guard(lookup, lambda: 0.5, out=printed.append, environ={CONFIRM_ENV: "1"}), training())


def test_guard_asks_and_a_kernel_without_stdin_refuses() -> None:
    answers = iter(["yes", "no"])
    guard = Guard(lookup, lambda: 0.5, out=lambda _: None, ask=lambda _: next(answers), environ={})
    call(guard, training())
    with pytest.raises(JobCostRefused):
        call(guard, training())

    def no_stdin(_: str) -> str:
        raise RuntimeError("stdin not implemented")

    guard = Guard(lookup, lambda: 0.5, out=lambda _: None, ask=no_stdin, environ={})
    with pytest.raises(JobCostRefused):
        call(guard, training())
