"""The shared inventory's Lambda (deploy/inventory.yaml, `jupyter smcost deploy
--inventory`): one reconciling listing of a domain's running resources, written to S3 as one
document per user profile and one per shared space (cost/shared_inventory.py), which the
extensions of that domain read instead of listing SageMaker themselves.

It runs on a schedule (every `SMCOST_INVENTORY_PERIOD_SECONDS`) and on SageMaker's
EventBridge state-change events; an event within `EVENT_QUIET_SECONDS` of the last
reconcile waits for the next one, so a burst of job changes costs one reconcile, not one
each. The function has a reserved concurrency of 1: two reconciles never overlap.

Each reconcile reads the domain once, whatever the number of users: the user profiles and
spaces; Search for the running training jobs, tuning jobs and endpoints (their tags and
descriptions in the same answers); the running processing and transform jobs, whose tags
are read once per job (kept while the function is warm); the domain's apps. Each owner's
rows are the ones the extension would list for that owner (the same Collector, with the
owner's identity). Its document also holds the facts the owner's savings suggestions read:
the training jobs created in the lookback (one more Search), the processing jobs running or
created in it (described once each, only those launched from the domain), the in-service
endpoints and the apps, each owner's share picked by tags or space. Calls are paced per
operation (`SMCOST_INVENTORY_CALLS_PER_SECOND`, default 1).

A document is written only when its rows or facts changed (and daily, so that the bucket's
lifecycle rule expires only the documents of deleted owners); `{prefix}{domain}/_reconciled.json`,
written every reconcile, says the domain's documents are current (readers compare its time
with the period). Settings: `SMCOST_DOMAIN_IDS` (as the fleet check), `SMCOST_INVENTORY_BUCKET`,
`SMCOST_INVENTORY_PREFIX` (default `jupyter-smcost/inventory/`),
`SMCOST_INVENTORY_PERIOD_SECONDS` (default 300), `SMCOST_INVENTORY_LOOKBACK_DAYS` (default
7).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from ..aws import AwsClients, AwsError
from ..cost.inventory import ENDED, JOB_KINDS, Identity, Inventory, tag_dict
from ..cost.resources import Collection, Collector
from ..cost.shared_inventory import (
    DEFAULT_PREFIX,
    HEARTBEAT,
    SharedFacts,
    document,
    heartbeat_key,
    shared_space_key,
    user_key,
)
from ..environment import Environment, Kind
from ..pace import Pace, PacedAws
from ..suggestions.collect import DOMAIN_TTL_SECONDS, docker_access_of
from .fleet import ConfigError, domain_scope

log = logging.getLogger(__name__)

DEFAULT_PERIOD_SECONDS = 300.0
#: How far back the documents hold the owners' jobs (the suggestions' c.Suggestions.
#: lookback_days: an extension that looks further back searches by itself).
DEFAULT_LOOKBACK_DAYS = 7.0
#: An event this soon after a reconcile waits for the next one (or the next event).
EVENT_QUIET_SECONDS = 60.0
#: An unchanged document is written again after this long: the bucket's lifecycle rule
#: expires documents not written for 30 days (those of deleted user profiles).
REWRITE_SECONDS = 86400.0


@dataclass
class Settings:
    domains: list[str] | None  # None: every domain of the region
    bucket: str
    prefix: str = DEFAULT_PREFIX
    period_seconds: float = DEFAULT_PERIOD_SECONDS
    calls_per_second: float = 1.0
    lookback_days: float = DEFAULT_LOOKBACK_DAYS


def settings(environ: dict[str, str] | os._Environ[str]) -> Settings:
    """The function's settings; raises ConfigError in words."""
    domains = domain_scope(environ.get("SMCOST_DOMAIN_IDS"))
    bucket = environ.get("SMCOST_INVENTORY_BUCKET", "").strip()
    if not bucket:
        raise ConfigError("SMCOST_INVENTORY_BUCKET is unset: name the documents' bucket")
    prefix = environ.get("SMCOST_INVENTORY_PREFIX", DEFAULT_PREFIX).strip()
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    values = {}
    for name, default in (
        ("SMCOST_INVENTORY_PERIOD_SECONDS", DEFAULT_PERIOD_SECONDS),
        ("SMCOST_INVENTORY_CALLS_PER_SECOND", 1.0),
        ("SMCOST_INVENTORY_LOOKBACK_DAYS", DEFAULT_LOOKBACK_DAYS),
    ):
        raw = environ.get(name, "").strip()
        try:
            value = float(raw) if raw else default
        except ValueError:
            value = float("nan")
        if not 0 < value < 86400:  # NaN too
            raise ConfigError(f"{name} must be a positive number, not {raw!r}")
        values[name] = value
    return Settings(
        domains,
        bucket,
        prefix,
        values["SMCOST_INVENTORY_PERIOD_SECONDS"],
        values["SMCOST_INVENTORY_CALLS_PER_SECOND"],
        values["SMCOST_INVENTORY_LOOKBACK_DAYS"],
    )


