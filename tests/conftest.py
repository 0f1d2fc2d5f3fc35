from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.api import SMCostAPI, extension

# The emulator fixtures (emulator, emulator_demo, ...) come from the smcost_emulator
# pytest11 plugin (packages/smcost-emulator); the Studio-cost and savings-demo fixtures from
# tests/support.
pytest_plugins = [
    "pytest_jupyter.jupyter_server",
    "tests.support.cost",
    "tests.support.demo",
    "tests.support.statefiles",
]

# The tier of a test is what it stands up, read from its fixtures (see CONTRIBUTING.md,
# "Tests"): `make test-fast` runs `-m unit`.
SERVER_FIXTURES = {"jp_serverapp", "jp_fetch", "jp_ws_fetch", "jp_web_app", "smcost_started"}
AWS_FIXTURE_PREFIX = "emulator"
# A FIFO watch waits on real time for what must not block.
SLOW_FIXTURES = {"watch"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        server = bool(fixtures & SERVER_FIXTURES) or item.get_closest_marker("server") is not None
        aws = any(name.startswith(AWS_FIXTURE_PREFIX) for name in fixtures)
        slow = bool(fixtures & SLOW_FIXTURES) or item.get_closest_marker("slow") is not None
        if slow:
            item.add_marker(pytest.mark.slow)
        if server:
            item.add_marker(pytest.mark.server)
        if aws:
            item.add_marker(pytest.mark.aws)
        aws = aws or item.get_closest_marker("aws") is not None
        if not (server or aws or slow or item.get_closest_marker("replica")):
            item.add_marker(pytest.mark.unit)


@pytest.fixture(autouse=True)
def _no_state_dir_from_an_earlier_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """An in-process server names its state directory to its kernels in os.environ
    (SMCOST_STATE_DIR, jupyter_smcost.prelaunch): never to a later test's kernel or guard."""
    from jupyter_smcost.prelaunch import STATE_DIR_ENV

    # setenv then delenv: absent now, and whatever a server sets is removed afterwards.
    monkeypatch.setenv(STATE_DIR_ENV, "")
    monkeypatch.delenv(STATE_DIR_ENV)


@pytest.fixture
def smcost_config(tmp_path: Path) -> dict[str, Any]:
    """Server config for our extension in local mode; tests add to it."""
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_smcost": True}},
        "SMCost": {
            "metadata_path": str(tmp_path / "no-such-metadata.json"),
            "state_dir": str(tmp_path / "smcost-state"),
            "instance_type": "ml.t3.medium",
            "region": "us-east-1",
            # The pace (1 call/s per operation) is tested in tests/unit/test_pace.py and by
            # the fleet bench; here a first listing of the demo should not take seconds.
            "aws_background_calls_per_second": 50.0,
        },
        "IdleShutdown": {
            "cpu_threshold_percent": 0.0,
            "action": "dry-run",
            # Never Studio's real /tmp/.sagemaker-last-active-timestamp.
            "studio_activity_file": str(tmp_path / ".sagemaker-last-active-timestamp"),
        },
        # Never reach AWS from a local-mode test: prices come from overrides or nowhere.
        "Pricing": {"use_price_list_api": False},
    }


@pytest.fixture
def jp_server_config(smcost_config: dict[str, Any]) -> Any:
    from traitlets.config import Config

    return Config(smcost_config)


@pytest.fixture
def smcost_api(jp_fetch: Any) -> SMCostAPI:
    """The extension's REST API of the test server."""
    return SMCostAPI(jp_fetch)


@pytest.fixture
def smcost_started(jp_serverapp: Any, jp_asyncio_loop: Any) -> Any:
    """The extension with its checker running, as after `jupyter server` starts.

    pytest-jupyter does not run the server's post-start hook, so do what it would.
    """
    app = extension(jp_serverapp)
    jp_asyncio_loop.run_until_complete(app._start_jupyter_server_extension(jp_serverapp))
    yield app
    jp_asyncio_loop.run_until_complete(app.stop_extension())
