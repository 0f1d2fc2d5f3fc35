"""The user's running SageMaker resources that cost money, and what they cost.

`collect` asks AWS (through an injected client with async `call`/`paginate`, which run boto3
off the event loop) for in-progress jobs, in-service endpoints, other Studio apps and
notebook instances. `ResourceMonitor` caches the result for a TTL with one refresh in flight,
so the number of AWS calls does not grow with open tabs. `priced_document` turns a cached
collection into the `GET resources` document at the moment of the request (running times
and costs so far move on between refreshes). No tornado import.
"""

from __future__ import annotations

import asyncio
import logging
import math
import sys
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Protocol

from ..aws import THROTTLING_CODES, AwsError
from ..environment import Environment, Kind
from .pricing.components import STUDIO_APP_COMPONENTS
from .pricing.model import PriceKey

log = logging.getLogger(__name__)

USER_PROFILE_TAG = "sagemaker:user-profile-arn"
SPACE_TAG = "sagemaker:space-arn"
DOMAIN_TAG = "sagemaker:domain-arn"

KINDS = (
    "training-job",
    "tuning-job",
    "processing-job",
    "transform-job",
    "endpoint",
    "studio-app",
    "notebook-instance",
)

#: The IAM action whose absence stops each kind from being listed.
LIST_ACTIONS = {
    "training-job": "sagemaker:ListTrainingJobs",
    "tuning-job": "sagemaker:ListHyperParameterTuningJobs",
    "processing-job": "sagemaker:ListProcessingJobs",
    "transform-job": "sagemaker:ListTransformJobs",
    "endpoint": "sagemaker:ListEndpoints",
    "studio-app": "sagemaker:ListApps",
    "notebook-instance": "sagemaker:ListNotebookInstances",
}

#: Everything the collector calls; the README's IAM policy lists the same actions.
REQUIRED_ACTIONS = sorted(
    set(LIST_ACTIONS.values())
    | {
        "sagemaker:DescribeTrainingJob",
        "sagemaker:DescribeHyperParameterTuningJob",
        "sagemaker:DescribeProcessingJob",
        "sagemaker:DescribeTransformJob",
        "sagemaker:DescribeEndpoint",
        "sagemaker:DescribeEndpointConfig",
        "sagemaker:ListSpaces",
        "sagemaker:DescribeSpace",
        "sagemaker:ListTags",
    }
)

#: How long the list of the user's spaces (whose resources are "mine") is reused.
SPACES_TTL_SECONDS = 600.0

#: Describe (and tag) calls are started this many at a time (the AWS concurrency is lower).
_DESCRIBE_SLICE = 64

_CONSOLE_PAGES = {
    "training-job": "jobs",
    "tuning-job": "hyper-tuning-jobs",
    "processing-job": "processing-jobs",
    "transform-job": "transform-jobs",
    "endpoint": "endpoints",
    "notebook-instance": "notebook-instances",
}


class AwsLike(Protocol):
    async def call(self, service: str, operation: str, **params: Any) -> dict[str, Any]: ...

    async def paginate(
        self, service: str, operation: str, key: str, **params: Any
    ) -> list[dict[str, Any]]: ...


def console_url(region: str | None, kind: str, name: str) -> str | None:
    page = _CONSOLE_PAGES.get(kind)
    if not region or not page:
        return None
    return f"https://{region}.console.aws.amazon.com/sagemaker/home?region={region}#/{page}/{name}"


def studio_console_url(region: str | None, domain_id: str | None, space: bool) -> str | None:
    """The domain's page in the SageMaker console, on its spaces (or user profiles) tab."""
    if not region or not domain_id:
        return None
    tab = "spaces" if space else "users"
    return (
        f"https://{region}.console.aws.amazon.com/sagemaker/home?region={region}"
        f"#/studio/{domain_id}?tab={tab}"
    )


def app_arn(
    region: str | None,
    account: str | None,
    domain_id: str | None,
    owner: str | None,
    app_type: str,
    app_name: str,
) -> str | None:
    """A Studio app's ARN (ListApps does not return it); AWS lowercases the app type."""
    if not (region and account and domain_id and owner and app_type and app_name):
        return None
    return (
        f"arn:aws:sagemaker:{region}:{account}:app/{domain_id}/{owner}/"
        f"{app_type.lower()}/{app_name}"
    )


@dataclass(frozen=True, slots=True)
class Running:
    """One running resource as AWS described it, before pricing."""

    kind: str
    name: str
    arn: str | None
    status: str
    instance_type: str | None
    instance_count: int
    component: str | None
    started_at: datetime | None
    spot: bool | None = None
    max_runtime_seconds: float | None = None
    billable_seconds: float | None = None
    detail: str = ""
    #: Why no hourly price applies (e.g. a serverless endpoint), else "".
    unpriced_reason: str = ""
    #: A console page when it is not the kind's own page (Studio apps: their domain's).
    console_url: str | None = None