class _OwnerCollector(Collector):
    """The extension's collector, for an owner given rather than read from a space."""

    def __init__(self, ident: Identity, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ident = ident

    async def whoami(self) -> Identity:
        return self.ident


@dataclass
class Domain:
    """What a warm function keeps of one domain between reconciles."""

    inventory: Inventory
    env: Environment
    #: The number of spaces in the domain, as last listed.
    spaces: int = 0
    collectors: dict[str, _OwnerCollector] = field(default_factory=dict)
    #: key -> the owner's last collection.
    found: dict[str, Collection] = field(default_factory=dict)
    #: key -> (hash of the rows last written there, when: monotonic).
    written: dict[str, tuple[str, float]] = field(default_factory=dict)
    #: Processing job ARN -> (its list summary's mark, its description with its tags).
    processing: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = field(default_factory=dict)
    #: (when read: monotonic, whether its users may run Docker), read hourly.
    docker: tuple[float, bool | None] | None = None


@dataclass
class Outcome:
    domain_id: str
    owners: int = 0
    written: int = 0
    unchanged: int = 0
    calls: dict[str, int] = field(default_factory=dict)
    error: str | None = None


class InventoryWriter:
    """Reconciles domains into S3 with `aws` (async `call`/`paginate`: SageMaker, paced)
    and `put_object(bucket, key, body)`."""

    def __init__(
        self,
        aws: Any,
        put_object: Callable[[str, str, bytes], Any],
        conf: Settings,
        *,
        region: str,
        account: str,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.aws = aws
        self.put_object = put_object
        self.conf = conf
        self.region = region
        self.account = account
        self._clock = clock
        self._wall = wall
        self.domains: dict[str, Domain] = {}
        self.last_reconcile: float | None = None

    def _domain(self, domain_id: str) -> Domain:
        known = self.domains.get(domain_id)
        if known is None:
            env = Environment(
                kind=Kind.STUDIO_SPACE,
                region=self.region,
                domain_id=domain_id,
                resource_arn=f"arn:aws:sagemaker:{self.region}:{self.account}:domain/{domain_id}",
            )
            inventory = Inventory(
                self.aws,
                lambda: env,
                clock=self._clock,
                # Within one reconcile every owner shares each listing.
                listing_max_age=lambda: self.conf.period_seconds / 2,
                domain_wide=True,
            )
            known = self.domains[domain_id] = Domain(inventory, env)
        return known

    async def domain_ids(self) -> list[str]:
        if self.conf.domains is not None:
            return self.conf.domains
        domains = await self.aws.paginate("sagemaker", "list_domains", "Domains")
        return [str(d["DomainId"]) for d in domains if d.get("DomainId")]

    def due(self, event: Any) -> bool:
        """Whether this invocation reconciles: always on the schedule, on an event only
        when the last reconcile is older than EVENT_QUIET_SECONDS."""
        if not _is_state_change(event) or self.last_reconcile is None:
            return True
        return self._clock() - self.last_reconcile >= EVENT_QUIET_SECONDS

    async def reconcile(self, *, afresh: bool = False) -> list[Outcome]:
        """Every domain's documents; `afresh` (an event: something changed) reads
        SageMaker again even when a listing is recent."""
        self.last_reconcile = self._clock()
        try:
            domain_ids = await self.domain_ids()
        except AwsError as err:
            log.warning("jupyter-smcost inventory: listing the domains: %s", err)
            return [Outcome("*", error=f"listing the domains: {err}")]
        outcomes = []
        for domain_id in domain_ids:
            outcome = Outcome(domain_id)
            try:
                await self._reconcile(domain_id, outcome, afresh=afresh)
            except AwsError as err:
                # The documents stay as they were; readers fall back once they are stale.
                outcome.error = str(err)
                log.warning("jupyter-smcost inventory: domain %s: %s", domain_id, err)
            outcomes.append(outcome)
        return outcomes

    async def _owners(self, domain: Domain, domain_id: str) -> dict[str, Identity]:
        """Document key -> its owner: each user profile with its spaces, each space that
        SageMaker records no owner for."""
        inventory = domain.inventory
        profiles = await inventory.listing(
            "list_user_profiles", "UserProfiles", DomainIdEquals=domain_id, MaxResults=100
        )
        spaces = await inventory.listing(
            "list_spaces", "Spaces", DomainIdEquals=domain_id, MaxResults=100
        )
        owned: dict[str, set[str]] = {}
        shared: list[str] = []
        for space in spaces:
            name = str(space.get("SpaceName") or "")
            owner = (space.get("OwnershipSettingsSummary") or {}).get("OwnerUserProfileName")
            if not name:
                continue
            if owner:
                owned.setdefault(str(owner), set()).add(name)
            else:
                shared.append(name)
        domain.spaces = len(spaces)
        owners: dict[str, Identity] = {}
        for profile in profiles:
            user = str(profile.get("UserProfileName") or "")
            if user:
                owners[user_key(self.conf.prefix, domain_id, user)] = Identity(
                    self.account, self.region, domain_id, user, frozenset(owned.get(user, ()))
                )
        for name in shared:
            owners[shared_space_key(self.conf.prefix, domain_id, name)] = Identity(
                self.account, self.region, domain_id, None, frozenset({name})
            )
        return owners

    async def _reconcile(self, domain_id: str, outcome: Outcome, *, afresh: bool) -> None:
        domain = self._domain(domain_id)
        inventory = domain.inventory
        started = self._wall()
        if afresh:
            inventory.read_afresh()
        before = dict(inventory.calls)
        async with inventory.reading():
            owners = await self._owners(domain, domain_id)
            outcome.owners = len(owners)
            since, everyone = await self._domain_facts(domain, domain_id)
            for key, ident in owners.items():
                collector = domain.collectors.get(key)
                if collector is None or collector.ident != ident:
                    collector = domain.collectors[key] = _OwnerCollector(
                        ident, self.aws, lambda: domain.env, inventory=inventory
                    )
                found = await collector.collect_in_round()
                last = domain.found.get(key)
                if last is not None and found.failed_kinds:
                    # As the extension's own listing does: the kinds that could not be
                    # read this time (throttled) keep their last rows, with the problem.
                    found.rows += [r for r in last.rows if r.kind in found.failed_kinds]
                domain.found[key] = found
                facts = SharedFacts(since, _owned(everyone, ident))
                await self._write(domain, key, ident, found, facts, outcome)
        # Owners gone since (a deleted profile): forgotten; S3's lifecycle rule expires
        # their documents.
        for key in set(domain.collectors) - set(owners):
            del domain.collectors[key]
            domain.written.pop(key, None)
            domain.found.pop(key, None)
        written = self._wall()
        beat: dict[str, Any] = {
            "format": HEARTBEAT,
            "domain_id": domain_id,
            "written_at": written.isoformat(),
            # What the documents show was read after this (an app that acted since reads
            # AWS itself).
            "read_at": started.isoformat(),
            "period_seconds": self.conf.period_seconds,
            "owners": len(owners),
        }
        docker = await self._docker(domain, domain_id)
        if docker is not None:
            beat["docker_access"] = docker[1]
        await self.put_object(
            self.conf.bucket, heartbeat_key(self.conf.prefix, domain_id), _json(beat)
        )
        outcome.calls = {
            op: n - before.get(op, 0) for op, n in inventory.calls.items() if n > before.get(op, 0)
        }

    async def _domain_facts(
        self, domain: Domain, domain_id: str
    ) -> tuple[datetime, dict[str, list[dict[str, Any]]]]:
        """Everyone's resources that the suggestions read, once per reconcile: the jobs
        running or created since the lookback (hour-aligned, as the extensions ask), the
        in-service endpoints and the apps. A kind that could not be read is left out: the
        extensions read it themselves."""
        inventory = domain.inventory
        since = self._wall() - timedelta(days=self.conf.lookback_days)
        since = since.replace(minute=0, second=0, microsecond=0)
        kinds: dict[str, list[dict[str, Any]]] = {}

        async def training() -> list[dict[str, Any]] | None:
            running = await inventory.search_domain("training-job")
            recent = await inventory.search_domain("training-job", running=False, after=since)
            if running is None or recent is None:
                return None
            return list({str(d.get("TrainingJobArn")): d for d in (*recent, *running)}.values())

        for kind, read in (
            ("training-job", training),
            ("endpoint", lambda: inventory.search_domain("endpoint")),
            ("processing-job", lambda: self._processing(domain, since)),
            ("app", lambda: inventory.apps(domain_id)),
        ):
            try:
                found = await read()
            except AwsError as err:
                log.warning(
                    "jupyter-smcost inventory: domain %s: %ss not read for the suggestions: %s",
                    domain_id,
                    kind,
                    err,
                )
                continue
            if found is not None:
                kinds[kind] = found
        return since, kinds

    async def _docker(self, domain: Domain, domain_id: str) -> tuple[float, bool | None] | None:
        """Whether the domain's users may run Docker, read hourly (None: not read; the apps
        read it themselves)."""
        now = self._clock()
        if domain.docker is None or now - domain.docker[0] >= DOMAIN_TTL_SECONDS:
            try:
                answer = await domain.inventory.describe("describe_domain", DomainId=domain_id)
            except AwsError as err:
                log.warning("jupyter-smcost inventory: domain %s: %s", domain_id, err)
                return domain.docker
            domain.docker = (now, docker_access_of(answer or {}))
        return domain.docker

    async def _processing(self, domain: Domain, since: datetime) -> list[dict[str, Any]] | None:
        """The processing jobs of the domain's users, running or created since `since`,
        described with their tags. The list is the account's: tags are read once per job,
        and only those launched from this domain are described (again only when their
        summary changes). None when the first reads take longer than half a period: the
        rest waits for the next reconcile, which starts from what this one read."""
        inventory = domain.inventory
        spec = JOB_KINDS["processing-job"]
        domain_ident = Identity(self.account, self.region, domain.env.domain_id, None)
        deadline = self._clock() + self.conf.period_seconds / 2
        kept: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = {}
        complete = True
        for item in await inventory.recent_jobs("processing-job", since):
            arn = str(item.get(spec.arn_key))
            summary = (item.get("LastModifiedTime"), item.get(spec.status_key))
            known = domain.processing.get(arn)
            if known is not None and (
                known[0] == summary or known[1].get(spec.status_key) in ENDED
            ):
                kept[arn] = known
                continue
            if self._clock() > deadline:
                complete = False
                continue
            tags = await inventory.tags(arn)
            if not domain_ident.in_domain(tags):
                continue
            described = await inventory.describe_job("processing-job", item)
            if described is not None:
                tagged = [{"Key": k, "Value": v} for k, v in sorted(tags.items())]
                kept[arn] = (summary, {**described, "Tags": tagged})
        domain.processing = kept  # only what the listing still shows: bounded
        return [entity for _, entity in kept.values()] if complete else None

    async def _write(
        self,
        domain: Domain,
        key: str,
        ident: Identity,
        found: Collection,
        facts: SharedFacts,
        outcome: Outcome,
    ) -> None:
        owner = (
            {"user_profile_name": ident.user_profile_name}
            if ident.user_profile_name
            else {"space_name": next(iter(ident.space_names))}
        )
        doc = document(
            found,
            domain_id=str(ident.domain_id),
            owner=owner,
            period_seconds=self.conf.period_seconds,
            written_at=self._wall(),
            space_names=ident.space_names if ident.user_profile_name else frozenset(),
            domain_spaces=domain.spaces,
            facts=facts,
        )
        mark = hashlib.sha256(_json(_what_changes(doc))).hexdigest()
        last = domain.written.get(key)
        now = self._clock()
        if last is not None and last[0] == mark and now - last[1] < REWRITE_SECONDS:
            outcome.unchanged += 1
            return
        await self.put_object(self.conf.bucket, key, _json(doc))
        domain.written[key] = (mark, now)
        outcome.written += 1


def _owned(
    everyone: dict[str, list[dict[str, Any]]], ident: Identity
) -> dict[str, list[dict[str, Any]]]:
    """`ident`'s share of each kind: by its tags (jobs, endpoints), by its space (apps)."""
    return {
        kind: [
            e
            for e in found
            if (ident.owns_app(e) if kind == "app" else ident.owns(tag_dict(e.get("Tags"))))
        ]
        for kind, found in everyone.items()
    }


def _what_changes(doc: dict[str, Any]) -> dict[str, Any]:
    """A document less the times it was read at, and less the start of its facts' lookback,
    which moves every hour: the same jobs since a later start are the same facts (a job
    that fell out of the window changes them)."""
    kept = {k: v for k, v in doc.items() if k not in ("written_at", "fetched_at")}
    if isinstance(kept.get("facts"), dict):
        kept["facts"] = {k: v for k, v in kept["facts"].items() if k != "since"}
    return kept


def _json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def _is_state_change(event: Any) -> bool:
    return isinstance(event, dict) and event.get("source") == "aws.sagemaker"


# -- the Lambda entry point ----------------------------------------------------------------

#: Kept while the function is warm: the tags read, the descriptions, what was written.
_WARM: dict[str, Any] = {}


def cool() -> None:
    """Forget what a warm function keeps (tests; a function's life ends with its process)."""
    if "loop" in _WARM:
        _WARM["loop"].close()
        _WARM["clients"].close()
    _WARM.clear()


def _account(context: Any, clients: AwsClients) -> str:
    arn = str(getattr(context, "invoked_function_arn", "") or "")
    parts = arn.split(":")
    if len(parts) > 4 and parts[4]:
        return parts[4]
    return str(clients.call_sync("sts", "get_caller_identity")["Account"])


def handler(event: Any = None, context: Any = None) -> dict[str, Any]:
    """The Lambda entry point (also runnable by hand: `python -c` with the settings in the
    environment)."""
    try:
        conf = settings(os.environ)
    except ConfigError as err:
        log.error("jupyter-smcost inventory: %s", err)
        return {"error": str(err)}
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or ""
    if "writer" not in _WARM:
        clients = AwsClients(region or None)
        try:
            account = _account(context, clients)
        except AwsError as err:
            clients.close()
            log.error("jupyter-smcost inventory: which account this is: %s", err)
            return {"error": f"cannot tell the account: {err}"}
        # One loop for the function's life: the inventory's locks and futures belong to it.
        loop = asyncio.new_event_loop()

        async def put(bucket: str, key: str, body: bytes) -> None:
            await clients.call(
                "s3",
                "put_object",
                Bucket=bucket,
                Key=key,
                Body=body,
                ContentType="application/json",
                CacheControl="no-cache",
            )

        paced = PacedAws(clients, Pace(conf.calls_per_second))
        writer = InventoryWriter(paced, put, conf, region=region, account=account)
        _WARM.update(writer=writer, loop=loop, clients=clients)
    writer = _WARM["writer"]
    writer.conf = conf
    loop = _WARM["loop"]
    if not writer.due(event):
        return {"skipped": "a reconcile ran less than a minute ago"}
    outcomes = loop.run_until_complete(writer.reconcile(afresh=_is_state_change(event)))
    summary = {
        "domains": [
            {
                "domain_id": o.domain_id,
                "owners": o.owners,
                "written": o.written,
                "unchanged": o.unchanged,
                "calls": o.calls,
                "error": o.error,
            }
            for o in outcomes
        ]
    }
    log.info("jupyter-smcost inventory: %s", json.dumps(summary))
    return summary
