"""The fleet section of `make bench`: N Studio spaces of one domain in one process, against
the emulator throttling SageMaker as AWS does, in simulated time.

Each space is what a server builds (cost/resources.py's `Collector` and `ResourceMonitor`,
suggestions/collect.py's `FactsCollector` and suggestions/service.py's `SuggestionsService`
on one `Inventory`), with its own identity: its own user profile and private space, found
as a server finds them (DescribeSpace, ListSpaces). Space 0 is the savings demo's user;
the others are fleet users, one in 20 with a running training job, one in 50 with an
endpoint, one in 10 with a job completed this week (all tagged as Studio tags them).

First every app starts, at random over `--starts-over` seconds: what a server reads of
itself at start (environment.py's `HostedApp`: DescribeApp, and DescribeSpace for the
volume size, whose owner the inventory then uses), counted apart as `app_start`. Then a
space whose panel is open asks for `GET resources` and `GET suggestions` every 30 s, as
the Cost panel does; the panels open at random over `--arrival` seconds. Time is simulated
from event to event: the refreshers, the collectors and the emulator's token buckets (one
per SageMaker operation, `--rate` a second, a burst of as many) all read the simulated
clock, and what an event starts is finished before the clock moves on. botocore's
retries do not sleep (a retry finds the same empty bucket, so throttled calls are counted
a little high).

With `--inventory`, the domain's shared inventory is on (admin/inventory_lambda.py): its
Lambda reconciles the domain every `--period` seconds (its own pace, 1 call/s per
operation) into the emulator's S3, and each space reads its rows from its document (one
S3 GetObject per refresh, and one of the heartbeat) instead of listing SageMaker. The
Lambda's calls are the domain's as much as the spaces' are: they are counted together.

Prints one JSON document: calls by operation in the first listing and in the steady
window, throttled calls, and the staleness of what the panels showed. `--code DIR` measures
the `jupyter_smcost` package found in DIR instead of this checkout's (bench.py measures the
release before the budget this way, in the same run).
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import inspect
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
import types
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
POLL_SECONDS = 30.0
REGION = "us-east-1"


class SimClock:
    """Simulated time: seconds since the start, and the wall clock it stands for."""

    def __init__(self) -> None:
        self.now = 0.0
        self.origin = datetime.now(timezone.utc)
        self.sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = 0

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> datetime:
        return self.origin + timedelta(seconds=self.now)

    async def sleep(self, seconds: float) -> None:
        """Until the simulated clock has moved on by `seconds`."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._seq += 1
        heapq.heappush(self.sleepers, (self.now + seconds, self._seq, future))
        await future

    def wake(self) -> None:
        while self.sleepers and self.sleepers[0][0] <= self.now:
            _, _, future = heapq.heappop(self.sleepers)
            if not future.done():
                future.set_result(None)

    def next_wake(self) -> float:
        return self.sleepers[0][0] if self.sleepers else math.inf


def no_retry_sleep() -> None:
    """botocore sleeps before a retry in endpoint.py; simulated time does not pass there."""
    import botocore.endpoint

    shim = types.SimpleNamespace(**{k: getattr(time, k) for k in dir(time) if not k[0] == "_"})
    shim.sleep = lambda seconds: None
    botocore.endpoint.time = shim


# -- the domain ---------------------------------------------------------------------------


