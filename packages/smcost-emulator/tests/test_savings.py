"""The emulator's side of the savings suggestions, through boto3 over HTTP: every call the
suggestions collector makes (SageMaker jobs, endpoints, apps, tags, the domain's Docker
setting; CloudWatch GetMetricData; Cost Explorer's Savings Plans recommendation; S3
GetBucketLocation), the actions' calls, faults and the call log, and `seed_demo(savings=True)`.
"""

from __future__ import annotations

import time
import urllib.error
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from smcost_emulator import (
    Emulator,
    EmulatorClient,
    call_log,
    clear_call_log,
    inject_fault,
    set_savings_plan_recommendation,
)
from smcost_emulator.__main__ import describe_savings, main
from smcost_emulator.seed.savings import DEMO_SAVINGS_PLAN

ACCOUNT = "123456789012"
OWNER_TAG_KEYS = ["sagemaker:user-profile-arn", "sagemaker:space-arn", "sagemaker:domain-arn"]
RECOMMENDATION_REQUEST = {
    "SavingsPlansType": "SAGEMAKER_SP",
    "TermInYears": "ONE_YEAR",
    "PaymentOption": "NO_UPFRONT",
    "LookbackPeriodInDays": "THIRTY_DAYS",
}


@pytest.fixture
def seeded(emulator: Emulator) -> dict[str, Any]:
    emulator.set_delete_delay(0.2)
    return emulator.seed_demo(savings=True)


def now() -> datetime:
    return datetime.now(timezone.utc)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response: Any = exc.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def metric_query(
    qid: str, namespace: str, metric: str, endpoint: str, stat: str, period: int = 86400
) -> dict[str, Any]:
    return {
        "Id": qid,
        "MetricStat": {
            "Metric": {
                "Namespace": namespace,
                "MetricName": metric,
                "Dimensions": [
                    {"Name": "EndpointName", "Value": endpoint},
                    {"Name": "VariantName", "Value": "AllTraffic"},
                ],
            },
            "Period": period,
            "Stat": stat,
        },
    }


def last_day(queries: list[dict[str, Any]]) -> dict[str, list[float]]:
    end = now()
    found = boto3.client("cloudwatch").get_metric_data(
        MetricDataQueries=queries, StartTime=end - timedelta(hours=24), EndTime=end
    )
    return {r["Id"]: r["Values"] for r in found["MetricDataResults"]}


# --------------------------------------------------------------------------- the seed


def test_seed_savings_says_what_it_seeded(seeded: dict[str, Any]) -> None:
    savings = seeded["savings"]
    assert [(j["kind"], j["name"], j["instance_type"]) for j in savings["short_jobs"]] == [
        ("training-job", "demo-quick-train-1", "ml.m5.xlarge"),
        ("training-job", "demo-quick-train-2", "ml.m5.xlarge"),
        ("training-job", "demo-quick-train-3", "ml.m5.xlarge"),
        ("processing-job", "demo-quick-processing", "ml.m5.large"),
    ]
    assert [(j["run_seconds"], j["wait_seconds"]) for j in savings["short_jobs"]] == [
        (240, 180),
        (330, 240),
        (420, 360),
        (300, 210),
    ]
    assert [
        (j["name"], j["instance_type"], j["run_seconds"], j["billable_seconds"])
        for j in savings["spot_history"]
    ] == [
        ("demo-spot-history-1", "ml.g5.xlarge", 3600, 1080),
        ("demo-spot-history-2", "ml.g5.xlarge", 5400, 2160),
    ]
    endpoints = savings["endpoints"]
    assert {
        n: (e.get("instance_type"), e.get("instance_count"), e["invocations"])
        for n, e in endpoints.items()
    } == {
        "demo-idle-endpoint": ("ml.m5.large", 1, 0),
        "demo-small-a": ("ml.m5.large", 1, 40),
        "demo-small-b": ("ml.m5.xlarge", 1, 25),
        "demo-endpoint": (None, None, 5000),
    }
    assert endpoints["demo-small-a"]["image"] == endpoints["demo-small-b"]["image"]
    assert endpoints["demo-idle-endpoint"]["image"] != endpoints["demo-small-a"]["image"]
    assert endpoints["demo-small-a"]["cpu_average"] == pytest.approx(6.25)
    assert endpoints["demo-small-a"]["cpu_maximum"] == 8.0
    assert endpoints["demo-small-b"]["cpu_average"] == pytest.approx(6.0)
    assert savings["idle_endpoint"] == "demo-idle-endpoint"
    assert savings["low_traffic_endpoints"] == ["demo-small-a", "demo-small-b"]
    assert savings["untagged_job"]["name"] == "demo-untagged-train"
    assert savings["untagged_job"]["tag_keys"] == OWNER_TAG_KEYS
    cross = savings["cross_region_job"]
    assert (cross["name"], cross["bucket"], cross["bucket_region"]) == (
        "demo-crossregion-processing",
        "smcost-demo-data-usw2",
        "us-west-2",
    )
    assert cross["s3_uri"].startswith("s3://smcost-demo-data-usw2/")
    assert savings["buckets"] == {
        f"sagemaker-us-east-1-{ACCOUNT}": "us-east-1",
        "smcost-demo-data-usw2": "us-west-2",
    }
    assert savings["docker_access"] == "DISABLED"
    assert savings["savings_plan"] == DEMO_SAVINGS_PLAN
    # The running ones join the resources, after the six of the default seed.
    assert [(r["kind"], r["name"], r["component"]) for r in seeded["resources"][6:]] == [
        ("endpoint", "demo-idle-endpoint", "hosting"),
        ("endpoint", "demo-small-a", "hosting"),
        ("endpoint", "demo-small-b", "hosting"),
        ("training-job", "demo-untagged-train", "training"),
        ("processing-job", "demo-crossregion-processing", "processing"),
    ]


