"""What a running job or endpoint costs per hour, with its arithmetic. Pure.

Shared by the rules that quote a resource's hourly cost without claiming it as a saving
(tags, inference-recommender)."""

from __future__ import annotations

from dataclasses import dataclass

from ..model import EndpointFact, Facts, JobFact, usd


@dataclass(frozen=True)
class HourlyCost:
    #: None when a price is unknown (or nothing runs on instances, e.g. serverless).
    usd_per_hour: float | None
    #: "2 x ml.m5.xlarge x $0.23/h = $0.46/h", or what is unknown.
    arithmetic: str
    #: The left side alone: "2 x ml.m5.xlarge x $0.23/h".
    terms: str = ""
    #: Instance types whose price is unknown.
    unknown: tuple[str, ...] = ()


def _total(terms: list[tuple[int, str, float | None]]) -> HourlyCost:
    if not terms:
        return HourlyCost(None, "no instances billed by the hour")
    unknown = tuple(dict.fromkeys(name for _, name, price in terms if price is None))
    words = " + ".join(
        f"{count} x {name} x {usd(price) + '/h' if price is not None else 'price unknown'}"
        for count, name, price in terms
    )
    if unknown:
        return HourlyCost(None, words, words, unknown)
    total = sum(count * (price or 0.0) for count, _, price in terms)
    return HourlyCost(total, f"{words} = {usd(total)}/h", words)


def job_hourly(job: JobFact, facts: Facts) -> HourlyCost:
    name = job.instance_type or "unknown instance"
    price = facts.price(job.instance_type, job.component)
    return _total([(max(1, job.instance_count), name, price.usd_per_hour if price else None)])


def endpoint_hourly(endpoint: EndpointFact, facts: Facts) -> HourlyCost:
    """Its instance-backed variants; serverless ones bill per request, and a variant scaled
    to zero instances bills nothing by the hour: both are left out."""
    terms: list[tuple[int, str, float | None]] = []
    for variant in endpoint.variants:
        if variant.serverless or variant.instance_count <= 0:
            continue
        price = facts.price(variant.instance_type, "hosting")
        terms.append(
            (
                variant.instance_count,
                variant.instance_type or "unknown instance",
                price.usd_per_hour if price else None,
            )
        )
    return _total(terms)
