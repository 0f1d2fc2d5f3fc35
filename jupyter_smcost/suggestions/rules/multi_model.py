"""multi-model: low-traffic endpoints each keep instances running; one shared endpoint serves
them all (multi-model for one image, multi-container for up to 15 different images)."""

from __future__ import annotations

import math

from ..model import (
    HOURS_PER_MONTH,
    EndpointFact,
    Facts,
    ResourceRef,
    Suggestion,
    Thresholds,
    suggestion_id,
    usd,
)
from . import ENDPOINTS, Rule
from ._figures import hours, price_unknown, rate

NAME = "multi-model"
MME_DOCS = "https://docs.aws.amazon.com/sagemaker/latest/dg/multi-model-endpoints.html"
MCE_DOCS = "https://docs.aws.amazon.com/sagemaker/latest/dg/multi-container-endpoints.html"
#: Containers one multi-container endpoint can host (AWS's limit).
MAX_CONTAINERS = 15


def _low_traffic(facts: Facts, thresholds: Thresholds) -> list[EndpointFact]:
    window = facts.endpoint_window_hours
    found = []
    for e in facts.endpoints:
        calls = e.invocations
        if (
            e.status == "InService"
            and len(e.variants) == 1
            and not e.variants[0].serverless
            and len(e.variants[0].images) == 1
            # Idle ones (0 calls) belong to idle-endpoint.
            and calls is not None
            and calls > 0
            and calls / window < thresholds.low_traffic_invocations_per_hour
        ):
            found.append(e)
    return sorted(found, key=lambda e: e.name)


def _chunks(items: list[EndpointFact]) -> list[list[EndpointFact]]:
    """Groups of at most MAX_CONTAINERS, as even as possible (16 -> 8 + 8, never 15 + 1)."""
    n = math.ceil(len(items) / MAX_CONTAINERS)
    if n == 0:
        return []
    size, extra = divmod(len(items), n)
    out, start = [], 0
    for i in range(n):
        end = start + size + (1 if i < extra else 0)
        out.append(items[start:end])
        start = end
    return out


def _suggest(
    group: list[EndpointFact], facts: Facts, thresholds: Thresholds, multi_model: bool
) -> Suggestion:
    window = facts.endpoint_window_hours
    rates: dict[str, float | None] = {}
    hourly: dict[str, float | None] = {}
    lines: list[str] = []
    for e in group:
        v = e.variants[0]
        price = facts.price(v.instance_type, "hosting")
        rates[e.name] = None if price is None else price.usd_per_hour
        hourly[e.name] = None if price is None else v.instance_count * price.usd_per_hour
        per_hour = "price unknown" if price is None else rate(price.usd_per_hour)
        lines.append(
            f"- {e.name}: {v.instance_count} x {v.instance_type} ({per_hour}), "
            f"{(e.invocations or 0.0) / window:.1f} invocations/h, image {v.images[0]}"
        )
    unpriced = [f"{e.variants[0].instance_type} (hosting)" for e in group if hourly[e.name] is None]
    saving: float | None = None
    note: str | None = None
    if unpriced:
        note = price_unknown(*unpriced)
        arithmetic = "instance prices unknown: no figure"
    else:
        keep = max(group, key=lambda e: (hourly[e.name] or 0.0, e.name))
        others = [e for e in group if e is not keep]
        saving = sum(hourly[e.name] or 0.0 for e in others) * HOURS_PER_MONTH
        terms = " + ".join(
            f"{e.variants[0].instance_count} x {e.variants[0].instance_type} x "
            f"{rate(rates[e.name] or 0.0)}"
            for e in others
        )
        arithmetic = (
            f"({terms}) x 730 h = {usd(saving)}/month; {keep.name} "
            f"({rate(hourly[keep.name] or 0.0)}, the largest) stays as the shared endpoint"
        )
    names = [e.name for e in group]
    n = len(group)
    if multi_model:
        title = f"Serve {n} low-traffic endpoints from one multi-model endpoint"
        how = (
            "They run the same container image: put their model artifacts under one S3 prefix "
            "and host them on one multi-model endpoint, which loads each model on demand "
            "(call it with `TargetModel=`). The image must support multi-model hosting."
        )
    else:
        title = f"Combine {n} low-traffic endpoints in one multi-container endpoint"
        how = (
            f"They run different images: one multi-container endpoint hosts up to "
            f"{MAX_CONTAINERS} containers and calls each directly "
            f"(`TargetContainerHostname=`). See also {MME_DOCS}."
        )
    detail = "\n".join(
        [
            f"Each of these endpoints averaged fewer than "
            f"{thresholds.low_traffic_invocations_per_hour:g} invocations/h over the last "
            f"{hours(window)}, yet keeps its own instances running:",
            *lines,
            how,
        ]
    )
    first = group[0]
    return Suggestion(
        id=suggestion_id(NAME, "endpoints", *sorted(names)),
        rule=NAME,
        title=title,
        detail=detail,
        saving_usd_per_month=saving,
        arithmetic=arithmetic,
        docs_url=MME_DOCS if multi_model else MCE_DOCS,
        resource=ResourceRef("endpoint", first.name, first.arn, first.console_url),
        saving_note=note,
    )


def run(facts: Facts, thresholds: Thresholds) -> list[Suggestion]:
    if facts.endpoint_window_hours <= 0:
        return []
    by_image: dict[tuple[str, ...], list[EndpointFact]] = {}
    for e in _low_traffic(facts, thresholds):
        by_image.setdefault(e.variants[0].images, []).append(e)
    out: list[Suggestion] = []
    rest: list[EndpointFact] = []
    for group in by_image.values():
        if len(group) >= 2:
            out.append(_suggest(group, facts, thresholds, multi_model=True))
        else:
            rest.extend(group)
    rest.sort(key=lambda e: e.name)
    for chunk in _chunks(rest):
        if len(chunk) >= 2:
            out.append(_suggest(chunk, facts, thresholds, multi_model=False))
    return out


RULE = Rule(
    name=NAME,
    needs=(*ENDPOINTS, "endpoint-configs", "endpoint-models", "endpoint-metrics"),
    run=run,
)