def test_without_savings_the_seed_is_unchanged(emulator: Emulator) -> None:
    seeded = emulator.seed_demo()
    assert "savings" not in seeded
    assert len(seeded["resources"]) == 6
    sm = emulator.client()
    assert len(sm.list_training_jobs()["TrainingJobSummaries"]) == 3
    assert [e["EndpointName"] for e in sm.list_endpoints()["Endpoints"]] == ["demo-endpoint"]
    assert "DomainSettings" not in sm.describe_domain(DomainId=seeded["domain_id"])
    ce = boto3.client("ce")
    answer = ce.get_savings_plans_purchase_recommendation(**RECOMMENDATION_REQUEST)
    assert (
        "SavingsPlansPurchaseRecommendationSummary"
        not in (answer["SavingsPlansPurchaseRecommendation"])
    )


def test_cli_savings_lines_and_flag_check(seeded: dict[str, Any]) -> None:
    lines = describe_savings(seeded["savings"])
    assert (
        "training-job demo-quick-train-1 (1 x ml.m5.xlarge, completed, waited 180 s, ran 240 s, "
        "ended " in lines[0]
    )
    assert (
        "training-job demo-spot-history-1 (1 x ml.g5.xlarge, managed spot, completed, ran "
        "3600 s, billed 1080 s)"
    ) in lines
    assert "metrics of endpoint demo-small-a: 40 invocations, CPU 6.25% average" in lines
    assert "metrics of endpoint demo-idle-endpoint: 0 invocations" in lines
    assert lines[-1] == (
        "domain Docker access DISABLED; Savings Plans recommendation $1.50/h saving "
        "$438.00/month (emulator demo figures)"
    )
    assert describe_savings(None) == []
    with pytest.raises(SystemExit) as exit_:
        main(["--savings"])
    assert exit_.value.code == 2


# --------------------------------------------------------------------------- jobs


def test_recent_jobs_listed_by_creation_time(seeded: dict[str, Any]) -> None:
    sm = boto3.client("sagemaker")
    week = sm.list_training_jobs(CreationTimeAfter=now() - timedelta(days=7), MaxResults=100)
    names = {j["TrainingJobName"]: j["TrainingJobStatus"] for j in week["TrainingJobSummaries"]}
    assert names == {
        "demo-quick-train-1": "Completed",
        "demo-quick-train-2": "Completed",
        "demo-quick-train-3": "Completed",
        "demo-spot-history-1": "Completed",
        "demo-spot-history-2": "Completed",
        "demo-finetune-spot": "InProgress",
        "demo-resnet-train": "InProgress",
        "demo-untagged-train": "InProgress",
        "other-user-xgboost": "InProgress",
    }
    # Created 2 days 5 h, 3 days 1 h and 4 days ago and more: outside a 2-day window.
    two_days = sm.list_training_jobs(CreationTimeAfter=now() - timedelta(days=2), MaxResults=100)
    assert {j["TrainingJobName"] for j in two_days["TrainingJobSummaries"]} == set(names) - {
        "demo-quick-train-2",
        "demo-quick-train-3",
        "demo-spot-history-1",
        "demo-spot-history-2",
    }
    processing = sm.list_processing_jobs(CreationTimeAfter=now() - timedelta(days=7))
    assert {
        j["ProcessingJobName"]: j["ProcessingJobStatus"]
        for j in processing["ProcessingJobSummaries"]
    } == {
        "demo-quick-processing": "Completed",
        "demo-features-processing": "InProgress",
        "demo-crossregion-processing": "InProgress",
    }


