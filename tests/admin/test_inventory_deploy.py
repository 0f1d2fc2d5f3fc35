"""The shared inventory's deployment: deploy/inventory.yaml passes cfn-lint and grants its
function exactly iam.INVENTORY; `jupyter smcost deploy --inventory` plans, uploads and creates
the stack in moto's CloudFormation and says what to do next; the fleet check's flags are
refused with it; the user policy reads the user's own document and the shared spaces' only.

The function itself (jupyter_smcost.admin.inventory_lambda) is tested with its own code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from jupyter_smcost.admin.cli import main
from jupyter_smcost.admin.deploy import INVENTORY_STACK, template
from jupyter_smcost.admin.iam import (
    INVENTORY,
    INVENTORY_WRITE,
    actions,
    inventory_policy,
    user_policy,
)
from tests.support.deploy import refused_deploy
from tests.support.paths import REPO

TEMPLATE = REPO / "deploy" / "inventory.yaml"
#: AWS's spelling, https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-sagemaker.html
DETAIL_TYPES = {
    "SageMaker Training Job State Change",
    "SageMaker Processing Job State Change",
    "SageMaker Transform Job State Change",
    "SageMaker HyperParameter Tuning Job State Change",
    "SageMaker Endpoint State Change",
}
URI = "s3://smcost-inventory/jupyter-smcost/inventory/"


class _Loader(yaml.SafeLoader):
    """CloudFormation's short forms (!Ref, !Sub, !If ...) as {"Ref": ...} and the like."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = suffix if suffix in {"Ref", "Condition"} else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_Loader.add_multi_constructor("!", _tag)


def resources() -> dict[str, Any]:
    document = yaml.load(TEMPLATE.read_text(), Loader=_Loader)  # noqa: S506 (SafeLoader)
    return {name: r["Properties"] for name, r in document["Resources"].items()}


