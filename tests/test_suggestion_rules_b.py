"""Suggestion rules 7-11: tags, data-locality, savings-plan, idle-budget,
inference-recommender. Pure: facts in, suggestions out; prices are ones the tests choose."""

from __future__ import annotations

import ast
import gzip
import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.stub import Stubber

from jupyter_smcost.suggestions.model import (
    EndpointFact,
    Facts,
    IdleFacts,
    JobFact,
    PriceFact,
    ResourceRef,
    SavingsPlanFact,
    Thresholds,
    VariantFact,
    suggestion_id,
)
from jupyter_smcost.suggestions.rules import (
    data_locality,
    idle_budget,
    inference_recommender,
    savings_plan,
    tags,
)

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
REGION = "us-east-1"
ACCOUNT = "123456789012"
ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}"


def price(usd_per_hour: float) -> PriceFact:
    return PriceFact(usd_per_hour, "test")


def job(
    name: str = "train-1",
    *,
    kind: str = "training-job",
    status: str = "InProgress",
    instance_type: str | None = "ml.m5.xlarge",
    count: int = 2,
    tags: dict[str, str] | None = None,
    inputs: tuple[str, ...] = (),
    ended_at: datetime | None = None,
) -> JobFact:
    return JobFact(
        kind=kind,
        name=name,
        arn=f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:{kind}/{name}",
        status=status,
        instance_type=instance_type,
        instance_count=count,
        created_at=NOW - timedelta(hours=2),
        started_at=NOW - timedelta(hours=1),
        ended_at=ended_at,
        inputs=inputs,
        tags=tags or {},
        fingerprint=f"fp-{name}",
        console_url=f"https://console.example/{name}",
    )


def variant(
    name: str = "AllTraffic",
    instance_type: str | None = "ml.m5.2xlarge",
    count: int = 1,
    *,
    invocations: float | None = 1234.0,
    cpu_max: float | None = 24.0,
    gpu_max: float | None = None,
    serverless: bool = False,
) -> VariantFact:
    return VariantFact(
        name=name,
        instance_type=instance_type,
        instance_count=count,
        serverless=serverless,
        invocations=invocations,
        cpu_avg=None if cpu_max is None else cpu_max / 2,
        cpu_max=cpu_max,
        gpu_max=gpu_max,
    )


def endpoint(
    name: str = "ep-1",
    *variants: VariantFact,
    status: str = "InService",
    tags: dict[str, str] | None = None,
) -> EndpointFact:
    return EndpointFact(
        name=name,
        arn=f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/{name}",
        status=status,
        config_name=f"{name}-config",
        created_at=NOW - timedelta(days=3),
        variants=variants or (variant(),),
        tags=tags or {},
        fingerprint=f"fp-{name}",
        console_url=f"https://console.example/{name}",
    )


def facts(**kw: Any) -> Facts:
    base: dict[str, Any] = {"now": NOW, "region": REGION, "account": ACCOUNT}
    base.update(kw)
    return Facts(**base)


def test_rule_contracts() -> None:
    jobs = ("owner", "resource-tags", "training-jobs", "processing-jobs")
    endpoints = ("owner", "resource-tags", "endpoints", "endpoint-configs", "endpoint-metrics")
    assert (tags.RULE.name, tags.RULE.needs) == ("tags", (*jobs, "endpoints"))
    # The endpoints' instances only price what goes untracked.
    assert tags.RULE.uses == ("endpoint-configs",)
    assert (data_locality.RULE.name, data_locality.RULE.needs) == (
        "data-locality",
        (*jobs, "bucket-regions"),
    )
    assert (savings_plan.RULE.name, savings_plan.RULE.needs) == ("savings-plan", ("savings-plan",))
    assert (idle_budget.RULE.name, idle_budget.RULE.needs) == ("idle-budget", ("idle",))
    assert (inference_recommender.RULE.name, inference_recommender.RULE.needs) == (
        "inference-recommender",
        endpoints,
    )


# -- tags -------------------------------------------------------------------------------

REQUIRED = Thresholds(required_tags=("team", "project"))


