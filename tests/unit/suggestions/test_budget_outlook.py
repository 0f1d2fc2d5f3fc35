"""The suggestions' outlook over the monthly budget: each card's saving to the month's end,
whether it alone brings the projection under, how many of the first are needed, and nothing
when the budget is not at stake or a figure is missing."""

from __future__ import annotations

from typing import Any

import pytest

from jupyter_smcost.suggestions.budget_outlook import outlook


def budget(**over: Any) -> dict[str, Any]:
    # 365 h left: half of a 730-hour month.
    doc = {
        "state": "near",
        "budget_usd": 100.0,
        "spent_usd": 40.0,
        "projected_usd": 160.0,
        "hours_left": 365.0,
    }
    doc.update(over)
    return doc


def test_the_first_two_are_needed_and_only_the_largest_alone_suffices() -> None:
    summary, cards = outlook(budget(), [("a", 140.0), ("b", 40.0), ("c", None), ("d", 10.0)])
    assert cards["a"] == {"saving_to_month_end_usd": 70.0, "brings_under_budget": True}
    assert cards["b"] == {"saving_to_month_end_usd": 20.0, "brings_under_budget": False}
    assert cards["c"] == {"saving_to_month_end_usd": None, "brings_under_budget": False}
    assert summary is not None
    assert summary["suggestions_needed"] == 1
    assert summary["over_by_usd"] == 60.0 and summary["saving_to_month_end_usd"] == 95.0
    assert summary["projected_with_all_usd"] == 65.0


def test_cumulative_savings_cross_the_budget() -> None:
    summary, _ = outlook(budget(), [("a", 80.0), ("b", 40.0), ("c", 10.0)])
    # 40 + 20 = 60 is not under by 60; + 5 is.
    assert summary is not None and summary["suggestions_needed"] == 3


def test_spent_over_the_budget_nothing_brings_it_under() -> None:
    summary, cards = outlook(
        budget(state="over", spent_usd=120.0, projected_usd=200.0), [("a", 1000.0)]
    )
    assert summary is not None and summary["suggestions_needed"] is None
    assert cards["a"]["brings_under_budget"] is False
    assert summary["projected_with_all_usd"] == 120.0  # never below what is spent


@pytest.mark.parametrize(
    "doc",
    [
        None,
        budget(state="under"),
        budget(state="no-budget"),
        budget(projected_usd=None),
        budget(budget_usd=None),
        budget(hours_left=float("nan")),
        budget(spent_usd=True),
    ],
)
def test_no_outlook_without_a_budget_at_stake_or_a_figure(doc: dict[str, Any] | None) -> None:
    assert outlook(doc, [("a", 10.0)]) == (None, {})


def test_near_by_share_but_projected_under_needs_nothing() -> None:
    summary, cards = outlook(budget(spent_usd=85.0, projected_usd=95.0), [("a", 10.0)])
    assert summary is not None and summary["suggestions_needed"] is None
    assert summary["over_by_usd"] == -5.0 and cards["a"]["brings_under_budget"] is True