@dataclass(frozen=True)
class Identity:
    """Who "mine" is: the Studio user profile and the spaces it owns (or, in a space that
    SageMaker records no owner for, that space alone). A resource is "mine" only when its
    tags prove it (Studio tags what a user launches with the profile's and space's ARNs);
    an identity with no profile and no space owns nothing (local mode, a notebook
    instance): "mine" never widens to the account."""

    account: str | None
    region: str | None
    domain_id: str | None
    user_profile_name: str | None
    space_names: frozenset[str] = frozenset()

    @property
    def anchored(self) -> bool:
        """Whether anything at all can be proven to be this identity's."""
        return bool(self.region and self.domain_id and (self.user_profile_name or self.space_names))

    @property
    def user_profile_arn(self) -> str | None:
        if not (self.account and self.region and self.domain_id and self.user_profile_name):
            return None
        return (
            f"arn:aws:sagemaker:{self.region}:{self.account}:user-profile/"
            f"{self.domain_id}/{self.user_profile_name}"
        )

    def space_arn(self, space: str) -> str | None:
        if not (self.account and self.region and self.domain_id):
            return None
        return f"arn:aws:sagemaker:{self.region}:{self.account}:space/{self.domain_id}/{space}"

    def owns_space(self, space: str | None) -> bool:
        return bool(space) and space in self.space_names

    def _names(self, arn: str | None, kind: str) -> str | None:
        """The name in `arn` when it is a `kind` of this identity's domain and region (and
        account, when known: without it, the domain id, unique per region, decides)."""
        parts = (arn or "").split(":", 5)
        if len(parts) != 6 or parts[2] != "sagemaker" or parts[3] != self.region:
            return None
        if self.account and parts[4] != self.account:
            return None
        prefix = f"{kind}/{self.domain_id}/"
        if not self.domain_id or not parts[5].startswith(prefix):
            return None
        return parts[5][len(prefix) :] or None

    def owns(self, tags: dict[str, str]) -> bool:
        user = self._names(tags.get(USER_PROFILE_TAG), "user-profile")
        if self.user_profile_name and user == self.user_profile_name:
            return True
        return self.owns_space(self._names(tags.get(SPACE_TAG), "space"))


def scope_note(env: Environment, ident: Identity) -> str | None:
    """Why "mine" shows less than the account, when the owner is not fully known; None when
    it is the user profile's own resources, as it should be."""
    wider = 'an administrator can list the whole account with c.Resources.scope = "account"'
    if not ident.anchored:
        if env.kind is Kind.NOTEBOOK_INSTANCE:
            where = "a notebook instance has no Studio user profile"
        elif env.kind is Kind.LOCAL:
            where = "this server is not in a SageMaker Studio space"
        else:
            where = "the owner of this Studio app could not be told (no domain, user or space)"
        return f"{where}: no resource can be proven to be yours, so none is listed ({wider})"
    if not ident.user_profile_name:
        return (
            "this space has no owner in SageMaker (a shared space): only what is tagged with "
            f"this space is listed, not its users' own resources ({wider})"
        )
    return None


def account_of(arn: str | None) -> str | None:
    parts = (arn or "").split(":")
    return parts[4] if len(parts) > 5 and parts[4] else None


def problem(kind: str | None, err: AwsError, action: str | None) -> dict[str, Any]:
    """A collection failure in words a user can act on."""
    if err.access_denied:
        what = action or f"sagemaker:{err.operation}"
        return {
            "kind": kind,
            "code": "permission",
            "action": what,
            "message": f"no permission for {what}: add it to the execution role (policy in README)",
        }
    if err.code in THROTTLING_CODES:
        return {
            "kind": kind,
            "code": "throttled",
            "action": action,
            "message": f"AWS is throttling {err.operation}; trying again later",
        }
    return {"kind": kind, "code": "aws-error", "action": action, "message": str(err)}


def utc_time(value: Any) -> datetime | None:
    """An AWS timestamp (datetime or ISO text) as an aware UTC datetime."""
    if isinstance(value, datetime):
        # In UTC: botocore gives each parsed time its own tzlocal(), ~1 KB a piece.
        return (
            value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)
        )
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    return None


def _int(value: Any, default: int = 1) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


# -- what each describe call says, as `Running` rows (pure) ------------------------------


