"""idle-budget: an idle spell's cost, and the budget and timeout that bound it. It fires with
its exact figure and stays silent when its trigger is absent."""

from __future__ import annotations

from typing import Any

import pytest

from jupyter_smcost.suggestions.model import (
    Facts,
    IdleFacts,
    ResourceRef,
    Thresholds,
    suggestion_id,
)
from jupyter_smcost.suggestions.rules import (
    idle_budget,
)
from tests.unit.suggestions.rules.builders import facts, price

APP = ResourceRef("app", "my-space/JupyterLab/default", "arn:app", None)


def idle(**kw: Any) -> IdleFacts:
    base: dict[str, Any] = {
        "timeout_minutes": 60.0,
        "max_idle_usd": None,
        "min_minutes": 5.0,
        "max_minutes": 1440.0,
        "users_may_change": True,
    }
    base.update(kw)
    return IdleFacts(**base)


def server(rate: float | None, **kw: Any) -> Facts:
    prices = {} if rate is None else {("ml.g5.xlarge", "studio-jupyterlab"): price(rate)}
    return facts(
        instance_type="ml.g5.xlarge",
        component="studio-jupyterlab",
        app_ref=APP,
        idle=idle(**kw),
        prices=prices,
    )


def test_idle_budget_fires_with_budget_and_shorter_timeout() -> None:
    (found,) = idle_budget.run(server(1.41), Thresholds(idle_budget_hint_usd=1.0))
    assert found.id == suggestion_id("idle-budget", "app", APP.name)
    assert found.resource == APP
    assert found.arithmetic == (
        "60 min x $1.41/h = $1.41 per idle spell; budget $1.00 -> at most $1.00; "
        "timeout 42 min x $1.41/h = $0.99 per idle spell"
    )
    assert found.saving_usd_per_month is None
    assert found.saving_note == (
        "Per idle spell: $1.41 now, at most $0.99 after the change, $0.42 less. How often the "
        "app sits idle until shutdown is yours to say, so no monthly figure."
    )
    budget, timeout = found.actions
    assert (budget.id, dict(budget.params)) == ("set-idle-budget", {"max_idle_usd": 1.0})
    assert timeout.id == "set-idle-timeout"
    # 1.00 / 1.41 x 60 = 42.55 min, rounded down.
    assert timeout.params["timeout_minutes"] == pytest.approx(42.0)
    assert found.docs_url == (
        "https://docs.aws.amazon.com/sagemaker/latest/dg/studio-updated-idle-shutdown.html"
    )


def test_idle_budget_silent_when_a_spell_is_cheap_or_unpriced_or_capped() -> None:
    hint = Thresholds(idle_budget_hint_usd=2.0)
    assert idle_budget.run(server(1.0), hint) == []  # 60 min x $1/h = $1 <= $2
    assert idle_budget.run(server(2.0), hint) == []  # exactly the hint
    assert idle_budget.run(server(None), hint) == []  # price unknown
    assert idle_budget.run(server(10.0, max_idle_usd=2.0), hint) == []  # cap at the hint
    assert idle_budget.run(server(10.0, max_idle_usd=1.5), hint) == []  # cap under the hint
    no_idle = facts(
        instance_type="ml.g5.xlarge",
        component="studio-jupyterlab",
        prices={("ml.g5.xlarge", "studio-jupyterlab"): price(10.0)},
    )
    assert idle_budget.run(no_idle, hint) == []


def test_idle_budget_counts_an_existing_cap_above_the_hint() -> None:
    (found,) = idle_budget.run(server(4.0, max_idle_usd=3.0), Thresholds(idle_budget_hint_usd=2.0))
    assert found.arithmetic == (
        "60 min x $4.00/h = $4.00, capped by the idle budget $3.00 per idle spell; "
        "budget $2.00 -> at most $2.00; timeout 30 min x $4.00/h = $2.00 per idle spell"
    )
    assert found.saving_note is not None
    assert found.saving_note.startswith(
        "Per idle spell: $3.00 now, at most $2.00 after the change, $1.00 less."
    )


def test_idle_budget_clamps_the_timeout_to_the_admins_minimum() -> None:
    # $2 at $12/h buys 10 min, under the 15 min minimum: both options stop at 15 min = $3.
    (found,) = idle_budget.run(server(12.0, min_minutes=15.0), Thresholds(idle_budget_hint_usd=2.0))
    assert found.arithmetic == (
        "60 min x $12.00/h = $12.00 per idle spell; budget $2.00 -> at most $3.00 "
        "(the 15 min minimum still applies); timeout 15 min x $12.00/h = $3.00 per idle spell"
    )
    assert found.actions[1].params["timeout_minutes"] == pytest.approx(15.0)
    assert "(not before the 15 min minimum: $3.00)" in found.detail


def test_idle_budget_silent_when_the_minimum_leaves_nothing_to_cap() -> None:
    assert (
        idle_budget.run(
            server(12.0, timeout_minutes=15.0, min_minutes=15.0),
            Thresholds(idle_budget_hint_usd=2.0),
        )
        == []
    )


def test_idle_budget_without_user_changes_offers_no_action() -> None:
    (found,) = idle_budget.run(
        server(1.41, users_may_change=False), Thresholds(idle_budget_hint_usd=1.0)
    )
    assert found.actions == ()
    assert "c.IdleShutdown.max_idle_usd" in found.detail


def test_idle_budget_no_timeout_is_unbounded() -> None:
    (found,) = idle_budget.run(
        server(1.41, timeout_minutes=0.0), Thresholds(idle_budget_hint_usd=1.0)
    )
    assert found.arithmetic == (
        "no idle timeout: $1.41/h for as long as the app sits idle; budget $1.00 -> at most "
        "$1.00; timeout 42 min x $1.41/h = $0.99 per idle spell"
    )
    assert found.title == "Idle time on ml.g5.xlarge is unbounded: set an idle budget"
    assert found.saving_note is not None and found.saving_note.startswith(
        "Per idle spell: unbounded now"
    )


def test_idle_budget_timeout_offered_only_when_shorter() -> None:
    # 20 min x $9/h = $3 > $2; $2 buys 13 min, but the minimum is 20: only the budget is
    # left, and the floor keeps it at 20 min = $3, so nothing helps.
    assert idle_budget.run(server(9.0, timeout_minutes=20.0, min_minutes=20.0), Thresholds()) == []
    # 30 min x $6/h = $3; the budget $2 (20 min) helps, and so does the timeout of 20 min.
    (found,) = idle_budget.run(server(6.0, timeout_minutes=30.0), Thresholds())
    assert [a.id for a in found.actions] == ["set-idle-budget", "set-idle-timeout"]
    assert found.actions[1].params["timeout_minutes"] == pytest.approx(20.0)
