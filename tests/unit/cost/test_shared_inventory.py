"""The shared inventory's documents: a reader uses only its own owner's document, of this
format, with a fresh heartbeat; anything else is a fallback with a reason, never an error."""

from __future__ import annotations

import fnmatch
import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from jupyter_smcost.admin.iam import inventory_read_statement
from jupyter_smcost.admin.inventory_lambda import InventoryWriter, Settings
from jupyter_smcost.aws import AwsError
from jupyter_smcost.cost.inventory import Identity, Inventory
from jupyter_smcost.cost.resources import Collection, Running
from jupyter_smcost.cost.shared_inventory import (
    HEARTBEAT,
    SharedFacts,
    SharedInventoryReader,
    document,
    heartbeat_key,
    key_of,
    parse_uri,
)
from tests.support.resources import ENV

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=timezone.utc)
ME = Identity("123456789012", "us-east-1", "d-demo", "alice", frozenset({"alice-space"}))
ROW = Running(
    kind="training-job",
    name="train",
    arn="arn:aws:sagemaker:us-east-1:123456789012:training-job/train",
    status="InProgress",
    instance_type="ml.g5.xlarge",
    instance_count=2,
    component="training",
    started_at=NOW - timedelta(hours=1),
    spot=True,
    billable_seconds=1200.0,
)


def store(
    owner: dict[str, str],
    *,
    beat_at: datetime = NOW,
    period: float = 300.0,
    facts: SharedFacts | None = None,
) -> dict[str, bytes]:
    found = Collection(fetched_at=NOW, scope="mine", rows=[ROW])
    doc = document(
        found,
        domain_id="d-demo",
        owner=owner,
        period_seconds=period,
        written_at=NOW,
        space_names=frozenset({"alice-space", "alice-gpu"}),
        domain_spaces=1200,
        facts=facts,
    )
    beat = {"format": HEARTBEAT, "domain_id": "d-demo", "written_at": beat_at.isoformat(),
            "period_seconds": period}  # fmt: skip
    return {
        "p/d-demo/users/alice.json": json.dumps(doc).encode(),
        heartbeat_key("p/", "d-demo"): json.dumps(beat).encode(),
    }


def reader(objects: dict[str, bytes], now: datetime = NOW) -> SharedInventoryReader:
    async def get(bucket: str, key: str) -> bytes:
        if key not in objects:
            raise AwsError("GetObject", "NoSuchKey", "The specified key does not exist.")
        return objects[key]

    return SharedInventoryReader("s3://bucket/p/", get, clock=lambda: now)


async def test_the_own_document_gives_back_the_rows_it_was_written_with() -> None:
    read = await reader(store({"user_profile_name": "alice"})).read(ME)
    assert read.found is not None and read.found.rows == [ROW], read.reason
    # Whose spaces, and how large the domain is: what the space need not list itself.
    assert read.space_names == {"alice-space", "alice-gpu"} and read.domain_spaces == 1200


@pytest.mark.parametrize(
    ("objects", "said"),
    [
        (store({"user_profile_name": "bob"}), "another user profile"),
        (
            store({"user_profile_name": "alice"}, beat_at=NOW - timedelta(seconds=601)),
            "out of date",
        ),
        ({"p/d-demo/users/alice.json": b"{not json"}, "no document"),
        ({**store({"user_profile_name": "alice"}), "p/d-demo/users/alice.json": b"[1]"}, "version"),
        ({}, "no document at s3://bucket/p/d-demo/_reconciled.json"),
    ],
)
async def test_anything_but_a_fresh_own_document_is_a_fallback(
    objects: dict[str, bytes], said: str
) -> None:
    read = await reader(objects).read(ME)
    assert read.found is None and said in read.reason, read.reason
    assert read.reason.endswith("listed from this space instead")


async def test_a_refused_read_names_the_permission() -> None:
    async def refused(bucket: str, key: str) -> bytes:
        raise AwsError("GetObject", "AccessDenied", "Access Denied")

    read = await SharedInventoryReader("s3://bucket/p/", refused).read(ME)
    assert read.found is None and "s3:GetObject" in read.reason


def test_whose_document_a_space_reads() -> None:
    assert key_of("p/", ME) == "p/d-demo/users/alice.json"
    shared = Identity("1", "us-east-1", "d-demo", None, frozenset({"team"}))
    assert key_of("p/", shared) == "p/d-demo/shared-spaces/team.json"
    # Nothing provably anyone's (local mode), or a name that is no SageMaker name: none.
    assert key_of("p/", Identity(None, "us-east-1", None, None)) is None
    assert key_of("p/", Identity("1", "us-east-1", "d-demo", "../x")) is None


@pytest.mark.parametrize("uri", ["https://bucket/p/", "s3://", "s3://B/p/", "bucket/p", "s3://b/p"])
def test_an_inventory_uri_is_an_s3_prefix(uri: str) -> None:
    with pytest.raises(ValueError, match="c.Resources.inventory_uri"):
        parse_uri(uri)
    assert parse_uri("s3://my-bucket/a/b/") == ("my-bucket", "a/b/")


def allowed(statement: dict[str, Any], arn: str, source_identity: str) -> bool:
    """IAM's match of an object ARN against the statement's resources (`*` spans `/`)."""
    return any(
        fnmatch.fnmatchcase(arn, pattern.replace("${aws:SourceIdentity}", source_identity))
        for pattern in statement["Resource"]
    )


