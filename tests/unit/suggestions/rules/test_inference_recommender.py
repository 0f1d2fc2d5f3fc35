"""inference-recommender: endpoints whose CPU is low for their size, with a snippet that runs.
It fires with its exact figure and stays silent when its trigger is absent."""

from __future__ import annotations

import ast
import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.stub import Stubber

from jupyter_smcost.suggestions.model import (
    Thresholds,
    suggestion_id,
)
from jupyter_smcost.suggestions.rules import (
    inference_recommender,
)
from tests.unit.suggestions.rules.builders import (
    ACCOUNT,
    ARN,
    NOW,
    REGION,
    endpoint_of,
    facts,
    price,
    variant,
)


def test_inference_recommender_fires_on_low_cpu_per_vcpu() -> None:
    ep = endpoint_of("ep-1", variant(cpu_max=24.0))
    f = facts(endpoints=(ep,), prices={("ml.m5.2xlarge", "hosting"): price(0.46)})
    (found,) = inference_recommender.run(f, Thresholds())
    assert found.id == suggestion_id("inference-recommender", "endpoint", "ep-1")
    # 24% summed over 8 vCPUs is 3% of the instance.
    assert found.arithmetic == (
        "AllTraffic (ml.m5.2xlarge): CPU max 24.0% / 8 vCPUs = 3.0% per vCPU < 20.0%; "
        "1,234 invocations in 24 h; it costs 1 x ml.m5.2xlarge x $0.46/h x 730 h = $335.80/month"
    )
    assert found.saving_usd_per_month is None
    assert found.saving_note == inference_recommender.SAVING_NOTE
    assert found.snippet
    assert found.fingerprint == "fp-ep-1"
    assert (
        found.docs_url
        == "https://docs.aws.amazon.com/sagemaker/latest/dg/inference-recommender.html"
    )
    assert "$335.80/month" in found.detail


def test_inference_recommender_silent_when_busy_idle_or_unmeasured() -> None:
    limit = Thresholds(endpoint_low_utilization_percent=20.0)
    cases = [
        endpoint_of("busy", variant(cpu_max=160.0)),  # 160% over 8 vCPUs: 20%, not under 20%
        endpoint_of("idle", variant(invocations=0.0)),  # the idle-endpoint rule's case
        endpoint_of("no-metrics", variant(invocations=None)),
        endpoint_of("no-cpu", variant(cpu_max=None)),
        endpoint_of("gpu-busy", variant(instance_type="ml.g5.xlarge", cpu_max=4.0, gpu_max=85.0)),
        endpoint_of("updating", variant(), status="Updating"),
        endpoint_of("serverless", variant(instance_type=None, count=0, serverless=True)),
        endpoint_of("one-busy", variant("a"), variant("b", cpu_max=400.0)),
    ]
    assert inference_recommender.run(facts(endpoints=tuple(cases)), limit) == []


def test_inference_recommender_gpu_and_unknown_vcpus_compare_raw() -> None:
    gpu = endpoint_of("gpu", variant(instance_type="ml.g5.xlarge", cpu_max=12.0, gpu_max=5.0))
    small = endpoint_of("small", variant(instance_type="ml.t2.medium", cpu_max=15.0))
    small_busy = endpoint_of("small-busy", variant(instance_type="ml.t2.medium", cpu_max=25.0))
    found = inference_recommender.run(facts(endpoints=(gpu, small, small_busy)), Thresholds())
    assert [s.resource.name for s in found if s.resource] == ["gpu", "small"]
    # No price: no cost in the arithmetic, and no figure anywhere.
    assert found[0].arithmetic == (
        "AllTraffic (ml.g5.xlarge): CPU max 12.0% / 4 vCPUs = 3.0% per vCPU, GPU max 5.0% "
        "< 20.0%; 1,234 invocations in 24 h"
    )
    assert found[1].arithmetic == (
        "AllTraffic (ml.t2.medium): CPU max 15.0% (summed over its cores) < 20.0%; "
        "1,234 invocations in 24 h"
    )
    assert all(s.saving_usd_per_month is None for s in found)


def test_vcpu_count() -> None:
    assert inference_recommender.vcpu_count("ml.m5.large") == 2
    assert inference_recommender.vcpu_count("ml.m5.xlarge") == 4
    assert inference_recommender.vcpu_count("ml.g5.12xlarge") == 48
    assert inference_recommender.vcpu_count("ml.c4.8xlarge") is None
    assert inference_recommender.vcpu_count("ml.t2.medium") is None
    assert inference_recommender.vcpu_count("local") is None
    assert inference_recommender.vcpu_count(None) is None


