"""One module per cost lever. Each exports `RULE`, a `Rule` whose `run` is a pure function
from `Facts` and `Thresholds` to suggestions; `all_rules()` lists them in the order of the issue
that asked for them (the panel sorts by saving)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..model import Facts, Suggestion, Thresholds

#: The data sources a rule may need; a source that could not be read is in `Facts.missing`.
SOURCES = (
    "jobs",
    "endpoints",
    "endpoint-metrics",
    "apps",
    "usage",
    "domain",
    "savings-plan",
    "bucket-regions",
    "idle",
)


@dataclass(frozen=True)
class Rule:
    name: str
    #: Sources without which the rule cannot run (it is then listed in `problems`).
    needs: tuple[str, ...]
    run: Callable[[Facts, Thresholds], list[Suggestion]]
    #: Prices the rule needs beyond the instance types in the facts (e.g. smaller sizes).
    prices: Callable[[Facts, Thresholds], Iterable[tuple[str, str]]] | None = None


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
