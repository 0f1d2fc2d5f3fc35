"""Suggestion rules local-mode, spot-training, idle-endpoint, multi-model, rightsize-space,
idle-apps, and instance-type parsing: each fires with its exact figure and stays silent when
its trigger is absent. Prices are test values, not AWS's."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from jupyter_smcost.suggestions import instances
from jupyter_smcost.suggestions.model import (
    AppFact,
    EndpointFact,
    Facts,
    JobFact,
    PriceFact,
    ResourceRef,
    SpaceUsage,
    Suggestion,
    Thresholds,
    VariantFact,
    suggestion_id,
)
from jupyter_smcost.suggestions.rules import SOURCES
from jupyter_smcost.suggestions.rules import idle_apps as idle_apps_rule
from jupyter_smcost.suggestions.rules import idle_endpoint as idle_endpoint_rule
from jupyter_smcost.suggestions.rules import local_mode as local_mode_rule
from jupyter_smcost.suggestions.rules import multi_model as multi_model_rule
from jupyter_smcost.suggestions.rules import rightsize_space as rightsize_rule
from jupyter_smcost.suggestions.rules import spot_training as spot_rule

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
T = Thresholds()
SPACE = ResourceRef("app", "my-space/JupyterLab/default", "arn:aws:sagemaker:app/x", None)


def price(usd_per_hour: float) -> PriceFact:
    return PriceFact(usd_per_hour, "test")


def facts(**kw: Any) -> Facts:
    kw.setdefault("account", "111122223333")
    kw.setdefault("domain_id", "d-abc123")
    return Facts(now=NOW, region="us-east-1", **kw)


def job(
    name: str,
    *,
    kind: str = "training-job",
    instance_type: str = "ml.m5.xlarge",
    count: int = 1,
    ended_ago: timedelta | None = timedelta(days=1),
    ran: float = 240.0,
    waited: float = 180.0,
    spot: bool = False,
    billable: float | None = None,
    checkpoints: bool = False,
    status: str | None = None,
) -> JobFact:
    ended = NOW - ended_ago if ended_ago is not None else None
    started = (ended or NOW) - timedelta(seconds=ran)
    return JobFact(
        kind=kind,
        name=name,
        arn=f"arn:aws:sagemaker:us-east-1:111122223333:{kind}/{name}",
        status=status or ("Completed" if ended else "InProgress"),
        instance_type=instance_type,
        instance_count=count,
        created_at=started - timedelta(seconds=waited),
        started_at=started,
        ended_at=ended,
        training_seconds=ran if kind == "training-job" and ended else None,
        billable_seconds=billable,
        spot=spot,
        checkpoints=checkpoints,
        fingerprint=f"fp-{name}",
        console_url=f"https://console/{name}",
    )


def endpoint(
    name: str,
    *,
    calls: float | None = 0.0,
    instance_type: str = "ml.m5.large",
    count: int = 1,
    image: str = "img-a",
    created_ago: timedelta = timedelta(days=3),
    status: str = "InService",
    variants: tuple[VariantFact, ...] | None = None,
) -> EndpointFact:
    return EndpointFact(
        name=name,
        arn=f"arn:aws:sagemaker:us-east-1:111122223333:endpoint/{name}",
        status=status,
        config_name=f"{name}-config",
        created_at=NOW - created_ago,
        variants=variants
        or (VariantFact("AllTraffic", instance_type, count, (image,), invocations=calls),),
        fingerprint=f"fp-{name}",
        console_url=f"https://console/{name}",
    )


def no_nan(found: list[Suggestion]) -> None:
    for s in found:
        json.dumps(s.to_json(), allow_nan=False)


# -- instances ---------------------------------------------------------------------------


def test_instance_parsing() -> None:
    g5 = instances.parse("ml.g5.xlarge")
    assert g5 is not None and (g5.family, g5.size, g5.gpu) == ("g5", "xlarge", True)
    assert instances.parse("ml.p4d.24xlarge") is not None
    assert instances.is_gpu("ml.p4d.24xlarge") and instances.is_gpu("ml.gr6.4xlarge")
    assert not instances.is_gpu("ml.m5.large")
    # Inferentia and Trainium are not NVIDIA GPUs, and "geospatial" only starts with a g.
    assert not instances.is_gpu("ml.inf2.xlarge") and not instances.is_gpu("ml.trn1.2xlarge")
    for bad in (None, "", "local", "local_gpu", "m5.large", "ml.m5.huge", "ml.m5"):
        assert instances.parse(bad) is None
    assert instances.smaller_sizes("ml.m5.2xlarge") == (
        "ml.m5.xlarge",
        "ml.m5.large",
        "ml.m5.medium",
    )
    assert instances.smaller_sizes("ml.c5.9xlarge", limit=2) == ("ml.c5.8xlarge", "ml.c5.6xlarge")
    assert instances.smaller_sizes("ml.t3.nano") == ()
    assert instances.smaller_sizes("local") == ()
    assert instances.cpu_fallbacks("ml.g5.xlarge") == (
        "ml.m5.xlarge",
        "ml.m6i.xlarge",
        "ml.m7i.xlarge",
    )
    assert instances.cpu_fallbacks("ml.m5.xlarge") == ()


def test_rules_name_known_sources() -> None:
    for module in (
        local_mode_rule,
        spot_rule,
        idle_endpoint_rule,
        multi_model_rule,
        rightsize_rule,
        idle_apps_rule,
    ):
        assert {*module.RULE.needs, *module.RULE.uses} <= set(SOURCES)


# -- local-mode ---------------------------------------------------------------------------

LOCAL_PRICES = {
    ("ml.m5.xlarge", "training"): price(0.23),
    ("ml.m5.2xlarge", "processing"): price(0.46),
}


def local_jobs() -> tuple[JobFact, ...]:
    return (
        job("train-a", ran=240.0, waited=180.0, ended_ago=timedelta(days=1)),
        job(
            "prep-b",
            kind="processing-job",
            instance_type="ml.m5.2xlarge",
            count=2,
            ran=300.0,
            waited=120.0,
            ended_ago=timedelta(days=2),
        ),
        job("spot-c", ran=360.0, spot=True, billable=120.0, ended_ago=timedelta(days=3)),
        job("long-d", ran=1200.0),  # 20 min: not short
        job("old-e", ended_ago=timedelta(days=10)),  # outside the lookback
        job("running-f", ended_ago=None),  # still running
    )


def test_local_mode_fires_with_cost_wait_and_docker_howto() -> None:
    found = local_mode_rule.run(
        facts(jobs=local_jobs(), prices=LOCAL_PRICES, docker_access=False, app_ref=SPACE), T
    )
    assert len(found) == 1
    s = found[0]
    total = 240 / 3600 * 0.23 + 2 * 300 / 3600 * 0.46 + 120 / 3600 * 0.23
    assert s.saving_usd_per_month == pytest.approx(total * 30 / 7)
    assert s.id == suggestion_id("local-mode", "jobs", "111122223333")
    assert s.title == "Run short experiments in local mode"
    assert s.arithmetic == (
        "train-a: 1 x ml.m5.xlarge x 240 s x $0.23/h = $0.015; "
        "prep-b: 2 x ml.m5.2xlarge x 300 s x $0.46/h = $0.077; "
        "spot-c: 1 x ml.m5.xlarge x 120 s billable x $0.23/h = $0.0077; "
        "total $0.100 in the last 7 days x 30 / 7 = $0.43/month"
    )
    assert "train-a (training-job, 1 x ml.m5.xlarge): ran 4.0 min, waited 3.0 min" in s.detail
    assert "prep-b (processing-job, 2 x ml.m5.2xlarge): ran 5.0 min, waited 2.0 min" in s.detail
    for absent in ("long-d", "old-e", "running-f"):
        assert absent not in s.detail
    assert 'instance_type="local"' in s.detail
    assert "aws sagemaker update-domain --domain-id d-abc123" in s.detail
    assert '{"DockerSettings": {"EnableDockerAccess": "ENABLED"}}' in s.detail
    assert s.actions == ()
    assert s.resource == SPACE
    assert s.saving_note is None
    assert s.docs_url == "https://docs.aws.amazon.com/sagemaker/latest/dg/studio-updated-local.html"
    no_nan(found)


def test_local_mode_docker_unknown_or_enabled() -> None:
    unknown = local_mode_rule.run(facts(jobs=local_jobs()[:1], prices=LOCAL_PRICES), T)[0]
    assert "could not be checked" in unknown.detail
    assert "update-domain" not in unknown.detail
    enabled = local_mode_rule.run(
        facts(jobs=local_jobs()[:1], prices=LOCAL_PRICES, docker_access=True), T
    )[0]
    assert "Docker access is enabled" in enabled.detail


def test_local_mode_silent_without_short_recent_jobs() -> None:
    jobs = local_jobs()[3:]  # long, old, running
    assert local_mode_rule.run(facts(jobs=jobs, prices=LOCAL_PRICES), T) == []
    assert local_mode_rule.run(facts(), T) == []


def test_local_mode_caps_the_list() -> None:
    jobs = tuple(job(f"j{i}", ended_ago=timedelta(hours=i + 1)) for i in range(8))
    s = local_mode_rule.run(facts(jobs=jobs, prices=LOCAL_PRICES), T)[0]
    assert "- and 3 more" in s.detail
    assert s.arithmetic.count(" = $0.015;") == 5
    assert "and 3 more; total" in s.arithmetic
    assert s.saving_usd_per_month == pytest.approx(8 * 240 / 3600 * 0.23 * 30 / 7)


def test_local_mode_unknown_prices() -> None:
    none = local_mode_rule.run(facts(jobs=local_jobs()), T)[0]
    assert none.saving_usd_per_month is None
    assert none.saving_note and "unknown" in none.saving_note
    assert "cost unknown" in none.detail
    # One price known: a lower bound, and the note says so.
    partial = local_mode_rule.run(
        facts(jobs=local_jobs(), prices={("ml.m5.xlarge", "training"): price(0.23)}), T
    )[0]
    assert partial.saving_usd_per_month == pytest.approx((240 + 120) / 3600 * 0.23 * 30 / 7)
    assert partial.saving_note and "1 of the 3 jobs" in partial.saving_note
    no_nan([none, partial])


# -- spot-training ------------------------------------------------------------------------

SPOT_PRICES = {("ml.p3.2xlarge", "training"): price(3.5)}


def spot_history() -> tuple[JobFact, ...]:
    return (
        job("spot-1", ran=1000.0, spot=True, billable=300.0, checkpoints=True),
        job("spot-2", ran=1000.0, spot=True, billable=500.0, checkpoints=True),
    )


def test_spot_training_fires_with_own_history() -> None:
    od = job("od-1", instance_type="ml.p3.2xlarge", count=2, ran=3600.0)
    found = spot_rule.run(facts(jobs=(od, *spot_history()), prices=SPOT_PRICES), T)
    assert len(found) == 1
    s = found[0]
    cost = 2 * 3600 / 3600 * 3.5
    assert s.saving_usd_per_month == pytest.approx(cost * 0.6 * 30 / 7)
    assert s.arithmetic == (
        "2 x ml.p3.2xlarge x 3,600 s x $3.50/h = $7.00 (cost per run) x 60.0% saved by spot "
        "(this account's 2 spot training jobs: 1 - 800 s billable / 2,000 s trained) "
        "x 30 / 7 (if run as often as in the last 7 days) = $18.00/month"
    )
    assert s.saving_range_usd_per_month is None and s.warning is None
    assert s.id == suggestion_id("spot-training", "training-job", "od-1")
    assert s.resource == ResourceRef("training-job", "od-1", od.arn, "https://console/od-1")
    assert s.fingerprint == "fp-od-1"
    assert s.actions == ()
    assert "use_spot_instances=True" in s.detail
    no_nan(found)


def test_spot_training_in_progress_costs_so_far() -> None:
    running = job("od-run", instance_type="ml.p3.2xlarge", ended_ago=None, ran=1800.0)
    s = spot_rule.run(facts(jobs=(running, *spot_history()), prices=SPOT_PRICES), T)[0]
    assert s.saving_usd_per_month == pytest.approx(0.5 * 3.5 * 0.6 * 30 / 7)
    assert "(cost so far)" in s.arithmetic
    # Running: it can be stopped now, to start it again with spot.
    assert [(a.id, dict(a.params)) for a in s.actions] == [
        ("stop-training-job", {"name": "od-run"})
    ]


def test_spot_training_without_history_gives_the_aws_range() -> None:
    od = job("od-1", instance_type="ml.p3.2xlarge", count=2, ran=3600.0)
    s = spot_rule.run(facts(jobs=(od,), prices=SPOT_PRICES), T)[0]
    assert s.saving_usd_per_month is None
    assert s.saving_range_usd_per_month == (0.0, pytest.approx(7.0 * 0.9 * 30 / 7))
    assert s.saving_note and "up to 90%" in s.saving_note and "no spot" in s.saving_note
    assert s.arithmetic.endswith("= $0.00 to $27.00/month")
    no_nan([s])


def test_spot_training_warns_spot_without_checkpoints() -> None:
    risky = job("spot-run", ended_ago=None, spot=True, checkpoints=False)
    safe = job("spot-safe", ended_ago=None, spot=True, checkpoints=True)
    found = spot_rule.run(facts(jobs=(risky, safe), prices=SPOT_PRICES), T)
    assert [s.resource.name for s in found if s.resource] == ["spot-run"]
    s = found[0]
    assert s.warning == "without checkpoints an interruption restarts the job from the beginning"
    assert s.saving_usd_per_month is None
    assert s.saving_note and "safety" in s.saving_note
    assert s.fingerprint == "fp-spot-run"


def test_spot_training_silent() -> None:
    jobs = (
        *spot_history(),  # spot, ended, with checkpoints
        job("prep", kind="processing-job"),  # not training
        job("old", ended_ago=timedelta(days=8)),  # outside the lookback
        # In progress but still waiting for instances: nothing ran, nothing to price.
        replace(job("waiting", ended_ago=None), started_at=None),
    )
    assert spot_rule.run(facts(jobs=jobs, prices=SPOT_PRICES), T) == []
    assert spot_rule.run(facts(), T) == []


def test_spot_training_unknown_price() -> None:
    s = spot_rule.run(facts(jobs=(job("od-1"), *spot_history())), T)[0]
    assert s.saving_usd_per_month is None and s.saving_range_usd_per_month is None
    assert s.saving_note and "unknown" in s.saving_note
    no_nan([s])


# -- idle-endpoint ------------------------------------------------------------------------

HOSTING = {("ml.m5.large", "hosting"): price(0.115), ("ml.m5.xlarge", "hosting"): price(0.23)}


def test_idle_endpoint_fires_with_delete_action() -> None:
    ep = endpoint(
        "quiet",
        variants=(
            VariantFact("a", "ml.m5.large", 2, ("img",), invocations=0.0),
            VariantFact("b", None, 1, ("img",), serverless=True, invocations=0.0),
        ),
    )
    found = idle_endpoint_rule.run(facts(endpoints=(ep,), prices=HOSTING), T)
    assert len(found) == 1
    s = found[0]
    assert s.saving_usd_per_month == pytest.approx(2 * 0.115 * 730)
    assert s.arithmetic == "2 x ml.m5.large x $0.115/h x 730 h = $167.90/month"
    assert s.severity == "high"
    assert s.id == suggestion_id("idle-endpoint", "endpoint", "quiet")
    assert s.fingerprint == "fp-quiet"
    assert s.resource == ResourceRef("endpoint", "quiet", ep.arn, "https://console/quiet")
    (action,) = s.actions
    assert action.id == "delete-endpoint"
    assert dict(action.params) == {"name": "quiet", "config_name": "quiet-config"}
    assert "quiet-config" in action.description
    assert "create_endpoint(EndpointName='quiet', EndpointConfigName='quiet-config')" in (
        action.description
    )
    assert "async-inference.html" in s.detail and "serverless" in s.detail
    no_nan(found)


def test_idle_endpoint_silent() -> None:
    eps = (
        endpoint("busy", calls=5.0),
        endpoint("young", created_ago=timedelta(hours=2)),
        endpoint("unknown", calls=None),
        endpoint("creating", status="Creating"),
        endpoint(
            "serverless",
            variants=(VariantFact("a", None, 1, ("img",), serverless=True, invocations=0.0),),
        ),
    )
    assert idle_endpoint_rule.run(facts(endpoints=eps, prices=HOSTING), T) == []


def test_idle_endpoint_unknown_price() -> None:
    s = idle_endpoint_rule.run(facts(endpoints=(endpoint("quiet"),)), T)[0]
    assert s.saving_usd_per_month is None
    assert s.saving_note and "ml.m5.large (hosting)" in s.saving_note
    assert s.severity == "low"
    assert s.actions[0].id == "delete-endpoint"
    no_nan([s])


# -- multi-model --------------------------------------------------------------------------


def test_multi_model_groups_by_image() -> None:
    eps = (
        endpoint("a", calls=24.0, instance_type="ml.m5.large", image="img-1"),
        endpoint("b", calls=48.0, instance_type="ml.m5.xlarge", image="img-1"),
        endpoint("c", calls=0.0, image="img-1"),  # idle: idle-endpoint's
        endpoint("f", calls=24.0 * 100, image="img-1"),  # busy
        endpoint("d", calls=24.0, instance_type="ml.c5.large", image="img-2"),
        endpoint("e", calls=24.0, instance_type="ml.m5.large", count=2, image="img-3"),
        endpoint(
            "g",
            variants=(
                VariantFact("x", "ml.m5.large", 1, ("img-4",), invocations=1.0),
                VariantFact("y", "ml.m5.large", 1, ("img-4",), invocations=1.0),
            ),
        ),
    )
    prices = {**HOSTING, ("ml.c5.large", "hosting"): price(0.102)}
    found = multi_model_rule.run(facts(endpoints=eps, prices=prices), T)
    assert len(found) == 2
    mme, mce = found
    assert mme.id == suggestion_id("multi-model", "endpoints", "a", "b")
    assert mme.title == "Serve 2 low-traffic endpoints from one multi-model endpoint"
    assert mme.saving_usd_per_month == pytest.approx(0.115 * 730)
    assert mme.arithmetic == (
        "(1 x ml.m5.large x $0.115/h) x 730 h = $83.95/month; "
        "b ($0.23/h, the largest) stays as the shared endpoint"
    )
    assert mme.docs_url.endswith("/multi-model-endpoints.html")
    assert mme.resource is not None and mme.resource.name == "a"
    assert mme.actions == ()
    assert "1.0 invocations/h" in mme.detail and "2.0 invocations/h" in mme.detail
    assert "fewer than 60 invocations/h over the last 24.0 h" in mme.detail

    assert mce.id == suggestion_id("multi-model", "endpoints", "d", "e")
    assert mce.title == "Combine 2 low-traffic endpoints in one multi-container endpoint"
    assert mce.saving_usd_per_month == pytest.approx(0.102 * 730)
    assert mce.arithmetic == (
        "(1 x ml.c5.large x $0.102/h) x 730 h = $74.46/month; "
        "e ($0.23/h, the largest) stays as the shared endpoint"
    )
    assert mce.docs_url.endswith("/multi-container-endpoints.html")
    assert mce.resource is not None and mce.resource.name == "d"
    no_nan(found)


def test_multi_model_silent() -> None:
    eps = (
        endpoint("alone", calls=24.0),
        endpoint("busy", calls=24.0 * 60),  # exactly 60/h: not under the threshold
        endpoint("idle", calls=0.0),
    )
    assert multi_model_rule.run(facts(endpoints=eps, prices=HOSTING), T) == []


def test_multi_model_caps_multi_container_groups_at_15() -> None:
    eps = tuple(endpoint(f"e{i:02d}", calls=1.0, image=f"img-{i}") for i in range(16))
    found = multi_model_rule.run(facts(endpoints=eps, prices=HOSTING), T)
    assert [len(s.detail.splitlines()) - 2 for s in found] == [8, 8]
    assert all(s.saving_usd_per_month == pytest.approx(7 * 0.115 * 730) for s in found)


def test_multi_model_unknown_price() -> None:
    eps = (endpoint("a", calls=1.0), endpoint("b", calls=1.0, instance_type="ml.x9.large"))
    s = multi_model_rule.run(facts(endpoints=eps, prices=HOSTING), T)[0]
    assert s.saving_usd_per_month is None
    assert s.saving_note and "ml.x9.large (hosting)" in s.saving_note
    no_nan([s])


# -- rightsize-space ----------------------------------------------------------------------

JL = "studio-jupyterlab"
SPACE_PRICES = {
    ("ml.m5.2xlarge", JL): price(0.461),
    ("ml.m5.xlarge", JL): price(0.23),
    ("ml.m5.large", JL): price(0.115),
    ("ml.g5.2xlarge", JL): price(1.515),
    ("ml.g5.xlarge", JL): price(1.41),
    ("ml.c5.9xlarge", JL): price(1.836),
    ("ml.c5.4xlarge", JL): price(0.816),
}


def usage(instance_type: str = "ml.m5.2xlarge", **kw: Any) -> SpaceUsage:
    values: dict[str, Any] = {
        "observed_minutes": 60.0,
        "cpu_avg": 5.0,
        "cpu_p95": 10.0,
        "memory_avg": 20.0,
        "memory_p95": 30.0,
        "hours_last_30_days": 100.0,
    }
    values.update(kw)
    return SpaceUsage(instance_type=instance_type, component=JL, **values)


def test_rightsize_space_next_smaller_size() -> None:
    found = rightsize_rule.run(facts(usage=usage(), prices=SPACE_PRICES, app_ref=SPACE), T)
    assert len(found) == 1
    s = found[0]
    assert s.title == "Switch this space from ml.m5.2xlarge to ml.m5.xlarge"
    assert s.saving_usd_per_month == pytest.approx((0.461 - 0.23) * 100)
    assert s.arithmetic == (
        "(ml.m5.2xlarge $0.461/h - ml.m5.xlarge $0.23/h) x 100.0 h this space ran in the last "
        "30 days = $23.10/month"
    )
    assert s.resource == SPACE and s.actions == ()
    assert "stop the space" in s.detail
    assert s.id == suggestion_id("rightsize-space", "space", SPACE.name, "ml.m5.2xlarge")
    no_nan(found)


def test_rightsize_space_skips_sizes_without_a_price() -> None:
    s = rightsize_rule.run(facts(usage=usage("ml.c5.9xlarge"), prices=SPACE_PRICES), T)[0]
    assert "to ml.c5.4xlarge" in s.title
    assert s.saving_usd_per_month == pytest.approx((1.836 - 0.816) * 100)


def test_rightsize_space_unused_gpu_to_cpu_projected_from_session() -> None:
    u = usage(
        "ml.g5.xlarge",
        cpu_p95=50.0,
        memory_p95=50.0,
        gpu_count=1,
        gpu_avg=1.0,
        gpu_p95=5.0,
        hours_last_30_days=None,
        session_hours=2.0,
    )
    s = rightsize_rule.run(facts(usage=u, prices=SPACE_PRICES), T)[0]
    assert s.title == "Switch this space from ml.g5.xlarge to ml.m5.xlarge"
    assert s.saving_usd_per_month == pytest.approx((1.41 - 0.23) * 60)
    assert s.arithmetic == (
        "(ml.g5.xlarge $1.41/h - ml.m5.xlarge $0.23/h) x 60.0 h/month projected from this "
        "session (2.0 h on each of 30 days, at most 730 h) = $70.80/month"
    )
    assert "GPU stayed under 10%" in s.detail
    # A long session is capped at every hour of the month.
    long = rightsize_rule.run(
        facts(
            usage=usage(
                "ml.g5.xlarge",
                gpu_count=1,
                gpu_p95=0.0,
                cpu_p95=90.0,
                hours_last_30_days=None,
                session_hours=48.0,
            ),
            prices=SPACE_PRICES,
        ),
        T,
    )[0]
    assert long.saving_usd_per_month == pytest.approx((1.41 - 0.23) * 730)


def test_rightsize_space_gpu_not_measured_claims_nothing_about_it() -> None:
    # NVML found no GPU: never "the GPU sat unused", even with a GPU p95 of 0.
    unmeasured = usage("ml.g5.2xlarge", gpu_count=0, gpu_p95=0.0)
    s = rightsize_rule.run(facts(usage=unmeasured, prices=SPACE_PRICES), T)[0]
    assert "to ml.g5.xlarge" in s.title
    assert "could not be measured" in s.detail
    assert "GPU stayed under" not in s.detail
    # Busy CPU and no GPU measure: nothing to say.
    busy = usage("ml.g5.xlarge", cpu_p95=80.0, gpu_count=None)
    assert rightsize_rule.run(facts(usage=busy, prices=SPACE_PRICES), T) == []


def test_rightsize_space_silent() -> None:
    cases = [
        usage(observed_minutes=29.0),  # not observed long enough
        usage(cpu_p95=25.0),  # CPU busy
        usage(memory_p95=45.0),  # memory busy
        usage("ml.m5.large"),  # no priced smaller size
        usage("ml.g5.xlarge", cpu_p95=80.0, gpu_count=1, gpu_p95=50.0),  # GPU busy
    ]
    for u in cases:
        assert rightsize_rule.run(facts(usage=u, prices=SPACE_PRICES), T) == [], u
    assert rightsize_rule.run(facts(), T) == []


def test_rightsize_space_unknown_current_price() -> None:
    prices = {("ml.m5.xlarge", JL): price(0.23)}
    s = rightsize_rule.run(facts(usage=usage(), prices=prices), T)[0]
    assert s.saving_usd_per_month is None
    assert s.saving_note and "ml.m5.2xlarge (studio-jupyterlab)" in s.saving_note
    no_nan([s])


def test_rightsize_space_asks_for_candidate_prices() -> None:
    assert rightsize_rule.RULE.prices is not None
    keys = list(rightsize_rule.RULE.prices(facts(usage=usage("ml.g5.2xlarge")), T))
    assert ("ml.g5.xlarge", JL) in keys and ("ml.m5.2xlarge", JL) in keys
    assert all(component == JL for _, component in keys)
    assert list(rightsize_rule.RULE.prices(facts(), T)) == []


# -- idle-apps ----------------------------------------------------------------------------


def app(
    name: str,
    *,
    active_ago: timedelta | None = timedelta(hours=3),
    created_ago: timedelta = timedelta(days=1),
    status: str = "InService",
    space: str | None = "other-space",
    profile: str | None = None,
    app_type: str = "JupyterLab",
) -> AppFact:
    return AppFact(
        domain_id="d-abc123",
        app_type=app_type,
        app_name=name,
        space_name=space,
        user_profile_name=profile,
        arn=f"arn:aws:sagemaker:app/{name}",
        status=status,
        instance_type="ml.t3.medium",
        component=JL,
        created_at=NOW - created_ago,
        last_user_activity=NOW - active_ago if active_ago else None,
        fingerprint=f"fp-{name}",
        console_url=None,
    )


APP_PRICES = {("ml.t3.medium", JL): price(0.05)}


def test_idle_apps_fires_with_delete_action() -> None:
    found = idle_apps_rule.run(facts(apps=(app("default"),), prices=APP_PRICES), T)
    assert len(found) == 1
    s = found[0]
    assert s.saving_usd_per_month == pytest.approx(0.05 * 730)
    assert s.arithmetic == "ml.t3.medium x $0.05/h x 730 h = $36.50/month (if left running)"
    assert "no user activity for 3.0 h" in s.detail
    assert s.fingerprint == "fp-default"
    assert s.resource == ResourceRef(
        "studio-app", "other-space/JupyterLab/default", "arn:aws:sagemaker:app/default", None
    )
    (action,) = s.actions
    assert action.id == "delete-app"
    assert dict(action.params) == {
        "domain_id": "d-abc123",
        "app_type": "JupyterLab",
        "app_name": "default",
        "space_name": "other-space",
    }
    no_nan(found)


def test_idle_apps_never_used_and_studio_classic() -> None:
    never = app("never", active_ago=None, created_ago=timedelta(hours=5))
    classic = app("kg", space=None, profile="alice", app_type="KernelGateway")
    found = idle_apps_rule.run(facts(apps=(never, classic), prices=APP_PRICES), T)
    assert len(found) == 2
    assert "no user activity recorded since it started 5.0 h ago" in found[0].detail
    assert dict(found[1].actions[0].params) == {
        "domain_id": "d-abc123",
        "app_type": "KernelGateway",
        "app_name": "kg",
        "user_profile_name": "alice",
    }


def test_idle_apps_silent() -> None:
    apps = (
        app("recent", active_ago=timedelta(hours=1)),
        app("new", active_ago=None, created_ago=timedelta(minutes=30)),
        app("deleted", status="Deleted"),
        app("pending", status="Pending"),
    )
    assert idle_apps_rule.run(facts(apps=apps, prices=APP_PRICES), T) == []


def test_idle_apps_unknown_price() -> None:
    s = idle_apps_rule.run(facts(apps=(app("default"),)), T)[0]
    assert s.saving_usd_per_month is None
    assert s.saving_note and "ml.t3.medium (studio-jupyterlab)" in s.saving_note
    assert s.actions[0].id == "delete-app"
    no_nan([s])
