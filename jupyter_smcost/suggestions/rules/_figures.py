"""Small figures several rules share: what a job cost, what a job or endpoint costs per hour
(quoted without being claimed as a saving), durations in words, the unknown-price note. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..model import Action, EndpointFact, Facts, JobFact, PriceFact, usd


@dataclass(frozen=True)
class JobCost:
    #: Seconds billed: BillableTimeInSeconds for spot jobs when AWS reported it, else run time.
    seconds: float
    billable: bool
    price: PriceFact | None
    #: None when the price is unknown.
    usd: float | None
    arithmetic: str


def job_cost(job: JobFact, facts: Facts) -> JobCost | None:
    """What `job` cost (so far, while in progress); None before its instances started."""
    run = job.run_seconds(facts.now)
    billable = job.spot and job.billable_seconds is not None
    seconds = job.billable_seconds if billable else run
    if seconds is None:
        return None
    seconds = float(seconds)
    count = max(1, job.instance_count)
    what = f"{count} x {job.instance_type or 'unknown instance'} x {seconds:,.0f} s"
    if billable:
        what += " billable"
    price = facts.price(job.instance_type, job.component)
    if price is None:
        return JobCost(seconds, billable, None, None, f"{what} x price unknown")
    cost = count * seconds / 3600.0 * price.usd_per_hour
    return JobCost(
        seconds, billable, price, cost, f"{what} x {rate(price.usd_per_hour)} = {usd(cost)}"
    )


def rate(usd_per_hour: float) -> str:
    """An hourly price with the digits it has ($0.115/h, not usd()'s $0.12), so the
    arithmetic can be checked by hand."""
    if abs(usd_per_hour) < 0.01:
        return f"{usd(usd_per_hour)}/h"
    whole, _, frac = f"{usd_per_hour:,.4f}".partition(".")
    return f"${whole}.{frac.rstrip('0').ljust(2, '0')}/h"


def ended_within(job: JobFact, now: datetime, days: float) -> bool:
    return job.ended_at is not None and job.ended_at >= now - timedelta(days=days)


def minutes(seconds: float) -> str:
    return f"{seconds / 60.0:.1f} min"


def hours(value: float) -> str:
    return f"{value:,.1f} h"


def days(value: float) -> str:
    return f"{value:g} day" + ("" if value == 1 else "s")


def price_unknown(*what: str) -> str:
    names = ", ".join(dict.fromkeys(what)) or "this resource"
    return f"The price of {names} in this region is unknown, so no dollar figure is given."


def stop_job_action(job: JobFact, why: str) -> tuple[Action, ...]:
    """A stop action for a job still in progress (none for an ended one)."""
    if job.status != "InProgress":
        return ()
    kind = "training" if job.kind == "training-job" else "processing"
    return (
        Action(
            id=f"stop-{kind}-job",
            label="Stop job",
            description=f"Stop the {kind} job {job.name} now ({why}); AWS keeps what it wrote.",
            params={"name": job.name},
        ),
    )


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
        f"{count} x {name} x {rate(price) if price is not None else 'price unknown'}"
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
    if not endpoint.variants:  # every configuration has one: it could not be read
        return HourlyCost(None, "its instances are unknown (endpoint configuration not read)")
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
