"""The demo seed: a Studio domain, user profile and space with a running JupyterLab app,
what costs money around it (`seed_demo`), and a fleet of apps for the audit (`seed_fleet`).
Created through boto3 and the control routes, as any client would, relative to now."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from ..client import EmulatorClient
from ..environment import boto3_session

#: The demo's second user, whose job shows only when the scope is the whole account.
DEMO_OTHER_USER = "other-user"
DEMO_OTHER_SPACE = "other-space"
DEMO_IDLE_SPACE = "demo-space-2"

USER_PROFILE_TAG = "sagemaker:user-profile-arn"
SPACE_TAG = "sagemaker:space-arn"
DOMAIN_TAG = "sagemaker:domain-arn"
#: The cost-allocation tag every demo resource carries (but demo-untagged-train).
DEMO_PROJECT_TAG = {"Key": "project", "Value": "smcost-demo"}


def owner_tags(user_arn: str, space_arn: str, domain_arn: str) -> list[dict[str, str]]:
    """The tags Studio puts on what a user launches from a space."""
    return [
        {"Key": USER_PROFILE_TAG, "Value": user_arn},
        {"Key": SPACE_TAG, "Value": space_arn},
        {"Key": DOMAIN_TAG, "Value": domain_arn},
    ]


def demo_tags(user_arn: str, space_arn: str, domain_arn: str) -> list[dict[str, str]]:
    """A demo resource's tags: its owner's and the project's."""
    return [*owner_tags(user_arn, space_arn, domain_arn), dict(DEMO_PROJECT_TAG)]


def create_domain(endpoint_url: str, region: str, name: str, tag: str) -> tuple[Any, str, str, str]:
    """An IAM-mode domain `name` with an execution role and network named after `tag`;
    returns (SageMaker client, account id, role ARN, domain ARN)."""
    session = boto3_session(region)
    sm = session.client("sagemaker", endpoint_url=endpoint_url)
    account_id = session.client("sts", endpoint_url=endpoint_url).get_caller_identity()["Account"]
    role_arn = f"arn:aws:iam::{account_id}:role/service-role/AmazonSageMaker-ExecutionRole-{tag}"
    domain_arn = sm.create_domain(
        DomainName=name,
        AuthMode="IAM",
        DefaultUserSettings={"ExecutionRole": role_arn},
        SubnetIds=[f"subnet-0{tag}"],
        VpcId=f"vpc-0{tag}",
    )["DomainArn"]
    return sm, str(account_id), role_arn, str(domain_arn)


def create_user(sm: Any, domain_id: str, name: str, role_arn: str | None = None) -> str:
    """A user profile (with its own execution role when given); returns its ARN."""
    settings = {} if role_arn is None else {"UserSettings": {"ExecutionRole": role_arn}}
    found = sm.create_user_profile(DomainId=domain_id, UserProfileName=name, **settings)
    return str(found["UserProfileArn"])


def create_private_space(
    sm: Any, domain_id: str, name: str, owner: str, settings: dict[str, Any] | None = None
) -> str:
    """A private space of `owner` (with these SpaceSettings when given); returns its ARN."""
    extra = {} if settings is None else {"SpaceSettings": settings}
    found = sm.create_space(
        DomainId=domain_id,
        SpaceName=name,
        OwnershipSettings={"OwnerUserProfileName": owner},
        SpaceSharingSettings={"SharingType": "Private"},
        **extra,
    )
    return str(found["SpaceArn"])


def create_space_app(
    sm: Any, domain_id: str, space: str, app_type: str, instance_type: str, name: str = "default"
) -> str:
    """An app of `app_type` in `space` on `instance_type`; returns its ARN."""
    found = sm.create_app(
        DomainId=domain_id,
        SpaceName=space,
        AppType=app_type,
        AppName=name,
        ResourceSpec={"InstanceType": instance_type},
    )
    return str(found["AppArn"])


