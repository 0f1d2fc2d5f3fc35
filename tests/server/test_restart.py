"""A real `jupyter server` process: the checker starts by itself (no request, no browser)
after every start, and the user's timeout survives a restart."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from tests.support.processes import free_port, start_server, stop, wait_for_log

# Each test here runs processes (servers, bash, shellcheck) and waits for them.
pytestmark = pytest.mark.slow


def test_checker_starts_by_itself_and_settings_survive_restart(tmp_path: Path) -> None:
    port = free_port()
    first_log = tmp_path / "first.log"
    server = start_server(tmp_path, port, first_log)
    try:
        assert wait_for_log(first_log, "idle checker started (timeout 0.05 min", 30)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/jupyter-smcost/config",
            method="PUT",
            data=json.dumps({"timeout_minutes": 0.07}).encode(),
            headers={"Authorization": "token secret"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.loads(response.read())["timeout_minutes"] == 0.07
    finally:
        stop(server)

    # Second start: nobody sends a request; the checker runs and acts on the saved value.
    second_log = tmp_path / "second.log"
    server = start_server(tmp_path, free_port(), second_log)
    try:
        assert wait_for_log(second_log, "idle checker started (timeout 0.07 min", 30)
        assert wait_for_log(second_log, "dry-run: would stop nothing", 15)
        text = second_log.read_text()
        assert "GET /jupyter-smcost" not in text and "PUT /jupyter-smcost" not in text
    finally:
        stop(server)