def test_short_training_jobs_describe_their_times(seeded: dict[str, Any]) -> None:
    sm = boto3.client("sagemaker")
    for row in seeded["savings"]["short_jobs"][:3]:
        job = sm.describe_training_job(TrainingJobName=row["name"])
        assert job["TrainingJobStatus"] == "Completed"
        assert job["CreationTime"] == at(row["created_at"])
        assert job["TrainingStartTime"] == at(row["started_at"])
        assert job["TrainingEndTime"] == at(row["ended_at"])
        assert job["LastModifiedTime"] == at(row["ended_at"])
        assert (job["TrainingStartTime"] - job["CreationTime"]).total_seconds() == row[
            "wait_seconds"
        ]
        assert job["TrainingTimeInSeconds"] == row["run_seconds"]
        assert job["BillableTimeInSeconds"] == row["run_seconds"]
        assert job["EnableManagedSpotTraining"] is False
        assert "CheckpointConfig" not in job
        assert job["ResourceConfig"] == {
            "InstanceType": "ml.m5.xlarge",
            "InstanceCount": 1,
            "VolumeSizeInGB": 30,
        }
        [channel] = job["InputDataConfig"]
        assert channel["DataSource"]["S3DataSource"]["S3Uri"] == (
            f"s3://sagemaker-us-east-1-{ACCOUNT}/demo/data/{row['name']}"
        )
    first = seeded["savings"]["short_jobs"][0]
    ended_ago = (now() - at(first["ended_at"])).total_seconds()
    assert 26 * 3600 <= ended_ago < 26 * 3600 + 60


def test_short_processing_job_describes_its_times(seeded: dict[str, Any]) -> None:
    row = seeded["savings"]["short_jobs"][3]
    job = boto3.client("sagemaker").describe_processing_job(ProcessingJobName=row["name"])
    assert job["ProcessingJobStatus"] == "Completed"
    assert job["CreationTime"] == at(row["created_at"])
    assert job["ProcessingStartTime"] == at(row["started_at"])
    assert job["ProcessingEndTime"] == at(row["ended_at"])
    assert (job["ProcessingEndTime"] - job["ProcessingStartTime"]).total_seconds() == 300
    assert job["ProcessingResources"]["ClusterConfig"] == {
        "InstanceCount": 1,
        "InstanceType": "ml.m5.large",
        "VolumeSizeInGB": 30,
    }
    [source] = job["ProcessingInputs"]
    assert (
        source["S3Input"]["S3Uri"] == f"s3://sagemaker-us-east-1-{ACCOUNT}/demo/data/{row['name']}"
    )


def test_spot_history_bills_a_share_of_the_training_time(seeded: dict[str, Any]) -> None:
    sm = boto3.client("sagemaker")
    found = []
    for row in seeded["savings"]["spot_history"]:
        job = sm.describe_training_job(TrainingJobName=row["name"])
        assert job["EnableManagedSpotTraining"] is True
        assert job["CheckpointConfig"] == {"S3Uri": row["checkpoint_s3_uri"]}
        assert (
            job["StoppingCondition"]["MaxWaitTimeInSeconds"]
            >= (job["StoppingCondition"]["MaxRuntimeInSeconds"])
        )
        found.append((job["TrainingTimeInSeconds"], job["BillableTimeInSeconds"]))
    assert found == [(3600, 1080), (5400, 2160)]
    # What the account's spot history saved: 1 - 3240 / 9000.
    assert 1 - sum(b for _, b in found) / sum(t for t, _ in found) == pytest.approx(0.64)


