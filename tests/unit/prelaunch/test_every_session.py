"""The guard on every botocore session made after the kernel's load: the SageMaker SDK v3
makes sessions of its own (sagemaker-core's client, ModelBuilder), which a guard on
boto3's default session alone never sees. Real boto3 sessions and clients; a call let
through is stopped at botocore's `before-send` (the last step before the wire): `Sent`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore import handlers

from jupyter_smcost.prelaunch.guard import Guard, JobCostRefused, guard_every_session
from tests.unit.prelaunch.test_estimate import lookup, training


class Sent(Exception):
    """The call got past every check and was about to leave the process."""


def create_params() -> dict[str, Any]:
    return {
        **training(),
        "AlgorithmSpecification": {"TrainingImage": "1.dkr.ecr/x:1", "TrainingInputMode": "File"},
        "RoleArn": "arn:aws:iam::123456789012:role/SageMakerRole",
        "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
    }


def session() -> Any:
    return boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )


def client_of(made: Any) -> Any:
    client = made.client("sagemaker")

    def stop(**_: Any) -> None:
        raise Sent

    client.meta.events.register("before-send.sagemaker", stop)
    return client


def new_client() -> Any:
    """A SageMaker client from a session made now, as the SDK makes one."""
    return client_of(session())


@pytest.fixture
def printed() -> Iterator[list[str]]:
    lines: list[str] = []
    before = list(handlers.BUILTIN_HANDLERS)
    yield lines
    guard_every_session(None)
    assert handlers.BUILTIN_HANDLERS == before


def test_a_session_made_after_the_load_is_guarded(printed: list[str]) -> None:
    guard_every_session(Guard(lookup, lambda: 0.5, out=printed.append, environ={}))
    with pytest.raises(JobCostRefused, match="Nothing was sent"):
        new_client().create_training_job(**create_params())
    assert printed.count("jupyter-smcost: training job t1 in us-east-1") == 1
    assert any("upper bound: $1.00" in line for line in printed)


def test_twice_is_once_and_the_last_guard_decides(printed: list[str]) -> None:
    """%reload_ext installs again: one entry per event, and the new guard (its cap, its
    confirmations) is the one every session calls, those made before it too."""
    not_guarded = new_client()
    guard_every_session(Guard(lookup, lambda: 0.5, out=printed.append, environ={}))
    made_before = new_client()
    guard_every_session(Guard(lookup, lambda: 5.0, out=printed.append, environ={}))
    guard_every_session(Guard(lookup, lambda: 5.0, out=printed.append, environ={}))
    ours = [spec for spec in handlers.BUILTIN_HANDLERS if "any_session" in repr(spec[1])]
    assert len(ours) == len(set(ours)) == 8  # 4 operations, 2 events each
    for client in (made_before, new_client()):
        with pytest.raises(Sent):
            client.create_training_job(**create_params())
    within = "  within the admin's cap: the worst case $1.00 is within the cap of $5.00"
    assert printed.count(within) == 2
    # A client made before the load is not guarded: the extension must be loaded before the
    # SDK makes its clients (docs/users.md).
    printed.clear()
    with pytest.raises(Sent):
        not_guarded.create_training_job(**create_params())
    assert printed == []


def test_an_existing_session_follows_and_prints_once(printed: list[str]) -> None:
    """The default session made before the load is given the handlers by unique id; one
    made after has them from botocore's list as well: each call is checked once."""
    before = session()
    guard = Guard(lookup, lambda: 5.0, out=printed.append, environ={})
    guard_every_session(guard, [before.events])
    after = session()
    guard_every_session(guard, [before.events, after.events])
    for made in (before, after):
        with pytest.raises(Sent):
            client_of(made).create_training_job(**create_params())
    assert printed.count("jupyter-smcost: training job t1 in us-east-1") == 2


def test_none_stops_it(printed: list[str]) -> None:
    guard_every_session(Guard(lookup, lambda: 0.5, out=printed.append, environ={}))
    kept = new_client()
    guard_every_session(None)
    for client in (kept, new_client()):
        with pytest.raises(Sent):
            client.create_training_job(**create_params())
    assert printed == []
