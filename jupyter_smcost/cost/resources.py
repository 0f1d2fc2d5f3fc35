"""The user's running SageMaker resources that cost money, and what they cost.

`Collector.collect` reads the in-progress jobs, in-service endpoints, other Studio apps and
notebook instances from the inventory (inventory.py: the AWS reads, shared with the
suggestions) and makes them rows. `ResourceMonitor` caches the result for a TTL with one
refresh in flight (refresh.py), so the number of AWS calls does not grow with open tabs.
`priced_document` turns a cached collection into the `GET resources` document at the moment
of the request (running times and costs so far move on between refreshes). No tornado import.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ..aws import THROTTLING_CODES, AwsError
from ..environment import Environment, Kind
from ..refresh import Gate, Refresher
from .inventory import (
    DESCRIBE_SLICE,
    JOB_KINDS,
    AwsLike,
    Identity,
    Inventory,
    account_of,
    app_links,
    console_url,
    is_own_app,
    mark,
    scope_note,
    utc_time,
)
from .pricing.components import STUDIO_APP_COMPONENTS
from .pricing.model import PriceKey

if TYPE_CHECKING:
    from .shared_inventory import SharedInventoryReader

log = logging.getLogger(__name__)

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

#: Everything the collector calls; docs/admins.md's IAM policy lists the same actions.
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
        "sagemaker:Search",
    }
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


def problem(kind: str | None, err: AwsError, action: str | None) -> dict[str, Any]:
    """A collection failure in words a user can act on."""
    if err.access_denied:
        what = action or f"sagemaker:{err.operation}"
        return {
            "kind": kind,
            "code": "permission",
            "action": what,
            "message": f"no permission for {what}: add it to the execution role "
            "(jupyter smcost policy --for user prints the policy)",
        }
    if err.code in THROTTLING_CODES:
        return {
            "kind": kind,
            "code": "throttled",
            "action": action,
            "message": f"AWS is throttling {err.operation}; trying again later",
        }
    return {"kind": kind, "code": "aws-error", "action": action, "message": str(err)}


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
    return _job_row(
        d,
        "training-job",
        "training",
        instance,
        count,
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
    return _job_row(
        d,
        "tuning-job",
        "training",
        rc.get("InstanceType"),
        running * per_trial,
        spot=bool(definition.get("EnableManagedSpotTraining")),
        detail=detail,
    )


def processing_job(d: dict[str, Any]) -> Running:
    cluster = (d.get("ProcessingResources") or {}).get("ClusterConfig") or {}
    stop = d.get("StoppingCondition") or {}
    return _job_row(
        d,
        "processing-job",
        "processing",
        cluster.get("InstanceType"),
        _int(cluster.get("InstanceCount")),
        max_runtime_seconds=_num(stop.get("MaxRuntimeInSeconds")),
    )


def transform_job(d: dict[str, Any]) -> Running:
    res = d.get("TransformResources") or {}
    instance, count = res.get("InstanceType"), _int(res.get("InstanceCount"))
    return _job_row(d, "transform-job", "transform", instance, count)


def _job_row(
    d: dict[str, Any], kind: str, component: str, instance: str | None, count: int, **extra: Any
) -> Running:
    """A described job of `kind` on `count` x `instance`, priced as `component`."""
    spec = JOB_KINDS[kind]
    return Running(
        kind=kind,
        name=str(d.get(spec.name_key)),
        arn=d.get(spec.arn_key),
        status=str(d.get(spec.status_key, "InProgress")),
        instance_type=instance,
        instance_count=count,
        component=component,
        started_at=utc_time(d.get(spec.start_key)) or utc_time(d.get("CreationTime")),
        **extra,
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
    """A Studio app from ListApps; None for apps on free system instances. Its ARN is built
    in `region` of `account` (see `app_links`)."""
    app_type = str(a.get("AppType", ""))
    instance = (a.get("ResourceSpec") or {}).get("InstanceType")
    if app_type == "JupyterServer" or not instance or instance == "system":
        return None
    owner = a.get("SpaceName") or a.get("UserProfileName") or "?"
    app_name = str(a.get("AppName", "default"))
    arn, console = app_links(a, region, account)
    return Running(
        kind="studio-app",
        name=f"{owner}/{app_type}/{app_name}",
        arn=arn,
        console_url=console,
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


class Collector:
    """Lists the running resources of `scope` ("mine" or "account") in the environment's
    region, from `inventory` (shared with the suggestions; its own one without)."""

    def __init__(
        self,
        aws: AwsLike,
        env: Callable[[], Environment],
        scope: str = "mine",
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        describe_concurrency: int = 4,
        inventory: Inventory | None = None,
        shared: SharedInventoryReader | None = None,
    ) -> None:
        self.aws = aws
        #: Whether the last collection came from it (then a refresh is one S3 read: the
        #: listing's TTL need not grow).
        self.from_shared = False
        self._env = env
        self.scope = scope
        self._clock = clock
        self.inventory = inventory or Inventory(aws, env, describe_concurrency=describe_concurrency)
        if shared is not None:
            self.inventory.shared = shared
        # The rows each describe call gave, by describe operation and ARN, with the list
        # summary's mark they were read under: a job is described again only when it
        # changes (or, for managed spot, every time: its billable time moves). Only the
        # jobs of the last listing are kept.
        self._described: dict[str, dict[str, tuple[tuple[Any, ...], Running | None]]] = {}
        #: Describe calls made by the last `collect` (the rest came from memory).
        self.last_describes = 0

    def _counted(self) -> None:
        self.last_describes += 1

    async def _jobs(
        self,
        ident: Identity | None,
        kind: str,
        build: Callable[[dict[str, Any]], Running | None],
        reuse: Callable[[Running | None], bool],
    ) -> list[Running]:
        """The rows of the running jobs of `kind`: found by Search where it serves, else
        listed, their tags read and each described only when new or changed."""
        spec = JOB_KINDS[kind]
        if ident is not None:
            searched = await self.inventory.search_mine(kind, ident)
            if searched is not None:
                return [r for r in map(build, searched) if r is not None]
        items = await self.inventory.running_jobs(kind)
        items = await self.inventory.owned(items, spec.arn_key, ident)
        known = self._described.get(spec.describe_op, {})
        kept: dict[str, tuple[tuple[Any, ...], Running | None]] = {}

        async def row_of(item: dict[str, Any]) -> Running | None:
            described = await self.inventory.describe_job(kind, item, self._counted)
            if not described:
                return None
            row = build(described)
            kept[str(item.get(spec.arn_key))] = (mark(item), row)
            return row

        rows: list[Running | None] = []
        todo: list[tuple[int, dict[str, Any]]] = []
        for item in items:
            arn = str(item.get(spec.arn_key))
            seen = known.get(arn)
            if seen is not None and seen[0] == mark(item) and reuse(seen[1]):
                kept[arn] = seen
                rows.append(seen[1])
            else:
                todo.append((len(rows), item))
                rows.append(None)
        # In slices, so a first listing of thousands never holds thousands of tasks.
        for start in range(0, len(todo), DESCRIBE_SLICE):
            part = todo[start : start + DESCRIBE_SLICE]
            found = await asyncio.gather(*(row_of(item) for _, item in part))
            for (index, _), row in zip(part, found, strict=True):
                rows[index] = row
        self._described[spec.describe_op] = kept
        return [r for r in rows if r is not None]

    async def _endpoints(self, ident: Identity | None) -> list[Running]:
        found = None if ident is None else await self.inventory.search_mine("endpoint", ident)
        if found is None:
            items = await self.inventory.endpoints()
            items = await self.inventory.owned(items, "EndpointArn", ident)
            described = [await self.inventory.describe_endpoint(i, self._counted) for i in items]
            found = [d for d in described if d]
        rows: list[Running] = []
        for endpoint in found:
            config = await self.inventory.endpoint_config(
                str(endpoint.get("EndpointConfigName")), self._counted
            )
            rows.extend(endpoint_variants(endpoint, config or {}))
        return rows

    async def _apps(self, ident: Identity | None, env: Environment) -> list[Running]:
        apps = await self.inventory.apps(env.domain_id if ident is not None else None, ident)
        rows = []
        account = (ident.account if ident else None) or account_of(env.resource_arn)
        for a in apps:
            if a.get("Status") not in ("InService", "Pending"):
                continue
            if is_own_app(a, env):
                continue  # this server's own app: it is the header of the panel
            if ident is not None and not ident.owns_app(a):
                continue
            row = studio_app(a, env.region, account)
            if row is not None:
                rows.append(row)
        return rows

    async def _notebooks(self, ident: Identity | None, env: Environment) -> list[Running]:
        items = await self.inventory.notebook_instances()
        if env.kind is Kind.NOTEBOOK_INSTANCE:
            items = [i for i in items if i.get("NotebookInstanceName") != env.app_name]
        items = await self.inventory.owned(items, "NotebookInstanceArn", ident)
        return [notebook_instance(i) for i in items]

    async def whoami(self) -> Identity:
        """This server's user, whatever the scope: an identity that owns nothing outside
        Studio. Raises AwsError (the space's owner is read from SageMaker)."""
        return await self.inventory.whoami()

    async def owner(self) -> Identity | None:
        """Whose resources are "mine": None only when the admin chose scope "account" (every
        resource in the region). Raises AwsError."""
        if self.scope != "mine":
            return None
        return await self.whoami()

    async def collect(self) -> Collection:
        self.inventory.read_afresh()
        async with self.inventory.reading():
            return await self._collect()

    async def collect_in_round(self) -> Collection:
        """`collect` as one of the readers of a round the caller holds open (the shared
        inventory's Lambda: every owner of a domain shares each listing)."""
        return await self._collect()

    async def _collect(self) -> Collection:
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
            read = await self.inventory.read_shared()
            self.from_shared = read is not None and read.found is not None
            if read is not None:
                if read.found is not None:
                    return _from_shared(read.found, result, env)
                result.problems.append(
                    {"kind": None, "code": "inventory", "action": None, "message": read.reason}
                )

        tasks: dict[str, Awaitable[list[Running]]] = {
            # A managed spot job is described every time (its billable time moves), a
            # tuning job too (its trial counters move).
            "training-job": self._jobs(
                ident, "training-job", _training_row, lambda row: row is None or not row.spot
            ),
            "tuning-job": self._jobs(ident, "tuning-job", tuning_job, lambda row: False),
            "processing-job": self._jobs(ident, "processing-job", processing_job, _always),
            "transform-job": self._jobs(ident, "transform-job", transform_job, _always),
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


def _from_shared(found: Collection, here: Collection, env: Environment) -> Collection:
    """The shared inventory's rows of this user, less this server's own app (the panel's
    header), with this server's notes first."""
    where = env.space_name or env.user_profile_name
    own = {env.resource_arn, f"{where}/{env.app_type}/{env.app_name}" if where else None} - {None}

    def is_own(r: Running) -> bool:
        return r.kind == "studio-app" and bool({r.arn, r.name} & own)

    # A copy: the document read is kept for the next readers.
    return replace(
        found,
        rows=[r for r in found.rows if not is_own(r)],
        problems=here.problems + found.problems,
        failed_kinds=set(found.failed_kinds),
    )


def _training_row(d: dict[str, Any]) -> Running | None:
    # Trials of a tuning job are priced on the tuning job's row.
    return None if d.get("TuningJobArn") else training_job(d)


def _always(row: Running | None) -> bool:
    return True


# -- the cache --------------------------------------------------------------------------


def _transient(found: Collection) -> bool:
    return any(p.get("code") in ("throttled", "aws-error") for p in found.problems)


def _what_runs(found: Collection) -> tuple[Any, ...]:
    """What a listing says runs, for telling whether anything changed (costs so far and
    billable times move on their own)."""
    rows = sorted(
        (r.kind, r.arn or r.name, r.status, r.instance_type, r.instance_count) for r in found.rows
    )
    problems = sorted((str(p.get("kind")), str(p.get("code"))) for p in found.problems)
    return tuple(rows), tuple(problems)


def same_listing(before: Collection, after: Collection) -> bool:
    return _what_runs(before) == _what_runs(after)


class ResourceMonitor(Refresher[Collection]):
    """Caches `collect()` for `ttl_seconds`; at most one refresh runs at a time, and once a
    listing exists no request waits for one (the last listing is served meanwhile).

    A throttled or failed refresh keeps the last rows of the kinds that failed and waits
    longer before the next one (doubling up to `max_backoff_seconds`). With
    `max_ttl_seconds`, the TTL grows while what runs stays the same (refresh.py; `acted`,
    `jitter` and `gate` as there).
    """

    def __init__(
        self,
        collect: Callable[[], Awaitable[Collection]],
        ttl_seconds: float | Callable[[], float] = 60.0,
        *,
        max_backoff_seconds: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
        max_ttl_seconds: float | Callable[[], float] | None = None,
        acted: Callable[[], float] | None = None,
        jitter: float = 0.0,
        rng: random.Random | None = None,
        gate: Gate | None = None,
    ) -> None:
        super().__init__(
            self._listing,
            ttl_seconds,
            failed=_transient,
            max_backoff_seconds=max_backoff_seconds,
            clock=clock,
            what="resource refresh",
            same=same_listing,
            max_ttl_seconds=max_ttl_seconds,
            acted=acted,
            jitter=jitter,
            rng=rng,
            gate=gate,
        )
        self._collect = collect

    async def _listing(self, started: float) -> Collection:
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
        return found


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


def row_price(
    r: Running, prices: dict[PriceKey, dict[str, Any]], region: str | None
) -> dict[str, Any]:
    """A row's price from the prices looked up for `price_keys` (unknown, with why, else)."""
    reason = "no price"
    if r.unpriced_reason:
        reason = r.unpriced_reason
    elif not r.instance_type or not region:
        reason = "AWS did not say which instance type it runs on"
    else:
        found = prices.get(PriceKey(region, r.instance_type, r.component or ""))
        if found is not None:
            return found
    return {"known": False, "usd_per_hour": None, "source": "unknown", "reason": reason}


def hourly_rate(r: Running, price: dict[str, Any], now: datetime) -> float | None:
    """A row's $/h at `now` as GET resources shows it (spot: the effective rate so far)."""
    return _rates(r, price, now)[1]


#: The kinds whose describe call bounds their runtime (StoppingCondition.MaxRuntimeInSeconds).
BOUNDED_KINDS = frozenset({"training-job", "processing-job", "transform-job"})


def worst_case_usd(r: Running, on_demand_usd_per_hour: float | None) -> float | None:
    """An InProgress job's cost if it runs its max runtime: the on-demand rate x count x
    MaxRuntimeInSeconds (a spot job's bound too: spot bills at most on demand); None when
    the rate or the max runtime is unknown, or the row is not a running job."""
    if r.kind not in BOUNDED_KINDS or r.status != "InProgress":
        return None
    runtime = r.max_runtime_seconds
    if on_demand_usd_per_hour is None or runtime is None:
        return None
    if not (math.isfinite(runtime) and runtime > 0):
        return None
    worst = on_demand_usd_per_hour * runtime / 3600.0
    return worst if math.isfinite(worst) else None


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
        "worst_case_usd": worst_case_usd(r, on_demand),
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
    aws_busy: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The `GET resources` document (docs/rest-api.md, docs/openapi.json).

    Running times and costs so far are as of `now` (`generated_at`); a client adds the time
    since. With `max_rows`, only the most expensive rows are listed; the totals, `count`
    and `omitted` cover them all. `aws_busy` is `Pace.busy_json()`: while AWS throttles,
    the listing is the one `fetched_at` names."""
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
        "aws_busy": aws_busy,
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
        price = row_price(r, prices, region)
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
