"""Over (or on course to go over) the monthly budget: what each suggestion saves by the
month's end, whether it alone brings the projection under the budget, and how many of the
suggestions, taken in the panel's order, are needed for that.

Pure. The panel's order stays "largest saving first": with the month's hours left the same
for every suggestion, that is also the order of what takes the projection down most; this
module says where in that list the projection crosses the budget.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from ..cost.pricing.components import HOURS_PER_MONTH

#: Budget states that call for the outlook (cost/budget.py's `budget_state`).
STATES = frozenset({"near", "over"})


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def outlook(
    budget: Mapping[str, Any] | None, savings: Sequence[tuple[str, float | None]]
) -> tuple[dict[str, Any] | None, dict[str, dict[str, Any]]]:
    """(the document's `budget` section or None, {suggestion id: its card's extra fields})
    from `GET budget`'s document and the shown suggestions' (id, saving $/month), in order."""
    if not budget or budget.get("state") not in STATES:
        return None, {}
    limit = _number(budget.get("budget_usd"))
    projected = _number(budget.get("projected_usd"))
    spent = _number(budget.get("spent_usd"))
    hours = _number(budget.get("hours_left"))
    if limit is None or projected is None or spent is None or hours is None:
        return None, {}
    share = max(0.0, hours) / HOURS_PER_MONTH
    over_by = projected - limit
    cards: dict[str, dict[str, Any]] = {}
    needed: int | None = None
    cumulative = 0.0
    for position, (suggestion_id, monthly) in enumerate(savings, start=1):
        by_month_end = None if monthly is None else round(max(0.0, monthly) * share, 2)
        cards[suggestion_id] = {
            "saving_to_month_end_usd": by_month_end,
            # Spend so far cannot be undone: with it at the budget, nothing brings it under.
            "brings_under_budget": by_month_end is not None
            and spent < limit
            and projected - by_month_end < limit,
        }
        cumulative += by_month_end or 0.0
        if needed is None and over_by > 0 and spent < limit and projected - cumulative < limit:
            needed = position
    summary = {
        "state": budget.get("state"),
        "budget_usd": limit,
        "projected_usd": projected,
        "over_by_usd": round(over_by, 2),
        "saving_to_month_end_usd": round(cumulative, 2),
        "projected_with_all_usd": round(max(spent, projected - cumulative), 2),
        # How many of the first suggestions bring the projection under (None: they cannot,
        # or it is not over).
        "suggestions_needed": needed,
    }
    return summary, cards
