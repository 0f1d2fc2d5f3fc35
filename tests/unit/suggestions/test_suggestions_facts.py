"""Facts fail one rule at a time: on the demo (emulator seeded with `savings=True`), each AWS
call the collector makes is refused in turn, and only the rules that read what it answers go
quiet, under one problem naming the IAM action; every other rule still gives its suggestion.
And what the extension says reaches the server's own log."""

from __future__ import annotations

import logging
from typing import Any

from jupyter_smcost.aws import AwsError
from jupyter_smcost.environment import Environment, Kind
from jupyter_smcost.log import follow_server_log
from jupyter_smcost.suggestions import engine
from jupyter_smcost.suggestions.collect import REQUIRED_ACTIONS, SOURCE_ACTIONS, FactsCollector
from jupyter_smcost.suggestions.model import PriceFact, Thresholds
from jupyter_smcost.suggestions.rules import SOURCES, all_rules
from tests.support.suggestions import (
    ACCOUNT,
    NOW,
    REGION,
    SERVICE,
    SILENCES,
    Lines,
    ScriptedAws,
    local_env,
    named,
    no_owner,
    scripted,
    training,
)

#: The emulator cannot refuse an S3 call.
NOT_REFUSABLE = {"s3:GetBucketLocation"}


def test_every_call_of_the_collector_is_in_the_table() -> None:
    named = {f"{SERVICE.get(call, 'sagemaker')}:{call}" for call in SILENCES}
    assert named | NOT_REFUSABLE == {*REQUIRED_ACTIONS, *SOURCE_ACTIONS["owner"]}


def test_rules_declare_known_sources_and_every_aws_source_has_its_calls() -> None:
    for rule in all_rules():
        assert {*rule.needs, *rule.uses} <= set(SOURCES), rule.name
    assert set(SOURCE_ACTIONS) <= set(SOURCES)


def endpoints_aws(models: dict[str, str | AwsError]) -> ScriptedAws:
    """One low-traffic endpoint per model: `models` maps the model to its image, or to the
    error DescribeModel answers for it."""

    def describe_model(params: dict[str, Any]) -> Any:
        image = models[params["ModelName"]]
        return image if isinstance(image, AwsError) else {"PrimaryContainer": {"Image": image}}

    def metrics(params: dict[str, Any]) -> dict[str, Any]:
        return {
            "MetricDataResults": [
                {"Id": q["Id"], "Values": [24.0] if "Invocations" in str(q) else []}
                for q in params["MetricDataQueries"]
            ]
        }

    return ScriptedAws(
        {
            "list_training_jobs": {"TrainingJobSummaries": []},
            "list_processing_jobs": {"ProcessingJobSummaries": []},
            "list_endpoints": {
                "Endpoints": [
                    {
                        "EndpointName": m,
                        "EndpointArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/{m}",
                        "EndpointStatus": "InService",
                    }
                    for m in models
                ]
            },
            "describe_endpoint": lambda p: {
                "EndpointName": p["EndpointName"],
                "EndpointStatus": "InService",
                "EndpointConfigName": p["EndpointName"],
                "CreationTime": NOW,
            },
            "describe_endpoint_config": lambda p: {
                "ProductionVariants": [
                    {
                        "VariantName": "AllTraffic",
                        "ModelName": p["EndpointConfigName"],
                        "InstanceType": "ml.m5.large",
                        "InitialInstanceCount": 1,
                    }
                ]
            },
            "describe_model": describe_model,
            "get_metric_data": metrics,
        }
    )