def seed(endpoint: str, spaces: int) -> dict[str, Any]:
    """The savings demo (space 0) and `spaces - 1` fleet users with a space and a running
    JupyterLab app each; returns the demo's seed and the fleet's (space name, app ARN)."""
    from concurrent.futures import ThreadPoolExecutor

    from smcost_emulator.environment import boto3_session
    from smcost_emulator.sagemaker_studio.state import set_state
    from smcost_emulator.seed.demo import (
        create_private_space,
        create_training_job,
        create_user,
        owner_tags,
        seed_demo,
    )

    demo = seed_demo(endpoint, REGION, savings=True)
    sm = boto3_session(REGION).client("sagemaker", endpoint_url=endpoint)
    domain_id, account = demo["domain_id"], demo["account_id"]
    role = demo["execution_role_arn"]
    bucket = f"s3://sagemaker-{REGION}-{account}/fleet"
    image = f"683313688378.dkr.ecr.{REGION}.amazonaws.com/xgboost:1.7-1"
    now = datetime.now(timezone.utc)

    def user(i: int) -> tuple[str, str]:
        name, space = f"fleet-user-{i:04d}", f"fleet-space-{i:04d}"
        user_arn = create_user(sm, domain_id, name)
        space_arn = create_private_space(sm, domain_id, space, name)
        app_arn = sm.create_app(
            DomainId=domain_id,
            SpaceName=space,
            AppType="JupyterLab",
            AppName="default",
            ResourceSpec={"InstanceType": "ml.t3.medium"},
        )["AppArn"]
        tags = owner_tags(user_arn, space_arn, demo["domain_arn"])

        def job(name: str) -> str:
            return create_training_job(
                sm,
                name,
                image=image,
                role_arn=role,
                prefix=bucket,
                instance_type="ml.m5.xlarge",
                volume_gb=30,
                max_runtime=86400,
                spot_max_wait=None,
                tags=tags,
            )

        if i % 20 == 0:
            job(f"fleet-train-{i:04d}")
            set_state(
                "training-job",
                f"fleet-train-{i:04d}",
                account_id=account,
                started_seconds_ago=1800 + i,
            )
        if i % 10 == 5:
            name_done = f"fleet-done-{i:04d}"
            job(name_done)
            ended = now - timedelta(hours=1 + i % 100)
            set_state(
                "training-job",
                name_done,
                account_id=account,
                started_at=ended - timedelta(minutes=40),
                ended_at=ended,
                status="Completed",
            )
        if i % 50 == 25:
            model = f"fleet-model-{i:04d}"
            sm.create_model(
                ModelName=model,
                ExecutionRoleArn=role,
                PrimaryContainer={
                    "Image": f"683313688378.dkr.ecr.{REGION}.amazonaws.com/xgboost:1.7-1"
                },
                Tags=tags,
            )
            sm.create_endpoint_config(
                EndpointConfigName=model,
                ProductionVariants=[
                    {
                        "VariantName": "AllTraffic",
                        "ModelName": model,
                        "InstanceType": "ml.m5.large",
                        "InitialInstanceCount": 1,
                    }
                ],
            )
            sm.create_endpoint(
                EndpointName=f"fleet-endpoint-{i:04d}", EndpointConfigName=model, Tags=tags
            )
        return space, app_arn

    with ThreadPoolExecutor(8) as pool:
        fleet = list(pool.map(user, range(1, spaces)))
    return {"demo": demo, "fleet": fleet}


class CountingAws:
    """The shared AWS client, counting the calls in flight (the simulation moves the clock
    on only when none is)."""

    def __init__(self, aws: Any) -> None:
        self.aws = aws
        self.inflight = 0

    async def _counted(self, call: Any) -> Any:
        self.inflight += 1
        try:
            return await call
        finally:
            self.inflight -= 1

    async def call(self, *args: Any, **kwargs: Any) -> Any:
        return await self._counted(self.aws.call(*args, **kwargs))

    async def paginate(self, *args: Any, **kwargs: Any) -> Any:
        return await self._counted(self.aws.paginate(*args, **kwargs))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.aws, name)


# -- the spaces ---------------------------------------------------------------------------


@dataclass
class Space:
    index: int
    monitor: Any
    suggestions: Any
    opens_at: float | None
    resource_ages: list[float] = field(default_factory=list)
    suggestion_ages: list[float] = field(default_factory=list)

    async def poll(self, clock: SimClock, record: bool) -> None:
        """What one poll of an open panel asks the server for."""
        listing = await self.monitor.get(0.0)
        self.suggestions.document_body("user", actions_allowed=True)
        if record and listing is not None:
            self.resource_ages.append((clock.wall() - listing.fetched_at).total_seconds())
        generated = self.suggestions.generated_at
        if record and generated is not None:
            self.suggestion_ages.append((clock.wall() - generated).total_seconds())


