"""The scheduled fleet check: `jupyter smcost audit` run by AWS Lambda on an EventBridge
schedule (deploy/fleet-audit.yaml), reporting to an SNS topic that admins subscribe to.

It needs only botocore (in every Lambda Python runtime) and this package: no Jupyter, no
traitlets. Settings come from the function's environment:

- `SMCOST_DOMAIN_IDS`: comma-separated domain ids, or `*` for every domain of the region
  (unset, empty or malformed: an error, reported, and nothing is audited or deleted);
- `SMCOST_TOPIC_ARN`: where the report goes;
- `SMCOST_IDLE_HOURS` (default 2): an app without user activity this long is idle;
- `SMCOST_ENFORCE_IDLE_HOURS` (default 0, off): delete apps idle at least this long, at
  least 1 h unless `SMCOST_ENFORCE_FORCE` is `true` (a bad value: enforcement is refused).

Report first: with enforcement on, the plan (what will be deleted and why) is published
before anything is deleted, and nothing is deleted without a topic or when that publish
fails; the outcome follows in a second message. The handler never raises after a deletion,
so Lambda's retry of a failed asynchronous invocation cannot run a second round.
"""

from __future__ import annotations

import json
import logging
import os
import re
from datetime import datetime, timezone
from typing import Any

from ..aws import client_config, new_session
from ..cost.pricing.model import PriceKey, PriceResult, Unknown
from ..cost.pricing.pricelist import DEFAULT_ENDPOINT_REGION, make_fetcher
from ..cost.pricing.resolver import PriceResolver
from ..cost.pricing.snapshot import load_snapshot
from .audit import audit, stop_idle
from .limits import check_delete_hours, hours

#: SNS messages are capped at 256 KB; the report lists the first apps and sums the rest.
MAX_LISTED = 200
#: A SageMaker domain id (AWS's own pattern is d-[a-z0-9]+; the emulator's are looser).
DOMAIN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,62}")
ALL_DOMAINS = "*"

log = logging.getLogger(__name__)


class ConfigError(ValueError):
    """A setting of the function's environment that cannot be used, in words."""


def domain_scope(raw: str | None) -> list[str] | None:
    """The domains to check from SMCOST_DOMAIN_IDS; None for every domain (`*` only)."""
    if raw is None or not raw.strip():
        raise ConfigError(
            "SMCOST_DOMAIN_IDS is unset or empty: name the domains to check (comma-separated "
            f"ids), or {ALL_DOMAINS} for every domain of the region"
        )
    items = [item.strip() for item in raw.split(",")]
    if items == [ALL_DOMAINS]:
        return None
    if not all(DOMAIN_ID.fullmatch(item) for item in items):
        raise ConfigError(
            f"SMCOST_DOMAIN_IDS {raw!r} is not a comma-separated list of domain ids (or "
            f"{ALL_DOMAINS} alone for every domain)"
        )
    return list(dict.fromkeys(items))


def idle_hours_setting(environ: dict[str, str] | os._Environ[str]) -> float:
    raw = environ.get("SMCOST_IDLE_HOURS", "").strip()
    try:
        return hours(raw, "SMCOST_IDLE_HOURS") if raw else 2.0
    except ValueError as err:
        raise ConfigError(f"{err}; the report uses 2 h") from None


def enforce_setting(environ: dict[str, str] | os._Environ[str]) -> float:
    """SMCOST_ENFORCE_IDLE_HOURS: 0 (unset, empty or 0) is off."""
    raw = environ.get("SMCOST_ENFORCE_IDLE_HOURS", "").strip()
    if not raw:
        return 0.0
    try:
        value = hours(raw, "SMCOST_ENFORCE_IDLE_HOURS")
        if value == 0:
            return 0.0
        force = environ.get("SMCOST_ENFORCE_FORCE", "").strip().lower() == "true"
        check_delete_hours(
            value, "SMCOST_ENFORCE_IDLE_HOURS", force=force, force_name="SMCOST_ENFORCE_FORCE=true"
        )
    except ValueError as err:
        raise ConfigError(f"{err}; nothing is deleted") from None
    return value


