"""One module per cost lever. Each exports `RULE`, a `Rule` whose `run` is a pure function
from `Facts` and `Thresholds` to suggestions; `all_rules()` lists them in the order of the issue
that asked for them (the panel sorts by saving)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..model import Facts, Suggestion, Thresholds

#: The sources of facts, each read by its own AWS calls (suggestions/collect.py names them)
#: or by this server. A source that could not be read is in `Facts.missing`, and only the
#: rules that declare it are affected, so each rule declares exactly what it reads.
SOURCES = (
    # Whose a resource is: this user's profile and spaces (DescribeSpace, ListSpaces).
    "owner",
    "training-jobs",
    "processing-jobs",
    # ListTags: proves whose a job or an endpoint is, so every rule reading them needs it.
    "resource-tags",
    # ListEndpoints and DescribeEndpoint: name, status, tags.
    "endpoints",
    # DescribeEndpointConfig: the variants (instance types and counts).
    "endpoint-configs",
    # DescribeModel: the variants' container images.
    "endpoint-models",
    "endpoint-metrics",
    "apps",
    "usage",
    "domain",
    "savings-plan",
    "bucket-regions",
    "idle",
)

JOBS = ("owner", "resource-tags", "training-jobs", "processing-jobs")
ENDPOINTS = ("owner", "resource-tags", "endpoints")


@dataclass(frozen=True)
class Rule:
    name: str
    #: Sources without which the rule cannot run: it is silenced (and listed in `problems`).
    #: One that was read only in part (some resources' answers refused) does not silence
    #: it: it runs on what was read, and is listed as degraded.
    needs: tuple[str, ...]
    run: Callable[[Facts, Thresholds], list[Suggestion]]
    #: Prices the rule needs beyond the instance types in the facts (e.g. smaller sizes).
    prices: Callable[[Facts, Thresholds], Iterable[tuple[str, str]]] | None = None
    #: Sources the rule reads when they are there and does without otherwise, saying what it
    #: could not check (it is listed as degraded).
    uses: tuple[str, ...] = ()


@functools.cache
def all_rules() -> tuple[Rule, ...]:
    """Every rule (imported on first use, so one rule's module can be tested alone)."""
    from . import (
        data_locality,
        idle_apps,
        idle_budget,
        idle_endpoint,
        inference_recommender,
        local_mode,
        multi_model,
        rightsize_space,
        savings_plan,
        spot_training,
        tags,
    )

    return tuple(
        m.RULE
        for m in (
            local_mode,
            spot_training,
            idle_endpoint,
            multi_model,
            rightsize_space,
            idle_apps,
            tags,
            data_locality,
            savings_plan,
            idle_budget,
            inference_recommender,
        )
    )


def rule_names() -> tuple[str, ...]:
    return tuple(r.name for r in all_rules())
