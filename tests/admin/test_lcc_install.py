"""`jupyter smcost lcc install / remove / status` on a domain, against the emulator: the right
calls, nothing else touched, idempotent, and a dry run that writes nothing."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest

from jupyter_smcost.admin.cli import main
from smcost_emulator import call_log, clear_call_log

WRITES = {"CreateStudioLifecycleConfig", "UpdateDomain", "AddTags", "DeleteTags"}
ROLE = "arn:aws:iam::123456789012:role/unrelated"


@pytest.fixture
def domain(emulator_demo: dict[str, Any]) -> str:
    """The demo domain, with settings of its own that the install must keep."""
    domain_id = str(emulator_demo["domain_id"])
    boto3.client("sagemaker").update_domain(
        DomainId=domain_id,
        DefaultUserSettings={
            "ExecutionRole": ROLE,
            "JupyterLabAppSettings": {
                "DefaultResourceSpec": {"InstanceType": "ml.t3.medium"},
                "CodeRepositories": [{"RepositoryUrl": "https://example.com/repo.git"}],
            },
        },
        DefaultSpaceSettings={"ExecutionRole": ROLE},
    )
    clear_call_log()
    return domain_id


def described(domain_id: str) -> dict[str, Any]:
    result: dict[str, Any] = boto3.client("sagemaker").describe_domain(DomainId=domain_id)
    result.pop("ResponseMetadata", None)
    return result


def writes() -> list[str]:
    return [c.action for c in call_log() if c.action in WRITES]


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code = main([*args, "--format", "json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    result: dict[str, Any] = json.loads(out.out)
    return result


def test_dry_run_prints_the_calls_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], domain: str
) -> None:
    plan = run_json(
        capsys, "lcc", "install", "--domain", domain, "--timeout-minutes", "45", "--dry-run"
    )
    assert [c["operation"] for c in plan["calls"]] == [
        "CreateStudioLifecycleConfig",
        "UpdateDomain",
    ]
    create = plan["calls"][0]["params"]
    script = base64.b64decode(create["StudioLifecycleConfigContent"]).decode()
    assert '"timeout_minutes": 45' in script
    assert create["StudioLifecycleConfigAppType"] == "JupyterLab"
    assert writes() == []


def test_install_attaches_built_in_keeps_the_rest_and_is_idempotent(
    capsys: pytest.CaptureFixture[str], domain: str
) -> None:
    result = run_json(capsys, "lcc", "install", "--domain", domain, "--timeout-minutes", "45")
    assert [c["operation"] for c in result["calls"]] == [
        "CreateStudioLifecycleConfig",
        "UpdateDomain",
    ]
    after = described(domain)
    users = after["DefaultUserSettings"]
    lab = users["JupyterLabAppSettings"]
    arn = lab["BuiltInLifecycleConfigArn"]
    assert "studio-lifecycle-config/smcost-" in arn
    # Every other setting as it was.
    assert users["ExecutionRole"] == ROLE
    assert lab["DefaultResourceSpec"] == {"InstanceType": "ml.t3.medium"}
    assert lab["CodeRepositories"] == [{"RepositoryUrl": "https://example.com/repo.git"}]
    assert after["DefaultSpaceSettings"]["ExecutionRole"] == ROLE
    assert after["DefaultSpaceSettings"]["JupyterLabAppSettings"] == {
        "BuiltInLifecycleConfigArn": arn
    }
    config = boto3.client("sagemaker").describe_studio_lifecycle_config(
        StudioLifecycleConfigName=arn.rsplit("/", 1)[-1]
    )
    assert (
        '"timeout_minutes": 45' in base64.b64decode(config["StudioLifecycleConfigContent"]).decode()
    )

    # The same flags again: nothing to write.
    clear_call_log()
    again = run_json(capsys, "lcc", "install", "--domain", domain, "--timeout-minutes", "45")
    assert again["calls"] == []
    assert writes() == []

    status = run_json(capsys, "lcc", "status", "--domain", domain)
    lab_rows = [
        r
        for r in status["rows"]
        if r["app_type"] == "JupyterLab" and r["scope"].startswith("domain")
    ]
    assert {r["scope"] for r in lab_rows} == {"domain users", "domain spaces"}
    for row in lab_rows:
        assert row["attached_as"] == "built-in"
        assert row["lcc"] == arn.rsplit("/", 1)[-1]
        assert row["version"] == "0.1.0"
        assert row["backstop"] is False


def test_backstop_and_remove_put_everything_back(
    capsys: pytest.CaptureFixture[str], domain: str
) -> None:
    before = described(domain)
    run_json(
        capsys,
        "lcc",
        "install",
        "--domain",
        domain,
        "--timeout-minutes",
        "45",
        "--min-timeout-minutes",
        "15",
        "--max-timeout-minutes",
        "240",
        "--backstop-minutes",
        "120",
    )
    idle = described(domain)["DefaultUserSettings"]["JupyterLabAppSettings"][
        "AppLifecycleManagement"
    ]["IdleSettings"]
    assert idle == {
        "LifecycleManagement": "ENABLED",
        "IdleTimeoutInMinutes": 120,
        "MinIdleTimeoutInMinutes": 60,
        "MaxIdleTimeoutInMinutes": 240,
    }
    status = run_json(capsys, "lcc", "status", "--domain", domain)
    users = next(
        r for r in status["rows"] if r["app_type"] == "JupyterLab" and r["scope"] == "domain users"
    )
    assert (users["backstop"], users["backstop_minutes"]) == (True, 120)

    removed = run_json(capsys, "lcc", "remove", "--domain", domain)
    assert [c["operation"] for c in removed["calls"]] == ["UpdateDomain", "DeleteTags"]
    after = described(domain)
    lab = after["DefaultUserSettings"]["JupyterLabAppSettings"]
    assert "BuiltInLifecycleConfigArn" not in lab
    assert "IdleSettings" not in lab.get("AppLifecycleManagement", {})
    assert (
        lab["DefaultResourceSpec"]
        == before["DefaultUserSettings"]["JupyterLabAppSettings"]["DefaultResourceSpec"]
    )
    assert after["DefaultUserSettings"]["ExecutionRole"] == ROLE
    # Nothing left to remove.
    assert run_json(capsys, "lcc", "remove", "--domain", domain)["calls"] == []


def test_as_default_adds_to_the_users_lccs(capsys: pytest.CaptureFixture[str], domain: str) -> None:
    run_json(capsys, "lcc", "install", "--domain", domain, "--as", "default")
    lab = described(domain)["DefaultUserSettings"]["JupyterLabAppSettings"]
    arn = lab["DefaultResourceSpec"]["LifecycleConfigArn"]
    assert lab["LifecycleConfigArns"] == [arn]
    assert lab["DefaultResourceSpec"]["InstanceType"] == "ml.t3.medium"
    # A new policy replaces our earlier LCC, never someone else's.
    run_json(
        capsys, "lcc", "install", "--domain", domain, "--as", "default", "--timeout-minutes", "30"
    )
    lab = described(domain)["DefaultUserSettings"]["JupyterLabAppSettings"]
    assert len(lab["LifecycleConfigArns"]) == 1
    assert lab["LifecycleConfigArns"][0] != arn


def test_a_user_profile_and_a_space(
    capsys: pytest.CaptureFixture[str], domain: str, emulator_demo: dict[str, Any]
) -> None:
    sm = boto3.client("sagemaker")
    profile, space = str(emulator_demo["user_profile_name"]), str(emulator_demo["space_name"])
    domain_before = described(domain)
    run_json(
        capsys,
        "lcc",
        "install",
        "--domain",
        domain,
        "--user-profile",
        profile,
        "--backstop-minutes",
        "90",
    )
    user = sm.describe_user_profile(DomainId=domain, UserProfileName=profile)["UserSettings"]
    lab = user["JupyterLabAppSettings"]
    assert "studio-lifecycle-config/smcost-" in lab["BuiltInLifecycleConfigArn"]
    assert lab["AppLifecycleManagement"]["IdleSettings"]["IdleTimeoutInMinutes"] == 90
    assert described(domain) == domain_before  # the domain itself untouched

    # A space has no built-in LCC: its default LCC, and its own idle timeout.
    assert main(["lcc", "install", "--domain", domain, "--space", space]) == 2
    assert "a space has no built-in" in capsys.readouterr().err
    run_json(
        capsys,
        "lcc",
        "install",
        "--domain",
        domain,
        "--space",
        space,
        "--as",
        "default",
        "--backstop-minutes",
        "75",
    )
    settings = sm.describe_space(DomainId=domain, SpaceName=space)["SpaceSettings"]
    lab = settings["JupyterLabAppSettings"]
    assert "smcost-" in lab["DefaultResourceSpec"]["LifecycleConfigArn"]
    assert lab["AppLifecycleManagement"]["IdleSettings"] == {"IdleTimeoutInMinutes": 75}
    assert "LifecycleConfigArns" not in lab

    rows = run_json(capsys, "lcc", "status", "--domain", domain)["rows"]
    mine = {r["scope"]: r for r in rows if r["app_type"] == "JupyterLab"}
    assert mine[f"user profile {profile}"]["attached_as"] == "built-in"
    assert mine[f"user profile {profile}"]["backstop_minutes"] == 90
    assert mine[f"space {space}"]["attached_as"] == "default"
    assert mine[f"space {space}"]["backstop"] is True

    for flag, name in (("--user-profile", profile), ("--space", space)):
        removed = run_json(capsys, "lcc", "remove", "--domain", domain, flag, name)
        assert removed["calls"][-1]["operation"] == "DeleteTags"
    rows = run_json(capsys, "lcc", "status", "--domain", domain)["rows"]
    assert not [r for r in rows if r["lcc"] or r["backstop"]]


def test_impossible_requests_exit_2_and_write_nothing(
    capsys: pytest.CaptureFixture[str], domain: str
) -> None:
    for args in (
        ["--app-type", "JupyterServer"],  # Studio Classic has no built-in LCC
        ["--app-type", "CodeEditor"],  # nothing to install without --backstop-minutes
        ["--timeout-minutes", "2", "--min-timeout-minutes", "5"],
    ):
        assert main(["lcc", "install", "--domain", domain, *args]) == 2
        assert "error" in capsys.readouterr().err
    assert writes() == []


def test_unknown_domain_is_a_clear_failure(capsys: pytest.CaptureFixture[str], domain: str) -> None:
    assert main(["lcc", "status", "--domain", "d-nosuchdomain"]) == 1
    err = capsys.readouterr().err
    assert "DescribeDomain" in err or "not found" in err.lower()


def test_the_command_line_walkthrough(emulator_demo: dict[str, Any], tmp_path: Path) -> None:
    """As an admin types it: install, then status as a table."""
    jupyter = str(Path(sys.executable).parent / "jupyter")
    domain_id = str(emulator_demo["domain_id"])
    env = dict(os.environ)
    done = subprocess.run(
        [jupyter, "smcost", "lcc", "install", "--domain", domain_id, "--timeout-minutes", "45"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "called CreateStudioLifecycleConfig" in done.stdout
    table = subprocess.run(
        [jupyter, "smcost", "lcc", "status", "--domain", domain_id],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0] == f"domain {domain_id}"
    assert lines[1].split() == [
        "scope",
        "app_type",
        "lcc",
        "attached_as",
        "version",
        "backstop_minutes",
    ]
    assert any("JupyterLab" in line and "built-in" in line for line in lines[2:])


def exit_code(args: list[str]) -> int | str | None:
    try:
        return main(args)
    except SystemExit as done:  # argparse's refusal of a value
        return done.code


@pytest.mark.parametrize(
    "args",
    [
        ["--backstop-minutes", "10"],
        ["--backstop-minutes", "-5"],
        ["--backstop-minutes", "0"],
        ["--backstop-minutes", "1e9"],
        ["--backstop-minutes", "600000"],
        ["--backstop-minutes", "90", "--min-timeout-minutes", "120"],
        ["--backstop-minutes", "120", "--max-timeout-minutes", "30"],
        ["--app-type", "CodeEditor", "--backstop-minutes", "59"],
    ],
)
def test_backstop_minutes_studio_refuses_are_refused_first(
    capsys: pytest.CaptureFixture[str], domain: str, args: list[str]
) -> None:
    before = described(domain)
    code = exit_code(["lcc", "install", "--domain", domain, *args])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "--backstop-minutes" in err and "Traceback" not in err
    assert writes() == []
    assert described(domain) == before


def our_lccs() -> list[str]:
    found = boto3.client("sagemaker").list_studio_lifecycle_configs()["StudioLifecycleConfigs"]
    return [c["StudioLifecycleConfigName"] for c in found]


def test_a_rejected_update_undoes_what_the_install_did(
    capsys: pytest.CaptureFixture[str], domain: str, emulator_demo: dict[str, Any]
) -> None:
    sm = boto3.client("sagemaker")
    arn = sm.describe_domain(DomainId=domain)["DomainArn"]
    before, lccs, tags = described(domain), our_lccs(), sm.list_tags(ResourceArn=arn)["Tags"]
    emulator_demo["emulator"].inject_fault("UpdateDomain", "ValidationException", "no", times=1)
    code = main(["lcc", "install", "--domain", domain, "--backstop-minutes", "120"])
    err = capsys.readouterr().err
    assert code == 1, err
    assert "UpdateDomain" in err and "undone" in err and "Traceback" not in err
    assert [
        c.action for c in call_log() if c.action in WRITES | {"DeleteStudioLifecycleConfig"}
    ] == [
        "CreateStudioLifecycleConfig",
        "AddTags",
        "UpdateDomain",
        "DeleteTags",
        "DeleteStudioLifecycleConfig",
    ]
    # As it was: no LCC of ours, no backstop tag, the settings untouched.
    assert our_lccs() == lccs
    assert sm.list_tags(ResourceArn=arn)["Tags"] == tags
    assert described(domain) == before
    # And the same command works once AWS accepts it.
    assert main(["lcc", "install", "--domain", domain, "--backstop-minutes", "120"]) == 0


def test_install_hands_the_inventory_uri_to_every_app(
    capsys: pytest.CaptureFixture[str], domain: str
) -> None:
    uri = "s3://smcost-inventory/jupyter-smcost/inventory/"
    plan = run_json(capsys, "lcc", "install", "--domain", domain, "--inventory-uri", uri,
                    "--dry-run")  # fmt: skip
    create = plan["calls"][0]["params"]
    script = base64.b64decode(create["StudioLifecycleConfigContent"]).decode()
    assert f'"inventory_uri": "{uri}"' in script  # in the policy file the script writes
    assert writes() == []
    assert main(["lcc", "install", "--domain", domain, "--inventory-uri", "s3://x"]) == 2
    assert "--inventory-uri" in capsys.readouterr().err
    assert writes() == []