def test_untagged_and_cross_region_jobs(seeded: dict[str, Any]) -> None:
    sm = boto3.client("sagemaker")
    untagged = seeded["savings"]["untagged_job"]
    job = sm.describe_training_job(TrainingJobName="demo-untagged-train")
    assert job["TrainingJobStatus"] == "InProgress" and "TrainingEndTime" not in job
    assert job["EnableManagedSpotTraining"] is False
    tags = sm.list_tags(ResourceArn=untagged["arn"])["Tags"]
    assert [t["Key"] for t in tags] == OWNER_TAG_KEYS
    assert tags[0]["Value"] == seeded["user_profile_arn"]

    cross = seeded["savings"]["cross_region_job"]
    job = sm.describe_processing_job(ProcessingJobName="demo-crossregion-processing")
    assert job["ProcessingJobStatus"] == "InProgress"
    assert [i["S3Input"]["S3Uri"] for i in job["ProcessingInputs"]] == [cross["s3_uri"]]
    assert {t["Key"] for t in sm.list_tags(ResourceArn=cross["arn"])["Tags"]} == {
        *OWNER_TAG_KEYS,
        "project",
    }


def test_get_bucket_location(seeded: dict[str, Any]) -> None:
    s3 = boto3.client("s3")
    assert s3.get_bucket_location(Bucket="smcost-demo-data-usw2")["LocationConstraint"] == (
        "us-west-2"
    )
    # us-east-1 answers no constraint, as on AWS.
    home = s3.get_bucket_location(Bucket=f"sagemaker-us-east-1-{ACCOUNT}")
    assert home.get("LocationConstraint") is None
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_location(Bucket="smcost-no-such-bucket")
    assert error_of(exc) == ("NoSuchBucket", 404)


def test_seed_in_us_west_2_reads_a_us_east_1_bucket(emulator: Emulator) -> None:
    seeded = EmulatorClient(emulator.endpoint_url).seed_demo(region="us-west-2", savings=True)
    cross = seeded["savings"]["cross_region_job"]
    assert (cross["bucket"], cross["bucket_region"]) == ("smcost-demo-data-use1", "us-east-1")
    assert (
        boto3.client("s3").get_bucket_location(Bucket=cross["bucket"]).get("LocationConstraint")
        is None
    )
    west = boto3.client("s3", region_name="us-west-2")
    home = west.get_bucket_location(Bucket=f"sagemaker-us-west-2-{ACCOUNT}")
    assert home["LocationConstraint"] == "us-west-2"
    sm = boto3.client("sagemaker", region_name="us-west-2")
    assert sm.describe_processing_job(ProcessingJobName=cross["name"])["ProcessingInputs"][0][
        "S3Input"
    ]["S3Uri"].startswith("s3://smcost-demo-data-use1/")


# --------------------------------------------------------------------------- endpoints


def test_endpoints_configs_and_models(seeded: dict[str, Any]) -> None:
    sm = boto3.client("sagemaker")
    listed = sm.list_endpoints(StatusEquals="InService")["Endpoints"]
    assert {e["EndpointName"] for e in listed} == {
        "demo-endpoint",
        "demo-idle-endpoint",
        "demo-small-a",
        "demo-small-b",
    }
    images = {}
    for name, row in seeded["savings"]["endpoints"].items():
        if name == "demo-endpoint":
            continue
        endpoint = sm.describe_endpoint(EndpointName=name)
        assert endpoint["EndpointStatus"] == "InService"
        assert endpoint["EndpointConfigName"] == row["config_name"] == f"{name}-config"
        assert endpoint["CreationTime"] == at(row["created_at"])
        assert [v["VariantName"] for v in endpoint["ProductionVariants"]] == ["AllTraffic"]
        config = sm.describe_endpoint_config(EndpointConfigName=row["config_name"])
        [variant] = config["ProductionVariants"]
        assert (variant["InstanceType"], variant["InitialInstanceCount"]) == (
            row["instance_type"],
            1,
        )
        # The config and model predate the endpoint they serve.
        assert config["CreationTime"] <= endpoint["CreationTime"]
        model = sm.describe_model(ModelName=variant["ModelName"])
        assert model["CreationTime"] <= endpoint["CreationTime"]
        images[name] = model["PrimaryContainer"]["Image"]
        tags = sm.list_tags(ResourceArn=endpoint["EndpointArn"])["Tags"]
        assert [t["Key"] for t in tags] == [*OWNER_TAG_KEYS, "project"]
    idle_age = now() - at(seeded["savings"]["endpoints"]["demo-idle-endpoint"]["created_at"])
    assert timedelta(days=3) <= idle_age < timedelta(days=3, minutes=1)
    assert (
        images["demo-small-a"]
        == images["demo-small-b"]
        == ("683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1")
    )
    assert images["demo-idle-endpoint"] != images["demo-small-a"]
    # demo-endpoint keeps the resources seed's state.
    described = sm.describe_endpoint(EndpointName="demo-endpoint")
    assert described["ProductionVariants"][0]["CurrentInstanceCount"] == 2


