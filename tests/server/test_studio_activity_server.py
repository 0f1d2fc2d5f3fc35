"""Studio's activity file through a running server: the heartbeat writes it, polling and
ticks do not, another tool's newer timestamp counts and an older one does not, and where
the file is by default."""

from __future__ import annotations

import asyncio
import json
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from jupyter_smcost.idle.studio_activity import (
    DEFAULT_PATH,
    SOURCE,
    format_timestamp,
)
from tests.support.api import SMCostAPI, extension


async def idle_status_after_tick(app: Any, smcost_api: SMCostAPI) -> dict[str, Any]:
    """GET status once the running checker has looked again."""
    before = app.idle.status_json()["last_check"]
    app.idle.wake()
    for _ in range(100):
        status = (await smcost_api.get("status"))["idle"]
        if status["last_check"] != before:
            return dict(status)
        await asyncio.sleep(0.05)
    raise AssertionError("the checker did not tick")


@pytest.fixture
def activity_file(smcost_config: dict[str, Any]) -> Path:
    return Path(smcost_config["IdleShutdown"]["studio_activity_file"])


async def test_server_heartbeat_writes_the_file(
    smcost_api: SMCostAPI, smcost_started: Any, activity_file: Path
) -> None:
    assert smcost_started.idle.studio_activity_file == str(activity_file)
    idle = await smcost_api.get("activity", method="POST", body={"source": "typing in a.ipynb"})
    text = activity_file.read_text()
    parsed = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    assert parsed == datetime.fromisoformat(idle["last_activity"])
    assert stat.S_IMODE(activity_file.stat().st_mode) == 0o644


async def test_server_polling_and_ticks_do_not_write_the_file(
    smcost_api: SMCostAPI, smcost_started: Any, activity_file: Path
) -> None:
    for _ in range(5):
        await smcost_api.get("status")
        await smcost_api.get("cost")
        await smcost_api.get("config")
        await idle_status_after_tick(smcost_started, smcost_api)
    assert not activity_file.exists()
    await smcost_api.get("activity", method="POST", body="{}")
    written = activity_file.read_bytes(), activity_file.stat().st_mtime_ns
    for _ in range(5):
        await smcost_api.get("status")
        await smcost_api.get("cost")
        await idle_status_after_tick(smcost_started, smcost_api)
    assert (activity_file.read_bytes(), activity_file.stat().st_mtime_ns) == written


async def test_server_counts_a_newer_timestamp_of_another_tool(
    smcost_api: SMCostAPI, smcost_started: Any, activity_file: Path
) -> None:
    first = (await smcost_api.get("status"))["idle"]
    assert first["last_activity_source"] == "app start"
    newer = datetime.now(timezone.utc)
    activity_file.write_text(format_timestamp(newer))
    status = await idle_status_after_tick(smcost_started, smcost_api)
    assert status["last_activity_source"] == SOURCE
    assert datetime.fromisoformat(status["last_activity"]) == newer
    assert datetime.fromisoformat(status["deadline"]) > datetime.fromisoformat(first["deadline"])
    assert datetime.fromisoformat(status["deadline"]) == newer + timedelta(hours=1)


async def test_server_ignores_an_older_timestamp(
    smcost_api: SMCostAPI, smcost_started: Any, activity_file: Path
) -> None:
    first = (await smcost_api.get("status"))["idle"]
    older = datetime.fromisoformat(first["last_activity"]) - timedelta(minutes=5)
    activity_file.write_text(format_timestamp(older))
    status = await idle_status_after_tick(smcost_started, smcost_api)
    assert status["last_activity"] == first["last_activity"]
    assert status["last_activity_source"] == "app start"
    assert status["deadline"] == first["deadline"]
    assert activity_file.read_text() == format_timestamp(older)


@pytest.fixture
def unset(smcost_config: dict[str, Any]) -> None:
    del smcost_config["IdleShutdown"]["studio_activity_file"]


async def test_local_mode_leaves_tmp_alone_by_default(unset: None, jp_serverapp: Any) -> None:
    assert extension(jp_serverapp).idle.studio_activity_file == ""


@pytest.fixture(params=["JupyterLab", "JupyterServer"])
def studio_metadata(
    request: pytest.FixtureRequest, unset: None, smcost_config: dict[str, Any], tmp_path: Path
) -> None:
    app_type = request.param
    owner = {"SpaceName": "my-space"} if app_type == "JupyterLab" else {"UserProfileName": "al"}
    path = tmp_path / "resource-metadata.json"
    path.write_text(
        json.dumps(
            {
                "AppType": app_type,
                "DomainId": "d-abc",
                **owner,
                "ResourceArn": f"arn:aws:sagemaker:eu-west-1:1:app/d-abc/x/{app_type.lower()}/d",
                "ResourceName": "default",
            }
        )
    )
    smcost_config["SMCost"]["metadata_path"] = str(path)


async def test_studio_apps_use_the_studio_file_by_default(
    studio_metadata: None, jp_serverapp: Any
) -> None:
    app = extension(jp_serverapp)
    assert app.environment.kind.value in ("studio-space", "studio-classic")
    assert app.idle.studio_activity_file == DEFAULT_PATH
