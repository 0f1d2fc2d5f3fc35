"""tags: running jobs and endpoints without the tags the admin requires. It fires with its
exact figure and stays silent when its trigger is absent."""

from __future__ import annotations

import json

from jupyter_smcost.suggestions.model import (
    ResourceRef,
    Thresholds,
    suggestion_id,
)
from jupyter_smcost.suggestions.rules import (
    tags,
)
from tests.unit.suggestions.rules.builders import (
    NOW,
    endpoint_of,
    facts,
    price,
    running_job,
    variant,
)

REQUIRED = Thresholds(required_tags=("team", "project"))


def test_tags_fires_per_resource_with_missing_keys_and_hourly_cost() -> None:
    found = tags.run(
        facts(
            jobs=(running_job(tags={"team": "ml"}),),
            endpoints=(endpoint_of("ep-1", variant(instance_type="ml.c5.large")),),
            prices={
                ("ml.m5.xlarge", "training"): price(0.23),
                ("ml.c5.large", "hosting"): price(0.096),
            },
        ),
        REQUIRED,
    )
    assert len(found) == 2
    train, ep = found

    assert train.id == suggestion_id("tags", "training-job", "train-1")
    assert train.rule == "tags"
    assert train.saving_usd_per_month is None
    assert train.saving_note == "Tags do not lower the bill; they let Cost Explorer attribute it."
    assert train.arithmetic == "missing project; untracked: 2 x ml.m5.xlarge x $0.23/h = $0.46/h"
    assert "$0.46/h (2 x ml.m5.xlarge x $0.23/h)" in train.detail
    assert train.fingerprint == "fp-train-1"
    assert train.resource == ResourceRef(
        "training-job", "train-1", running_job().arn, "https://console.example/train-1"
    )
    assert train.docs_url == (
        "https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/cost-alloc-tags.html"
    )
    (action,) = train.actions
    assert action.id == "add-tags"
    assert dict(action.params) == {
        "arn": running_job().arn,
        "kind": "training-job",
        "name": "train-1",
    }
    assert action.fields == ("project",)
    assert action.to_json()["fields"] == ["project"]

    # Every missing key, in the order of required_tags.
    assert ep.id == suggestion_id("tags", "endpoint", "ep-1")
    assert ep.actions[0].fields == ("team", "project")
    assert dict(ep.actions[0].params)["kind"] == "endpoint"
    assert (
        ep.arithmetic == "missing team, project; untracked: 1 x ml.c5.large x $0.096/h = $0.096/h"
    )
    json.dumps(ep.to_json(), allow_nan=False)


def test_tags_silent_without_required_tags_or_when_tagged_or_not_running() -> None:
    untagged = facts(
        jobs=(running_job(),),
        endpoints=(endpoint_of(),),
        prices={("ml.m5.xlarge", "training"): price(0.23)},
    )
    assert tags.run(untagged, Thresholds()) == []
    tagged = {"team": "ml", "project": "x", "extra": "y"}
    assert (
        tags.run(
            facts(jobs=(running_job(tags=tagged),), endpoints=(endpoint_of(tags=tagged),)), REQUIRED
        )
        == []
    )
    assert (
        tags.run(
            facts(
                jobs=(
                    running_job(status="Completed", ended_at=NOW),
                    running_job("p", kind="processing-job", status="Stopped"),
                ),
                endpoints=(
                    endpoint_of(status="Creating"),
                    endpoint_of("ep-2", status="OutOfService"),
                ),
            ),
            REQUIRED,
        )
        == []
    )


def test_tags_keys_are_case_sensitive() -> None:
    (found,) = tags.run(facts(jobs=(running_job(tags={"Team": "ml", "project": "x"}),)), REQUIRED)
    assert found.actions[0].fields == ("team",)


def test_tags_unknown_price_gives_no_dollar_figure() -> None:
    (found,) = tags.run(facts(jobs=(running_job(instance_type="ml.p9.xlarge", count=1),)), REQUIRED)
    assert found.saving_usd_per_month is None
    assert found.saving_note
    assert found.arithmetic == (
        "missing team, project; untracked: 1 x ml.p9.xlarge x price unknown"
    )
    assert "$" not in found.detail
    assert "the price of ml.p9.xlarge is unknown" in found.detail


def test_tags_endpoint_sums_instance_variants_and_skips_serverless() -> None:
    ep = endpoint_of(
        "ep-multi",
        variant("a", "ml.m5.xlarge", 1),
        variant("b", "ml.c5.large", 2),
        variant("s", None, 0, serverless=True),
    )
    (found,) = tags.run(
        facts(
            endpoints=(ep,),
            prices={
                ("ml.m5.xlarge", "hosting"): price(0.23),
                ("ml.c5.large", "hosting"): price(0.1),
            },
        ),
        REQUIRED,
    )
    assert found.arithmetic == (
        "missing team, project; untracked: 1 x ml.m5.xlarge x $0.23/h + 2 x ml.c5.large x "
        "$0.10/h = $0.43/h"
    )
