"""The demo the way `make demo` runs it (emulator seeded with `savings=True`): every rule the
emulator can feed gives its suggestion with the figure the seed implies, and each action goes
through to the emulator, with its refusal by AWS, its 409 on a changed resource and its 403
when actions are off. (rightsize-space reads this machine's own CPU: tests/
test_suggestion_rules_a.py covers it.)"""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_smcost.cost.pricing.model import Price, PriceKey
from tests.support.api import SMCostAPI
from tests.support.demo import EMULATOR_FED, calls, one, settled


async def rate(app: Any, instance_type: str, component: str) -> float:
    price = await app.prices.get(PriceKey("us-east-1", instance_type, component))
    assert isinstance(price, Price), price
    return float(price.usd_per_hour)


async def test_every_rule_the_emulator_feeds_fires_with_its_figure(
    demo: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    app = smcost_started
    doc = await settled(smcost_api, app)
    assert {s["rule"] for s in doc["suggestions"]} >= EMULATOR_FED
    assert doc["problems"] == [], doc["problems"]
    for s in doc["suggestions"]:
        assert s["arithmetic"], s
        assert s["saving_usd_per_month"] is not None or s["saving_note"], s
    savings = demo["savings"]

    # local-mode: the short jobs' cost over the lookback, scaled to 30 days.
    short = savings["short_jobs"]
    cost = 0.0
    for job in short:
        component = "training" if job["kind"] == "training-job" else "processing"
        cost += job["run_seconds"] / 3600 * await rate(app, job["instance_type"], component)
    local = one(doc, "local-mode")
    assert local["saving_usd_per_month"] == round(cost * 30 / 7, 2)  # in cents
    assert "EnableDockerAccess" in local["detail"]

    # idle-endpoint: a month of its instance.
    idle = savings["endpoints"]["demo-idle-endpoint"]
    found = one(doc, "idle-endpoint", "demo-idle-endpoint")
    hourly = await rate(app, idle["instance_type"], "hosting")
    assert found["saving_usd_per_month"] == round(hourly * 730, 2)
    assert [a["id"] for a in found["actions"]] == ["delete-endpoint"]

    # multi-model: the two small endpoints share one image; all but the larger is saved.
    mm = one(doc, "multi-model")
    a = await rate(app, "ml.m5.large", "hosting")
    b = await rate(app, "ml.m5.xlarge", "hosting")
    assert mm["saving_usd_per_month"] == round(min(a, b) * 730, 2)

    # spot-training: the running on-demand job, at this account's own spot saving.
    history = savings["spot_history"]
    fraction = 1 - sum(j["billable_seconds"] for j in history) / sum(
        j["run_seconds"] for j in history
    )
    spot = one(doc, "spot-training", "demo-resnet-train")
    assert f"{fraction:.1%}" in spot["arithmetic"]
    assert [a["id"] for a in spot["actions"]] == ["stop-training-job"]

    # savings-plan: Cost Explorer's figure, as it gave it.
    plan = one(doc, "savings-plan")
    assert plan["saving_usd_per_month"] == pytest.approx(
        float(savings["savings_plan"]["EstimatedMonthlySavingsAmount"])
    )

    # idle-budget: an hour idle on the demo's ml.g5.xlarge costs more than the $1 hint.
    budget = one(doc, "idle-budget")
    g5 = await rate(app, "ml.g5.xlarge", "studio-jupyterlab")
    assert f"60 min x ${g5:.2f}/h" in budget["arithmetic"] or f"{g5:.3f}" in budget["arithmetic"]
    assert {a["id"] for a in budget["actions"]} == {"set-idle-budget", "set-idle-timeout"}

    # Only the job without a project tag; advice under $0.25/month is not shown.
    assert [s["resource"]["name"] for s in doc["suggestions"] if s["rule"] == "tags"] == [
        "demo-untagged-train"
    ]
    priced = [s["saving_usd_per_month"] for s in doc["suggestions"] if s["saving_usd_per_month"]]
    assert min(priced) >= 0.25
    one(doc, "data-locality", "demo-crossregion-processing")
    one(doc, "idle-apps")
    assert doc["total_saving_usd_per_month"] == pytest.approx(
        sum(s["saving_usd_per_month"] or 0 for s in doc["suggestions"]), abs=1e-9
    )
    # The card's figure is the calculation's last figure.
    for s in doc["suggestions"]:
        if s["saving_usd_per_month"] is not None:
            assert f"{s['saving_usd_per_month']:,.2f}" in s["arithmetic"], s


# -- each action through to the emulator -------------------------------------------------------


class Action(NamedTuple):
    """One suggestion's action in the demo, and the emulator call it makes."""

    rule: str
    name: str  # the resource's name
    action_id: str
    call: str
    extra: dict[str, Any]

    def body(self, suggestion: dict[str, Any]) -> dict[str, Any]:
        """The confirmed request that runs this action on `suggestion`."""
        return {
            "suggestion_id": suggestion["id"],
            "action_id": self.action_id,
            "confirm": True,
            **self.extra,
        }


ACTIONS = [
    Action("idle-endpoint", "demo-idle-endpoint", "delete-endpoint", "DeleteEndpoint", {}),
    Action("spot-training", "demo-resnet-train", "stop-training-job", "StopTrainingJob", {}),
    Action(
        "data-locality",
        "demo-crossregion-processing",
        "stop-processing-job",
        "StopProcessingJob",
        {},
    ),
    Action("tags", "demo-untagged-train", "add-tags", "AddTags", {"values": {"project": "churn"}}),
]


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.rule)
async def test_each_action_reaches_the_emulator(
    demo: dict[str, Any],
    smcost_api: SMCostAPI,
    smcost_started: Any,
    action: Action,
) -> None:
    emu = demo["emulator"]
    doc = await settled(smcost_api, smcost_started)
    suggestion = one(doc, action.rule, action.name)
    body, call, name = action.body(suggestion), action.call, action.name
    # AWS refuses first: nothing changes, and the answer names the permission.
    emu.inject_fault(call, "AccessDeniedException", "not authorized", times=1)
    code, answer = await smcost_api.post("actions", body)
    assert code == 502 and answer["iam_action"] == f"sagemaker:{call}", answer
    code, answer = await smcost_api.post("actions", body)
    assert code == 200, answer
    assert len(calls(emu, call)) == 2  # the refused one and the real one
    sm = emu.client()
    if call == "DeleteEndpoint":
        assert "demo-idle-endpoint-config" in answer["message"]
        names = [e["EndpointName"] for e in sm.list_endpoints()["Endpoints"]]
        assert name not in names
        # The configuration is kept, as the answer says.
        sm.describe_endpoint_config(EndpointConfigName="demo-idle-endpoint-config")
    elif call == "StopTrainingJob":
        status = sm.describe_training_job(TrainingJobName=name)["TrainingJobStatus"]
        assert status in ("Stopping", "Stopped")
    elif call == "StopProcessingJob":
        status = sm.describe_processing_job(ProcessingJobName=name)["ProcessingJobStatus"]
        assert status in ("Stopping", "Stopped")
    else:
        arn = suggestion["resource"]["arn"]
        tags = {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=arn)["Tags"]}
        assert tags["project"] == "churn"
    entries = smcost_started.suggestions.audit.entries()
    assert [e["result"] for e in entries] == ["aws-refused", "ok"]


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.rule)
async def test_each_action_is_409_when_the_resource_changed(
    demo: dict[str, Any],
    smcost_api: SMCostAPI,
    smcost_started: Any,
    action: Action,
) -> None:
    emu = demo["emulator"]
    doc = await settled(smcost_api, smcost_started)
    suggestion = one(doc, action.rule, action.name)
    call, name = action.call, action.name
    sm = emu.client()
    # Someone changed the resource behind the suggestion's back.
    if call == "DeleteEndpoint":
        sm.create_endpoint_config(
            EndpointConfigName="demo-idle-endpoint-config-2",
            ProductionVariants=[
                {
                    "VariantName": "AllTraffic",
                    "ModelName": "demo-idle-model",
                    "InitialInstanceCount": 1,
                    "InstanceType": "ml.m5.large",
                }
            ],
        )
        # (moto has no UpdateEndpoint: the endpoint is replaced under the same name.)
        sm.delete_endpoint(EndpointName=name)
        sm.create_endpoint(EndpointName=name, EndpointConfigName="demo-idle-endpoint-config-2")
    elif call in ("StopTrainingJob", "AddTags") and "train" in name:
        sm.stop_training_job(TrainingJobName=name)
    else:
        sm.stop_processing_job(ProcessingJobName=name)
    before = len(calls(emu, call))
    code, answer = await smcost_api.post("actions", action.body(suggestion))
    assert code == 409, answer
    assert len(calls(emu, call)) == before  # nothing was done


