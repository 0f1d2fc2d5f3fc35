"""inference-recommender: endpoints that serve traffic on instances that stay nearly idle.
SageMaker Inference Recommender load-tests the model on candidate instance types and reports
what each costs; the suggestion carries a ready-to-run snippet that starts such a job."""

from __future__ import annotations

import json
import re

from ..model import (
    HOURS_PER_MONTH,
    EndpointFact,
    Facts,
    ResourceRef,
    Suggestion,
    Thresholds,
    VariantFact,
    suggestion_id,
    usd,
)
from . import ENDPOINTS, Rule
from ._figures import endpoint_hourly

NAME = "inference-recommender"
DOCS = "https://docs.aws.amazon.com/sagemaker/latest/dg/inference-recommender.html"
SAVING_NOTE = (
    "Inference Recommender measures the saving: it reports the cost per hour and per "
    "inference of each candidate instance type for this model, so no figure is guessed here."
)

_SIZE = re.compile(r"^ml\.([a-z0-9-]+)\.(large|xlarge|(\d+)xlarge)$")
#: Types whose vCPUs break the size rule below (per EC2's DescribeInstanceTypes data).
_IRREGULAR = frozenset({"ml.c4.8xlarge"})


def vcpu_count(instance_type: str | None) -> int | None:
    """vCPUs from the size as EC2 names it: large = 2, xlarge = 4, Nxlarge = 4 x N.

    The rule holds for every hosting instance type botocore lists that EC2's own
    DescribeInstanceTypes data describes, except `_IRREGULAR` (the tests check this against
    moto's copy of that data). Sizes below large (a medium has 1 or 2) are not derived."""
    if not instance_type or instance_type in _IRREGULAR:
        return None
    match = _SIZE.match(instance_type)
    if match is None:
        return None
    size, factor = match.group(2), match.group(3)
    if size == "large":
        return 2
    return 4 * int(factor) if factor else 4


def _pct(value: float) -> str:
    return f"{value:.1f}%"


def _low_use(variant: VariantFact, limit: float) -> str | None:
    """The variant's utilisation in words when it stayed under `limit`; None when it did not,
    or when CloudWatch gave no CPU figure (no figure, no advice)."""
    if variant.cpu_max is None:
        return None
    # CloudWatch's endpoint CPUUtilization sums the cores' percentages (4 vCPUs: 0-400%):
    # divided by the vCPUs it compares with the limit as a share of the instance. Where the
    # vCPUs are not known the raw sum is compared, which can only understate idleness.
    vcpus = vcpu_count(variant.instance_type)
    if vcpus:
        cpu = variant.cpu_max / vcpus
        words = f"CPU max {_pct(variant.cpu_max)} / {vcpus} vCPUs = {_pct(cpu)} per vCPU"
    else:
        cpu = variant.cpu_max
        words = f"CPU max {_pct(cpu)} (summed over its cores)"
    if cpu >= limit:
        return None
    # GPUUtilization is summed over the GPUs the same way; the GPU count is not derived from
    # the name, so the raw sum is compared (an idle multi-GPU variant may go unflagged, a busy
    # one never is).
    if variant.gpu_max is not None:
        if variant.gpu_max >= limit:
            return None
        words += f", GPU max {_pct(variant.gpu_max)}"
    return f"{variant.name} ({variant.instance_type}): {words} < {_pct(limit)}"


def _arn_field(arn: str, index: int) -> str | None:
    parts = arn.split(":")
    if not arn.startswith("arn:") or len(parts) <= index:
        return None
    return parts[index] or None


def _job_name(endpoint: str, facts: Facts) -> str:
    # Unique per account and region, at most 64 characters, no trailing hyphen.
    return f"{endpoint[:47].rstrip('-')}-ir-{facts.now:%Y%m%d%H%M}"


