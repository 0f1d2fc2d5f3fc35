"""The domain audit: every running Studio app, what it costs, whether it is idle, and whether
jupyter-smcost's lifecycle configuration covers it.

Calls: ListApps (paged) and one DescribeApp per running app, DescribeDomain, and one
DescribeUserProfile per user profile (the LCC of a space's apps comes from its owner's
profile or the domain). Describes run in a small thread pool; throttling is retried with
backoff by botocore's standard retry mode. A permission that is missing becomes a named
problem, and the apps that could still be read are reported.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ..aws import translate_error
from ..cost.pricing.components import HOURS_PER_MONTH, STUDIO_APP_COMPONENTS
from ..cost.pricing.model import Price, PriceKey, PriceResult
from .studio import SETTINGS_KEY, _is_ours

Client = Any
#: Prices (region, instance type, component) -> a Price, or Unknown with its reason.
Pricer = Callable[[PriceKey], PriceResult]
#: Apps that cost money while in these states.
RUNNING = frozenset({"InService", "Pending"})


#: The per-app fields of `audit --format csv` (JSON has these and more).
CSV_FIELDS = (
    "domain_id",
    "user_profile_name",
    "space_name",
    "app_type",
    "app_name",
    "instance_type",
    "usd_per_hour",
    "running_seconds",
    "cost_so_far_usd",
    "last_user_activity",
    "idle",
    "lcc_attached",
)


@dataclass
class Audited:
    domain_id: str
    region: str
    user_profile_name: str | None
    space_name: str | None
    app_type: str
    app_name: str
    instance_type: str | None = None
    usd_per_hour: float | None = None
    price_source: str | None = None
    price_note: str | None = None
    running_seconds: float | None = None
    cost_so_far_usd: float | None = None
    last_user_activity: datetime | None = None
    idle: bool = False
    lcc_attached: bool = False
    status: str = "InService"
    arn: str | None = None
    #: The user profile that owns it: its own, or its private space's owner.
    owner_user_profile_name: str | None = None
    #: That profile's ARN (from DescribeUserProfile; None when it could not be read).
    owner_user_profile_arn: str | None = None
    #: Of its running time, what falls in this UTC month (the month's share of its cost).
    month_seconds: float | None = None
    month_cost_usd: float | None = None

    @property
    def owner(self) -> str:
        return self.owner_user_profile_name or f"space {self.space_name}"

    def to_json(self) -> dict[str, Any]:
        return {
            "domain_id": self.domain_id,
            "user_profile_name": self.user_profile_name,
            "space_name": self.space_name,
            "owner_user_profile_name": self.owner_user_profile_name,
            "owner_user_profile_arn": self.owner_user_profile_arn,
            "app_type": self.app_type,
            "app_name": self.app_name,
            "status": self.status,
            "instance_type": self.instance_type,
            "usd_per_hour": _round(self.usd_per_hour, 4),
            "price_source": self.price_source,
            "price_note": self.price_note,
            "running_seconds": _round(self.running_seconds, 0),
            "cost_so_far_usd": _round(self.cost_so_far_usd, 4),
            "month_cost_usd": _round(self.month_cost_usd, 4),
            "last_user_activity": self.last_user_activity.isoformat()
            if self.last_user_activity
            else None,
            "idle": self.idle,
            "lcc_attached": self.lcc_attached,
            "arn": self.arn,
        }


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _aware(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return None


def _pages(
    client: Client, operation: str, key: str, counter: list[int], **params: Any
) -> list[Any]:
    items: list[Any] = []
    for page in client.get_paginator(operation).paginate(**params):
        counter[0] += 1
        items.extend(page.get(key, []))
    return items


def _covered(settings: dict[str, Any] | None, app_type: str) -> bool:
    app_settings = (settings or {}).get(SETTINGS_KEY.get(app_type, ""), {}) or {}
    if _is_ours(app_settings.get("BuiltInLifecycleConfigArn")):
        return True
    if any(_is_ours(a) for a in app_settings.get("LifecycleConfigArns") or []):
        return True
    idle = (app_settings.get("AppLifecycleManagement") or {}).get("IdleSettings") or {}
    # Code Editor has no extension: Studio's own idle shutdown is what covers it.
    return app_type == "CodeEditor" and idle.get("LifecycleManagement") == "ENABLED"


class _Run:
    """One audit's shared state: the client, AWS call count and problems (thread-safe)."""

    def __init__(self, client: Client, idle_hours: float, now: datetime, workers: int) -> None:
        self.client = client
        self.idle_hours = idle_hours
        self.now = now
        self.workers = workers
        self.calls = [0]
        self.lock = threading.Lock()
        self.problems: list[str] = []
        #: (domain id, user profile name) -> its ARN, as DescribeUserProfile answered.
        self.profile_arns: dict[tuple[str, str], str] = {}

    def count(self) -> None:
        with self.lock:
            self.calls[0] += 1

    def problem(self, err: Exception, what: str) -> None:
        operation = str(getattr(err, "operation_name", "") or what)
        with self.lock:
            self.problems.append(str(translate_error(operation, err)))

    def domain(self, domain_id: str, progress: Callable[[int, int], None] | None) -> list[Audited]:
        client = self.client
        try:
            domain = client.describe_domain(DomainId=domain_id)
            self.count()
            listed = _pages(client, "list_apps", "Apps", self.calls, DomainIdEquals=domain_id)
        except Exception as err:
            self.problem(err, "ListApps")
            return []
        region = str(domain.get("DomainArn", "::::").split(":")[3])
        running = [a for a in listed if a.get("Status") in RUNNING]
        space_owner: dict[str, str | None] = {}
        if any(a.get("SpaceName") for a in running):
            try:
                spaces = _pages(
                    client, "list_spaces", "Spaces", self.calls, DomainIdEquals=domain_id
                )
            except Exception as err:
                self.problem(err, "ListSpaces")
                spaces = []
            for space in spaces:
                summary = space.get("OwnershipSettingsSummary") or {}
                space_owner[space["SpaceName"]] = summary.get("OwnerUserProfileName")
        owners = {
            a.get("UserProfileName") or space_owner.get(a.get("SpaceName") or "") for a in running
        }
        profiles: dict[str, dict[str, Any]] = {}
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            for name, settings in pool.map(
                lambda n: (n, self.profile(domain_id, n)), sorted(o for o in owners if o)
            ):
                profiles[name] = settings
            items = []
            for done, item in enumerate(
                pool.map(lambda a: self.app(domain_id, region, a), running), start=1
            ):
                items.append(item)
                if progress is not None:
                    progress(done, len(running))
        defaults = domain.get("DefaultUserSettings") or {}
        for item in items:
            owner = item.user_profile_name or space_owner.get(item.space_name or "")
            item.owner_user_profile_name = owner
            item.owner_user_profile_arn = self.profile_arns.get((domain_id, owner or ""))
            item.lcc_attached = _covered(defaults, item.app_type) or _covered(
                profiles.get(owner or ""), item.app_type
            )
        return items

    def profile(self, domain_id: str, name: str) -> dict[str, Any]:
        try:
            found = self.client.describe_user_profile(DomainId=domain_id, UserProfileName=name)
        except Exception as err:
            self.problem(err, "DescribeUserProfile")
            return {}
        self.count()
        if isinstance(found.get("UserProfileArn"), str):
            with self.lock:
                self.profile_arns[(domain_id, name)] = found["UserProfileArn"]
        settings: dict[str, Any] = found.get("UserSettings") or {}
        return settings

    def app(self, domain_id: str, region: str, summary: dict[str, Any]) -> Audited:
        item = Audited(
            domain_id=domain_id,
            region=region,
            user_profile_name=summary.get("UserProfileName"),
            space_name=summary.get("SpaceName"),
            app_type=str(summary.get("AppType")),
            app_name=str(summary.get("AppName")),
            status=str(summary.get("Status")),
        )
        try:
            found = self.client.describe_app(**_app_key(item.to_json()))
        except Exception as err:
            self.problem(err, "DescribeApp")
            return item
        self.count()
        item.arn = found.get("AppArn")
        item.instance_type = (found.get("ResourceSpec") or {}).get("InstanceType")
        created = _aware(found.get("CreationTime"))
        item.last_user_activity = _aware(found.get("LastUserActivityTimestamp"))
        if created is not None:
            item.running_seconds = max(0.0, (self.now - created).total_seconds())
            month = self.now.astimezone(timezone.utc).replace(
                day=1, hour=0, minute=0, second=0, microsecond=0
            )
            item.month_seconds = max(0.0, (self.now - max(created, month)).total_seconds())
        item.idle = _idle_since(item.last_user_activity or created, self.now, self.idle_hours)
        return item


