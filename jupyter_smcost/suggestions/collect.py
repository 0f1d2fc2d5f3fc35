"""Gathers the facts the suggestion rules read, from AWS and from this server, in the
background (never inside a request).

Every AWS call goes through the injected client (async `call`/`paginate`, run off the
event loop). A source that cannot be read becomes an entry of `Facts.missing` naming the IAM
action to add; only the rules that declare it (rules/) stay silent and the others still run.
A source read only in part (one endpoint's model refused) is marked `partial`: the rules run
on what was read. Each source's calls are in `SOURCE_ACTIONS`.

What is remembered, so a refresh costs few calls whatever the number of open tabs:
- a job that has ended is described once (it cannot change again), and its tags kept;
- a running job or endpoint is described again only when its list summary changes, and
  tags are read once per resource (an action on it reads them again);
- endpoint configurations and models never change (an update makes new ones);
- a bucket's region never changes; the domain's Docker setting is read hourly;
- the Savings Plans recommendation is asked for once a day (each Cost Explorer request is
  billed, and AWS refreshes its recommendations about daily).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from ..aws import THROTTLING_CODES, AwsError
from ..cost.app_cost import environment_component
from ..cost.cost_explorer import COST_EXPLORER_REGION
from ..cost.inventory import (
    DESCRIBE_SLICE,
    ENDED,
    JOB_KINDS,
    AwsLike,
    Identity,
    Inventory,
    account_of,
    app_links,
    console_url,
    is_own_app,
    scope_note,
    tag_dict,
    utc_time,
)
from ..cost.pricing.components import STUDIO_APP_COMPONENTS
from ..environment import Environment, Kind
from . import engine
from .model import (
    AppFact,
    EndpointFact,
    Facts,
    IdleFacts,
    JobFact,
    PriceFact,
    ResourceRef,
    SavingsPlanFact,
    SpaceUsage,
    Thresholds,
    VariantFact,
)

log = logging.getLogger(__name__)

#: The IAM actions behind each source read from AWS (rules/ declares which rules read which
#: source); docs/admins.md's policy lists the same. A refused call fails the source it is in.
SOURCE_ACTIONS: dict[str, tuple[str, ...]] = {
    # Read by the inventory (cost/inventory.py), which cost/resources.py reads too.
    "owner": ("sagemaker:DescribeSpace", "sagemaker:ListSpaces"),
    "training-jobs": (
        "sagemaker:ListTrainingJobs",
        "sagemaker:DescribeTrainingJob",
        "sagemaker:Search",
    ),
    "processing-jobs": ("sagemaker:ListProcessingJobs", "sagemaker:DescribeProcessingJob"),
    "resource-tags": ("sagemaker:ListTags",),
    "endpoints": ("sagemaker:ListEndpoints", "sagemaker:DescribeEndpoint", "sagemaker:Search"),
    "endpoint-configs": ("sagemaker:DescribeEndpointConfig",),
    "endpoint-models": ("sagemaker:DescribeModel",),
    "endpoint-metrics": ("cloudwatch:GetMetricData",),
    "apps": ("sagemaker:ListApps", "sagemaker:DescribeApp"),
    "domain": ("sagemaker:DescribeDomain",),
    "savings-plan": ("ce:GetSavingsPlansPurchaseRecommendation",),
    "bucket-regions": ("s3:GetBucketLocation",),
}

#: Every AWS action the collector calls itself (tests check the user policy against it).
REQUIRED_ACTIONS = sorted(
    {
        action
        for source, actions in SOURCE_ACTIONS.items()
        if source != "owner"
        for action in actions
    }
)

#: GetMetricData takes at most 500 queries; five per endpoint variant.
_QUERIES_PER_CALL = 500
DOMAIN_TTL_SECONDS = 3600.0
SAVINGS_PLAN_TTL_SECONDS = 86400.0


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 1


# -- fingerprints: what an action compares before it acts (see actions.py) ---------------


def job_fingerprint(described: dict[str, Any], status_key: str) -> str:
    return str(described.get(status_key) or "")


def endpoint_fingerprint(described: dict[str, Any]) -> str:
    modified = utc_time(described.get("LastModifiedTime"))
    return "|".join(
        (
            str(described.get("EndpointStatus") or ""),
            str(described.get("EndpointConfigName") or ""),
            modified.isoformat() if modified else "",
        )
    )


def app_fingerprint(described: dict[str, Any]) -> str:
    # A user who came back to the app since the advice changes it: it is no longer idle.
    last = utc_time(described.get("LastUserActivityTimestamp"))
    return f"{described.get('Status') or ''}|{last.isoformat() if last else ''}"


def idle_fingerprint(idle: IdleFacts | None) -> str:
    return idle.fingerprint if idle is not None else ""


# -- building facts from AWS's answers (pure) --------------------------------------------


def training_fact(d: dict[str, Any], tags: dict[str, str], region: str | None) -> JobFact:
    rc = d.get("ResourceConfig") or {}
    instance = rc.get("InstanceType")
    count = _count(rc.get("InstanceCount"))
    groups = rc.get("InstanceGroups") or []
    if not instance and groups:
        instance = groups[0].get("InstanceType")
        count = sum(_count(g.get("InstanceCount")) for g in groups)
    inputs = tuple(
        str(((c.get("DataSource") or {}).get("S3DataSource") or {}).get("S3Uri"))
        for c in d.get("InputDataConfig") or []
        if ((c.get("DataSource") or {}).get("S3DataSource") or {}).get("S3Uri")
    )
    return _job_fact(
        d,
        "training-job",
        instance,
        count,
        inputs,
        tags,
        region,
        training_seconds=_number(d.get("TrainingTimeInSeconds")),
        billable_seconds=_number(d.get("BillableTimeInSeconds")),
        spot=bool(d.get("EnableManagedSpotTraining")),
        checkpoints=bool((d.get("CheckpointConfig") or {}).get("S3Uri")),
    )


def processing_fact(d: dict[str, Any], tags: dict[str, str], region: str | None) -> JobFact:
    cluster = (d.get("ProcessingResources") or {}).get("ClusterConfig") or {}
    inputs = tuple(
        str((i.get("S3Input") or {}).get("S3Uri"))
        for i in d.get("ProcessingInputs") or []
        if (i.get("S3Input") or {}).get("S3Uri")
    )
    instance, count = cluster.get("InstanceType"), _count(cluster.get("InstanceCount"))
    return _job_fact(d, "processing-job", instance, count, inputs, tags, region)


def _job_fact(
    d: dict[str, Any],
    kind: str,
    instance: str | None,
    count: int,
    inputs: tuple[str, ...],
    tags: dict[str, str],
    region: str | None,
    **extra: Any,
) -> JobFact:
    spec = JOB_KINDS[kind]
    name = str(d.get(spec.name_key))
    return JobFact(
        kind=kind,
        name=name,
        arn=str(d.get(spec.arn_key)),
        status=str(d.get(spec.status_key) or ""),
        instance_type=instance,
        instance_count=count,
        created_at=utc_time(d.get("CreationTime")),
        started_at=utc_time(d.get(spec.start_key)),
        ended_at=utc_time(d.get(spec.end_key)),
        inputs=inputs,
        tags=tags,
        fingerprint=job_fingerprint(d, spec.status_key),
        console_url=console_url(region, kind, name),
        **extra,
    )


def docker_access_of(domain: dict[str, Any]) -> bool | None:
    """Whether a domain (DescribeDomain's answer) lets its users run Docker (local mode)."""
    docker = ((domain.get("DomainSettings") or {}).get("DockerSettings") or {}).get(
        "EnableDockerAccess"
    )
    if docker is None:
        # AWS's default is DISABLED: a domain that does not say is a domain without it.
        return False if domain else None
    return str(docker).upper() == "ENABLED"


def model_images(model: dict[str, Any]) -> tuple[str, ...]:
    containers = model.get("Containers") or []
    if containers:
        return tuple(str(c.get("Image")) for c in containers if c.get("Image"))
    image = (model.get("PrimaryContainer") or {}).get("Image")
    return (str(image),) if image else ()


def bucket_of(uri: str) -> str | None:
    if not uri.startswith("s3://"):
        return None
    bucket = uri[5:].split("/", 1)[0]
    return bucket or None


def bucket_region(answer: dict[str, Any]) -> str:
    """GetBucketLocation's answer as a region (None means us-east-1, "EU" eu-west-1)."""
    location = answer.get("LocationConstraint")
    if not location:
        return "us-east-1"
    return "eu-west-1" if location == "EU" else str(location)


def savings_plan_fact(answer: dict[str, Any]) -> SavingsPlanFact | None:
    rec = answer.get("SavingsPlansPurchaseRecommendation") or {}
    summary = rec.get("SavingsPlansPurchaseRecommendationSummary") or {}
    saving = _number(summary.get("EstimatedMonthlySavingsAmount"))
    if saving is None or saving <= 0:
        return None
    return SavingsPlanFact(
        estimated_monthly_savings_usd=saving,
        hourly_commitment_usd=_number(summary.get("HourlyCommitmentToPurchase")),
        estimated_savings_percent=_number(summary.get("EstimatedSavingsPercentage")),
        term=str(rec.get("TermInYears") or ""),
        payment_option=str(rec.get("PaymentOption") or ""),
        lookback=str(rec.get("LookbackPeriodInDays") or ""),
        estimated_on_demand_cost_usd=_number(
            summary.get("EstimatedOnDemandCostWithCurrentCommitment")
        ),
        currency=str(summary.get("CurrencyCode") or "USD"),
    )


class SourceFailed(Exception):
    """A call that belongs to another source than the one reading it failed (ListTags while
    listing jobs): that source is the one missing."""

    def __init__(self, source: str, err: AwsError) -> None:
        super().__init__(str(err))
        self.source = source
        self.err = err


def missing_entry(source: str, err: AwsError) -> dict[str, Any]:
    if err.access_denied:
        # The refused call itself: a source may read several.
        known = SOURCE_ACTIONS.get(source) or ("sagemaker:",)
        action = f"{known[0].split(':')[0]}:{err.operation}" if err.operation else known[0]
        return {
            "code": "permission",
            "action": action,
            "message": f"no permission for {action}: add it to the execution role "
            "(jupyter smcost policy --for user prints the policy)",
        }
    if err.code in THROTTLING_CODES:
        return {"code": "throttled", "action": None, "message": f"AWS throttles {err.operation}"}
    return {"code": "aws-error", "action": None, "message": str(err)}


@dataclass
class Shortfall:
    """Of the `read` resources of a source, `failed` could not be read (the last error)."""

    err: AwsError | None
    read: int = 0
    failed: int = 0

    def entry(self, source: str) -> dict[str, Any]:
        assert self.err is not None
        entry = missing_entry(source, self.err)
        if self.failed < self.read:
            entry["partial"] = True
            entry["message"] += f" ({self.failed} of {self.read} left out)"
        return entry


@dataclass
class _Memo:
    """What stays true between refreshes (see the module docstring; the inventory keeps
    the tags and endpoint configurations)."""

    # arn -> (list summary mark, fact) for jobs; ended ones are kept whatever the mark.
    jobs: dict[str, tuple[tuple[Any, ...], JobFact | None]]
    models: dict[str, tuple[str, ...]]
    buckets: dict[str, str]
    domain: tuple[float, bool | None] | None = None
    savings_plan: tuple[float, SavingsPlanFact | None] | None = None


class FactsCollector:
    """Collects `Facts` for one refresh of the suggestions. What SageMaker resources there
    are is read from `inventory`, the resources listing's one (its own one without)."""

    def __init__(
        self,
        aws: AwsLike,
        env: Callable[[], Environment],
        owner: Callable[[], Awaitable[Identity | None]],
        *,
        whoami: Callable[[], Awaitable[Identity]] | None = None,
        usage: Callable[[], SpaceUsage | None] | None = None,
        idle: Callable[[], IdleFacts | None] = lambda: None,
        prices: Callable[[list[tuple[str, str]]], Awaitable[dict[tuple[str, str], PriceFact]]]
        | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        monotonic: Callable[[], float] = time.monotonic,
        describe_concurrency: int = 4,
        inventory: Inventory | None = None,
    ) -> None:
        self.aws = aws
        self.inventory = inventory or Inventory(
            aws, env, clock=monotonic, describe_concurrency=describe_concurrency
        )
        self._env = env
        self._owner = owner
        self._whoami = whoami
        self._usage = usage
        self._idle = idle
        self._prices = prices
        self._clock = clock
        self._monotonic = monotonic
        self._limit = asyncio.Semaphore(describe_concurrency)
        self._memo = _Memo({}, {}, {})
        #: AWS calls made by the last `collect` (benchmarks, tests).
        self.last_calls = 0
        # The sources last logged as missing, with what was said (see `_report`).
        self._said: dict[str, str] = {}

    # -- helpers -------------------------------------------------------------------

    async def _call(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        self.last_calls += 1
        async with self._limit:
            return await self.aws.call(service, operation, **params)

    def _counted(self) -> None:
        self.last_calls += 1

    async def _tags(self, arn: str) -> dict[str, str]:
        """All tags of `arn`, read once per resource: Studio tags the owner at creation (an
        action on the resource, `forget`, reads them again)."""
        try:
            return await self.inventory.tags(arn, counted=self._counted)
        except AwsError as err:
            raise SourceFailed("resource-tags", err) from err

    def forget(self, arn: str | None) -> None:
        """An action changed this resource: read it (and its tags) again next time, and
        nothing the inventory read before."""
        self.inventory.forget(arn)
        if arn:
            self._memo.jobs.pop(arn, None)

    # -- sources -------------------------------------------------------------------

    async def jobs(self, kind: str, ident: Identity | None, lookback_days: float) -> list[JobFact]:
        """The recent and running jobs of one kind (each kind is its own source)."""
        spec = JOB_KINDS[kind]
        region = self._env().region
        after = self._clock() - timedelta(days=lookback_days)
        if ident is not None:
            found = await self.inventory.shared_mine(kind, ident, after)
            if found is None:
                found = await self._searched(kind, ident, after)
            if found is not None:
                build = training_fact if kind == "training-job" else processing_fact
                return [
                    build(d, tag_dict(d.get("Tags")), region)
                    for d in found
                    # A tuning trial: its cost is the tuning job's, and nobody ran it by hand.
                    if not d.get("TuningJobArn")
                ]
        items = await self.inventory.recent_jobs(kind, after)
        kept: dict[str, tuple[tuple[Any, ...], JobFact | None]] = {}

        async def fact_of(item: dict[str, Any]) -> JobFact | None:
            arn = str(item.get(spec.arn_key))
            mark = (item.get("LastModifiedTime"), item.get(spec.status_key))
            seen = self._memo.jobs.get(arn)
            # An ended job cannot change again; a running one only when its summary does.
            if seen is not None and (seen[0] == mark or seen[1] is None or seen[1].status in ENDED):
                kept[arn] = seen
                return seen[1]
            tags = await self._tags(arn)
            if ident is not None and not ident.owns(tags):
                kept[arn] = (mark, None)
                return None
            described = await self.inventory.describe_job(kind, item, self._counted)
            if described is None:
                return None
            if kind == "training-job" and described.get("TuningJobArn"):
                # A tuning trial: its cost is the tuning job's, and nobody ran it by hand.
                kept[arn] = (mark, None)
                return None
            build = training_fact if kind == "training-job" else processing_fact
            fact = build(described, tags, region)
            kept[arn] = (mark, fact)
            return fact

        facts: list[JobFact] = []
        for start in range(0, len(items), DESCRIBE_SLICE):
            answers = await asyncio.gather(*map(fact_of, items[start : start + DESCRIBE_SLICE]))
            facts.extend(f for f in answers if f is not None)
        # Keep only what the last listing showed (memory stays bounded).
        others = {a: v for a, v in self._memo.jobs.items() if f":{kind}/" not in a}
        self._memo.jobs = {**others, **kept}
        return facts

    async def _searched(
        self, kind: str, ident: Identity, after: datetime
    ) -> list[dict[str, Any]] | None:
        """The recent and the running jobs of `kind` as Search finds them (None: list)."""
        recent = await self.inventory.search_mine(kind, ident, running=False, after=after)
        if recent is None:
            return None
        running = await self.inventory.search_mine(kind, ident) or []
        spec = JOB_KINDS[kind]
        return list({str(d.get(spec.arn_key)): d for d in (*recent, *running)}.values())

    async def endpoints(
        self, ident: Identity | None
    ) -> tuple[list[EndpointFact], dict[str, Shortfall]]:
        """The user's endpoints, and what could not be read of them by source: an endpoint
        whose configuration is refused has no variants, a variant whose model is refused no
        images, and the rules that need neither still see the endpoint."""
        env = self._env()
        facts: list[EndpointFact] = []
        short: dict[str, Shortfall] = {}

        def tally(source: str, err: AwsError | None = None) -> None:
            count = short.setdefault(source, Shortfall(None))
            count.read += 1
            if err is not None:
                count.err, count.failed = err, count.failed + 1

        for arn, described, tags in await self._my_endpoints(ident):
            config_name = str(described.get("EndpointConfigName") or "")
            try:
                config = (
                    await self.inventory.endpoint_config(config_name, self._counted, gone=_never)
                    or {}
                )
            except AwsError as err:
                tally("endpoint-configs", err)
                config = {}  # no variants: not remembered, asked again next time
            else:
                tally("endpoint-configs")
            counts = {
                str(v.get("VariantName")): v for v in described.get("ProductionVariants") or []
            }
            variants = []
            for v in config.get("ProductionVariants") or []:
                variant_name = str(v.get("VariantName"))
                model = str(v.get("ModelName") or "")
                images = self._memo.models.get(model)
                if images is None and model:
                    try:
                        answer = await self._call("sagemaker", "describe_model", ModelName=model)
                    except AwsError as err:
                        if not (err.not_found or err.code == "ValidationException"):
                            tally("endpoint-models", err)  # not remembered: asked again
                        else:
                            tally("endpoint-models")
                            self._memo.models[model] = ()
                    else:
                        tally("endpoint-models")
                        if len(self._memo.models) > 500:
                            self._memo.models.clear()
                        self._memo.models[model] = images = model_images(answer)
                elif model:
                    tally("endpoint-models")
                current = counts.get(variant_name) or {}
                serverless = bool(
                    v.get("ServerlessConfig") or current.get("CurrentServerlessConfig")
                )
                count = current.get("CurrentInstanceCount", v.get("InitialInstanceCount"))
                variants.append(
                    VariantFact(
                        name=variant_name,
                        instance_type=v.get("InstanceType"),
                        instance_count=0 if serverless else _count(count),
                        images=images or (),
                        serverless=serverless,
                    )
                )
            name = str(described.get("EndpointName"))
            facts.append(
                EndpointFact(
                    name=name,
                    arn=arn,
                    status=str(described.get("EndpointStatus")),
                    config_name=config_name,
                    created_at=utc_time(described.get("CreationTime")),
                    variants=tuple(variants),
                    tags=tags,
                    fingerprint=endpoint_fingerprint(described),
                    console_url=console_url(env.region, "endpoint", name),
                )
            )
        return facts, {source: f for source, f in short.items() if f.err is not None}

    async def _my_endpoints(
        self, ident: Identity | None
    ) -> list[tuple[str, dict[str, Any], dict[str, str]]]:
        """(ARN, description, tags) of the user's in-service endpoints."""
        found = None
        if ident is not None:
            found = await self.inventory.shared_mine("endpoint", ident)
            if found is None:
                found = await self.inventory.search_mine("endpoint", ident)
        if found is not None:
            return [(str(d.get("EndpointArn")), d, tag_dict(d.get("Tags"))) for d in found]
        mine = []
        for item in await self.inventory.endpoints():
            arn = str(item.get("EndpointArn"))
            tags = await self._tags(arn)
            if ident is not None and not ident.owns(tags):
                continue
            described = await self.inventory.describe_endpoint(item, self._counted)
            if described is not None:
                mine.append((arn, described, tags))
        return mine

    async def endpoint_metrics(
        self, endpoints: list[EndpointFact], window_hours: float
    ) -> list[EndpointFact]:
        """Invocations (sum) and CPU/GPU utilisation (average, maximum) of every variant
        over the window, in as few GetMetricData calls as AWS allows (usually one)."""
        now = self._clock().replace(second=0, microsecond=0)
        period = max(60, int(window_hours * 3600) // 60 * 60)
        start = now - timedelta(seconds=period)
        queries: list[dict[str, Any]] = []
        where: dict[str, tuple[int, int, str]] = {}
        for e_index, endpoint in enumerate(endpoints):
            for v_index, variant in enumerate(endpoint.variants):
                dims = [
                    {"Name": "EndpointName", "Value": endpoint.name},
                    {"Name": "VariantName", "Value": variant.name},
                ]
                for field_name, namespace, metric, stat in (
                    ("invocations", "AWS/SageMaker", "Invocations", "Sum"),
                    ("cpu_avg", "/aws/sagemaker/Endpoints", "CPUUtilization", "Average"),
                    ("cpu_max", "/aws/sagemaker/Endpoints", "CPUUtilization", "Maximum"),
                    ("gpu_avg", "/aws/sagemaker/Endpoints", "GPUUtilization", "Average"),
                    ("gpu_max", "/aws/sagemaker/Endpoints", "GPUUtilization", "Maximum"),
                ):
                    query_id = f"q{len(queries)}"
                    where[query_id] = (e_index, v_index, field_name)
                    queries.append(
                        {
                            "Id": query_id,
                            "MetricStat": {
                                "Metric": {
                                    "Namespace": namespace,
                                    "MetricName": metric,
                                    "Dimensions": dims,
                                },
                                "Period": period,
                                "Stat": stat,
                            },
                            "ReturnData": True,
                        }
                    )
        values: dict[tuple[int, int], dict[str, float | None]] = {}
        for first in range(0, len(queries), _QUERIES_PER_CALL):
            part = queries[first : first + _QUERIES_PER_CALL]
            token: str | None = None
            while True:
                params: dict[str, Any] = {
                    "MetricDataQueries": part,
                    "StartTime": start,
                    "EndTime": now,
                }
                if token:
                    params["NextToken"] = token
                answer = await self._call("cloudwatch", "get_metric_data", **params)
                for result in answer.get("MetricDataResults") or []:
                    place = where.get(str(result.get("Id")))
                    if place is None:
                        continue
                    numbers = [n for n in map(_number, result.get("Values") or []) if n is not None]
                    field_name = place[2]
                    slot = values.setdefault(place[:2], {})
                    if field_name == "invocations":
                        slot[field_name] = float(sum(numbers)) + (slot.get(field_name) or 0.0)
                    elif numbers:
                        merged = max(numbers) if field_name.endswith("max") else numbers[0]
                        slot[field_name] = merged
                token = answer.get("NextToken")
                if not token:
                    break
        out = []
        for e_index, endpoint in enumerate(endpoints):
            variants = []
            for v_index, variant in enumerate(endpoint.variants):
                slot = values.get((e_index, v_index), {})
                variants.append(
                    replace(
                        variant,
                        # No datapoint at all: SageMaker publishes none without traffic.
                        invocations=slot.get("invocations") or 0.0,
                        cpu_avg=slot.get("cpu_avg"),
                        cpu_max=slot.get("cpu_max"),
                        gpu_avg=slot.get("gpu_avg"),
                        gpu_max=slot.get("gpu_max"),
                    )
                )
            out.append(replace(endpoint, variants=tuple(variants)))
        return out

    async def apps(self, ident: Identity) -> list[AppFact]:
        env = self._env()
        apps = await self.inventory.shared_mine("app", ident)
        if apps is None:
            apps = await self.inventory.apps(env.domain_id, ident)
        account = ident.account or account_of(env.resource_arn)
        facts = []
        for a in apps:
            app_type = str(a.get("AppType") or "")
            instance = (a.get("ResourceSpec") or {}).get("InstanceType")
            if a.get("Status") != "InService" or app_type == "JupyterServer":
                continue
            if not instance or instance == "system":
                continue
            space = a.get("SpaceName") or None
            if is_own_app(a, env):
                continue  # this server's own app
            if not ident.owns_app(a):
                continue
            params = {
                "DomainId": a.get("DomainId") or env.domain_id,
                "AppType": app_type,
                "AppName": a.get("AppName"),
            }
            if space:
                params["SpaceName"] = space
            else:
                params["UserProfileName"] = a.get("UserProfileName")
            described = await self.inventory.describe(
                "describe_app", gone=_not_found, counted=self._counted, **params
            )
            if described is None or described.get("Status") != "InService":
                continue
            domain = str(a.get("DomainId") or env.domain_id)
            arn, console = app_links(
                a, env.region, account, domain_id=domain, arn=described.get("AppArn")
            )
            facts.append(
                AppFact(
                    domain_id=domain,
                    app_type=app_type,
                    app_name=str(a.get("AppName")),
                    space_name=space,
                    user_profile_name=None if space else a.get("UserProfileName"),
                    arn=arn,
                    status="InService",
                    instance_type=instance,
                    component=STUDIO_APP_COMPONENTS.get(app_type, "studio-jupyterlab"),
                    created_at=utc_time(described.get("CreationTime") or a.get("CreationTime")),
                    last_user_activity=utc_time(described.get("LastUserActivityTimestamp")),
                    fingerprint=app_fingerprint(described),
                    console_url=console,
                )
            )
        return facts

    async def docker_access(self) -> bool | None:
        env = self._env()
        if not env.domain_id:
            return None
        now = self._monotonic()
        known = self._memo.domain
        if known is not None and now - known[0] < DOMAIN_TTL_SECONDS:
            return known[1]
        read = await self.inventory.read_shared()
        if read is not None and read.found is not None and "docker_access" in read.domain:
            value: bool | None = read.domain["docker_access"]  # the function read the domain
        else:
            value = docker_access_of(
                await self._call("sagemaker", "describe_domain", DomainId=env.domain_id)
            )
        self._memo.domain = (now, value)
        return value

    async def savings_plan(self) -> SavingsPlanFact | None:
        now = self._monotonic()
        known = self._memo.savings_plan
        if known is not None and now - known[0] < SAVINGS_PLAN_TTL_SECONDS:
            return known[1]
        answer = await self._call(
            "ce",
            "get_savings_plans_purchase_recommendation",
            region=COST_EXPLORER_REGION,
            SavingsPlansType="SAGEMAKER_SP",
            TermInYears="ONE_YEAR",
            PaymentOption="NO_UPFRONT",
            LookbackPeriodInDays="THIRTY_DAYS",
        )
        fact = savings_plan_fact(answer)
        self._memo.savings_plan = (now, fact)
        return fact

    async def bucket_regions(
        self, jobs: Iterable[JobFact]
    ) -> tuple[dict[str, str], Shortfall | None]:
        """The regions of the buckets the jobs read, and the refusals among them (a bucket
        that is gone, or that AWS would not say, is left out)."""
        buckets = sorted({b for j in jobs for b in map(bucket_of, j.inputs) if b})
        found: dict[str, str] = {}
        refused = Shortfall(None)
        for bucket in buckets:
            region = self._memo.buckets.get(bucket)
            if region is None:
                try:
                    answer = await self._call("s3", "get_bucket_location", Bucket=bucket)
                except AwsError as err:
                    if err.access_denied:
                        refused.err, refused.failed = err, refused.failed + 1
                    continue
                region = bucket_region(answer)
                self._memo.buckets[bucket] = region
            found[bucket] = region
        refused.read = refused.failed + len(found)
        return found, refused if refused.err is not None else None

    # -- one refresh ------------------------------------------------------------------

    async def collect(self, thresholds: Thresholds, disabled: Iterable[str] = ()) -> Facts:
        async with self.inventory.reading():
            return await self._collect(thresholds, disabled)

    async def _collect(self, thresholds: Thresholds, disabled: Iterable[str]) -> Facts:
        self.last_calls = 0
        env = self._env()
        rules = engine.active_rules(disabled)
        needs = {source for r in rules for source in (*r.needs, *r.uses)}
        missing: dict[str, dict[str, Any]] = {}
        now = self._clock()
        idle = self._idle()
        facts = Facts(
            now=now,
            region=env.region,
            account=account_of(env.resource_arn),
            domain_id=env.domain_id,
            instance_type=env.instance_type,
            component=environment_component(env),
            app_ref=_app_ref(env),
            usage=self._usage() if self._usage is not None else None,
            idle=idle,
            endpoint_window_hours=thresholds.endpoint_idle_hours,
        )
        if "usage" in needs and self._usage is None:
            missing["usage"] = {
                "code": "unavailable",
                "action": None,
                "message": "this instance's usage is not sampled here",
            }
        if "idle" in needs and idle is None:
            missing["idle"] = {"code": "unavailable", "action": None, "message": "no idle policy"}
        if not env.region:
            for source in SOURCE_ACTIONS:
                missing[source] = {
                    "code": "unavailable",
                    "action": None,
                    "message": "no AWS region: not in SageMaker, and neither c.SMCost.region "
                    "nor AWS_DEFAULT_REGION is set",
                }
            self._report(missing)
            return replace(facts, missing=missing)

        try:
            ident = await self._owner()
        except AwsError as err:
            missing["owner"] = missing_entry("owner", err)
            ident = None
            owner_failed = True
        else:
            owner_failed = False
        if ident is not None:
            note = scope_note(env, ident)
            if note:
                facts = replace(facts, scope_note=note)
            if not ident.anchored:
                owner_failed = True  # nothing is provably this user's: read none of it

        async def guarded(source: str, work: Awaitable[Any]) -> Any:
            try:
                return await work
            except SourceFailed as failed:
                missing.setdefault(failed.source, missing_entry(failed.source, failed.err))
            except AwsError as err:
                missing[source] = missing_entry(source, err)
            except Exception as err:  # a bug guard: one source never hides the others
                log.exception("jupyter-smcost: reading %s for suggestions failed", source)
                missing[source] = {"code": "error", "action": None, "message": repr(err)}
            return None

        work: dict[str, Awaitable[Any]] = {}
        for kind in ("training-job", "processing-job"):
            if not owner_failed and f"{kind}s" in needs:
                work[f"{kind}s"] = self.jobs(kind, ident, thresholds.lookback_days)
        if not owner_failed and "endpoints" in needs:
            work["endpoints"] = self.endpoints(ident)
        if not owner_failed and "apps" in needs and ident is not None and env.domain_id:
            work["apps"] = self.apps(ident)
        if "domain" in needs and env.domain_id:
            work["domain"] = self.docker_access()
        if "savings-plan" in needs:
            work["savings-plan"] = self.savings_plan()
        answers = await asyncio.gather(*(guarded(s, w) for s, w in work.items()))
        got = dict(zip(work, answers, strict=True))
        jobs = [*(got.get("training-jobs") or []), *(got.get("processing-jobs") or [])]
        endpoints, short = got.get("endpoints") or ([], {})
        for source, shortfall in short.items():
            missing[source] = shortfall.entry(source)
        if endpoints and "endpoint-metrics" in needs:
            measured = await guarded(
                "endpoint-metrics",
                self.endpoint_metrics(endpoints, thresholds.endpoint_idle_hours),
            )
            endpoints = measured if measured is not None else endpoints
        buckets: dict[str, str] = {}
        if "bucket-regions" in needs and jobs:
            read = await guarded("bucket-regions", self.bucket_regions(jobs))
            buckets, refused = read or ({}, None)
            if refused is not None:
                missing["bucket-regions"] = refused.entry("bucket-regions")
        # Scope "account": which of what was read is not provably this user's (its cards
        # offer no AWS action unless the admin allows actions on others' resources).
        not_yours: frozenset[str] = frozenset()
        if ident is None and not owner_failed and self._whoami is not None:
            try:
                me: Identity | None = await self._whoami()
            except AwsError:
                me = None  # unknown: nothing is provably the user's
            not_yours = frozenset(
                r.arn for r in (*jobs, *endpoints) if me is None or not me.owns(dict(r.tags))
            )
        facts = replace(
            facts,
            account=facts.account or (ident.account if ident else None),
            not_yours=not_yours,
            jobs=tuple(jobs),
            endpoints=tuple(endpoints),
            apps=tuple(got.get("apps") or []),
            docker_access=got.get("domain"),
            savings_plan=got.get("savings-plan"),
            bucket_regions=buckets,
            missing=missing,
        )
        self._report(missing)
        if self._prices is not None:
            keys = engine.wanted_prices(facts, thresholds, disabled)
            facts = replace(facts, prices=await self._prices(keys))
        return facts

    def _report(self, missing: dict[str, dict[str, Any]]) -> None:
        """Log a source when it starts failing (or fails differently) and when it is read
        again: once, not at every refresh."""
        said = {source: str(info.get("message")) for source, info in missing.items()}
        for source, message in said.items():
            if self._said.get(source) != message:
                # Not running in SageMaker is a setting, not a fault.
                unavailable = missing[source].get("code") == "unavailable"
                level = logging.INFO if unavailable else logging.WARNING
                log.log(level, "jupyter-smcost: suggestions cannot read %s: %s", source, message)
        for source in self._said.keys() - said.keys():
            log.info("jupyter-smcost: suggestions read %s again", source)
        self._said = said


def _not_found(err: AwsError) -> bool:
    return err.not_found


def _never(err: AwsError) -> bool:
    return False


def _app_ref(env: Environment) -> ResourceRef | None:
    if env.kind is Kind.LOCAL:
        return ResourceRef("jupyter-server", "this Jupyter server")
    name = env.space_name or env.user_profile_name or env.app_name or "this app"
    kind = "notebook-instance" if env.kind is Kind.NOTEBOOK_INSTANCE else "studio-app"
    if env.kind is Kind.STUDIO_SPACE:
        name = f"{env.space_name}/{env.app_type}/{env.app_name}"
    return ResourceRef(kind, name, env.resource_arn, None)