@pytest.mark.slow
def test_the_template_passes_cfn_lint() -> None:
    lint = Path(sys.executable).parent / "cfn-lint"
    done = subprocess.run([str(lint), str(TEMPLATE)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_template_grants_the_function_exactly_the_inventory_actions() -> None:
    (role,) = resources()["FunctionRole"]["Policies"]
    statements = {s["Sid"]: s for s in role["PolicyDocument"]["Statement"]}
    assert set(statements) == {"ReadSageMaker", "WriteDocuments"}
    read, write = statements["ReadSageMaker"], statements["WriteDocuments"]
    assert read["Action"] == list(INVENTORY) and read["Resource"] == "*"
    assert len(set(INVENTORY)) == len(INVENTORY) == 19
    # Writes under the prefix of its own bucket, nothing else.
    assert write["Action"] == list(INVENTORY_WRITE)
    assert write["Resource"] == {"Fn::Sub": "${Bucket.Arn}/${Prefix}*"}
    # `policy --for inventory` prints the same.
    assert actions(inventory_policy()) == set(INVENTORY) | set(INVENTORY_WRITE)
    narrowed = inventory_policy(URI)["Statement"][1]["Resource"]
    assert narrowed == "arn:aws:s3:::smcost-inventory/jupyter-smcost/inventory/*"


def test_the_template_keeps_the_contract_with_the_function() -> None:
    found = resources()
    function = found["Function"]
    assert function["Handler"] == "jupyter_smcost.admin.inventory_lambda.handler"
    assert function["Runtime"] == "python3.12"
    assert (function["Timeout"], function["MemorySize"]) == (300, 512)
    assert function["ReservedConcurrentExecutions"] == 1  # never two reconciles at once
    assert function["Environment"]["Variables"] == {
        "SMCOST_DOMAIN_IDS": {"Ref": "DomainIds"},
        "SMCOST_INVENTORY_BUCKET": {"Ref": "Bucket"},
        "SMCOST_INVENTORY_PREFIX": {"Ref": "Prefix"},
        "SMCOST_INVENTORY_PERIOD_SECONDS": {"Ref": "PeriodSeconds"},
        "SMCOST_INVENTORY_LOOKBACK_DAYS": {"Ref": "LookbackDays"},
    }
    pattern = found["StateChangeRule"]["EventPattern"]
    assert pattern["source"] == ["aws.sagemaker"]
    assert set(pattern["detail-type"]) == DETAIL_TYPES
    # rate(1 minute) is singular: EventBridge refuses rate(1 minutes).
    assert found["ScheduleRule"]["ScheduleExpression"] == {
        "Fn::If": ["EveryMinute", "rate(1 minute)", {"Fn::Sub": "rate(${PeriodMinutes} minutes)"}]
    }
    for rule, permission in (("ScheduleRule", "SchedulePermission"),
                             ("StateChangeRule", "StateChangePermission")):  # fmt: skip
        assert found[rule]["Targets"][0]["Arn"] == {"Fn::GetAtt": "Function.Arn"}
        assert found[permission]["SourceArn"] == {"Fn::GetAtt": f"{rule}.Arn"}
    bucket = found["Bucket"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    (encryption,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    (rule,) = bucket["LifecycleConfiguration"]["Rules"]
    assert rule["Prefix"] == {"Ref": "Prefix"} and rule["ExpirationInDays"] == 30
    (tls_only,) = found["BucketPolicy"]["PolicyDocument"]["Statement"]
    assert tls_only["Effect"] == "Deny"
    assert tls_only["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_both_templates_load_from_the_checkout_and_ship_in_the_wheel() -> None:
    assert "inventory_lambda.handler" in template("inventory.yaml")
    assert "jupyter_smcost.admin.fleet.handler" in template()
    with pytest.raises(ValueError, match="no template"):
        template("../pyproject.toml")
    pyproject = (REPO / "pyproject.toml").read_text()
    assert '"deploy/inventory.yaml" = "jupyter_smcost/admin/inventory.yaml"' in pyproject


def plan(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    command = ["deploy", "--inventory", "--bucket", "smcost-code", *args, "--dry-run"]
    assert main([*command, "--format", "json"]) == 0, capsys.readouterr().err
    return dict(json.loads(capsys.readouterr().out))


def parameters(call: dict[str, Any]) -> dict[str, str]:
    return {p["ParameterKey"]: p["ParameterValue"] for p in call["params"]["Parameters"]}


def test_deploy_dry_run_then_for_real(
    capsys: pytest.CaptureFixture[str], emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for service in ("S3", "CLOUDFORMATION", "LAMBDA", "EVENTBRIDGE"):
        monkeypatch.setenv(f"AWS_ENDPOINT_URL_{service}", emulator.endpoint_url)
    planned = plan(capsys, "--domain", "d-one", "--domain", "d-two")
    assert planned["dry_run"] is True
    upload, create = planned["calls"]
    assert (upload["operation"], create["operation"]) == ("PutObject", "CreateStack")
    assert upload["params"]["Key"].startswith("jupyter-smcost/inventory-")
    assert upload["params"]["Body"].endswith(">")  # described, not dumped
    assert create["params"]["StackName"] == INVENTORY_STACK
    assert create["params"]["TemplateBody"] == template("inventory.yaml")
    assert parameters(create) == {
        "DomainIds": "d-one,d-two",
        "PeriodMinutes": "5",
        "PeriodSeconds": "300",
        "LookbackDays": "7",
        "Prefix": "jupyter-smcost/inventory/",
        "CodeBucket": "smcost-code",
        "CodeKey": upload["params"]["Key"],
    }
    every = parameters(
        plan(capsys, "--all-domains", "--period-minutes", "1", "--lookback-days", "30")["calls"][1]
    )
    assert (every["DomainIds"], every["PeriodMinutes"], every["PeriodSeconds"]) == ("*", "1", "60")
    assert every["LookbackDays"] == "30"
    # The text dry run prints each call and writes nothing.
    assert main(["deploy", "--inventory", "--all-domains", "--bucket", "smcost-code",
                 "--dry-run"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "CreateStack" in out and "jupyter-smcost-inventory" in out
    assert not boto3.client("cloudformation").list_stacks()["StackSummaries"]

    boto3.client("s3").create_bucket(Bucket="smcost-code")
    args = ["deploy", "--inventory", "--all-domains", "--bucket", "smcost-code",
            "--period-minutes", "1", "--lookback-days", "30"]  # fmt: skip
    assert main(args) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "called PutObject" in out and "called CreateStack" in out
    cloudformation = boto3.client("cloudformation")
    (stack,) = cloudformation.describe_stacks(StackName=INVENTORY_STACK)["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    bucket = outputs["BucketName"]
    assert outputs["InventoryUri"] == f"s3://{bucket}/jupyter-smcost/inventory/"
    # The next steps name the address (moto creates at once; AWS may still be creating).
    assert f"the inventory is at {outputs['InventoryUri']}" in out
    assert f"lcc install --domain ID --inventory-uri {outputs['InventoryUri']}" in out
    assert f"policy --for user --inventory-uri {outputs['InventoryUri']}" in out

    # What moto created from the template (all but the TLS-only bucket policy, which moto's
    # CloudFormation does not support: the template test checks it).
    lam = boto3.client("lambda")
    function = lam.get_function(FunctionName=outputs["FunctionName"])
    config = function["Configuration"]
    assert config["Handler"] == "jupyter_smcost.admin.inventory_lambda.handler"
    assert config["Runtime"] == "python3.12"
    assert (config["Timeout"], config["MemorySize"]) == (300, 512)
    assert {k: str(v) for k, v in config["Environment"]["Variables"].items()} == {
        "SMCOST_DOMAIN_IDS": "*",
        "SMCOST_INVENTORY_BUCKET": bucket,
        "SMCOST_INVENTORY_PREFIX": "jupyter-smcost/inventory/",
        "SMCOST_INVENTORY_PERIOD_SECONDS": "60",
        "SMCOST_INVENTORY_LOOKBACK_DAYS": "30",
    }
    assert function["Concurrency"]["ReservedConcurrentExecutions"] == 1
    rules = {r["Name"]: r for r in boto3.client("events").list_rules()["Rules"]}
    schedules = [r["ScheduleExpression"] for r in rules.values() if "ScheduleExpression" in r]
    assert schedules == ["rate(1 minute)"]
    (pattern,) = [json.loads(r["EventPattern"]) for r in rules.values() if "EventPattern" in r]
    assert pattern["source"] == ["aws.sagemaker"]
    assert set(pattern["detail-type"]) == DETAIL_TYPES
    # moto's CloudFormation applies the bucket's encryption only (the public access block,
    # the ownership controls and the lifecycle rule are checked in the template above).
    s3 = boto3.client("s3")
    encryption = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    assert encryption["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == (
        "AES256"
    )

    # Again: the stack exists, so it is updated; the fleet check's stack is another one.
    again = plan(capsys, "--all-domains")
    assert [c["operation"] for c in again["calls"]] == ["PutObject", "UpdateStack"]
    assert main(args) == 0
    assert "called UpdateStack" in capsys.readouterr().out
    fleet = ["deploy", "--all-domains", "--bucket", "smcost-code", "--dry-run", "--format", "json"]
    assert main(fleet) == 0
    (_, stack_call) = json.loads(capsys.readouterr().out)["calls"]
    assert stack_call["operation"] == "CreateStack"
    assert stack_call["params"]["StackName"] == "jupyter-smcost-fleet"


def test_the_next_steps_say_how_to_get_the_address_while_the_stack_is_created(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from jupyter_smcost.admin.cli import _inventory_next_steps

    class Creating:
        def describe_stacks(self, StackName: str) -> dict[str, Any]:  # noqa: N803 (boto3's)
            return {"Stacks": [{"StackName": StackName, "StackStatus": "CREATE_IN_PROGRESS"}]}

    _inventory_next_steps(Creating(), "my-inventory")
    out = capsys.readouterr().out
    assert "aws cloudformation describe-stacks --stack-name my-inventory" in out
    assert "OutputKey=='InventoryUri'" in out
    assert "lcc install --domain ID --inventory-uri URI" in out
    assert "ExecutionRoleIdentityConfig" in out


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--email", "a@example.com"], "--email"),
        (["--idle-hours", "3"], "--idle-hours"),
        (["--idle-hours", "0"], "--idle-hours"),
        (["--enforce-idle-hours", "0"], "--enforce-idle-hours"),
        (["--email", ""], "--email"),
        (["--enforce-idle-hours", "24"], "--enforce-idle-hours"),
        (["--force"], "--force"),
        (["--schedule", "rate(1 hour)"], "--schedule"),
        (["--period-minutes", "0"], "--period-minutes"),
        (["--period-minutes", "-1"], "--period-minutes"),
        (["--period-minutes", "1.5"], "--period-minutes"),
        (["--period-minutes", "soon"], "--period-minutes"),
        (["--period-minutes", "100000"], "--period-minutes"),
        (["--lookback-days", "0"], "--lookback-days"),
        (["--lookback-days", "91"], "--lookback-days"),
        (["--lookback-days", "2.5"], "--lookback-days"),
    ],
)
def test_flags_of_the_fleet_check_or_a_bad_period_are_refused_with_inventory(
    capsys: pytest.CaptureFixture[str], args: list[str], named: str
) -> None:
    command = ["deploy", "--inventory", "--all-domains", "--bucket", "smcost-code", *args]
    try:
        code = main(command)
    except SystemExit as done:  # argparse's own refusal
        code = done.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert named in err and "Traceback" not in err


@pytest.mark.parametrize(
    "args",
    [
        ["--bucket", "smcost-code", "--period-minutes", "5"],  # without --inventory
        ["--bucket", "smcost-code", "--lookback-days", "30"],
        ["--inventory", "--bucket", "smcost-code"],  # no scope
        ["--inventory", "--domain", "d-one,d-two", "--bucket", "smcost-code"],
        ["--inventory", "--all-domains", "--bucket", "Not_A_Bucket"],
        ["--inventory", "--all-domains", "--bucket", "smcost-code", "--stack-name", "a\nb"],
    ],
)
def test_deploy_inventory_refuses_what_it_cannot_deploy(
    capsys: pytest.CaptureFixture[str],
    emulator: Any,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
) -> None:
    argv = ["--all-domains", *args] if "--inventory" not in args else args
    refused_deploy(argv, emulator, monkeypatch, capsys)


def test_the_user_policy_reads_the_users_own_document_and_the_shared_spaces(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["policy", "--for", "user", "--inventory-uri", URI]) == 0
    document = json.loads(capsys.readouterr().out)
    reads = [s for s in document["Statement"] if "s3:GetObject" in s["Action"]]
    assert reads == [
        {
            "Sid": "JupyterSmcostInventory",
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": [
                "arn:aws:s3:::smcost-inventory/jupyter-smcost/inventory/*/users/"
                "${aws:SourceIdentity}.json",
                "arn:aws:s3:::smcost-inventory/jupyter-smcost/inventory/*/shared-spaces/*",
                "arn:aws:s3:::smcost-inventory/jupyter-smcost/inventory/*/_reconciled.json",
            ],
        }
    ]
    # Everything else is the policy without it.
    assert [s for s in document["Statement"] if s not in reads] == user_policy()["Statement"]
    assert main(["policy", "--for", "user"]) == 0
    without = json.loads(capsys.readouterr().out)
    assert not [s for s in without["Statement"] if s["Sid"] == "JupyterSmcostInventory"]
    assert "s3:GetObject" not in actions(without)
    # Beside what the lifecycle script fetches: two statements, each its own.
    prices = "s3://admin-bucket/prices.json"
    assert main(["policy", "--for", "user", "--prices-uri", prices, "--inventory-uri", URI]) == 0
    sids = [s["Sid"] for s in json.loads(capsys.readouterr().out)["Statement"]]
    assert sids[-2:] == ["JupyterSmcostLifecycleFetch", "JupyterSmcostInventory"]


def test_policy_for_the_inventory_function(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "--for", "inventory", "--inventory-uri", URI]) == 0
    assert json.loads(capsys.readouterr().out) == inventory_policy(URI)
    assert main(["policy", "--for", "admin", "--inventory-uri", URI]) == 2
    assert "--inventory-uri" in capsys.readouterr().err


@pytest.mark.parametrize(
    "uri",
    [
        "https://smcost-inventory/jupyter-smcost/inventory/",
        "s3://smcost-inventory/jupyter-smcost/inventory",  # no trailing slash
        "s3://smcost-inventory",
        "s3://Smcost_Inventory/inventory/",
        "s3://ab/inventory/",
        "s3://-bucket/inventory/",
        "s3://bucket..name/inventory/",
        "s3://192.168.1.1/inventory/",
        "s3://smcost-inventory/a//b/",
        "s3://smcost-inventory/*/",
        "s3://smcost-inventory/${aws:username}/",
        "s3://smcost-inventory/inventory/\n",
    ],
)
def test_a_bad_inventory_uri_is_refused_with_the_flag_named(
    capsys: pytest.CaptureFixture[str], uri: str
) -> None:
    assert main(["policy", "--for", "user", "--inventory-uri", uri]) == 2
    err = capsys.readouterr().err
    assert "--inventory-uri" in err and "Traceback" not in err
    assert main(["lcc", "script", "--app-type", "JupyterLab", "--inventory-uri", uri]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "--inventory-uri" in captured.err


def test_the_root_of_a_bucket_is_an_inventory_too() -> None:
    (statement,) = [s for s in user_policy(inventory="s3://smcost-inventory/")["Statement"]
                    if s["Sid"] == "JupyterSmcostInventory"]  # fmt: skip
    assert (
        statement["Resource"][0]
        == "arn:aws:s3:::smcost-inventory/*/users/${aws:SourceIdentity}.json"
    )