def test_tags_fires_per_resource_with_missing_keys_and_hourly_cost() -> None:
    found = tags.run(
        facts(
            jobs=(job(tags={"team": "ml"}),),
            endpoints=(endpoint("ep-1", variant(instance_type="ml.c5.large")),),
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
        "training-job", "train-1", job().arn, "https://console.example/train-1"
    )
    assert train.docs_url == (
        "https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/cost-alloc-tags.html"
    )
    (action,) = train.actions
    assert action.id == "add-tags"
    assert dict(action.params) == {"arn": job().arn, "kind": "training-job", "name": "train-1"}
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
        jobs=(job(),),
        endpoints=(endpoint(),),
        prices={("ml.m5.xlarge", "training"): price(0.23)},
    )
    assert tags.run(untagged, Thresholds()) == []
    tagged = {"team": "ml", "project": "x", "extra": "y"}
    assert (
        tags.run(facts(jobs=(job(tags=tagged),), endpoints=(endpoint(tags=tagged),)), REQUIRED)
        == []
    )
    assert (
        tags.run(
            facts(
                jobs=(
                    job(status="Completed", ended_at=NOW),
                    job("p", kind="processing-job", status="Stopped"),
                ),
                endpoints=(endpoint(status="Creating"), endpoint("ep-2", status="OutOfService")),
            ),
            REQUIRED,
        )
        == []
    )


def test_tags_keys_are_case_sensitive() -> None:
    (found,) = tags.run(facts(jobs=(job(tags={"Team": "ml", "project": "x"}),)), REQUIRED)
    assert found.actions[0].fields == ("team",)


def test_tags_unknown_price_gives_no_dollar_figure() -> None:
    (found,) = tags.run(facts(jobs=(job(instance_type="ml.p9.xlarge", count=1),)), REQUIRED)
    assert found.saving_usd_per_month is None
    assert found.saving_note
    assert found.arithmetic == (
        "missing team, project; untracked: 1 x ml.p9.xlarge x price unknown"
    )
    assert "$" not in found.detail
    assert "the price of ml.p9.xlarge is unknown" in found.detail


