"""`jupyter smcost policy`: each side's policy names exactly the calls that side makes, as
the emulator logs them while the admin commands and the extension's collector run."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from jupyter_smcost.admin.cli import main
from jupyter_smcost.admin.iam import (
    USER_ACT,
    USER_READ,
    USER_STOP,
    USER_UNTAG,
    actions,
    admin_policy,
    user_policy,
)
from smcost_emulator import call_log, clear_call_log
from tests.support.api import SMCostAPI
from tests.support.paths import DOCS

ADMIN_DOCS = DOCS / "admins.md"


def logged() -> set[str]:
    service = {"GetProducts": "pricing", "GetAttributeValues": "pricing", "GetCostAndUsage": "ce"}
    return {f"{service.get(c.action, 'sagemaker')}:{c.action}" for c in call_log()}


def test_admin_policy_is_exactly_what_the_admin_commands_call(
    capsys: pytest.CaptureFixture[str],
    emulator_demo: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    domain = str(emulator_demo["domain_id"])
    profile, space = str(emulator_demo["user_profile_name"]), str(emulator_demo["space_name"])
    sm = boto3.client("sagemaker")
    sm.create_notebook_instance(
        NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn="arn:aws:iam::1:role/r"
    )
    sm.stop_notebook_instance(NotebookInstanceName="nb")
    clear_call_log()
    for args in (
        ["lcc", "install", "--domain", domain, "--backstop-minutes", "120"],
        ["lcc", "install", "--domain", domain, "--user-profile", profile, "--as", "default"],
        ["lcc", "install", "--domain", domain, "--space", space, "--as", "default"],
        ["lcc", "status", "--domain", domain],
        ["lcc", "remove", "--domain", domain],
        ["audit", "--all-domains", "--idle-hours", "1", "--stop-idle"],
        ["audit", "--all-domains", "--budgets", "--cost-explorer", "--format", "json"],
        ["prices", "update", "--regions", "us-east-1", "--out", str(tmp_path / "prices.json")],
        ["lcc", "install", "--notebook-instance", "nb"],
        ["lcc", "remove", "--notebook-instance", "nb"],
    ):
        assert main(args) == 0, capsys.readouterr().err
    # An install that AWS refuses half-way is undone (DeleteStudioLifecycleConfig, DeleteTags).
    emulator_demo["emulator"].inject_fault("UpdateDomain", "ValidationException", "no", times=1)
    assert main(["lcc", "install", "--domain", domain, "--timeout-minutes", "50"]) == 1
    capsys.readouterr()
    # Every call the admin made is allowed, and the policy allows nothing it did not make.
    assert logged() == actions(admin_policy())


def test_user_policy_covers_the_extension_and_the_admin_docs_show_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    policy = user_policy("d-abc", "my-space")
    assert set(USER_READ) | set(USER_STOP) | set(USER_ACT) | set(USER_UNTAG) == actions(policy)
    stop = next(s for s in policy["Statement"] if s["Action"] == ["sagemaker:DeleteApp"])
    assert stop["Resource"] == "arn:aws:sagemaker:*:*:app/d-abc/my-space/*"
    # Keep running may remove the fleet check's tag from the user's own app, and no other.
    (untag,) = [s for s in policy["Statement"] if "sagemaker:DeleteTags" in s["Action"]]
    assert untag["Action"] == ["sagemaker:DeleteTags"] and untag["Resource"] == stop["Resource"]
    assert untag["Condition"] == {
        "ForAllValues:StringEquals": {"aws:TagKeys": ["jupyter-smcost:stop-after"]}
    }
    assert main(["policy", "--for", "user", "--domain", "d-abc", "--space", "my-space"]) == 0
    assert json.loads(capsys.readouterr().out) == policy
    assert main(["policy", "--for", "admin"]) == 0
    assert json.loads(capsys.readouterr().out) == admin_policy()
    docs = ADMIN_DOCS.read_text()
    for action in sorted(actions(user_policy())):
        assert f'"{action}"' in docs, action


#: Describes the extension makes only when such a resource is running (none in the demo),
#: and the notebook instance's own describe at server start (a notebook-instance server).
ONLY_WITH_SUCH_RESOURCES = {
    "sagemaker:DescribeHyperParameterTuningJob",
    "sagemaker:DescribeTransformJob",
    "sagemaker:DescribeNotebookInstance",
}
#: A suggestion's actions, made only when a user confirms one (tests/
#: test_suggestions_demo.py runs each against the emulator and checks the call).
ONLY_WHEN_A_USER_ACTS = {
    "sagemaker:StopTrainingJob",
    "sagemaker:StopProcessingJob",
    "sagemaker:DeleteEndpoint",
    "sagemaker:AddTags",
    # Keep running's removal of the fleet check's tag (tests/aws/test_fleet_notice.py).
    "sagemaker:DeleteTags",
}
#: The emulator's call log does not record S3 (moto's own service, unwrapped).
NOT_LOGGED = {"s3:GetBucketLocation"}
#: The listing of training jobs, tuning jobs and endpoints, made only when Search is refused
#: (tests/server/test_inventory_server.py runs that path).
ONLY_WITHOUT_SEARCH = {
    "sagemaker:ListTrainingJobs",
    "sagemaker:DescribeTrainingJob",
    "sagemaker:ListHyperParameterTuningJobs",
    "sagemaker:ListEndpoints",
    "sagemaker:DescribeEndpoint",
}


async def test_user_policy_names_what_the_extension_calls(
    studio_cost: dict[str, Any],
    smcost_api: SMCostAPI,
    smcost_started: Any,
) -> None:
    """The extension in the demo space (cost, resources, the Price List check, DeleteApp),
    then in Studio Classic and on a notebook instance: every call is in the user policy, and
    the policy holds nothing else but describes of resources the demo does not run."""
    from jupyter_smcost.aws import AwsClients
    from jupyter_smcost.environment import detect
    from jupyter_smcost.idle.actions import build_action, resolve_action
    from tests.support.cost import settled_cost

    emulator = studio_cost["emulator"]
    await settled_cost(smcost_api)
    for _ in range(100):
        if (await smcost_api.get("resources"))["state"] in ("ok", "partial"):
            break
        await asyncio.sleep(0.1)
    app = smcost_started
    await smcost_api.get("suggestions")  # the savings suggestions' reads
    await app.suggestions.settled()
    if app._check_task is not None:
        await app._check_task  # GetAttributeValues
    space = build_action(resolve_action("auto", app.environment), app.environment, app.aws, _never)
    await space.run()  # DeleteApp

    sm = boto3.client("sagemaker")
    sm.create_notebook_instance(
        NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn="arn:aws:iam::1:role/r"
    )
    for metadata in (
        {"ResourceArn": "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb",
         "ResourceName": "nb"},
        {"AppType": "JupyterServer", "DomainId": studio_cost["domain_id"],
         "UserProfileName": studio_cost["user_profile_name"], "ResourceName": "default",
         "ResourceArn": f"arn:aws:sagemaker:us-east-1:123456789012:app/{studio_cost['domain_id']}"
         f"/{studio_cost['user_profile_name']}/jupyterserver/default"},
    ):  # fmt: skip
        env = detect(metadata)
        aws = AwsClients(env.region)
        try:
            await build_action(resolve_action("auto", env), env, aws, _never).run()
        finally:
            aws.close()
    made = {f"{c.service}:{c.action}" for c in emulator.call_log()}
    # The seeding of the demo and of this test (Create*, tags, stopping jobs) is not ours.
    made = {a for a in made if not a.split(":")[1].startswith(("Create", "AddTags"))}
    policy = actions(user_policy())
    assert made <= policy, made - policy
    expected_absent = (
        ONLY_WITH_SUCH_RESOURCES | ONLY_WHEN_A_USER_ACTS | NOT_LOGGED | ONLY_WITHOUT_SEARCH
    )
    assert policy - made <= expected_absent, policy - made


async def _never() -> None:
    raise AssertionError("no server to stop here")


def test_the_user_policy_reads_what_the_lifecycle_script_fetches(
    capsys: pytest.CaptureFixture[str],
) -> None:
    wheel = "s3://admin-bucket/wheels/jupyter_smcost-0.1.0-py3-none-any.whl"
    prices = "s3://admin-bucket/prices/snapshot.json"
    args = ["policy", "--for", "user", "--wheel-uri", wheel, "--prices-uri", prices]
    assert main(args) == 0
    policy = json.loads(capsys.readouterr().out)
    fetch = next(s for s in policy["Statement"] if s["Sid"] == "JupyterSmcostLifecycleFetch")
    assert fetch["Action"] == ["s3:GetObject"]
    assert fetch["Resource"] == [
        "arn:aws:s3:::admin-bucket/prices/snapshot.json",
        "arn:aws:s3:::admin-bucket/wheels/jupyter_smcost-0.1.0-py3-none-any.whl",
    ]
    # Nothing fetched from S3: no S3 object access at all.
    assert "s3:GetObject" not in actions(user_policy())
    assert main(["policy", "--for", "user", "--wheel-uri", "s3://bucket-only"]) == 2
    # The script's generator names the permission and the command that grants it.
    flags = ["--wheel-uri", wheel, "--sha256", "a" * 64, "--prices-uri", prices]
    assert main(["lcc", "script", "--app-type", "JupyterLab", *flags]) == 0
    err = capsys.readouterr().err
    assert f"needs s3:GetObject on {wheel}, {prices}" in err
    assert f"policy --for user --wheel-uri {wheel} --prices-uri {prices}" in err


@pytest.mark.slow
def test_policy_into_a_closed_pipe_is_no_traceback() -> None:
    """`jupyter smcost policy --for user | head -1`: the reader leaves early; the command
    ends quietly, as a shell tool does, instead of a BrokenPipeError traceback."""
    import os
    import subprocess
    import sys

    read, write = os.pipe()
    os.close(read)  # no reader at all: the first write meets a broken pipe
    try:
        done = subprocess.run(
            [sys.executable, "-m", "jupyter_smcost.admin.cli", "policy", "--for", "user"],
            stdout=write,
            stderr=subprocess.PIPE,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write)
    assert done.returncode == 0, done.stderr.decode()
    assert b"Traceback" not in done.stderr, done.stderr.decode()
