"""A scripted SageMaker for the resources and inventory tests: a Studio space of one user,
the jobs and endpoints of that user and of another, and their tags."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from jupyter_smcost.aws import AwsError
from jupyter_smcost.environment import Environment, Kind

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)


ACCOUNT = "123456789012"
R = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}"
MINE = {
    "sagemaker:user-profile-arn": f"{R}:user-profile/d-demo/demo-user",
    "sagemaker:domain-arn": f"{R}:domain/d-demo",
}
THEIRS = {"sagemaker:user-profile-arn": f"{R}:user-profile/d-demo/someone-else"}


ENV = Environment(
    kind=Kind.STUDIO_SPACE,
    region="us-east-1",
    instance_type="ml.g5.xlarge",
    domain_id="d-demo",
    space_name="demo-space",
    user_profile_name="demo-user",
    app_type="JupyterLab",
    app_name="default",
    resource_arn=f"{R}:app/d-demo/demo-space/JupyterLab/default",
)


class ScriptedAws:
    """Answers by operation name; an answer may be an AwsError to raise. Search is refused
    (AccessDenied) unless scripted: the listing's own path is what these tests read."""

    def __init__(self, answers: dict[str, Any], tags: dict[str, dict[str, str]]) -> None:
        self.answers = answers
        self.tags = tags
        self.calls: list[str] = []

    async def call(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        self.calls.append(operation)
        if operation == "list_tags":
            tags = self.tags.get(params["ResourceArn"], {})
            return {"Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
        answer = self.answers.get(operation)
        if operation == "search" and answer is None:
            answer = AwsError("Search", "AccessDeniedException", "not scripted")
        if callable(answer):
            answer = answer(**params)
        if isinstance(answer, AwsError):
            raise answer
        return dict(answer or {})

    async def paginate(
        self, service: str, operation: str, key: str, **params: Any
    ) -> list[dict[str, Any]]:
        self.calls.append(operation)
        answer = self.answers.get(operation, [])
        if isinstance(answer, AwsError):
            raise answer
        return list(answer)


def base_answers() -> dict[str, Any]:
    jobs = {
        "mine-ondemand": training("mine-ondemand"),
        "mine-spot": training(
            "mine-spot",
            EnableManagedSpotTraining=True,
            BillableTimeInSeconds=840,
            TrainingStartTime=NOW - timedelta(minutes=40),
            ResourceConfig={"InstanceType": "ml.g5.2xlarge", "InstanceCount": 2},
        ),
        "theirs": training("theirs"),
        "trial-1": training("trial-1", TuningJobArn=f"{R}:hyper-parameter-tuning-job/hpo"),
        "gone": None,
    }

    def describe_training_job(TrainingJobName: str) -> Any:
        found = jobs[TrainingJobName]
        if found is None:
            return AwsError(
                "DescribeTrainingJob", "ValidationException", "Requested resource not found"
            )
        return found

    return {
        "list_spaces": [
            {
                "SpaceName": "demo-space",
                "OwnershipSettingsSummary": {"OwnerUserProfileName": "demo-user"},
            },
            {
                "SpaceName": "demo-space-2",
                "OwnershipSettingsSummary": {"OwnerUserProfileName": "demo-user"},
            },
            {
                "SpaceName": "other",
                "OwnershipSettingsSummary": {"OwnerUserProfileName": "someone-else"},
            },
        ],
        "list_training_jobs": [
            {"TrainingJobName": n, "TrainingJobArn": f"{R}:training-job/{n}"} for n in jobs
        ],
        "describe_training_job": describe_training_job,
        "list_endpoints": [{"EndpointName": "ep", "EndpointArn": f"{R}:endpoint/ep"}],
        "describe_endpoint": {
            "EndpointName": "ep",
            "EndpointArn": f"{R}:endpoint/ep",
            "EndpointConfigName": "ep-config",
            "EndpointStatus": "InService",
            "CreationTime": NOW - timedelta(hours=3),
            "ProductionVariants": [
                {"VariantName": "AllTraffic", "CurrentInstanceCount": 2},
                {"VariantName": "Serverless"},
            ],
        },
        "describe_endpoint_config": {
            "ProductionVariants": [
                {
                    "VariantName": "AllTraffic",
                    "InstanceType": "ml.m5.xlarge",
                    "InitialInstanceCount": 1,
                },
                {"VariantName": "Serverless", "ServerlessConfig": {"MemorySizeInMB": 2048}},
            ]
        },
        "list_apps": [
            # This server's own app: not listed (it is the panel's header).
            {
                "DomainId": "d-demo",
                "SpaceName": "demo-space",
                "AppType": "JupyterLab",
                "AppName": "default",
                "Status": "InService",
                "ResourceSpec": {"InstanceType": "ml.g5.xlarge"},
            },
            {
                "DomainId": "d-demo",
                "SpaceName": "demo-space-2",
                "AppType": "CodeEditor",
                "AppName": "default",
                "Status": "InService",
                "ResourceSpec": {"InstanceType": "ml.t3.medium"},
                "CreationTime": NOW - timedelta(hours=5),
            },
            {
                "DomainId": "d-demo",
                "SpaceName": "other",
                "AppType": "JupyterLab",
                "AppName": "default",
                "Status": "InService",
                "ResourceSpec": {"InstanceType": "ml.m5.large"},
            },
            {
                "DomainId": "d-demo",
                "SpaceName": "demo-space-2",
                "AppType": "JupyterLab",
                "AppName": "old",
                "Status": "Deleted",
                "ResourceSpec": {"InstanceType": "ml.m5.large"},
            },
        ],
    }


def tags() -> dict[str, dict[str, str]]:
    return {
        f"{R}:training-job/mine-ondemand": MINE,
        f"{R}:training-job/mine-spot": {"sagemaker:space-arn": f"{R}:space/d-demo/demo-space"},
        f"{R}:training-job/theirs": THEIRS,
        f"{R}:training-job/trial-1": MINE,
        f"{R}:training-job/gone": MINE,
        f"{R}:endpoint/ep": MINE,
    }


def training(name: str, **extra: Any) -> dict[str, Any]:
    return {
        "TrainingJobName": name,
        "TrainingJobArn": f"{R}:training-job/{name}",
        "TrainingJobStatus": "InProgress",
        "ResourceConfig": {"InstanceType": "ml.p3.2xlarge", "InstanceCount": 1},
        "TrainingStartTime": NOW - timedelta(minutes=25),
        "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
        **extra,
    }
