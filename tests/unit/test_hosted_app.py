"""HostedApp: the detected environment completed from AWS, with the calls and sleeps injected."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import Any

import pytest

from jupyter_smcost.aws import AwsError
from jupyter_smcost.environment import DEFAULT_SPACE_VOLUME_GB, HostedApp, Kind, detect

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
SPACE = {
    "AppType": "JupyterLab",
    "DomainId": "d-abc",
    "SpaceName": "my-space",
    "ResourceArn": "arn:aws:sagemaker:eu-west-1:111122223333:app/d-abc/my-space/jupyterlab/default",
    "ResourceName": "default",
}
NOTEBOOK = {"ResourceArn": "arn:aws:sagemaker:us-east-1:111122223333:notebook-instance/nb"}


class FakeAws:
    """Answers each operation from a list: an exception is raised, anything else returned."""

    def __init__(self, **answers: list[Any]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def __call__(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        self.calls.append((operation, params))
        answer = self.answers[operation].pop(0)
        if isinstance(answer, Exception):
            raise answer
        result: dict[str, Any] = answer
        return result


def host(metadata: dict[str, Any] | None, aws: FakeAws, sleeps: list[float]) -> HostedApp:
    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    env = detect(metadata, local_region="us-east-1", local_instance_type="ml.t3.medium")
    return HostedApp(env, aws, clock=lambda: T0, sleep=sleep)


def test_local_mode_asks_aws_nothing_and_started_now() -> None:
    aws, sleeps = FakeAws(), []
    app = host(None, aws, sleeps)
    assert app.environment.kind is Kind.LOCAL and app.started_at == T0
    assert asyncio.run(app.resolve()) is False
    assert aws.calls == [] and app.environment.instance_type == "ml.t3.medium"


def test_a_space_retries_with_backoff_then_reads_its_type_start_and_volume() -> None:
    denied = AwsError("DescribeApp", "Throttling", "slow down")
    aws = FakeAws(
        describe_app=[
            denied,
            denied,
            {"ResourceSpec": {"InstanceType": "ml.m5.large"}, "CreationTime": T0},
        ],
        describe_space=[
            {"SpaceSettings": {"SpaceStorageSettings": {"EbsStorageSettings": {}}}},
        ],
    )
    sleeps: list[float] = []
    app = host(SPACE, aws, sleeps)
    assert app.started_at is None
    assert asyncio.run(app.resolve()) is True
    assert sleeps == [30.0, 60.0]
    assert app.environment.instance_type == "ml.m5.large" and app.environment.error is None
    assert app.started_at == T0
    assert app.storage_gb == DEFAULT_SPACE_VOLUME_GB
    assert app.storage_note == "volume size not reported; SageMaker's default assumed"
    assert aws.calls[0][1]["SpaceName"] == "my-space"


def test_an_unreadable_type_says_why_while_it_retries() -> None:
    class Waiting(Exception):
        """Stands for the backoff sleep: the test looks at the state during it."""

    async def sleep(seconds: float) -> None:
        raise Waiting

    aws = FakeAws(describe_app=[AwsError("DescribeApp", "AccessDenied", "no")])
    app = HostedApp(detect(SPACE), aws, clock=lambda: T0, sleep=sleep)
    with pytest.raises(Waiting):
        asyncio.run(app.resolve())
    assert app.environment.instance_type is None
    assert app.environment.error == (
        "cannot read the instance type: DescribeApp failed: AccessDenied: no"
    )


def test_a_notebook_instance_started_when_it_last_changed_state() -> None:
    naive = datetime(2026, 11, 26, 9, 30)
    aws = FakeAws(
        describe_notebook_instance=[{"InstanceType": "ml.t3.large", "LastModifiedTime": naive}]
    )
    app = host(NOTEBOOK, aws, [])
    assert asyncio.run(app.resolve()) is True
    assert app.environment.instance_type == "ml.t3.large"
    assert app.started_at == naive.replace(tzinfo=timezone.utc)
    assert app.storage_gb is None


def owned_space(size: int) -> dict[str, Any]:
    return {
        "OwnershipSettings": {"OwnerUserProfileName": "alice"},
        "SpaceSettings": {
            "SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": size}}
        },
    }


class ListsSpacesOnly:
    """The inventory's own client: it lists the user's spaces; the owner lookup must not
    reach it."""

    async def call(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        raise AssertionError(f"{operation} was called")

    async def paginate(self, service: str, operation: str, key: str, **params: Any) -> Any:
        assert operation == "list_spaces", f"{operation} was called"
        return []


@pytest.mark.parametrize("owner_first", [False, True])
async def test_the_space_is_described_once_for_its_volume_and_its_owner(
    owner_first: bool,
) -> None:
    """The app's start and the shared inventory's owner lookup ask for the same
    DescribeSpace, in either order or at the same time: AWS is asked once."""
    from jupyter_smcost.cost.inventory import Inventory

    aws = FakeAws(
        describe_app=[{"ResourceSpec": {"InstanceType": "ml.m5.large"}, "CreationTime": T0}],
        describe_space=[owned_space(50)],
    )
    app = host(SPACE, aws, [])
    inventory = Inventory(
        ListsSpacesOnly(), lambda: app.environment, space_description=app.describe_space
    )
    if owner_first:
        ident = await inventory.whoami()
        await app.resolve()
    else:
        resolved, ident = await asyncio.gather(app.resolve(), inventory.whoami())
    assert ident.user_profile_name == "alice" and app.storage_gb == 50.0
    assert sorted(op for op, _ in aws.calls) == ["describe_app", "describe_space"]


async def test_a_failed_space_read_is_made_again_by_the_next_caller() -> None:
    refused = AwsError("DescribeSpace", "ThrottlingException", "Rate exceeded")
    aws = FakeAws(describe_space=[refused, owned_space(20)])
    app = host(SPACE, aws, [])
    with pytest.raises(AwsError):
        await app.describe_space()
    assert (await app.describe_space())["OwnershipSettings"]["OwnerUserProfileName"] == "alice"
    await app.describe_space()
    assert [op for op, _ in aws.calls] == ["describe_space", "describe_space"]
