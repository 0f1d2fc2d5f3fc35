"""savings-plan: steady SageMaker usage is cheaper under a SageMaker Savings Plan. The figure
is Cost Explorer's own (GetSavingsPlansPurchaseRecommendation, SAGEMAKER_SP); without that
recommendation the rule says nothing rather than invent one."""

from __future__ import annotations

import math

from ..model import (
    Facts,
    ResourceRef,
    SavingsPlanFact,
    Suggestion,
    Thresholds,
    suggestion_id,
    usd,
)
from . import Rule

NAME = "savings-plan"
DOCS = "https://aws.amazon.com/savingsplans/ml-pricing/"

#: Cost Explorer's enum values in words (an unknown value is shown as it came).
_TERMS = {"ONE_YEAR": "1-year", "THREE_YEARS": "3-year"}
_PAYMENTS = {
    "NO_UPFRONT": "no upfront",
    "PARTIAL_UPFRONT": "partial upfront",
    "ALL_UPFRONT": "all upfront",
}
_LOOKBACKS = {"SEVEN_DAYS": "7 days", "THIRTY_DAYS": "30 days", "SIXTY_DAYS": "60 days"}


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _money(value: float, currency: str) -> str:
    return usd(value) if currency == "USD" else f"{value:,.2f} {currency}"


def _arithmetic(plan: SavingsPlanFact, term: str, payment: str, lookback: str) -> str:
    cur = plan.currency
    parts = [f"Cost Explorer, from the last {lookback} of SageMaker usage, {term} term, {payment}"]
    if _finite(plan.hourly_commitment_usd):
        parts.append(f"commit {_money(plan.hourly_commitment_usd or 0.0, cur)}/h")
    if _finite(plan.estimated_on_demand_cost_usd):
        parts.append(f"on-demand cost {_money(plan.estimated_on_demand_cost_usd or 0.0, cur)}")
    if _finite(plan.estimated_savings_percent):
        parts.append(f"estimated savings {round(plan.estimated_savings_percent or 0.0, 1):g}%")
    parts.append(f"estimated saving {_money(plan.estimated_monthly_savings_usd, cur)}/month")
    return "; ".join(parts)


def run(facts: Facts, thresholds: Thresholds) -> list[Suggestion]:
    plan = facts.savings_plan
    if plan is None:
        return []
    saving = plan.estimated_monthly_savings_usd
    if not (math.isfinite(saving) and saving > 0):
        return []
    term = _TERMS.get(plan.term, plan.term)
    payment = _PAYMENTS.get(plan.payment_option, plan.payment_option)
    lookback = _LOOKBACKS.get(plan.lookback, plan.lookback)
    in_usd = plan.currency == "USD"
    commitment = (
        f", committing {_money(plan.hourly_commitment_usd or 0.0, plan.currency)} per hour,"
        if _finite(plan.hourly_commitment_usd)
        else ""
    )
    detail = (
        f"Cost Explorer recommends a {term} SageMaker Savings Plan ({payment}){commitment} "
        f"based on this account's SageMaker usage over the last {lookback}. The plan lowers "
        "the price of SageMaker usage (Studio, training, processing, hosting and more) in any "
        "region in exchange for the hourly commitment, which is billed whether it is used or "
        "not: check that the usage will stay at least that steady for the whole term."
    )
    return [
        Suggestion(
            id=suggestion_id(NAME, "account", facts.account or ""),
            rule=NAME,
            title=f"Buy a {term} SageMaker Savings Plan",
            detail=detail,
            saving_usd_per_month=saving if in_usd else None,
            saving_note=(
                None
                if in_usd
                else f"Cost Explorer answered in {plan.currency}, not USD; its figure is in "
                "the arithmetic."
            ),
            arithmetic=_arithmetic(plan, term, payment, lookback),
            docs_url=DOCS,
            resource=ResourceRef("account", facts.account or "this account"),
        )
    ]


RULE = Rule(name=NAME, needs=("savings-plan",), run=run)
