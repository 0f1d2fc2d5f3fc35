"""The shared inventory of a domain: one document per user profile (and per shared space)
in S3, written by one Lambda for the whole domain (admin/inventory_lambda.py, deployed with
`jupyter smcost deploy --inventory`), read by each extension instead of listing SageMaker
itself (one S3 GetObject per refresh instead of a dozen SageMaker calls).

A document holds the rows of `Collection` (what `GET resources` prices and serves), when
they were written and how often they are, and the facts the savings suggestions read
(`SharedFacts`: the owner's recent and running jobs, endpoints and apps as AWS described
them), so that neither the listing nor the suggestions call SageMaker. A reader uses it
only when it is its own (the same domain and owner) and younger than twice its period;
otherwise it lists SageMaker itself and says why, so a stopped Lambda never freezes what
users see.

Keys: `{prefix}{domain}/users/{user profile}.json` and
`{prefix}{domain}/shared-spaces/{space}.json` (a space SageMaker records no owner for). A
document is rewritten only when its rows change; `{prefix}{domain}/_reconciled.json`, rewritten
every period, says when the domain was last reconciled: a reader reads both. No tornado
import.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from typing import Any

from ..admin.limits import inventory_uri
from ..aws import AwsError
from .inventory import Identity, utc_time
from .resources import KINDS, Collection, Running

FORMAT = 1
HEARTBEAT = 1
HEARTBEAT_NAME = "_reconciled.json"
DEFAULT_PREFIX = "jupyter-smcost/inventory/"
#: A document older than this many periods is not used (the Lambda has stopped, or fails).
STALE_PERIODS = 2.0
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,62}")
_RUNNING_FIELDS = {f.name for f in fields(Running)}
#: What `SharedFacts` may hold: Search's and Describe's answers with their `Tags` (jobs,
#: endpoints), ListApps' entries (apps).
FACT_KINDS = ("training-job", "processing-job", "endpoint", "app")


def parse_uri(uri: str, name: str = "c.Resources.inventory_uri") -> tuple[str, str]:
    """(bucket, prefix) of `s3://bucket/prefix/`; raises ValueError in words."""
    return inventory_uri(uri.strip(), name)


def user_key(prefix: str, domain_id: str, user_profile_name: str) -> str:
    return f"{prefix}{domain_id}/users/{user_profile_name}.json"


def shared_space_key(prefix: str, domain_id: str, space_name: str) -> str:
    return f"{prefix}{domain_id}/shared-spaces/{space_name}.json"


def heartbeat_key(prefix: str, domain_id: str) -> str:
    # No user profile or space name starts with "_": the user policy's pattern for it
    # (iam.inventory_read_statement) matches no one's document.
    return f"{prefix}{domain_id}/{HEARTBEAT_NAME}"


def key_of(prefix: str, ident: Identity) -> str | None:
    """The document of `ident`: its user profile's, or (a space with no owner) the
    space's; None when nothing can be proven to be its own."""
    if not ident.anchored or not ident.domain_id or not _NAME.fullmatch(ident.domain_id):
        return None
    if ident.user_profile_name:
        if not _NAME.fullmatch(ident.user_profile_name):
            return None
        return user_key(prefix, ident.domain_id, ident.user_profile_name)
    if len(ident.space_names) == 1:
        [space] = ident.space_names
        if _NAME.fullmatch(space):
            return shared_space_key(prefix, ident.domain_id, space)
    return None


def _row_json(row: Running) -> dict[str, Any]:
    out = asdict(row)
    out["started_at"] = row.started_at.isoformat() if row.started_at else None
    return out


def _row(data: Any) -> Running:
    if not isinstance(data, dict) or not {"kind", "name", "status"} <= data.keys():
        raise ValueError(f"not a row: {data!r:.80}")
    values = {k: v for k, v in data.items() if k in _RUNNING_FIELDS}
    values["started_at"] = utc_time(values.get("started_at"))
    values["instance_count"] = int(values.get("instance_count") or 1)
    for name in ("max_runtime_seconds", "billable_seconds"):
        if values.get(name) is not None:
            values[name] = float(values[name])
    return Running(**values)