def _pricer(session: Any) -> Any:
    """The Price List API when the role may call it, then the bundled snapshot."""

    def client() -> Any:
        return session.create_client(
            "pricing", region_name=DEFAULT_ENDPOINT_REGION, config=client_config()
        )

    resolver = PriceResolver(fetch=make_fetcher(client), snapshot=load_snapshot())

    def price(key: PriceKey) -> PriceResult:
        try:
            return resolver.resolve(key)
        except Exception as err:  # a price must never stop the report
            return Unknown(key, f"price lookup failed: {err}")

    return price


def _place(app: dict[str, Any]) -> str:
    return f"space {app['space_name']}" if app["space_name"] else f"user {app['user_profile_name']}"


def report(
    document: dict[str, Any],
    stopped: list[dict[str, Any]] | None = None,
    *,
    plan: list[dict[str, Any]] | None = None,
    enforce_hours: float = 0.0,
    notes: list[str] | None = None,
) -> tuple[str, str]:
    """The SNS subject and message: every app without the LCC or idle, and what they cost;
    `plan`, the apps about to be deleted; `notes`, the run's own errors, first."""
    totals = document["totals"]
    flagged = [a for a in document["apps"] if a["idle"] or not a["lcc_attached"]]
    subject = (
        f"jupyter-smcost: {len(flagged)} of {totals['apps']} Studio apps need attention "
        f"(${totals['idle_usd_per_month']:,.0f}/month idle)"
    )[:99]
    lines = [*(notes or []), *([""] if notes else [])]
    lines += [
        f"{totals['apps']} running Studio apps cost ${totals['usd_per_hour']:.2f}/h "
        f"(${totals['cost_so_far_usd']:.2f} so far).",
        f"{totals['idle_apps']} idle for {document['idle_hours']:g} h or more: "
        f"${totals['idle_usd_per_month']:,.2f} per month if left running.",
        f"{totals['without_lcc']} without the jupyter-smcost lifecycle configuration.",
        "",
    ]
    for app in flagged[:MAX_LISTED]:
        why = []
        if app["idle"]:
            why.append(f"idle since {app['last_user_activity'] or 'its start'}")
        if not app["lcc_attached"]:
            why.append("no LCC")
        rate = "price unknown" if app["usd_per_hour"] is None else f"${app['usd_per_hour']:.3f}/h"
        owner = app["owner_user_profile_name"] or app["user_profile_name"] or "-"
        place = f"space {app['space_name']}" if app["space_name"] else f"user {owner}"
        lines.append(
            f"- {app['domain_id']} {place} (owner {owner}): {app['app_type']}/{app['app_name']} "
            f"on {app['instance_type'] or '?'}, {rate}: {'; '.join(why)}"
        )
    if len(flagged) > MAX_LISTED:
        lines.append(f"... and {len(flagged) - MAX_LISTED} more (run `jupyter smcost audit`).")
    if plan:
        lines.append("")
        lines.append(
            f"Deleting {len(plan)} apps idle at least {enforce_hours:g} h (each checked again "
            "first; the outcome follows in a second message):"
        )
        lines.extend(
            f"- {a['domain_id']} {a['app_type']}/{a['app_name']} "
            f"({_place(a)}), idle since {a['last_user_activity'] or 'its start'}"
            for a in plan[:MAX_LISTED]
        )
        if len(plan) > MAX_LISTED:
            lines.append(f"... and {len(plan) - MAX_LISTED} more.")
    for entry in stopped or []:
        app = entry["app"]
        lines.append(
            f"stopped {app['domain_id']} {app['app_type']}/{app['app_name']}: {entry['result']}"
        )
    for problem in document["problems"]:
        lines.append(f"problem: {problem}")
    return subject, "\n".join(lines)


def outcome(stopped: list[dict[str, Any]], notes: list[str]) -> tuple[str, str]:
    """The second message of an enforcing run: what became of each planned deletion."""
    deleted = sum(1 for s in stopped if s["result"] == "deleted")
    subject = f"jupyter-smcost: deleted {deleted} of {len(stopped)} idle Studio apps"
    lines = [
        f"{s['app']['domain_id']} {s['app']['app_type']}/{s['app']['app_name']} "
        f"({_place(s['app'])}): {s['result']}"
        for s in stopped
    ]
    return subject[:99], "\n".join([*lines, *notes])


