"""End to end: a real server and a real kernel in a simulated Studio space (the emulator)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.support.api import SMCostAPI

SHORT = {
    "timeout_minutes": 0.05,  # 3 s
    "warning_minutes": 0.02,
    "check_interval_seconds": 0.25,
    "save_timeout_seconds": 0.5,
    "retry_seconds": 1.0,
    "action": "auto",
}


@pytest.fixture
def studio(emulator_demo: dict[str, Any], smcost_config: dict[str, Any]) -> dict[str, Any]:
    """A server configured as the demo space's JupyterLab app, with a 3 s timeout."""
    emulator_demo["emulator"].set_delete_delay(0.5)
    smcost_config["SMCost"]["metadata_path"] = str(emulator_demo["metadata_path"])
    smcost_config["IdleShutdown"].update(SHORT)
    return emulator_demo


def app_status(emulator: Any, metadata: dict[str, Any]) -> str:
    app = emulator.client().describe_app(
        DomainId=metadata["DomainId"],
        SpaceName=metadata["SpaceName"],
        AppType=metadata["AppType"],
        AppName=metadata["ResourceName"],
    )
    return str(app["Status"])


def actions(emulator: Any) -> list[str]:
    return [record[1] for record in emulator.call_log()]


async def wait_until(predicate: Any, timeout: float, step: float = 0.1) -> bool:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while loop.time() < end:
        if await asyncio.to_thread(predicate):
            return True
        await asyncio.sleep(step)
    return False


async def test_silent_cell_keeps_the_app_then_idle_deletes_it(
    studio: dict[str, Any], jp_serverapp: Any, smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    emulator, metadata = studio["emulator"], studio["metadata"]
    first = await smcost_api.get("status")
    assert first["environment"]["kind"] == "studio-space"
    assert first["idle"]["action"] == "delete-app"
    assert await wait_until(lambda: smcost_started.environment.instance_type == "ml.g5.xlarge", 10)

    km = jp_serverapp.kernel_manager
    kernel_id = await km.start_kernel(kernel_name="python3")
    client = km.get_kernel(kernel_id).client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        client.execute("import time; time.sleep(8)")  # silent, and longer than the timeout
        assert await wait_until(lambda: km.get_kernel(kernel_id).execution_state == "busy", 10)
        for _ in range(6):  # 6 s of a busy, silent kernel: twice the timeout
            await asyncio.sleep(1)
            now = await smcost_api.get("status")
            assert now["idle"]["state"] in ("active", "warning"), now["idle"]
            assert now["idle"]["last_activity_source"].startswith("kernel busy")
        assert "DeleteApp" not in actions(emulator)
        assert app_status(emulator, metadata) == "InService"
    finally:
        client.stop_channels()

    # After the cell ends and the timeout passes, the app is deleted.
    assert await wait_until(lambda: "DeleteApp" in actions(emulator), 20)
    assert kernel_id not in km.list_kernel_ids()  # kernels stopped before the app
    final = await smcost_api.get("status")
    assert final["idle"]["state"] == "shut-down"
    assert await wait_until(lambda: app_status(emulator, metadata) == "Deleted", 5)


async def test_access_denied_is_shown_and_retried(
    studio: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    emulator, metadata = studio["emulator"], studio["metadata"]
    emulator.inject_fault(
        "DeleteApp", "AccessDeniedException", "not authorized: DeleteApp", times=1
    )
    assert await wait_until(lambda: "DeleteApp" in actions(emulator), 15)
    await asyncio.sleep(0.2)
    failed = await smcost_api.get("status")
    assert failed["idle"]["state"] == "error"
    assert "AccessDenied" in failed["idle"]["error"]
    assert failed["idle"]["retry_at"]
    assert app_status(emulator, metadata) == "InService"
    # The server is still up, and a later retry succeeds.
    assert await wait_until(lambda: actions(emulator).count("DeleteApp") >= 2, 10)
    assert await wait_until(lambda: app_status(emulator, metadata) == "Deleted", 5)
    done = await smcost_api.get("status")
    assert done["idle"]["state"] == "shut-down"
    assert done["idle"]["error"] is None


async def test_a_throttled_account_still_deletes_the_idle_app_on_time(
    studio: dict[str, Any], smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    """AWS throttling the background reads backs them off for minutes; the shutdown is not
    among them."""
    emulator, metadata = studio["emulator"], studio["metadata"]
    smcost_started.pace.throttled_now("ListApps")
    smcost_started.pace.busy_until += 3600.0  # an hour of backoff for every background read
    assert (await smcost_api.get("resources"))["aws_busy"] is not None
    assert await wait_until(lambda: "DeleteApp" in actions(emulator), 20)
    assert await wait_until(lambda: app_status(emulator, metadata) == "Deleted", 5)


async def test_unreachable_endpoint_is_a_state_not_a_crash(
    studio: dict[str, Any],
    smcost_api: SMCostAPI,
    smcost_started: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Point the already-created client factory at a closed port.
    smcost_started.aws._clients.clear()
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", "http://127.0.0.1:9")
    smcost_started.aws._max_attempts = 1
    await asyncio.sleep(4.5)
    failed = await smcost_api.get("status")
    assert failed["idle"]["state"] == "error"
    assert "EndpointUnreachable" in failed["idle"]["error"]