def build_space(
    index: int,
    env: Any,
    aws: Any,
    clock: SimClock,
    state: Path,
    reader: Any = None,
    seed: int = 7,
) -> tuple[Any, Any, Any]:
    """One server's app (what it reads of itself at start), resources listing and
    suggestions, wired as app.py wires them (the code measured before the budget had no
    pace: the plain client then)."""
    from jupyter_smcost.cost.inventory import Inventory
    from jupyter_smcost.cost.resources import Collector, ResourceMonitor
    from jupyter_smcost.environment import HostedApp
    from jupyter_smcost.suggestions.actions import ActionRunner
    from jupyter_smcost.suggestions.collect import FactsCollector
    from jupyter_smcost.suggestions.config import Suggestions
    from jupyter_smcost.suggestions.service import SuggestionsService
    from jupyter_smcost.suggestions.store import AuditLog, DismissStore

    def environment() -> Any:
        return env

    monitor_options: dict[str, Any] = {"clock": clock.monotonic}
    service_options: dict[str, Any] = {"clock": clock.wall, "monotonic": clock.monotonic}
    inventory_options: dict[str, Any] = {"clock": clock.monotonic}
    suggestions_config = Suggestions()
    background = aws
    monitor: Any = None
    collector: Any = None
    try:
        from jupyter_smcost.cost.config import Resources
        from jupyter_smcost.pace import Pace, PacedAws
    except ImportError:
        ttl: Any = 60.0
    else:
        resources_config = Resources()
        pace = Pace(clock=clock.monotonic, wall=clock.wall, sleep=clock.sleep)
        background = PacedAws(aws, pace)
        ttl = resources_config.ttl_seconds
        shared = {"jitter": resources_config.jitter, "gate": pace}
        monitor_options.update(
            shared,
            # As app.py: rows read from the shared inventory keep the base TTL.
            max_ttl_seconds=lambda: (
                resources_config.ttl_seconds
                if getattr(collector, "from_shared", False)
                else resources_config.max_ttl_seconds
            ),
        )
        service_options.update(shared, max_ttl_seconds=suggestions_config.max_ttl_seconds)
        # The same jitter every run (each refresher its own generator, as in a server).
        if "rng" in inspect.signature(ResourceMonitor).parameters:
            monitor_options["rng"] = random.Random(f"{seed}-resources-{index}")
            service_options["rng"] = random.Random(f"{seed}-suggestions-{index}")
        inventory_options["listing_max_age"] = lambda: monitor.ttl_seconds

    host = HostedApp(env, aws.call, clock=clock.wall, sleep=clock.sleep)
    if "space_description" in inspect.signature(Inventory).parameters:
        # As app.py: the owner is read from the DescribeSpace the app makes at start.
        inventory_options["space_description"] = host.describe_space
    inventory = Inventory(background, environment, **inventory_options)
    collector = Collector(background, environment, "mine", clock=clock.wall, inventory=inventory)
    inventory.shared = reader  # the shared inventory's, or None: the space lists itself
    monitor = ResourceMonitor(collector.collect, ttl, **monitor_options)
    facts = FactsCollector(
        background,
        environment,
        collector.owner,
        whoami=collector.whoami,
        clock=clock.wall,
        monotonic=clock.monotonic,
        inventory=inventory,
    )
    runner = ActionRunner(
        aws,
        update_idle=lambda body: body,
        idle_fingerprint=lambda: "",
        forget=facts.forget,
        whoami=collector.whoami,
        own_space=lambda: env.space_name,
        allow_on_others=False,
        confirm_seconds=5.0,
    )
    state.mkdir(parents=True, exist_ok=True)
    suggestions = SuggestionsService(
        suggestions_config,
        facts.collect,
        runner,
        DismissStore(state),
        AuditLog(state),
        **service_options,
    )
    return host, monitor, suggestions


# -- the simulation -----------------------------------------------------------------------


@dataclass
class Tally:
    """SageMaker calls by operation, by simulated second; throttled calls apart."""

    by_second: list[tuple[float, Counter[str]]] = field(default_factory=list)
    throttled: list[tuple[float, int]] = field(default_factory=list)
    throttled_by_operation: list[tuple[float, Counter[str]]] = field(default_factory=list)
    others: Counter[str] = field(default_factory=Counter)
    others_by_second: list[tuple[float, Counter[str]]] = field(default_factory=list)

    def take(self, emulator: Any, now: float) -> None:
        records = emulator.call_log()
        if not records:
            return
        emulator.clear_call_log()
        calls: Counter[str] = Counter()
        others: Counter[str] = Counter()
        refused: Counter[str] = Counter()
        for r in records:
            if r.service != "sagemaker":
                others[f"{r.service}:{r.action}"] += 1
            elif getattr(r, "throttled", False):
                refused[r.action] += 1
            else:
                calls[r.action] += 1
        if calls:
            self.by_second.append((now, calls))
        if others:
            self.others.update(others)
            self.others_by_second.append((now, others))
        if refused:
            self.throttled.append((now, sum(refused.values())))
            self.throttled_by_operation.append((now, refused))

    def window(self, start: float, end: float) -> Counter[str]:
        return within(self.by_second, start, end)

    def others_window(self, start: float, end: float) -> Counter[str]:
        return within(self.others_by_second, start, end)

    def throttled_by_operation_in(self, start: float, end: float) -> Counter[str]:
        return within(self.throttled_by_operation, start, end)

    def throttled_in(self, start: float, end: float) -> int:
        return sum(n for at, n in self.throttled if start <= at < end)

    def peak_per_second(self, start: float, end: float) -> int:
        return max((max(c.values()) for at, c in self.by_second if start <= at < end), default=0)


