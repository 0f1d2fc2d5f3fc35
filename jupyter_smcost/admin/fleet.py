"""The scheduled fleet check: `jupyter smcost audit` run by AWS Lambda on an EventBridge
schedule (deploy/fleet-audit.yaml), reporting to an SNS topic that admins subscribe to.

It needs only botocore (in every Lambda Python runtime) and this package: no Jupyter, no
traitlets. Settings come from the function's environment:

- `SMCOST_DOMAIN_IDS`: comma-separated domain ids, or `*` for every domain of the region
  (unset, empty or malformed: an error, reported, and nothing is audited or deleted);
- `SMCOST_TOPIC_ARN`: where the report goes;
- `SMCOST_IDLE_HOURS` (default 2): an app without user activity this long is idle;
- `SMCOST_ENFORCE_IDLE_HOURS` (default 0, off): delete apps idle at least this long, at
  least 1 h unless `SMCOST_ENFORCE_FORCE` is `true` (a bad value: enforcement is refused);
- `SMCOST_ENFORCE_GRACE_MINUTES` (default 60): warn before acting. An idle app is first
  tagged `jupyter-smcost:stop-after` = run time + grace and reported as "warned"; a later
  run deletes it only once that time has passed and it is still idle, and removes the tag
  of an app used since (or whose tag the user removed with Keep running), reported as
  "spared". 0 deletes at once, as before the grace existed. A bad value: 60 applies;
- `SMCOST_WEBHOOK_URL` (optional, https only): every SNS message is also POSTed there as
  JSON `{"text": subject + message}` (what Slack and Google Chat incoming webhooks take).
  A failing webhook is logged and named in the SNS message; it never stops the run.

The tag's value is read as untrusted: one that is not an ISO 8601 time is a fresh warning,
never "stop now".

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
import urllib.request
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from ..aws import client_config, new_session
from ..cost.pricing.model import PriceKey, PriceResult, Unknown
from ..cost.pricing.pricelist import DEFAULT_ENDPOINT_REGION, make_fetcher
from ..cost.pricing.resolver import PriceResolver
from ..cost.pricing.snapshot import load_snapshot
from .audit import RUNNING, audit, stop_idle
from .limits import check_delete_hours, hours

#: SNS messages are capped at 256 KB; the report lists the first apps and sums the rest.
MAX_LISTED = 200
#: A SageMaker domain id (AWS's own pattern is d-[a-z0-9]+; the emulator's are looser).
DOMAIN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,62}")
ALL_DOMAINS = "*"
#: The tag a warned app carries: when the fleet check may delete it (ISO 8601, UTC).
STOP_AFTER_TAG = "jupyter-smcost:stop-after"
DEFAULT_GRACE_MINUTES = 60.0
WEBHOOK_TIMEOUT = 10.0
#: The reason of a fleet deletion, as the user's idle history names it.
REASON = "fleet-check"

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


def grace_setting(environ: dict[str, str] | os._Environ[str]) -> float:
    """SMCOST_ENFORCE_GRACE_MINUTES: minutes between the warning and the deletion."""
    raw = environ.get("SMCOST_ENFORCE_GRACE_MINUTES", "").strip()
    if not raw:
        return DEFAULT_GRACE_MINUTES
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not (0 <= value <= 7 * 24 * 60):  # also NaN
        raise ConfigError(
            f"SMCOST_ENFORCE_GRACE_MINUTES {raw!r} is not a number of minutes from 0 to 10080; "
            f"{DEFAULT_GRACE_MINUTES:g} applies"
        )
    return value


def _https(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme == "https" and bool(parts.hostname)


def clock() -> datetime:
    """The run's time (a function, so tests run the next check hours later)."""
    return datetime.now(timezone.utc)