def test_get_metric_data_answers_the_seeded_invocations(seeded: dict[str, Any]) -> None:
    names = ["demo-small-a", "demo-small-b", "demo-endpoint", "demo-idle-endpoint"]
    queries = [
        metric_query(f"q{i}", "AWS/SageMaker", "Invocations", name, "Sum")
        for i, name in enumerate(names)
    ]
    # One call for every endpoint; a 24-hour period sums each endpoint's datapoints.
    assert last_day(queries) == {"q0": [40.0], "q1": [25.0], "q2": [5000.0], "q3": []}
    hourly = last_day(
        [metric_query("a", "AWS/SageMaker", "Invocations", "demo-small-a", "Sum", 3600)]
    )
    assert sorted(hourly["a"]) == [8.0, 10.0, 10.0, 12.0]
    assert {r["EndpointName"]: r["Invocations"] for r in _seeded_points(seeded)} == {
        "demo-small-a": 40,
        "demo-small-b": 25,
        "demo-endpoint": 5000,
    }


def _seeded_points(seeded: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"EndpointName": n, "Invocations": sum(p["invocations"] for p in e["datapoints"])}
        for n, e in seeded["savings"]["endpoints"].items()
        if e["datapoints"]
    ]


def test_get_metric_data_answers_the_seeded_utilization(seeded: dict[str, Any]) -> None:
    ns = "/aws/sagemaker/Endpoints"
    queries = []
    for name in ("demo-small-a", "demo-small-b", "demo-endpoint", "demo-idle-endpoint"):
        key = name.replace("-", "_")
        for stat in ("Average", "Maximum"):
            queries.append(metric_query(f"cpu_{stat}_{key}", ns, "CPUUtilization", name, stat))
            queries.append(metric_query(f"gpu_{stat}_{key}", ns, "GPUUtilization", name, stat))
    found = last_day(queries)
    assert found["cpu_Average_demo_small_a"] == [pytest.approx(6.25)]
    assert found["cpu_Maximum_demo_small_a"] == [8.0]
    assert found["cpu_Average_demo_small_b"] == [pytest.approx(6.0)]
    assert found["cpu_Maximum_demo_small_b"] == [7.0]
    assert found["cpu_Average_demo_endpoint"] == [pytest.approx(53.75)]
    assert found["cpu_Maximum_demo_endpoint"] == [60.0]
    assert found["cpu_Average_demo_idle_endpoint"] == []
    # No GPU on any demo endpoint: no GPUUtilization datapoints.
    assert all(v == [] for k, v in found.items() if k.startswith("gpu_"))


def test_cloudwatch_calls_are_logged_and_faulted(seeded: dict[str, Any]) -> None:
    query = [metric_query("q", "AWS/SageMaker", "Invocations", "demo-small-a", "Sum")]
    clear_call_log()
    inject_fault("GetMetricData", times=1)
    with pytest.raises(ClientError) as exc:
        last_day(query)
    assert error_of(exc) == ("AccessDeniedException", 400)
    assert last_day(query) == {"q": [40.0]}
    inject_fault("cloudwatch:*", code="ThrottlingException", status=400, times=1)
    with pytest.raises(ClientError) as exc:
        boto3.client("cloudwatch", config=_no_retries()).list_metrics()
    assert error_of(exc)[0] == "ThrottlingException"
    # "*" is SageMaker's alone: CloudWatch answers.
    inject_fault("*", times=1)
    assert last_day(query) == {"q": [40.0]}
    log = call_log()
    assert [(c.service, c.action) for c in log] == [
        ("cloudwatch", "GetMetricData"),
        ("cloudwatch", "GetMetricData"),
        ("cloudwatch", "ListMetrics"),
        ("cloudwatch", "GetMetricData"),
    ]
    assert log[0].params["MetricDataQueries"][0]["Id"] == "q"


def _no_retries() -> Config:
    return Config(retries={"total_max_attempts": 1, "mode": "standard"})


# --------------------------------------------------------------------------- Cost Explorer


