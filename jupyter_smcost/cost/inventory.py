"""The user's SageMaker resources as AWS lists and describes them, read once for every wing.

`Inventory` lists and describes jobs (running and recent), endpoints (with their
configurations), Studio apps, spaces and notebook instances through an injected client
(async `call`/`paginate`, which run boto3 off the event loop). The resources listing
(cost/resources.py) and the suggestions' facts (suggestions/collect.py) both read from it:

- the reads of refreshes that overlap form one *round*: a listing or a describe made in a
  round (within `SHARED_SECONDS`) is shared by its other readers, so one refresh with the
  suggestions on lists and describes each thing once, not once per wing; a round's answers
  are dropped when its last reader is done, and each wing keeps what it built from them;
- a listing is also kept for `listing_max_age()` seconds (the resources listing's TTL
  now): the suggestions computed a few minutes after the Cost panel's refresh read the
  same listing instead of listing again;
- an endpoint is described again only when its list summary says it changed
  (LastModifiedTime, status);
- what does not change is kept longer: tags (read once per resource; an action on it,
  `forget(arn)`, reads them again), endpoint configurations, the space's owner and, for
  `SPACES_TTL_SECONDS`, the owner's spaces.

It also owns whose resources are "mine" (`Identity`, `scope_note`) and the ARNs and
console links of what it lists. No tornado import.

Calls that do not grow with the domain: the user's training jobs, tuning jobs and endpoints
are found with SageMaker's Search (`search_mine`), filtered by the owner's tags and
answered with their descriptions and tags, one call each whatever the number of other
users' resources; without `sagemaker:Search` (or with a user of too many spaces to name in
one expression), the listing, ListTags on each and a describe of each are the fallback. In
a large domain the apps are listed per owned space rather than for the whole domain.
"""

from __future__ import annotations

import asyncio
import logging
import math
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Protocol

from ..aws import AwsError
from ..environment import Environment, Kind

if TYPE_CHECKING:
    from .shared_inventory import Read, SharedInventoryReader

log = logging.getLogger(__name__)

USER_PROFILE_TAG = "sagemaker:user-profile-arn"
SPACE_TAG = "sagemaker:space-arn"
DOMAIN_TAG = "sagemaker:domain-arn"

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


def app_links(
    a: dict[str, Any],
    region: str | None,
    account: str | None,
    *,
    domain_id: str | None = None,
    arn: str | None = None,
) -> tuple[str | None, str | None]:
    """A ListApps entry's ARN and console page (its domain's, on the spaces or the user
    profiles tab). ListApps gives no ARN (`AppDetails` has none): unless DescribeApp's `arn`
    is at hand, it is built from the domain (`domain_id` when the entry has none), the
    space or user profile, the type and the name, in `region` of `account`."""
    domain = a.get("DomainId") or domain_id
    space = a.get("SpaceName") or None
    owner = space or a.get("UserProfileName") or None
    app_type, app_name = str(a.get("AppType", "")), str(a.get("AppName", "default"))
    built = arn or a.get("AppArn") or app_arn(region, account, domain, owner, app_type, app_name)
    return built, studio_console_url(region, domain, bool(space))


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

    def in_domain(self, tags: dict[str, str]) -> bool:
        """Whether the tags name a user profile or a space of this identity's domain (a
        resource someone in it launched)."""
        return bool(
            self._names(tags.get(USER_PROFILE_TAG), "user-profile")
            or self._names(tags.get(SPACE_TAG), "space")
        )

    def owns_app(self, app: dict[str, Any]) -> bool:
        """Whether a ListApps entry is this identity's: its space's, or (an app of no space)
        its user profile's."""
        space = app.get("SpaceName")
        if space:
            return self.owns_space(str(space))
        return bool(self.user_profile_name) and app.get("UserProfileName") == self.user_profile_name


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


def tag_dict(tags: Any) -> dict[str, str]:
    """AWS's `[{"Key": ..., "Value": ...}]` as a dict (interned: the same keys everywhere)."""
    return {
        sys.intern(str(t.get("Key"))): sys.intern(str(t.get("Value")))
        for t in tags or []
        if isinstance(t, dict)
    }


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


def is_own_app(a: dict[str, Any], env: Environment) -> bool:
    """Whether a ListApps entry is the app this server runs in."""
    return (
        a.get("DomainId") == env.domain_id
        and a.get("AppName") == env.app_name
        and a.get("AppType") == env.app_type
        and (a.get("SpaceName") or None) == env.space_name
        and bool(env.space_name or a.get("UserProfileName") == env.user_profile_name)
    )


