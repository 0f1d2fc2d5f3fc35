"""The suggestions as the server keeps them: computed in the background (requests read the
last result and at most start a refresh, never wait for one), filtered by each user's
dismissals, and the actions a user confirms, each written to the audit log.

No tornado import; the handlers in routes.py translate HTTP to these calls.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timezone
from typing import Any

from ..jsonsafe import dumps
from ..refresh import Gate, Refresher
from .actions import IDLE_ACTIONS, OTHERS_TRAIT, ActionError, ActionRunner
from .budget_outlook import outlook
from .config import Suggestions
from .engine import Outcome, run_rules
from .model import Facts, Problem, Suggestion, Thresholds
from .rules import rule_names
from .store import AuditLog, DismissStore

log = logging.getLogger(__name__)

NOT_YOURS = (
    "Its tags do not show it is yours (it may be another user's), so no action is offered here; "
    f"an administrator can allow actions on others' resources with {OTHERS_TRAIT} = True."
)


def same_outcome(before: Outcome, after: Outcome) -> bool:
    """Whether a refresh found the same advice on the same resources (the savings figures
    of idle resources grow on their own)."""

    def key(outcome: Outcome) -> tuple[Any, ...]:
        return (
            sorted((s.id, s.fingerprint) for s in outcome.suggestions),
            sorted((str(p.source), p.code) for p in outcome.problems),
        )

    return key(before) == key(after)


class SuggestionsService:
    def __init__(
        self,
        config: Suggestions,
        collect: Callable[[Thresholds, list[str]], Awaitable[Facts]],
        runner: ActionRunner,
        dismissals: DismissStore,
        audit: AuditLog,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        monotonic: Callable[[], float] = time.monotonic,
        max_backoff_seconds: float = 3600.0,
        max_ttl_seconds: float | Callable[[], float] | None = None,
        acted: Callable[[], float] | None = None,
        jitter: float = 0.0,
        rng: random.Random | None = None,
        gate: Gate | None = None,
        busy: Callable[[], dict[str, str] | None] | None = None,
        budget: Callable[[], dict[str, Any] | None] | None = None,
    ) -> None:
        self.config = config
        #: The monthly budget's last document (`GET budget`): over it, the outlook.
        self.budget = budget or (lambda: None)
        #: Whether AWS throttles this process's background reads (`Pace.busy_json`):
        #: `aws_busy` of the document.
        self._busy = busy or (lambda: None)
        self._collect = collect
        self.runner = runner
        self.dismissals = dismissals
        self.audit = audit
        self._clock = clock
        self._monotonic = monotonic
        self.generated_at: datetime | None = None
        self._by_id: dict[str, Suggestion] = {}
        # ARNs the last facts showed not provably the user's (scope "account").
        self._not_yours: frozenset[str] = frozenset()
        # Suggestions acted on, with when (monotonic): hidden until a refresh that started
        # after the action shows the new state (one in flight meanwhile read AWS before it;
        # the refresher does not count it as fresh either, see `invalidate`).
        self._acted: dict[str, float] = {}
        # The action running on each resource, and what it is (one at a time per resource).
        self._running: dict[str, tuple[tuple[str, str, str], asyncio.Future[dict[str, Any]]]] = {}
        self._refresher: Refresher[Outcome] = Refresher(
            self._compute,
            lambda: self.config.ttl_seconds,
            failed=lambda outcome: any(
                p.code in ("throttled", "aws-error") for p in outcome.problems
            ),
            max_backoff_seconds=max_backoff_seconds,
            clock=monotonic,
            what="computing suggestions",
            same=same_outcome,
            max_ttl_seconds=max_ttl_seconds,
            acted=acted,
            jitter=jitter,
            rng=rng,
            gate=gate,
        )
        self._body: tuple[tuple[Any, ...], bytes] | None = None
        unknown = sorted(set(config.disabled_rules) - set(rule_names()))
        if unknown:
            log.warning(
                "jupyter-smcost: c.Suggestions.disabled_rules names no such rule: %s (rules: %s)",
                ", ".join(unknown),
                ", ".join(rule_names()),
            )

    # -- the background refresh ------------------------------------------------------

    @property
    def outcome(self) -> Outcome | None:
        """The last suggestions computed (kept when a later refresh fails)."""
        return self._refresher.current

    @property
    def error(self) -> str | None:
        """Why the last refresh failed, if it did."""
        err = self._refresher.error
        return None if err is None else f"computing suggestions failed: {err!r}"

    @property
    def refreshes(self) -> int:
        return self._refresher.refreshes

    @property
    def inflight(self) -> asyncio.Future[Outcome | None] | None:
        """The refresh in flight (the app cancels it when the server stops)."""
        return self._refresher.inflight

    @property
    def loading(self) -> bool:
        return self._refresher.loading

    def start_refresh(self) -> asyncio.Future[Outcome | None]:
        return self._refresher.start_refresh()

    def invalidate(self) -> None:
        """Something the rules read changed (a price became known, an action ran)."""
        self._refresher.invalidate()

    async def settled(self) -> None:
        """Wait for the refresh in flight, if any (tests, benchmarks)."""
        await self._refresher.settled()

    async def _compute(self, started: float) -> Outcome:
        disabled = list(self.config.disabled_rules)
        facts = await self._collect(self.config.thresholds(), disabled)
        outcome = run_rules(facts, self.config.thresholds(), disabled)
        self.generated_at = facts.now
        self._by_id = {s.id: s for s in outcome.suggestions}
        self._not_yours = facts.not_yours
        self._acted = {k: at for k, at in self._acted.items() if at >= started}
        return outcome

    # -- what a request reads --------------------------------------------------------

    def document_body(self, user: str, *, actions_allowed: bool) -> bytes:
        """`document` as UTF-8 JSON, serialized once per result, dismissals, actions and
        `aws_busy` (every open tab polls it; the same bytes are sent until one of those
        changes)."""
        if self.config.enabled:
            self._refresher.refresh_if_stale()
        budget = self.budget()
        key = (
            self._busy() if self.config.enabled else None,
            None
            if not budget
            # The outlook moves with the projection, and with the hours left (by the hour).
            else (
                budget.get("state"),
                budget.get("projected_usd"),
                int(budget.get("hours_left") or 0),
            ),
            self.outcome,
            self.error,
            frozenset(self.dismissals.hidden(user)),
            frozenset(self._acted),
            bool(actions_allowed),
            self.config.enabled,
        )
        cached = self._body
        if cached is not None and cached[0] == key:
            return cached[1]
        body = dumps(self.document(user, actions_allowed=actions_allowed)).encode()
        self._body = (key, body)
        return body

    def document(self, user: str, *, actions_allowed: bool) -> dict[str, Any]:
        """The `GET suggestions` document for `user`; starts a refresh when stale."""
        config = self.config
        doc: dict[str, Any] = {
            "generated_at": self.generated_at.isoformat() if self.generated_at else None,
            "state": "loading",
            "suggestions": [],
            "total_saving_usd_per_month": 0.0,
            "problems": [],
            "actions_allowed": bool(config.allow_actions and actions_allowed),
            "ttl_seconds": config.ttl_seconds,
            "dismissed": 0,
            "message": None,
            "aws_busy": None,
            "budget": None,
        }
        if not config.enabled:
            doc["state"] = "disabled"
            doc["message"] = "Savings suggestions are turned off (c.Suggestions.enabled)."
            return doc
        self._refresher.refresh_if_stale()
        # The suggestions are those of `generated_at` while AWS throttles.
        doc["aws_busy"] = self._busy()
        outcome = self.outcome
        if outcome is None:
            if self.error:
                doc["state"] = "error"
                doc["message"] = self.error
            return doc
        hidden = self.dismissals.hidden(user)
        shown = [s for s in outcome.suggestions if s.id not in hidden and s.id not in self._acted]
        summary, extra = outlook(self.budget(), [(s.id, s.saving_usd_per_month) for s in shown])
        doc["suggestions"] = [{**self._card(s), **extra.get(s.id, {})} for s in shown]
        doc["budget"] = summary
        doc["dismissed"] = sum(1 for s in outcome.suggestions if s.id in hidden)
        # The sum of the figures shown (each in cents).
        doc["total_saving_usd_per_month"] = round(
            sum(round(s.saving_usd_per_month or 0.0, 2) for s in shown), 2
        )
        problems: list[Problem] = list(outcome.problems)
        doc["problems"] = [p.to_json() for p in problems]
        doc["state"] = "partial" if problems else "ok"
        if self.error:
            doc["message"] = f"{self.error}; showing the last result"
        return doc

    def _card(self, suggestion: Suggestion) -> dict[str, Any]:
        """A suggestion as GET suggestions shows it: on a resource that is not provably the
        user's, no AWS action is offered (the runner would refuse it), and the card says why."""
        card = suggestion.to_json()
        resource = suggestion.resource
        if (
            resource is None
            or resource.arn not in self._not_yours
            or self.config.allow_actions_on_others
        ):
            return card
        card["actions"] = [a for a in card["actions"] if a["id"] in IDLE_ACTIONS]
        card["warning"] = " ".join(filter(None, [card.get("warning"), NOT_YOURS]))
        return card

    # -- what a user does ------------------------------------------------------------

    def dismiss(self, user: str, suggestion_id: str, days: float | None) -> dict[str, Any]:
        until, error = self.dismissals.dismiss(user, suggestion_id, days)
        return {
            "dismissed": suggestion_id,
            "until": until,
            "saved": error is None,
            "save_error": error,
        }

    def restore(self, user: str, suggestion_id: str) -> dict[str, Any]:
        was, error = self.dismissals.restore(user, suggestion_id)
        return {"restored": suggestion_id, "was_dismissed": was, "saved": error is None}

    async def act(
        self, actor: Mapping[str, Any], suggestion_id: str, action_id: str, values: Any = None
    ) -> dict[str, Any]:
        """Run one action of a current suggestion; raises ActionError (status, message).

        `actor`: who asks, as the audit log records it (`user`, `user_id`, `auth`,
        `server_owner`). One action per resource at a time: the same request while it runs
        gets its answer; another action on that resource a 409."""
        suggestion = self._by_id.get(suggestion_id)
        resource = suggestion.resource if suggestion is not None else None
        key = f"{resource.kind}:{resource.arn or resource.name}" if resource else suggestion_id
        request = (suggestion_id, action_id, dumps(values))
        running = self._running.get(key)
        if running is not None:
            if running[0] == request:
                return await asyncio.shield(running[1])
            name = resource.name if resource else suggestion_id
            busy = ActionError(
                409, f"An action on {name} is in progress; try again when it has finished."
            )
            entry = self._entry(actor, suggestion_id, action_id)
            entry.update(result=busy.result, status=busy.status, message=busy.message)
            self.audit.append(entry)
            raise busy
        future: asyncio.Future[dict[str, Any]] = asyncio.ensure_future(
            self._act(actor, suggestion_id, action_id, values)
        )
        self._running[key] = (request, future)
        try:
            return await asyncio.shield(future)
        finally:
            if future.done() and self._running.get(key, (None, None))[1] is future:
                del self._running[key]
            elif not future.done():  # this request was cancelled: forget it once it ends
                future.add_done_callback(lambda f: self._forget_running(key, f))

    def _entry(
        self, actor: Mapping[str, Any], suggestion_id: str, action_id: str
    ) -> dict[str, Any]:
        """The start of an audit log entry: when, who, what."""
        return {
            "time": self._clock().isoformat(),
            **actor,
            "suggestion_id": suggestion_id,
            "action_id": action_id,
        }

    def _forget_running(self, key: str, future: asyncio.Future[dict[str, Any]]) -> None:
        if self._running.get(key, (None, None))[1] is future:
            del self._running[key]
        if not future.cancelled():
            future.exception()  # retrieved: no "never retrieved" warning

    async def _act(
        self, actor: Mapping[str, Any], suggestion_id: str, action_id: str, values: Any
    ) -> dict[str, Any]:
        entry = self._entry(actor, suggestion_id, action_id)
        who = actor.get("user")
        try:
            if not self.config.allow_actions:
                raise ActionError(
                    403,
                    "Actions are turned off by the administrator (c.Suggestions.allow_actions).",
                )
            suggestion = self._by_id.get(suggestion_id)
            if suggestion is None or suggestion_id in self._acted:
                raise ActionError(
                    404, "No such suggestion now (it may have been resolved); refresh the list."
                )
            action = suggestion.action(action_id)
            if action is None:
                raise ActionError(400, f"The suggestion offers no action {action_id!r}.")
            entry.update(
                rule=suggestion.rule,
                resource=suggestion.resource.to_json() if suggestion.resource else None,
                params=dict(action.params),
                saving_usd_per_month=suggestion.saving_usd_per_month,
            )
            message = await self.runner.run(suggestion, action, values)
        except ActionError as err:
            entry.update(result=err.result, status=err.status)
            entry["message"] = err.message
            if err.iam_action:
                entry["iam_action"] = err.iam_action
            self.audit.append(entry)
            if err.status in (409, 504):
                self.invalidate()
            log.info(
                "jupyter-smcost: action %s on %s by %s: %s",
                action_id,
                suggestion_id,
                who,
                err.message,
            )
            raise
        entry.update(result="ok", status=200, message=message)
        self.audit.append(entry)
        log.info("jupyter-smcost: action %s by %s: %s", action_id, who, message)
        self._acted[suggestion_id] = self._monotonic()
        self.invalidate()
        return {
            "ok": True,
            "message": message,
            "suggestion_id": suggestion_id,
            "action_id": action_id,
        }