@dataclass
class SharedFacts:
    """What the suggestions read of the owner's resources, as the Lambda read them. Per
    kind of `FACT_KINDS`: the running ones and (jobs) those created since `since`; a kind
    the Lambda could not read is absent, and the reader reads it itself."""

    since: datetime
    entities: dict[str, list[dict[str, Any]]]

    def to_json(self) -> dict[str, Any]:
        return {"since": self.since.isoformat(), "kinds": _plain(self.entities)}


def _plain(value: Any) -> Any:
    """AWS's answer as JSON values: times as ISO text (what `utc_time` reads back)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def facts_of(doc: dict[str, Any]) -> SharedFacts | None:
    """The facts a document holds (None: none, or not in this shape)."""
    data = doc.get("facts")
    if not isinstance(data, dict) or not isinstance(data.get("kinds"), dict):
        return None
    since = utc_time(data.get("since"))
    if since is None:
        return None
    entities = {}
    for kind, found in data["kinds"].items():
        if kind in FACT_KINDS and isinstance(found, list):
            entities[kind] = [e for e in found if isinstance(e, dict)]
    return SharedFacts(since, entities)


def document(
    found: Collection,
    *,
    domain_id: str,
    owner: dict[str, str],
    period_seconds: float,
    written_at: datetime,
    space_names: frozenset[str] = frozenset(),
    domain_spaces: int = 0,
    facts: SharedFacts | None = None,
) -> dict[str, Any]:
    """The JSON document of one owner (`{"user_profile_name": ...}` or `{"space_name":
    ...}`), with the spaces a user owns (the reader need not list the domain's) and the
    suggestions' `facts`."""
    doc = {
        "format": FORMAT,
        "domain_id": domain_id,
        **owner,
        "space_names": sorted(space_names),
        # How the reader lists the apps the suggestions read: by space in a large domain.
        "domain_spaces": domain_spaces,
        "written_at": written_at.isoformat(),
        "fetched_at": found.fetched_at.isoformat(),
        "period_seconds": period_seconds,
        "rows": [_row_json(r) for r in found.rows],
        "problems": found.problems,
        "failed_kinds": sorted(found.failed_kinds),
    }
    if facts is not None:
        doc["facts"] = facts.to_json()
    return doc


def owned_spaces(doc: dict[str, Any]) -> frozenset[str]:
    names = doc.get("space_names")
    if not isinstance(names, list) or not all(
        isinstance(n, str) and _NAME.fullmatch(n) for n in names
    ):
        raise ValueError("a document without its owner's spaces")
    return frozenset(names)


def collection_of(doc: Any, ident: Identity) -> tuple[frozenset[str], Collection]:
    """The spaces a document's owner owns and the collection it holds; raises ValueError
    when it is not a document of this format for `ident`."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError("not a shared inventory document of this version")
    if doc.get("domain_id") != ident.domain_id:
        raise ValueError(f"a document of domain {doc.get('domain_id')!r}")
    if ident.user_profile_name:
        if doc.get("user_profile_name") != ident.user_profile_name:
            raise ValueError("a document of another user profile")
    elif doc.get("space_name") not in ident.space_names:
        raise ValueError("a document of another space")
    fetched = utc_time(doc.get("fetched_at"))
    rows, problems = doc.get("rows"), doc.get("problems")
    if fetched is None or not isinstance(rows, list) or not isinstance(problems, list):
        raise ValueError("a document without its rows")
    failed = {str(k) for k in doc.get("failed_kinds") or [] if k in KINDS}
    return owned_spaces(doc), Collection(
        fetched_at=fetched,
        scope="mine",
        rows=[_row(r) for r in rows],
        problems=[p for p in problems if isinstance(p, dict)],
        failed_kinds=failed,
    )


def reconciled(beat: Any, domain_id: str) -> tuple[datetime, float]:
    """When the domain was last reconciled and its period, from `_reconciled.json`; raises
    ValueError."""
    if not isinstance(beat, dict) or beat.get("format") != HEARTBEAT:
        raise ValueError("not a shared inventory heartbeat of this version")
    if beat.get("domain_id") != domain_id:
        raise ValueError(f"the heartbeat of domain {beat.get('domain_id')!r}")
    written, period = utc_time(beat.get("written_at")), beat.get("period_seconds")
    if written is None:
        raise ValueError("a heartbeat without its time")
    if isinstance(period, bool) or not isinstance(period, (int, float)):
        raise ValueError(f"a heartbeat with a period of {period!r}")
    if not 0 < period < 86400:
        raise ValueError(f"a heartbeat with a period of {period!r}")
    return written, float(period)


@dataclass
class Read:
    """What reading the document gave: its collection, or why it is not used."""

    found: Collection | None
    reason: str = ""
    #: The spaces the user owns and the number in the domain, as the Lambda listed them
    #: (with `found`).
    space_names: frozenset[str] | None = None
    domain_spaces: int = 0
    #: What the suggestions read, when the document holds it.
    facts: SharedFacts | None = None
    #: When the last reconcile started reading SageMaker: the document shows nothing that
    #: happened after (None: a heartbeat that does not say).
    read_at: datetime | None = None
    #: The domain's settings the function read (`docker_access`: bool or None), as the
    #: heartbeat says them; what it does not say the reader reads itself.
    domain: dict[str, Any] = field(default_factory=dict)


def _hhmm(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%H:%M UTC")


class SharedInventoryReader:
    """Reads this user's document from `uri` (s3://bucket/prefix/) with `get_object(bucket,
    key) -> bytes` (raises AwsError; code NoSuchKey when it is missing)."""

    def __init__(
        self,
        uri: str,
        get_object: Callable[[str, str], Awaitable[bytes]],
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.bucket, self.prefix = parse_uri(uri)
        self._get = get_object
        self._clock = clock
        #: Reads, and the ones that fell back to the space's own listing (bench, tests).
        self.reads = 0
        self.fallbacks = 0

    def now(self) -> datetime:
        return self._clock()

    def where(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    async def read(self, ident: Identity) -> Read:
        key = key_of(self.prefix, ident)
        if key is None or ident.domain_id is None:
            return self._fallback("the shared inventory has no document for this space")
        self.reads += 1
        beat_key = heartbeat_key(self.prefix, ident.domain_id)
        # The heartbeat first: the document read after it is as new as it says, or newer.
        bodies: list[bytes] = []
        for where in (beat_key, key):
            try:
                bodies.append(await self._get(self.bucket, where))
            except AwsError as err:
                return self._fallback(self._why(err, where))
        beat, body = bodies
        try:
            heartbeat = json.loads(beat)
            written, period = reconciled(heartbeat, ident.domain_id)
            doc = json.loads(body)
            spaces, found = collection_of(doc, ident)
        except (ValueError, TypeError, KeyError) as err:
            return self._fallback(f"{self.where(key)} cannot be used: {err}")
        age = (self._clock() - written).total_seconds()
        if age > STALE_PERIODS * period:
            return self._fallback(
                f"the shared inventory is out of date (last written at {_hhmm(written)}, "
                f"expected every {period / 60:g} min)"
            )
        # Its rows are as of the last reconcile (the document changes only with them).
        found.fetched_at = max(found.fetched_at, written)
        count = doc.get("domain_spaces")
        return Read(
            found,
            space_names=spaces,
            domain_spaces=count if isinstance(count, int) and count >= 0 else 0,
            facts=facts_of(doc),
            read_at=utc_time(heartbeat.get("read_at")),
            domain={
                k: v
                for k, v in heartbeat.items()
                if k == "docker_access" and (v is None or isinstance(v, bool))
            },
        )

    def _why(self, err: AwsError, key: str) -> str:
        if err.code in ("NoSuchKey", "404", "NotFound"):
            return f"the shared inventory has no document at {self.where(key)} yet"
        if err.access_denied or err.code == "403":
            return (
                f"no permission to read {self.where(key)} (s3:GetObject; `jupyter smcost "
                "policy --for user --inventory-uri` prints the statement)"
            )
        return f"reading {self.where(key)} failed: {err}"

    def _fallback(self, why: str) -> Read:
        self.fallbacks += 1
        return Read(None, f"{why}: listed from this space instead")
