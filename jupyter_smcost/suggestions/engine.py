"""Runs the rules over one set of facts: what the panel and `GET suggestions` show.

Pure. A rule whose sources could not be read is listed in `problems` with the IAM action to
add; a rule that fails is logged and listed; the others still run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .instances import is_gpu
from .model import Facts, Problem, Suggestion, Thresholds
from .rules import Rule, all_rules
from .usage import NO_NVML_PACKAGE

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    suggestions: list[Suggestion] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def total_saving_usd_per_month(self) -> float:
        return sum(s.saving_usd_per_month or 0.0 for s in self.suggestions)


def active_rules(disabled: Iterable[str] = ()) -> list[Rule]:
    off = set(disabled)
    return [r for r in all_rules() if r.name not in off]


def wanted_prices(
    facts: Facts, thresholds: Thresholds, disabled: Iterable[str] = ()
) -> list[tuple[str, str]]:
    """Every (instance type, component) the rules will look up."""
    keys: list[tuple[str, str]] = []
    if facts.instance_type and facts.component:
        keys.append((facts.instance_type, facts.component))
    for job in facts.jobs:
        if job.instance_type:
            keys.append((job.instance_type, job.component))
    for endpoint in facts.endpoints:
        for v in endpoint.variants:
            if v.instance_type and not v.serverless:
                keys.append((v.instance_type, "hosting"))
    for app in facts.apps:
        if app.instance_type and app.component:
            keys.append((app.instance_type, app.component))
    for rule in active_rules(disabled):
        if rule.prices is not None:
            keys.extend(rule.prices(facts, thresholds))
    return list(dict.fromkeys(keys))


def run_rules(facts: Facts, thresholds: Thresholds, disabled: Iterable[str] = ()) -> Outcome:
    out = Outcome()
    # A missing source is reported once, naming every rule it silences (the rule needs it)
    # and every rule it degrades (the rule runs without it, or on the part that was read).
    silenced: dict[str, list[str]] = {}
    degraded: dict[str, list[str]] = {}
    for rule in active_rules(disabled):
        gone = [s for s in rule.needs if s in facts.missing]
        if any(not facts.missing[s].get("partial") for s in gone):
            for source in gone:
                silenced.setdefault(source, []).append(rule.name)
            continue
        for source in (*gone, *(s for s in rule.uses if s in facts.missing)):
            degraded.setdefault(source, []).append(rule.name)
        try:
            found = rule.run(facts, thresholds)
        except Exception as err:  # a bug in one rule never hides the others
            log.exception("jupyter-smcost: suggestion rule %s failed", rule.name)
            out.problems.append(
                Problem(rule.name, None, "rule-error", f"rule {rule.name} failed: {err!r}")
            )
            continue
        floor = thresholds.min_saving_usd_per_month
        out.suggestions.extend(
            s for s in found if s.saving_usd_per_month is None or s.saving_usd_per_month >= floor
        )
    # One cause (no region, one refused call) is one problem, whatever the sources it takes.
    causes: dict[tuple[str, str, Any], list[str]] = {}
    for source in (s for s in facts.missing if s in silenced or s in degraded):
        info = facts.missing[source]
        message = str(info.get("message") or f"cannot read {source}")
        code = str(info.get("code") or "unavailable")
        causes.setdefault((code, message, info.get("action")), []).append(source)
    for (code, message, action), sources in causes.items():
        quiet = list(dict.fromkeys(r for s in sources for r in silenced.get(s, [])))
        less = list(
            dict.fromkeys(r for s in sources for r in degraded.get(s, []) if r not in quiet)
        )
        effects = "; ".join(
            f"{verb}: {', '.join(rules)}"
            for verb, rules in (("silences", quiet), ("degrades", less))
            if rules
        )
        out.problems.append(
            Problem(
                ", ".join((*quiet, *less)),
                ", ".join(sources),
                code,
                f"{message} ({effects})",
                action,
            )
        )
    if facts.scope_note:
        out.problems.append(Problem(None, "scope", "scope", facts.scope_note))
    usage = facts.usage
    if (
        usage is not None
        and is_gpu(usage.instance_type)
        and not usage.gpu_count
        and usage.gpu_unavailable == NO_NVML_PACKAGE
    ):
        # Not a silenced rule (the CPU and memory advice still runs), but the panel must say
        # why no GPU figure can come, and what to install. (No GPU seen by a driver that is
        # there is said in the rule's own text.)
        out.problems.append(
            Problem(
                "rightsize-space",
                "nvml",
                "gpu-unmeasured",
                f"this {usage.instance_type}'s GPU use is not measured: {usage.gpu_unavailable}",
            )
        )
    out.suggestions.sort(
        key=lambda s: (s.saving_usd_per_month is None, -(s.saving_usd_per_month or 0.0), s.id)
    )
    return out
