"""Other people's resources and one-click actions, probed as an attacker would (issue 14,
sections 1 and 2), on a real server against the emulator's savings demo:

- "mine" never widens to the account when the owner cannot be told (a space without an
  owner, metadata without an account, local mode); an action re-checks the resource's
  tags when it runs, and acts on what is not provably the user's only when the admin
  allows it (`c.Suggestions.allow_actions_on_others`), even with scope "account";
- a mutating call is sent once: a timeout is followed by a describe, not a retry;
  concurrent identical actions make one AWS call; `iam_action` is named only for
  AccessDenied; an action's effect survives a refresh in flight; the audit log names who
  acted as jupyter_server resolved it.
"""

from __future__ import annotations

import asyncio
import getpass
import json
from pathlib import Path
from typing import Any

import pytest

from jupyter_smcost.suggestions.model import suggestion_id
from smcost_emulator.seed.demo import DEMO_OTHER_SPACE, DEMO_OTHER_USER
from tests.support.api import SMCostAPI
from tests.support.cost import listed
from tests.support.demo import calls, one, serve_in, settled

IDLE_ENDPOINT = "demo-idle-endpoint"


def seed(
    emulator: Any, tmp_path: Path, smcost_config: dict[str, Any], space: str | None = None
) -> dict[str, Any]:
    """The savings demo; the server runs in `space` (default: demo-user's demo-space)."""
    seeded: dict[str, Any] = emulator.seed_demo(savings=True)
    metadata = dict(seeded["metadata"])
    if space is not None:
        sm = emulator.client()
        spaces = {
            s["SpaceName"] for s in sm.list_spaces(DomainIdEquals=seeded["domain_id"])["Spaces"]
        }
        if space not in spaces:  # a shared space: SageMaker records no owner for it
            sm.create_space(
                DomainId=seeded["domain_id"],
                SpaceName=space,
                SpaceSettings={"AppType": "JupyterLab"},
                SpaceSharingSettings={"SharingType": "Shared"},
            )
        arn = sm.create_app(
            DomainId=seeded["domain_id"],
            SpaceName=space,
            AppType="JupyterLab",
            AppName="default",
            ResourceSpec={"InstanceType": "ml.t3.medium"},
        )["AppArn"]
        metadata.update(SpaceName=space, ResourceArn=arn)
    suggestions = {
        "required_tags": ["project"],
        "min_saving_usd_per_month": 0.25,
        "ttl_seconds": 60,
    }
    return serve_in(emulator, seeded, metadata, tmp_path, smcost_config, suggestions)


