"""Cost Explorer's figure for a user's month: what AWS billed to the resources SageMaker
tagged with the user's profile (`sagemaker:user-profile-arn`), beside the ledger's own count.

Pure: no tornado. The AWS call and the clock are injected. AWS bills every GetCostAndUsage
request, so an app asks at most once a day (the answer is kept in the state directory,
`cost-explorer.json`, across restarts), and after a refusal (no permission, the tag not
activated) not again for a day either. The figure is AWS's own but late: a cost allocation
tag's costs appear 24 to 48 hours after they are incurred, which the document says.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from ..aws import AwsError
from ..statefiles import MISSING, read_json, set_aside, stored_amount, stored_time, write_json

log = logging.getLogger(__name__)

#: The cost allocation tag SageMaker puts on a Studio user's apps, jobs and endpoints.
TAG_KEY = "sagemaker:user-profile-arn"
#: What the figure lags by, in AWS's documented words for cost allocation tags.
LAG_NOTE = "tags appear in Cost Explorer 24 to 48 hours late"
#: The most the figure lags by, in hours (the upper end of the above).
LAG_HOURS = 48
#: Cost Explorer answers in this region only.
COST_EXPLORER_REGION = "us-east-1"
FILE_NAME = "cost-explorer.json"
MAX_BYTES = 64 * 1024
#: A good answer is reused this long (each request is billed by AWS).
REFRESH_SECONDS = 86400.0
#: After a failure that may pass (throttling, no answer), ask again this much later.
RETRY_SECONDS = 3600.0
METRIC = "UnblendedCost"


def month_period(now: datetime) -> tuple[str, str, str]:
    """(month "YYYY-MM", Start, End) of the UTC month so far; End is exclusive (tomorrow),
    as GetCostAndUsage wants it."""
    today = now.astimezone(timezone.utc).date()
    start = today.replace(day=1)
    return start.strftime("%Y-%m"), start.isoformat(), (today + timedelta(days=1)).isoformat()


def request(now: datetime, user_profile_arn: str | None = None) -> dict[str, Any]:
    """GetCostAndUsage's parameters: the month so far, for one user (a tag filter) or for
    every user (grouped by the tag, for the admin's audit)."""
    _, start, end = month_period(now)
    params: dict[str, Any] = {
        "TimePeriod": {"Start": start, "End": end},
        "Granularity": "MONTHLY",
        "Metrics": [METRIC],
    }
    if user_profile_arn is None:
        params["GroupBy"] = [{"Type": "TAG", "Key": TAG_KEY}]
    else:
        params["Filter"] = {"Tags": {"Key": TAG_KEY, "Values": [user_profile_arn]}}
    return params


def _amount(metrics: Any) -> float | None:
    """A USD amount from a `Total` or a group's `Metrics`; None for anything else."""
    metric = (metrics or {}).get(METRIC) if isinstance(metrics, dict) else None
    if not isinstance(metric, dict) or metric.get("Unit", "USD") != "USD":
        return None
    try:
        value = float(metric.get("Amount"))  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    return value if math.isfinite(value) and value >= 0 else None


def total(answer: dict[str, Any]) -> tuple[float | None, bool]:
    """(the sum over the answer's periods, whether AWS marks any of it estimated)."""
    amounts = []
    estimated = False
    for period in answer.get("ResultsByTime") or []:
        amounts.append(_amount(period.get("Total")))
        estimated = estimated or bool(period.get("Estimated"))
    if not amounts or any(a is None for a in amounts):
        return None, estimated
    return round(sum(a for a in amounts if a is not None), 2), estimated


def by_user(answer: dict[str, Any]) -> dict[str, float]:
    """The grouped answer as {user profile ARN: USD}; costs without the tag are left out."""
    users: dict[str, float] = {}
    prefix = f"{TAG_KEY}$"
    for period in answer.get("ResultsByTime") or []:
        for group in period.get("Groups") or []:
            keys = group.get("Keys") or []
            if not keys or not str(keys[0]).startswith(prefix):
                continue
            arn = str(keys[0])[len(prefix) :]
            amount = _amount(group.get("Metrics"))
            if arn and amount is not None:
                users[arn] = round(users.get(arn, 0.0) + amount, 2)
    return users


def problem(err: Exception) -> str:
    """What to tell the user when Cost Explorer did not answer."""
    if isinstance(err, AwsError) and err.access_denied:
        return (
            "no permission for ce:GetCostAndUsage (the ledger's figure is what this extension "
            "counted)"
        )
    return f"Cost Explorer did not answer ({err})"


@dataclass(eq=False)
class CostExplorerFigure:
    """This user's month in Cost Explorer, asked at most once a day and kept on disk."""

    directory: Path
    #: `aws.call`-like: (service, operation, **params) -> answer; raises AwsError.
    aws_call: Callable[..., Awaitable[dict[str, Any]]]
    clock: Callable[[], datetime]
    _state: dict[str, Any] | None = field(default=None, init=False)
    _loaded: bool = field(default=False, init=False)
    #: One request at a time: two ticks at once (the background one and another) ask once.
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)

    @property
    def path(self) -> Path:
        return self.directory / FILE_NAME

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        value, why = read_json(self.path, MAX_BYTES)
        if why == MISSING:
            return
        if why is not None or not isinstance(value, dict):
            set_aside(self.path, why or "it is not an object", log, "Cost Explorer figure")
            return
        fetched = stored_time(value.get("fetched_at"))
        if fetched is None:
            return
        self._state = {
            "arn": value.get("arn") if isinstance(value.get("arn"), str) else None,
            "month": value.get("month") if isinstance(value.get("month"), str) else None,
            "usd": stored_amount(value.get("usd")),
            "estimated": value.get("estimated") is True,
            "as_of": value.get("as_of") if isinstance(value.get("as_of"), str) else None,
            "fetched_at": fetched,
            "error": str(value["error"])[:500] if value.get("error") else None,
            "retry_at": stored_time(value.get("retry_at")) or fetched,
        }

    def due(self, user_profile_arn: str, now: datetime) -> bool:
        """Whether to ask AWS now: no answer for this user and month, or its time is up."""
        self._load()
        state = self._state
        month, _, _ = month_period(now)
        if state is None or state["arn"] != user_profile_arn or state["month"] != month:
            return True
        return bool(now >= state["retry_at"])

    async def refresh(self, user_profile_arn: str) -> None:
        """Ask Cost Explorer if due; never raises (the budget goes on without it)."""
        async with self._lock:
            await self._refresh(user_profile_arn)

    async def _refresh(self, user_profile_arn: str) -> None:
        now = self.clock()
        if not self.due(user_profile_arn, now):
            return
        month, _, end = month_period(now)
        usd: float | None = None
        estimated = False
        error: str | None = None
        retry = REFRESH_SECONDS
        try:
            answer = await self.aws_call(
                "ce",
                "get_cost_and_usage",
                region=COST_EXPLORER_REGION,
                **request(now, user_profile_arn),
            )
            usd, estimated = total(answer)
            if usd is None:
                error = "Cost Explorer's answer had no USD amount"
        except AwsError as err:
            error = problem(err)
            if not err.access_denied:
                retry = RETRY_SECONDS
        except Exception as err:  # a bug guard: the budget never breaks the server
            log.exception("jupyter-smcost: asking Cost Explorer failed")
            error, retry = problem(err), RETRY_SECONDS
        if error:
            log.info("jupyter-smcost: %s", error)
        previous = self._state
        if usd is None and previous and previous["month"] == month and previous["usd"] is not None:
            # Keep the last good figure of this month, with the error beside it.
            usd, estimated = previous["usd"], previous["estimated"]
            as_of = previous["as_of"]
        else:
            as_of = end if usd is not None else None
        self._state = {
            "arn": user_profile_arn,
            "month": month,
            "usd": usd,
            "estimated": estimated,
            "as_of": as_of,
            "fetched_at": now,
            "error": error,
            "retry_at": now + timedelta(seconds=retry),
        }
        self._save()

    def _save(self) -> None:
        state = self._state
        if state is None:
            return
        document = {
            **state,
            "fetched_at": state["fetched_at"].isoformat(),
            "retry_at": state["retry_at"].isoformat(),
        }
        try:
            write_json(self.path, document, MAX_BYTES)
        except (OSError, ValueError) as err:
            log.warning("jupyter-smcost: cannot write %s: %s", self.path, err)

    def document(self, user_profile_arn: str | None, now: datetime) -> dict[str, Any] | None:
        """`GET budget`'s `cost_explorer`: this month's figure for this user, or why not."""
        self._load()
        state = self._state
        month, _, _ = month_period(now)
        if user_profile_arn is None:
            return {
                "usd": None,
                "month": month,
                "as_of": None,
                "estimated": False,
                "fetched_at": None,
                "lag_hours": LAG_HOURS,
                "lag_note": LAG_NOTE,
                "error": "the user profile is not known here: Cost Explorer is not asked",
            }
        if state is None or state["arn"] != user_profile_arn or state["month"] != month:
            return None  # not asked yet this month
        return {
            "usd": state["usd"],
            "month": month,
            # Cost Explorer's period ends (exclusive) here; the tag's lag comes on top.
            "as_of": state["as_of"],
            "estimated": state["estimated"],
            "fetched_at": state["fetched_at"].isoformat(),
            "lag_hours": LAG_HOURS,
            "lag_note": LAG_NOTE,
            "error": state["error"],
        }
