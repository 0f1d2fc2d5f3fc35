"""`jupyter smcost audit` against the emulator's demo domain: the JSON contract, prices from
the chain, idleness from LastUserActivityTimestamp, LCC coverage, --stop-idle deleting
exactly the idle apps, and --budgets: per user the budget in force (the profile's tag over the
admin's), spend this month (the larger of the running apps' month and Cost Explorer's, one
grouped request), the projection and the state."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from jupyter_smcost.admin.cli import main
from jupyter_smcost.cost.budget_service import BUDGET_TAG
from jupyter_smcost.cost.cost_explorer import TAG_KEY
from smcost_emulator import call_log, clear_call_log
from tests.support.cost import queue_cost_and_usage

CONTRACT = {
    "domain_id",
    "user_profile_name",
    "space_name",
    "app_type",
    "app_name",
    "instance_type",
    "usd_per_hour",
    "running_seconds",
    "cost_so_far_usd",
    "last_user_activity",
    "idle",
    "lcc_attached",
}


@pytest.fixture
def demo(
    emulator_demo: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    # The price cache goes to a data dir of the test's own.
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    clear_call_log()
    return emulator_demo


def audit_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code = main(["audit", *args, "--format", "json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    result: dict[str, Any] = json.loads(out.out)
    return result


def test_audit_lists_every_running_app_with_its_cost_and_idleness(
    capsys: pytest.CaptureFixture[str], demo: dict[str, Any]
) -> None:
    domain = str(demo["domain_id"])
    doc = audit_json(capsys, "--domain", domain, "--idle-hours", "1")
    apps = {(a["space_name"], a["app_type"]): a for a in doc["apps"]}
    assert set(apps) == {("demo-space", "JupyterLab"), ("demo-space-2", "CodeEditor")}
    for app in doc["apps"]:
        assert set(app) >= CONTRACT
        assert app["domain_id"] == domain
        assert app["usd_per_hour"] > 0  # the emulator's Price List
        assert app["cost_so_far_usd"] == pytest.approx(
            app["usd_per_hour"] * app["running_seconds"] / 3600, abs=1e-3
        )
        assert app["lcc_attached"] is False
    lab, editor = apps[("demo-space", "JupyterLab")], apps[("demo-space-2", "CodeEditor")]
    assert lab["instance_type"] == "ml.g5.xlarge" and lab["idle"] is False
    assert editor["instance_type"] == "ml.t3.medium" and editor["idle"] is True
    assert editor["running_seconds"] == pytest.approx(3 * 3600, abs=120)
    totals = doc["totals"]
    assert totals["apps"] == 2 and totals["idle_apps"] == 1 and totals["without_lcc"] == 2
    assert totals["idle_usd_per_month"] == pytest.approx(editor["usd_per_hour"] * 730, abs=0.01)
    assert totals["usd_per_hour"] == pytest.approx(
        lab["usd_per_hour"] + editor["usd_per_hour"], abs=1e-3
    )
    assert doc["problems"] == []
    # AWS calls <= apps + pages + profiles (+ the domain).
    sagemaker = [c for c in call_log() if c.action not in {"GetProducts", "DescribeServices"}]
    assert len(sagemaker) <= 2 + 2 + 1 + 1
    # Longer idle threshold: nothing is idle.
    assert audit_json(capsys, "--domain", domain, "--idle-hours", "4")["totals"]["idle_apps"] == 0


def test_lcc_coverage_follows_lcc_install(
    capsys: pytest.CaptureFixture[str], demo: dict[str, Any]
) -> None:
    domain = str(demo["domain_id"])
    assert main(["lcc", "install", "--domain", domain]) == 0
    assert main(["lcc", "install", "--domain", domain, "--app-type", "CodeEditor",
                 "--backstop-minutes", "120"]) == 0  # fmt: skip
    capsys.readouterr()
    doc = audit_json(capsys, "--all-domains")
    assert [a["lcc_attached"] for a in doc["apps"]] == [True, True]
    assert doc["totals"]["without_lcc"] == 0


def test_stop_idle_deletes_exactly_the_idle_apps(
    capsys: pytest.CaptureFixture[str], demo: dict[str, Any]
) -> None:
    domain = str(demo["domain_id"])
    dry = audit_json(capsys, "--domain", domain, "--idle-hours", "1", "--stop-idle", "--dry-run")
    assert [s["result"] for s in dry["stopped"]] == ["dry run: would delete"]
    assert not [c for c in call_log() if c.action == "DeleteApp"]

    done = audit_json(capsys, "--domain", domain, "--idle-hours", "1", "--stop-idle")
    (stopped,) = done["stopped"]
    assert stopped["result"] == "deleted"
    assert stopped["params"]["SpaceName"] == "demo-space-2"
    assert stopped["reason"] == "admin-audit"
    reasons = {a["space_name"]: a["reason"] for a in done["apps"]}
    assert reasons == {"demo-space-2": "admin-audit", "demo-space": None}
    deleted = [c for c in call_log() if c.action == "DeleteApp"]
    assert len(deleted) == 1
    statuses = {
        (a["SpaceName"], a["AppType"]): a["Status"]
        for a in boto3.client("sagemaker").list_apps(DomainIdEquals=domain)["Apps"]
    }
    assert statuses[("demo-space", "JupyterLab")] == "InService"
    assert statuses[("demo-space-2", "CodeEditor")] in {"Deleting", "Deleted"}


def test_a_missing_permission_is_a_named_problem(
    capsys: pytest.CaptureFixture[str], demo: dict[str, Any]
) -> None:
    demo["emulator"].inject_fault("DescribeApp", "AccessDeniedException", "not allowed")
    code = main(["audit", "--domain", str(demo["domain_id"]), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0  # partial results
    assert doc["problems"] and "DescribeApp" in doc["problems"][0]
    assert "execution role" in doc["problems"][0] or "AccessDenied" in doc["problems"][0]
    assert len(doc["apps"]) == 2  # still listed, without their details


def test_table_output(capsys: pytest.CaptureFixture[str], demo: dict[str, Any]) -> None:
    assert main(["audit", "--domain", str(demo["domain_id"]), "--idle-hours", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["owner", "app", "instance"]
    assert any("CodeEditor/default" in line and "idle" in line for line in lines[1:-1])
    assert lines[-1].startswith("2 apps, $") and "1 idle" in lines[-1]


def test_a_fleet_is_audited_with_one_describe_per_app_and_per_owner(
    capsys: pytest.CaptureFixture[str],
    emulator: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from smcost_emulator.seed.demo import seed_fleet

    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    seeded = seed_fleet(emulator.endpoint_url, 60, profiles=10)
    clear_call_log()
    doc = audit_json(capsys, "--domain", seeded["domain_id"], "--idle-hours", "2")
    assert doc["totals"]["apps"] == 60
    assert doc["totals"]["idle_apps"] == seeded["idle"] == 18
    assert len(doc["totals"]["per_user"]) == 10
    log = [c.action for c in call_log() if c.action not in {"GetProducts", "DescribeServices"}]
    pages = sum(1 for a in log if a in {"ListApps", "ListSpaces"})
    assert log.count("DescribeApp") == 60
    assert log.count("DescribeUserProfile") == 10
    assert len(log) <= 60 + pages + 10 + 1  # apps + pages + profiles + the domain
    assert doc["aws_calls"] == len(log)


def test_csv_output(capsys: pytest.CaptureFixture[str], demo: dict[str, Any]) -> None:
    import csv

    assert main(["audit", "--domain", str(demo["domain_id"]), "--format", "csv"]) == 0
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert len(rows) == 2
    assert set(rows[0]) == CONTRACT


def test_a_progress_bar_only_on_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from jupyter_smcost.admin.cli import ProgressBar

    with ProgressBar("describing apps") as bar:  # stderr is not a terminal here
        bar.update(1, 2)
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    with ProgressBar("describing apps") as bar:
        assert bar._bar is not None
        for done in range(1, 3):
            bar.update(done, 2)
        assert bar._bar.tasks[0].completed == 2 and bar._bar.tasks[0].total == 2


def exit_code(args: list[str]) -> int | str | None:
    """main's code, or argparse's when it refuses the command line (exit 2)."""
    try:
        return main(args)
    except SystemExit as done:
        return done.code


def running_apps(domain: str) -> dict[tuple[str, str], str]:
    return {
        (a["SpaceName"], a["AppType"]): a["Status"]
        for a in boto3.client("sagemaker").list_apps(DomainIdEquals=domain)["Apps"]
    }


@pytest.mark.parametrize("hours", ["0", "-1", "0.5", "nan", "inf", "1e400"])
def test_stop_idle_refuses_hours_that_delete_apps_in_use(
    capsys: pytest.CaptureFixture[str], demo: dict[str, Any], hours: str
) -> None:
    domain = str(demo["domain_id"])
    before = running_apps(domain)
    code = exit_code(["audit", "--domain", domain, "--idle-hours", hours, "--stop-idle"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "--idle-hours" in err and "Traceback" not in err
    assert not [c for c in call_log() if c.action == "DeleteApp"]
    # The app used a minute ago is still there (so is the idle one: nothing was done).
    assert running_apps(domain) == before
    assert before[("demo-space", "JupyterLab")] == "InService"


def test_stop_idle_under_the_floor_needs_force(
    capsys: pytest.CaptureFixture[str], demo: dict[str, Any]
) -> None:
    domain = str(demo["domain_id"])
    args = ["--domain", domain, "--idle-hours", "0.5", "--stop-idle"]
    assert "--force" in (main(["audit", *args]) == 2 and capsys.readouterr().err)
    doc = audit_json(capsys, *args, "--force")
    # Forced to half an hour: the app idle for hours goes, the one used minutes ago stays.
    assert [s["result"] for s in doc["stopped"]] == ["deleted"]
    assert running_apps(domain)[("demo-space", "JupyterLab")] == "InService"


def test_a_report_only_audit_takes_zero_but_not_nan(
    capsys: pytest.CaptureFixture[str], demo: dict[str, Any]
) -> None:
    domain = str(demo["domain_id"])
    assert audit_json(capsys, "--domain", domain, "--idle-hours", "0")["totals"]["idle_apps"] == 2
    assert exit_code(["audit", "--domain", domain, "--idle-hours", "nan"]) == 2
    assert "finite" in capsys.readouterr().err


def test_stop_idle_exits_1_when_a_deletion_fails(
    capsys: pytest.CaptureFixture[str], demo: dict[str, Any]
) -> None:
    domain = str(demo["domain_id"])
    demo["emulator"].inject_fault("DeleteApp", "AccessDeniedException", "not allowed")
    code = main(["audit", "--domain", domain, "--idle-hours", "1", "--stop-idle"])
    out = capsys.readouterr()
    assert code == 1, out.err
    assert "failed" in out.out and "not allowed" in out.out
    assert running_apps(domain)[("demo-space-2", "CodeEditor")] == "InService"


# -- audit --budgets: per user, the budget in force, spend this month, projection, state


def demo_user(doc: dict[str, Any], demo: dict[str, Any]) -> dict[str, Any]:
    user: dict[str, Any] = doc["totals"]["per_user"][
        f"{demo['domain_id']}/{demo['user_profile_name']}"
    ]
    return user


def test_the_admins_budget_and_the_running_apps_month(
    capsys: pytest.CaptureFixture[str], demo: dict[str, Any]
) -> None:
    doc = audit_json(
        capsys, "--domain", str(demo["domain_id"]), "--budgets", "--monthly-budget-usd", "500"
    )
    user = demo_user(doc, demo)
    mine = [a for a in doc["apps"] if a["owner_user_profile_name"] == demo["user_profile_name"]]
    assert mine and all(a["owner_user_profile_arn"] == demo["user_profile_arn"] for a in mine)
    month = sum(a["month_cost_usd"] for a in mine)
    assert month > 0 and user["spent_usd"] == pytest.approx(month, abs=0.01)
    assert user["budget_usd"] == 500.0 and user["budget_source"] == "admin"
    assert user["cost_explorer_usd"] is None and doc["budgets"]["cost_explorer"] is None
    assert user["projected_usd"] > user["spent_usd"]
    assert user["budget_state"] in ("under", "near")
    # Each app's month is at most its running time (it may have started last month).
    for app in doc["apps"]:
        assert app["month_cost_usd"] <= app["cost_so_far_usd"] + 1e-6


def test_the_profiles_tag_wins_and_over_budget_says_so(
    capsys: pytest.CaptureFixture[str], demo: dict[str, Any]
) -> None:
    boto3.client("sagemaker").add_tags(
        ResourceArn=demo["user_profile_arn"], Tags=[{"Key": BUDGET_TAG, "Value": "0.01"}]
    )
    doc = audit_json(
        capsys, "--domain", str(demo["domain_id"]), "--budgets", "--monthly-budget-usd", "500"
    )
    user = demo_user(doc, demo)
    assert user["budget_usd"] == 0.01 and user["budget_source"] == "tag"
    assert user["budget_state"] == "over"
    main(["audit", "--domain", str(demo["domain_id"]), "--budgets"])
    table = capsys.readouterr().out
    line = next(
        row for row in table.splitlines() if str(demo["user_profile_name"]) in row and "over" in row
    )
    assert "$0.01 (tag)" in line


def test_cost_explorer_by_the_users_tag_in_one_request(
    capsys: pytest.CaptureFixture[str], demo: dict[str, Any]
) -> None:
    arn = str(demo["user_profile_arn"])
    queue_cost_and_usage(
        demo["emulator"].endpoint_url,
        groups={f"{TAG_KEY}${arn}": "1234.5", f"{TAG_KEY}$": "99"},
    )
    doc = audit_json(
        capsys,
        "--domain",
        str(demo["domain_id"]),
        "--budgets",
        "--cost-explorer",
        "--monthly-budget-usd",
        "1000",
    )
    user = demo_user(doc, demo)
    assert user["cost_explorer_usd"] == 1234.5
    assert user["spent_usd"] == 1234.5 and user["budget_state"] == "over"
    calls = [c for c in call_log() if c.action == "GetCostAndUsage"]
    assert len(calls) == 1 and calls[0].params["GroupBy"] == [{"Type": "TAG", "Key": TAG_KEY}]
    assert doc["budgets"]["cost_explorer"]["error"] is None


def test_refusals_are_named_problems(
    capsys: pytest.CaptureFixture[str], demo: dict[str, Any]
) -> None:
    demo["emulator"].inject_fault("ListTags", code="AccessDeniedException", status=400)
    demo["emulator"].inject_fault("GetCostAndUsage", code="AccessDeniedException", status=400)
    doc = audit_json(
        capsys,
        "--domain",
        str(demo["domain_id"]),
        "--budgets",
        "--cost-explorer",
        "--monthly-budget-usd",
        "500",
    )
    user = demo_user(doc, demo)
    assert user["budget_usd"] == 500.0 and user["cost_explorer_usd"] is None
    assert any("ListTags" in p for p in doc["problems"]), doc["problems"]
    assert any(p.startswith("Cost Explorer:") for p in doc["problems"]), doc["problems"]


def test_budget_flags_need_budgets(
    capsys: pytest.CaptureFixture[str], demo: dict[str, Any]
) -> None:
    assert main(["audit", "--domain", "d", "--cost-explorer"]) == 2
    assert "--budgets" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["audit", "--domain", "d", "--budgets", "--monthly-budget-usd", "lots"])
