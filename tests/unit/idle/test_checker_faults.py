"""The checker under faults: a failing check never stops the next one and says what failed;
a postponement notice stays until the postponed deadline; a document that fails to save is
named in the log even when the shutdown goes ahead."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from tests.support.idle import make, pass_deadline


@pytest.mark.slow
async def test_a_failing_check_never_stops_the_checker(tmp_path: Path) -> None:
    idle, clock, signals, _ = make(tmp_path, check_interval_seconds=0.05)
    failures = {"left": 3}
    real_kernels = signals.kernels

    async def flaky() -> list:  # type: ignore[type-arg]
        if failures["left"]:
            failures["left"] -= 1
            raise OverflowError("int too large to convert to float")
        return await real_kernels()

    signals.kernels = flaky  # type: ignore[method-assign]
    # next_delay itself failing must not end the loop either.
    real_next = idle._next_delay
    broken_next = {"left": 2}

    def next_delay() -> float:
        if broken_next["left"]:
            broken_next["left"] -= 1
            raise OverflowError("date value out of range")
        return min(real_next(), 0.05)

    idle._next_delay = next_delay  # type: ignore[method-assign]
    idle.check_interval_seconds = 0.05
    idle.start()
    try:
        await asyncio.sleep(0.1)
        status = idle.status_json()
        assert status["checker_running"]
        for _ in range(100):
            if failures["left"] == 0 and idle.status_json()["check_error"] is None:
                break
            await asyncio.sleep(0.05)
        assert idle.running
        assert idle.status_json()["check_error"] is None  # cleared by the next good check
    finally:
        await idle.stop()


async def test_check_error_is_reported_in_the_status(tmp_path: Path) -> None:
    idle, clock, signals, _ = make(tmp_path, check_interval_seconds=10)

    async def broken() -> list:  # type: ignore[type-arg]
        raise RuntimeError("kernel manager is wedged")

    signals.kernels = broken  # type: ignore[method-assign]
    idle.start()
    try:
        for _ in range(50):
            if idle.status_json()["check_error"]:
                break
            await asyncio.sleep(0.02)
        error = idle.status_json()["check_error"]
        assert "kernel manager is wedged" in error
        assert idle.status_json()["checker_running"]
    finally:
        await idle.stop()


async def test_postponement_notice_stays_until_the_postponed_deadline(tmp_path: Path) -> None:
    # A timeout no longer than the postponement period used to clear the notice at once.
    idle, clock, signals, _ = make(
        tmp_path, timeout_minutes=1, warning_minutes=0.5, save_timeout_seconds=5
    )
    idle._server_side_save = _failing_save
    pass_deadline(idle, clock)
    await idle.check()
    assert signals.events == []
    notice = idle.status_json()["error"]
    assert notice.startswith("shutdown postponed by 1 min: could not save shared.ipynb")
    for _ in range(5):
        clock.advance(10)
        await idle.check()
        assert idle.status_json()["error"] == notice
    idle.record_activity("typing")
    assert idle.status_json()["error"] is None  # real activity: the notice served its purpose


async def test_unsaved_documents_are_named_when_the_shutdown_goes_ahead(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    idle, clock, signals, _ = make(tmp_path, block_on_unsaved=False)
    idle._server_side_save = _failing_save
    pass_deadline(idle, clock)
    with caplog.at_level(logging.WARNING):
        await idle.check()
    assert signals.events[-1] == "action"
    assert any(
        "shared.ipynb" in r.getMessage() and "disk full" in r.getMessage() for r in caplog.records
    )


async def _failing_save(timeout: float) -> tuple[list[str], list[dict[str, str]]]:
    return [], [{"path": "shared.ipynb", "error": "disk full"}]
