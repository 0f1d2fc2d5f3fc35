"""GET budget from a real server: the month's end under an injected clock (the month
turns over inside a tick's interval), the idle timeout tightened while over budget and the
shutdown's reason, and the ledger continued across a restart of a real `jupyter server`
process on the same state directory."""

from __future__ import annotations

import json
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from jupyter_smcost.cost.budget import FILE_NAME
from tests.support.api import SMCostAPI
from tests.support.clock import FakeClock
from tests.support.processes import free_port, start_server, stop, wait_for_log

#: ml.t3.medium at $1 a second: the figures read as seconds.
PER_SECOND = {"ml.t3.medium": 3600.0}
MONTH_END = datetime(2026, 12, 1, tzinfo=timezone.utc)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, smcost_config: dict[str, Any]) -> FakeClock:
    """Every clock of the extension (the budget's, the checker's) at 23:59 on 30 November,
    UTC; the price at $1/s; a budget of $100, tightened to 10 min over it."""
    from jupyter_smcost import app as app_module

    fake = FakeClock(datetime(2026, 11, 30, 23, 59, tzinfo=timezone.utc))
    monkeypatch.setattr(app_module, "utcnow", fake)
    smcost_config["Pricing"]["overrides"] = PER_SECOND
    smcost_config["Budget"] = {"monthly_usd": 100.0, "over_budget_timeout_minutes": 10.0}
    return fake


async def test_the_month_turns_over_inside_an_interval(
    clock: FakeClock, smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    budget = smcost_started.budget
    await budget.tick()
    clock.advance(30)
    await budget.tick()
    doc = await smcost_api.get("budget")
    assert doc["month"] == "2026-11" and doc["spent_usd"] == 30.0
    assert doc["spent_sources"]["this-app"] == 30.0 and doc["usd_per_hour"] == 3600.0
    assert doc["budget_usd"] == 100.0 and doc["budget_source"] == "config"
    assert doc["hours_left"] == pytest.approx(30 / 3600, abs=1e-3)
    assert doc["projected_usd"] == pytest.approx(60.0)
    assert doc["state"] == "under"

    clock.advance(60)  # 30 s of November, then 30 s of December
    doc = await smcost_api.get("budget")
    assert doc["month"] == "2026-12" and doc["spent_usd"] == 30.0
    assert doc["previous"] == {"month": "2026-11", "spent_usd": 60.0}
    assert doc["month_ends_at"] == "2027-01-01T00:00:00+00:00"
    assert doc["state"] == "near"  # on course to spend far more than $100 by January
    await budget.tick()
    saved = json.loads((Path(smcost_started.state_dir) / FILE_NAME).read_text())
    assert saved["month"] == "2026-12" and saved["previous"]["month"] == "2026-11"


async def test_over_budget_the_timeout_tightens_and_the_shutdown_says_why(
    clock: FakeClock, smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    budget, idle = smcost_started.budget, smcost_started.idle
    clock.advance(120)  # into December: a fresh month
    await budget.tick()
    assert (await smcost_api.get("config"))["timeout_minutes"] == 60
    clock.advance(101)
    await budget.tick()
    doc = await smcost_api.get("budget")
    assert doc["state"] == "over" and doc["timeout_tightened"] is True, doc
    config = await smcost_api.get("config")
    assert config["timeout_minutes"] == 10
    assert (await smcost_api.get("status"))["idle"]["timeout_seconds"] == 600
    # Past ten idle minutes: the warning first, whatever the tighter timeout says, then the
    # (dry-run) shutdown, both for the monthly budget.
    clock.advance(11 * 60)
    await idle.check()
    assert idle.status_json()["state"] == "warning"
    clock.advance(301)
    await idle.check()
    entries = (await smcost_api.get("history"))["entries"]
    assert [(e["kind"], e["reason"]) for e in entries] == [
        ("warning", "monthly-budget"),
        ("shutdown", "monthly-budget"),
    ]


async def test_a_user_cannot_loosen_a_tightened_timeout_by_choosing_one(
    clock: FakeClock, smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    clock.advance(120)
    await smcost_started.budget.tick()
    clock.advance(101)
    await smcost_started.budget.tick()
    code, answer = await smcost_api.put("config", {"timeout_minutes": 240})
    assert code == 200 and answer["timeout_minutes"] == 10
    assert answer["user_timeout_minutes"] == 240  # kept for when the month is over


def _get(port: int, route: str) -> Any:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/jupyter-smcost/{route}",
        headers={"Authorization": "token secret"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


@pytest.mark.slow
def test_the_month_continues_across_a_restart_without_counting_twice(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "jupyter_server_config.json").write_text(
        json.dumps(
            {
                "SMCost": {"instance_type": "ml.t3.medium", "region": "us-east-1"},
                "Pricing": {"overrides": PER_SECOND, "use_price_list_api": False},
                "Budget": {"monthly_usd": 1e6, "observe_seconds": 1},
            }
        )
    )
    ledger = tmp_path / "state" / FILE_NAME
    port = free_port()
    log = tmp_path / "first.log"
    server = start_server(tmp_path, port, log, short_timeout=False)
    try:
        assert wait_for_log(log, "idle checker started", 60), log.read_text()[-3000:]
        end = time.monotonic() + 30
        while _get(port, "budget")["spent_usd"] < 2 and time.monotonic() < end:
            time.sleep(0.5)
        first = _get(port, "budget")
        assert first["spent_usd"] >= 2, first
    finally:
        stop(server)
    written = json.loads(ledger.read_text())
    total = sum(written["sources"].values())
    stopped = time.monotonic()
    assert total >= first["spent_usd"]  # what was counted until the exit is written

    port = free_port()
    log = tmp_path / "second.log"
    server = start_server(tmp_path, port, log, short_timeout=False)
    try:
        assert wait_for_log(log, "idle checker started", 60), log.read_text()[-3000:]
        second = _get(port, "budget")
        elapsed = time.monotonic() - stopped
    finally:
        stop(server)
    # The month goes on from the file: never below it, and never the time before the
    # restart again (at $1/s, at most the seconds since the first server wrote it).
    assert second["month"] == first["month"]
    assert total <= second["spent_usd"] <= total + elapsed + 1.0, (total, second, elapsed)
    assert second["spent_since"] == first["spent_since"]
