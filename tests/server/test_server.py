"""The REST contract against a real Jupyter server (local mode)."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from tests.support.api import SMCostAPI, extension

ENDPOINTS = [
    ("GET", "status", None),
    ("GET", "config", None),
    ("PUT", "config", {"timeout_minutes": 30}),
    ("POST", "activity", {}),
    ("POST", "save-ack", {"request_id": "x", "client_id": "y"}),
]


async def test_status_contract(smcost_api: SMCostAPI, smcost_started: Any) -> None:
    status = await smcost_api.get("status", params={"client_id": "tab-1"})
    assert set(status) >= {"version", "environment", "idle"}
    env = status["environment"]
    assert env["kind"] == "local"
    assert env["instance_type"] == "ml.t3.medium"
    assert env["region"] == "us-east-1"
    for key in ("domain_id", "space_name", "user_profile_name", "app_type", "app_name"):
        assert key in env
    idle = status["idle"]
    for key in (
        "state",
        "idle_seconds",
        "timeout_seconds",
        "seconds_until_shutdown",
        "last_activity",
        "last_activity_source",
        "error",
    ):
        assert key in idle
    assert idle["state"] == "active"
    assert idle["timeout_seconds"] == 3600
    assert idle["last_activity_source"] == "app start"
    assert datetime.fromisoformat(idle["last_activity"]).utcoffset().total_seconds() == 0
    assert idle["action"] == "dry-run"
    assert "tab-1" in smcost_started.idle.saver.recent_clients()


async def test_polling_status_is_not_activity(smcost_api: SMCostAPI, smcost_started: Any) -> None:
    first = await smcost_api.get("status")
    for _ in range(3):
        later = await smcost_api.get("status")
    assert later["idle"]["last_activity"] == first["idle"]["last_activity"]
    assert later["idle"]["idle_seconds"] >= first["idle"]["idle_seconds"]


async def test_heartbeat_is_activity(smcost_api: SMCostAPI, smcost_started: Any) -> None:
    idle = await smcost_api.get("activity", method="POST", body={"source": "typing in a.ipynb"})
    assert idle["last_activity_source"] == "typing in a.ipynb"
    assert idle["idle_seconds"] < 1


async def test_config_round_trip_and_validation(
    jp_fetch: Any, smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    config = await smcost_api.get("config")
    assert config["timeout_minutes"] == 60
    assert (config["min_timeout_minutes"], config["max_timeout_minutes"]) == (5, 1440)
    assert config["allow_user_override"] is True
    updated = await smcost_api.get("config", method="PUT", body={"timeout_minutes": 2})
    assert updated["clamped"] is True
    assert updated["timeout_minutes"] == 5
    status = await smcost_api.get("status")
    assert status["idle"]["timeout_seconds"] == 300
    for bad in ('{"timeout_minutes": -3}', '{"timeout_minutes": "abc"}', "{}", "not json"):
        with pytest.raises(HTTPClientError) as info:
            await jp_fetch("jupyter-smcost", "config", method="PUT", body=bad)
        assert info.value.code == 400
        assert json.loads(info.value.response.body)["message"]


@pytest.fixture
def locked(smcost_config: dict[str, Any]) -> None:
    smcost_config["IdleShutdown"]["allow_user_override"] = False


async def test_override_forbidden(
    locked: None, jp_fetch: Any, smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    config = await smcost_api.get("config")
    assert config["allow_user_override"] is False
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("jupyter-smcost", "config", method="PUT", body='{"timeout_minutes": 30}')
    assert info.value.code == 403
    assert "administrator" in json.loads(info.value.response.body)["message"]


async def test_every_endpoint_requires_auth(
    jp_serverapp: Any, http_server_client: Any, jp_base_url: str
) -> None:
    for method, path, body in ENDPOINTS:
        url = f"{jp_base_url}jupyter-smcost/{path}"
        with pytest.raises(HTTPClientError) as info:
            await http_server_client.fetch(
                url, method=method, body=None if body is None else json.dumps(body)
            )
        assert info.value.code == 403, (method, path)


async def test_mutations_need_xsrf_with_cookie_auth(
    jp_serverapp: Any, http_server_client: Any, jp_base_url: str, jp_auth_header: Any
) -> None:
    # A browser session authenticated by cookie but without the XSRF token is refused.
    token = jp_auth_header["Authorization"].split()[-1]
    login = await http_server_client.fetch(
        f"{jp_base_url}?token={token}", follow_redirects=False, raise_error=False
    )
    cookies = [c.split(";")[0] for c in login.headers.get_list("Set-Cookie")]
    assert cookies
    without_xsrf = "; ".join(c for c in cookies if not c.startswith("_xsrf"))
    with pytest.raises(HTTPClientError) as info:
        await http_server_client.fetch(
            f"{jp_base_url}jupyter-smcost/activity",
            method="POST",
            body="{}",
            headers={"Cookie": without_xsrf},
        )
    assert info.value.code == 403
    # The same cookie with the XSRF token is accepted: the refusal above was the XSRF check.
    xsrf_value = next(c for c in cookies if c.startswith("_xsrf=")).split("=", 1)[1]
    ok = await http_server_client.fetch(
        f"{jp_base_url}jupyter-smcost/activity",
        method="POST",
        body="{}",
        headers={"Cookie": f"{without_xsrf}; _xsrf={xsrf_value}", "X-XSRFToken": xsrf_value},
    )
    assert ok.code == 200


async def test_save_ack_for_unknown_request(jp_fetch: Any, smcost_started: Any) -> None:
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(
            "jupyter-smcost",
            "save-ack",
            method="POST",
            body=json.dumps({"request_id": "nope", "client_id": "tab"}),
        )
    assert info.value.code == 409


async def test_checker_runs_with_no_request(jp_serverapp: Any, smcost_started: Any) -> None:
    assert smcost_started.idle.running
    assert extension(jp_serverapp) is smcost_started


async def test_open_kernel_websocket_is_not_activity(
    jp_serverapp: Any, jp_fetch: Any, smcost_api: SMCostAPI, jp_ws_fetch: Any, smcost_started: Any
) -> None:
    """A forgotten tab holds a kernel connection open; that alone must not keep the app up."""
    response = await jp_fetch("api", "kernels", method="POST", body=json.dumps({"name": "python3"}))
    kernel_id = json.loads(response.body)["id"]
    ws = await jp_ws_fetch("api", "kernels", kernel_id, "channels")
    try:
        # Let the connection settle (its kernel_info exchange is a moment of activity).
        await asyncio.sleep(3)
        await smcost_started.idle.check()
        settled = await smcost_api.get("status")
        await asyncio.sleep(3)
        await smcost_started.idle.check()
        later = await smcost_api.get("status")
    finally:
        ws.close()
        await jp_serverapp.kernel_manager.shutdown_kernel(kernel_id)
    assert later["idle"]["last_activity"] == settled["idle"]["last_activity"]
    assert later["idle"]["idle_seconds"] >= settled["idle"]["idle_seconds"] + 2.5


async def test_settings_change_is_an_event_for_every_tab(
    jp_fetch: Any, smcost_api: SMCostAPI, jp_ws_fetch: Any, smcost_started: Any
) -> None:
    ws = await jp_ws_fetch("api", "events", "subscribe")
    try:
        await jp_fetch(
            "jupyter-smcost", "config", method="PUT", body=json.dumps({"timeout_minutes": 45})
        )
        while True:
            event = json.loads(await asyncio.wait_for(ws.read_message(), 5))
            if event.get("schema_id") == "https://schema.jupyter.org/jupyter_smcost/idle/v1":
                break
    finally:
        ws.close()
    assert event["kind"] == "config"
    config = await smcost_api.get("config")
    assert event["config_version"] == config["config_version"]
    status = await smcost_api.get("status")
    assert status["idle"]["config_version"] == config["config_version"]
    assert status["idle"]["timeout_seconds"] == 45 * 60