def _ec2_vcpus() -> dict[str, int]:
    import moto

    data = Path(moto.__file__).parent / "ec2" / "resources" / "instance_types.json.gz"
    with gzip.open(data) as fh:
        types = json.load(fh)
    return {name: int(t["VCpuInfo"]["DefaultVCpus"]) for name, t in types.items()}


def test_vcpu_rule_matches_ec2_data_for_every_hosting_instance_type() -> None:
    """The size rule against EC2's own DescribeInstanceTypes data (moto's copy), for every
    instance type botocore says an endpoint variant may use."""
    model = botocore.session.get_session().get_service_model("sagemaker")
    hosting = model.shape_for("ProductionVariantInstanceType").enum
    ec2 = _ec2_vcpus()
    checked = derived = 0
    for name in hosting:
        twin = name.removeprefix("ml.")
        if twin not in ec2:
            continue
        checked += 1
        got = inference_recommender.vcpu_count(name)
        if got is not None:
            derived += 1
            assert got == ec2[twin], name
    assert checked > 200
    assert derived / checked > 0.95


@pytest.fixture
def stubbed_sagemaker(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    client = boto3.client(
        "sagemaker",
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    stubber = Stubber(client)
    made: list[tuple[Any, ...]] = []

    def fake_client(service: str, *args: Any, **kwargs: Any) -> Any:
        made.append((service, kwargs.get("region_name")))
        return client

    monkeypatch.setattr(boto3, "client", fake_client)
    with stubber:
        yield stubber
    assert made == [("sagemaker", REGION)]
    stubber.assert_no_pending_responses()


def test_inference_recommender_snippet_runs_against_the_sagemaker_api(
    stubbed_sagemaker: Stubber,
) -> None:
    """The snippet's calls are validated against botocore's SageMaker model by the Stubber."""
    ep = endpoint_of(
        "ep-1",
        variant("blue", "ml.c5.xlarge", cpu_max=10.0),
        variant("green", "ml.c5.xlarge", cpu_max=8.0),
    )
    prices = {("ml.c5.xlarge", "hosting"): price(0.2)}
    (found,) = inference_recommender.run(facts(endpoints=(ep,), prices=prices), Thresholds())
    assert found.snippet
    assert "first variant" in found.detail
    assert found.arithmetic.endswith(
        "; it costs (1 x ml.c5.xlarge x $0.20/h + 1 x ml.c5.xlarge x $0.20/h) x 730 h "
        "= $292.00/month"
    )
    ast.parse(found.snippet)
    job_name = "ep-1-ir-202611301200"
    stubbed_sagemaker.add_response(
        "describe_endpoint_config",
        {
            "EndpointConfigName": "ep-1-config",
            "EndpointConfigArn": f"{ARN}:endpoint-config/ep-1-config",
            "ProductionVariants": [
                {"VariantName": "green", "ModelName": "model-green"},
                {"VariantName": "blue", "ModelName": "model-blue"},
            ],
            "CreationTime": NOW,
        },
        {"EndpointConfigName": "ep-1-config"},
    )
    stubbed_sagemaker.add_response(
        "create_inference_recommendations_job",
        {"JobArn": f"{ARN}:inference-recommendations-job/{job_name}"},
        {
            "JobName": job_name,
            "JobType": "Default",
            "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/REPLACE-WITH-SAGEMAKER-EXECUTION-ROLE",
            "InputConfig": {
                "ModelName": "model-blue",
                "ContainerConfig": {
                    "Domain": "MACHINE_LEARNING",
                    "Task": "OTHER",
                    "PayloadConfig": {
                        "SamplePayloadUrl": "s3://REPLACE-BUCKET/REPLACE-sample-payload.tar.gz",
                        "SupportedContentTypes": ["application/json"],
                    },
                },
            },
        },
    )
    stubbed_sagemaker.add_response(
        "describe_inference_recommendations_job",
        {
            "JobName": job_name,
            "JobType": "Default",
            "JobArn": f"{ARN}:inference-recommendations-job/{job_name}",
            "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/r",
            "Status": "COMPLETED",
            "CreationTime": NOW,
            "LastModifiedTime": NOW,
            "InputConfig": {"ModelName": "model-blue"},
            "InferenceRecommendations": [
                {
                    "Metrics": {
                        "CostPerHour": 0.1,
                        "CostPerInference": 0.0001,
                        "MaxInvocations": 10,
                        "ModelLatency": 5,
                    },
                    "EndpointConfiguration": {
                        "EndpointName": "x",
                        "VariantName": "v",
                        "InstanceType": "ml.c5.large",
                    },
                    "ModelConfiguration": {},
                }
            ],
        },
        {"JobName": job_name},
    )
    exec(compile(found.snippet, "<snippet>", "exec"), {})
