"""GET history and POST history/seen (issue 17, part 2) on real servers: a real idle
shutdown (the server stops itself), a start on the same state directory that is the user
coming back, and the notice of that shutdown once."""

from __future__ import annotations

import json
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from jupyter_smcost.idle.history import avoided_usd
from tests.support.api import SMCostAPI
from tests.support.processes import free_port, start_server, stop, wait_for_log

RATE = 1.408


def call(port: int, route: str, body: Any = None) -> Any:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/jupyter-smcost/{route}",
        method="GET" if body is None else "POST",
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": "token secret"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.mark.slow
def test_a_real_shutdown_is_in_the_history_with_its_return_and_the_notice_once(
    tmp_path: Path,
) -> None:
    # The price, for what the stop did not cost (the user's config, as JUPYTER_CONFIG_DIR).
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "jupyter_server_config.json").write_text(
        json.dumps({"Pricing": {"overrides": {"ml.t3.medium": RATE}, "use_price_list_api": False}})
    )
    priced: dict[str, object] = {
        "SMCost.instance_type": "ml.t3.medium",
        "SMCost.region": "us-east-1",
    }

    # First start: idle for 3 s, then the server stops itself (a real action, not a dry run).
    first_log = tmp_path / "first.log"
    server = start_server(
        tmp_path, free_port(), first_log, config={**priced, "IdleShutdown.action": "stop-server"}
    )
    try:
        assert server.wait(60) == 0, first_log.read_text()
    finally:
        stop(server)
    assert "stopping this Jupyter server" in first_log.read_text()

    # Second start (the default hour's timeout): the user is back.
    port = free_port()
    second_log = tmp_path / "second.log"
    server = start_server(tmp_path, port, second_log, config=priced, short_timeout=False)
    try:
        assert wait_for_log(second_log, "idle checker started", 30), second_log.read_text()
        assert "back after the shutdown of" in second_log.read_text()
        history = call(port, "history")
        assert history["limit"] == 200
        last = history["entries"][-1]
        assert last["kind"] == "shutdown", history
        assert last["reason"] == "timeout"
        assert last["action"] == "stopping this Jupyter server"
        assert last["dry_run"] is False
        assert last["rate_usd_per_hour"] == RATE
        assert 3 <= last["idle_seconds"] < 30
        stopped, back = (datetime.fromisoformat(last[k]) for k in ("at", "came_back_at"))
        assert stopped < back
        assert last["avoided_usd"] == avoided_usd(RATE, stopped, back, False)
        assert isinstance(last["avoided_usd"], float)
        assert history["notice"] == last

        # A tab showed it: gone for this server and for the next one.
        assert call(port, "history/seen", {"id": last["id"] + 1}) == {
            "seen": False,
            "notice": last,
        }
        assert call(port, "history/seen", {"id": last["id"]}) == {"seen": True, "notice": None}
        assert call(port, "history")["notice"] is None
        assert call(port, "history/seen", {}) == {"seen": False, "notice": None}
    finally:
        stop(server)

    third_log = tmp_path / "third.log"
    port = free_port()
    server = start_server(tmp_path, port, third_log, config=priced, short_timeout=False)
    try:
        assert wait_for_log(third_log, "idle checker started", 30), third_log.read_text()
        again = call(port, "history")
        assert again["notice"] is None
        assert again["entries"][-1] == last  # came back once, not at every start
    finally:
        stop(server)


# --------------------------------------------------------------------------- in process


@pytest.fixture
def dry_run_shutdown(smcost_config: dict[str, Any]) -> Path:
    """A history whose last event is a dry-run shutdown, left before this server started."""
    state = Path(smcost_config["SMCost"]["state_dir"])
    state.mkdir(parents=True, exist_ok=True)
    entry = {
        "id": 7,
        "at": "2026-11-26T19:42:00+00:00",
        "kind": "shutdown",
        "idle_seconds": 3600,
        "rate_usd_per_hour": RATE,
        "saved": [],
        "action": "dry-run: would stop nothing",
        "dry_run": True,
    }
    path = state / "history.json"
    path.write_text(json.dumps({"version": 1, "notice_id": None, "entries": [entry]}))
    return path


async def test_a_dry_run_shutdown_comes_back_without_money_avoided(
    dry_run_shutdown: Path, smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    history = await smcost_api.get("history")
    notice = history["notice"]
    assert notice is not None and notice["id"] == 7
    assert notice["dry_run"] is True and notice["came_back_at"] is not None
    assert notice["avoided_usd"] is None
    assert json.loads(dry_run_shutdown.read_text())["notice_id"] == 7  # persisted at start


async def test_keep_running_and_its_history_through_the_api(
    smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    code, _ = await smcost_api.post("activity", {"source": "keep running"})
    assert code == 200
    await smcost_api.post("activity", {"source": "typing in a.ipynb"})
    entries = (await smcost_api.get("history"))["entries"]
    assert [e["kind"] for e in entries] == ["keep-running"]


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("[1]", "JSON object"),
        ('"seen"', "JSON object"),
        ('{"id": "7"}', "whole number"),
        ('{"id": true}', "whole number"),
        ('{"id": -1}', "whole number"),
        ('{"id": 1.5}', "whole number"),
        ("{", "not valid JSON"),
    ],
)
async def test_a_bad_acknowledgement_is_a_400_that_says_why(
    smcost_api: SMCostAPI, smcost_started: Any, body: str, why: str
) -> None:
    code, answer = await smcost_api.send("POST", "history/seen", body)
    assert code == 400, answer
    assert why in answer["message"]
