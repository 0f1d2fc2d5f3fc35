"""The monthly budget's ledger and figures (jupyter_smcost/cost/budget.py): accrual between
observations, a month's end inside an interval, a restart from the file, gaps, hostile files,
and the projection and state."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from jupyter_smcost.cost.budget import (
    FILE_NAME,
    SOURCES,
    THIS_APP,
    BudgetLedger,
    Observed,
    budget_state,
    month_of,
    next_month_start,
    projection,
)

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
LISTING = ["training-jobs", "processing-jobs", "transform-jobs", "endpoints", "apps"]


def app(rate: float | None = 3600.0) -> list[Observed]:
    """This app at $1 a second (3600 $/h): the arithmetic reads as seconds."""
    return [Observed(THIS_APP, THIS_APP, rate)]


def at(seconds: float, start: datetime = T0) -> datetime:
    return start + timedelta(seconds=seconds)


def test_this_app_accrues_rate_times_time_between_observations(tmp_path: Path) -> None:
    ledger = BudgetLedger(tmp_path)
    ledger.observe(T0, app(), [THIS_APP])
    assert ledger.spent(T0) == ("2026-11", 0.0, {})  # one observation: no interval yet
    ledger.observe(at(60), app(), [THIS_APP])
    ledger.observe(at(90), app(7200.0), [THIS_APP])
    # Each interval at the rate of its start: 60 s at $1/s, then 30 s at $1/s.
    assert ledger.spent(at(90)) == ("2026-11", 90.0, {THIS_APP: 90.0})
    ledger.observe(at(100), app(), [THIS_APP])
    assert ledger.spent(at(100))[1] == 110.0  # 10 s at $2/s


def test_listing_rows_dedupe_by_id_and_stop_counting_when_gone(tmp_path: Path) -> None:
    ledger = BudgetLedger(tmp_path)
    job = Observed("training-job|arn:job", "training-jobs", 3600.0)
    endpoint = Observed("endpoint|arn:ep|variant A", "endpoints", 7200.0)
    ledger.observe(T0, [job, job, endpoint], LISTING)
    ledger.observe(at(10), [job, job, endpoint], LISTING)
    _, spent, sources = ledger.spent(at(10))
    assert sources == {"training-jobs": 10.0, "endpoints": 20.0} and spent == 30.0
    ledger.observe(at(20), [endpoint], LISTING)  # the job ended sometime in these 10 s
    ledger.observe(at(30), [job, endpoint], LISTING)  # the same ARN again: new interval
    _, spent, sources = ledger.spent(at(30))
    assert sources == {"training-jobs": 10.0, "endpoints": 60.0}
    # The listing does not forget this app (observed apart), and vice versa.
    ledger.observe(at(30), app(), [THIS_APP])
    ledger.observe(at(40), [job, endpoint], LISTING)
    ledger.observe(at(50), app(), [THIS_APP])
    assert ledger.spent(at(50))[2][THIS_APP] == 20.0


def test_the_same_listing_observed_twice_counts_once(tmp_path: Path) -> None:
    ledger = BudgetLedger(tmp_path)
    job = Observed("training-job|arn:job", "training-jobs", 3600.0)
    ledger.observe(T0, [job], LISTING)
    ledger.observe(at(10), [job], LISTING)
    ledger.observe(at(10), [job], LISTING)
    ledger.observe(at(5), [job], LISTING)  # an older listing: nothing new
    assert ledger.spent(at(10))[1] == 10.0


def test_unknown_rate_counts_nothing(tmp_path: Path) -> None:
    ledger = BudgetLedger(tmp_path)
    ledger.observe(T0, app(None), [THIS_APP])
    ledger.observe(at(60), app(), [THIS_APP])
    assert ledger.spent(at(60))[1] == 0.0


def test_a_gap_longer_than_the_cap_is_not_counted(tmp_path: Path) -> None:
    ledger = BudgetLedger(tmp_path, max_gap_seconds=300)
    ledger.observe(T0, app(), [THIS_APP])
    ledger.observe(at(301), app(), [THIS_APP])  # the laptop was closed
    assert ledger.spent(at(301))[1] == 0.0
    ledger.observe(at(361), app(), [THIS_APP])  # counting resumes from the last one
    assert ledger.spent(at(361))[1] == 60.0
    # A per-observation cap (this app is observed often; a listing seldom).
    ledger.observe(at(461), app(), [THIS_APP], max_gap_seconds=50)
    assert ledger.spent(at(461))[1] == 60.0


def test_a_month_end_inside_an_interval_splits_it(tmp_path: Path) -> None:
    end = datetime(2026, 12, 1, tzinfo=timezone.utc)
    ledger = BudgetLedger(tmp_path)
    job = Observed("training-job|arn:job", "training-jobs", 3600.0)
    ledger.observe(at(-100, end), app(), [THIS_APP])
    ledger.observe(at(-90, end), [job], LISTING)
    ledger.observe(at(-40, end), app(), [THIS_APP])  # November: 60 s of this app
    ledger.observe(at(20, end), app(), [THIS_APP])  # 40 s in November, 20 s in December
    assert ledger.spent(at(20, end)) == ("2026-12", 20.0, {THIS_APP: 20.0})
    assert ledger.previous_month(at(20, end)) == {"month": "2026-11", "spent_usd": 100.0}
    # A listing fetched before the month's end but observed after it still goes to November.
    ledger.observe(at(-10, end), [job], LISTING)
    assert ledger.previous_month(at(20, end)) == {"month": "2026-11", "spent_usd": 180.0}
    ledger.observe(at(30, end), [job], LISTING)  # 10 s in November, 30 s in December
    assert ledger.spent(at(30, end))[2] == {THIS_APP: 20.0, "training-jobs": 30.0}
    assert ledger.previous_month(at(30, end))["spent_usd"] == 190.0
    assert ledger.save()
    document = json.loads((tmp_path / FILE_NAME).read_text())
    assert document["month"] == "2026-12" and document["previous"]["month"] == "2026-11"


def test_a_month_not_reached_yet_reads_zero_and_the_last_one_is_kept(tmp_path: Path) -> None:
    ledger = BudgetLedger(tmp_path)
    ledger.observe(T0, app(), [THIS_APP])
    ledger.observe(at(60), app(), [THIS_APP])
    later = datetime(2027, 1, 3, tzinfo=timezone.utc)
    assert ledger.spent(later) == ("2027-01", 0.0, {})
    assert ledger.previous_month(later) == {"month": "2026-11", "spent_usd": 60.0}
    ledger.observe(later, app(), [THIS_APP])  # weeks later: the gap is not counted
    assert ledger.spent(later)[1] == 0.0
    assert ledger.previous_month(later) == {"month": "2026-11", "spent_usd": 60.0}


def test_a_restart_continues_from_the_file_without_counting_twice(tmp_path: Path) -> None:
    first = BudgetLedger(tmp_path)
    first.observe(T0, app(), [THIS_APP])
    first.observe(at(60), app(), [THIS_APP])
    assert first.save()
    first.observe(at(90), app(), [THIS_APP])  # counted in memory, never written: a crash
    second = BudgetLedger(tmp_path)
    assert second.spent(at(100))[1] == 60.0  # what was written, nothing twice
    second.observe(at(100), app(), [THIS_APP])  # from the written observation at 60 s
    assert second.spent(at(100))[1] == 100.0
    second.save()
    third = BudgetLedger(tmp_path)
    third.observe(at(100), app(), [THIS_APP])  # the same instant again: nothing
    assert third.spent(at(100))[1] == 100.0


@pytest.mark.parametrize(
    "content",
    [
        b"not json",
        b"[]",
        b'{"version": 2, "month": "2026-11"}',
        b'{"version": 1, "month": "November"}',
        b'{"version": 1}',
        b"[" * 100_000,
    ],
)
def test_a_hostile_file_is_set_aside_and_the_month_starts_at_zero(
    tmp_path: Path, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / FILE_NAME).write_bytes(content)
    ledger = BudgetLedger(tmp_path)
    assert ledger.spent(T0) == ("2026-11", 0.0, {})
    assert not (tmp_path / FILE_NAME).exists()
    assert list(tmp_path.glob(f"{FILE_NAME}.bad-*"))
    assert "set aside" in caplog.text
    ledger.observe(T0, app(), [THIS_APP])
    assert ledger.save()


def test_bad_values_inside_a_good_file_are_dropped_alone(tmp_path: Path) -> None:
    sources = {THIS_APP: 5.0, "apps": -1, "endpoints": 1e308 * 10, "bogus": 3, "tuning": True}
    document = {
        "version": 1,
        "month": "2026-11",
        "sources": sources,
        "previous": {"month": "2026-10", "sources": {"apps": "x", "endpoints": 2}},
        "seen": {
            THIS_APP: {"at": T0.isoformat(), "usd_per_hour": 3600, "source": THIS_APP},
            "x": {"at": "yesterday", "source": "apps"},
            "y": {"at": T0.isoformat(), "source": "nowhere"},
            "z": 5,
        },
    }  # fmt: skip
    text = json.dumps(document).replace("Infinity", "1e999")
    (tmp_path / FILE_NAME).write_text(text)
    ledger = BudgetLedger(tmp_path)
    assert ledger.spent(T0) == ("2026-11", 5.0, {THIS_APP: 5.0})
    assert ledger.previous_month(T0) == {"month": "2026-10", "spent_usd": 2.0}
    ledger.observe(at(10), app(), [THIS_APP])
    assert ledger.spent(at(10))[1] == 15.0


def test_a_file_that_cannot_be_written_keeps_the_ledger_in_memory(tmp_path: Path) -> None:
    (tmp_path / "state").write_text("")  # a file where the state directory should be
    ledger = BudgetLedger(tmp_path / "state")
    ledger.observe(T0, app(), [THIS_APP])
    ledger.observe(at(10), app(), [THIS_APP])
    assert ledger.save() is False
    assert ledger.spent(at(10))[1] == 10.0


def test_the_seen_resources_are_bounded(tmp_path: Path) -> None:
    ledger = BudgetLedger(tmp_path)
    many = [Observed(f"training-job|{i}", "training-jobs", 1.0) for i in range(5000)]
    ledger.observe(T0, many, LISTING)
    assert ledger.save()
    assert (tmp_path / FILE_NAME).stat().st_size < 512 * 1024


def test_projection_and_state() -> None:
    now = datetime(2026, 11, 30, 12, tzinfo=timezone.utc)
    assert next_month_start(now) == datetime(2026, 12, 1, tzinfo=timezone.utc)
    assert next_month_start(datetime(2026, 12, 31, tzinfo=timezone.utc)).year == 2027
    assert month_of(datetime(2026, 12, 1, 0, 30, tzinfo=timezone(timedelta(hours=2)))) == "2026-11"
    projected, hours = projection(10.0, 2.0, now)
    assert hours == 12.0 and projected == 34.0
    assert projection(10.0, None, now) == (None, 12.0)
    assert projection(10.0, math.inf, now)[0] is None
    assert budget_state(None, 10, 20) == "no-budget"
    assert budget_state(100, 10, 20) == "under"
    assert budget_state(100, 80, 85) == "near"  # 80% spent
    assert budget_state(100, 10, 100) == "near"  # on course to reach it
    assert budget_state(100, 10, None) == "under"
    assert budget_state(100, 100, 100) == "over"
    assert budget_state(0, 0, 0) == "over"
    assert set(SOURCES) >= {THIS_APP, "training-jobs", "endpoints", "apps"}