@pytest.fixture
def demo_read_only_actions(demo: dict[str, Any], smcost_config: dict[str, Any]) -> dict[str, Any]:
    smcost_config["Suggestions"]["allow_actions"] = False
    return demo


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.rule)
async def test_each_action_is_403_when_actions_are_off(
    demo_read_only_actions: dict[str, Any],
    smcost_api: SMCostAPI,
    smcost_started: Any,
    action: Action,
) -> None:
    emu = demo_read_only_actions["emulator"]
    doc = await settled(smcost_api, smcost_started)
    suggestion = one(doc, action.rule, action.name)
    code, answer = await smcost_api.post("actions", action.body(suggestion))
    assert code == 403 and "allow_actions" in answer["message"]
    assert calls(emu, action.call) == []


async def test_idle_budget_action_applies_through_the_settings(
    demo: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    doc = await settled(smcost_api, smcost_started)
    budget = one(doc, "idle-budget")
    body = {"suggestion_id": budget["id"], "action_id": "set-idle-budget", "confirm": True}
    code, answer = await smcost_api.post("actions", body)
    assert code == 200 and "Idle budget: $1." in answer["message"], answer
    config = await smcost_api.get("config")
    assert config["max_idle_usd"] == 1.0 and config["user_max_idle_usd"] == 1.0
    # The idle settings changed, so the other action of the same (old) suggestion is stale.
    await smcost_started.suggestions.settled()
    code, answer = await smcost_api.post(
        "actions", {"suggestion_id": budget["id"], "action_id": "set-idle-timeout", "confirm": True}
    )
    assert code in (404, 409), answer


async def test_add_tags_needs_every_value(
    demo: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    doc = await settled(smcost_api, smcost_started)
    tags = one(doc, "tags", "demo-untagged-train")
    assert tags["actions"][0]["fields"] == ["project"]
    for values in (None, {}, {"project": " "}, {"project": "x" * 300}, ["project"]):
        body = {
            "suggestion_id": tags["id"],
            "action_id": "add-tags",
            "confirm": True,
            "values": values,
        }
        code, answer = await smcost_api.post("actions", body)
        assert code == 400, (values, answer)
    assert calls(demo["emulator"], "AddTags") == []


async def test_unknown_suggestion_is_404(
    demo: dict[str, Any], jp_fetch: Any, smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    await settled(smcost_api, smcost_started)
    code, answer = await smcost_api.post(
        "actions",
        {"suggestion_id": "idle-endpoint-0000000000000000", "action_id": "x", "confirm": True},
    )
    assert code == 404 and answer["message"]
    try:
        await jp_fetch(
            "jupyter-smcost", "suggestions/..%2F..%2Fetc/dismiss", method="POST", body="{}"
        )
    except HTTPClientError as err:
        assert err.code == 404


async def test_idle_actions_are_403_when_actions_are_off(
    demo_read_only_actions: dict[str, Any],
    smcost_api: SMCostAPI,
    smcost_started: Any,
) -> None:
    doc = await settled(smcost_api, smcost_started)
    budget = one(doc, "idle-budget")
    for action_id in ("set-idle-budget", "set-idle-timeout"):
        body = {"suggestion_id": budget["id"], "action_id": action_id, "confirm": True}
        code, answer = await smcost_api.post("actions", body)
        assert code == 403, answer
    config = await smcost_api.get("config")
    assert config["user_max_idle_usd"] is None and config["user_timeout_minutes"] is None


async def test_idle_timeout_action_applies_a_shorter_timeout(
    demo: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    doc = await settled(smcost_api, smcost_started)
    budget = one(doc, "idle-budget")
    g5 = await rate(smcost_started, "ml.g5.xlarge", "studio-jupyterlab")
    expected = int(1.0 / g5 * 60)  # whole minutes an idle spell may last within $1
    label = next(a["label"] for a in budget["actions"] if a["id"] == "set-idle-timeout")
    assert str(expected) in label
    body = {"suggestion_id": budget["id"], "action_id": "set-idle-timeout", "confirm": True}
    code, answer = await smcost_api.post("actions", body)
    assert code == 200, answer
    config = await smcost_api.get("config")
    assert config["user_timeout_minutes"] == expected and config["timeout_minutes"] == expected


@pytest.fixture
def demo_on_course_over_budget(
    demo: dict[str, Any], smcost_config: dict[str, Any]
) -> dict[str, Any]:
    # Nothing spent yet at the first tick, and the demo burns far more than $1 by the
    # month's end: on course to go over.
    smcost_config["Budget"] = {"monthly_usd": 1.0}
    return demo


async def test_on_course_over_budget_each_card_says_what_it_saves_by_the_months_end(
    demo_on_course_over_budget: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    await settled(smcost_api, smcost_started)
    await smcost_started.budget.tick()
    budget = await smcost_api.get("budget")
    assert budget["state"] == "near" and budget["projected_usd"] > 1.0, budget
    doc = await smcost_api.get("suggestions")
    summary = doc["budget"]
    assert summary["budget_usd"] == 1.0 and summary["state"] == "near"
    share = budget["hours_left"] / 730
    cumulative = 0.0
    needed = None
    savings = [s["saving_usd_per_month"] for s in doc["suggestions"]]
    assert savings == sorted(savings, key=lambda v: -(v or 0.0))  # still largest first
    for position, card in enumerate(doc["suggestions"], start=1):
        expected = (
            None if card["saving_usd_per_month"] is None else card["saving_usd_per_month"] * share
        )
        if expected is None:
            assert card["saving_to_month_end_usd"] is None
        else:
            assert card["saving_to_month_end_usd"] == pytest.approx(expected, abs=0.02)
        cumulative += card["saving_to_month_end_usd"] or 0.0
        alone = summary["projected_usd"] - (card["saving_to_month_end_usd"] or 0.0) < 1.0
        assert card["brings_under_budget"] is (
            card["saving_to_month_end_usd"] is not None and alone
        )
        if needed is None and summary["projected_usd"] - cumulative < 1.0:
            needed = position
    assert summary["suggestions_needed"] == needed
    assert summary["saving_to_month_end_usd"] == pytest.approx(cumulative, abs=0.02)


async def test_without_a_budget_the_suggestions_carry_no_outlook(
    demo: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    doc = await settled(smcost_api, smcost_started)
    assert doc["budget"] is None
    assert all("brings_under_budget" not in s for s in doc["suggestions"])
