"""Scripted AWS answers for the suggestion facts, and which rules each refused call silences
or degrades (written from what each rule reads)."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from jupyter_smcost.aws import AwsError
from jupyter_smcost.environment import Environment, Kind
from jupyter_smcost.suggestions.model import (
    Thresholds,
)

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


T = Thresholds()


REGION = "us-east-1"


ACCOUNT = "111122223333"


class ScriptedAws:
    """Answers by operation; records every call. A value that is an AwsError is raised.
    Search is refused (AccessDenied) unless scripted: these facts come from the listings."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def _answer(self, operation: str, params: dict[str, Any]) -> Any:
        default = AwsError("Search", "AccessDeniedException", "not scripted")
        answer = self.answers.get(operation, default if operation == "search" else {})
        if callable(answer):
            answer = answer(params)
        if isinstance(answer, AwsError):
            raise answer
        return answer

    async def call(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        self.calls.append((service, operation, params))
        result: dict[str, Any] = self._answer(operation, params)
        return result

    async def paginate(
        self, service: str, operation: str, key: str, **params: Any
    ) -> list[dict[str, Any]]:
        self.calls.append((service, operation, params))
        result: list[dict[str, Any]] = self._answer(operation, params).get(key, [])
        return result

    def count(self, operation: str) -> int:
        return sum(1 for _, op, _ in self.calls if op == operation)


def training(name: str, status: str, *, region_bucket: str = "data") -> dict[str, Any]:
    return {
        "TrainingJobName": name,
        "TrainingJobArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-job/{name}",
        "TrainingJobStatus": status,
        "CreationTime": NOW - timedelta(hours=2),
        "TrainingStartTime": NOW - timedelta(hours=2) + timedelta(minutes=3),
        "TrainingEndTime": None if status == "InProgress" else NOW - timedelta(hours=1),
        "TrainingTimeInSeconds": None if status == "InProgress" else 3420,
        "BillableTimeInSeconds": None if status == "InProgress" else 3420,
        "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 2},
        "InputDataConfig": [
            {"DataSource": {"S3DataSource": {"S3Uri": f"s3://{region_bucket}/train/"}}}
        ],
        "LastModifiedTime": NOW - timedelta(minutes=1),
    }


def local_env() -> Environment:
    return Environment(kind=Kind.LOCAL, region=REGION, instance_type="ml.t3.medium")


async def no_owner() -> None:
    return None


def scripted(jobs: dict[str, dict[str, Any]]) -> ScriptedAws:
    def listing(params: dict[str, Any]) -> dict[str, Any]:
        wanted = params.get("StatusEquals")
        return {
            "TrainingJobSummaries": [
                {k: d[k] for k in ("TrainingJobName", "TrainingJobArn", "TrainingJobStatus",
                                   "LastModifiedTime")}
                for d in jobs.values()
                if wanted is None or d["TrainingJobStatus"] == wanted
            ]
        }  # fmt: skip

    return ScriptedAws(
        {
            "list_training_jobs": listing,
            "describe_training_job": lambda p: jobs[p["TrainingJobName"]],
            "list_tags": {"Tags": [{"Key": "project", "Value": "x"}]},
            "list_processing_jobs": {"ProcessingJobSummaries": []},
            "list_endpoints": {"Endpoints": []},
            "get_bucket_location": {"LocationConstraint": "eu-west-1"},
            "get_savings_plans_purchase_recommendation": {},
        }
    )


# The rules that read the jobs, the endpoints, and the endpoints' sizes.
JOBS = {"local-mode", "spot-training", "tags", "data-locality"}
ENDPOINTS = {"idle-endpoint", "multi-model", "tags", "inference-recommender"}
SIZED = {"idle-endpoint", "multi-model", "inference-recommender"}

#: Refused call -> (the rules it silences, the rules that still run but say what they miss).
#: Written from what each rule reads, not from the rules' declarations.
SILENCES: dict[str, tuple[set[str], set[str]]] = {
    "ListTrainingJobs": (JOBS, set()),
    "DescribeTrainingJob": (JOBS, set()),
    # spot-training reads training jobs only.
    "ListProcessingJobs": (JOBS - {"spot-training"}, set()),
    "DescribeProcessingJob": (JOBS - {"spot-training"}, set()),
    # Tags prove whose a job or an endpoint is: without them neither is listed.
    "ListTags": (JOBS | ENDPOINTS, set()),
    "ListEndpoints": (ENDPOINTS, set()),
    "DescribeEndpoint": (ENDPOINTS, set()),
    # The variants (instances) come from the configuration; tags only quotes their cost.
    "DescribeEndpointConfig": (SIZED, {"tags"}),
    # Only multi-model compares the models' images.
    "DescribeModel": ({"multi-model"}, set()),
    "GetMetricData": (SIZED, set()),
    "ListApps": ({"idle-apps"}, set()),
    "DescribeApp": ({"idle-apps"}, set()),
    # local-mode still runs, saying it could not check Docker.
    "DescribeDomain": (set(), {"local-mode"}),
    "GetSavingsPlansPurchaseRecommendation": ({"savings-plan"}, set()),
    # Whose the jobs, endpoints and apps are (the server's resource listing reads it).
    "DescribeSpace": (JOBS | ENDPOINTS | {"idle-apps"}, set()),
    "ListSpaces": (JOBS | ENDPOINTS | {"idle-apps"}, set()),
    # Refused, the jobs and endpoints are listed and their tags read instead.
    "Search": (set(), set()),
}


#: Read only when Search is refused (the training jobs and endpoints are searched for
#: otherwise): refused together with it.
WITHOUT_SEARCH = {"ListTrainingJobs", "DescribeTrainingJob", "ListEndpoints", "DescribeEndpoint"}

#: Also read by the server for itself (this app's instance type): refused only once it is known.
AFTER_START = {"DescribeApp"}


SERVICE = {"GetMetricData": "cloudwatch", "GetSavingsPlansPurchaseRecommendation": "ce"}


def named(message: str, verb: str) -> set[str]:
    """The rules a problem's message names after "silences:" or "degrades:"."""
    found = re.search(rf"\b{verb}: ([a-z, -]+)", message)
    return set(found.group(1).split(", ")) if found else set()


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def said(self, level: int, words: str) -> list[logging.LogRecord]:
        return [r for r in self.records if r.levelno == level and words in r.getMessage()]
