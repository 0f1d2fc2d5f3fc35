"""Facts for the rule tests: one clock, one account, and builders for jobs, endpoints and
their variants. Prices are values the tests choose, not AWS's."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

from jupyter_smcost.suggestions.model import (
    EndpointFact,
    Facts,
    JobFact,
    PriceFact,
    ResourceRef,
    Suggestion,
    Thresholds,
    VariantFact,
)

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
REGION = "us-east-1"
ACCOUNT = "111122223333"
DOMAIN = "d-abc123"
ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}"
T = Thresholds()
SPACE = ResourceRef("app", "my-space/JupyterLab/default", "arn:aws:sagemaker:app/x", None)
JL = "studio-jupyterlab"


def price(usd_per_hour: float) -> PriceFact:
    return PriceFact(usd_per_hour, "test")


# Endpoint hosting prices shared by the idle-endpoint and multi-model tests.
HOSTING = {("ml.m5.large", "hosting"): price(0.115), ("ml.m5.xlarge", "hosting"): price(0.23)}


def facts(**kw: Any) -> Facts:
    base: dict[str, Any] = {"now": NOW, "region": REGION, "account": ACCOUNT, "domain_id": DOMAIN}
    base.update(kw)
    return Facts(**base)


def job(
    name: str,
    *,
    kind: str = "training-job",
    instance_type: str = "ml.m5.xlarge",
    count: int = 1,
    ended_ago: timedelta | None = timedelta(days=1),
    ran: float = 240.0,
    waited: float = 180.0,
    spot: bool = False,
    billable: float | None = None,
    checkpoints: bool = False,
    status: str | None = None,
) -> JobFact:
    """A job of the user's history: it waited, ran for `ran` seconds and ended `ended_ago`
    (None: still running)."""
    ended = NOW - ended_ago if ended_ago is not None else None
    started = (ended or NOW) - timedelta(seconds=ran)
    return JobFact(
        kind=kind,
        name=name,
        arn=f"{ARN}:{kind}/{name}",
        status=status or ("Completed" if ended else "InProgress"),
        instance_type=instance_type,
        instance_count=count,
        created_at=started - timedelta(seconds=waited),
        started_at=started,
        ended_at=ended,
        training_seconds=ran if kind == "training-job" and ended else None,
        billable_seconds=billable,
        spot=spot,
        checkpoints=checkpoints,
        fingerprint=f"fp-{name}",
        console_url=f"https://console/{name}",
    )


def running_job(
    name: str = "train-1",
    *,
    kind: str = "training-job",
    status: str = "InProgress",
    instance_type: str | None = "ml.m5.xlarge",
    count: int = 2,
    tags: dict[str, str] | None = None,
    inputs: tuple[str, ...] = (),
    ended_at: datetime | None = None,
) -> JobFact:
    """A job started an hour ago, with its tags and its input channels."""
    return JobFact(
        kind=kind,
        name=name,
        arn=f"{ARN}:{kind}/{name}",
        status=status,
        instance_type=instance_type,
        instance_count=count,
        created_at=NOW - timedelta(hours=2),
        started_at=NOW - timedelta(hours=1),
        ended_at=ended_at,
        inputs=inputs,
        tags=tags or {},
        fingerprint=f"fp-{name}",
        console_url=f"https://console.example/{name}",
    )


def endpoint(
    name: str,
    *,
    calls: float | None = 0.0,
    instance_type: str = "ml.m5.large",
    count: int = 1,
    image: str = "img-a",
    created_ago: timedelta = timedelta(days=3),
    status: str = "InService",
    variants: tuple[VariantFact, ...] | None = None,
) -> EndpointFact:
    """An endpoint with one variant serving `image` that took `calls` invocations."""
    one = VariantFact("AllTraffic", instance_type, count, (image,), invocations=calls)
    return endpoint_of(name, *(variants or (one,)), status=status, created_ago=created_ago)


def variant(
    name: str = "AllTraffic",
    instance_type: str | None = "ml.m5.2xlarge",
    count: int = 1,
    *,
    invocations: float | None = 1234.0,
    cpu_max: float | None = 24.0,
    gpu_max: float | None = None,
    serverless: bool = False,
) -> VariantFact:
    """A variant with its CloudWatch figures (average CPU is half the maximum)."""
    return VariantFact(
        name=name,
        instance_type=instance_type,
        instance_count=count,
        serverless=serverless,
        invocations=invocations,
        cpu_avg=None if cpu_max is None else cpu_max / 2,
        cpu_max=cpu_max,
        gpu_max=gpu_max,
    )


def endpoint_of(
    name: str = "ep-1",
    *variants: VariantFact,
    status: str = "InService",
    tags: dict[str, str] | None = None,
    created_ago: timedelta = timedelta(days=3),
) -> EndpointFact:
    """An endpoint made of these variants (one default variant if none), with its tags."""
    return EndpointFact(
        name=name,
        arn=f"{ARN}:endpoint/{name}",
        status=status,
        config_name=f"{name}-config",
        created_at=NOW - created_ago,
        variants=variants or (variant(),),
        tags=tags or {},
        fingerprint=f"fp-{name}",
        console_url=f"https://console.example/{name}",
    )


def no_nan(found: list[Suggestion]) -> None:
    for s in found:
        json.dumps(s.to_json(), allow_nan=False)
