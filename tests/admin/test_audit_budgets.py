"""`jupyter smcost audit --budgets` against the emulator's demo domain: per user the budget in
force (the profile's tag over the admin's), spent this month (the larger of the running apps'
month and Cost Explorer's figure, one grouped request), the projection and the state; a
refused tag read is a named problem, not a crash."""

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


@pytest.fixture
def demo(
    emulator_demo: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    clear_call_log()
    return emulator_demo


def audit(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code = main(["audit", *args, "--format", "json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    result: dict[str, Any] = json.loads(out.out)
    return result


def demo_user(doc: dict[str, Any], demo: dict[str, Any]) -> dict[str, Any]:
    user: dict[str, Any] = doc["totals"]["per_user"][
        f"{demo['domain_id']}/{demo['user_profile_name']}"
    ]
    return user


def test_the_admins_budget_and_the_running_apps_month(
    capsys: pytest.CaptureFixture[str], demo: dict[str, Any]
) -> None:
    doc = audit(
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
    doc = audit(
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
    doc = audit(
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
    doc = audit(
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
