"""idle-budget: on an expensive instance the idle timeout lets one idle spell cost more than
`c.Suggestions.idle_budget_hint_usd`; an idle budget (or a shorter timeout) caps it. One click
applies either through the idle settings, within the admin's bounds."""

from __future__ import annotations

import math

from ..model import Action, Facts, IdleFacts, Suggestion, Thresholds, suggestion_id, usd
from . import Rule

NAME = "idle-budget"
DOCS = "https://docs.aws.amazon.com/sagemaker/latest/dg/studio-updated-idle-shutdown.html"


def _positive(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) and value > 0 else None


def _minutes(value: float) -> str:
    return f"{value:g} min"


def _spell(idle: IdleFacts, rate: float) -> tuple[float | None, str]:
    """What one idle spell costs before shutdown now (None: unbounded), in words."""
    timeout = _positive(idle.timeout_minutes)
    budget = _positive(idle.max_idle_usd)
    if timeout is None:
        if budget is None:
            return None, f"no idle timeout: {usd(rate)}/h for as long as the app sits idle"
        return budget, f"no idle timeout, idle budget {usd(budget)}: {usd(budget)} per idle spell"
    by_timeout = timeout / 60.0 * rate
    words = f"{_minutes(timeout)} x {usd(rate)}/h = {usd(by_timeout)}"
    if budget is not None and budget < by_timeout:
        return budget, f"{words}, capped by the idle budget {usd(budget)} per idle spell"
    return by_timeout, f"{words} per idle spell"


def _shorter_timeout(idle: IdleFacts, hint: float, rate: float) -> float:
    """The timeout whose idle spell costs at most the hint, in whole minutes, within the
    admin's bounds (so it may cost more than the hint when the minimum says so)."""
    # The epsilon keeps a float like 19.999999999999996 (for exactly 20) from losing a minute.
    minutes = float(math.floor(hint * 60.0 / rate + 1e-9))
    return min(max(minutes, idle.min_minutes), idle.max_minutes)


def run(facts: Facts, thresholds: Thresholds) -> list[Suggestion]:
    idle = facts.idle
    price = facts.price(facts.instance_type, facts.component)
    if idle is None or price is None:
        return []  # without the price there is no telling what idleness costs
    rate = _positive(price.usd_per_hour)
    hint = _positive(thresholds.idle_budget_hint_usd)
    if rate is None or hint is None:
        return []
    budget = _positive(idle.max_idle_usd)
    if budget is not None and budget <= hint:
        return []  # already capped at or under the hint
    spell, spell_words = _spell(idle, rate)
    if spell is not None and spell <= hint:
        return []
    timeout = _positive(idle.timeout_minutes)
    by_timeout = math.inf if timeout is None else timeout / 60.0 * rate

    # A budget never shuts down sooner than the admin's floor (at most min_minutes), so with
    # the hint as budget a spell costs the hint or the floor's cost, whichever is more.
    floor_cost = idle.min_minutes / 60.0 * rate
    with_budget = min(max(hint, floor_cost), by_timeout)
    budget_helps = spell is None or with_budget < spell
    shorter = _shorter_timeout(idle, hint, rate)
    with_timeout = shorter / 60.0 * rate
    timeout_helps = (timeout is None or shorter < timeout) and (
        spell is None or with_timeout < spell
    )
    if not (budget_helps or timeout_helps):
        return []  # the admin's minimum leaves nothing to cap

    arithmetic = spell_words
    if budget_helps:
        arithmetic += f"; budget {usd(hint)} -> at most {usd(with_budget)}"
        if with_budget > hint:
            arithmetic += f" (the {_minutes(idle.min_minutes)} minimum still applies)"
    if timeout_helps:
        arithmetic += (
            f"; timeout {_minutes(shorter)} x {usd(rate)}/h = {usd(with_timeout)} per idle spell"
        )

    best = min(
        with_budget if budget_helps else math.inf, with_timeout if timeout_helps else math.inf
    )
    instance = facts.instance_type or "this instance"
    now = (
        f"an idle spell costs {usd(rate)}/h for as long as it lasts (no idle timeout)"
        if spell is None
        else f"one idle spell before shutdown costs {usd(spell)}"
    )
    saving_note = (
        f"Per idle spell: {usd(spell)} now, at most {usd(best)} after the change, "
        f"{usd(spell - best)} less. "
        if spell is not None
        else f"Per idle spell: unbounded now, at most {usd(best)} after the change. "
    ) + "How often the app sits idle until shutdown is yours to say, so no monthly figure."

    ways: list[str] = []
    if budget_helps:
        floor = (
            f" (not before the {_minutes(idle.min_minutes)} minimum: {usd(with_budget)})"
            if with_budget > hint
            else ""
        )
        ways.append(
            f"an idle budget of {usd(hint)} shuts the app down once idle time has cost that "
            f"much{floor}"
        )
    if timeout_helps:
        ways.append(f"a timeout of {_minutes(shorter)} caps a spell at {usd(with_timeout)}")
    how = "; or ".join(ways)
    detail = f"This {instance} costs {usd(rate)}/h, so {now}. {how[:1].upper()}{how[1:]}."
    actions: list[Action] = []
    if idle.users_may_change:
        if budget_helps:
            actions.append(
                Action(
                    id="set-idle-budget",
                    label=f"Set idle budget {usd(hint)}",
                    description=(
                        f"Shut this app down once its idle time has cost {usd(hint)} "
                        f"(at {usd(rate)}/h), or at the timeout, whichever comes first."
                    ),
                    params={"max_idle_usd": hint},
                )
            )
        if timeout_helps:
            actions.append(
                Action(
                    id="set-idle-timeout",
                    label=f"Set idle timeout {_minutes(shorter)}",
                    description=(
                        f"Shut this app down after {_minutes(shorter)} without activity "
                        f"(a warning comes first)."
                    ),
                    params={"timeout_minutes": shorter},
                )
            )
    else:
        detail += (
            " Your administrator sets the idle policy here: ask for an idle budget "
            "(c.IdleShutdown.max_idle_usd) or a shorter timeout (c.IdleShutdown.timeout_minutes)."
        )
    if idle.dry_run:
        detail += " Idle shutdown runs in dry-run mode now: it only reports, nothing stops."

    ref = facts.app_ref
    return [
        Suggestion(
            id=(
                suggestion_id(NAME, ref.kind, ref.name)
                if ref
                else suggestion_id(NAME, "server", instance)
            ),
            rule=NAME,
            title=(
                f"Idle time on {instance} is unbounded: set an idle budget"
                if spell is None
                else f"An idle spell on {instance} costs {usd(spell)}: cap it"
            ),
            detail=detail,
            saving_usd_per_month=None,
            saving_note=saving_note,
            arithmetic=arithmetic,
            docs_url=DOCS,
            resource=ref,
            actions=tuple(actions),
            fingerprint=idle.fingerprint,
        )
    ]


RULE = Rule(name=NAME, needs=("idle",), run=run)