def test_no_recommendation_answers_an_empty_one(emulator: Emulator) -> None:
    answer = boto3.client("ce").get_savings_plans_purchase_recommendation(
        **RECOMMENDATION_REQUEST, AccountScope="LINKED"
    )
    assert answer["SavingsPlansPurchaseRecommendation"] == {
        "AccountScope": "LINKED",
        "SavingsPlansType": "SAGEMAKER_SP",
        "TermInYears": "ONE_YEAR",
        "PaymentOption": "NO_UPFRONT",
        "LookbackPeriodInDays": "THIRTY_DAYS",
    }
    metadata = answer["Metadata"]
    assert metadata["RecommendationId"] and metadata["GenerationTimestamp"].endswith("Z")
    assert "NextPageToken" not in answer


def test_recommendation_round_trip(emulator: Emulator) -> None:
    control = EmulatorClient(emulator.endpoint_url)
    stored = control.set_savings_plan_recommendation(
        {
            "EstimatedMonthlySavingsAmount": 120.5,
            "HourlyCommitmentToPurchase": "0.75",
            "EstimatedSavingsPercentage": 22,
            "EstimatedOnDemandCostWithCurrentCommitment": "547.50",
            "EstimatedSPCost": 427,
        }
    )
    assert stored is not None and stored["summary"]["TotalRecommendationCount"] == "1"
    ce = boto3.client("ce")
    answer = ce.get_savings_plans_purchase_recommendation(
        **{**RECOMMENDATION_REQUEST, "TermInYears": "THREE_YEARS"}
    )
    recommendation = answer["SavingsPlansPurchaseRecommendation"]
    assert recommendation["TermInYears"] == "THREE_YEARS"
    assert recommendation["AccountScope"] == "PAYER"
    assert recommendation["SavingsPlansPurchaseRecommendationSummary"] == {
        "EstimatedMonthlySavingsAmount": "120.5",
        "HourlyCommitmentToPurchase": "0.75",
        "EstimatedSavingsPercentage": "22",
        "EstimatedOnDemandCostWithCurrentCommitment": "547.50",
        "CurrencyCode": "USD",
        "TotalRecommendationCount": "1",
    }
    [detail] = recommendation["SavingsPlansPurchaseRecommendationDetails"]
    assert detail["AccountId"] == ACCOUNT
    assert detail["EstimatedSPCost"] == "427"
    assert detail["HourlyCommitmentToPurchase"] == "0.75"
    assert detail["SavingsPlansDetails"]["OfferingId"]
    assert (
        control.savings_plan_recommendations()["SAGEMAKER_SP"]["summary"]
        == (recommendation["SavingsPlansPurchaseRecommendationSummary"])
    )
    # Another type has none.
    compute = ce.get_savings_plans_purchase_recommendation(
        **{**RECOMMENDATION_REQUEST, "SavingsPlansType": "COMPUTE_SP"}
    )
    assert (
        "SavingsPlansPurchaseRecommendationSummary"
        not in (compute["SavingsPlansPurchaseRecommendation"])
    )
    # None: nothing to recommend again.
    assert control.set_savings_plan_recommendation(None) is None
    again = ce.get_savings_plans_purchase_recommendation(**RECOMMENDATION_REQUEST)
    assert (
        "SavingsPlansPurchaseRecommendationDetails"
        not in (again["SavingsPlansPurchaseRecommendation"])
    )
    assert again["Metadata"]["RecommendationId"] != answer["Metadata"]["RecommendationId"]
    # A misspelt field is refused, not ignored.
    with pytest.raises(urllib.error.HTTPError) as http_error:
        control.set_savings_plan_recommendation({"MonthlySavings": 1})
    assert http_error.value.code == 400
    with pytest.raises(ValueError):
        set_savings_plan_recommendation({"EstimatedROI": True})


