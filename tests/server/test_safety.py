"""Abuse and fault reproductions against a real Jupyter server: authorization on every route,
bad input answered with a 400 (never a 500), a hostile settings file ignored with a warning,
no NaN or Infinity in any response, and a state directory that cannot be written."""

from __future__ import annotations

import json
import logging
import math
import os
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from jupyter_server.auth.authorizer import Authorizer
from tornado.httpclient import HTTPClientError

from jupyter_smcost.cost.budget import month_of
from jupyter_smcost.jsonsafe import dumps
from jupyter_smcost.routes import AUTH_RESOURCE
from tests.support.api import SMCostAPI, extension

ROUTES = [
    ("GET", "status", None),
    ("GET", "config", None),
    ("GET", "cost", None),
    ("GET", "resources", None),
    ("GET", "history", None),
    ("GET", "budget", None),
    ("PUT", "config", {"timeout_minutes": 30}),
    ("GET", "schedule", None),
    ("PUT", "schedule", {"timezone": "Europe/Berlin"}),
    ("POST", "history/seen", {}),
    ("POST", "activity", {}),
    ("POST", "save-ack", {"request_id": "x", "client_id": "y"}),
    ("GET", "suggestions", None),
    ("POST", "actions", {"suggestion_id": "x", "action_id": "y", "confirm": True}),
    ("POST", "suggestions/idle-budget-0123456789abcdef/dismiss", {}),
    ("DELETE", "suggestions/idle-budget-0123456789abcdef/dismiss", None),
]
WRITES = {
    ("PUT", "config"),
    ("PUT", "schedule"),
    ("POST", "activity"),
    ("POST", "save-ack"),
    ("POST", "history/seen"),
    ("POST", "actions"),
    ("POST", "suggestions/idle-budget-0123456789abcdef/dismiss"),
    ("DELETE", "suggestions/idle-budget-0123456789abcdef/dismiss"),
}


class DenyAll(Authorizer):
    def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
        return False


class ReadOnly(Authorizer):
    """Read anything, write nothing (a viewer role); records what it was asked."""

    asked: list[tuple[str, str]] = []

    def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
        ReadOnly.asked.append((action, resource))
        return action == "read"


async def status_of(
    jp_fetch: Any, method: str, path: str, body: Any, prefix: str = "jupyter-smcost"
) -> int:
    kwargs: dict[str, Any] = {"method": method}
    if body is not None:
        kwargs["body"] = json.dumps(body)
    try:
        response = await jp_fetch(prefix, path, **kwargs)
    except HTTPClientError as err:
        return err.code
    return int(response.code)


# --------------------------------------------------------------------------- authorization


@pytest.fixture
def deny_all(smcost_config: dict[str, Any]) -> None:
    smcost_config.setdefault("ServerApp", {})["authorizer_class"] = DenyAll


@pytest.fixture
def read_only(smcost_config: dict[str, Any]) -> None:
    smcost_config.setdefault("ServerApp", {})["authorizer_class"] = ReadOnly
    ReadOnly.asked = []


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
async def test_deny_all_authorizer_applies_to_every_route(
    deny_all: None, jp_fetch: Any, smcost_started: Any, method: str, path: str, body: Any
) -> None:
    for core in ("contents", "kernels", "sessions"):  # the baseline: Jupyter's own routes
        assert await status_of(jp_fetch, "GET", core, None, prefix="api") == 403
    assert await status_of(jp_fetch, method, path, body) == 403


async def test_read_only_authorizer_reads_but_cannot_write(
    read_only: None, jp_fetch: Any, smcost_started: Any
) -> None:
    for method, path, body in ROUTES:
        expected = 403 if (method, path) in WRITES else 200
        assert await status_of(jp_fetch, method, path, body) == expected, (method, path)
    assert {resource for _, resource in ReadOnly.asked} == {AUTH_RESOURCE}
    # The denied PUT changed nothing.
    assert smcost_started.idle.config_json()["user_timeout_minutes"] is None


# --------------------------------------------------------------------------- bad input


