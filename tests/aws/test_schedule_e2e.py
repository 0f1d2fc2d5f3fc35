"""The scheduled stop (c.Schedule) end to end: a real server as the emulator's Studio space
app; its warning, its save request to an open tab, its shutdown (DeleteApp), its history
reason; a busy kernel holds it until the user consents; PUT schedule refusals."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest

from jupyter_smcost.idle.activity import utcnow
from tests.aws.test_studio_e2e import actions, app_status, wait_until
from tests.support.api import SMCostAPI

SHORT = {
    "timeout_minutes": 60.0,  # the idle timeout is far away: only the schedule stops
    "warning_minutes": 0.05,  # 3 s
    "min_warning_minutes": 0.0,
    "check_interval_seconds": 0.25,
    "save_timeout_seconds": 2.0,
    "retry_seconds": 1.0,
    "action": "auto",
}


@pytest.fixture
def studio(emulator_demo: dict[str, Any], smcost_config: dict[str, Any]) -> dict[str, Any]:
    emulator_demo["emulator"].set_delete_delay(0.5)
    smcost_config["SMCost"]["metadata_path"] = str(emulator_demo["metadata_path"])
    smcost_config["IdleShutdown"].update(SHORT)
    smcost_config["Schedule"] = {
        # This minute (UTC), every day: due as soon as the start is taken as earlier.
        "stop_at": utcnow().strftime("%H:%M"),
        "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        "timezone": "UTC",
        "earliest_stop_at": "00:00",
        "latest_stop_at": "23:58",
    }
    return emulator_demo


def arm(smcost_started: Any) -> None:
    """As if the server had started two minutes ago: this minute's stop is due now."""
    smcost_started.idle.scheduled.armed_from = utcnow() - timedelta(minutes=2)
    smcost_started.idle.wake()


async def test_the_scheduled_stop_warns_saves_and_deletes_the_app(
    studio: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    emulator, metadata = studio["emulator"], studio["metadata"]
    before = await smcost_api.get("schedule")
    assert before["source"] == "admin" and before["timezone"] == "UTC"
    assert before["next_stop"] is not None
    assert (await smcost_api.get("status"))["idle"]["limit"] != "schedule"

    await smcost_api.get("status", params={"client_id": "tab-1"})  # an open tab
    arm(smcost_started)
    assert await wait_until(lambda: smcost_started.idle.status_json()["state"] == "warning", 5)
    idle = (await smcost_api.get("status"))["idle"]
    assert idle["limit"] == "schedule", idle
    assert idle["schedule"]["stop_at"] == before["stop_at"]
    assert 0 < idle["seconds_until_shutdown"] <= 3
    assert "DeleteApp" not in actions(emulator)  # a full warning first

    # The save request reaches the tab, which saves; then the app is deleted.
    assert await wait_until(lambda: smcost_started.idle.saver.current is not None, 10)
    request = smcost_started.idle.saver.current.to_json()
    code, _ = await smcost_api.post(
        "save-ack",
        {"request_id": request["id"], "client_id": "tab-1", "saved": ["a.ipynb"]},
    )
    assert code == 200
    assert await wait_until(lambda: "DeleteApp" in actions(emulator), 15)
    assert await wait_until(lambda: app_status(emulator, metadata) in ("Deleting", "Deleted"), 5)
    history = (await smcost_api.get("history"))["entries"]
    kinds = [(e["kind"], e.get("reason")) for e in history]
    assert ("warning", "schedule") in kinds and ("shutdown", "schedule") in kinds, kinds
    assert history[-1]["saved"] == ["a.ipynb"]
    # Handled: the next stop is tomorrow's again.
    after = await smcost_api.get("schedule")
    assert after["next_stop"] == before["next_stop"]
    assert after["next_stop"] > utcnow().isoformat()


@asynccontextmanager
async def busy_kernel(jp_serverapp: Any) -> AsyncIterator[None]:
    """A kernel of the server running a 30 s cell."""
    km = jp_serverapp.kernel_manager
    kernel_id = await km.start_kernel(kernel_name="python3")
    client = km.get_kernel(kernel_id).client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        client.execute("import time; time.sleep(30)")
        assert await wait_until(lambda: km.get_kernel(kernel_id).execution_state == "busy", 10)
        yield
    finally:
        client.stop_channels()


async def test_a_busy_kernel_holds_the_scheduled_stop_until_the_user_consents(
    studio: dict[str, Any], jp_serverapp: Any, smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    async with busy_kernel(jp_serverapp):
        emulator = studio["emulator"]
        arm(smcost_started)
        await asyncio.sleep(5)  # past the warning: due, but the kernel is busy
        idle = (await smcost_api.get("status"))["idle"]
        assert idle["state"] == "warning" and idle["schedule_waiting_for_busy"] is True, idle
        assert "busy kernel" in (idle["error"] or "")
        assert "DeleteApp" not in actions(emulator)
        # The consent: stop now.
        code, doc = await smcost_api.put("schedule", {"stop_now": True})
        assert code == 200, doc
        assert await wait_until(lambda: "DeleteApp" in actions(emulator), 15)


async def test_keep_running_while_the_stop_waits_for_a_busy_kernel_ends_the_wait_notice(
    studio: dict[str, Any], jp_serverapp: Any, smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    async with busy_kernel(jp_serverapp):
        arm(smcost_started)
        assert await wait_until(
            lambda: smcost_started.idle.status_json()["schedule_waiting_for_busy"], 10
        )
        code, idle = await smcost_api.post("activity", {"source": "keep running"})
        assert code == 200
        # The kernel is still busy, but the stop is postponed: nothing waits any more.
        assert idle["schedule_waiting_for_busy"] is False, idle
        assert "busy kernel" not in (idle["error"] or ""), idle
        await asyncio.sleep(2)  # a few ticks later, still not said
        idle = (await smcost_api.get("status"))["idle"]
        assert "busy kernel" not in (idle["error"] or ""), idle
        assert "DeleteApp" not in actions(studio["emulator"])


async def test_keep_running_in_a_scheduled_warning_postpones_the_stop(
    studio: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    arm(smcost_started)
    assert await wait_until(lambda: smcost_started.idle.status_json()["state"] == "warning", 5)
    code, idle = await smcost_api.post("activity", {"source": "keep running"})
    assert code == 200
    assert idle["state"] == "active", idle
    schedule = await smcost_api.get("schedule")
    # One idle timeout later (or 23:59 local, whichever is first); still the first limit.
    assert schedule["keep_running_until"] is not None
    assert schedule["next_stop"] == schedule["keep_running_until"]
    assert idle["schedule"]["keep_running_until"] == schedule["keep_running_until"]
    await asyncio.sleep(4)
    assert "DeleteApp" not in actions(studio["emulator"])


async def test_put_schedule_checks_the_admins_bounds(
    studio: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    code, doc = await smcost_api.put("schedule", {"stop_at": "23:59"})
    assert code == 403 and "admin's bounds" in doc["message"], doc
    code, doc = await smcost_api.put("schedule", {"stop_at": "7pm"})
    assert code == 400 and "19:00" in doc["message"], doc
    code, doc = await smcost_api.put("schedule", {"stop_at": "23:30", "timezone": "Asia/Tokyo"})
    assert code == 200, doc
    assert doc["stop_at"] == "23:30" and doc["source"] == "user"
    assert doc["timezone"] == "UTC"  # the admin's time zone wins over the browser's
    # Persisted in the state directory.
    assert smcost_started.idle.scheduled.store.path.name == "schedule.json"
    assert '"23:30"' in smcost_started.idle.scheduled.store.path.read_text()