def test_tags_endpoint_sums_instance_variants_and_skips_serverless() -> None:
    ep = endpoint(
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


# -- data-locality ----------------------------------------------------------------------

BUCKETS = {"eu-data": "eu-west-1", "home-data": REGION}


def test_data_locality_fires_for_a_job_reading_another_regions_bucket() -> None:
    reader = job(inputs=("s3://eu-data/train/", "s3://home-data/x.csv", "s3://eu-data/val/"))
    (found,) = data_locality.run(facts(jobs=(reader,), bucket_regions=BUCKETS), Thresholds())
    assert found.id == suggestion_id("data-locality", "training-job", "train-1")
    assert found.title == "The training job train-1 reads data from eu-west-1"
    assert found.saving_usd_per_month is None
    assert found.saving_note == data_locality.SAVING_NOTE
    assert "not in this extension's price data" in found.saving_note
    assert found.arithmetic == (
        "job in us-east-1, data in eu-west-1: every GB read x the inter-region transfer price "
        "per GB (neither known here)"
    )
    assert found.detail.count("s3://eu-data (eu-west-1)") == 1
    assert "home-data" not in found.detail
    assert "run the job in eu-west-1" in found.detail
    assert found.fingerprint == "fp-train-1"
    assert [(a.id, dict(a.params)) for a in found.actions] == [
        ("stop-training-job", {"name": "train-1"})
    ]
    assert (
        found.docs_url == "https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication.html"
    )


def test_data_locality_names_every_foreign_region() -> None:
    reader = job("proc", kind="processing-job", inputs=("s3://eu-data/a", "s3://west/b"))
    regions = {**BUCKETS, "west": "us-west-2"}
    (found,) = data_locality.run(facts(jobs=(reader,), bucket_regions=regions), Thresholds())
    assert found.title == "The processing job proc reads data from eu-west-1, us-west-2"
    assert "run the job in the data's region" in found.detail


def test_data_locality_silent_for_local_unknown_or_non_s3_data() -> None:
    jobs = (
        job("a", inputs=("s3://home-data/x",)),
        job("b", inputs=("s3://unknown-bucket/x",)),  # region unknown: ignored, not guessed
        job("c", inputs=("file:///tmp/x", "https://eu-data.s3.amazonaws.com/x")),
        job("d"),
    )
    assert data_locality.run(facts(jobs=jobs, bucket_regions=BUCKETS), Thresholds()) == []
    far = job(inputs=("s3://eu-data/x",))
    assert (
        data_locality.run(facts(jobs=(far,), bucket_regions=BUCKETS, region=None), Thresholds())
        == []
    )


def test_data_locality_respects_the_lookback() -> None:
    old = job(
        "old", status="Completed", inputs=("s3://eu-data/x",), ended_at=NOW - timedelta(days=8)
    )
    recent = job(
        "new", status="Completed", inputs=("s3://eu-data/x",), ended_at=NOW - timedelta(days=6)
    )
    found = data_locality.run(
        facts(jobs=(old, recent), bucket_regions=BUCKETS), Thresholds(lookback_days=7)
    )
    assert [s.resource.name for s in found if s.resource] == ["new"]


def test_bucket_of() -> None:
    assert data_locality.bucket_of("s3://bucket/key/part") == "bucket"
    assert data_locality.bucket_of("S3://bucket") == "bucket"
    assert data_locality.bucket_of("s3://") is None
    assert data_locality.bucket_of("bucket/key") is None
    assert data_locality.bucket_of("https://bucket.s3.amazonaws.com/key") is None


# -- savings-plan -----------------------------------------------------------------------


def plan(**kw: Any) -> SavingsPlanFact:
    base: dict[str, Any] = {
        "estimated_monthly_savings_usd": 123.45,
        "hourly_commitment_usd": 0.75,
        "estimated_savings_percent": 21.54,
        "term": "ONE_YEAR",
        "payment_option": "NO_UPFRONT",
        "lookback": "THIRTY_DAYS",
        "estimated_on_demand_cost_usd": 574.2,
    }
    base.update(kw)
    return SavingsPlanFact(**base)


def test_savings_plan_quotes_cost_explorers_figures() -> None:
    (found,) = savings_plan.run(facts(savings_plan=plan()), Thresholds())
    assert found.id == suggestion_id("savings-plan", "account", ACCOUNT)
    assert found.saving_usd_per_month == pytest.approx(123.45)
    assert found.severity == "high"
    assert found.title == "Buy a 1-year SageMaker Savings Plan"
    assert found.arithmetic == (
        "Cost Explorer, from the last 30 days of SageMaker usage, 1-year term, no upfront; "
        "commit $0.75/h; on-demand cost $574.20; estimated savings 21.5%; "
        "estimated saving $123.45/month"
    )
    assert "committing $0.75 per hour" in found.detail
    assert found.docs_url == "https://aws.amazon.com/savingsplans/ml-pricing/"
    assert found.saving_note is None


def test_savings_plan_silent_without_a_recommendation_or_saving() -> None:
    assert savings_plan.run(facts(), Thresholds()) == []
    assert (
        savings_plan.run(facts(savings_plan=plan(estimated_monthly_savings_usd=0.0)), Thresholds())
        == []
    )
    nan = plan(estimated_monthly_savings_usd=float("nan"))
    assert savings_plan.run(facts(savings_plan=nan), Thresholds()) == []


def test_savings_plan_leaves_out_figures_cost_explorer_did_not_give() -> None:
    bare = plan(
        hourly_commitment_usd=None,
        estimated_savings_percent=None,
        estimated_on_demand_cost_usd=None,
        term="THREE_YEARS",
        payment_option="ALL_UPFRONT",
        lookback="SEVEN_DAYS",
        estimated_monthly_savings_usd=8.0,
    )
    (found,) = savings_plan.run(facts(savings_plan=bare), Thresholds())
    assert found.arithmetic == (
        "Cost Explorer, from the last 7 days of SageMaker usage, 3-year term, all upfront; "
        "estimated saving $8.00/month"
    )
    assert found.severity == "low"


def test_savings_plan_in_another_currency_is_not_a_dollar_figure() -> None:
    (found,) = savings_plan.run(facts(savings_plan=plan(currency="EUR")), Thresholds())
    assert found.saving_usd_per_month is None
    assert found.saving_note and "EUR" in found.saving_note
    assert "123.45 EUR/month" in found.arithmetic


# -- idle-budget ------------------------------------------------------------------------

APP = ResourceRef("app", "my-space/JupyterLab/default", "arn:app", None)


def idle(**kw: Any) -> IdleFacts:
    base: dict[str, Any] = {
        "timeout_minutes": 60.0,
        "max_idle_usd": None,
        "min_minutes": 5.0,
        "max_minutes": 1440.0,
        "users_may_change": True,
    }
    base.update(kw)
    return IdleFacts(**base)


def server(rate: float | None, **kw: Any) -> Facts:
    prices = {} if rate is None else {("ml.g5.xlarge", "studio-jupyterlab"): price(rate)}
    return facts(
        instance_type="ml.g5.xlarge",
        component="studio-jupyterlab",
        app_ref=APP,
        idle=idle(**kw),
        prices=prices,
    )


def test_idle_budget_fires_with_budget_and_shorter_timeout() -> None:
    (found,) = idle_budget.run(server(1.41), Thresholds(idle_budget_hint_usd=1.0))
    assert found.id == suggestion_id("idle-budget", "app", APP.name)
    assert found.resource == APP
    assert found.arithmetic == (
        "60 min x $1.41/h = $1.41 per idle spell; budget $1.00 -> at most $1.00; "
        "timeout 42 min x $1.41/h = $0.99 per idle spell"
    )
    assert found.saving_usd_per_month is None
    assert found.saving_note == (
        "Per idle spell: $1.41 now, at most $0.99 after the change, $0.42 less. How often the "
        "app sits idle until shutdown is yours to say, so no monthly figure."
    )
    budget, timeout = found.actions
    assert (budget.id, dict(budget.params)) == ("set-idle-budget", {"max_idle_usd": 1.0})
    assert timeout.id == "set-idle-timeout"
    # 1.00 / 1.41 x 60 = 42.55 min, rounded down.
    assert timeout.params["timeout_minutes"] == pytest.approx(42.0)
    assert found.docs_url == (
        "https://docs.aws.amazon.com/sagemaker/latest/dg/studio-updated-idle-shutdown.html"
    )


def test_idle_budget_silent_when_a_spell_is_cheap_or_unpriced_or_capped() -> None:
    hint = Thresholds(idle_budget_hint_usd=2.0)
    assert idle_budget.run(server(1.0), hint) == []  # 60 min x $1/h = $1 <= $2
    assert idle_budget.run(server(2.0), hint) == []  # exactly the hint
    assert idle_budget.run(server(None), hint) == []  # price unknown
    assert idle_budget.run(server(10.0, max_idle_usd=2.0), hint) == []  # cap at the hint
    assert idle_budget.run(server(10.0, max_idle_usd=1.5), hint) == []  # cap under the hint
    no_idle = facts(
        instance_type="ml.g5.xlarge",
        component="studio-jupyterlab",
        prices={("ml.g5.xlarge", "studio-jupyterlab"): price(10.0)},
    )
    assert idle_budget.run(no_idle, hint) == []


def test_idle_budget_counts_an_existing_cap_above_the_hint() -> None:
    (found,) = idle_budget.run(server(4.0, max_idle_usd=3.0), Thresholds(idle_budget_hint_usd=2.0))
    assert found.arithmetic == (
        "60 min x $4.00/h = $4.00, capped by the idle budget $3.00 per idle spell; "
        "budget $2.00 -> at most $2.00; timeout 30 min x $4.00/h = $2.00 per idle spell"
    )
    assert found.saving_note is not None
    assert found.saving_note.startswith(
        "Per idle spell: $3.00 now, at most $2.00 after the change, $1.00 less."
    )


def test_idle_budget_clamps_the_timeout_to_the_admins_minimum() -> None:
    # $2 at $12/h buys 10 min, under the 15 min minimum: both options stop at 15 min = $3.
    (found,) = idle_budget.run(server(12.0, min_minutes=15.0), Thresholds(idle_budget_hint_usd=2.0))
    assert found.arithmetic == (
        "60 min x $12.00/h = $12.00 per idle spell; budget $2.00 -> at most $3.00 "
        "(the 15 min minimum still applies); timeout 15 min x $12.00/h = $3.00 per idle spell"
    )
    assert found.actions[1].params["timeout_minutes"] == pytest.approx(15.0)
    assert "(not before the 15 min minimum: $3.00)" in found.detail


def test_idle_budget_silent_when_the_minimum_leaves_nothing_to_cap() -> None:
    assert (
        idle_budget.run(
            server(12.0, timeout_minutes=15.0, min_minutes=15.0),
            Thresholds(idle_budget_hint_usd=2.0),
        )
        == []
    )


def test_idle_budget_without_user_changes_offers_no_action() -> None:
    (found,) = idle_budget.run(
        server(1.41, users_may_change=False), Thresholds(idle_budget_hint_usd=1.0)
    )
    assert found.actions == ()
    assert "c.IdleShutdown.max_idle_usd" in found.detail


def test_idle_budget_no_timeout_is_unbounded() -> None:
    (found,) = idle_budget.run(
        server(1.41, timeout_minutes=0.0), Thresholds(idle_budget_hint_usd=1.0)
    )
    assert found.arithmetic == (
        "no idle timeout: $1.41/h for as long as the app sits idle; budget $1.00 -> at most "
        "$1.00; timeout 42 min x $1.41/h = $0.99 per idle spell"
    )
    assert found.title == "Idle time on ml.g5.xlarge is unbounded: set an idle budget"
    assert found.saving_note is not None and found.saving_note.startswith(
        "Per idle spell: unbounded now"
    )


def test_idle_budget_timeout_offered_only_when_shorter() -> None:
    # 20 min x $9/h = $3 > $2; $2 buys 13 min, but the minimum is 20: only the budget is
    # left, and the floor keeps it at 20 min = $3, so nothing helps.
    assert idle_budget.run(server(9.0, timeout_minutes=20.0, min_minutes=20.0), Thresholds()) == []
    # 30 min x $6/h = $3; the budget $2 (20 min) helps, and so does the timeout of 20 min.
    (found,) = idle_budget.run(server(6.0, timeout_minutes=30.0), Thresholds())
    assert [a.id for a in found.actions] == ["set-idle-budget", "set-idle-timeout"]
    assert found.actions[1].params["timeout_minutes"] == pytest.approx(20.0)


# -- inference-recommender --------------------------------------------------------------


def test_inference_recommender_fires_on_low_cpu_per_vcpu() -> None:
    ep = endpoint("ep-1", variant(cpu_max=24.0))
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
        endpoint("busy", variant(cpu_max=160.0)),  # 160% over 8 vCPUs: 20%, not under 20%
        endpoint("idle", variant(invocations=0.0)),  # the idle-endpoint rule's case
        endpoint("no-metrics", variant(invocations=None)),
        endpoint("no-cpu", variant(cpu_max=None)),
        endpoint("gpu-busy", variant(instance_type="ml.g5.xlarge", cpu_max=4.0, gpu_max=85.0)),
        endpoint("updating", variant(), status="Updating"),
        endpoint("serverless", variant(instance_type=None, count=0, serverless=True)),
        endpoint("one-busy", variant("a"), variant("b", cpu_max=400.0)),
    ]
    assert inference_recommender.run(facts(endpoints=tuple(cases)), limit) == []


def test_inference_recommender_gpu_and_unknown_vcpus_compare_raw() -> None:
    gpu = endpoint("gpu", variant(instance_type="ml.g5.xlarge", cpu_max=12.0, gpu_max=5.0))
    small = endpoint("small", variant(instance_type="ml.t2.medium", cpu_max=15.0))
    small_busy = endpoint("small-busy", variant(instance_type="ml.t2.medium", cpu_max=25.0))
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
    ep = endpoint(
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