def test_recommendation_given_details_and_reset(emulator: Emulator) -> None:
    set_savings_plan_recommendation(
        {
            "EstimatedMonthlySavingsAmount": "30",
            "SavingsPlansPurchaseRecommendationDetails": [
                {"HourlyCommitmentToPurchase": 0.1, "SavingsPlansDetails": {"OfferingId": "o-1"}},
                {"HourlyCommitmentToPurchase": 0.2},
            ],
        }
    )
    ce = boto3.client("ce")
    recommendation = ce.get_savings_plans_purchase_recommendation(**RECOMMENDATION_REQUEST)[
        "SavingsPlansPurchaseRecommendation"
    ]
    details = recommendation["SavingsPlansPurchaseRecommendationDetails"]
    assert [d["HourlyCommitmentToPurchase"] for d in details] == ["0.1", "0.2"]
    assert details[0]["SavingsPlansDetails"] == {"OfferingId": "o-1"}
    assert (
        recommendation["SavingsPlansPurchaseRecommendationSummary"]["TotalRecommendationCount"]
        == "2"
    )
    emulator.reset()
    assert (
        "SavingsPlansPurchaseRecommendationSummary"
        not in (
            ce.get_savings_plans_purchase_recommendation(**RECOMMENDATION_REQUEST)[
                "SavingsPlansPurchaseRecommendation"
            ]
        )
    )


def test_recommendation_faults_validation_and_call_log(seeded: dict[str, Any]) -> None:
    ce = boto3.client("ce", config=_no_retries())
    clear_call_log()
    EmulatorClient(seeded["endpoint_url"]).inject_fault(
        "GetSavingsPlansPurchaseRecommendation", times=1
    )
    with pytest.raises(ClientError) as exc:
        ce.get_savings_plans_purchase_recommendation(**RECOMMENDATION_REQUEST)
    assert error_of(exc) == ("AccessDeniedException", 400)
    assert "not authorized" in exc.value.response["Error"]["Message"]
    summary = ce.get_savings_plans_purchase_recommendation(**RECOMMENDATION_REQUEST)[
        "SavingsPlansPurchaseRecommendation"
    ]["SavingsPlansPurchaseRecommendationSummary"]
    assert summary["EstimatedMonthlySavingsAmount"] == "438.00"
    assert summary["HourlyCommitmentToPurchase"] == "1.50"
    inject_fault("ce:*", times=1)
    with pytest.raises(ClientError) as exc:
        ce.get_savings_plans_purchase_recommendation(**RECOMMENDATION_REQUEST)
    assert error_of(exc) == ("AccessDeniedException", 400)
    # An enum AWS does not know (botocore checks only types client-side).
    with pytest.raises(ClientError) as exc:
        ce.get_savings_plans_purchase_recommendation(
            **{**RECOMMENDATION_REQUEST, "TermInYears": "TWO_YEARS"}
        )
    assert error_of(exc)[0] == "ValidationException"
    log = call_log()
    assert [(c.service, c.action) for c in log] == [
        ("ce", "GetSavingsPlansPurchaseRecommendation")
    ] * 4
    assert log[0].params == RECOMMENDATION_REQUEST
    # moto's GetCostAndUsage answers (from its queue, empty here) and is logged as "ce".
    ce.get_cost_and_usage(
        TimePeriod={"Start": "2026-01-01", "End": "2026-01-02"},
        Granularity="DAILY",
        Metrics=["UnblendedCost"],
    )
    assert [(c.service, c.action) for c in call_log()[4:]] == [("ce", "GetCostAndUsage")]


# --------------------------------------------------------------------------- domain, apps


def test_docker_setting_described_and_updated(seeded: dict[str, Any]) -> None:
    sm = boto3.client("sagemaker")
    domain_id = seeded["domain_id"]
    assert sm.describe_domain(DomainId=domain_id)["DomainSettings"]["DockerSettings"] == {
        "EnableDockerAccess": "DISABLED"
    }
    sm.update_domain(
        DomainId=domain_id,
        DomainSettingsForUpdate={"DockerSettings": {"EnableDockerAccess": "ENABLED"}},
    )
    described = sm.describe_domain(DomainId=domain_id)
    assert described["DomainSettings"]["DockerSettings"]["EnableDockerAccess"] == "ENABLED"
    # Other settings stay.
    assert described["DefaultUserSettings"]["ExecutionRole"] == seeded["execution_role_arn"]


def test_apps_listed_described_and_deleted(seeded: dict[str, Any]) -> None:
    sm = boto3.client("sagemaker")
    apps = sm.list_apps(DomainIdEquals=seeded["domain_id"])["Apps"]
    assert {(a["SpaceName"], a["AppType"], a["Status"]) for a in apps} == {
        ("demo-space", "JupyterLab", "InService"),
        ("demo-space-2", "CodeEditor", "InService"),
    }
    key = {
        "DomainId": seeded["domain_id"],
        "SpaceName": "demo-space-2",
        "AppType": "CodeEditor",
        "AppName": "default",
    }
    idle = now() - sm.describe_app(**key)["LastUserActivityTimestamp"]
    assert timedelta(hours=2, minutes=50) <= idle < timedelta(hours=2, minutes=51)
    sm.delete_app(**key)
    assert sm.describe_app(**key)["Status"] == "Deleting"