def create_training_job(
    sm: Any,
    name: str,
    *,
    image: str,
    role_arn: str,
    prefix: str,
    instance_type: str,
    count: int = 1,
    volume_gb: int,
    max_runtime: int,
    spot_max_wait: int | None,
    tags: list[dict[str, str]],
) -> str:
    """CreateTrainingJob as a notebook sends it: data from `prefix`/data/<name>, output to
    `prefix`/output; with `spot_max_wait`, managed spot with checkpoints in
    `prefix`/checkpoints/<name>. Returns the job's ARN."""
    stop = {"MaxRuntimeInSeconds": max_runtime}
    extra: dict[str, Any] = {}
    if spot_max_wait is not None:
        stop["MaxWaitTimeInSeconds"] = spot_max_wait
        extra["CheckpointConfig"] = {"S3Uri": f"{prefix}/checkpoints/{name}"}
    return str(
        sm.create_training_job(
            TrainingJobName=name,
            AlgorithmSpecification={"TrainingImage": image, "TrainingInputMode": "File"},
            RoleArn=role_arn,
            InputDataConfig=[
                {
                    "ChannelName": "train",
                    "DataSource": {
                        "S3DataSource": {
                            "S3DataType": "S3Prefix",
                            "S3Uri": f"{prefix}/data/{name}",
                            "S3DataDistributionType": "FullyReplicated",
                        }
                    },
                }
            ],
            OutputDataConfig={"S3OutputPath": f"{prefix}/output"},
            ResourceConfig={
                "InstanceType": instance_type,
                "InstanceCount": count,
                "VolumeSizeInGB": volume_gb,
            },
            StoppingCondition=stop,
            EnableManagedSpotTraining=spot_max_wait is not None,
            Tags=tags,
            **extra,
        )["TrainingJobArn"]
    )


def seed_demo(
    endpoint_url: str,
    region: str = "us-east-1",
    instance_type: str = "ml.g5.xlarge",
    *,
    domain_name: str = "demo",
    user_profile_name: str = "demo-user",
    space_name: str = "demo-space",
    app_name: str = "default",
    app_type: str = "JupyterLab",
    resources: bool = True,
    savings: bool = False,
) -> dict[str, Any]:
    """Create through boto3 a Studio domain, a user profile, a private space owned by it
    and an InService `app_type` app in that space on `instance_type`.

    By default (`resources=True`), also what costs money around it (see `_seed_resources`):
    two training jobs, a processing job, an endpoint and an idle Code Editor app of the same
    user, and a training job of another user. `resources=False` seeds the demo app alone.

    `savings=True` also seeds what the savings suggestions feed on (see
    `seed.savings.seed_savings`): recent short and spot jobs, idle and low-traffic endpoints
    with CloudWatch metrics, an untagged job, a job reading another region's bucket, the
    domain's Docker access off and a Savings Plans recommendation. Its running resources
    join "resources"; the dict says what it seeded under "savings" (absent without).

    Returns the names, ids and ARNs, under "metadata" the content of the matching
    SageMaker metadata file (/opt/ml/metadata/resource-metadata.json), and under
    "resources" one dict per seeded running resource ([] without `resources`).
    """
    sm, account_id, role_arn, domain_arn = create_domain(endpoint_url, region, domain_name, "demo")
    domain_id = domain_arn.rsplit("/", 1)[-1]
    user_arn = create_user(sm, domain_id, user_profile_name, role_arn)
    settings = {
        "AppType": app_type,
        f"{app_type}AppSettings": {"DefaultResourceSpec": {"InstanceType": instance_type}},
        "SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": 20}},
    }
    space_arn = create_private_space(sm, domain_id, space_name, user_profile_name, settings)
    app_arn = create_space_app(sm, domain_id, space_name, app_type, instance_type, app_name)

    metadata = {
        "AppType": app_type,
        "DomainId": domain_id,
        "SpaceName": space_name,
        "UserProfileName": "",  # empty for an app in a space, as SageMaker writes it
        "ResourceArn": app_arn,
        "ResourceName": app_name,
        "ExecutionRoleArn": role_arn,
    }
    seeded: dict[str, Any] = {
        "endpoint_url": endpoint_url,
        "region": region,
        "account_id": account_id,
        "domain_id": domain_id,
        "domain_arn": domain_arn,
        "user_profile_name": user_profile_name,
        "user_profile_arn": user_arn,
        "space_name": space_name,
        "space_arn": space_arn,
        "app_type": app_type,
        "app_name": app_name,
        "app_arn": app_arn,
        "instance_type": instance_type,
        "execution_role_arn": role_arn,
        "metadata": metadata,
        "resources": [],
    }
    if resources:
        seeded["resources"] = _seed_resources(sm, seeded)
    if savings:
        from .savings import seed_savings  # it uses this module's seed helpers

        seeded["savings"] = seed_savings(boto3_session(region), seeded)
    return seeded


