"""The suggestions' plumbing without a server: the engine (missing sources, a failing rule,
order), the facts collector against a scripted AWS (what is remembered, how answers are
read, how refusals become problems), the usage sampler and the on-disk stores."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from jupyter_smcost.aws import AwsError
from jupyter_smcost.suggestions import engine
from jupyter_smcost.suggestions.collect import (
    FactsCollector,
    bucket_region,
    model_images,
    savings_plan_fact,
)
from jupyter_smcost.suggestions.model import (
    EndpointFact,
    Facts,
    PriceFact,
    Suggestion,
    Thresholds,
    VariantFact,
)
from jupyter_smcost.suggestions.rules import Rule
from jupyter_smcost.suggestions.store import AuditLog, DismissStore, valid_days
from jupyter_smcost.suggestions.usage import UsageSampler, percentile
from tests.support.suggestions import (
    ACCOUNT,
    NOW,
    REGION,
    ScriptedAws,
    T,
    local_env,
    no_owner,
    scripted,
    training,
)


def idle_endpoint(name: str = "quiet", invocations: float | None = 0.0) -> EndpointFact:
    return EndpointFact(
        name=name,
        arn=f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/{name}",
        status="InService",
        config_name=f"{name}-config",
        created_at=NOW - timedelta(days=3),
        variants=(VariantFact("AllTraffic", "ml.m5.large", 1, ("img",), invocations=invocations),),
        fingerprint="InService|x|",
    )


# -- engine ---------------------------------------------------------------------------------


def test_a_missing_source_silences_its_rules_and_names_the_iam_action() -> None:
    facts = Facts(
        now=NOW,
        region=REGION,
        endpoints=(idle_endpoint(),),
        prices={("ml.m5.large", "hosting"): PriceFact(0.1, "test")},
        missing={
            "endpoint-metrics": {
                "code": "permission",
                "action": "cloudwatch:GetMetricData",
                "message": "no permission for cloudwatch:GetMetricData",
            }
        },
    )
    out = engine.run_rules(facts, T)
    assert not [s for s in out.suggestions if s.rule == "idle-endpoint"]
    [problem] = out.problems
    assert problem.action == "cloudwatch:GetMetricData" and problem.source == "endpoint-metrics"
    assert problem.rule == "idle-endpoint, multi-model, inference-recommender"
    # With the metrics, the same facts do give the idle endpoint's suggestion.
    out = engine.run_rules(replace(facts, missing={}), T)
    [found] = [s for s in out.suggestions if s.rule == "idle-endpoint"]
    assert found.saving_usd_per_month == pytest.approx(0.1 * 730)
    assert out.problems == []


def test_a_failing_rule_is_a_problem_and_the_others_still_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(facts: Facts, thresholds: Thresholds) -> list[Suggestion]:
        raise ZeroDivisionError("bug")

    rules = engine.all_rules()
    patched = tuple(
        Rule(r.name, r.needs, broken, r.prices) if r.name == "multi-model" else r for r in rules
    )
    monkeypatch.setattr(engine, "all_rules", lambda: patched)
    facts = Facts(
        now=NOW,
        region=REGION,
        endpoints=(idle_endpoint(),),
        prices={("ml.m5.large", "hosting"): PriceFact(0.1, "test")},
    )
    out = engine.run_rules(facts, T)
    assert [p.code for p in out.problems] == ["rule-error"]
    assert "multi-model" in out.problems[0].message
    assert [s.rule for s in out.suggestions] == ["idle-endpoint"]


def test_disabled_rules_do_not_run_and_order_is_by_saving() -> None:
    facts = Facts(
        now=NOW,
        region=REGION,
        endpoints=(idle_endpoint("small"), replace(idle_endpoint("big"), variants=(
            VariantFact("AllTraffic", "ml.m5.large", 3, ("img",), invocations=0.0),
        ))),
        prices={("ml.m5.large", "hosting"): PriceFact(0.1, "test")},
    )  # fmt: skip
    out = engine.run_rules(facts, T)
    assert [s.resource.name for s in out.suggestions if s.resource] == ["big", "small"]
    assert out.total_saving_usd_per_month == pytest.approx(4 * 0.1 * 730)
    assert engine.run_rules(facts, T, disabled=["idle-endpoint"]).suggestions == []


def test_wanted_prices_cover_the_facts_and_the_smaller_sizes() -> None:
    from jupyter_smcost.suggestions.model import SpaceUsage

    usage = SpaceUsage("ml.m5.4xlarge", "studio-jupyterlab", 60, 5, 8, 10, 12, gpu_count=0)
    facts = Facts(
        now=NOW,
        region=REGION,
        instance_type="ml.m5.4xlarge",
        component="studio-jupyterlab",
        endpoints=(idle_endpoint(),),
        usage=usage,
    )
    keys = engine.wanted_prices(facts, T)
    assert ("ml.m5.4xlarge", "studio-jupyterlab") in keys
    assert ("ml.m5.large", "hosting") in keys
    assert ("ml.m5.2xlarge", "studio-jupyterlab") in keys


# -- collector against a scripted AWS ---------------------------------------------------------


async def test_an_ended_job_is_described_once_and_a_running_one_when_it_changes() -> None:
    jobs = {"done": training("done", "Completed"), "busy": training("busy", "InProgress")}
    aws = scripted(jobs)
    collector = FactsCollector(aws, local_env, no_owner, clock=lambda: NOW)
    facts = await collector.collect(T)
    assert sorted(j.name for j in facts.jobs) == ["busy", "done"]
    done = next(j for j in facts.jobs if j.name == "done")
    assert done.instance_count == 2 and done.training_seconds == 3420
    assert done.inputs == ("s3://data/train/",) and done.tags == {"project": "x"}
    assert facts.bucket_regions == {"data": "eu-west-1"}
    assert aws.count("describe_training_job") == 2
    assert aws.count("get_bucket_location") == 1
    # Nothing changed: no describe at all, and the bucket's region is remembered.
    await collector.collect(T)
    assert aws.count("describe_training_job") == 2
    assert aws.count("get_bucket_location") == 1
    # The running job moved on: only it is described again.
    jobs["busy"] = {**jobs["busy"], "LastModifiedTime": NOW}
    await collector.collect(T)
    assert aws.count("describe_training_job") == 3
    # The recommendation is asked for once a day, not every refresh.
    assert aws.count("get_savings_plans_purchase_recommendation") == 1


async def test_a_refusal_becomes_a_missing_source_with_its_iam_action() -> None:
    aws = scripted({})
    aws.answers["get_savings_plans_purchase_recommendation"] = AwsError(
        "GetSavingsPlansPurchaseRecommendation", "AccessDeniedException", "no"
    )
    aws.answers["list_endpoints"] = AwsError("ListEndpoints", "AccessDeniedException", "no")
    facts = await FactsCollector(aws, local_env, no_owner, clock=lambda: NOW).collect(T)
    assert facts.missing["savings-plan"]["action"] == "ce:GetSavingsPlansPurchaseRecommendation"
    assert facts.missing["endpoints"]["action"] == "sagemaker:ListEndpoints"
    out = engine.run_rules(facts, T)
    # (This collector has no usage sampler and no idle policy: those say so without an action.)
    assert {p.action for p in out.problems if p.action} == {
        "ce:GetSavingsPlansPurchaseRecommendation",
        "sagemaker:ListEndpoints",
    }


async def test_endpoint_metrics_in_one_call() -> None:
    aws = ScriptedAws({})

    def metrics(params: dict[str, Any]) -> dict[str, Any]:
        results = []
        for q in params["MetricDataQueries"]:
            stat = q["MetricStat"]
            name = stat["Metric"]["MetricName"]
            values = {"Invocations": [3.0, 4.0], "CPUUtilization": [12.5]}.get(name, [])
            results.append({"Id": q["Id"], "Values": values})
        return {"MetricDataResults": results}

    aws.answers["get_metric_data"] = metrics
    collector = FactsCollector(aws, local_env, no_owner, clock=lambda: NOW)
    [measured] = await collector.endpoint_metrics([idle_endpoint(invocations=None)], 24)
    [variant] = measured.variants
    assert variant.invocations == 7.0 and variant.cpu_avg == 12.5 and variant.cpu_max == 12.5
    assert variant.gpu_avg is None
    [(service, _, params)] = aws.calls
    assert service == "cloudwatch" and len(params["MetricDataQueries"]) == 5
    assert params["MetricDataQueries"][0]["MetricStat"]["Period"] == 86400


def test_answers_read_as_aws_writes_them() -> None:
    assert bucket_region({"LocationConstraint": None}) == "us-east-1"
    assert bucket_region({"LocationConstraint": "EU"}) == "eu-west-1"
    assert bucket_region({"LocationConstraint": "us-west-2"}) == "us-west-2"
    assert model_images({"Containers": [{"Image": "a"}, {"Image": "b"}]}) == ("a", "b")
    assert model_images({"PrimaryContainer": {"Image": "a"}}) == ("a",)
    summary = {
        "EstimatedMonthlySavingsAmount": "123.45",
        "HourlyCommitmentToPurchase": "0.5",
        "EstimatedSavingsPercentage": "21.3",
        "CurrencyCode": "USD",
    }
    fact = savings_plan_fact(
        {
            "SavingsPlansPurchaseRecommendation": {
                "TermInYears": "ONE_YEAR",
                "PaymentOption": "NO_UPFRONT",
                "LookbackPeriodInDays": "THIRTY_DAYS",
                "SavingsPlansPurchaseRecommendationSummary": summary,
            }
        }
    )
    assert fact is not None and fact.estimated_monthly_savings_usd == 123.45
    assert fact.hourly_commitment_usd == 0.5 and fact.term == "ONE_YEAR"
    assert savings_plan_fact({}) is None
    bad = {"SavingsPlansPurchaseRecommendationSummary": {"EstimatedMonthlySavingsAmount": "NaN"}}
    assert savings_plan_fact({"SavingsPlansPurchaseRecommendation": bad}) is None


# -- usage ----------------------------------------------------------------------------------


def test_usage_summary_and_ledger(tmp_path: Path) -> None:
    clock = [datetime(2026, 11, 29, 23, 58, tzinfo=timezone.utc)]
    cpu = iter([5.0, 7.0, 90.0, 6.0])
    sampler = UsageSampler(
        tmp_path, cpu=lambda: next(cpu), memory=lambda: 30.0, clock=lambda: clock[0]
    )
    for _ in range(4):
        sampler.sample()
        clock[0] += timedelta(minutes=1)
    usage = sampler.usage("ml.m5.xlarge", "studio-jupyterlab")
    assert usage is not None
    assert usage.observed_minutes == pytest.approx(3)
    assert usage.cpu_avg == pytest.approx(27.0) and usage.cpu_p95 == 90.0
    assert usage.memory_p95 == 30.0
    # Three minutes ran, across midnight: two on the 29th, one on the 30th.
    assert sampler.ledger == {
        "2026-11-29": pytest.approx(2 / 60),
        "2026-11-30": pytest.approx(1 / 60),
    }
    sampler.flush()
    again = UsageSampler(tmp_path, cpu=lambda: 1.0, memory=lambda: 1.0, clock=lambda: clock[0])
    assert again.hours_last_30_days() == pytest.approx(3 / 60)
    (tmp_path / "usage-ledger.json").write_text('{"2026-11-30": NaN, "x": [1]}')
    assert UsageSampler(tmp_path, cpu=lambda: 1.0, memory=lambda: 1.0).ledger == {}
    assert percentile([], 0.95) == 0.0 and percentile([1, 2, 3, 4], 0.5) == 2


# -- stores ---------------------------------------------------------------------------------


def test_dismissals_expire_and_a_corrupt_file_hides_nothing(tmp_path: Path) -> None:
    now = [NOW]
    store = DismissStore(tmp_path, clock=lambda: now[0])
    until, error = store.dismiss("me", "a", 2)
    assert error is None and until == (NOW + timedelta(days=2)).isoformat()
    store.dismiss("me", "b", None)
    assert store.hidden("me") == {"a", "b"} and store.hidden("you") == set()
    now[0] = NOW + timedelta(days=3)
    assert store.hidden("me") == {"b"}
    assert DismissStore(tmp_path, clock=lambda: now[0]).hidden("me") == {"b"}
    (tmp_path / "suggestions-dismissed.json").write_text("[[[")
    assert DismissStore(tmp_path).hidden("me") == set()
    for bad in (0, -1, "3", True, float("nan"), 1e9):
        with pytest.raises(ValueError):
            valid_days(bad)
    assert valid_days(None) is None and valid_days(1.5) == 1.5


def test_audit_log_appends_lines(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    assert log.append({"action_id": "x", "result": "ok"})
    assert log.append({"action_id": "y", "result": "refused"})
    lines = (tmp_path / "actions-audit.jsonl").read_text().splitlines()
    assert [json.loads(line)["action_id"] for line in lines] == ["x", "y"]
    assert not log.append({"bad": float("nan")})  # never NaN in the log
    blocked = AuditLog(tmp_path / "file")
    (tmp_path / "file").write_text("not a directory")
    assert not blocked.append({"action_id": "z"})


def test_a_gpu_space_without_nvidia_ml_py_says_why_its_gpu_is_not_measured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An offline install (--wheel-uri, no dependencies) has no nvidia-ml-py: the GPU advice
    must not go silent without a word."""
    import builtins

    from jupyter_smcost.suggestions.model import SpaceUsage
    from jupyter_smcost.suggestions.usage import NO_NVML_PACKAGE, Gpus

    real_import = builtins.__import__

    def no_pynvml(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "pynvml":
            raise ImportError("No module named 'pynvml'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pynvml)
    gpus = Gpus()
    assert gpus.count == 0 and gpus.unavailable == NO_NVML_PACKAGE
    monkeypatch.undo()

    def run(instance_type: str) -> list[Any]:
        usage = SpaceUsage(
            instance_type, "studio-jupyterlab", 60, 50, 8, 50, 12, gpu_count=0,
            gpu_unavailable=gpus.unavailable,
        )  # fmt: skip
        facts = Facts(
            now=NOW,
            region=REGION,
            instance_type=instance_type,
            component="studio-jupyterlab",
            usage=usage,
        )
        return [p.to_json() for p in engine.run_rules(facts, T).problems]

    problems = run("ml.g5.xlarge")
    assert [p["code"] for p in problems] == ["gpu-unmeasured"]
    assert "nvidia-ml-py is not installed" in problems[0]["message"]
    assert "ml.g5.xlarge" in problems[0]["message"]
    assert run("ml.m5.xlarge") == []  # no GPU to measure: nothing to say