def within(series: list[tuple[float, Counter[str]]], start: float, end: float) -> Counter[str]:
    """The counts of a series of (when, counts) from `start` to before `end`."""
    total: Counter[str] = Counter()
    for at, counts in series:
        if start <= at < end:
            total.update(counts)
    return total


INVENTORY_BUCKET = "smcost-bench-inventory"
INVENTORY_PREFIX = "jupyter-smcost/inventory/"


class SharedInventory:
    """The domain's shared inventory in simulated time: the Lambda's writer, reconciling
    every `period` seconds, and the readers the spaces use."""

    def __init__(self, aws: Any, clock: SimClock, demo: dict[str, Any], period: float) -> None:
        from jupyter_smcost.admin.inventory_lambda import InventoryWriter, Settings
        from jupyter_smcost.pace import Pace, PacedAws

        self.aws, self.clock, self.period = aws, clock, period
        aws.call_sync("s3", "create_bucket", Bucket=INVENTORY_BUCKET)
        pace = Pace(clock=clock.monotonic, wall=clock.wall, sleep=clock.sleep)
        self.writer = InventoryWriter(
            PacedAws(aws, pace),
            self.put,
            Settings([demo["domain_id"]], INVENTORY_BUCKET, INVENTORY_PREFIX, period),
            region=REGION,
            account=demo["account_id"],
            clock=clock.monotonic,
            wall=clock.wall,
        )
        self.reconciles: list[Any] = []
        self.readers: list[Any] = []
        #: When each S3 request was made (simulated seconds), by kind.
        self.requests: dict[str, list[float]] = {"PutObject": [], "GetObject": []}

    def requests_in(self, kind: str, start: float, end: float) -> int:
        return sum(1 for at in self.requests[kind] if start <= at < end)

    async def put(self, bucket: str, key: str, body: bytes) -> None:
        self.requests["PutObject"].append(self.clock.now)
        await self.aws.call("s3", "put_object", Bucket=bucket, Key=key, Body=body)

    async def get(self, bucket: str, key: str) -> bytes:
        self.requests["GetObject"].append(self.clock.now)
        answer = await self.aws.call("s3", "get_object", Bucket=bucket, Key=key)
        body: bytes = answer["Body"].read()
        return body

    def reader(self) -> Any:
        from jupyter_smcost.cost.shared_inventory import SharedInventoryReader

        found = SharedInventoryReader(
            f"s3://{INVENTORY_BUCKET}/{INVENTORY_PREFIX}", self.get, clock=self.clock.wall
        )
        self.readers.append(found)
        return found

    async def run(self) -> None:
        """The schedule: a reconcile every period, from the start."""
        while True:
            self.reconciles.extend(await self.writer.reconcile())
            await self.clock.sleep(self.period)