def _seed_resources(sm: Any, seeded: dict[str, Any]) -> list[dict[str, Any]]:
    """The demo's running resources, started relative to now, each tagged as Studio tags
    what a user launches from a space (user profile, space and domain ARNs).

    demo-user: training job demo-finetune-spot (ml.g5.2xlarge x1, managed spot, started
    40 min ago, billed 840 s so far), training job demo-resnet-train (ml.p3.2xlarge x1,
    on-demand, 25 min ago), processing job demo-features-processing (ml.m5.xlarge x1,
    15 min ago), endpoint demo-endpoint (variant AllTraffic, 2 x ml.m5.xlarge, created 2 h
    ago) and a Code Editor app in space demo-space-2 (ml.t3.medium, created 3 h ago, last
    used 2 h 50 min ago). other-user: training job other-user-xgboost (ml.m5.large x2,
    on-demand, 10 min ago) from space other-space.
    """
    region, account_id = seeded["region"], seeded["account_id"]
    domain_id, domain_arn = seeded["domain_id"], seeded["domain_arn"]
    user, role_arn = seeded["user_profile_name"], seeded["execution_role_arn"]
    control = EmulatorClient(seeded["endpoint_url"])
    now = datetime.now(timezone.utc).replace(microsecond=0)
    bucket = f"s3://sagemaker-{region}-{account_id}/demo"
    out: list[dict[str, Any]] = []

    def tags(user_arn: str, space_arn: str) -> list[dict[str, str]]:
        return demo_tags(user_arn, space_arn, domain_arn)

    def running(
        kind: str, name: str, arn: str, seconds_ago: int, state: dict[str, Any], **fields: Any
    ) -> None:
        """Started `seconds_ago` (and in `state`), and listed in what the seed returns."""
        at = now - timedelta(seconds=seconds_ago)
        control.set_state(kind, name, region=region, account_id=account_id, started_at=at, **state)
        entry = {
            "kind": kind,
            "name": name,
            "arn": arn,
            "spot": None,
            "billable_seconds": None,
            "user_profile_name": user,
            "space_name": seeded["space_name"],
            "started_at": at.isoformat(),
            "started_seconds_ago": seconds_ago,
        }
        entry.update(fields)
        out.append(entry)

    mine = tags(seeded["user_profile_arn"], seeded["space_arn"])

    # Another space of the same user, with a Code Editor app left running.
    idle_space_arn = create_private_space(
        sm, domain_id, DEMO_IDLE_SPACE, user, {"AppType": "CodeEditor"}
    )
    idle_arn = create_space_app(sm, domain_id, DEMO_IDLE_SPACE, "CodeEditor", "ml.t3.medium")
    idle_name = f"{DEMO_IDLE_SPACE}/CodeEditor/default"
    running(
        "studio-app",
        idle_name,
        idle_arn,
        3 * 3600,
        {"last_activity_seconds_ago": 3 * 3600 - 600},
        instance_type="ml.t3.medium",
        instance_count=1,
        component="studio-codeeditor",
        space_name=DEMO_IDLE_SPACE,
        space_arn=idle_space_arn,
    )

    def training(
        name: str,
        instance_type: str,
        count: int,
        spot: bool,
        seconds_ago: int,
        job_tags: list[dict[str, str]],
        billable: int | None = None,
        owner: str = user,
        space: str = seeded["space_name"],
    ) -> None:
        max_runtime = 2 * 3600 if spot else 24 * 3600
        arn = create_training_job(
            sm,
            name,
            image=f"763104351884.dkr.ecr.{region}.amazonaws.com/pytorch-training:2.3.0-gpu-py311",
            role_arn=role_arn,
            prefix=bucket,
            instance_type=instance_type,
            count=count,
            volume_gb=50,
            max_runtime=max_runtime,
            spot_max_wait=3 * 3600 if spot else None,
            tags=job_tags,
        )
        state: dict[str, Any] = {} if billable is None else {"billable_seconds": billable}
        running(
            "training-job",
            name,
            arn,
            seconds_ago,
            state,
            instance_type=instance_type,
            instance_count=count,
            component="training",
            spot=spot,
            billable_seconds=billable,
            max_runtime_seconds=max_runtime,
            user_profile_name=owner,
            space_name=space,
        )

    training("demo-finetune-spot", "ml.g5.2xlarge", 1, True, 40 * 60, mine, billable=840)
    training("demo-resnet-train", "ml.p3.2xlarge", 1, False, 25 * 60, mine)

    processing = "demo-features-processing"
    arn = sm.create_processing_job(
        ProcessingJobName=processing,
        ProcessingResources={
            "ClusterConfig": {
                "InstanceCount": 1,
                "InstanceType": "ml.m5.xlarge",
                "VolumeSizeInGB": 30,
            }
        },
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
        AppSpecification={
            "ImageUri": f"683313688378.dkr.ecr.{region}.amazonaws.com/"
            "sagemaker-scikit-learn:1.2-1-cpu-py3",
            "ContainerEntrypoint": ["python3", "/opt/ml/processing/input/code/features.py"],
        },
        RoleArn=role_arn,
        Tags=mine,
    )["ProcessingJobArn"]
    running(
        "processing-job",
        processing,
        arn,
        15 * 60,
        {},
        instance_type="ml.m5.xlarge",
        instance_count=1,
        component="processing",
        max_runtime_seconds=3600,
    )

    sm.create_model(
        ModelName="demo-model",
        ExecutionRoleArn=role_arn,
        PrimaryContainer={
            "Image": f"763104351884.dkr.ecr.{region}.amazonaws.com/"
            "pytorch-inference:2.3.0-cpu-py311",
            "ModelDataUrl": f"{bucket}/output/demo-resnet/output/model.tar.gz",
        },
        Tags=mine,
    )
    sm.create_endpoint_config(
        EndpointConfigName="demo-endpoint-config",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "demo-model",
                "InitialInstanceCount": 2,
                "InstanceType": "ml.m5.xlarge",
                "InitialVariantWeight": 1.0,
            }
        ],
        Tags=mine,
    )
    arn = sm.create_endpoint(
        EndpointName="demo-endpoint", EndpointConfigName="demo-endpoint-config", Tags=mine
    )["EndpointArn"]
    running(
        "endpoint",
        "demo-endpoint",
        arn,
        2 * 3600,
        {},
        instance_type="ml.m5.xlarge",
        instance_count=2,
        component="hosting",
        variant="AllTraffic",
    )

    # Someone else in the same domain: listed only when the scope is the account.
    other_arn = create_user(sm, domain_id, DEMO_OTHER_USER, role_arn)
    other_space_arn = create_private_space(
        sm, domain_id, DEMO_OTHER_SPACE, DEMO_OTHER_USER, {"AppType": "JupyterLab"}
    )
    training(
        "other-user-xgboost",
        "ml.m5.large",
        2,
        False,
        10 * 60,
        tags(other_arn, other_space_arn),
        owner=DEMO_OTHER_USER,
        space=DEMO_OTHER_SPACE,
    )
    return out