async def test_the_user_policy_lets_a_user_read_exactly_what_its_reader_asks_for() -> None:
    asked: list[str] = []
    objects = store({"user_profile_name": "alice"})

    async def get(bucket: str, key: str) -> bytes:
        asked.append(f"arn:aws:s3:::{bucket}/{key}")
        return objects[key]

    read = await SharedInventoryReader("s3://bucket/p/", get, clock=lambda: NOW).read(ME)
    assert read.found is not None
    statement = inventory_read_statement("s3://bucket/p/")
    assert asked and all(allowed(statement, arn, "alice") for arn in asked)
    # Another user's document, under any domain: refused.
    assert not allowed(statement, "arn:aws:s3:::bucket/p/d-demo/users/bob.json", "alice")
    assert not allowed(statement, "arn:aws:s3:::bucket/p/d-demo/users/alice2.json", "alice")
    assert allowed(statement, "arn:aws:s3:::bucket/p/d-demo/shared-spaces/team.json", "alice")


async def test_a_refused_list_of_domains_is_an_outcome_not_a_crash() -> None:
    class Refusing:
        async def paginate(self, service: str, operation: str, key: str, **params: Any) -> Any:
            raise AwsError("ListDomains", "AccessDeniedException", "not authorized")

    async def put(bucket: str, key: str, body: bytes) -> None:
        raise AssertionError("nothing is written")

    writer = InventoryWriter(
        Refusing(), put, Settings(None, "bucket"), region="us-east-1", account="123456789012"
    )
    [outcome] = await writer.reconcile()
    assert outcome.error is not None and "AccessDenied" in outcome.error


# -- the suggestions' facts -----------------------------------------------------------------

ARN = "arn:aws:sagemaker:us-east-1:123456789012"
ALICE = {"sagemaker:user-profile-arn": f"{ARN}:user-profile/d-demo/alice"}
BOB = {"sagemaker:user-profile-arn": f"{ARN}:user-profile/d-demo/bob"}
SINCE = NOW - timedelta(days=7)


def job(name: str, status: str, created: datetime, tags: dict[str, str]) -> dict[str, Any]:
    """A training job as Search answers it (times as botocore parses them)."""
    return {
        "TrainingJobName": name,
        "TrainingJobArn": f"{ARN}:training-job/{name}",
        "TrainingJobStatus": status,
        "CreationTime": created,
        "ResourceConfig": {"InstanceType": "ml.g5.xlarge", "InstanceCount": 1},
        "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
    }


FACTS = SharedFacts(
    SINCE,
    {
        "training-job": [
            job("alice-running", "InProgress", NOW - timedelta(days=30), ALICE),
            job("alice-recent", "Completed", NOW - timedelta(days=2), ALICE),
            job("bob-running", "InProgress", NOW - timedelta(hours=1), BOB),
        ],
        "app": [
            {"SpaceName": "alice-gpu", "AppType": "JupyterLab", "AppName": "default"},
            {"SpaceName": "bob-space", "AppType": "JupyterLab", "AppName": "default"},
        ],
    },
)


class NoAws:
    """Every call is a test failure: what the document holds is read from it alone."""

    async def call(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        raise AssertionError(f"{operation} was called")

    async def paginate(self, service: str, operation: str, key: str, **params: Any) -> Any:
        raise AssertionError(f"{operation} was called")


def alices_inventory(objects: dict[str, bytes]) -> Inventory:
    env = replace(
        ENV,
        space_name="alice-space",
        user_profile_name="alice",
        resource_arn=f"{ARN}:app/d-demo/alice-space/JupyterLab/default",
    )
    inventory = Inventory(NoAws(), lambda: env)
    inventory.shared = reader(objects)
    return inventory


def names(entities: list[dict[str, Any]] | None) -> set[str]:
    assert entities is not None
    return {str(e.get("TrainingJobName") or e.get("SpaceName")) for e in entities}


async def test_the_facts_are_the_users_own_running_and_recent_resources() -> None:
    inventory = alices_inventory(store({"user_profile_name": "alice"}, facts=FACTS))
    me = await inventory.whoami()
    assert names(await inventory.shared_mine("training-job", me)) == {"alice-running"}
    recent = await inventory.shared_mine("training-job", me, after=NOW - timedelta(days=7))
    assert names(recent) == {"alice-running", "alice-recent"}
    # Bob's, although in Alice's document, is not hers by its tags; nor his space's app.
    assert names(await inventory.shared_mine("app", me)) == {"alice-gpu"}
    # Times come back as AWS gave them, as text `utc_time` reads.
    [running] = await inventory.shared_mine("training-job", me) or []
    assert running["CreationTime"] == (NOW - timedelta(days=30)).isoformat()


@pytest.mark.parametrize(
    ("facts", "after", "beat_at"),
    [
        (None, None, NOW),  # a document of a Lambda before the facts
        (FACTS, NOW - timedelta(days=30), NOW),  # further back than the Lambda read
        (SharedFacts(SINCE, {}), None, NOW),  # the Lambda could not read the kind
        (FACTS, None, NOW - timedelta(hours=1)),  # out of date: the space lists itself
    ],
)
async def test_what_the_document_does_not_hold_is_read_from_aws(
    facts: SharedFacts | None, after: datetime | None, beat_at: datetime
) -> None:
    objects = store({"user_profile_name": "alice"}, facts=facts, beat_at=beat_at)
    me = replace(ME, space_names=frozenset({"alice-space", "alice-gpu"}))
    assert await alices_inventory(objects).shared_mine("training-job", me, after=after) is None
