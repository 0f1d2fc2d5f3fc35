"""The scheduled fleet check: `jupyter smcost audit` run by AWS Lambda on an EventBridge
schedule (deploy/fleet-audit.yaml), reporting to an SNS topic that admins subscribe to.

It needs only botocore (in every Lambda Python runtime) and this package: no Jupyter, no
traitlets. Settings come from the function's environment:

- `SMCOST_DOMAIN_IDS`: comma-separated domain ids (empty: every domain of the region);
- `SMCOST_TOPIC_ARN`: where the report goes;
- `SMCOST_IDLE_HOURS` (default 2): an app without user activity this long is idle;
- `SMCOST_ENFORCE_IDLE_HOURS` (default 0, off): delete apps idle at least this long.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from typing import Any

from ..aws import client_config, new_session
from ..cost.pricing.model import PriceKey, PriceResult, Unknown
from ..cost.pricing.pricelist import DEFAULT_ENDPOINT_REGION, make_fetcher
from ..cost.pricing.resolver import PriceResolver
from ..cost.pricing.snapshot import load_snapshot
from .audit import audit, stop_idle

#: SNS messages are capped at 256 KB; the report lists the first apps and sums the rest.
MAX_LISTED = 200


def _number(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, "") or default)
    except ValueError:
        return default
    return value if value >= 0 else default


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


def report(document: dict[str, Any], stopped: list[dict[str, Any]] | None) -> tuple[str, str]:
    """The SNS subject and message: every app without the LCC or idle, and what they cost."""
    totals = document["totals"]
    flagged = [a for a in document["apps"] if a["idle"] or not a["lcc_attached"]]
    subject = (
        f"jupyter-smcost: {len(flagged)} of {totals['apps']} Studio apps need attention "
        f"(${totals['idle_usd_per_month']:,.0f}/month idle)"
    )[:99]
    lines = [
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
    for entry in stopped or []:
        app = entry["app"]
        lines.append(
            f"stopped {app['domain_id']} {app['app_type']}/{app['app_name']}: {entry['result']}"
        )
    for problem in document["problems"]:
        lines.append(f"problem: {problem}")
    return subject, "\n".join(lines)


def handler(event: Any = None, context: Any = None) -> dict[str, Any]:
    """The Lambda entry point (also runnable by hand)."""
    session = new_session()
    sagemaker = session.create_client("sagemaker", config=client_config())
    domains = [d.strip() for d in os.environ.get("SMCOST_DOMAIN_IDS", "").split(",") if d.strip()]
    if not domains:
        domains = [
            d["DomainId"]
            for page in sagemaker.get_paginator("list_domains").paginate()
            for d in page.get("Domains", [])
        ]
    idle_hours = _number("SMCOST_IDLE_HOURS", 2.0)
    enforce = _number("SMCOST_ENFORCE_IDLE_HOURS", 0.0)
    now = datetime.now(timezone.utc)
    document = audit(
        sagemaker, domains, idle_hours=idle_hours, pricer=_pricer(session), now=now, workers=4
    )
    stopped = None
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
        stopped = stop_idle(sagemaker, strict, idle_hours=enforce, now=now, dry_run=False)
    subject, message = report(document, stopped)
    topic = os.environ.get("SMCOST_TOPIC_ARN")
    if topic:
        session.create_client("sns", config=client_config()).publish(
            TopicArn=topic, Subject=subject, Message=message
        )
    summary = {
        "domains": domains,
        "apps": document["totals"]["apps"],
        "flagged": sum(1 for a in document["apps"] if a["idle"] or not a["lcc_attached"]),
        "idle_usd_per_month": document["totals"]["idle_usd_per_month"],
        "stopped": [s["result"] for s in stopped or []],
        "problems": document["problems"],
        "published": bool(topic),
    }
    print(json.dumps(summary))  # CloudWatch Logs
    return summary
