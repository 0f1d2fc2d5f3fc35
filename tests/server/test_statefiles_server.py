"""Hostile state files under a running server: a FIFO or /dev/zero never stops the server or
its checker, and stale temp files of every store are removed at start."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.api import SMCostAPI
from tests.support.statefiles import FifoWatch, plant, set_aside_files

SERVER_FILES = ["suggestions-dismissed.json", "usage-ledger.json", "actions-audit.jsonl"]


@pytest.fixture
def package_log() -> Iterator[list[logging.LogRecord]]:
    """Every record of the extension's loggers, from before the server starts. (While
    pytest-jupyter sets a server up, its logger neither propagates nor has a handler, so
    what the extension says at start reaches no capture there.)"""
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    package = logging.getLogger("jupyter_smcost")
    package.addHandler(handler)
    yield records
    package.removeHandler(handler)


@pytest.fixture
def planted(request: Any, smcost_config: dict[str, Any], watch: list[FifoWatch]) -> Path:
    """A hostile file in the state directory before the server starts."""
    kind, name = request.param
    path = Path(smcost_config["SMCost"]["state_dir"]) / name
    plant(path, kind, watch)
    return path


@pytest.fixture
def jp_server_config(smcost_config: dict[str, Any], planted: Path) -> Any:
    from traitlets.config import Config

    return Config(smcost_config)


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    "planted",
    [(kind, name) for kind in ("fifo", "dev-zero") for name in SERVER_FILES],
    indirect=True,
    ids=lambda p: "-".join(p),
)
async def test_a_hostile_state_file_never_stops_the_server_or_its_checker(
    package_log: list[logging.LogRecord],
    planted: Path,
    watch: list[FifoWatch],
    smcost_api: SMCostAPI,
    smcost_started: Any,
) -> None:
    code, status = await smcost_api.call("status")
    assert code == 200 and status["idle"]["checker_running"]
    for _ in range(100):
        if smcost_started.idle.status_json()["last_check"]:
            break
        await asyncio.sleep(0.1)
    assert smcost_started.idle.status_json()["last_check"], "the idle checker ran"
    # POST actions (it writes the audit log) while another request is answered.
    body = {"suggestion_id": "nope", "action_id": "x", "confirm": True}
    started = time.monotonic()
    action = asyncio.ensure_future(smcost_api.post("actions", body))
    code, _ = await smcost_api.call("status")
    assert code == 200
    code, _ = await action
    assert code == 404
    assert time.monotonic() - started < 5.0
    assert all(w.never_blocked() for w in watch), "something blocked on the FIFO"
    assert smcost_started.idle.running and smcost_started.idle.check_error is None
    # The bad file was set aside with a log line; the audit log was written afresh.
    assert not os.path.lexists(planted) or planted.name == "actions-audit.jsonl"
    assert len(set_aside_files(planted.parent, planted.name)) == 1
    assert any(str(planted) in r.getMessage() for r in package_log)
    assert [e["status"] for e in smcost_started.suggestions.audit.entries()] == [404]


@pytest.mark.server
@pytest.mark.parametrize("planted", [("junk", "settings.json")], indirect=True)
async def test_stale_temp_files_of_every_store_are_removed_at_start(
    request: Any, planted: Path
) -> None:
    state = planted.parent
    stale = [
        ".dismissed-abc123.tmp",
        ".usage-abc123.tmp",
        ".prices-abc123.tmp",
        ".settings-abc123.json",
        ".suggestions-dismissed.json.smcost-0123456789abcdef.tmp",
        ".actions-audit.jsonl.smcost-0123456789abcdef.tmp",
    ]
    for name in stale:
        (state / name).write_text("{")
    request.getfixturevalue("jp_serverapp")  # starts only now
    left = {p.name for p in state.iterdir()}
    assert not left & set(stale)
