"""spot-training: on-demand training jobs that managed spot would have made cheaper. It fires
with its exact figure and stays silent when its trigger is absent."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from jupyter_smcost.suggestions.model import (
    JobFact,
    ResourceRef,
    suggestion_id,
)
from jupyter_smcost.suggestions.rules import spot_training as spot_rule
from tests.unit.suggestions.rules.builders import T, facts, job, no_nan, price

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
