"""savings-plan: Cost Explorer's SageMaker Savings Plans recommendation, quoted. It fires with
its exact figure and stays silent when its trigger is absent."""

from __future__ import annotations

from typing import Any

import pytest

from jupyter_smcost.suggestions.model import (
    SavingsPlanFact,
    Thresholds,
    suggestion_id,
)
from jupyter_smcost.suggestions.rules import (
    savings_plan,
)
from tests.unit.suggestions.rules.builders import ACCOUNT, facts


def plan(**kw: Any) -> SavingsPlanFact:
    base: dict[str, Any] = {
        "estimated_monthly_savings_usd": 123.45,
        "hourly_commitment_usd": 0.75,
        "estimated_savings_percent": 21.54,
        "term": "ONE_YEAR",
        "payment_option": "NO_UPFRONT",
        "lookback": "THIRTY_DAYS",
        "estimated_on_demand_cost_usd": 574.2,
    }
    base.update(kw)
    return SavingsPlanFact(**base)


def test_savings_plan_quotes_cost_explorers_figures() -> None:
    (found,) = savings_plan.run(facts(savings_plan=plan()), Thresholds())
    assert found.id == suggestion_id("savings-plan", "account", ACCOUNT)
    assert found.saving_usd_per_month == pytest.approx(123.45)
    assert found.severity == "high"
    assert found.title == "Buy a 1-year SageMaker Savings Plan"
    assert found.arithmetic == (
        "Cost Explorer, from the last 30 days of SageMaker usage, 1-year term, no upfront; "
        "commit $0.75/h; on-demand cost $574.20; estimated savings 21.5%; "
        "estimated saving $123.45/month"
    )
    assert "committing $0.75 per hour" in found.detail
    assert found.docs_url == "https://aws.amazon.com/savingsplans/ml-pricing/"
    assert found.saving_note is None


def test_savings_plan_silent_without_a_recommendation_or_saving() -> None:
    assert savings_plan.run(facts(), Thresholds()) == []
    assert (
        savings_plan.run(facts(savings_plan=plan(estimated_monthly_savings_usd=0.0)), Thresholds())
        == []
    )
    nan = plan(estimated_monthly_savings_usd=float("nan"))
    assert savings_plan.run(facts(savings_plan=nan), Thresholds()) == []


def test_savings_plan_leaves_out_figures_cost_explorer_did_not_give() -> None:
    bare = plan(
        hourly_commitment_usd=None,
        estimated_savings_percent=None,
        estimated_on_demand_cost_usd=None,
        term="THREE_YEARS",
        payment_option="ALL_UPFRONT",
        lookback="SEVEN_DAYS",
        estimated_monthly_savings_usd=8.0,
    )
    (found,) = savings_plan.run(facts(savings_plan=bare), Thresholds())
    assert found.arithmetic == (
        "Cost Explorer, from the last 7 days of SageMaker usage, 3-year term, all upfront; "
        "estimated saving $8.00/month"
    )
    assert found.severity == "low"


def test_savings_plan_in_another_currency_is_not_a_dollar_figure() -> None:
    (found,) = savings_plan.run(facts(savings_plan=plan(currency="EUR")), Thresholds())
    assert found.saving_usd_per_month is None
    assert found.saving_note and "EUR" in found.saving_note
    assert "123.45 EUR/month" in found.arithmetic