def seed_fleet(
    endpoint_url: str,
    apps: int,
    *,
    profiles: int = 200,
    region: str = "us-east-1",
    domain_name: str = "fleet",
    idle_share: float = 0.3,
    workers: int = 16,
) -> dict[str, Any]:
    """A domain of `profiles` user profiles and `apps` running apps (JupyterLab and Code
    Editor, two per private space, spaces round-robin over the profiles) with varied
    activity: about `idle_share` of them last used 3 to 27 hours ago, the others within the
    last hour. For the audit's tests and benchmark. Returns the domain id and counts."""
    from concurrent.futures import ThreadPoolExecutor

    # In this process's backends directly: one HTTP call per app would dominate the seed.
    from ..sagemaker_studio.state import set_state

    sm, account_id, _, domain_arn = create_domain(endpoint_url, region, domain_name, "fleet")
    domain_id = domain_arn.rsplit("/", 1)[-1]
    names = [f"user-{i:04d}" for i in range(profiles)]
    spaces = [(f"space-{i:04d}", names[i % profiles]) for i in range((apps + 1) // 2)]
    app_types = ("JupyterLab", "CodeEditor")
    instances = ("ml.t3.medium", "ml.m5.xlarge", "ml.g5.xlarge")

    def profile(name: str) -> None:
        create_user(sm, domain_id, name)

    def space(entry: tuple[str, str]) -> None:
        create_private_space(sm, domain_id, *entry)

    def app(index: int) -> tuple[str, float]:
        name, _ = spaces[index // 2]
        app_type = app_types[index % 2]
        create_space_app(sm, domain_id, name, app_type, instances[index % len(instances)])
        idle = (index * 7919 % 1000) / 1000 < idle_share  # spread, but the same every run
        ago = 3600 * (3 + index % 25) if idle else 60 * (index % 55 + 1)
        return f"{name}/{app_type}/default", float(ago)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(profile, names))
        list(pool.map(space, spaces))
        created = list(pool.map(app, range(apps)))
    for name, ago in created:
        set_state(
            "studio-app",
            name,
            region=region,
            account_id=account_id,
            started_seconds_ago=max(ago, 3 * 3600) + 3600,
            last_activity_seconds_ago=ago,
        )
    return {
        "domain_id": domain_id,
        "apps": apps,
        "profiles": profiles,
        "spaces": len(spaces),
        "idle": sum(1 for _, ago in created if ago >= 3 * 3600),
    }
