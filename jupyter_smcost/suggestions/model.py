"""Value types of the suggestions engine: the facts the rules read, and what they say.

Pure: no AWS, no tornado, no clock of its own (`Facts.now`). Every figure a rule gives is
derived from these facts and shown with its arithmetic.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Hours in AWS's billing month (8,760 h / 12), as the pricing core counts them.
from ..cost.pricing.components import HOURS_PER_MONTH

__all__ = ["HOURS_PER_MONTH"]

SEVERITIES = ("high", "medium", "low")


def suggestion_id(rule: str, *key: str) -> str:
    """Stable for the same rule and resource; safe in a URL path segment."""
    digest = hashlib.sha256("\x1f".join((rule, *key)).encode()).hexdigest()[:16]
    return f"{rule}-{digest}"


def severity_for(saving_usd_per_month: float | None) -> str:
    """How loud a suggestion is: by the money at stake (unpriced advice is low)."""
    if saving_usd_per_month is None:
        return "low"
    if saving_usd_per_month >= 100:
        return "high"
    if saving_usd_per_month >= 10:
        return "medium"
    return "low"


def usd(value: float) -> str:
    """A dollar figure as the arithmetic strings write it ($0.23, $1,234.50, $0.0042)."""
    if value != 0 and abs(value) < 0.1:
        return f"${value:,.4f}".rstrip("0").rstrip(".") if abs(value) < 0.01 else f"${value:,.3f}"
    return f"${value:,.2f}"


def _cents(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


@dataclass(frozen=True)
class PriceFact:
    """An on-demand hourly price of one (instance type, component) in the facts' region."""

    usd_per_hour: float
    source: str
    as_of: str | None = None


@dataclass(frozen=True)
class ResourceRef:
    kind: str
    name: str
    arn: str | None = None
    console_url: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "arn": self.arn,
            "console_url": self.console_url,
        }


@dataclass(frozen=True)
class Action:
    """Something the server can do for a suggestion once the user confirms it.

    `id` names what it does (`delete-endpoint`, `stop-training-job`, `delete-app`,
    `add-tags`, `set-idle-budget`, `set-idle-timeout`); `params` are what the server needs
    to carry it out (not sent to the browser except `fields`, the values a form asks for)."""

    id: str
    label: str
    description: str
    params: Mapping[str, Any] = field(default_factory=dict)
    #: The values a form asks the user for (add-tags: the missing tag keys).
    fields: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "label": self.label, "description": self.description}
        if self.fields:
            out["fields"] = list(self.fields)
        return out


@dataclass(frozen=True)
class Suggestion:
    id: str
    rule: str
    title: str
    detail: str
    #: None when it cannot be priced; `saving_note` then says why.
    saving_usd_per_month: float | None
    arithmetic: str
    docs_url: str
    resource: ResourceRef | None = None
    actions: tuple[Action, ...] = ()
    severity: str = ""
    saving_note: str | None = None
    #: (low, high) when only a range is known (e.g. spot: "up to 90%").
    saving_range_usd_per_month: tuple[float, float] | None = None
    #: A warning attached to the advice (e.g. a spot job without checkpoints).
    warning: str | None = None
    #: Ready-to-run code (e.g. an Inference Recommender job).
    snippet: str | None = None
    #: What the resource looked like when the suggestion was made; an action first checks
    #: that AWS still says the same (else 409).
    fingerprint: str = ""

    def __post_init__(self) -> None:
        if self.saving_usd_per_month is not None and not (
            math.isfinite(self.saving_usd_per_month) and self.saving_usd_per_month >= 0
        ):
            raise ValueError(f"a saving must be finite and >= 0: {self.saving_usd_per_month!r}")
        if not self.severity:
            object.__setattr__(self, "severity", severity_for(self.saving_usd_per_month))
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")

    def action(self, action_id: str) -> Action | None:
        return next((a for a in self.actions if a.id == action_id), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "rule": self.rule,
            "severity": self.severity,
            "title": self.title,
            "detail": self.detail,
            # In cents, as the arithmetic writes it: the card and its calculation agree.
            "saving_usd_per_month": _cents(self.saving_usd_per_month),
            "saving_note": self.saving_note,
            "saving_range_usd_per_month": (
                [_cents(v) for v in self.saving_range_usd_per_month]
                if self.saving_range_usd_per_month
                else None
            ),
            "arithmetic": self.arithmetic,
            "resource": self.resource.to_json() if self.resource else None,
            "actions": [a.to_json() for a in self.actions],
            "docs_url": self.docs_url,
            "warning": self.warning,
            "snippet": self.snippet,
        }


