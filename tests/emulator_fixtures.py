"""pytest fixtures for the local AWS emulator (moto + SageMaker Studio calls).

Enable them from tests/conftest.py with `pytest_plugins = ["tests.emulator_fixtures"]`.
moto is imported only when a test asks for one of these fixtures.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from jupyter_smcost.emulator import Emulator


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[Emulator]:
    """One emulator server (127.0.0.1, free port) for the whole session."""
    from jupyter_smcost.emulator import start_emulator

    server = start_emulator(port=0)
    yield server
    server.stop()


@pytest.fixture
def emulator(emulator_server: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    """The session's emulator with fresh state, no faults/delays and an empty call log.

    boto3 in the test (and in servers it starts with this environment) reaches it through
    AWS_ENDPOINT_URL_SAGEMAKER / _PRICING / _CLOUDWATCH / _COST_EXPLORER / _S3, region
    us-east-1 and dummy credentials; the user's AWS config and profile are ignored.
    """
    emulator_server.reset()
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", emulator_server.endpoint_url)
    for service in ("PRICING", "CLOUDWATCH", "COST_EXPLORER", "S3"):
        monkeypatch.setenv(f"AWS_ENDPOINT_URL_{service}", emulator_server.endpoint_url)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    yield emulator_server
    # Leave no fault or delay behind for tests that don't use the emulator.
    emulator_server.reset()


@pytest.fixture
def emulator_demo(emulator: Emulator, tmp_path: Path) -> dict[str, Any]:
    """`emulator` seeded with the demo (domain d-demo, space demo-space, JupyterLab app
    `default` on ml.g5.xlarge in us-east-1): `seed_demo`'s dict, plus `metadata_path`, a
    SageMaker metadata file for it, and `emulator`."""
    seeded = emulator.seed_demo()
    path = tmp_path / "resource-metadata.json"
    path.write_text(json.dumps(seeded["metadata"]))
    return {**seeded, "metadata_path": path, "emulator": emulator}
