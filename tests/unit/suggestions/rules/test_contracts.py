"""Every rule names the fact sources it needs and uses."""

from __future__ import annotations

from jupyter_smcost.suggestions.rules import (
    SOURCES,
    data_locality,
    idle_budget,
    inference_recommender,
    savings_plan,
    tags,
)
from jupyter_smcost.suggestions.rules import idle_apps as idle_apps_rule
from jupyter_smcost.suggestions.rules import idle_endpoint as idle_endpoint_rule
from jupyter_smcost.suggestions.rules import local_mode as local_mode_rule
from jupyter_smcost.suggestions.rules import multi_model as multi_model_rule
from jupyter_smcost.suggestions.rules import rightsize_space as rightsize_rule
from jupyter_smcost.suggestions.rules import spot_training as spot_rule


def test_rules_name_known_sources() -> None:
    for module in (
        local_mode_rule,
        spot_rule,
        idle_endpoint_rule,
        multi_model_rule,
        rightsize_rule,
        idle_apps_rule,
    ):
        assert {*module.RULE.needs, *module.RULE.uses} <= set(SOURCES)


def test_rule_contracts() -> None:
    jobs = ("owner", "resource-tags", "training-jobs", "processing-jobs")
    endpoints = ("owner", "resource-tags", "endpoints", "endpoint-configs", "endpoint-metrics")
    assert (tags.RULE.name, tags.RULE.needs) == ("tags", (*jobs, "endpoints"))
    # The endpoints' instances only price what goes untracked.
    assert tags.RULE.uses == ("endpoint-configs",)
    assert (data_locality.RULE.name, data_locality.RULE.needs) == (
        "data-locality",
        (*jobs, "bucket-regions"),
    )
    assert (savings_plan.RULE.name, savings_plan.RULE.needs) == ("savings-plan", ("savings-plan",))
    assert (idle_budget.RULE.name, idle_budget.RULE.needs) == ("idle-budget", ("idle",))
    assert (inference_recommender.RULE.name, inference_recommender.RULE.needs) == (
        "inference-recommender",
        endpoints,
    )