# -- facts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobFact:
    """A training or processing job of this user: in progress, or ended in the lookback."""

    kind: str  # "training-job" | "processing-job"
    name: str
    arn: str
    status: str  # InProgress | Completed | Failed | Stopped | Stopping
    instance_type: str | None
    instance_count: int
    created_at: datetime | None
    #: When instances were ready and the work started (TrainingStartTime / ProcessingStartTime).
    started_at: datetime | None
    ended_at: datetime | None
    #: TrainingTimeInSeconds / BillableTimeInSeconds as AWS reports them (training only).
    training_seconds: float | None = None
    billable_seconds: float | None = None
    spot: bool = False
    checkpoints: bool = False
    #: S3 URIs the job reads.
    inputs: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    fingerprint: str = ""
    console_url: str | None = None

    @property
    def component(self) -> str:
        return "training" if self.kind == "training-job" else "processing"

    def run_seconds(self, now: datetime) -> float | None:
        """How long its instances ran (started to ended, or to now while in progress)."""
        if self.training_seconds is not None:
            return self.training_seconds
        if self.started_at is None:
            return None
        end = self.ended_at or now
        return max(0.0, (end - self.started_at).total_seconds())


@dataclass(frozen=True)
class VariantFact:
    name: str
    instance_type: str | None
    instance_count: int
    #: Container images of the variant's model (one for a single-container model).
    images: tuple[str, ...] = ()
    serverless: bool = False
    #: Invocations over the observation window, from CloudWatch (None: not known).
    invocations: float | None = None
    #: Average and maximum CPUUtilization / GPUUtilization (percent of one core or GPU,
    #: as CloudWatch reports them for endpoints) over the window; None: not known.
    cpu_avg: float | None = None
    cpu_max: float | None = None
    gpu_avg: float | None = None
    gpu_max: float | None = None


