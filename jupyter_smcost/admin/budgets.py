"""The audit's per-user budget columns (`jupyter smcost audit --budgets`): the budget in force
for each user with running apps, what they spent this month as far as the audit can tell,
the projection to the month's end and the state, computed as the extension computes them.

- The budget: the user profile's tag `jupyter-smcost:monthly-budget-usd` (one ListTags per
  profile), else the budget the admin gives (`--monthly-budget-usd`, the value their
  lifecycle script carries), else none.
- Spent: the larger of two floors. The running apps' cost this month (their rate x their
  running time since the month began; finished jobs and apps stopped earlier are not seen),
  and, with `--cost-explorer`, Cost Explorer's month so far for the user's tag
  `sagemaker:user-profile-arn` (all their tagged SageMaker spend, 24 to 48 h late): one
  GetCostAndUsage for the whole account, grouped by the tag. Each user's own ledger is in
  their space and is not read.

Pure over the injected clients: no Jupyter, no tornado.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..aws import translate_error
from ..cost import cost_explorer
from ..cost.budget import budget_state, projection
from ..cost.budget_service import tag_budget

Client = Any


def _per_user_arns(document: dict[str, Any]) -> dict[str, str | None]:
    """{per-user key: the owner's profile ARN} from the audited apps."""
    arns: dict[str, str | None] = {}
    for app in document["apps"]:
        owner = app["owner_user_profile_name"] or f"space {app['space_name']}"
        key = f"{app['domain_id']}/{owner}"
        arns[key] = arns.get(key) or app.get("owner_user_profile_arn")
    return arns


def _cost_explorer(ce: Client, now: datetime) -> tuple[dict[str, float], str | None, int]:
    """({profile ARN: USD}, an error, calls made): the month so far, grouped by the tag."""
    params = cost_explorer.request(now)
    found: dict[str, float] = {}
    calls = 0
    try:
        while True:
            answer = ce.get_cost_and_usage(**params)
            calls += 1
            for arn, usd in cost_explorer.by_user(answer).items():
                found[arn] = round(found.get(arn, 0.0) + usd, 2)
            token = answer.get("NextPageToken")
            if not token:
                return found, None, calls
            params = {**params, "NextPageToken": token}
    except Exception as err:
        return found, str(translate_error("GetCostAndUsage", err)), calls


def add_budgets(
    client: Client,
    document: dict[str, Any],
    *,
    now: datetime,
    budget_usd: float | None,
    ce: Client | None = None,
) -> None:
    """Add the budget columns to each of `document["totals"]["per_user"]`, and a `budgets`
    section saying what they rest on; problems go to `document["problems"]`."""
    per_user: dict[str, dict[str, Any]] = document["totals"]["per_user"]
    arns = _per_user_arns(document)
    month, _, end = cost_explorer.month_period(now)
    explorer: dict[str, float] = {}
    explorer_error: str | None = None
    if ce is not None:
        explorer, explorer_error, calls = _cost_explorer(ce, now)
        document["aws_calls"] += calls
        if explorer_error:
            document["problems"].append(f"Cost Explorer: {explorer_error}")
    tags_read = 0
    for key, user in per_user.items():
        arn = arns.get(key)
        budget, source, note = budget_usd, "admin" if budget_usd is not None else None, None
        if arn is not None:
            try:
                answer = client.list_tags(ResourceArn=arn)
                tags_read += 1
                tagged, note = tag_budget(list(answer.get("Tags") or []))
                if tagged is not None:
                    budget, source = tagged, "tag"
            except Exception as err:
                note = f"the profile's tags: {translate_error('ListTags', err)}"
                document["problems"].append(f"{key}: {note}")
        elif not key.split("/", 1)[1].startswith("space "):
            note = "the user profile could not be read: its tag is not known"
        apps_usd = float(user["month_cost_usd"])
        explorer_usd = explorer.get(arn) if arn is not None and ce is not None else None
        if ce is not None and explorer_error is None and arn is not None and explorer_usd is None:
            explorer_usd = 0.0  # Cost Explorer answered, and nothing carries this user's tag
        spent = max(apps_usd, explorer_usd or 0.0)
        projected, _ = projection(spent, float(user["usd_per_hour"]), now)
        user.update(
            {
                "budget_usd": budget,
                "budget_source": source,
                "cost_explorer_usd": explorer_usd,
                "spent_usd": round(spent, 2),
                "projected_usd": None if projected is None else round(projected, 2),
                "budget_state": budget_state(budget, spent, projected),
                "budget_note": note,
            }
        )
    document["aws_calls"] += tags_read
    document["budgets"] = {
        "month": month,
        "budget_usd": budget_usd,
        "cost_explorer": None
        if ce is None
        else {
            "as_of": end,
            "error": explorer_error,
            "lag_note": cost_explorer.LAG_NOTE,
        },
        "spent": "the larger of the running apps' cost this month and Cost Explorer's figure "
        "(both are floors of what AWS bills)",
    }