def training_job(d: dict[str, Any]) -> Running:
    rc = d.get("ResourceConfig") or {}
    stop = d.get("StoppingCondition") or {}
    spot = bool(d.get("EnableManagedSpotTraining"))
    groups = rc.get("InstanceGroups") or []
    instance, count = rc.get("InstanceType"), _int(rc.get("InstanceCount"))
    if not instance and groups:
        # Heterogeneous clusters: price the largest group; say so.
        top = max(groups, key=lambda g: _int(g.get("InstanceCount"), 0))
        instance, count = (
            top.get("InstanceType"),
            sum(_int(g.get("InstanceCount"), 0) for g in groups),
        )
    return Running(
        kind="training-job",
        name=str(d.get("TrainingJobName")),
        arn=d.get("TrainingJobArn"),
        status=str(d.get("TrainingJobStatus", "InProgress")),
        instance_type=instance,
        instance_count=count,
        component="training",
        started_at=utc_time(d.get("TrainingStartTime")) or utc_time(d.get("CreationTime")),
        spot=spot,
        max_runtime_seconds=_num(stop.get("MaxRuntimeInSeconds")),
        billable_seconds=_num(d.get("BillableTimeInSeconds")),
        detail=str(d.get("SecondaryStatus") or ""),
    )


def tuning_job(d: dict[str, Any]) -> Running:
    definition = d.get("TrainingJobDefinition") or (d.get("TrainingJobDefinitions") or [{}])[0]
    rc = definition.get("ResourceConfig") or {}
    counters = d.get("TrainingJobStatusCounters") or {}
    limits = (d.get("HyperParameterTuningJobConfig") or {}).get("ResourceLimits") or {}
    running = _int(counters.get("InProgress"), 0)
    per_trial = _int(rc.get("InstanceCount"))
    total = limits.get("MaxNumberOfTrainingJobs")
    detail = f"{running} trial{'s' if running != 1 else ''} running"
    if isinstance(total, int):
        detail += f" of up to {total}"
    return Running(
        kind="tuning-job",
        name=str(d.get("HyperParameterTuningJobName")),
        arn=d.get("HyperParameterTuningJobArn"),
        status=str(d.get("HyperParameterTuningJobStatus", "InProgress")),
        instance_type=rc.get("InstanceType"),
        instance_count=running * per_trial,
        component="training",
        started_at=utc_time(d.get("CreationTime")),
        spot=bool(definition.get("EnableManagedSpotTraining")),
        detail=detail,
    )


def processing_job(d: dict[str, Any]) -> Running:
    cluster = (d.get("ProcessingResources") or {}).get("ClusterConfig") or {}
    stop = d.get("StoppingCondition") or {}
    return Running(
        kind="processing-job",
        name=str(d.get("ProcessingJobName")),
        arn=d.get("ProcessingJobArn"),
        status=str(d.get("ProcessingJobStatus", "InProgress")),
        instance_type=cluster.get("InstanceType"),
        instance_count=_int(cluster.get("InstanceCount")),
        component="processing",
        started_at=utc_time(d.get("ProcessingStartTime")) or utc_time(d.get("CreationTime")),
        max_runtime_seconds=_num(stop.get("MaxRuntimeInSeconds")),
    )


def transform_job(d: dict[str, Any]) -> Running:
    res = d.get("TransformResources") or {}
    return Running(
        kind="transform-job",
        name=str(d.get("TransformJobName")),
        arn=d.get("TransformJobArn"),
        status=str(d.get("TransformJobStatus", "InProgress")),
        instance_type=res.get("InstanceType"),
        instance_count=_int(res.get("InstanceCount")),
        component="transform",
        started_at=utc_time(d.get("TransformStartTime")) or utc_time(d.get("CreationTime")),
    )


def endpoint_variants(endpoint: dict[str, Any], config: dict[str, Any]) -> list[Running]:
    """One row per production variant: instance type from the config, count from the endpoint."""
    types = {v.get("VariantName"): v for v in config.get("ProductionVariants") or []}
    live = endpoint.get("ProductionVariants") or [
        {"VariantName": name, "CurrentInstanceCount": v.get("InitialInstanceCount")}
        for name, v in types.items()
    ]
    name = str(endpoint.get("EndpointName"))
    rows = []
    for variant in live:
        vname = variant.get("VariantName")
        conf = types.get(vname, {})
        serverless = conf.get("ServerlessConfig") or variant.get("CurrentServerlessConfig")
        instance = conf.get("InstanceType")
        count = _int(variant.get("CurrentInstanceCount"), _int(conf.get("InitialInstanceCount")))
        rows.append(
            Running(
                kind="endpoint",
                name=name,
                arn=endpoint.get("EndpointArn"),
                status=str(endpoint.get("EndpointStatus", "InService")),
                instance_type=None if serverless else instance,
                instance_count=0 if serverless else count,
                component="hosting",
                started_at=utc_time(endpoint.get("CreationTime")),
                detail=f"variant {vname}" + (", serverless" if serverless else ""),
                unpriced_reason="serverless inference is billed per request, not per hour"
                if serverless
                else "",
            )
        )
    return rows