def _idle_since(since: datetime | None, now: datetime, idle_hours: float) -> bool:
    """No user activity for `idle_hours` (an app never used counts from its start)."""
    return since is not None and (now - since).total_seconds() >= idle_hours * 3600


def _app_key(app: dict[str, Any]) -> dict[str, Any]:
    """DescribeApp / DeleteApp parameters of an audited app."""
    params = {"DomainId": app["domain_id"], "AppType": app["app_type"], "AppName": app["app_name"]}
    if app["space_name"]:
        params["SpaceName"] = app["space_name"]
    else:
        params["UserProfileName"] = app["user_profile_name"]
    return params


def audit(
    client: Client,
    domain_ids: list[str],
    *,
    idle_hours: float,
    pricer: Pricer,
    now: datetime,
    workers: int = 8,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """The audit document (docs/admins.md, "Auditing a domain")."""
    run = _Run(client, idle_hours, now, workers)
    apps = [item for domain_id in domain_ids for item in run.domain(domain_id, progress)]
    _price(apps, pricer)
    return _document(apps, run.problems, idle_hours, run.calls[0])


def _price(apps: list[Audited], pricer: Pricer) -> None:
    answers: dict[PriceKey, PriceResult] = {}
    for item in apps:
        component = STUDIO_APP_COMPONENTS.get(item.app_type)
        if not (item.instance_type and component):
            item.price_note = "no instance type" if component else "app type not priced"
            continue
        key = PriceKey(item.region, item.instance_type, component)
        if key not in answers:
            answers[key] = pricer(key)
        answer = answers[key]
        if isinstance(answer, Price):
            item.usd_per_hour = answer.usd_per_hour
            item.price_source = answer.source
            item.price_note = answer.detail
            if item.running_seconds is not None:
                item.cost_so_far_usd = answer.usd_per_hour * item.running_seconds / 3600
            if item.month_seconds is not None:
                item.month_cost_usd = answer.usd_per_hour * item.month_seconds / 3600
        else:
            item.price_note = str(answer.to_dict().get("reason"))


def _document(
    apps: list[Audited], problems: list[str], idle_hours: float, calls: int
) -> dict[str, Any]:
    per_user: dict[str, dict[str, float]] = {}
    for item in apps:
        user = per_user.setdefault(
            f"{item.domain_id}/{item.owner}",
            {"apps": 0, "usd_per_hour": 0.0, "cost_so_far_usd": 0.0, "month_cost_usd": 0.0},
        )
        user["apps"] += 1
        user["usd_per_hour"] += item.usd_per_hour or 0.0
        user["cost_so_far_usd"] += item.cost_so_far_usd or 0.0
        user["month_cost_usd"] += item.month_cost_usd or 0.0
    idle = [a for a in apps if a.idle]
    return {
        "apps": [a.to_json() for a in sorted(apps, key=lambda a: -(a.usd_per_hour or 0.0))],
        "totals": {
            "apps": len(apps),
            "usd_per_hour": round(sum(a.usd_per_hour or 0.0 for a in apps), 4),
            "cost_so_far_usd": round(sum(a.cost_so_far_usd or 0.0 for a in apps), 4),
            "idle_apps": len(idle),
            "idle_usd_per_month": round(
                sum(a.usd_per_hour or 0.0 for a in idle) * HOURS_PER_MONTH, 2
            ),
            "without_lcc": sum(1 for a in apps if not a.lcc_attached),
            "unpriced": sum(1 for a in apps if a.usd_per_hour is None),
            "per_user": {
                k: {n: round(v, 4) for n, v in totals.items()}
                for k, totals in sorted(per_user.items())
            },
        },
        "idle_hours": idle_hours,
        "aws_calls": calls,
        "problems": problems,
    }


def stop_idle(
    client: Client,
    document: dict[str, Any],
    *,
    idle_hours: float,
    now: datetime,
    dry_run: bool,
    reason: str = "admin-audit",
) -> list[dict[str, Any]]:
    """DeleteApp for exactly the apps the audit found idle, each checked again first (an app
    used since the audit is kept). Returns one report per app, with the `reason` the user's
    idle history names such a stop by (`admin-audit`; the fleet check's `fleet-check`)."""
    reports = []
    for app in document["apps"]:
        if not app["idle"]:
            continue
        params = _app_key(app)
        report: dict[str, Any] = {
            "app": app,
            "operation": "DeleteApp",
            "params": params,
            "reason": reason,
        }
        try:
            found = client.describe_app(**params)
            since = _aware(found.get("LastUserActivityTimestamp")) or _aware(
                found.get("CreationTime")
            )
            if found.get("Status") not in RUNNING:
                report["result"] = f"skipped: it is {found.get('Status')}"
            elif not _idle_since(since, now, idle_hours):
                report["result"] = "skipped: used since the audit"
            elif dry_run:
                report["result"] = "dry run: would delete"
            else:
                client.delete_app(**params)
                report["result"] = "deleted"
        except Exception as err:
            operation = str(getattr(err, "operation_name", "") or "DeleteApp")
            report["result"] = f"failed: {translate_error(operation, err)}"
        reports.append(report)
    return reports
