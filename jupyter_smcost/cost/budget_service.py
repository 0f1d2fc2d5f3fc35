"""The monthly budget as the server runs it: which budget applies, the ledger's observations
(a background tick), the `GET budget` document, and the idle timeout tightened while over.

No tornado import. The cost service (this app's rate), the resources listing, the prices,
the user's identity, the AWS call and the clock are injected.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from ..aws import AwsError
from ..environment import Environment, Kind
from ..idle.settings import SettingsError, parse_usd
from .app_cost import PriceLike
from .budget import (
    SOURCE_OF_KIND,
    SOURCES,
    THIS_APP,
    BudgetLedger,
    Observed,
    budget_state,
    next_month_start,
    projection,
)
from .cost_explorer import CostExplorerFigure
from .inventory import Identity
from .pricing.model import PriceKey
from .resources import Collection, Running, hourly_rate, price_keys, row_price

log = logging.getLogger(__name__)

#: The user profile's tag that sets this user's monthly budget (USD, plain decimal text).
BUDGET_TAG = "jupyter-smcost:monthly-budget-usd"
#: After a failed ListTags, ask again this much later (not at every tick).
TAG_RETRY_SECONDS = 300.0


class CostView(Protocol):
    async def cost_json(self, wait_seconds: float = 3.0) -> dict[str, Any]: ...


class MonitorView(Protocol):
    current: Collection | None

    async def get(self, wait_seconds: float = 2.0) -> Collection | None: ...


class PricesView(Protocol):
    async def get_many(
        self, keys: Iterable[PriceKey], wait_seconds: float
    ) -> Mapping[PriceKey, PriceLike]: ...


class IdleView(Protocol):
    def set_budget_timeout(self, minutes: float | None) -> None: ...


@dataclass(frozen=True)
class AdminBudget:
    """The admin's values and where each came from ("policy", "config" or "default")."""

    monthly_usd: float | None = None
    over_budget_timeout_minutes: float | None = None
    sources: dict[str, str] = field(default_factory=dict)


def row_id(r: Running) -> str:
    """The ledger's key of a listing's row: an endpoint's variants are rows of one ARN."""
    key = f"{r.kind}|{r.arn or r.name}"
    return f"{key}|{r.detail}" if r.kind == "endpoint" else key


def tag_budget(tags: list[dict[str, Any]]) -> tuple[float | None, str | None]:
    """The budget the profile's tags set, and a note when the tag is there but unusable."""
    for tag in tags:
        if isinstance(tag, dict) and tag.get("Key") == BUDGET_TAG:
            try:
                return parse_usd(tag.get("Value"), BUDGET_TAG), None
            except SettingsError as err:
                return None, f"the user profile's tag {err.message}; the admin's budget applies"
    return None, None


