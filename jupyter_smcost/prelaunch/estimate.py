"""A job's worst-case cost before it starts (pure: no boto3, no IPython, no tornado).

`plan_of(operation, params)` reads the parameters of a SageMaker create call (what botocore
is about to send) into a `Plan`; `estimate(plan, lookup)` prices it with the pricing module's
resolver (passed in as `lookup`), and `verdict(estimate, cap)` says whether it may go ahead.
Nothing here types a price in: an unpriced instance is `None`, said so in the text.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..cost.pricing.components import HOURS_PER_MONTH
from ..cost.pricing.model import Price, PriceKey, PriceResult

#: SageMaker's own default when a job gives no StoppingCondition.MaxRuntimeInSeconds (1 day).
DEFAULT_MAX_RUNTIME_SECONDS = 86400

#: operation -> (component, where its instances are, the key of the instance type, of the count)
_JOBS: dict[str, tuple[str, str, str, str]] = {
    "CreateTrainingJob": ("training", "ResourceConfig", "InstanceType", "InstanceCount"),
    "CreateProcessingJob": (
        "processing",
        "ProcessingResources.ClusterConfig",
        "InstanceType",
        "InstanceCount",
    ),
    "CreateTransformJob": ("transform", "TransformResources", "InstanceType", "InstanceCount"),
}
OPERATIONS = (*_JOBS, "CreateEndpointConfig")

Lookup = Callable[[PriceKey], PriceResult]


@dataclass(frozen=True)
class Line:
    """One group of identical instances."""

    instance_type: str
    count: int


@dataclass(frozen=True)
class Plan:
    operation: str
    name: str
    component: str
    region: str
    lines: tuple[Line, ...]
    #: None for an endpoint (it runs until deleted).
    max_runtime_seconds: int | None
    #: True when MaxRuntimeInSeconds was not given and SageMaker's default applies.
    runtime_defaulted: bool = False
    managed_spot: bool = False


@dataclass(frozen=True)
class Estimate:
    plan: Plan
    #: $/h of all the instances together; None when any price is unknown.
    usd_per_hour: float | None
    #: The upper bound of a job (rate x count x max runtime); None for an endpoint or unknown.
    worst_case_usd: float | None
    prices: tuple[PriceResult, ...]

    @property
    def usd_per_month(self) -> float | None:
        return None if self.usd_per_hour is None else self.usd_per_hour * HOURS_PER_MONTH

    @property
    def figure_usd(self) -> float | None:
        """The figure a cap is compared with: a job's worst case, an endpoint's month."""
        if self.plan.operation == "CreateEndpointConfig":
            return self.usd_per_month
        return self.worst_case_usd  # None for a transform job: it has no max runtime


def _dig(params: Mapping[str, Any], path: str) -> Any:
    value: Any = params
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return None
    return value


def plan_of(operation: str, params: Mapping[str, Any], region: str) -> Plan | None:
    """The plan of one create call, or None when it starts nothing we can price."""
    if operation in _JOBS:
        component, where, type_key, count_key = _JOBS[operation]
        group = _dig(params, where)
        if not isinstance(group, Mapping):
            return None
        instance_type, count = group.get(type_key), _count(group.get(count_key))
        lines: tuple[Line, ...] = ()
        if isinstance(instance_type, str) and count is not None:
            lines = (Line(instance_type, count),)
        for cluster in group.get("InstanceGroups") or ():  # heterogeneous training clusters
            if isinstance(cluster, Mapping):
                t, n = cluster.get("InstanceType"), _count(cluster.get("InstanceCount"))
                if isinstance(t, str) and n is not None:
                    lines += (Line(t, n),)
        if not lines:
            return None
        runtime = _dig(params, "StoppingCondition.MaxRuntimeInSeconds")
        if operation == "CreateTransformJob":
            # A transform job has no stopping condition: its bound is the model's timeout
            # per request, not the job's; it is priced per hour with no worst case.
            runtime = None
        defaulted = False
        if operation != "CreateTransformJob" and _count(runtime) is None:
            runtime, defaulted = DEFAULT_MAX_RUNTIME_SECONDS, True
        name_key = {
            "CreateTrainingJob": "TrainingJobName",
            "CreateProcessingJob": "ProcessingJobName",
            "CreateTransformJob": "TransformJobName",
        }[operation]
        return Plan(
            operation,
            str(params.get(name_key) or ""),
            component,
            region,
            lines,
            runtime if operation != "CreateTransformJob" else None,
            defaulted,
            bool(params.get("EnableManagedSpotTraining")),
        )
    if operation == "CreateEndpointConfig":
        lines = ()
        for variant in params.get("ProductionVariants") or ():
            if not isinstance(variant, Mapping):
                continue
            t, n = variant.get("InstanceType"), _count(variant.get("InitialInstanceCount"))
            if isinstance(t, str) and n is not None:
                lines += (Line(t, n),)
        if not lines:
            return None  # serverless or inference components: not priced per instance hour
        return Plan(
            operation, str(params.get("EndpointConfigName") or ""), "hosting", region, lines, None
        )
    return None


def estimate(plan: Plan, lookup: Lookup) -> Estimate:
    prices = tuple(
        lookup(PriceKey(plan.region, line.instance_type, plan.component)) for line in plan.lines
    )
    rate: float | None = 0.0
    for line, price in zip(plan.lines, prices, strict=True):
        if not isinstance(price, Price) or rate is None:
            rate = None
            continue
        rate += price.usd_per_hour * line.count
    if rate is not None and not math.isfinite(rate):
        rate = None
    worst = None
    if rate is not None and plan.max_runtime_seconds is not None:
        worst = rate * plan.max_runtime_seconds / 3600.0
    return Estimate(plan, rate, worst, prices)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    #: Above the cap, or unknown under one: only a confirmation lets it go.
    needs_confirmation: bool
    reason: str


def verdict(est: Estimate, cap_usd: float | None) -> Verdict:
    """Fail safe: under a cap, an unknown figure needs the same confirmation as one above it."""
    if cap_usd is None:
        return Verdict(True, False, "no cap set")
    figure = est.figure_usd
    what = "a month of this endpoint" if est.plan.max_runtime_seconds is None else "the worst case"
    if figure is None:
        return Verdict(
            False,
            True,
            f"the price is unknown, so {what} cannot be checked against the cap of ${cap_usd:,.2f}",
        )
    if figure > cap_usd:
        return Verdict(False, True, f"{what} ${figure:,.2f} is above the cap of ${cap_usd:,.2f}")
    return Verdict(True, False, f"{what} ${figure:,.2f} is within the cap of ${cap_usd:,.2f}")


def _usd(value: float) -> str:
    return f"${value:,.2f}"


def _duration(seconds: int) -> str:
    hours = seconds / 3600.0
    return f"{hours:g} h" if hours >= 1 else f"{seconds / 60:g} min"


def describe(est: Estimate) -> list[str]:
    """The lines printed in the cell before the call goes out."""
    plan = est.plan
    kinds = {
        "CreateTrainingJob": "training job",
        "CreateProcessingJob": "processing job",
        "CreateTransformJob": "transform job",
        "CreateEndpointConfig": "endpoint",
    }
    head = f"jupyter-smcost: {kinds[plan.operation]} {plan.name or '(unnamed)'} in {plan.region}"
    out = [head]
    for line, price in zip(plan.lines, est.prices, strict=True):
        if isinstance(price, Price):
            out.append(
                f"  {line.count} x {line.instance_type} at {_usd(price.usd_per_hour)}/h "
                f"({price.detail}, {price.as_of})"
            )
        else:
            out.append(f"  {line.count} x {line.instance_type}: {price.reason}")
    if plan.max_runtime_seconds is None:
        if est.usd_per_hour is None:
            out.append("  cost: unknown (no price for an instance above)")
        elif plan.operation == "CreateTransformJob":
            out.append(f"  cost: {_usd(est.usd_per_hour)}/h while it runs (no max runtime)")
        else:
            out.append(
                f"  cost: {_usd(est.usd_per_hour)}/h, {_usd(est.usd_per_month or 0)}/month "
                f"({HOURS_PER_MONTH:g} h) until it is deleted"
            )
        return out
    runtime = _duration(plan.max_runtime_seconds)
    if plan.runtime_defaulted:
        runtime += " (no MaxRuntimeInSeconds given: SageMaker's default)"
    if est.worst_case_usd is None:
        out.append(
            f"  upper bound: unknown (no price for an instance above), max runtime {runtime}"
        )
    else:
        out.append(
            f"  upper bound: {_usd(est.worst_case_usd)} if it runs its max runtime {runtime}"
        )
    if plan.operation == "CreateTrainingJob":
        if plan.managed_spot:
            out.append(
                "  managed spot training is on: billed for the seconds it runs on spot, at a "
                "discount AWS does not publish per instance; the bound above is on demand"
            )
        else:
            out.append(
                "  spot alternative: EnableManagedSpotTraining (use_spot_instances=True with "
                "max_wait and checkpoints); its price is unknown here (AWS publishes no spot "
                "rate for SageMaker), at most the on-demand bound above"
            )
    return out