def parse_stop_after(value: str | None) -> datetime | None:
    """A stop-after tag's time; None for a missing or malformed one (a fresh warning)."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def _stop_after(sagemaker: Any, arn: str) -> str | None:
    tags = sagemaker.list_tags(ResourceArn=arn).get("Tags") or []
    return next((str(t.get("Value")) for t in tags if t.get("Key") == STOP_AFTER_TAG), None)


def warn_then_act(
    sagemaker: Any, apps: list[dict[str, Any]], *, now: datetime, grace_minutes: float
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    """Sort the enforcement audit's apps into (due, notices, problems): `due`, the idle apps
    whose warning has run out (to delete, each checked again); `notices`, one row per app
    warned now or before (`state` "warned", `stop_after`) or spared (`state` "spared": used
    since its warning, its tag removed). An app whose tag cannot be read or written is a
    problem and is neither warned nor deleted."""
    due: list[dict[str, Any]] = []
    notices: list[dict[str, Any]] = []
    problems: list[str] = []
    deadline = (now + timedelta(minutes=grace_minutes)).replace(microsecond=0)
    for app in apps:
        arn = app.get("arn")
        if not arn or app.get("status") not in RUNNING:
            continue
        try:
            raw = _stop_after(sagemaker, arn)
            when = parse_stop_after(raw)
            if not app["idle"]:
                if raw is not None:
                    sagemaker.delete_tags(ResourceArn=arn, TagKeys=[STOP_AFTER_TAG])
                    notices.append({**app, "state": "spared", "reason": None, "stop_after": None})
                continue
            if when is not None and when <= now:
                due.append({**app, "reason": REASON, "stop_after": when.isoformat()})
                continue
            if when is None:
                when = deadline
                sagemaker.add_tags(
                    ResourceArn=arn, Tags=[{"Key": STOP_AFTER_TAG, "Value": when.isoformat()}]
                )
            notices.append(
                {**app, "state": "warned", "reason": None, "stop_after": when.isoformat()}
            )
        except Exception as err:
            operation = str(getattr(err, "operation_name", "") or "ListTags")
            problems.append(
                f"{app['domain_id']} {app['app_type']}/{app['app_name']}: {operation}: {err}"
            )
    return due, notices, problems


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
    notices: list[dict[str, Any]] | None = None,
) -> tuple[str, str]:
    """The SNS subject and message: every app without the LCC or idle, and what they cost;
    `plan`, the apps about to be deleted; `notices`, the apps warned or spared (grace);
    `notes`, the run's own errors, first."""
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
    warned = [n for n in notices or [] if n["state"] == "warned"]
    spared = [n for n in notices or [] if n["state"] == "spared"]
    if warned:
        lines.append("")
        lines.append(f"Warned {len(warned)} idle apps (deleted by a later run if still idle):")
        lines.extend(
            f"- warned {a['domain_id']} {a['app_type']}/{a['app_name']} ({_place(a)}): "
            f"stop after {a['stop_after']}"
            for a in warned[:MAX_LISTED]
        )
    if spared:
        lines.append("")
        lines.append(f"Spared {len(spared)} warned apps (used since their warning):")
        lines.extend(
            f"- spared {a['domain_id']} {a['app_type']}/{a['app_name']} ({_place(a)})"
            for a in spared[:MAX_LISTED]
        )
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
        self.webhook = os.environ.get("SMCOST_WEBHOOK_URL", "").strip() or None
        if self.webhook is not None and not _https(self.webhook):
            self.error(f"SMCOST_WEBHOOK_URL {self.webhook!r} is not an https URL; it is not used")
            self.webhook = None
        self.posted = 0

    def post(self, subject: str, message: str) -> str | None:
        """The webhook's copy; None when it took it (or there is none), else the failure."""
        if self.webhook is None:
            return None
        body = json.dumps({"text": f"{subject}\n{message}"}).encode()
        request = urllib.request.Request(
            self.webhook, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as answer:
                answer.read(1024)
        except Exception as err:  # a chat tool's outage never stops the check
            problem = f"the webhook {urlsplit(self.webhook).netloc} failed: {err}"
            log.error("jupyter-smcost fleet check: %s", problem)
            return problem
        self.posted += 1
        return None

    def error(self, text: str) -> None:
        log.error("jupyter-smcost fleet check: %s", text)
        self.errors.append(text)

    def publish(self, subject: str, message: str) -> bool:
        """True when the topic took it; a failure is logged, never raised or retried. The
        webhook gets the same text first, and its failure goes into the SNS message."""
        problem = self.post(subject, message)
        if problem is not None:
            message = f"{problem}\n\n{message}"
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
    summary: dict[str, Any] = {
        "domains": [],
        "apps": 0,
        "flagged": 0,
        "stopped": [],
        "warned": [],
        "spared": [],
    }
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
    try:
        grace = grace_setting(os.environ)
    except ConfigError as err:
        run.error(str(err))
        grace = DEFAULT_GRACE_MINUTES
    now = clock()
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
    notices: list[dict[str, Any]] = []
    strict_all: list[dict[str, Any]] = []
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
        strict_all = list(strict["apps"])
        plan = [{**a, "reason": REASON} for a in strict["apps"] if a["idle"]]
        if grace > 0 and run.topic is not None:
            plan, notices, problems = warn_then_act(
                sagemaker, strict["apps"], now=now, grace_minutes=grace
            )
            for problem in problems:
                run.error(f"the warning tag: {problem}; that app is neither warned nor deleted")
        elif grace > 0:
            plan = []  # nothing is warned or deleted unreported
        strict["apps"] = plan
    summary["warned"] = [_row(n) for n in notices if n["state"] == "warned"]
    summary["spared"] = [_row(n) for n in notices if n["state"] == "spared"]
    if enforce > 0 and grace > 0 and run.topic is None and any(a["idle"] for a in strict_all):
        run.error(
            "SMCOST_TOPIC_ARN is unset: idle apps are not warned and not deleted, since every "
            "warning and deletion is reported first"
        )
    if plan and run.topic is None:
        run.error(
            f"SMCOST_TOPIC_ARN is unset: {len(plan)} idle apps are not deleted, since every "
            "deletion is reported first"
        )
    notes = list(run.errors)
    subject, message = report(
        document, plan=plan, enforce_hours=enforce, notes=notes, notices=notices
    )
    if not run.publish(subject, message) or not plan:
        if plan and run.topic is not None:
            run.error(f"the plan could not be published: {len(plan)} idle apps are not deleted")
        return _finish(run, summary)
    # From here on apps are deleted: nothing may raise, or Lambda would run it all again.
    try:
        stopped = stop_idle(
            sagemaker, strict, idle_hours=enforce, now=now, dry_run=False, reason=REASON
        )
        summary["stopped"] = [s["result"] for s in stopped]
        summary["stopped_apps"] = [{**_row(s["app"]), "result": s["result"]} for s in stopped]
        run.publish(*outcome(stopped, [f"problem: {p}" for p in strict["problems"]]))
    except Exception as err:  # logged, never retried into a second round of deletions
        run.error(f"after the deletions began: {err}")
    return _finish(run, summary)


def _row(app: dict[str, Any]) -> dict[str, Any]:
    """One app of the summary: where it is, its state and reason, its stop-after time."""
    keys = ("domain_id", "space_name", "user_profile_name", "app_type", "app_name", "arn")
    return {
        **{k: app.get(k) for k in keys},
        "state": app.get("state", "due"),
        "reason": app.get("reason"),
        "stop_after": app.get("stop_after"),
    }


def _finish(run: _Run, summary: dict[str, Any]) -> dict[str, Any]:
    summary.setdefault("problems", [])
    summary.update(published=run.published, posted=run.posted, errors=run.errors)
    print(json.dumps(summary))  # CloudWatch Logs
    return summary
