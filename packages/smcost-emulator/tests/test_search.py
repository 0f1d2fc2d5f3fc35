"""SageMaker's Search for training jobs, tuning jobs and endpoints as AWS evaluates it:
tag filters that do not end the evaluation (moto's do), sub-expressions with Or, status
filters, sort and paging; other resources left to moto."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from smcost_emulator import Emulator
from smcost_emulator.sagemaker_studio.search import matches
from smcost_emulator.seed.demo import DEMO_OTHER_USER, seed_demo

USER = "sagemaker:user-profile-arn"
SPACE = "sagemaker:space-arn"


def tag(key: str, value: str) -> dict[str, Any]:
    return {"Filters": [{"Name": f"Tags.{key}", "Operator": "Equals", "Value": value}]}


def names(answer: dict[str, Any], resource: str, key: str) -> list[str]:
    return [r[resource][key] for r in answer["Results"]]


def test_tags_and_status_combine_and_or_reads_every_branch(emulator: Emulator) -> None:
    seeded = seed_demo(emulator.endpoint_url, savings=True)
    sm = boto3.client("sagemaker")
    mine = tag(USER, seeded["user_profile_arn"])
    running = {
        "SubExpressions": [mine],
        "Filters": [{"Name": "TrainingJobStatus", "Operator": "Equals", "Value": "InProgress"}],
        "Operator": "And",
    }
    found = sm.search(Resource="TrainingJob", SearchExpression=running, MaxResults=100)
    jobs = names(found, "TrainingJob", "TrainingJobName")
    assert "demo-resnet-train" in jobs and "demo-finetune-spot" in jobs
    assert "other-user-xgboost" not in jobs  # another user's, running too
    for r in found["Results"]:
        entity = r["TrainingJob"]
        assert entity["TrainingJobStatus"] == "InProgress"
        assert {"Key": USER, "Value": seeded["user_profile_arn"]} in entity["Tags"]
        assert entity["ResourceConfig"]["InstanceType"]  # the description, not a summary
    other = seeded["user_profile_arn"].rsplit("/", 1)[0] + f"/{DEMO_OTHER_USER}"
    either = {"SubExpressions": [mine, tag(USER, other)], "Operator": "Or"}
    both = names(
        sm.search(Resource="TrainingJob", SearchExpression=either, MaxResults=100),
        "TrainingJob",
        "TrainingJobName",
    )
    assert "other-user-xgboost" in both and set(jobs) <= set(both)
    endpoints = sm.search(Resource="Endpoint", SearchExpression=mine, MaxResults=100)
    assert "demo-endpoint" in names(endpoints, "Endpoint", "EndpointName")
    nobody = tag(USER, other.replace(DEMO_OTHER_USER, "nobody"))
    assert sm.search(Resource="Endpoint", SearchExpression=nobody)["Results"] == []


def test_sorted_newest_first_and_paged(emulator: Emulator) -> None:
    seed_demo(emulator.endpoint_url, savings=True)
    sm = boto3.client("sagemaker")
    every = {"Filters": [{"Name": "TrainingJobName", "Operator": "Exists"}]}
    seen: list[Any] = []
    token = None
    while True:
        page = sm.search(
            Resource="TrainingJob",
            SearchExpression=every,
            SortBy="CreationTime",
            MaxResults=2,
            **({"NextToken": token} if token else {}),
        )
        assert len(page["Results"]) <= 2
        seen.extend(r["TrainingJob"]["CreationTime"] for r in page["Results"])
        token = page.get("NextToken")
        if not token:
            break
    assert len(seen) > 4 and seen == sorted(seen, reverse=True)


def test_what_is_not_emulated_is_refused_not_ignored(emulator: Emulator) -> None:
    sm = boto3.client("sagemaker")
    with pytest.raises(ClientError) as caught:
        sm.search(
            Resource="TrainingJob",
            SearchExpression={
                "NestedFilters": [
                    {"NestedPropertyName": "Metrics", "Filters": [{"Name": "Metrics.loss"}]}
                ]
            },
        )
    assert caught.value.response["Error"]["Code"] == "ValidationException"


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("Equals", "InProgress", True),
        ("NotEquals", "InProgress", False),
        ("In", "Completed, InProgress", True),
        ("Contains", "Prog", True),
        ("GreaterThan", "2026-01-01T00:00:00Z", True),
        ("LessThan", "2026-01-01T00:00:00Z", False),
    ],
)
def test_operators(operator: str, value: str, expected: bool) -> None:
    from datetime import datetime

    entity = {"TrainingJobStatus": "InProgress", "CreationTime": datetime(2026, 6, 1)}
    name = "CreationTime" if "Than" in operator else "TrainingJobStatus"
    expression = {"Filters": [{"Name": name, "Operator": operator, "Value": value}]}
    assert matches(entity, expression) is expected