def studio_app(
    a: dict[str, Any], region: str | None = None, account: str | None = None
) -> Running | None:
    """A Studio app from ListApps; None for apps on free system instances.

    ListApps gives no ARN (`AppDetails` has none): it is built from the domain, the space
    or user profile, the type and the name, in `region` of `account`."""
    app_type = str(a.get("AppType", ""))
    instance = (a.get("ResourceSpec") or {}).get("InstanceType")
    if app_type == "JupyterServer" or not instance or instance == "system":
        return None
    owner = a.get("SpaceName") or a.get("UserProfileName") or "?"
    app_name = str(a.get("AppName", "default"))
    domain = a.get("DomainId")
    return Running(
        kind="studio-app",
        name=f"{owner}/{app_type}/{app_name}",
        arn=a.get("AppArn")
        or app_arn(region, account, domain, None if owner == "?" else owner, app_type, app_name),
        console_url=studio_console_url(region, domain, bool(a.get("SpaceName"))),
        status=str(a.get("Status", "InService")),
        instance_type=instance,
        instance_count=1,
        component=STUDIO_APP_COMPONENTS.get(app_type, "studio-jupyterlab"),
        started_at=utc_time(a.get("CreationTime")),
        detail=f"{'space' if a.get('SpaceName') else 'user'} {owner}, {app_type}",
    )


def notebook_instance(n: dict[str, Any]) -> Running:
    return Running(
        kind="notebook-instance",
        name=str(n.get("NotebookInstanceName")),
        arn=n.get("NotebookInstanceArn"),
        status=str(n.get("NotebookInstanceStatus", "InService")),
        instance_type=n.get("InstanceType"),
        instance_count=1,
        component="notebook-instance",
        # The last status change of an in-service instance is its start.
        started_at=utc_time(n.get("LastModifiedTime")) or utc_time(n.get("CreationTime")),
    )


# -- collection -------------------------------------------------------------------------


@dataclass
class Collection:
    """What one refresh found; `problems` say what could not be read."""

    fetched_at: datetime
    scope: str
    rows: list[Running] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    failed_kinds: set[str] = field(default_factory=set)


def _mark(item: dict[str, Any]) -> tuple[Any, ...]:
    """What a list summary says that a describe would show changed (times as numbers)."""
    return tuple(
        v.timestamp() if isinstance(v, datetime) else v
        for v in (
            item.get("LastModifiedTime"),
            item.get("SecondaryStatus"),
            item.get("CreationTime"),
        )
    )


def is_own_app(a: dict[str, Any], env: Environment) -> bool:
    """Whether a ListApps entry is the app this server runs in."""
    return (
        a.get("DomainId") == env.domain_id
        and a.get("AppName") == env.app_name
        and a.get("AppType") == env.app_type
        and (a.get("SpaceName") or None) == env.space_name
        and bool(env.space_name or a.get("UserProfileName") == env.user_profile_name)
    )


def next_fresh_until(now: float, ttl: float, failures: int, max_backoff: float) -> float:
    """Until when a background result is fresh: the end of the current TTL window (one tab
    polling now and then refreshes as often as twenty would), or after failures a backoff
    doubling up to `max_backoff`."""
    if failures:
        wait = ttl * (2 ** min(failures, 10))
        return now + min(wait, max(max_backoff, ttl))
    return (math.floor(now / ttl) + 1) * ttl