async def offered(
    smcost_api: SMCostAPI, app: Any, rule: str, name: str, action_id: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The suggestion of `rule` on `name` once settled, and a confirmed request for its
    `action_id`."""
    suggestion = one(await settled(smcost_api, app), rule, name)
    return suggestion, {"suggestion_id": suggestion["id"], "action_id": action_id, "confirm": True}


async def idle_endpoint_delete(
    smcost_api: SMCostAPI, app: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The idle endpoint's suggestion, and the confirmed request that deletes it."""
    return await offered(smcost_api, app, "idle-endpoint", IDLE_ENDPOINT, "delete-endpoint")


def endpoint_names(emulator: Any) -> set[str]:
    return {e["EndpointName"] for e in emulator.client().list_endpoints()["Endpoints"]}


def owned_by_demo_user(doc: dict[str, Any], seeded: dict[str, Any]) -> list[str]:
    """Names of the rows/suggestions in `doc` that are demo-user's."""
    theirs = {r["name"] for r in seeded["resources"]} | {IDLE_ENDPOINT}
    if "resources" in doc:
        rows = doc["resources"]
    else:
        rows = [s["resource"] for s in doc["suggestions"] if s["resource"]]
    return sorted(r["name"] for r in rows if r["name"] in theirs)


# -- 1. "mine" never silently becomes "everyone's" ----------------------------------------------


@pytest.fixture
def ownerless_space(emulator: Any, tmp_path: Path, smcost_config: dict[str, Any]) -> dict[str, Any]:
    return seed(emulator, tmp_path, smcost_config, space="shared-space")


async def test_a_space_without_owner_lists_only_what_is_tagged_with_it(
    ownerless_space: dict[str, Any],
    smcost_api: SMCostAPI,
    smcost_started: Any,
) -> None:
    doc = await listed(smcost_api, smcost_started)
    assert doc["scope"] == "mine", doc
    assert owned_by_demo_user(doc, ownerless_space) == []
    assert "other-user-xgboost" not in {r["name"] for r in doc["resources"]}
    scope = [p for p in doc["problems"] if p["code"] == "scope"]
    assert scope and "owner" in scope[0]["message"] and "c.Resources.scope" in scope[0]["message"]

    suggestions = await settled(smcost_api, smcost_started)
    assert owned_by_demo_user(suggestions, ownerless_space) == []
    assert any(p["code"] == "scope" for p in suggestions["problems"]), suggestions["problems"]
    # The request that deleted demo-user's endpoint from here: its card is not offered.
    theirs = suggestion_id("idle-endpoint", "endpoint", IDLE_ENDPOINT)
    body = {"suggestion_id": theirs, "action_id": "delete-endpoint", "confirm": True}
    code, answer = await smcost_api.post("actions", body)
    assert code == 404, answer
    assert IDLE_ENDPOINT in endpoint_names(ownerless_space["emulator"])


@pytest.fixture
def no_account(emulator: Any, tmp_path: Path, smcost_config: dict[str, Any]) -> dict[str, Any]:
    seeded = seed(emulator, tmp_path, smcost_config)
    metadata = dict(seeded["metadata"])
    # An ARN without its account: nothing here says which account this is.
    parts = metadata["ResourceArn"].split(":")
    metadata["ResourceArn"] = ":".join([*parts[:4], "", *parts[5:]])
    seeded["metadata_path"].write_text(json.dumps(metadata))
    return seeded


async def test_metadata_without_account_still_shows_only_the_users_own(
    no_account: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    suggestions = await settled(smcost_api, smcost_started)
    doc = await listed(smcost_api, smcost_started)
    assert doc["scope"] == "mine"
    names = {r["name"] for r in doc["resources"]}
    assert "other-user-xgboost" not in names
    assert "demo-resnet-train" in names, doc[
        "problems"
    ]  # tagged with demo-user's profile: provably theirs
    assert one(suggestions, "idle-endpoint", IDLE_ENDPOINT)


async def test_local_mode_lists_nothing_and_calls_no_list(
    emulator: Any, smcost_config: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    emulator.seed_demo(savings=True)
    emulator.clear_call_log()
    doc = await listed(smcost_api, smcost_started)
    assert doc["scope"] == "mine" and doc["resources"] == []
    assert [p["code"] for p in doc["problems"]] == ["scope"]
    list_calls = [c.action for c in emulator.call_log() if c.action.startswith("List")]
    assert list_calls == []


@pytest.fixture
def other_users_account_view(
    emulator: Any, tmp_path: Path, smcost_config: dict[str, Any]
) -> dict[str, Any]:
    seeded = seed(emulator, tmp_path, smcost_config, space=DEMO_OTHER_SPACE)
    smcost_config["Resources"] = {"scope": "account"}
    return seeded


async def test_scope_account_does_not_let_another_user_delete(
    other_users_account_view: dict[str, Any],
    smcost_api: SMCostAPI,
    smcost_started: Any,
) -> None:
    emu = other_users_account_view["emulator"]
    # The admin asked to see everything.
    suggestion, body = await idle_endpoint_delete(smcost_api, smcost_started)
    # The card offers no button it cannot honour, and says why; a request made by hand is
    # refused all the same.
    assert suggestion["actions"] == []
    assert "allow_actions_on_others" in suggestion["warning"]
    code, answer = await smcost_api.post("actions", body)
    assert code == 403, answer
    assert "allow_actions_on_others" in answer["message"]
    assert calls(emu, "DeleteEndpoint") == []
    assert IDLE_ENDPOINT in endpoint_names(emu)
    entry = smcost_started.suggestions.audit.entries()[-1]
    assert entry["result"] == "refused" and entry["status"] == 403


@pytest.fixture
def others_allowed(
    other_users_account_view: dict[str, Any], smcost_config: dict[str, Any]
) -> dict[str, Any]:
    smcost_config["Suggestions"]["allow_actions_on_others"] = True
    return other_users_account_view


async def test_the_admin_may_allow_actions_on_others(
    others_allowed: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    suggestion, body = await idle_endpoint_delete(smcost_api, smcost_started)
    assert [a["id"] for a in suggestion["actions"]] == ["delete-endpoint"]
    code, answer = await smcost_api.post("actions", body)
    assert code == 200, answer
    assert IDLE_ENDPOINT not in endpoint_names(others_allowed["emulator"])


@pytest.fixture
def demo(emulator: Any, tmp_path: Path, smcost_config: dict[str, Any]) -> dict[str, Any]:
    return seed(emulator, tmp_path, smcost_config)


async def test_ownership_is_checked_again_when_the_action_runs(
    demo: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    emu = demo["emulator"]
    doc = await settled(smcost_api, smcost_started)
    suggestion = one(doc, "idle-endpoint", IDLE_ENDPOINT)
    # Since the suggestion was made, the endpoint changed hands (its tags say so).
    sm = emu.client()
    arn = sm.describe_endpoint(EndpointName=IDLE_ENDPOINT)["EndpointArn"]
    sm.delete_tags(ResourceArn=arn, TagKeys=["sagemaker:user-profile-arn", "sagemaker:space-arn"])
    other = demo["user_profile_arn"].rsplit("/", 1)[0] + f"/{DEMO_OTHER_USER}"
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "sagemaker:user-profile-arn", "Value": other}])
    body = {"suggestion_id": suggestion["id"], "action_id": "delete-endpoint", "confirm": True}
    code, answer = await smcost_api.post("actions", body)
    assert code == 403, answer
    assert calls(emu, "DeleteEndpoint") == []
    assert IDLE_ENDPOINT in endpoint_names(emu)


# -- 2. one-click actions do what they say, once ------------------------------------------------


CROSSREGION = "demo-crossregion-processing"


async def crossregion_stop(smcost_api: SMCostAPI, app: Any) -> dict[str, Any]:
    """The confirmed request that stops the demo's cross-region processing job."""
    _, body = await offered(smcost_api, app, "data-locality", CROSSREGION, "stop-processing-job")
    return body


def last_result(app: Any) -> str:
    """The result of the last action in the audit log."""
    return str(app.suggestions.audit.entries()[-1]["result"])


@pytest.fixture
def slow_aws(demo: dict[str, Any], smcost_config: dict[str, Any]) -> dict[str, Any]:
    smcost_config["SMCost"]["aws_read_timeout_seconds"] = 1.0
    smcost_config["SMCost"]["aws_call_timeout_seconds"] = 1.0
    return demo


async def test_a_late_stop_is_sent_once_and_reported_as_done(
    slow_aws: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    emu = slow_aws["emulator"]
    body = await crossregion_stop(smcost_api, smcost_started)
    emu.set_delay(2.0, ["StopProcessingJob"])  # past the read and the call timeout
    code, answer = await smcost_api.post("actions", body)
    assert code == 200, answer
    assert "Stopping" in answer["message"] or "Stopped" in answer["message"]
    # The emulator logs the slow call when its delay ends, which on a busy machine can be
    # after the answer: wait for it, then check it came once.
    for _ in range(50):
        if calls(emu, "StopProcessingJob"):
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)  # a blind retry would have been logged by now
    assert len(calls(emu, "StopProcessingJob")) == 1  # never retried blindly
    job = emu.client().describe_processing_job(ProcessingJobName=CROSSREGION)
    assert job["ProcessingJobStatus"] in ("Stopping", "Stopped")
    assert last_result(smcost_started) == "ok"


async def test_a_stop_that_never_lands_is_reported_as_not_done(
    slow_aws: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    emu = slow_aws["emulator"]
    body = await crossregion_stop(smcost_api, smcost_started)
    # AWS answers 500 after the client gave up: the stop never happened.
    emu.set_delay(1.5, ["StopProcessingJob"])
    emu.inject_fault("StopProcessingJob", "InternalFailure", "boom", status=500, times=1)
    code, answer = await smcost_api.post("actions", body)
    assert code == 504, answer
    assert "InProgress" in answer["message"] and answer["iam_action"] is None
    assert len(calls(emu, "StopProcessingJob")) == 1
    assert last_result(smcost_started) == "unconfirmed"


async def test_concurrent_identical_deletes_make_one_call(
    demo: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    emu = demo["emulator"]
    suggestion, body = await idle_endpoint_delete(smcost_api, smcost_started)
    emu.set_delay(0.5, ["DeleteEndpoint"])
    answers = await asyncio.gather(*(smcost_api.post("actions", body) for _ in range(3)))
    assert [code for code, _ in answers] == [200, 200, 200], answers
    assert len(calls(emu, "DeleteEndpoint")) == 1
    assert [e["result"] for e in smcost_started.suggestions.audit.entries()] == ["ok"]


async def test_a_different_action_on_the_same_resource_waits_its_turn(
    demo: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    emu = demo["emulator"]
    doc = await settled(smcost_api, smcost_started)
    suggestion = one(doc, "tags", "demo-untagged-train")
    emu.set_delay(0.5, ["AddTags"])
    first = {
        "suggestion_id": suggestion["id"],
        "action_id": "add-tags",
        "confirm": True,
        "values": {"project": "churn"},
    }
    second = {**first, "values": {"project": "other"}}
    (code_a, a), (code_b, b) = await asyncio.gather(
        smcost_api.post("actions", first), smcost_api.post("actions", second)
    )
    assert sorted([code_a, code_b]) == [200, 409], (a, b)
    assert "in progress" in (b if code_b == 409 else a)["message"]
    assert len(calls(emu, "AddTags")) == 1
    # Both attempts are in the audit log.
    results = sorted(e["result"] for e in smcost_started.suggestions.audit.entries())
    assert results == ["ok", "refused"]


@pytest.mark.parametrize(
    ("code", "status"), [("ThrottlingException", 400), ("ServiceUnavailable", 503)]
)
async def test_a_busy_aws_names_no_permission(
    demo: dict[str, Any],
    smcost_api: SMCostAPI,
    smcost_started: Any,
    code: str,
    status: int,
) -> None:
    emu = demo["emulator"]
    suggestion, body = await idle_endpoint_delete(smcost_api, smcost_started)
    # A describe is retried once by botocore (it changes nothing); the delete is not.
    for call, times in (("DescribeEndpoint", 2), ("DeleteEndpoint", 1)):
        emu.inject_fault(call, code, "slow down", status=status, times=times)
        answer_code, answer = await smcost_api.post("actions", body)
        assert answer_code == 503, answer
        assert answer["iam_action"] is None
        assert "AWS is busy, try again" in answer["message"]
    assert IDLE_ENDPOINT in endpoint_names(emu)


async def test_an_action_survives_a_refresh_in_flight(
    demo: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    emu = demo["emulator"]
    doc = await settled(smcost_api, smcost_started)
    suggestion = one(doc, "idle-endpoint", IDLE_ENDPOINT)
    # A refresh that started before the action and ends after it (its metrics are slow).
    emu.set_delay(1.5, ["GetMetricData"])
    smcost_started.suggestions.invalidate()
    await smcost_api.get("suggestions")
    assert smcost_started.suggestions.loading
    body = {"suggestion_id": suggestion["id"], "action_id": "delete-endpoint", "confirm": True}
    code, answer = await smcost_api.post("actions", body)
    assert code == 200, answer
    assert smcost_started.suggestions.loading  # the refresh is still in flight
    emu.set_delay(0, ["GetMetricData"])
    await smcost_started.suggestions.settled()
    after = await smcost_api.get("suggestions")
    assert suggestion["id"] not in {s["id"] for s in after["suggestions"]}
    # The next refresh reads AWS after the action.
    await smcost_started.suggestions.settled()
    after = await smcost_api.get("suggestions")
    assert suggestion["id"] not in {s["id"] for s in after["suggestions"]}


async def test_the_audit_log_names_the_resolved_identity(
    demo: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    suggestion, body = await idle_endpoint_delete(smcost_api, smcost_started)
    for _ in range(2):  # the second is a 404: the suggestion is acted on
        await smcost_api.post("actions", body)
    first, second = smcost_started.suggestions.audit.entries()
    # A token request: jupyter_server's identity is a fresh anonymous one each time, and the
    # token is the server owner's.
    assert first["user"] == second["user"] == getpass.getuser()
    assert first["auth"] == "token" and first["server_owner"] == getpass.getuser()


async def test_a_huge_dismiss_days_is_400(
    demo: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    code, answer = await smcost_api.post("suggestions/x/dismiss", {"days": int("9" * 400)})
    assert code == 400, answer
