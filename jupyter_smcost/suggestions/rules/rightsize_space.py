"""rightsize-space: this space's instance worked little over the session: the next smaller
size of its family, or a CPU instance when its GPU sat unused."""

from __future__ import annotations

from collections.abc import Iterable

from ..instances import cpu_fallbacks, is_gpu, smaller_sizes
from ..model import (
    HOURS_PER_MONTH,
    Facts,
    SpaceUsage,
    Suggestion,
    Thresholds,
    suggestion_id,
    usd,
)
from . import Rule
from ._figures import hours, price_unknown, rate

NAME = "rightsize-space"
DOCS = "https://docs.aws.amazon.com/sagemaker/latest/dg/notebooks-available-instance-types.html"
HOW = (
    "Change it from Studio: stop the space, choose the new instance type on the space's page, "
    "and run it again; the files on the space's storage are kept."
)


def _gpu_unused(u: SpaceUsage, t: Thresholds) -> bool:
    return (
        is_gpu(u.instance_type)
        and bool(u.gpu_count)
        and u.gpu_p95 is not None
        and u.gpu_p95 < t.rightsize_gpu_percent
    )


def _first_priced(facts: Facts, names: Iterable[str], component: str) -> str | None:
    return next((n for n in names if facts.price(n, component) is not None), None)


def _hours(u: SpaceUsage) -> tuple[float, str]:
    """Hours a month the saving applies to, and how that number was found."""
    if u.hours_last_30_days is not None:
        return (
            u.hours_last_30_days,
            f"{hours(u.hours_last_30_days)} this space ran in the last 30 days",
        )
    session = u.session_hours if u.session_hours is not None else u.observed_minutes / 60.0
    projected = min(session * 30.0, HOURS_PER_MONTH)
    return projected, (
        f"{hours(projected)}/month projected from this session ({hours(session)} on each of "
        "30 days, at most 730 h)"
    )


def candidates(facts: Facts, thresholds: Thresholds) -> list[tuple[str, str]]:
    """Prices the rule may compare with, so the collector fetches them."""
    u = facts.usage
    if u is None:
        return []
    names = [u.instance_type, *smaller_sizes(u.instance_type), *cpu_fallbacks(u.instance_type)]
    return [(n, u.component) for n in names]


def run(facts: Facts, thresholds: Thresholds) -> list[Suggestion]:
    u = facts.usage
    if u is None or u.observed_minutes < thresholds.min_observation_minutes:
        return []
    gpu_type = is_gpu(u.instance_type)
    observed = f"over {u.observed_minutes:.0f} min of this session"
    target: str | None = None
    why = ""
    if _gpu_unused(u, thresholds):
        target = _first_priced(facts, cpu_fallbacks(u.instance_type), u.component)
        why = (
            f"Its GPU stayed under {thresholds.rightsize_gpu_percent:g}% busy (p95 "
            f"{u.gpu_p95:.0f}%) {observed}. {target} is a CPU instance with the same number of "
            f"vCPUs; its memory may differ (this space used up to {u.memory_p95:.0f}%)."
        )
    if target is None and (
        u.cpu_p95 < thresholds.rightsize_cpu_percent
        and u.memory_p95 < thresholds.rightsize_memory_percent
    ):
        target = _first_priced(facts, smaller_sizes(u.instance_type), u.component)
        why = (
            f"CPU stayed under {thresholds.rightsize_cpu_percent:g}% (p95 {u.cpu_p95:.0f}%) and "
            f"memory under {thresholds.rightsize_memory_percent:g}% (p95 "
            f"{u.memory_p95:.0f}%) {observed}. {target} is the next smaller size of its family."
        )
        if gpu_type and not u.gpu_count:
            reason = u.gpu_unavailable or "no GPU found through NVML"
            why += (
                f" The GPU's use could not be measured ({reason}), so this says nothing about "
                "whether the GPU is needed."
            )
        elif gpu_type:
            why += " Check that the smaller size has as many GPUs as your work needs."
    if target is None:
        return []

    now_price = facts.price(u.instance_type, u.component)
    new_price = facts.price(target, u.component)
    count, how_counted = _hours(u)
    saving: float | None = None
    note: str | None = None
    if now_price is None or new_price is None:
        note = price_unknown(f"{u.instance_type} ({u.component})")
        arithmetic = f"(price of {u.instance_type} unknown - {target}) x {how_counted}"
    else:
        diff = now_price.usd_per_hour - new_price.usd_per_hour
        if diff <= 0:
            return []
        saving = diff * count
        arithmetic = (
            f"({u.instance_type} {rate(now_price.usd_per_hour)} - {target} "
            f"{rate(new_price.usd_per_hour)}) x {how_counted} = {usd(saving)}/month"
        )
    name = facts.app_ref.name if facts.app_ref else ""
    return [
        Suggestion(
            id=suggestion_id(NAME, "space", name, u.instance_type),
            rule=NAME,
            title=f"Switch this space from {u.instance_type} to {target}",
            detail=f"This space runs on {u.instance_type}. {why} {HOW}",
            saving_usd_per_month=saving,
            arithmetic=arithmetic,
            docs_url=DOCS,
            resource=facts.app_ref,
            saving_note=note,
        )
    ]


RULE = Rule(name=NAME, needs=("usage",), run=run, prices=candidates)
