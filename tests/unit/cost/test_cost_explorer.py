"""Cost Explorer's figure for the user's month: the request, the answer read (never NaN, a
foreign currency or a missing amount taken for a figure), at most once a day per app
across restarts, a refusal not asked again for a day, and a passing failure sooner."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from jupyter_smcost.aws import AwsError
from jupyter_smcost.cost import cost_explorer as ce
from tests.support.clock import FakeClock

ARN = "arn:aws:sagemaker:us-east-1:123456789012:user-profile/d-abc/alice"
NOW = datetime(2026, 12, 6, 15, 30, tzinfo=timezone.utc)


def answer(amount: str, unit: str = "USD", estimated: bool = True) -> dict[str, Any]:
    return {
        "ResultsByTime": [
            {
                "TimePeriod": {"Start": "2026-12-01", "End": "2026-12-07"},
                "Total": {ce.METRIC: {"Amount": amount, "Unit": unit}},
                "Groups": [],
                "Estimated": estimated,
            }
        ]
    }


class FakeCE:
    def __init__(self, *answers: dict[str, Any] | Exception) -> None:
        self.answers = list(answers)
        self.calls: list[dict[str, Any]] = []

    async def __call__(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        assert (service, operation) == ("ce", "get_cost_and_usage")
        self.calls.append(params)
        found = self.answers.pop(0)
        if isinstance(found, Exception):
            raise found
        return found


def test_the_request_is_the_month_so_far_filtered_by_the_users_tag() -> None:
    params = ce.request(NOW, ARN)
    assert params["TimePeriod"] == {"Start": "2026-12-01", "End": "2026-12-07"}
    assert params["Filter"] == {"Tags": {"Key": "sagemaker:user-profile-arn", "Values": [ARN]}}
    assert params["Granularity"] == "MONTHLY" and "GroupBy" not in params
    # On the first day of a month the period is that one day (End is exclusive).
    first = ce.request(datetime(2027, 1, 1, 0, 5, tzinfo=timezone.utc), ARN)
    assert first["TimePeriod"] == {"Start": "2027-01-01", "End": "2027-01-02"}
    everyone = ce.request(NOW)
    assert everyone["GroupBy"] == [{"Type": "TAG", "Key": "sagemaker:user-profile-arn"}]
    assert "Filter" not in everyone


@pytest.mark.parametrize(
    "amount, unit, expected",
    [
        ("38.2049", "USD", 38.2),
        ("0", "USD", 0.0),
        ("NaN", "USD", None),
        ("inf", "USD", None),
        ("-1", "USD", None),
        ("12", "EUR", None),
        ("lots", "USD", None),
    ],
)
def test_the_answer_is_a_usd_figure_or_none(amount: str, unit: str, expected: float | None) -> None:
    assert ce.total(answer(amount, unit))[0] == expected


def test_an_answer_without_periods_is_no_figure() -> None:
    assert ce.total({"ResultsByTime": []}) == (None, False)
    assert ce.total({}) == (None, False)


def test_grouped_answers_by_user_leave_untagged_costs_out() -> None:
    def group(key: str, amount: str) -> dict[str, Any]:
        return {"Keys": [key], "Metrics": {ce.METRIC: {"Amount": amount, "Unit": "USD"}}}

    grouped = {
        "ResultsByTime": [
            {"Groups": [group(f"{ce.TAG_KEY}${ARN}", "10.004"), group(f"{ce.TAG_KEY}$", "99")]},
            {"Groups": [group(f"{ce.TAG_KEY}${ARN}", "1"), group("other$x", "5")]},
        ]
    }
    assert ce.by_user(grouped) == {ARN: 11.0}


async def test_asked_once_a_day_and_kept_across_a_restart(tmp_path: Path) -> None:
    clock = FakeClock(NOW)
    aws = FakeCE(answer("38.2049"), answer("40.5"))
    figure = ce.CostExplorerFigure(tmp_path, aws, clock)
    await figure.refresh(ARN)
    doc = figure.document(ARN, clock())
    assert doc is not None
    assert doc["usd"] == 38.2 and doc["estimated"] is True and doc["error"] is None
    assert doc["as_of"] == "2026-12-07" and doc["month"] == "2026-12"
    assert doc["lag_hours"] == 48 and "24 to 48 hours" in doc["lag_note"]
    clock.advance(3600)
    await figure.refresh(ARN)
    assert len(aws.calls) == 1

    # A restart reads the file: still not due.
    again = ce.CostExplorerFigure(tmp_path, aws, clock)
    await again.refresh(ARN)
    assert len(aws.calls) == 1 and again.document(ARN, clock())["usd"] == 38.2  # type: ignore[index]
    clock.advance(ce.REFRESH_SECONDS)
    await again.refresh(ARN)
    assert len(aws.calls) == 2 and again.document(ARN, clock())["usd"] == 40.5  # type: ignore[index]


async def test_a_refusal_waits_a_day_and_a_passing_failure_an_hour(tmp_path: Path) -> None:
    clock = FakeClock(NOW)
    denied = AwsError("GetCostAndUsage", "AccessDeniedException", "not allowed", 400)
    busy = AwsError("GetCostAndUsage", "ThrottlingException", "slow down", 400)
    aws = FakeCE(denied, busy, answer("3"))
    figure = ce.CostExplorerFigure(tmp_path, aws, clock)
    await figure.refresh(ARN)
    doc = figure.document(ARN, clock())
    assert doc is not None and doc["usd"] is None
    assert "ce:GetCostAndUsage" in doc["error"]
    clock.advance(ce.REFRESH_SECONDS - 60)
    await figure.refresh(ARN)
    assert len(aws.calls) == 1
    clock.advance(60)
    await figure.refresh(ARN)
    assert len(aws.calls) == 2 and "did not answer" in figure.document(ARN, clock())["error"]  # type: ignore[index]
    clock.advance(ce.RETRY_SECONDS)
    await figure.refresh(ARN)
    assert figure.document(ARN, clock())["usd"] == 3.0  # type: ignore[index]


async def test_a_failure_keeps_the_months_last_figure_beside_the_error(tmp_path: Path) -> None:
    clock = FakeClock(NOW)
    busy = AwsError("GetCostAndUsage", "ThrottlingException", "slow down", 400)
    figure = ce.CostExplorerFigure(tmp_path, FakeCE(answer("7"), busy), clock)
    await figure.refresh(ARN)
    clock.advance(ce.REFRESH_SECONDS)
    await figure.refresh(ARN)
    doc = figure.document(ARN, clock())
    assert doc is not None and doc["usd"] == 7.0 and doc["as_of"] == "2026-12-07"
    assert doc["error"] and "slow down" in doc["error"]


async def test_a_new_month_or_another_user_is_asked_afresh(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 11, 30, 23, 0, tzinfo=timezone.utc))
    aws = FakeCE(answer("9"), answer("0.5"), answer("1"))
    figure = ce.CostExplorerFigure(tmp_path, aws, clock)
    await figure.refresh(ARN)
    clock.advance(3600)  # December
    assert figure.document(ARN, clock()) is None  # November's figure is not December's
    await figure.refresh(ARN)
    assert figure.document(ARN, clock())["usd"] == 0.5  # type: ignore[index]
    other = ARN.replace("alice", "bob")
    await figure.refresh(other)
    assert len(aws.calls) == 3 and aws.calls[2]["Filter"]["Tags"]["Values"] == [other]


def test_a_bad_file_is_set_aside_and_not_believed(tmp_path: Path) -> None:
    (tmp_path / ce.FILE_NAME).write_text('{"usd": 1e999, "fetched_at": "yesterday"')
    figure = ce.CostExplorerFigure(tmp_path, FakeCE(), FakeClock(NOW))
    assert figure.due(ARN, NOW) is True
    assert not (tmp_path / ce.FILE_NAME).exists()
    assert list(tmp_path.glob(f"{ce.FILE_NAME}.bad-*"))


def test_an_unknown_profile_says_why_without_asking() -> None:
    figure = ce.CostExplorerFigure(Path("/nonexistent"), FakeCE(), FakeClock(NOW))
    doc = figure.document(None, NOW)
    assert doc is not None and doc["usd"] is None and "not known" in doc["error"]