HUGE = "9" * 400
NESTED = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "config", f'{{"timeout_minutes": {HUGE}}}'),
        ("PUT", "config", f'{{"warning_minutes": {HUGE}}}'),
        ("PUT", "config", f'{{"max_idle_usd": {HUGE}}}'),
        ("PUT", "config", '{"timeout_minutes": 1e400}'),
        ("PUT", "config", '{"timeout_minutes": NaN}'),
        ("PUT", "config", '{"warning_minutes": Infinity}'),
        ("PUT", "config", '{"max_idle_usd": -Infinity}'),
        ("PUT", "config", '{"timeout_minutes": " 7 "}'),
        ("PUT", "config", '{"timeout_minutes": "\u0667"}'),
        ("PUT", "config", '{"timeout_minutes": "1e3"}'),
        ("PUT", "config", '{"timeout_minutes": [30]}'),
        ("PUT", "config", '{"warning_minutes": 1e12}'),
        ("PUT", "config", NESTED),
        ("PUT", "config", '{"timeout_minutes": ' + NESTED + "}"),
        ("POST", "activity", NESTED),
        ("POST", "save-ack", NESTED),
        ("POST", "save-ack", '{"request_id": "r", "client_id": "c", "saved": 5}'),
        ("POST", "save-ack", '{"request_id": "r", "client_id": "c", "saved": [1]}'),
        ("POST", "save-ack", '{"request_id": "r", "client_id": "c", "failed": [5]}'),
        ("POST", "save-ack", '{"request_id": "r", "client_id": "c", "failed": {"a": 1}}'),
        ("POST", "save-ack", '{"request_id": ["r"], "client_id": "c"}'),
        ("POST", "save-ack", "[1, 2]"),
        ("POST", "history/seen", NESTED),
        ("POST", "history/seen", '{"id": 1e400}'),
        ("POST", "history/seen", '{"id": ' + HUGE * 20 + "}"),
        ("PUT", "config", "not json"),
        ("PUT", "schedule", NESTED),
        ("PUT", "schedule", "[1]"),
        ("PUT", "schedule", '{"stop_at": "7pm"}'),
        ("PUT", "schedule", '{"stop_at": 1e400}'),
        ("PUT", "schedule", '{"timezone": "Mars/Base"}'),
        ("PUT", "schedule", '{"keep_running_until": "24:00"}'),
        ("PUT", "schedule", '{"stop_now": false}'),
        ("PUT", "schedule", '{"colour": "red"}'),
    ],
)
async def test_bad_input_is_a_400_with_a_message(
    smcost_api: SMCostAPI, smcost_started: Any, method: str, path: str, body: str
) -> None:
    code, answer = await smcost_api.send(method, path, body)
    assert code == 400, answer
    assert isinstance(answer.get("message"), str) and answer["message"]
    # Nothing changed, and the checker still runs.
    assert smcost_started.idle.config_json()["user_timeout_minutes"] is None
    assert smcost_started.idle.running