class Collector:
    """Lists the running resources of `scope` ("mine" or "account") in the environment's region."""

    def __init__(
        self,
        aws: AwsLike,
        env: Callable[[], Environment],
        scope: str = "mine",
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        describe_concurrency: int = 4,
    ) -> None:
        self.aws = aws
        self._env = env
        self.scope = scope
        self._clock = clock
        self._describe_limit = asyncio.Semaphore(describe_concurrency)
        # Tags of a job do not change while it runs; remember them (bounded).
        self._tags: dict[str, dict[str, str]] = {}
        self._owner: str | None = None
        # The user's spaces, and when they were listed (a new space is rare).
        self._spaces: tuple[float, frozenset[str]] | None = None
        # What each describe call said, by describe operation and ARN, with the list
        # summary's fields it was read under: a job is described again only when those
        # change (or, for managed spot, every time: its billable time moves). Only the
        # jobs of the last listing are kept.
        self._described: dict[str, dict[str, tuple[tuple[Any, ...], Running | None]]] = {}
        # Endpoint configurations cannot change; an endpoint moves to a new one instead.
        self._configs: dict[str, dict[str, Any]] = {}
        #: Describe calls made by the last `collect` (the rest came from memory).
        self.last_describes = 0

    async def _identity(self, env: Environment) -> Identity:
        user = env.user_profile_name
        if not user and env.kind is Kind.STUDIO_SPACE and env.space_name:
            if self._owner is None:
                space = await self.aws.call(
                    "sagemaker", "describe_space", DomainId=env.domain_id, SpaceName=env.space_name
                )
                self._owner = str(
                    (space.get("OwnershipSettings") or {}).get("OwnerUserProfileName") or ""
                )
            user = self._owner or None
        ident = Identity(account_of(env.resource_arn), env.region, env.domain_id, user)
        spaces = set()
        if env.space_name:
            spaces.add(env.space_name)
        if env.domain_id and user:
            now = time.monotonic()
            if self._spaces is None or now - self._spaces[0] > SPACES_TTL_SECONDS:
                owned = frozenset(
                    str(s.get("SpaceName"))
                    for s in await self.aws.paginate(
                        "sagemaker", "list_spaces", "Spaces", DomainIdEquals=env.domain_id
                    )
                    if (s.get("OwnershipSettingsSummary") or {}).get("OwnerUserProfileName") == user
                )
                self._spaces = (now, owned)
            spaces.update(self._spaces[1])
        return replace(ident, space_names=frozenset(spaces))

    async def _tags_of(self, arn: str) -> dict[str, str]:
        found = self._tags.get(arn)
        if found is None:
            async with self._describe_limit:
                answer = await self.aws.call("sagemaker", "list_tags", ResourceArn=arn)
            # Only the tags that say whose it is are kept (memory: thousands of jobs).
            found = {
                sys.intern(str(t.get("Key"))): sys.intern(str(t.get("Value")))
                for t in answer.get("Tags") or []
                if t.get("Key") in (USER_PROFILE_TAG, SPACE_TAG)
            }
            if len(self._tags) > 5000:
                self._tags.clear()
            self._tags[arn] = found
        return found

    async def _mine(
        self, items: list[dict[str, Any]], arn_key: str, ident: Identity | None
    ) -> list[dict[str, Any]]:
        if ident is None:
            return items
        unknown = [i for i in items if str(i.get(arn_key)) not in self._tags]
        for start in range(0, len(unknown), _DESCRIBE_SLICE):
            part = unknown[start : start + _DESCRIBE_SLICE]
            await asyncio.gather(*(self._tags_of(str(i.get(arn_key))) for i in part))
        mine = []
        for i in items:
            tags = self._tags.get(str(i.get(arn_key)))
            if tags is None:  # forgotten meanwhile (the memory is bounded)
                tags = await self._tags_of(str(i.get(arn_key)))
            if ident.owns(tags):
                mine.append(i)
        return mine

    async def _describe(self, operation: str, **params: Any) -> dict[str, Any] | None:
        self.last_describes += 1
        async with self._describe_limit:
            try:
                return await self.aws.call("sagemaker", operation, **params)
            except AwsError as err:
                if err.not_found or err.code == "ValidationException":
                    return None  # it ended between the list and the describe
                raise

    async def _jobs(
        self,
        ident: Identity | None,
        list_op: str,
        list_key: str,
        name_key: str,
        arn_key: str,
        describe_op: str,
        build: Callable[[dict[str, Any]], Running],
    ) -> list[Running]:
        items = await self.aws.paginate(
            "sagemaker", list_op, list_key, StatusEquals="InProgress", MaxResults=100
        )
        items = await self._mine(items, arn_key, ident)
        # Tuning jobs are described every time: their trial counters move.
        reuse = describe_op != "describe_hyper_parameter_tuning_job"
        return await self._described_rows(
            items, name_key, arn_key, describe_op, build, lambda row: reuse
        )

    async def _described_rows(
        self,
        items: list[dict[str, Any]],
        name_key: str,
        arn_key: str,
        describe_op: str,
        build: Callable[[dict[str, Any]], Running | None],
        reuse: Callable[[Running | None], bool],
    ) -> list[Running]:
        """The rows of listed `items`, described only when new or changed (see __init__)."""
        known = self._described.get(describe_op, {})
        kept: dict[str, tuple[tuple[Any, ...], Running | None]] = {}

        async def row_of(item: dict[str, Any]) -> Running | None:
            arn = str(item.get(arn_key))
            mark = _mark(item)
            described = await self._describe(describe_op, **{name_key: item[name_key]})
            if not described:
                return None
            row = build(described)
            kept[arn] = (mark, row)
            return row

        rows: list[Running | None] = []
        todo: list[tuple[int, dict[str, Any]]] = []
        for item in items:
            arn = str(item.get(arn_key))
            mark = _mark(item)
            seen = known.get(arn)
            if seen is not None and seen[0] == mark and reuse(seen[1]):
                kept[arn] = seen
                rows.append(seen[1])
            else:
                todo.append((len(rows), item))
                rows.append(None)
        # In slices, so a first listing of thousands never holds thousands of tasks.
        for start in range(0, len(todo), _DESCRIBE_SLICE):
            part = todo[start : start + _DESCRIBE_SLICE]
            found = await asyncio.gather(*(row_of(item) for _, item in part))
            for (index, _), row in zip(part, found, strict=True):
                rows[index] = row
        self._described[describe_op] = kept
        return [r for r in rows if r is not None]

    async def _training(self, ident: Identity | None) -> list[Running]:
        items = await self.aws.paginate(
            "sagemaker",
            "list_training_jobs",
            "TrainingJobSummaries",
            StatusEquals="InProgress",
            MaxResults=100,
        )
        items = await self._mine(items, "TrainingJobArn", ident)

        def build(d: dict[str, Any]) -> Running | None:
            # Trials of a tuning job are priced on the tuning job's row.
            return None if d.get("TuningJobArn") else training_job(d)

        # A managed spot job is described every time: its billable time moves.
        return await self._described_rows(
            items,
            "TrainingJobName",
            "TrainingJobArn",
            "describe_training_job",
            build,
            lambda row: row is None or not row.spot,
        )

    async def _endpoints(self, ident: Identity | None) -> list[Running]:
        items = await self.aws.paginate(
            "sagemaker", "list_endpoints", "Endpoints", StatusEquals="InService"
        )
        items = await self._mine(items, "EndpointArn", ident)
        rows: list[Running] = []
        for item in items:
            endpoint = await self._describe("describe_endpoint", EndpointName=item["EndpointName"])
            if not endpoint:
                continue
            config_name = str(endpoint.get("EndpointConfigName"))
            config = self._configs.get(config_name)
            if config is None:
                config = await self._describe(
                    "describe_endpoint_config", EndpointConfigName=config_name
                )
                if config:
                    if len(self._configs) > 500:
                        self._configs.clear()
                    self._configs[config_name] = config
            rows.extend(endpoint_variants(endpoint, config or {}))
        return rows

    async def _apps(self, ident: Identity | None, env: Environment) -> list[Running]:
        params = {"DomainIdEquals": env.domain_id} if ident is not None and env.domain_id else {}
        apps = await self.aws.paginate("sagemaker", "list_apps", "Apps", **params)
        rows = []
        account = (ident.account if ident else None) or account_of(env.resource_arn)
        for a in apps:
            if a.get("Status") not in ("InService", "Pending"):
                continue
            if is_own_app(a, env):
                continue  # this server's own app: it is the header of the panel
            if ident is not None:
                space = a.get("SpaceName")
                mine = ident.owns_space(str(space)) if space else False
                if not space and ident.user_profile_name:
                    mine = a.get("UserProfileName") == ident.user_profile_name
                if not mine:
                    continue
            row = studio_app(a, env.region, account)
            if row is not None:
                rows.append(row)
        return rows

    async def _notebooks(self, ident: Identity | None, env: Environment) -> list[Running]:
        items = await self.aws.paginate(
            "sagemaker", "list_notebook_instances", "NotebookInstances", StatusEquals="InService"
        )
        if env.kind is Kind.NOTEBOOK_INSTANCE:
            items = [i for i in items if i.get("NotebookInstanceName") != env.app_name]
        items = await self._mine(items, "NotebookInstanceArn", ident)
        return [notebook_instance(i) for i in items]

    async def whoami(self) -> Identity:
        """This server's user, whatever the scope: an identity that owns nothing outside
        Studio. Raises AwsError (the space's owner is read from SageMaker)."""
        env = self._env()
        if env.kind not in (Kind.STUDIO_SPACE, Kind.STUDIO_CLASSIC):
            return Identity(account_of(env.resource_arn), env.region, None, None)
        return await self._identity(env)

    async def owner(self) -> Identity | None:
        """Whose resources are "mine": None only when the admin chose scope "account" (every
        resource in the region). Raises AwsError."""
        if self.scope != "mine":
            return None
        return await self.whoami()

    async def collect(self) -> Collection:
        self.last_describes = 0
        env = self._env()
        result = Collection(fetched_at=self._clock(), scope=self.scope)
        ident: Identity | None = None
        if self.scope == "mine":
            try:
                ident = await self.whoami()
            except AwsError as err:
                result.problems.append(problem(None, err, None))
                result.failed_kinds.update(KINDS)
                return result
            note = scope_note(env, ident)
            if note:
                result.problems.append(
                    {"kind": None, "code": "scope", "action": None, "message": note}
                )
            if not ident.anchored:
                return result  # nothing can be proven to be this user's: list nothing

        tasks: dict[str, Awaitable[list[Running]]] = {
            "training-job": self._training(ident),
            "tuning-job": self._jobs(
                ident,
                "list_hyper_parameter_tuning_jobs",
                "HyperParameterTuningJobSummaries",
                "HyperParameterTuningJobName",
                "HyperParameterTuningJobArn",
                "describe_hyper_parameter_tuning_job",
                tuning_job,
            ),
            "processing-job": self._jobs(
                ident,
                "list_processing_jobs",
                "ProcessingJobSummaries",
                "ProcessingJobName",
                "ProcessingJobArn",
                "describe_processing_job",
                processing_job,
            ),
            "transform-job": self._jobs(
                ident,
                "list_transform_jobs",
                "TransformJobSummaries",
                "TransformJobName",
                "TransformJobArn",
                "describe_transform_job",
                transform_job,
            ),
            "endpoint": self._endpoints(ident),
            "studio-app": self._apps(ident, env),
            "notebook-instance": self._notebooks(ident, env),
        }
        answers = await asyncio.gather(*tasks.values(), return_exceptions=True)
        for kind, answer in zip(tasks, answers, strict=True):
            if isinstance(answer, AwsError):
                action = LIST_ACTIONS[kind] if answer.operation.startswith("List") else None
                if answer.access_denied and answer.operation != "ListTags":
                    action = f"sagemaker:{answer.operation}"
                elif answer.access_denied:
                    action = "sagemaker:ListTags"
                result.problems.append(problem(kind, answer, action))
                result.failed_kinds.add(kind)
            elif isinstance(answer, BaseException):
                log.exception("jupyter-smcost: listing %s failed", kind, exc_info=answer)
                result.problems.append(
                    {"kind": kind, "code": "aws-error", "action": None, "message": repr(answer)}
                )
                result.failed_kinds.add(kind)
            else:
                result.rows.extend(answer)
        return result


