"""local-mode: short recent jobs would have been cheaper and quicker in local mode. It fires
with its exact figure and stays silent when its trigger is absent."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jupyter_smcost.suggestions.model import (
    JobFact,
    suggestion_id,
)
from jupyter_smcost.suggestions.rules import local_mode as local_mode_rule
from tests.unit.suggestions.rules.builders import SPACE, T, facts, job, no_nan, price

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
