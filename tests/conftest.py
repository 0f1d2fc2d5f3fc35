from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

# The emulator fixtures (emulator, emulator_demo, ...) come from the smcost_emulator
# pytest11 plugin (packages/smcost-emulator).
pytest_plugins = ["pytest_jupyter.jupyter_server"]


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


def extension(serverapp: Any) -> Any:
    """The running SMCost extension app of a server."""
    return serverapp.extension_manager.extension_points["jupyter_smcost"].app


@pytest.fixture
def smcost_started(jp_serverapp: Any, jp_asyncio_loop: Any) -> Any:
    """The extension with its checker running, as after `jupyter server` starts.

    pytest-jupyter does not run the server's post-start hook, so do what it would.
    """
    app = extension(jp_serverapp)
    jp_asyncio_loop.run_until_complete(app._start_jupyter_server_extension(jp_serverapp))
    yield app
    jp_asyncio_loop.run_until_complete(app.stop_extension())