@dataclass(frozen=True)
class EndpointFact:
    name: str
    arn: str
    status: str
    config_name: str
    created_at: datetime | None
    variants: tuple[VariantFact, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    fingerprint: str = ""
    console_url: str | None = None

    @property
    def invocations(self) -> float | None:
        counts = [v.invocations for v in self.variants]
        if not counts or any(c is None for c in counts):
            return None
        return float(sum(c for c in counts if c is not None))


@dataclass(frozen=True)
class AppFact:
    """Another Studio app of this user (not the one this server runs in)."""

    domain_id: str
    app_type: str
    app_name: str
    space_name: str | None
    user_profile_name: str | None
    arn: str | None
    status: str
    instance_type: str | None
    component: str | None
    created_at: datetime | None
    last_user_activity: datetime | None
    fingerprint: str = ""
    console_url: str | None = None

    @property
    def display_name(self) -> str:
        owner = self.space_name or self.user_profile_name or ""
        return f"{owner}/{self.app_type}/{self.app_name}"


@dataclass(frozen=True)
class SpaceUsage:
    """How hard this server's instance worked (psutil; NVML when a GPU is present)."""

    instance_type: str
    component: str
    observed_minutes: float
    cpu_avg: float
    cpu_p95: float
    memory_avg: float
    memory_p95: float
    #: Number of GPUs NVML found (0: none or no driver; None: not checked).
    gpu_count: int | None = None
    #: Why the GPUs could not be measured, in words (None: measured, or not checked).
    gpu_unavailable: str | None = None
    gpu_avg: float | None = None
    gpu_p95: float | None = None
    gpu_memory_p95: float | None = None
    #: Hours this server ran in the last 30 days (its own ledger), and this session's.
    hours_last_30_days: float | None = None
    session_hours: float | None = None


@dataclass(frozen=True)
class IdleFacts:
    """The idle policy as it applies now (see idle/settings.py)."""

    timeout_minutes: float
    max_idle_usd: float | None
    min_minutes: float
    max_minutes: float
    users_may_change: bool
    dry_run: bool = False

    @property
    def fingerprint(self) -> str:
        """What an idle action checks is unchanged before it applies (else 409)."""
        return f"{self.timeout_minutes:g}|{self.max_idle_usd}|{self.users_may_change}"


@dataclass(frozen=True)
class SavingsPlanFact:
    """Cost Explorer's SageMaker Savings Plans purchase recommendation."""

    estimated_monthly_savings_usd: float
    hourly_commitment_usd: float | None
    estimated_savings_percent: float | None
    term: str
    payment_option: str
    lookback: str
    estimated_on_demand_cost_usd: float | None = None
    currency: str = "USD"


@dataclass(frozen=True)
class Facts:
    """Everything the rules may read. `missing` names the sources that could not be read
    (source -> problem dict with `action`, the IAM action to add) so rules needing them
    stay silent and the engine reports why."""

    now: datetime
    region: str | None
    account: str | None = None
    domain_id: str | None = None
    #: This server's own app: instance type, component, ARN (None in local mode).
    instance_type: str | None = None
    component: str | None = None
    app_ref: ResourceRef | None = None
    jobs: tuple[JobFact, ...] = ()
    endpoints: tuple[EndpointFact, ...] = ()
    apps: tuple[AppFact, ...] = ()
    usage: SpaceUsage | None = None
    idle: IdleFacts | None = None
    #: DescribeDomain's DomainSettings.DockerSettings.EnableDockerAccess ("ENABLED" ->
    #: True); None when unknown.
    docker_access: bool | None = None
    savings_plan: SavingsPlanFact | None = None
    #: S3 bucket -> its region (data locality), for the buckets the jobs read.
    bucket_regions: Mapping[str, str] = field(default_factory=dict)
    #: (instance type, component) -> price in `region`.
    prices: Mapping[tuple[str, str], PriceFact] = field(default_factory=dict)
    #: Metrics window of the endpoint figures, hours.
    endpoint_window_hours: float = 24.0
    missing: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: Why the jobs, endpoints and apps read are fewer than the account's (cost/resources.py
    #: scope_note), when the owner is not fully known; None otherwise.
    scope_note: str | None = None
    #: ARNs of the jobs and endpoints read that are not provably this user's (scope
    #: "account" only; "mine" reads none of those).
    not_yours: frozenset[str] = frozenset()

    def price(self, instance_type: str | None, component: str | None) -> PriceFact | None:
        if not instance_type or not component:
            return None
        return self.prices.get((instance_type, component))


@dataclass(frozen=True)
class Thresholds:
    """The `c.Suggestions` values the rules read (see suggestions/config.py)."""

    lookback_days: float = 7.0
    short_job_minutes: float = 10.0
    endpoint_idle_hours: float = 24.0
    low_traffic_invocations_per_hour: float = 60.0
    min_observation_minutes: float = 30.0
    rightsize_cpu_percent: float = 20.0
    rightsize_memory_percent: float = 40.0
    rightsize_gpu_percent: float = 10.0
    endpoint_low_utilization_percent: float = 20.0
    app_idle_hours: float = 2.0
    required_tags: tuple[str, ...] = ()
    idle_budget_hint_usd: float = 2.0
    #: Priced advice saving less than this a month is not shown (unpriced advice always is).
    min_saving_usd_per_month: float = 0.0


@dataclass(frozen=True)
class Problem:
    """A rule (or data source) that could not run, with the IAM action to add if any."""

    #: The rules it silences, then those it degrades ("a, b").
    rule: str | None
    #: The sources of facts one cause took ("owner" or, without a region, all of them).
    source: str | None
    code: str
    message: str
    action: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "source": self.source,
            "code": self.code,
            "message": self.message,
            "action": self.action,
        }
