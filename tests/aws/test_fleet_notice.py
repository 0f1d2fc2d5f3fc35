"""The fleet check's warning tag seen from the warned app (idle/fleet_notice.py): the demo
space's app carries `jupyter-smcost:stop-after` in the emulator, `GET status` shows it as
`idle.fleet_stop_after`, and Keep running removes it with DeleteTags on this app's ARN only;
a failing ListTags is a status error, never a crash."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from jupyter_smcost.idle.fleet_notice import STOP_AFTER_TAG
from tests.support.api import SMCostAPI

WHEN = "2026-12-08T14:30:00+00:00"


def app_arn(seeded: dict[str, Any]) -> str:
    return str(seeded["metadata"]["ResourceArn"])


def tags(seeded: dict[str, Any]) -> dict[str, str]:
    found = boto3.client("sagemaker", region_name=seeded["region"]).list_tags(
        ResourceArn=app_arn(seeded)
    )["Tags"]
    return {t["Key"]: t["Value"] for t in found}


def warn(seeded: dict[str, Any], value: str = WHEN) -> None:
    boto3.client("sagemaker", region_name=seeded["region"]).add_tags(
        ResourceArn=app_arn(seeded), Tags=[{"Key": STOP_AFTER_TAG, "Value": value}]
    )


async def status(smcost_api: SMCostAPI, app: Any) -> dict[str, Any]:
    await smcost_api.get("status")  # a browser polls: the tag is read in the background
    await app.idle.fleet_notice.refresher.settled()
    doc: dict[str, Any] = (await smcost_api.get("status"))["idle"]
    return doc


async def test_the_tag_shows_in_the_status_and_keep_running_removes_it(
    studio_cost: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    from smcost_emulator import call_log, clear_call_log

    warn(studio_cost)
    doc = await status(smcost_api, smcost_started)
    assert doc["fleet_stop_after"] == WHEN and doc["fleet_error"] is None
    clear_call_log()
    code, _ = await smcost_api.post("activity", {"source": "keep running"})
    assert code == 200
    for task in list(smcost_started.idle.fleet_notice._tasks):
        await task
    assert STOP_AFTER_TAG not in tags(studio_cost)
    deleted = [c for c in call_log() if c.action == "DeleteTags"]
    assert [(c.params.get("ResourceArn"), c.params.get("TagKeys")) for c in deleted] == [
        (app_arn(studio_cost), [STOP_AFTER_TAG])
    ]
    assert (await smcost_api.get("status"))["idle"]["fleet_stop_after"] is None


@pytest.mark.parametrize("value", ["soon", "2026-12-08T14:30:00"])
async def test_a_bad_tag_value_is_no_notice(
    studio_cost: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any, value: str
) -> None:
    warn(studio_cost, value)
    assert (await status(smcost_api, smcost_started))["fleet_stop_after"] is None


async def test_a_failing_list_tags_is_a_status_error(
    studio_cost: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    warn(studio_cost)
    studio_cost["emulator"].inject_fault("ListTags", code="AccessDeniedException", status=400)
    doc = await status(smcost_api, smcost_started)
    assert doc["fleet_stop_after"] is None and "fleet check's tag" in doc["fleet_error"]


async def test_local_mode_makes_no_call(smcost_api: SMCostAPI, smcost_started: Any) -> None:
    assert smcost_started.idle.fleet_notice is None
    doc = (await smcost_api.get("status"))["idle"]
    assert doc["fleet_stop_after"] is None and doc["fleet_error"] is None


@pytest.mark.parametrize(
    ("value", "recorded"), [("2020-01-01T00:00:00+00:00", True), (WHEN, False)]
)
async def test_a_stop_after_the_fleet_warning_ran_out_is_in_the_history_as_fleet_check(
    studio_cost: dict[str, Any],
    smcost_api: SMCostAPI,
    smcost_started: Any,
    value: str,
    recorded: bool,
) -> None:
    """The server stops with no browser open (no read before): one bounded read of the tag
    says whether the fleet check stopped it."""
    warn(studio_cost, value)
    await smcost_started.stop_extension()
    entries = smcost_started.idle.history.entries()
    stops = [e for e in entries if e["kind"] == "shutdown"]
    if recorded:
        ((stop),) = stops
        assert stop["reason"] == "fleet-check" and stop["action"] == "the admin's fleet check"
    else:
        assert stops == []
