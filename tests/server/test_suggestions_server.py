"""GET suggestions, POST actions and POST dismiss on a real server in an emulated Studio
space (the demo: a JupyterLab app on ml.g5.xlarge, an idle Code Editor app of the same user
in another space, jobs and an endpoint)."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from smcost_emulator.seed.demo import DEMO_IDLE_SPACE
from tests.support.api import SMCostAPI
from tests.support.demo import settled

IDLE_APP = f"{DEMO_IDLE_SPACE}/CodeEditor/default"


def by_rule(doc: dict[str, Any], rule: str) -> list[dict[str, Any]]:
    return [s for s in doc["suggestions"] if s["rule"] == rule]


async def idle_app_suggestion(smcost_api: SMCostAPI, app: Any) -> dict[str, Any]:
    doc = await settled(smcost_api, app)
    found = [s for s in by_rule(doc, "idle-apps") if s["resource"]["name"] == IDLE_APP]
    assert len(found) == 1, doc
    return found[0]


async def test_never_waits_and_the_idle_app_is_priced(
    studio_cost: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    first = await smcost_api.get("suggestions")
    assert first["state"] in ("loading", "ok", "partial")
    suggestion = await idle_app_suggestion(smcost_api, smcost_started)
    # The same app's rate in GET resources, a month of it.
    await smcost_api.get("resources")
    await smcost_started.monitor.settled()
    resources = await smcost_api.get("resources")
    rate = next(r for r in resources["resources"] if r["name"] == IDLE_APP)["usd_per_hour"]
    assert rate > 0
    assert suggestion["saving_usd_per_month"] == round(rate * 730, 2)
    assert [a["id"] for a in suggestion["actions"]] == ["delete-app"]
    assert suggestion["resource"]["kind"] == "studio-app"
    doc = await smcost_api.get("suggestions")
    assert doc["total_saving_usd_per_month"] == pytest.approx(
        sum(s["saving_usd_per_month"] or 0 for s in doc["suggestions"])
    )
    assert doc["actions_allowed"] is True
    # The app's own idle policy: an hour on ml.g5.xlarge is over the $2 hint? The demo's
    # price decides; either way the rule ran (or says why not) and nothing is NaN.
    assert "NaN" not in json.dumps(doc)


async def test_delete_app_reaches_the_emulator_and_is_audited(
    studio_cost: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    emu = studio_cost["emulator"]
    suggestion = await idle_app_suggestion(smcost_api, smcost_started)
    code, body = await smcost_api.post(
        "actions", {"suggestion_id": suggestion["id"], "action_id": "delete-app", "confirm": True}
    )
    assert code == 200, body
    assert "Deleting the CodeEditor app default of demo-space-2" in body["message"]
    deletes = [r for r in emu.call_log() if r.action == "DeleteApp"]
    assert len(deletes) == 1
    status = {a["AppName"] + a["SpaceName"]: a["Status"] for a in emu.apps() if a["SpaceName"]}
    assert status["default" + DEMO_IDLE_SPACE] in ("Deleting", "Deleted")
    # Acted on: not offered again, and a second try is refused without calling AWS.
    assert suggestion["id"] not in [
        s["id"] for s in (await smcost_api.get("suggestions"))["suggestions"]
    ]
    code, _ = await smcost_api.post(
        "actions", {"suggestion_id": suggestion["id"], "action_id": "delete-app", "confirm": True}
    )
    assert code == 404
    assert len([r for r in emu.call_log() if r.action == "DeleteApp"]) == 1
    log = smcost_started.suggestions.audit.entries()
    assert [(e["action_id"], e["result"], e["status"]) for e in log] == [
        ("delete-app", "ok", 200),
        ("delete-app", "refused", 404),
    ]
    assert log[0]["user"] and log[0]["resource"]["name"] == IDLE_APP
    assert log[0]["time"].endswith("+00:00")


async def test_a_changed_app_is_a_conflict(
    studio_cost: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    emu = studio_cost["emulator"]
    suggestion = await idle_app_suggestion(smcost_api, smcost_started)
    # The user came back to the app meanwhile.
    emu.set_state(
        "studio-app",
        IDLE_APP,
        region="us-east-1",
        account_id=studio_cost["account_id"],
        last_activity_seconds_ago=5,
    )
    code, body = await smcost_api.post(
        "actions", {"suggestion_id": suggestion["id"], "action_id": "delete-app", "confirm": True}
    )
    assert code == 409 and "changed since this suggestion was made" in body["message"]
    assert not [r for r in emu.call_log() if r.action == "DeleteApp"]


async def test_aws_refusal_names_the_iam_action(
    studio_cost: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    emu = studio_cost["emulator"]
    suggestion = await idle_app_suggestion(smcost_api, smcost_started)
    emu.inject_fault("DeleteApp", "AccessDeniedException", "not allowed", times=1)
    code, body = await smcost_api.post(
        "actions", {"suggestion_id": suggestion["id"], "action_id": "delete-app", "confirm": True}
    )
    assert code == 502
    assert body["iam_action"] == "sagemaker:DeleteApp"
    assert "no permission for sagemaker:DeleteApp" in body["message"]
    entry = smcost_started.suggestions.audit.entries()[-1]
    assert entry["result"] == "aws-refused" and entry["iam_action"] == "sagemaker:DeleteApp"


@pytest.fixture
def actions_off(studio_cost: dict[str, Any], smcost_config: dict[str, Any]) -> dict[str, Any]:
    smcost_config["Suggestions"]["allow_actions"] = False
    return studio_cost


async def test_actions_off_is_403_and_said(
    actions_off: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    suggestion = await idle_app_suggestion(smcost_api, smcost_started)
    assert (await smcost_api.get("suggestions"))["actions_allowed"] is False
    code, body = await smcost_api.post(
        "actions", {"suggestion_id": suggestion["id"], "action_id": "delete-app", "confirm": True}
    )
    assert code == 403 and "c.Suggestions.allow_actions" in body["message"]
    assert not [r for r in actions_off["emulator"].call_log() if r.action == "DeleteApp"]


@pytest.mark.parametrize(
    "body",
    [
        {"suggestion_id": "x", "action_id": "delete-app"},
        {"suggestion_id": "x", "action_id": "delete-app", "confirm": "yes"},
        {"suggestion_id": "", "action_id": "delete-app", "confirm": True},
        {"suggestion_id": 5, "action_id": "delete-app", "confirm": True},
        [1, 2],
    ],
)
async def test_bad_action_requests_are_400(
    body: Any, smcost_config: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    code, answer = await smcost_api.post("actions", body)
    assert code == 400 and answer["message"]


@pytest.mark.parametrize("days", [0, -1, "7", float("inf"), 1e9, True])
async def test_bad_dismiss_days_are_400(
    days: Any, smcost_config: dict[str, Any], jp_fetch: Any, smcost_started: Any
) -> None:
    body = '{"days": Infinity}' if days == float("inf") else json.dumps({"days": days})
    try:
        await jp_fetch(
            "jupyter-smcost",
            "suggestions/idle-apps-0123456789abcdef/dismiss",
            method="POST",
            body=body,
        )
    except HTTPClientError as err:
        assert err.code == 400
    else:
        raise AssertionError("accepted")


async def test_dismissed_stays_dismissed_across_a_restart(
    studio_cost: dict[str, Any],
    jp_fetch: Any,
    smcost_api: SMCostAPI,
    smcost_started: Any,
    tmp_path: Path,
) -> None:
    suggestion = await idle_app_suggestion(smcost_api, smcost_started)
    code, body = await smcost_api.post(f"suggestions/{suggestion['id']}/dismiss", {})
    assert code == 200 and body["dismissed"] == suggestion["id"] and body["until"] is None
    doc = await smcost_api.get("suggestions")
    assert suggestion["id"] not in [s["id"] for s in doc["suggestions"]]
    assert doc["dismissed"] == 1
    # What a restarted server reads: the same state directory.
    from jupyter_smcost.suggestions.store import DismissStore

    store = DismissStore(smcost_started.state_dir)
    users = list(json.loads(store.path.read_text()))
    assert users == [getpass.getuser()] and store.hidden(users[0]) == {suggestion["id"]}
    assert store.hidden("someone-else") == set()
    # Undone: it is back.
    response = await jp_fetch(
        "jupyter-smcost", f"suggestions/{suggestion['id']}/dismiss", method="DELETE"
    )
    assert json.loads(response.body)["was_dismissed"] is True
    doc = await smcost_api.get("suggestions")
    assert suggestion["id"] in [s["id"] for s in doc["suggestions"]] and doc["dismissed"] == 0


async def test_dismiss_for_some_days(
    studio_cost: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    suggestion = await idle_app_suggestion(smcost_api, smcost_started)
    code, body = await smcost_api.post(f"suggestions/{suggestion['id']}/dismiss", {"days": 2})
    assert code == 200 and body["until"] is not None
    assert suggestion["id"] not in [
        s["id"] for s in (await smcost_api.get("suggestions"))["suggestions"]
    ]


@pytest.fixture
def suggestions_off(smcost_config: dict[str, Any]) -> None:
    smcost_config["Suggestions"] = {"enabled": False}


async def test_disabled_says_so(
    suggestions_off: None, smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    doc = await smcost_api.get("suggestions")
    assert doc["state"] == "disabled" and "c.Suggestions.enabled" in doc["message"]
    assert smcost_started.suggestions.refreshes == 0


async def test_the_suggestions_say_when_aws_is_busy_and_keep_their_time(
    studio_cost: dict[str, Any], jp_fetch: Any, smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    """After a throttle anywhere in the process (pace.py), GET suggestions carries
    `aws_busy` beside the `generated_at` of the suggestions it still shows; null otherwise."""
    doc = await settled(smcost_api, smcost_started)
    assert doc["aws_busy"] is None and doc["generated_at"] is not None
    quiet = (await jp_fetch("jupyter-smcost", "suggestions")).body
    smcost_started.pace.throttled_now("ListTags")
    busy = await smcost_api.get("suggestions")
    assert busy["aws_busy"] == smcost_started.pace.busy_json()
    assert set(busy["aws_busy"]) == {"since", "until"}
    assert busy["aws_busy"]["since"] < busy["aws_busy"]["until"]
    assert busy["generated_at"] == doc["generated_at"]
    assert busy["suggestions"] == doc["suggestions"]
    assert (await jp_fetch("jupyter-smcost", "suggestions")).body != quiet
    smcost_started.pace.busy_until = 0.0  # the backoff is over
    assert (await smcost_api.get("suggestions"))["aws_busy"] is None