async def test_one_refused_model_leaves_only_its_endpoint_out_of_multi_model() -> None:
    refused = AwsError("DescribeModel", "AccessDeniedException", "not on this model")
    aws = endpoints_aws({"a": "img", "b": "img", "c": refused})
    prices = {("ml.m5.large", "hosting"): PriceFact(0.115, "test")}

    async def priced(keys: list[tuple[str, str]]) -> dict[tuple[str, str], PriceFact]:
        return prices

    collector = FactsCollector(aws, local_env, no_owner, prices=priced, clock=lambda: NOW)
    facts = await collector.collect(Thresholds())
    assert facts.missing["endpoint-models"]["partial"] is True
    out = engine.run_rules(facts, Thresholds())
    # a and b share an image: still one endpoint for both; c's image is unknown, so it is
    # in no group (not a guess that it is different).
    [found] = [s for s in out.suggestions if s.rule == "multi-model"]
    assert "- a:" in found.detail and "- b:" in found.detail and "- c:" not in found.detail
    [problem] = [p for p in out.problems if p.source == "endpoint-models"]
    assert problem.action == "sagemaker:DescribeModel"
    assert problem.message.endswith("(1 of 3 left out) (degrades: multi-model)")
    # The refused model is asked again at the next refresh; the others are remembered.
    await collector.collect(Thresholds())
    assert aws.count("describe_model") == 4
    # Every model refused: multi-model is silenced, and nothing else.
    aws = endpoints_aws({"a": refused, "b": refused})
    collector = FactsCollector(aws, local_env, no_owner, prices=priced, clock=lambda: NOW)
    out = engine.run_rules(await collector.collect(Thresholds()), Thresholds())
    [problem] = [p for p in out.problems if p.source == "endpoint-models"]
    assert problem.rule == "multi-model" and problem.message.endswith("(silences: multi-model)")


def test_the_package_logger_follows_a_server_log_until_undone() -> None:
    server = logging.getLogger("test-server-log")
    server.setLevel(logging.INFO)
    lines = Lines()
    server.addHandler(lines)
    module = logging.getLogger("jupyter_smcost.suggestions.service")
    before = logging.getLogger("jupyter_smcost").parent
    undo = follow_server_log(server)
    try:
        module.info("heard")
        module.debug("below the server's level")
    finally:
        undo()
    module.info("not heard")
    assert [r.getMessage() for r in lines.records] == ["heard"]
    assert logging.getLogger("jupyter_smcost").parent is before
    undo()  # twice is harmless (the server's cleanup stops the extension again)
    assert logging.getLogger("jupyter_smcost").parent is before
    server.removeHandler(lines)


async def test_one_cause_is_one_problem_however_many_sources_it_takes() -> None:
    def no_region() -> Environment:
        return Environment(kind=Kind.LOCAL, region=None, instance_type="ml.t3.medium")

    facts = await FactsCollector(ScriptedAws({}), no_region, no_owner).collect(Thresholds())
    out = engine.run_rules(facts, Thresholds())
    [problem] = [p for p in out.problems if "no AWS region" in p.message]
    assert named(problem.message, "silences") == {
        r.name for r in all_rules() if set(r.needs) & set(SOURCE_ACTIONS)
    }
    assert named(problem.message, "degrades") == set()


async def test_a_bucket_refused_leaves_only_its_job_out_of_data_locality() -> None:
    jobs = {
        "near": training("near", "InProgress", region_bucket="near-data"),
        "far": training("far", "InProgress", region_bucket="far-data"),
        "hidden": training("hidden", "InProgress", region_bucket="hidden-data"),
    }
    aws = scripted(jobs)
    regions = {"near-data": REGION, "far-data": "eu-west-1"}

    def location(params: dict[str, Any]) -> Any:
        bucket = params["Bucket"]
        if bucket in regions:
            return {"LocationConstraint": regions[bucket]}
        return AwsError("GetBucketLocation", "AccessDenied", "not this bucket")

    aws.answers["get_bucket_location"] = location
    collector = FactsCollector(aws, local_env, no_owner, clock=lambda: NOW)
    facts = await collector.collect(Thresholds())
    out = engine.run_rules(facts, Thresholds())
    assert [
        s.resource.name for s in out.suggestions if s.rule == "data-locality" and s.resource
    ] == ["far"]
    [problem] = [p for p in out.problems if p.source == "bucket-regions"]
    assert problem.action == "s3:GetBucketLocation"
    assert problem.message.endswith("(1 of 3 left out) (degrades: data-locality)")
    # Every bucket refused: data-locality is silenced.
    regions.clear()
    collector = FactsCollector(aws, local_env, no_owner, clock=lambda: NOW)
    out = engine.run_rules(await collector.collect(Thresholds()), Thresholds())
    [problem] = [p for p in out.problems if p.source == "bucket-regions"]
    assert problem.message.endswith("(silences: data-locality)")