async def simulate(args: argparse.Namespace) -> dict[str, Any]:
    from jupyter_smcost.aws import AwsClients
    from jupyter_smcost.environment import Environment, Kind
    from smcost_emulator import apply_environ
    from smcost_emulator.server import Emulator

    rng = random.Random(args.seed)
    clock = SimClock()
    emulator = Emulator()
    apply_environ(os.environ, emulator.endpoint_url)
    no_retry_sleep()
    try:
        seeded = seed(emulator.endpoint_url, args.spaces)
        emulator.set_throttle_clock(clock.monotonic)
        emulator.set_throttle(args.rate)
        emulator.clear_call_log()
        demo = seeded["demo"]
        names = [(demo["space_name"], demo["app_arn"]), *seeded["fleet"]]
        aws = CountingAws(AwsClients(REGION, max_workers=8, call_timeout=600.0))
        opened = set(rng.sample(range(args.spaces), round(args.spaces * args.open_share)))
        spaces = []
        hosts: list[Any] = []
        inventory = SharedInventory(aws, clock, demo, args.period) if args.inventory else None
        lambda_task = None
        if inventory is not None:
            lambda_task = asyncio.ensure_future(inventory.run())
            # The first reconcile before the first panel opens (the stack was deployed
            # before the users came).
            while not inventory.reconciles:
                await quiet(aws)
                clock.now = max(clock.now, min(clock.next_wake(), clock.now + 1.0))
                clock.wake()
            tally_before = emulator.call_log()
            emulator.clear_call_log()
            first_reconcile = Counter(r.action for r in tally_before if r.service == "sagemaker")
        with tempfile.TemporaryDirectory() as tmp:
            for index, (space_name, app_arn) in enumerate(names):
                env = Environment(
                    kind=Kind.STUDIO_SPACE,
                    region=REGION,
                    instance_type="ml.t3.medium",
                    domain_id=demo["domain_id"],
                    space_name=space_name,
                    app_type="JupyterLab",
                    app_name="default",
                    resource_arn=app_arn,
                )
                host, monitor, suggestions = build_space(
                    index,
                    env,
                    aws,
                    clock,
                    Path(tmp) / str(index),
                    reader=inventory.reader() if inventory else None,
                    seed=args.seed,
                )
                opens = rng.uniform(0, args.arrival) if index in opened else None
                spaces.append(Space(index, monitor, suggestions, opens))
                hosts.append(host)
            tally = Tally()
            starts_from = clock.now
            await start_apps(
                hosts, clock, emulator, aws, tally, args.starts_over, random.Random(args.seed)
            )
            # Measured from a second after the last start's call (and after the
            # inventory's first reconcile, if any).
            clock.now += 1.0
            start = clock.now
            for space in spaces:
                if space.opens_at is not None:
                    space.opens_at += start
            await run(spaces, clock, emulator, aws, tally, start + args.seconds, args.steady)
        if lambda_task is not None:
            lambda_task.cancel()
        aws.close()
    finally:
        emulator.stop()
    end = start + args.seconds
    steady_start = end - args.steady
    steady = tally.window(steady_start, end)
    first_end = args.arrival + args.first_window
    first = tally.window(start, start + first_end)
    open_panels = sum(1 for s in spaces if s.opens_at is not None)
    started = tally.window(starts_from, start)
    ages = [a for s in spaces for a in s.resource_ages]
    suggestion_ages = [a for s in spaces for a in s.suggestion_ages]
    per_hour = 3600.0 / args.steady
    return {
        "spaces": args.spaces,
        "open_panels": open_panels,
        "rate_per_second": args.rate,
        "simulated_seconds": args.seconds,
        "steady_window": [steady_start - start, end - start],
        "first_window": [0, first_end],
        "first_calls": dict(first),
        "first_calls_per_panel": sum(first.values()) / max(1, open_panels),
        "steady_calls": dict(steady),
        "steady_calls_per_panel_hour": sum(steady.values()) * per_hour / max(1, open_panels),
        "steady_calls_per_second": {op: n / args.steady for op, n in steady.items()},
        "steady_peak_per_second": tally.peak_per_second(steady_start, end),
        "throttled_total": tally.throttled_in(start, end + 1),
        "throttled_steady": tally.throttled_in(steady_start, end + 1),
        "throttled_by_operation": dict(tally.throttled_by_operation_in(start, end + 1)),
        # Before the panels open: every app's start (and the Lambda's reconciles then).
        "app_start": {
            "apps": len(hosts),
            "over_seconds": args.starts_over,
            "calls": dict(started),
            "calls_per_app": sum(started.values()) / max(1, len(hosts)),
            "throttled": tally.throttled_in(starts_from, start),
            "throttled_by_operation": dict(tally.throttled_by_operation_in(starts_from, start)),
            "instance_types_read": sum(1 for h in hosts if h.environment.instance_type),
        },
        "staleness_resources_s": summary(ages),
        "staleness_suggestions_s": summary(suggestion_ages),
        "other_services": dict(tally.others),
        "other_services_steady_per_panel_hour": {
            op: n * per_hour / max(1, open_panels)
            for op, n in tally.others_window(steady_start, end).items()
        },
        "inventory": None
        if inventory is None
        else {
            "period_seconds": args.period,
            "reconciles": len(inventory.reconciles),
            "first_reconcile_calls": dict(first_reconcile),
            "reconcile_calls_p50": statistics.median(
                sum(o.calls.values()) for o in inventory.reconciles
            ),
            "documents_written": sum(o.written for o in inventory.reconciles),
            "documents_unchanged": sum(o.unchanged for o in inventory.reconciles),
            "reads": sum(r.reads for r in inventory.readers),
            "fallbacks": sum(r.fallbacks for r in inventory.readers),
            # The steady window's S3 requests, per hour (what the inventory costs in S3).
            "s3_get_per_hour": inventory.requests_in("GetObject", steady_start, end) * per_hour,
            "s3_put_per_hour": inventory.requests_in("PutObject", steady_start, end) * per_hour,
            "reconciles_per_hour": 3600.0 / args.period,
        },
    }