def mark(item: dict[str, Any]) -> tuple[Any, ...]:
    """What a list summary says that a describe would show changed (times as numbers)."""
    return tuple(
        v.timestamp() if isinstance(v, datetime) else v
        for v in (
            item.get("LastModifiedTime"),
            item.get("SecondaryStatus"),
            item.get("CreationTime"),
        )
    )


#: How long the list of the user's spaces (whose resources are "mine") is reused: a new
#: space is rare, and the listing pages through the whole domain's spaces.
SPACES_TTL_SECONDS = 3 * 3600.0
#: How long a refused Search is not asked again: a policy granting it later takes effect
#: within the hour, without a restart.
SEARCH_RETRY_SECONDS = 3600.0
#: A round's answer is shared with a reader that joins this long after it was asked for at
#: most (a reader held up by a slow call keeps a round open; others still read afresh).
SHARED_SECONDS = 10.0
#: Describe (and tag) calls are started this many at a time (the AWS concurrency is lower).
DESCRIBE_SLICE = 64
#: At most this many recent jobs of each kind are read (the newest first).
MAX_RECENT_JOBS = 500
ENDED = frozenset({"Completed", "Failed", "Stopped"})
#: The kinds Search finds, by its resource name.
SEARCHABLE = {
    "training-job": "TrainingJob",
    "tuning-job": "HyperParameterTuningJob",
    "endpoint": "Endpoint",
}
#: Search answers at most 100 results a page.
SEARCH_PAGE = 100
#: A SearchExpression holds at most 20 sub-expressions: the profile's and 19 spaces'.
MAX_SEARCH_OWNERS = 20
#: Apps are listed per owned space once the domain's listing would take more pages than
#: that (a page holds 100 apps; a space has one or two).
APPS_PER_PAGE = 50
#: Memories of things that never change are emptied when they reach this size.
_MAX_TAGGED = 5000
_MAX_CONFIGS = 500


@dataclass(frozen=True)
class JobKind:
    """How one kind of job is listed and described, and the keys of AWS's answers."""

    kind: str
    list_op: str
    describe_op: str
    list_key: str
    name_key: str
    arn_key: str
    status_key: str
    start_key: str
    end_key: str


def _job_kind(kind: str, noun: str, list_op: str, describe_op: str) -> JobKind:
    """`noun` names the keys: `TrainingJobSummaries`, `TrainingJobName`, ..., and without
    its last word the times: `TrainingStartTime`, `TrainingEndTime`."""
    keys = (f"{noun}{part}" for part in ("Summaries", "Name", "Arn", "Status"))
    times = (f"{noun.removesuffix('Job')}{part}" for part in ("StartTime", "EndTime"))
    return JobKind(kind, list_op, describe_op, *keys, *times)


#: (A tuning job has no start time of its own: its row starts at its creation.)
JOB_KINDS = {
    spec.kind: spec
    for spec in (
        _job_kind("training-job", "TrainingJob", "list_training_jobs", "describe_training_job"),
        _job_kind(
            "tuning-job",
            "HyperParameterTuningJob",
            "list_hyper_parameter_tuning_jobs",
            "describe_hyper_parameter_tuning_job",
        ),
        _job_kind(
            "processing-job", "ProcessingJob", "list_processing_jobs", "describe_processing_job"
        ),
        _job_kind("transform-job", "TransformJob", "list_transform_jobs", "describe_transform_job"),
    )
}


def _gone(err: AwsError) -> bool:
    """A describe that failed because the resource ended between the list and it."""
    return err.not_found or err.code == "ValidationException"


def _key(operation: str, params: dict[str, Any]) -> tuple[str, str]:
    return operation, repr(sorted(params.items()))


@dataclass
class _Shared:
    """An answer of the current round: asked for at `at` (monotonic)."""

    at: float
    answer: asyncio.Future[Any]