# --------------------------------------------------------------------------- actions


def test_add_tags_on_emulated_jobs_and_moto_endpoints(seeded: dict[str, Any]) -> None:
    sm = boto3.client("sagemaker")
    untagged = seeded["savings"]["untagged_job"]["arn"]
    added = [{"Key": "project", "Value": "churn"}, {"Key": "cost-center", "Value": "cc-42"}]
    sm.add_tags(ResourceArn=untagged, Tags=added)
    tags = sm.list_tags(ResourceArn=untagged)["Tags"]
    assert [t["Key"] for t in tags] == [*OWNER_TAG_KEYS, "project", "cost-center"]
    assert tags[-2:] == added
    endpoint = seeded["savings"]["endpoints"]["demo-small-a"]["arn"]
    sm.add_tags(ResourceArn=endpoint, Tags=[{"Key": "cost-center", "Value": "cc-7"}])
    assert sm.list_tags(ResourceArn=endpoint)["Tags"][-1] == {"Key": "cost-center", "Value": "cc-7"}
    processing = seeded["savings"]["cross_region_job"]["arn"]
    sm.add_tags(ResourceArn=processing, Tags=[{"Key": "cost-center", "Value": "cc-9"}])
    assert {"Key": "cost-center", "Value": "cc-9"} in sm.list_tags(ResourceArn=processing)["Tags"]


def test_stop_jobs_and_delete_endpoint(seeded: dict[str, Any]) -> None:
    sm = boto3.client("sagemaker")
    sm.stop_training_job(TrainingJobName="demo-untagged-train")
    assert (
        sm.describe_training_job(TrainingJobName="demo-untagged-train")["TrainingJobStatus"]
        == "Stopping"
    )
    sm.stop_processing_job(ProcessingJobName="demo-crossregion-processing")
    assert (
        sm.describe_processing_job(ProcessingJobName="demo-crossregion-processing")[
            "ProcessingJobStatus"
        ]
        == "Stopping"
    )
    # A completed job cannot be stopped, as on AWS.
    with pytest.raises(ClientError) as exc:
        sm.stop_training_job(TrainingJobName="demo-quick-train-1")
    assert error_of(exc) == ("ValidationException", 400)

    sm.delete_endpoint(EndpointName="demo-idle-endpoint")
    listed = {e["EndpointName"] for e in sm.list_endpoints(StatusEquals="InService")["Endpoints"]}
    assert "demo-idle-endpoint" not in listed
    # The config is kept: the endpoint can be created again from it.
    config = sm.describe_endpoint_config(EndpointConfigName="demo-idle-endpoint-config")
    assert config["ProductionVariants"][0]["InstanceType"] == "ml.m5.large"
    sm.create_endpoint(
        EndpointName="demo-idle-endpoint", EndpointConfigName="demo-idle-endpoint-config"
    )

    deadline = time.monotonic() + 5
    while (
        sm.describe_training_job(TrainingJobName="demo-untagged-train")["TrainingJobStatus"]
        != "Stopped"
    ):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    job = sm.describe_training_job(TrainingJobName="demo-untagged-train")
    assert job["TrainingTimeInSeconds"] >= 20 * 60


def test_set_state_end_and_creation_times_are_checked(seeded: dict[str, Any]) -> None:
    control = EmulatorClient(seeded["endpoint_url"])
    with pytest.raises(urllib.error.HTTPError) as http_error:
        control.set_state("training-job", "demo-untagged-train", ended_at=now())
    assert http_error.value.code == 400  # ended_at needs a terminal status
    with pytest.raises(urllib.error.HTTPError) as http_error:
        control.set_state(
            "training-job",
            "demo-untagged-train",
            status="Completed",
            ended_at=now() - timedelta(hours=1),
        )
    assert http_error.value.code == 400  # before its start, 20 min ago
    with pytest.raises(urllib.error.HTTPError) as http_error:
        control.set_state("training-job", "demo-untagged-train", created_at=now())
    assert http_error.value.code == 400  # after its start
    with pytest.raises(urllib.error.HTTPError) as http_error:
        control.set_state("endpoint", "demo-small-a", ended_at=now())
    assert http_error.value.code == 400