def summary(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "max": None}
    return {"p50": round(statistics.median(values), 1), "max": round(max(values), 1)}


async def run(
    spaces: list[Space],
    clock: SimClock,
    emulator: Any,
    aws: CountingAws,
    tally: Tally,
    seconds: float,
    steady: float,
) -> None:
    """Poll the open panels when due, let what that starts run until it waits for AWS no
    more (but for the simulated clock), count, and move the clock to the next event."""
    due: list[tuple[float, int]] = [(s.opens_at, s.index) for s in spaces if s.opens_at is not None]
    heapq.heapify(due)
    while clock.now <= seconds:
        clock.wake()
        while due and due[0][0] <= clock.now:
            at, index = heapq.heappop(due)
            await spaces[index].poll(clock, record=clock.now >= seconds - steady)
            heapq.heappush(due, (at + POLL_SECONDS, index))
        await quiet(aws)
        tally.take(emulator, clock.now)
        clock.now = min(due[0][0] if due else seconds + 1, clock.next_wake(), seconds + 1)


async def start_apps(
    hosts: list[Any],
    clock: SimClock,
    emulator: Any,
    aws: CountingAws,
    tally: Tally,
    over: float,
    rng: random.Random,
) -> None:
    """Every app's start, before the panels open: what the server reads of itself
    (`HostedApp.resolve`: DescribeApp, then DescribeSpace for the volume), the apps
    starting at random over `over` seconds, each run to its end (retries included)."""
    starts = sorted((clock.now + rng.uniform(0, over), i) for i in range(len(hosts)))
    starts.reverse()  # popped from the end: the earliest first
    tasks: list[asyncio.Future[Any]] = []
    while starts or not all(t.done() for t in tasks):
        clock.wake()
        while starts and starts[-1][0] <= clock.now:
            tasks.append(asyncio.ensure_future(hosts[starts.pop()[1]].resolve()))
        await quiet(aws)
        tally.take(emulator, clock.now)
        following = min(starts[-1][0] if starts else math.inf, clock.next_wake())
        if following == math.inf:
            break  # nothing left that time would move on
        clock.now = max(clock.now, following)
    for task in tasks:
        task.result()  # an app's start that failed is the bench's error


async def quiet(aws: CountingAws) -> None:
    """Until no AWS call is in flight and nothing else is ready to run."""
    idle_rounds = 0
    while idle_rounds < 5:
        await asyncio.sleep(0)
        if aws.inflight:
            idle_rounds = 0
            await asyncio.sleep(0.0005)
        else:
            idle_rounds += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--code", help="a directory whose jupyter_smcost package is measured")
    parser.add_argument("--spaces", type=int, default=1)
    parser.add_argument("--open-share", type=float, default=1.0, help="share of open panels")
    parser.add_argument("--rate", type=float, default=2.0, help="calls/s per operation")
    parser.add_argument("--arrival", type=float, default=0.0, help="panels open over this")
    parser.add_argument("--first-window", type=float, default=60.0)
    parser.add_argument("--seconds", type=float, default=3 * 3600.0, help="simulated time")
    parser.add_argument("--steady", type=float, default=3600.0, help="the last seconds measured")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--starts-over", type=float, default=3600.0, help="the apps start over this (s)"
    )
    parser.add_argument("--inventory", action="store_true", help="the shared inventory on")
    parser.add_argument("--period", type=float, default=300.0, help="its reconcile period (s)")
    args = parser.parse_args()
    if args.code:
        sys.path.insert(0, str(Path(args.code).resolve()))
    sys.path.insert(1, str(ROOT))
    started = time.monotonic()
    result = asyncio.run(simulate(args))
    import jupyter_smcost

    result["code"] = str(Path(jupyter_smcost.__file__).parent)
    result["wall_seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