class Inventory:
    """What the user's SageMaker resources are, read for every reader (see the module
    docstring). Raises AwsError for what AWS refuses."""

    def __init__(
        self,
        aws: AwsLike,
        env: Callable[[], Environment],
        *,
        clock: Callable[[], float] = time.monotonic,
        describe_concurrency: int = 4,
        listing_max_age: Callable[[], float] = lambda: 0.0,
        domain_wide: bool = False,
        space_description: Callable[[], Awaitable[dict[str, Any]]] | None = None,
    ) -> None:
        self.aws = aws
        #: One Search per kind for every identity (the shared inventory's Lambda, which
        #: builds the documents of a whole domain): each identity's share is picked out
        #: of it by tags, as from a listing.
        self.domain_wide = domain_wide
        self._env = env
        self._clock = clock
        self.listing_max_age = listing_max_age
        # (operation, params) -> (when listed, the items): listings kept across rounds.
        self._listings: dict[tuple[str, str], tuple[float, list[dict[str, Any]]]] = {}
        # Endpoint name -> (its list summary's mark, its description).
        self._endpoints: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = {}
        self._limit = asyncio.Semaphore(describe_concurrency)
        self._readers = 0
        self._round: dict[tuple[str, str], _Shared] = {}
        # arn -> (when read, all its tags); bounded.
        self._tags: dict[str, tuple[float, dict[str, str]]] = {}
        # Endpoint configurations cannot change; an endpoint moves to a new one instead.
        self._configs: dict[str, dict[str, Any]] = {}
        self._owner: str | None = None
        # The app's own DescribeSpace (HostedApp reads it at start for the volume size):
        # the owner is in it, so the space is not described twice.
        self._space_description = space_description
        # The user's spaces, and when they were listed (a new space is rare).
        self._spaces: tuple[float, frozenset[str]] | None = None
        #: The number of spaces in the domain, as last listed.
        self.domain_spaces = 0
        #: Why Search is not used (None: it is), e.g. the role may not call it.
        self.search_off: str | None = None
        self._search_off_at = 0.0
        self._whoami: asyncio.Future[Identity] | None = None
        #: The domain's shared inventory (`read_shared`), and its last read.
        self.shared: SharedInventoryReader | None = None
        self._shared_read: tuple[float, Read] | None = None
        # When an action last changed something (the reader's wall clock).
        self._acted_at: datetime | None = None
        #: AWS calls made, by operation (benchmarks, tests).
        self.calls: dict[str, int] = {}

    # -- rounds ------------------------------------------------------------------------

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[None]:
        """One reader's refresh: it shares the answers of the refreshes it overlaps."""
        self._readers += 1
        try:
            yield
        finally:
            self._readers -= 1
            if not self._readers:
                self._round.clear()

    def read_afresh(self) -> None:
        """The resources listing's own refresh: it reads AWS again (the listings kept for
        `listing_max_age` serve the others that read after it)."""
        self._listings.clear()
        self._shared_read = None

    def forget(self, arn: str | None = None) -> None:
        """Something changed (an action ran on `arn`): nothing read before is shared with
        the next readers, and that resource's tags are read again."""
        self._round.clear()
        self._listings.clear()
        if self.shared is not None:
            # The documents show what the function read before the action until it reads
            # again: until then the suggestions read AWS themselves.
            self._acted_at = self.shared.now()
        if arn:
            self._tags.pop(arn, None)
            self._endpoints = {
                k: v for k, v in self._endpoints.items() if v[1].get("EndpointArn") != arn
            }

    async def _shared(
        self, operation: str, params: dict[str, Any], read: Callable[[], Awaitable[Any]]
    ) -> Any:
        """`read()`'s answer, or the one a reader of this round asked for lately."""
        key = _key(operation, params)
        now = self._clock()
        known = self._round.get(key)
        if known is not None and now - known.at <= SHARED_SECONDS:
            try:
                return await asyncio.shield(known.answer)
            except asyncio.CancelledError:
                if not known.answer.cancelled():
                    raise  # this reader was cancelled
                # The reader that asked was (the server stops): ask again.
        future = asyncio.ensure_future(read())
        if self._readers:
            self._round[key] = _Shared(now, future)
        return await future

    def _counted(self, operation: str) -> None:
        self.calls[operation] = self.calls.get(operation, 0) + 1

    # -- listings ----------------------------------------------------------------------

    async def listing(self, operation: str, key: str, **params: Any) -> list[dict[str, Any]]:
        """A SageMaker list operation, every page (kept for `listing_max_age()`)."""

        async def read() -> list[dict[str, Any]]:
            self._counted(operation)
            return await self.aws.paginate("sagemaker", operation, key, **params)

        return await self._kept(operation, params, read)

    async def _kept(
        self,
        operation: str,
        params: dict[str, Any],
        read: Callable[[], Awaitable[list[dict[str, Any]]]],
    ) -> list[dict[str, Any]]:
        """A listing's items: as read less than `listing_max_age()` ago, else `read()`'s
        (shared with this round's readers), kept from when AWS was asked for them."""
        memo_key = _key(operation, params)
        kept = self._listings.get(memo_key)
        if kept is not None and self._clock() - kept[0] < self.listing_max_age():
            return kept[1]

        async def timed() -> list[dict[str, Any]]:
            at = self._clock()
            items = await read()
            self._listings[memo_key] = (at, items)
            return items

        answer: list[dict[str, Any]] = await self._shared(operation, params, timed)
        return answer

    async def running_jobs(self, kind: str) -> list[dict[str, Any]]:
        spec = JOB_KINDS[kind]
        return await self.listing(
            spec.list_op, spec.list_key, StatusEquals="InProgress", MaxResults=100
        )

    async def recent_jobs(self, kind: str, after: datetime) -> list[dict[str, Any]]:
        """The jobs created since `after` (at most MAX_RECENT_JOBS) and the running ones,
        one summary each. `after` is taken to the hour before it, so that the listing is
        the same one for an hour (see `listing_max_age`)."""
        spec = JOB_KINDS[kind]
        after = after.replace(minute=0, second=0, microsecond=0)
        recent, running = await asyncio.gather(
            self.listing(
                spec.list_op,
                spec.list_key,
                CreationTimeAfter=after,
                MaxResults=100,
                PaginationConfig={"MaxItems": MAX_RECENT_JOBS},
            ),
            self.running_jobs(kind),
        )
        return list({str(i.get(spec.arn_key)): i for i in (*recent, *running)}.values())

    async def endpoints(self) -> list[dict[str, Any]]:
        return await self.listing(
            "list_endpoints", "Endpoints", StatusEquals="InService", MaxResults=100
        )

    async def apps(
        self, domain_id: str | None, ident: Identity | None = None
    ) -> list[dict[str, Any]]:
        """The domain's apps; in a domain large enough that listing them all takes more
        calls than listing those of `ident`'s spaces (and its profile's), only those."""
        if not domain_id:
            return await self.listing("list_apps", "Apps", MaxResults=100)
        own = sorted(ident.space_names) if ident is not None else []
        wanted = len(own) + bool(ident is not None and ident.user_profile_name)
        if ident is None or not wanted or wanted >= math.ceil(self.domain_spaces / APPS_PER_PAGE):
            return await self.listing("list_apps", "Apps", DomainIdEquals=domain_id, MaxResults=100)
        parts = [
            self.listing("list_apps", "Apps", DomainIdEquals=domain_id, SpaceNameEquals=space)
            for space in own
        ]
        if ident.user_profile_name:
            parts.append(
                self.listing(
                    "list_apps",
                    "Apps",
                    DomainIdEquals=domain_id,
                    UserProfileNameEquals=ident.user_profile_name,
                )
            )
        found = await asyncio.gather(*parts)
        return [a for part in found for a in part]

    async def notebook_instances(self) -> list[dict[str, Any]]:
        return await self.listing(
            "list_notebook_instances", "NotebookInstances", StatusEquals="InService"
        )

    # -- search ----------------------------------------------------------------------------

    def _owners(self, ident: Identity) -> dict[str, Any] | None:
        """ "Tagged with this user profile or one of its spaces" as a SearchExpression; None
        when it cannot be said in one."""
        owners = []
        if ident.user_profile_arn:
            owners.append((USER_PROFILE_TAG, ident.user_profile_arn))
        for space in sorted(ident.space_names):
            arn = ident.space_arn(space)
            if arn:
                owners.append((SPACE_TAG, arn))
        if not owners or len(owners) > MAX_SEARCH_OWNERS:
            return None
        return {
            "SubExpressions": [
                {"Filters": [{"Name": f"Tags.{key}", "Operator": "Equals", "Value": value}]}
                for key, value in owners
            ],
            "Operator": "Or",
        }

    async def search_mine(
        self, kind: str, ident: Identity, *, running: bool = True, after: datetime | None = None
    ) -> list[dict[str, Any]] | None:
        """`ident`'s resources of `kind` with their descriptions (and `Tags`, as AWS lists
        them): the running ones, or (`running=False`) the ones created since `after`, newest
        first (the paging stops at the first older one). None when Search cannot be used:
        the caller lists instead. Raises AwsError (throttling, ...)."""
        owners = None
        if not self.domain_wide:
            owners = self._owners(ident)
            if owners is None:
                return None
        entities = await self._search(kind, owners, running, after)
        if entities is None:
            return None
        # Search filtered by these tags; what comes back is checked all the same.
        return self._theirs(kind, entities, ident)

    def _theirs(
        self, kind: str, entities: list[dict[str, Any]], ident: Identity
    ) -> list[dict[str, Any]]:
        """The `entities` (with their `Tags`, as Search answers) that `ident` owns; their
        tags are remembered."""
        mine = []
        arn_key = JOB_KINDS[kind].arn_key if kind in JOB_KINDS else "EndpointArn"
        for entity in entities:
            tags = tag_dict(entity.get("Tags"))
            if ident.owns(tags):
                self._remember_tags(str(entity.get(arn_key)), tags)
                mine.append(entity)
        return mine

    async def search_domain(
        self, kind: str, *, running: bool = True, after: datetime | None = None
    ) -> list[dict[str, Any]] | None:
        """As `search_mine`, everyone's (a `domain_wide` inventory: the one Search that
        `search_mine` picks each owner's share out of)."""
        if not self.domain_wide:
            raise ValueError("search_domain reads a domain-wide inventory")
        return await self._search(kind, None, running, after)

    async def _search(
        self, kind: str, owners: dict[str, Any] | None, running: bool, after: datetime | None
    ) -> list[dict[str, Any]] | None:
        resource = SEARCHABLE.get(kind)
        if self.search_off and self._clock() - self._search_off_at > SEARCH_RETRY_SECONDS:
            self.search_off = None  # asked again: the role may have been granted it since
        if resource is None or self.search_off:
            return None
        expression: dict[str, Any] = {"Operator": "And"}
        if owners is not None:
            expression["SubExpressions"] = [owners]
        if running:
            status = JOB_KINDS[kind].status_key if kind in JOB_KINDS else "EndpointStatus"
            value = "InService" if kind == "endpoint" else "InProgress"
            expression["Filters"] = [{"Name": status, "Operator": "Equals", "Value": value}]
        cutoff = None if after is None else after.replace(minute=0, second=0, microsecond=0)
        params = {
            "Resource": resource,
            "SearchExpression": expression,
            "SortBy": "CreationTime",
            "SortOrder": "Descending",
            "MaxResults": SEARCH_PAGE,
        }
        if len(expression) == 1:  # nothing to filter on (domain-wide, every job)
            del params["SearchExpression"]
        memo = {**params, "after": cutoff}

        async def read() -> list[dict[str, Any]]:
            self._counted("search")
            found: list[dict[str, Any]] = []
            token: str | None = None
            while True:
                page = await self.aws.call(
                    "sagemaker", "search", **(dict(params, NextToken=token) if token else params)
                )
                for result in page.get("Results") or []:
                    entity = result.get(resource)
                    if not isinstance(entity, dict):
                        continue
                    created = utc_time(entity.get("CreationTime"))
                    if cutoff is not None and created is not None and created <= cutoff:
                        return found  # newest first: the rest is older still
                    found.append(entity)
                token = page.get("NextToken")
                if not token:
                    return found

        try:
            entities = await self._kept("search", memo, read)
        except AwsError as err:
            if not (err.access_denied or err.code == "ValidationException"):
                raise
            if not self.search_off:  # said once (searches asked together fail together)
                self.search_off = str(err)
                self._search_off_at = self._clock()
                log.warning(
                    "jupyter-smcost: listing instead of searching (%s); add "
                    "sagemaker:Search to the execution role to make fewer calls",
                    err,
                )
            return None
        return entities

    async def shared_mine(
        self, kind: str, ident: Identity, after: datetime | None = None
    ) -> list[dict[str, Any]] | None:
        """`ident`'s resources of `kind` (shared_inventory.FACT_KINDS) from the shared
        inventory's document, as `search_mine` would find them: the running ones and (jobs)
        those created since `after`, with their `Tags`. None when the document does not
        hold them (no shared inventory in use, the Lambda could not read that kind, or
        `after` is before what it read): the caller reads AWS."""
        if self.domain_wide or self.shared is None:
            return None
        read = await self.read_shared()
        if read is None or read.found is None or read.facts is None:
            return None
        facts = read.facts
        if self._acted_at is not None and (read.read_at is None or read.read_at < self._acted_at):
            return None  # read before the user's last action
        entities = facts.entities.get(kind)
        cutoff = None if after is None else after.replace(minute=0, second=0, microsecond=0)
        if entities is None or (cutoff is not None and cutoff < facts.since):
            return None
        if kind == "app":
            return [a for a in entities if ident.owns_app(a)]
        if kind in JOB_KINDS:
            status_key, live = JOB_KINDS[kind].status_key, "InProgress"
        else:
            status_key, live = "EndpointStatus", "InService"

        def wanted(entity: dict[str, Any]) -> bool:
            created = utc_time(entity.get("CreationTime"))
            recent = cutoff is not None and created is not None and created > cutoff
            return entity.get(status_key) == live or recent

        # The document is this user's; what it holds is checked all the same.
        return self._theirs(kind, [e for e in entities if wanted(e)], ident)

    # -- describes -----------------------------------------------------------------------

    async def describe(
        self,
        operation: str,
        *,
        gone: Callable[[AwsError], bool] = _gone,
        counted: Callable[[], None] | None = None,
        **params: Any,
    ) -> dict[str, Any] | None:
        """A SageMaker describe; None when the resource is `gone` (each reader says what
        that is). `counted` is told when this reader's call reaches AWS (not when it
        shares another reader's)."""

        async def read() -> dict[str, Any]:
            self._counted(operation)
            if counted is not None:
                counted()
            async with self._limit:
                return await self.aws.call("sagemaker", operation, **params)

        try:
            answer: dict[str, Any] = await self._shared(operation, params, read)
        except AwsError as err:
            if gone(err):
                return None
            raise
        return answer

    async def describe_job(
        self, kind: str, item: dict[str, Any], counted: Callable[[], None] | None = None
    ) -> dict[str, Any] | None:
        """A listed job's description; None when it ended between the list and now."""
        spec = JOB_KINDS[kind]
        return await self.describe(
            spec.describe_op, counted=counted, **{spec.name_key: item[spec.name_key]}
        )

    async def describe_endpoint(
        self, item: dict[str, Any], counted: Callable[[], None] | None = None
    ) -> dict[str, Any] | None:
        """A listed endpoint's description, read again only when its list summary changed;
        None when it is gone."""
        name = str(item.get("EndpointName"))
        summary = (mark(item), item.get("EndpointStatus"))
        known = self._endpoints.get(name)
        if known is not None and known[0] == summary:
            return known[1]
        described = await self.describe("describe_endpoint", counted=counted, EndpointName=name)
        if described is None:
            self._endpoints.pop(name, None)
        else:
            if len(self._endpoints) > _MAX_CONFIGS:
                self._endpoints.clear()
            self._endpoints[name] = (summary, described)
        return described

    async def endpoint_config(
        self,
        name: str,
        counted: Callable[[], None] | None = None,
        gone: Callable[[AwsError], bool] = _gone,
    ) -> dict[str, Any] | None:
        """An endpoint configuration; None when it is `gone` (raises AwsError otherwise).
        Only a configuration that was read is remembered."""
        config = self._configs.get(name)
        if config is None:
            config = await self.describe(
                "describe_endpoint_config", gone=gone, counted=counted, EndpointConfigName=name
            )
            if config:
                if len(self._configs) > _MAX_CONFIGS:
                    self._configs.clear()
                self._configs[name] = config
        return config

    # -- tags and ownership -------------------------------------------------------------

    def known_tags(self, arn: str) -> dict[str, str] | None:
        known = self._tags.get(arn)
        return None if known is None else known[1]

    async def tags(
        self, arn: str, max_age: float = math.inf, counted: Callable[[], None] | None = None
    ) -> dict[str, str]:
        """All tags of `arn`, as read at most `max_age` seconds ago."""
        known = self._tags.get(arn)
        if known is not None and self._clock() - known[0] < max_age:
            return known[1]

        async def read() -> dict[str, str]:
            self._counted("list_tags")
            if counted is not None:
                counted()
            async with self._limit:
                answer = await self.aws.call("sagemaker", "list_tags", ResourceArn=arn)
            found = tag_dict(answer.get("Tags"))
            self._remember_tags(arn, found)
            return found

        answer: dict[str, str] = await self._shared("list_tags", {"ResourceArn": arn}, read)
        return answer

    def _remember_tags(self, arn: str, tags: dict[str, str]) -> None:
        if len(self._tags) > _MAX_TAGGED:
            self._tags.clear()
        self._tags[arn] = (self._clock(), tags)

    async def owned(
        self, items: list[dict[str, Any]], arn_key: str, ident: Identity | None
    ) -> list[dict[str, Any]]:
        """The listed `items` that `ident` owns by their tags (all of them for None)."""
        if ident is None:
            return items
        unknown = [i for i in items if str(i.get(arn_key)) not in self._tags]
        # In slices, so a first listing of thousands never holds thousands of tasks.
        for start in range(0, len(unknown), DESCRIBE_SLICE):
            part = unknown[start : start + DESCRIBE_SLICE]
            await asyncio.gather(*(self.tags(str(i.get(arn_key))) for i in part))
        mine = []
        for i in items:
            arn = str(i.get(arn_key))
            # Forgotten meanwhile (the memory is bounded): read again.
            tags = self.known_tags(arn)
            if ident.owns(tags if tags is not None else await self.tags(arn)):
                mine.append(i)
        return mine

    async def whoami(self) -> Identity:
        """This server's user: an identity that owns nothing outside Studio. Raises
        AwsError (a space's owner is read from SageMaker). Readers at the same time share
        one read."""
        env = self._env()
        if env.kind not in (Kind.STUDIO_SPACE, Kind.STUDIO_CLASSIC):
            return Identity(account_of(env.resource_arn), env.region, None, None)
        if self._whoami is None or self._whoami.done():
            self._whoami = asyncio.ensure_future(self._identity(env))
        return await asyncio.shield(self._whoami)

    async def _user(self, env: Environment) -> Identity:
        """The user profile (read once from the space, when the environment does not say)
        and this space: whose document of the shared inventory this server reads."""
        user = env.user_profile_name
        if not user and env.kind is Kind.STUDIO_SPACE and env.space_name:
            if self._owner is None:
                if self._space_description is not None:
                    space = await self._space_description()
                else:
                    self._counted("describe_space")
                    space = await self.aws.call(
                        "sagemaker",
                        "describe_space",
                        DomainId=env.domain_id,
                        SpaceName=env.space_name,
                    )
                self._owner = str(
                    (space.get("OwnershipSettings") or {}).get("OwnerUserProfileName") or ""
                )
            user = self._owner or None
        spaces = frozenset({env.space_name} if env.space_name else ())
        return Identity(account_of(env.resource_arn), env.region, env.domain_id, user, spaces)

    async def read_shared(self) -> Read | None:
        """This user's document of the domain's shared inventory (None without one): read
        once per `listing_max_age()` (the resources listing reads afresh), shared by the
        readers of a round. A document in use also says which spaces the user owns."""
        if self.shared is None:
            return None
        env = self._env()
        if env.kind not in (Kind.STUDIO_SPACE, Kind.STUDIO_CLASSIC):
            return None
        now = self._clock()
        if self._shared_read is not None and now - self._shared_read[0] < self.listing_max_age():
            return self._shared_read[1]
        light = await self._user(env)
        shared = self.shared
        read: Read = await self._shared("shared_inventory", {}, lambda: shared.read(light))
        self._shared_read = (now, read)
        if read.found is not None and read.space_names is not None and light.user_profile_name:
            self._spaces = (now, read.space_names | light.space_names)
            self.domain_spaces = read.domain_spaces
        return read

    async def _identity(self, env: Environment) -> Identity:
        ident = await self._user(env)
        user = ident.user_profile_name
        spaces = set(ident.space_names)
        if env.domain_id and user:
            now = self._clock()
            if self.shared is not None and (
                self._spaces is None or now - self._spaces[0] > SPACES_TTL_SECONDS
            ):
                await self.read_shared()  # the Lambda listed the user's spaces already
            if self._spaces is None or now - self._spaces[0] > SPACES_TTL_SECONDS:
                self._counted("list_spaces")
                listed = await self.aws.paginate(
                    "sagemaker",
                    "list_spaces",
                    "Spaces",
                    DomainIdEquals=env.domain_id,
                    MaxResults=100,
                )
                owned = frozenset(
                    str(s.get("SpaceName"))
                    for s in listed
                    if (s.get("OwnershipSettingsSummary") or {}).get("OwnerUserProfileName") == user
                )
                self.domain_spaces = len(listed)
                self._spaces = (now, owned)
            spaces.update(self._spaces[1])
        return replace(ident, space_names=frozenset(spaces))