# -- the cache --------------------------------------------------------------------------


class ResourceMonitor:
    """Caches `collect()` for `ttl_seconds`; at most one refresh runs at a time, and once a
    listing exists no request waits for one (the last listing is served meanwhile).

    A throttled or failed refresh keeps the last rows of the kinds that failed and waits
    longer before the next one (doubling up to `max_backoff_seconds`).
    """

    def __init__(
        self,
        collect: Callable[[], Awaitable[Collection]],
        ttl_seconds: float = 60.0,
        *,
        max_backoff_seconds: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._collect = collect
        self.ttl_seconds = ttl_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self._clock = clock
        self.current: Collection | None = None
        self._fresh_until = 0.0
        self._failures = 0
        self._inflight: asyncio.Future[Collection] | None = None
        self.refreshes = 0

    @property
    def loading(self) -> bool:
        return self._inflight is not None and not self._inflight.done()

    def _start(self) -> asyncio.Future[Collection]:
        if self._inflight is None or self._inflight.done():
            self._inflight = asyncio.ensure_future(self._refresh())
        return self._inflight

    async def _refresh(self) -> Collection:
        self.refreshes += 1
        try:
            found = await self._collect()
        except Exception as err:  # a bug guard: collect() reports AWS errors itself
            log.exception("jupyter-smcost: resource refresh failed")
            found = Collection(
                fetched_at=datetime.now(timezone.utc),
                scope=self.current.scope if self.current else "mine",
                problems=[
                    {"kind": None, "code": "aws-error", "action": None, "message": repr(err)}
                ],
                failed_kinds=set(KINDS),
            )
        previous = self.current
        if previous is not None and found.failed_kinds:
            # Keep what we knew of the kinds that could not be read this time.
            kept = [r for r in previous.rows if r.kind in found.failed_kinds]
            found.rows = found.rows + kept
        throttled = any(p.get("code") in ("throttled", "aws-error") for p in found.problems)
        self._failures = self._failures + 1 if throttled else 0
        self._fresh_until = next_fresh_until(
            self._clock(), self.ttl_seconds, self._failures, self.max_backoff_seconds
        )
        self.current = found
        return found

    async def settled(self) -> Collection | None:
        """The listing after the refresh in flight, if any, is done (tests, benchmarks)."""
        if self._inflight is not None and not self._inflight.done():
            await asyncio.shield(self._inflight)
        return self.current

    async def get(self, wait_seconds: float = 2.0) -> Collection | None:
        """The cached collection; a stale one starts a refresh in the background and is
        returned at once. Only the very first listing is waited for (`wait_seconds` at most)."""
        if self.current is not None:
            if self._clock() >= self._fresh_until:
                self._start()
            return self.current
        future = self._start()
        try:
            await asyncio.wait_for(asyncio.shield(future), wait_seconds)
        except asyncio.TimeoutError:
            pass
        return self.current


# -- pricing a collection ----------------------------------------------------------------


def price_keys(rows: Iterable[Running], region: str | None) -> list[PriceKey]:
    if not region:
        return []
    return [
        PriceKey(region, r.instance_type, r.component)
        for r in rows
        if r.instance_type and r.component and not r.unpriced_reason
    ]


def _rates(
    r: Running, price: dict[str, Any], now: datetime
) -> tuple[float | None, float | None, float | None]:
    """(on-demand $/h, $/h so far, running seconds) of a row at `now`.

    A spot job that AWS has billed for is at its effective rate so far: billable / elapsed
    x the on-demand rate."""
    rate = price.get("usd_per_hour") if price.get("known") else None
    on_demand = None if rate is None else float(rate) * r.instance_count
    running = None if r.started_at is None else max(0.0, (now - r.started_at).total_seconds())
    if on_demand is not None and r.spot and r.billable_seconds is not None and running:
        return on_demand, on_demand * min(1.0, max(0.0, r.billable_seconds / running)), running
    return on_demand, on_demand, running


def _row_json(
    r: Running, price: dict[str, Any], region: str | None, now: datetime
) -> dict[str, Any]:
    on_demand, usd_per_hour, running = _rates(r, price, now)
    detail = [r.detail] if r.detail else []
    cost = None
    if on_demand is not None:
        if r.billable_seconds is not None:
            cost = on_demand * r.billable_seconds / 3600
            if r.spot and running:
                share = min(1.0, max(0.0, r.billable_seconds / running))
                detail.append(
                    f"spot: billed {r.billable_seconds / 60:.0f} min of {running / 60:.0f} min, "
                    f"{share:.0%} of the on-demand ${on_demand:,.2f}/h"
                )
        elif running is not None:
            cost = on_demand * running / 3600
            if r.spot:
                detail.append("spot: upper bound until AWS reports the billable time")
        if r.kind == "endpoint" and running is not None:
            detail.append("cost so far assumes the current instance count")
    return {
        "kind": r.kind,
        "name": r.name,
        "arn": r.arn,
        "status": r.status,
        "instance_type": r.instance_type,
        "instance_count": r.instance_count,
        "spot": r.spot,
        "started_at": r.started_at.isoformat() if r.started_at else None,
        "running_seconds": None if running is None else round(running, 1),
        "max_runtime_seconds": r.max_runtime_seconds,
        "billable_seconds": r.billable_seconds,
        "usd_per_hour": usd_per_hour,
        "on_demand_usd_per_hour": on_demand,
        "cost_so_far_usd": cost,
        "price": price,
        "detail": "; ".join(detail),
        "console_url": r.console_url or console_url(region, r.kind, r.name),
    }


def priced_document(
    collection: Collection | None,
    prices: dict[PriceKey, dict[str, Any]],
    *,
    region: str | None,
    now: datetime,
    ttl_seconds: float,
    loading: bool,
    scope: str,
    unavailable_reason: str | None = None,
    max_rows: int | None = None,
) -> dict[str, Any]:
    """The `GET resources` document (see README, "REST API").

    Running times and costs so far are as of `now` (`generated_at`); a client adds the time
    since. With `max_rows`, only the most expensive rows are listed; the totals, `count`
    and `omitted` cover them all."""
    doc: dict[str, Any] = {
        "generated_at": now.isoformat(),
        "fetched_at": collection.fetched_at.isoformat() if collection else None,
        "ttl_seconds": ttl_seconds,
        "scope": collection.scope if collection else scope,
        "region": region,
        "resources": [],
        "total_usd_per_hour": 0.0,
        "unpriced": 0,
        "problems": [],
        "count": 0,
        "omitted": {"count": 0, "usd_per_hour": 0.0},
    }
    if unavailable_reason:
        doc["state"] = "unavailable"
        doc["problems"] = [
            {"kind": None, "code": "unavailable", "action": None, "message": unavailable_reason}
        ]
        return doc
    if collection is None:
        doc["state"] = "loading" if loading else "error"
        return doc
    problems = list(collection.problems)
    # Every row is priced (totals, problems); only the rows sent are turned into JSON.
    priced: list[tuple[float | None, Running, dict[str, Any]]] = []
    for r in collection.rows:
        if r.unpriced_reason:
            price = {
                "known": False,
                "usd_per_hour": None,
                "source": "unknown",
                "reason": r.unpriced_reason,
            }
        elif not r.instance_type or not region:
            price = {
                "known": False,
                "usd_per_hour": None,
                "source": "unknown",
                "reason": "AWS did not say which instance type it runs on",
            }
        else:
            price = prices.get(PriceKey(region, r.instance_type, r.component or "")) or {
                "known": False,
                "usd_per_hour": None,
                "source": "unknown",
                "reason": "no price",
            }
        priced.append((_rates(r, price, now)[1], r, price))
    unknown_reasons = {
        str(price.get("reason"))
        for rate, _, price in priced
        if rate is None and price.get("source") == "unknown"
    }
    for reason in sorted(unknown_reasons):
        problems.append({"kind": None, "code": "price-unknown", "action": None, "message": reason})
    priced.sort(key=lambda x: (x[0] is None, -(x[0] or 0.0), x[1].name))
    doc["total_usd_per_hour"] = sum(rate or 0.0 for rate, _, _ in priced)
    doc["unpriced"] = sum(1 for rate, _, _ in priced if rate is None)
    doc["count"] = len(priced)
    if max_rows is not None and len(priced) > max_rows:
        rest = priced[max_rows:]
        priced = priced[:max_rows]
        doc["omitted"] = {
            "count": len(rest),
            "usd_per_hour": sum(rate or 0.0 for rate, _, _ in rest),
        }
    doc["resources"] = [_row_json(r, price, region, now) for _, r, price in priced]
    doc["problems"] = problems
    failed = collection.failed_kinds
    doc["state"] = "error" if failed >= set(KINDS) else "partial" if failed else "ok"
    return doc