class _Run:
    """One invocation: its SNS topic and the errors of its own (settings, publishing)."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.topic = os.environ.get("SMCOST_TOPIC_ARN", "").strip() or None
        self.errors: list[str] = []
        self.published = 0

    def error(self, text: str) -> None:
        log.error("jupyter-smcost fleet check: %s", text)
        self.errors.append(text)

    def publish(self, subject: str, message: str) -> bool:
        """True when the topic took it; a failure is logged, never raised or retried."""
        if self.topic is None:
            log.warning("SMCOST_TOPIC_ARN is unset; the report:\n%s\n%s", subject, message)
            return False
        try:
            sns = self.session.create_client("sns", config=client_config())
            sns.publish(TopicArn=self.topic, Subject=subject, Message=message)
        except Exception as err:
            self.error(f"publishing to {self.topic} failed: {err}")
            return False
        self.published += 1
        return True


def handler(event: Any = None, context: Any = None) -> dict[str, Any]:
    """The Lambda entry point (also runnable by hand)."""
    run = _Run(new_session())
    summary: dict[str, Any] = {"domains": [], "apps": 0, "flagged": 0, "stopped": []}
    try:
        scope = domain_scope(os.environ.get("SMCOST_DOMAIN_IDS"))
    except ConfigError as err:
        run.error(str(err))
        run.publish(
            "jupyter-smcost: the fleet check is misconfigured",
            f"{err}.\nNothing was audited and nothing was deleted.",
        )
        return _finish(run, summary)
    sagemaker = run.session.create_client("sagemaker", config=client_config())
    domains = scope
    if domains is None:
        domains = [
            d["DomainId"]
            for page in sagemaker.get_paginator("list_domains").paginate()
            for d in page.get("Domains", [])
        ]
    try:
        idle_hours = idle_hours_setting(os.environ)
    except ConfigError as err:
        run.error(str(err))
        idle_hours = 2.0
    try:
        enforce = enforce_setting(os.environ)
    except ConfigError as err:
        run.error(str(err))
        enforce = 0.0
    now = datetime.now(timezone.utc)
    document = audit(
        sagemaker, domains, idle_hours=idle_hours, pricer=_pricer(run.session), now=now, workers=4
    )
    summary.update(
        domains=domains,
        apps=document["totals"]["apps"],
        flagged=sum(1 for a in document["apps"] if a["idle"] or not a["lcc_attached"]),
        idle_usd_per_month=document["totals"]["idle_usd_per_month"],
        problems=document["problems"],
    )
    plan: list[dict[str, Any]] = []
    strict: dict[str, Any] = {"apps": [], "problems": []}
    if enforce > 0:
        # Only apps idle for the enforcement threshold (which may be longer than the report's).
        strict = audit(
            sagemaker,
            domains,
            idle_hours=enforce,
            pricer=lambda k: Unknown(k, ""),
            now=now,
            workers=4,
        )
        plan = [a for a in strict["apps"] if a["idle"]]
        strict["apps"] = plan
    if plan and run.topic is None:
        run.error(
            f"SMCOST_TOPIC_ARN is unset: {len(plan)} idle apps are not deleted, since every "
            "deletion is reported first"
        )
    notes = list(run.errors)
    subject, message = report(document, plan=plan, enforce_hours=enforce, notes=notes)
    if not run.publish(subject, message) or not plan:
        if plan and run.topic is not None:
            run.error(f"the plan could not be published: {len(plan)} idle apps are not deleted")
        return _finish(run, summary)
    # From here on apps are deleted: nothing may raise, or Lambda would run it all again.
    try:
        stopped = stop_idle(sagemaker, strict, idle_hours=enforce, now=now, dry_run=False)
        summary["stopped"] = [s["result"] for s in stopped]
        run.publish(*outcome(stopped, [f"problem: {p}" for p in strict["problems"]]))
    except Exception as err:  # logged, never retried into a second round of deletions
        run.error(f"after the deletions began: {err}")
    return _finish(run, summary)


def _finish(run: _Run, summary: dict[str, Any]) -> dict[str, Any]:
    summary.setdefault("problems", [])
    summary.update(published=run.published, errors=run.errors)
    print(json.dumps(summary))  # CloudWatch Logs
    return summary