@dataclass(eq=False)
class BudgetService:
    admin: AdminBudget
    ledger: BudgetLedger
    env: Callable[[], Environment]
    cost: CostView
    monitor: MonitorView
    prices: PricesView
    idle: IdleView
    whoami: Callable[[], Awaitable[Identity]]
    #: `aws.call`-like: (service, operation, **params) -> answer; raises AwsError.
    aws_call: Callable[..., Awaitable[dict[str, Any]]]
    clock: Callable[[], datetime]
    observe_seconds: float = 60.0
    tag_ttl_seconds: float = 3600.0
    #: The listing's longest normal interval (its max TTL with jitter), for the gap cap.
    listing_interval: Callable[[], float] = lambda: 1800.0
    resources_enabled: bool = True
    #: Cost Explorer's figure beside the ledger's (c.Budget.cost_explorer), or None.
    cost_explorer: CostExplorerFigure | None = None
    monotonic: Callable[[], float] = time.monotonic
    _rate: float | None = field(default=None, init=False)
    #: Whether this app runs (None: not asked yet, so not observed yet).
    _rate_known: bool | None = field(default=None, init=False)
    _rows: list[tuple[Observed, str]] = field(default_factory=list, init=False)
    _tag: tuple[float, float | None, str | None] | None = field(default=None, init=False)
    _task: asyncio.Task[None] | None = field(default=None, init=False)
    _notes: list[str] = field(default_factory=list, init=False)
    #: The last `GET budget` document (a tick's or a request's), for the suggestions.
    last: dict[str, Any] | None = field(default=None, init=False)
    #: The user profile's ARN as the budget tag's read last found it (Cost Explorer's
    #: filter).
    _profile_arn: str | None = field(default=None, init=False)

    # -- which budget ------------------------------------------------------------------

    async def _profile_tag(self) -> tuple[float | None, str | None]:
        """The user profile's budget tag (cached), and a note; never raises. Read only where
        the admin set a budget: the tag adjusts it per user, and an app with no budget makes
        no AWS call for one (0 calls at rest, as the call budget promises)."""
        env = self.env()
        if env.kind not in (Kind.STUDIO_SPACE, Kind.STUDIO_CLASSIC):
            return None, None
        if self.admin.monthly_usd is None:
            return None, None
        now = self.monotonic()
        if self._tag is not None and now < self._tag[0]:
            return self._tag[1], self._tag[2]
        value: float | None = None
        note: str | None = None
        ttl = self.tag_ttl_seconds
        try:
            ident = await self.whoami()
            arn = self._profile_arn = ident.user_profile_arn
            if arn is None:
                note = "the user profile is not known here: its budget tag is not read"
            else:
                answer = await self.aws_call("sagemaker", "list_tags", ResourceArn=arn)
                value, note = tag_budget(list(answer.get("Tags") or []))
        except AwsError as err:
            ttl = TAG_RETRY_SECONDS
            what = "no permission for sagemaker:ListTags" if err.access_denied else str(err)
            note = f"cannot read the user profile's budget tag ({what}); the admin's budget applies"
        except Exception as err:  # a bug guard: the budget never breaks the server
            ttl = TAG_RETRY_SECONDS
            log.exception("jupyter-smcost: reading the budget tag failed")
            note = f"cannot read the user profile's budget tag ({err!r})"
        if note:
            log.info("jupyter-smcost: %s", note)
        self._tag = (now + ttl, value, note)
        return value, note

    def _budget(self) -> tuple[float | None, str, str | None]:
        """(budget in force, its source, a note) from the cached tag and the admin's values."""
        tag = self._tag
        if tag is not None and tag[1] is not None:
            return tag[1], "tag", tag[2]
        note = tag[2] if tag is not None else None
        return (
            self.admin.monthly_usd,
            self.admin.sources.get("monthly_usd", "default"),
            note,
        )

    # -- observations ------------------------------------------------------------------

    async def _this_app(self) -> tuple[float | None, bool]:
        """(this app's $/h, whether it runs), from the cost service."""
        try:
            cost = await self.cost.cost_json(wait_seconds=1.0)
        except Exception:  # a bug guard
            log.exception("jupyter-smcost: the budget cannot read this app's cost")
            return None, True
        if cost.get("frozen"):
            return 0.0, False  # stopped by the idle shutdown: no more cost
        rate = cost.get("usd_per_hour")
        if isinstance(rate, int | float) and math.isfinite(rate) and rate >= 0:
            return float(rate), True
        codes = {p.get("code") for p in cost.get("problems") or []}
        if "no-charge" in codes or (self.env().kind is Kind.LOCAL and "no-instance-type" in codes):
            return 0.0, True  # Studio Classic's free JupyterServer; a plain local server
        return None, True

    async def _listing(self, refresh: bool) -> tuple[Collection | None, list[tuple[Observed, str]]]:
        """The user's running resources as observations (and each row's unpriced reason)."""
        if not self.resources_enabled:
            return None, []
        collection = await self.monitor.get(0.5) if refresh else self.monitor.current
        region = self.env().region
        if collection is None:
            return None, []
        keys = list(dict.fromkeys(price_keys(collection.rows, region)))
        answers = await self.prices.get_many(keys, 1.0) if keys else {}
        prices = {k: v.to_dict() for k, v in answers.items()}
        at = collection.fetched_at
        rows = []
        for r in collection.rows:
            source = SOURCE_OF_KIND.get(r.kind)
            if source is None:
                continue
            rate = hourly_rate(r, row_price(r, prices, region), at)
            rows.append((Observed(row_id(r), source, rate), r.unpriced_reason))
        return collection, rows

    def _observe_self(self, now: datetime) -> None:
        if self._rate_known is None:
            return  # before the first tick: the file's last observation must stay
        running = [Observed(THIS_APP, THIS_APP, self._rate)] if self._rate_known else []
        cap = max(3 * self.observe_seconds, 180.0)
        self.ledger.observe(now, running, [THIS_APP], max_gap_seconds=cap)

    async def tick(self) -> None:
        """One observation of this app and of the listing; the ledger is written."""
        await self._profile_tag()
        budget, _, _ = self._budget()
        if budget is not None and self.cost_explorer is not None:
            await self._cost_explorer()
        rate, runs = await self._this_app()
        self._rate, self._rate_known = rate, runs
        now = self.clock()
        self._observe_self(now)
        # The listing is refreshed for the budget only when one applies (AWS calls).
        collection, rows = await self._listing(refresh=budget is not None)
        if collection is not None:
            failed = {SOURCE_OF_KIND[k] for k in collection.failed_kinds if k in SOURCE_OF_KIND}
            covers = set(SOURCE_OF_KIND.values()) - {THIS_APP} - failed
            gap = 2 * self.listing_interval() + 2 * self.observe_seconds
            # Never later than the budget's own clock (a listing from the future rolls no month).
            at = min(collection.fetched_at, now)
            self.ledger.observe(at, [o for o, _ in rows], covers, max_gap_seconds=gap)
            self._rows = rows
        self.ledger.save()
        self._apply(self.clock())

    async def _cost_explorer(self) -> None:
        """Cost Explorer's figure for this user, at most once a day; never raises."""
        assert self.cost_explorer is not None
        # The profile's ARN as the budget tag's read found it (the same tick, or cached
        # with the tag): no second identity lookup.
        if self._profile_arn is not None:
            await self.cost_explorer.refresh(self._profile_arn)

    def _apply(self, now: datetime) -> dict[str, Any]:
        """The document now, and the idle timeout tightened (or not) to match."""
        document = self._document(now)
        tighten = self.admin.over_budget_timeout_minutes
        self.idle.set_budget_timeout(tighten if document["state"] == "over" else None)
        self.last = document
        return document

    def document(self) -> dict[str, Any]:
        """The `GET budget` document: this app's time counted up to now (in memory; the
        tick writes the ledger), the listing as last observed."""
        now = self.clock()
        self._observe_self(now)
        return self._apply(now)

    def _document(self, now: datetime) -> dict[str, Any]:
        budget, source, tag_note = self._budget()
        month, spent, by_source = self.ledger.spent(now)
        notes = [tag_note] if tag_note else []
        runs = self._rate_known is not False
        unknown = 1 if runs and self._rate is None else 0
        burn = (self._rate or 0.0) if runs else 0.0
        unpriced = 0
        for observed, unpriced_reason in self._rows:
            if observed.usd_per_hour is not None:
                burn += observed.usd_per_hour
            elif unpriced_reason:
                unpriced += 1
            else:
                unknown += 1
        if unpriced:
            notes.append(
                f"{unpriced} running resource(s) not billed by the hour (serverless) are not "
                "counted"
            )
        projected, hours = projection(spent, None if unknown else burn, now)
        if unknown:
            notes.append(
                f"{unknown} running resource(s) have no known price: no projection, and their "
                "time is not counted"
            )
        tighten = self.admin.over_budget_timeout_minutes
        state = budget_state(budget, spent, projected)
        return {
            "generated_at": now.isoformat(),
            "month": month,
            "month_ends_at": next_month_start(now).isoformat(),
            "hours_left": round(hours, 3),
            "budget_usd": budget,
            "budget_source": source if budget is not None else "default",
            "spent_usd": spent,
            "spent_sources": {key: by_source.get(key, 0.0) for key in SOURCES},
            "spent_since": None
            if self.ledger.since is None or self.ledger.month != month
            else self.ledger.since.isoformat(),
            "usd_per_hour": None if unknown else round(burn, 6),
            "unknown_rates": unknown,
            "projected_usd": projected,
            "state": state,
            "share_spent": None if not budget else round(spent / budget, 6),
            "over_budget_timeout_minutes": tighten,
            "timeout_tightened": state == "over" and tighten is not None,
            "previous": self.ledger.previous_month(now),
            "cost_explorer": None
            if self.cost_explorer is None
            or budget is None
            or self.env().kind not in (Kind.STUDIO_SPACE, Kind.STUDIO_CLASSIC)
            else self.cost_explorer.document(self._profile_arn, now),
            "notes": notes,
        }

    # -- the background tick -------------------------------------------------------------

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._loop())

    async def _loop(self) -> None:
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:  # never let one bad tick stop the ledger
                log.exception("jupyter-smcost: the budget's tick failed")
            await asyncio.sleep(self.observe_seconds)

    async def stop(self, timeout: float = 2.0) -> None:
        """Stop the tick and write what was counted (the file write is local and bounded)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.wait([task], timeout=timeout)
        try:
            self._observe_self(self.clock())
            self.ledger.save()
        except Exception:  # the server's exit goes on
            log.exception("jupyter-smcost: cannot write the budget ledger at exit")