def snippet(endpoint: EndpointFact, variant: VariantFact, facts: Facts) -> str:
    """boto3 code that starts a Default (instance recommendation) job for the model behind
    `variant`; only the role and the sample payload need filling in."""
    region = facts.region or _arn_field(endpoint.arn, 3) or "REPLACE-REGION"
    partition = _arn_field(endpoint.arn, 1) or "aws"
    account = _arn_field(endpoint.arn, 4) or facts.account or "REPLACE-ACCOUNT-ID"
    role = f"arn:{partition}:iam::{account}:role/REPLACE-WITH-SAGEMAKER-EXECUTION-ROLE"
    q = json.dumps
    return f"""import boto3

sm = boto3.client("sagemaker", region_name={q(region)})

# The model behind variant {variant.name} of endpoint {endpoint.name}, from its endpoint config.
config = sm.describe_endpoint_config(EndpointConfigName={q(endpoint.config_name)})
model_name = next(
    v["ModelName"] for v in config["ProductionVariants"] if v["VariantName"] == {q(variant.name)}
)

job_name = {q(_job_name(endpoint.name, facts))}
sm.create_inference_recommendations_job(
    JobName=job_name,
    JobType="Default",  # instance recommendations
    RoleArn={q(role)},
    InputConfig={{
        "ModelName": model_name,
        # With a model name (rather than a model package) describe the model and give a
        # sample request to replay:
        "ContainerConfig": {{
            "Domain": "MACHINE_LEARNING",  # or COMPUTER_VISION, NATURAL_LANGUAGE_PROCESSING
            "Task": "OTHER",  # or CLASSIFICATION, REGRESSION, IMAGE_CLASSIFICATION, ...
            "PayloadConfig": {{
                "SamplePayloadUrl": "s3://REPLACE-BUCKET/REPLACE-sample-payload.tar.gz",
                "SupportedContentTypes": ["application/json"],  # what the model accepts
            }},
        }},
    }},
)
# The recommendations, once the job is COMPLETED:
job = sm.describe_inference_recommendations_job(JobName=job_name)
print(job["Status"])
for r in job.get("InferenceRecommendations", []):
    where = r["EndpointConfiguration"].get("InstanceType", "serverless")
    print(where, r["Metrics"].get("CostPerHour"), "USD/h")
"""


def _suggestion(
    endpoint: EndpointFact, facts: Facts, lines: list[str], first: VariantFact
) -> Suggestion:
    hours = facts.endpoint_window_hours
    invocations = endpoint.invocations or 0.0
    cost = endpoint_hourly(endpoint, facts)
    arithmetic = "; ".join(lines) + f"; {invocations:,.0f} invocations in {hours:g} h"
    if cost.usd_per_hour is not None:
        monthly = cost.usd_per_hour * HOURS_PER_MONTH
        per_hour = f"({cost.terms})" if " + " in cost.terms else cost.terms
        arithmetic += f"; it costs {per_hour} x {HOURS_PER_MONTH:g} h = {usd(monthly)}/month"
        costs = f" It costs {usd(monthly)}/month as it is."
    else:
        costs = ""
    others = (
        " The snippet covers its first variant; run one job per model." if len(lines) > 1 else ""
    )
    detail = (
        f"Endpoint {endpoint.name} served {invocations:,.0f} requests in the last {hours:g} h "
        f"while its instances stayed nearly idle, so a smaller or cheaper instance type may "
        f"serve the same traffic.{costs} An Inference Recommender job load-tests the model on "
        "candidate instance types and reports each one's latency, throughput and cost; its "
        "test endpoints are billed while it runs. Start one with the snippet (fill in an "
        f"execution role and a sample request).{others}"
    )
    return Suggestion(
        id=suggestion_id(NAME, "endpoint", endpoint.name),
        rule=NAME,
        title=f"Find a cheaper instance for endpoint {endpoint.name}",
        detail=detail,
        saving_usd_per_month=None,
        saving_note=SAVING_NOTE,
        arithmetic=arithmetic,
        docs_url=DOCS,
        resource=ResourceRef("endpoint", endpoint.name, endpoint.arn, endpoint.console_url),
        snippet=snippet(endpoint, first, facts),
        fingerprint=endpoint.fingerprint,
    )


def run(facts: Facts, thresholds: Thresholds) -> list[Suggestion]:
    limit = thresholds.endpoint_low_utilization_percent
    out: list[Suggestion] = []
    for endpoint in facts.endpoints:
        invocations = endpoint.invocations
        # No traffic is the idle-endpoint rule's case (delete it), not a sizing question.
        if endpoint.status != "InService" or invocations is None or invocations <= 0:
            continue
        on_instances = [v for v in endpoint.variants if not v.serverless and v.instance_count > 0]
        lines = [_low_use(v, limit) for v in on_instances]
        if not on_instances or any(line is None for line in lines):
            continue
        out.append(_suggestion(endpoint, facts, [line for line in lines if line], on_instances[0]))
    return out


RULE = Rule(name=NAME, needs=(*ENDPOINTS, "endpoint-configs", "endpoint-metrics"), run=run)