async def test_plain_ascii_number_text_is_still_accepted(
    smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    code, answer = await smcost_api.send("PUT", "config", '{"timeout_minutes": "30"}')
    assert code == 200
    assert answer["timeout_minutes"] == 30


# --------------------------------------------------------------------------- settings file


@pytest.fixture
def settings_file(request: Any, smcost_config: dict[str, Any]) -> Path:
    """The user's settings file, prepared (from the test's parameter) before the server
    starts: "directory" and "fifo" make that instead of a file."""
    state = Path(smcost_config["SMCost"]["state_dir"])
    state.mkdir(parents=True, exist_ok=True)
    path = state / "settings.json"
    content = getattr(request, "param", None)
    if content == "directory":
        path.mkdir()
    elif content == "fifo":
        os.mkfifo(path)
    elif content is not None:
        path.write_text(content)
    return path


@pytest.fixture
def jp_server_config(smcost_config: dict[str, Any], settings_file: Path) -> Any:
    from traitlets.config import Config

    return Config(smcost_config)


HOSTILE = [
    ('{"warning_minutes": NaN}', "warning_minutes"),
    ('{"timeout_minutes": NaN}', "timeout_minutes"),
    ('{"timeout_minutes": Infinity}', "timeout_minutes"),
    ('{"timeout_minutes": -5}', "timeout_minutes"),
    ('{"timeout_minutes": "soon"}', "timeout_minutes"),
    ('{"timeout_minutes": ' + HUGE + "}", "timeout_minutes"),
    ('{"max_idle_usd": ' + HUGE + "}", "max_idle_usd"),
    ('{"warning_minutes": 1e300}', "warning_minutes"),
    ("[1, 2, 3]", "expected a JSON object"),
    ("[" * 20_000 + "]" * 20_000, "nested too deeply"),
    ("[" * 100_000 + "]" * 100_000, "more than 65536"),
    ("{broken", "not valid JSON"),
    ("directory", "not a regular file"),
    ("fifo", "not a regular file"),
]


@pytest.mark.parametrize(
    ("settings_file", "why"), HOSTILE, indirect=["settings_file"], ids=[w for _, w in HOSTILE]
)
async def test_hostile_settings_file_is_ignored_with_a_warning(
    capfd: pytest.CaptureFixture[str],
    settings_file: Path,
    why: str,
    jp_fetch: Any,
    smcost_api: SMCostAPI,
    jp_serverapp: Any,
) -> None:
    # The server (and the extension) started with the file in place: a warning in Jupyter's
    # log format ("[W <time> SMCost] ...") on stderr names the problem.
    logged = capfd.readouterr().err
    lines = [line for line in logged.splitlines() if why in line and "settings" in line]
    assert lines, logged[-3000:]
    assert all(re.match(r"\[W \d{4}-\d\d-\d\d [\d:.]+ SMCost\] ", line) for line in lines)
    app = extension(jp_serverapp)
    await app._start_jupyter_server_extension(jp_serverapp)
    try:
        status = json.loads((await jp_fetch("jupyter-smcost", "status")).body)["idle"]
        assert status["timeout_seconds"] == 3600  # the admin's value applies
        assert status["warning_seconds"] == 300
        assert status["state"] == "active"
        assert status["checker_running"]
        assert status["check_error"] is None
        # A good PUT still works afterwards.
        code, answer = await smcost_api.send("PUT", "config", '{"timeout_minutes": 30}')
        assert code == 200 and answer["timeout_minutes"] == 30
        assert app.idle.running
    finally:
        await app.stop_extension()


@pytest.mark.server
@pytest.mark.parametrize("settings_file", ['{"timeout_minutes": 30}'], indirect=True)
async def test_stale_temp_files_are_removed_at_start(
    request: Any, smcost_config: dict[str, Any], settings_file: Path
) -> None:
    (settings_file.parent / ".settings-abc123.json").write_text('{"timeout_minutes": 1')
    serverapp = request.getfixturevalue("jp_serverapp")  # starts only now
    assert not list(settings_file.parent.glob(".settings-*.json"))
    assert extension(serverapp).idle.config_json()["timeout_minutes"] == 30


# --------------------------------------------------------------------------- state directory


@pytest.mark.parametrize("problem", ["read-only", "not-a-directory"])
async def test_unwritable_state_dir_applies_for_this_run_and_says_so(
    smcost_config: dict[str, Any],
    jp_fetch: Any,
    smcost_api: SMCostAPI,
    smcost_started: Any,
    caplog: pytest.LogCaptureFixture,
    problem: str,
) -> None:
    state = Path(smcost_config["SMCost"]["state_dir"])
    if problem == "read-only":
        if os.geteuid() == 0:
            # root writes anywhere; a read-only bind is not available in a test, so point
            # the store under a file, which fails for root as well.
            state = state / "file"
            state.parent.mkdir(parents=True, exist_ok=True)
            state.write_text("x")
            smcost_started.idle._store.directory = state / "sub"
            smcost_started.idle._store.path = state / "sub" / "settings.json"
        else:
            state.mkdir(parents=True, exist_ok=True)
            state.chmod(0o500)
    else:
        state.parent.mkdir(parents=True, exist_ok=True)
        if state.exists():
            state.rmdir()
        state.write_text("I am a file")
    with caplog.at_level(logging.WARNING):
        code, answer = await smcost_api.send("PUT", "config", '{"timeout_minutes": 30}')
    assert code == 200, answer
    assert answer["timeout_minutes"] == 30  # applied for this run
    assert answer["saved"] is False
    assert answer["save_error"]
    assert "could not be saved" in answer["message"]
    assert any("could not be saved" in r.getMessage() for r in caplog.records)
    status = json.loads((await jp_fetch("jupyter-smcost", "status")).body)["idle"]
    assert status["timeout_seconds"] == 1800


# --------------------------------------------------------------------------- NaN out


def test_dumps_never_writes_nan_or_infinity() -> None:
    text = dumps({"a": math.nan, "b": [math.inf, 1.5, {"c": -math.inf}], "d": "NaN"})
    assert json.loads(text) == {"a": None, "b": [None, 1.5, {"c": None}], "d": "NaN"}
    assert "NaN" not in text.replace('"NaN"', "")


async def test_no_response_carries_nan(jp_fetch: Any, smcost_started: Any) -> None:
    # A non-finite hourly rate from any source is refused, and every route answers JSON
    # that a strict parser accepts.
    smcost_started.idle.set_hourly_rate(math.nan)
    smcost_started.idle.set_hourly_rate(math.inf)
    for method, path, body in ROUTES:
        kwargs: dict[str, Any] = {"method": method}
        if body is not None:
            kwargs["body"] = json.dumps(body)
        try:
            response = await jp_fetch("jupyter-smcost", path, **kwargs)
            text = response.body.decode()
        except HTTPClientError as err:
            assert err.code < 500
            assert err.response is not None
            text = err.response.body.decode()

        json.loads(text, parse_constant=_refuse_constant)


@pytest.fixture
def hostile_ledger(smcost_config: dict[str, Any]) -> None:
    """A budget ledger whose figures would overflow when added, and a budget of the same."""
    state = Path(smcost_config["SMCost"]["state_dir"])
    state.mkdir(parents=True, exist_ok=True)
    huge = {"this-app": 1e308, "apps": 1e308, "endpoints": "NaN", "training-jobs": 1e999}
    month = month_of(datetime.now(timezone.utc))
    document = {"version": 1, "month": month, "sources": huge, "seen": {}}
    (state / "budget-ledger.json").write_text(json.dumps(document).replace("Infinity", "1e999"))
    smcost_config["Budget"] = {"monthly_usd": 1e6}


async def test_a_hostile_ledger_gives_finite_figures(
    hostile_ledger: None, smcost_api: SMCostAPI, smcost_started: Any
) -> None:
    smcost_started.idle.set_hourly_rate(math.inf)
    budget = await smcost_api.get("budget")
    # The overflowing figures are dropped; this app's few seconds since the start remain.
    assert all(0 <= v < 1 for v in budget["spent_sources"].values()), budget
    assert budget["budget_usd"] == 1e6 and budget["state"] in ("under", "near")
    assert list(Path(smcost_started.state_dir).glob("budget-ledger.json*")), "kept or set aside"


def _refuse_constant(constant: str) -> None:
    raise AssertionError(f"a response carried {constant}")
