"""The demo's savings seed (`seed_demo(savings=True)`): what each savings suggestion rule
feeds on, created through boto3 and the control routes like the rest of the demo, relative
to now.

demo-user's (tagged as the other demo resources), unless said:

- recent short jobs, completed: training jobs demo-quick-train-1..3 (ml.m5.xlarge) and
  processing job demo-quick-processing (ml.m5.large), each a few minutes long after a few
  minutes' wait for instances;
- managed spot history, completed: demo-spot-history-1/2 (ml.g5.xlarge, checkpoints),
  billed 30% and 40% of their training time;
- endpoint demo-idle-endpoint (1 x ml.m5.large, created 3 days ago): no metrics at all;
- endpoints demo-small-a (1 x ml.m5.large) and demo-small-b (1 x ml.m5.xlarge), two models
  on one container image: a few Invocations and low CPUUtilization datapoints in the last
  12 h; demo-endpoint (when seeded) gets 5000 Invocations and busy CPU;
- in-progress training job demo-untagged-train: Studio's owner tags only, no "project";
- in-progress processing job demo-crossregion-processing reading a bucket of another region
  (smcost-demo-data-usw2 in us-west-2 when the demo runs elsewhere);
- the domain's DockerSettings.EnableDockerAccess DISABLED;
- a SageMaker Savings Plans recommendation (emulator demo figures).

Metrics are CloudWatch datapoints put at fixed times within the last 12 hours, so a 24-hour
window holds them all for the first 12 hours of a demo.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
from botocore.config import Config

from ..client import EmulatorClient
from .demo import create_training_job, demo_tags, owner_tags

INVOCATIONS_NAMESPACE = "AWS/SageMaker"
UTILIZATION_NAMESPACE = "/aws/sagemaker/Endpoints"
VARIANT = "AllTraffic"
HOUR = 3600
DAY = 24 * HOUR

# (name, ended seconds ago, training seconds, seconds waiting for instances)
SHORT_TRAINING = (
    ("demo-quick-train-1", DAY + 2 * HOUR, 240, 180),
    ("demo-quick-train-2", 2 * DAY + 5 * HOUR, 330, 240),
    ("demo-quick-train-3", 3 * DAY + HOUR, 420, 360),
)
SHORT_TRAINING_INSTANCE = "ml.m5.xlarge"
SHORT_PROCESSING = ("demo-quick-processing", DAY + 6 * HOUR, 300, 210)
SHORT_PROCESSING_INSTANCE = "ml.m5.large"

# (name, ended seconds ago, training seconds, billable seconds): 30% and 40% billed.
SPOT_HISTORY = (
    ("demo-spot-history-1", 2 * DAY, 3600, 1080),
    ("demo-spot-history-2", 4 * DAY, 5400, 2160),
)
SPOT_INSTANCE = "ml.g5.xlarge"
SPOT_WAIT_SECONDS = 240

# name -> (instance type, count, created seconds ago, model, image repository)
ENDPOINTS = {
    "demo-idle-endpoint": ("ml.m5.large", 1, 3 * DAY, "demo-idle-model", "sklearn"),
    "demo-small-a": ("ml.m5.large", 1, 5 * DAY, "demo-small-a-model", "xgboost"),
    "demo-small-b": ("ml.m5.xlarge", 1, 4 * DAY, "demo-small-b-model", "xgboost"),
}
IDLE_ENDPOINT = "demo-idle-endpoint"
LOW_TRAFFIC_ENDPOINTS = ("demo-small-a", "demo-small-b")

# endpoint -> [(seconds ago, invocations, CPUUtilization %)]; the Sum of Invocations is
# 40, 25 and 5000 over any window that holds them all.
METRICS: dict[str, tuple[tuple[int, float, float], ...]] = {
    "demo-small-a": (
        (11 * HOUR, 10, 5.0),
        (8 * HOUR, 12, 6.5),
        (5 * HOUR, 8, 8.0),
        (2 * HOUR, 10, 5.5),
    ),
    "demo-small-b": (
        (10 * HOUR, 7, 7.0),
        (6 * HOUR, 6, 6.0),
        (1 * HOUR, 12, 5.0),
    ),
    "demo-endpoint": (  # created 2 h ago by the resources seed: busy, not idle
        (105 * 60, 1250, 55.0),
        (75 * 60, 1250, 60.0),
        (45 * 60, 1250, 48.0),
        (15 * 60, 1250, 52.0),
    ),
}

UNTAGGED_JOB = "demo-untagged-train"
UNTAGGED_INSTANCE = "ml.m5.xlarge"
UNTAGGED_STARTED_SECONDS_AGO = 20 * 60
CROSS_REGION_JOB = "demo-crossregion-processing"
CROSS_REGION_INSTANCE = "ml.m5.large"
CROSS_REGION_STARTED_SECONDS_AGO = 12 * 60

DOCKER_ACCESS = "DISABLED"

#: EMULATOR DEMO FIGURES, NOT AN AWS RECOMMENDATION OR PRICE: what the emulated Cost
#: Explorer answers for SAGEMAKER_SP, made consistent with each other (on-demand $2.10/h x
#: 730 h = $1533.00/month; a $1.50/h commitment x 730 h = $1095.00; saving $438.00, 28.57%).
DEMO_SAVINGS_PLAN: dict[str, str] = {
    "HourlyCommitmentToPurchase": "1.50",
    "DailyCommitmentToPurchase": "36.00",
    "EstimatedMonthlySavingsAmount": "438.00",
    "EstimatedSavingsAmount": "438.00",
    "EstimatedSavingsPercentage": "28.57",
    "EstimatedOnDemandCostWithCurrentCommitment": "1533.00",
    "CurrentOnDemandSpend": "1533.00",
    "EstimatedOnDemandCost": "1533.00",
    "EstimatedTotalCost": "1095.00",
    "EstimatedSPCost": "1095.00",
    "EstimatedROI": "40.00",
    "UpfrontCost": "0.00",
    "EstimatedAverageUtilization": "97.50",
    "CurrentAverageHourlyOnDemandSpend": "2.10",
    "CurrentMinimumHourlyOnDemandSpend": "1.62",
    "CurrentMaximumHourlyOnDemandSpend": "2.95",
    "CurrencyCode": "USD",
}


def _image(region: str, repository: str) -> str:
    # The registry accounts SageMaker's own framework images use in us-east-1; the tags are
    # illustrative.
    account, name = {
        "sklearn": ("683313688378", "sagemaker-scikit-learn:1.2-1-cpu-py3"),
        "xgboost": ("683313688378", "sagemaker-xgboost:1.7-1"),
        "pytorch": ("763104351884", "pytorch-training:2.3.0-cpu-py311"),
    }[repository]
    return f"{account}.dkr.ecr.{region}.amazonaws.com/{name}"


def _short_region(region: str) -> str:
    parts = region.split("-")
    return f"{parts[0]}{parts[1][:1]}{''.join(parts[2:])}" if len(parts) >= 3 else region


def _iso(when: datetime) -> str:
    return when.isoformat()


def seed_savings(session: boto3.session.Session, seeded: dict[str, Any]) -> dict[str, Any]:
    """Seed the savings demo (see the module doc) next to `seed_demo`'s `seeded`; appends
    the running resources to seeded["resources"] and returns what it seeded, with the
    figures a test needs (times, counts, datapoints)."""
    url, region = seeded["endpoint_url"], seeded["region"]
    account_id, domain_arn = seeded["account_id"], seeded["domain_arn"]
    role_arn = seeded["execution_role_arn"]
    user_arn, space_arn = seeded["user_profile_arn"], seeded["space_arn"]
    sm = session.client("sagemaker", endpoint_url=url)
    cloudwatch = session.client("cloudwatch", endpoint_url=url)
    control = EmulatorClient(url)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    home = f"sagemaker-{region}-{account_id}"
    prefix = f"s3://{home}/demo"
    mine = demo_tags(user_arn, space_arn, domain_arn)
    out: dict[str, Any] = {"region": region}

    def entry(kind: str, name: str, arn: str, instance_type: str, **fields: Any) -> dict[str, Any]:
        return {
            "kind": kind,
            "name": name,
            "arn": arn,
            "instance_type": instance_type,
            "instance_count": 1,
            "user_profile_name": seeded["user_profile_name"],
            "space_name": seeded["space_name"],
            **fields,
        }

    def training(
        name: str,
        instance_type: str,
        tags: list[dict[str, str]],
        spot: bool = False,
        image: str = "pytorch",
    ) -> str:
        return create_training_job(
            sm,
            name,
            image=_image(region, image),
            role_arn=role_arn,
            prefix=prefix,
            instance_type=instance_type,
            volume_gb=30,
            max_runtime=4 * HOUR,
            spot_max_wait=8 * HOUR if spot else None,
            tags=tags,
        )

    def processing(name: str, instance_type: str, s3_uri: str) -> str:
        return str(
            sm.create_processing_job(
                ProcessingJobName=name,
                ProcessingInputs=[
                    {
                        "InputName": "data",
                        "S3Input": {
                            "S3Uri": s3_uri,
                            "LocalPath": "/opt/ml/processing/input/data",
                            "S3DataType": "S3Prefix",
                            "S3InputMode": "File",
                        },
                    }
                ],
                ProcessingResources={
                    "ClusterConfig": {
                        "InstanceCount": 1,
                        "InstanceType": instance_type,
                        "VolumeSizeInGB": 30,
                    }
                },
                StoppingCondition={"MaxRuntimeInSeconds": 2 * HOUR},
                AppSpecification={"ImageUri": _image(region, "sklearn")},
                RoleArn=role_arn,
                Tags=mine,
            )["ProcessingJobArn"]
        )

    def completed(
        kind: str, name: str, ended_ago: int, run: int, wait: int, **state: Any
    ) -> dict[str, Any]:
        ended = now - timedelta(seconds=ended_ago)
        started = ended - timedelta(seconds=run)
        created = started - timedelta(seconds=wait)
        control.set_state(
            kind,
            name,
            region=region,
            account_id=account_id,
            started_at=started,
            created_at=created,
            ended_at=ended,
            status="Completed",
            **state,
        )
        return {
            "created_at": _iso(created),
            "started_at": _iso(started),
            "ended_at": _iso(ended),
            "wait_seconds": wait,
            "run_seconds": run,
        }

    def running_since(
        kind: str, name: str, arn: str, instance_type: str, seconds_ago: int, spot: bool | None
    ) -> dict[str, Any]:
        """A job running since `seconds_ago`, as the resources listing shows it."""
        at = now - timedelta(seconds=seconds_ago)
        control.set_state(kind, name, region=region, account_id=account_id, started_at=at)
        component = {"training-job": "training", "processing-job": "processing"}[kind]
        return entry(
            kind,
            name,
            arn,
            instance_type,
            component=component,
            spot=spot,
            billable_seconds=None,
            started_at=_iso(at),
            started_seconds_ago=seconds_ago,
        )

    # a) recent short jobs: candidates for local mode
    short: list[dict[str, Any]] = []
    for name, ended_ago, run, wait in SHORT_TRAINING:
        arn = training(name, SHORT_TRAINING_INSTANCE, mine)
        times = completed("training-job", name, ended_ago, run, wait)
        short.append(
            entry(
                "training-job",
                name,
                arn,
                SHORT_TRAINING_INSTANCE,
                component="training",
                spot=False,
                billable_seconds=run,
                **times,
            )
        )
    name, ended_ago, run, wait = SHORT_PROCESSING
    arn = processing(name, SHORT_PROCESSING_INSTANCE, f"{prefix}/data/{name}")
    times = completed("processing-job", name, ended_ago, run, wait)
    short.append(
        entry(
            "processing-job", name, arn, SHORT_PROCESSING_INSTANCE, component="processing", **times
        )
    )
    out["short_jobs"] = short

    # b) managed spot history: what spot saved this account
    spot: list[dict[str, Any]] = []
    for name, ended_ago, run, billable in SPOT_HISTORY:
        arn = training(name, SPOT_INSTANCE, mine, spot=True)
        times = completed(
            "training-job", name, ended_ago, run, SPOT_WAIT_SECONDS, billable_seconds=billable
        )
        spot.append(
            entry(
                "training-job",
                name,
                arn,
                SPOT_INSTANCE,
                component="training",
                spot=True,
                billable_seconds=billable,
                checkpoint_s3_uri=f"{prefix}/checkpoints/{name}",
                **times,
            )
        )
    out["spot_history"] = spot

    # c), d) endpoints: one idle, two with little traffic on one image
    endpoints: dict[str, dict[str, Any]] = {}
    running: list[dict[str, Any]] = []
    for name, (instance_type, count, created_ago, model, repository) in ENDPOINTS.items():
        image = _image(region, repository)
        sm.create_model(
            ModelName=model,
            ExecutionRoleArn=role_arn,
            PrimaryContainer={"Image": image, "ModelDataUrl": f"{prefix}/models/{model}.tar.gz"},
            Tags=mine,
        )
        config = f"{name}-config"
        sm.create_endpoint_config(
            EndpointConfigName=config,
            ProductionVariants=[
                {
                    "VariantName": VARIANT,
                    "ModelName": model,
                    "InitialInstanceCount": count,
                    "InstanceType": instance_type,
                    "InitialVariantWeight": 1.0,
                }
            ],
            Tags=mine,
        )
        arn = sm.create_endpoint(EndpointName=name, EndpointConfigName=config, Tags=mine)[
            "EndpointArn"
        ]
        created = now - timedelta(seconds=created_ago)
        control.set_state(
            "endpoint", name, region=region, account_id=account_id, started_at=created
        )
        endpoints[name] = entry(
            "endpoint",
            name,
            arn,
            instance_type,
            instance_count=count,
            config_name=config,
            model_name=model,
            image=image,
            variant=VARIANT,
            created_at=_iso(created),
        )
        running.append(
            entry(
                "endpoint",
                name,
                arn,
                instance_type,
                instance_count=count,
                component="hosting",
                spot=None,
                billable_seconds=None,
                started_at=_iso(created),
                started_seconds_ago=created_ago,
                variant=VARIANT,
            )
        )
    if any(r["name"] == "demo-endpoint" for r in seeded["resources"]):
        endpoints["demo-endpoint"] = {"name": "demo-endpoint", "variant": VARIANT}
    invocations: list[dict[str, Any]] = []
    utilization: list[dict[str, Any]] = []
    for name, points in METRICS.items():
        if name not in endpoints:
            continue
        dimensions = [
            {"Name": "EndpointName", "Value": name},
            {"Name": "VariantName", "Value": VARIANT},
        ]
        for ago, calls, cpu in points:
            at = now - timedelta(seconds=ago)
            invocations.append(
                {
                    "MetricName": "Invocations",
                    "Dimensions": dimensions,
                    "Timestamp": at,
                    "Value": float(calls),
                    "Unit": "None",
                }
            )
            utilization.append(
                {
                    "MetricName": "CPUUtilization",
                    "Dimensions": dimensions,
                    "Timestamp": at,
                    "Value": cpu,
                    "Unit": "Percent",
                }
            )
        cpus = [cpu for _, _, cpu in points]
        endpoints[name].update(
            invocations=sum(c for _, c, _ in points),
            cpu_average=sum(cpus) / len(cpus),
            cpu_maximum=max(cpus),
            datapoints=[
                {"seconds_ago": ago, "at": _iso(now - timedelta(seconds=ago)), "invocations": c}
                for ago, c, _ in points
            ],
        )
    endpoints[IDLE_ENDPOINT].update(invocations=0, datapoints=[])
    cloudwatch.put_metric_data(Namespace=INVOCATIONS_NAMESPACE, MetricData=invocations)
    cloudwatch.put_metric_data(Namespace=UTILIZATION_NAMESPACE, MetricData=utilization)
    out["endpoints"] = endpoints
    out["idle_endpoint"] = IDLE_ENDPOINT
    out["low_traffic_endpoints"] = list(LOW_TRAFFIC_ENDPOINTS)
    out["metrics"] = {
        "invocations": {
            "namespace": INVOCATIONS_NAMESPACE,
            "metric": "Invocations",
            "dimensions": ["EndpointName", "VariantName"],
            "unit": "None",
        },
        "utilization": {
            "namespace": UTILIZATION_NAMESPACE,
            "metric": "CPUUtilization",
            "dimensions": ["EndpointName", "VariantName"],
            "unit": "Percent",
        },
        "window_seconds": 12 * HOUR,
    }

    # e) a running job without the cost-allocation tag (its owner's tags only)
    owner_only = owner_tags(user_arn, space_arn, domain_arn)
    arn = training(UNTAGGED_JOB, UNTAGGED_INSTANCE, owner_only)
    untagged = running_since(
        "training-job",
        UNTAGGED_JOB,
        arn,
        UNTAGGED_INSTANCE,
        UNTAGGED_STARTED_SECONDS_AGO,
        spot=False,
    )
    out["untagged_job"] = {**untagged, "tag_keys": [t["Key"] for t in owner_only]}
    running.append(untagged)

    # f) a running job reading a bucket in another region (and the home bucket, so every
    # bucket the demo's jobs read answers GetBucketLocation)
    bucket_region = "us-west-2" if region != "us-west-2" else "us-east-1"
    bucket = f"smcost-demo-data-{_short_region(bucket_region)}"
    buckets = {home: region, bucket: bucket_region}
    for name, where in buckets.items():
        s3 = session.client(
            "s3",
            endpoint_url=url,
            region_name=where,
            config=Config(s3={"addressing_style": "path"}),
        )
        if where == "us-east-1":
            s3.create_bucket(Bucket=name)  # us-east-1 takes no LocationConstraint
        else:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": where})
    s3_uri = f"s3://{bucket}/clickstream/2026/"
    arn = processing(CROSS_REGION_JOB, CROSS_REGION_INSTANCE, s3_uri)
    cross = running_since(
        "processing-job",
        CROSS_REGION_JOB,
        arn,
        CROSS_REGION_INSTANCE,
        CROSS_REGION_STARTED_SECONDS_AGO,
        spot=None,
    )
    out["cross_region_job"] = {
        **cross,
        "s3_uri": s3_uri,
        "bucket": bucket,
        "bucket_region": bucket_region,
    }
    out["buckets"] = buckets
    running.append(cross)

    # g) local mode needs Docker in the space, which the domain has off
    sm.update_domain(
        DomainId=seeded["domain_id"],
        DomainSettingsForUpdate={"DockerSettings": {"EnableDockerAccess": DOCKER_ACCESS}},
    )
    out["docker_access"] = DOCKER_ACCESS

    # h) Cost Explorer's recommendation (emulator demo figures, see DEMO_SAVINGS_PLAN)
    control.set_savings_plan_recommendation(dict(DEMO_SAVINGS_PLAN), "SAGEMAKER_SP")
    out["savings_plan"] = dict(DEMO_SAVINGS_PLAN)

    seeded["resources"].extend(running)
    return out


__all__ = ["DEMO_SAVINGS_PLAN", "seed_savings"]
