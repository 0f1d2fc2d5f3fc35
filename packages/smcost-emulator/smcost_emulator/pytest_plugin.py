"""pytest fixtures for the emulator, registered as the `smcost_emulator` pytest11 plugin
(this package's pyproject), so any test suite in an environment with the emulator installed
has them.

moto is imported only when a test asks for one of these fixtures: importing this module
imports the package, which is cheap (see `smcost_emulator.__init__`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .environment import DROPPED, environ

if TYPE_CHECKING:
    from .server import Emulator


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[Emulator]:
    """One emulator server (127.0.0.1, free port) for the whole session."""
    from .server import start_emulator

    server = start_emulator(port=0)
    yield server
    server.stop()


@pytest.fixture
def emulator(emulator_server: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    """The session's emulator with fresh state, no faults/delays/throttle and an empty call log.

    boto3 in the test (and in servers it starts with this environment) reaches it through
    `environment.environ`: AWS_ENDPOINT_URL_<SERVICE> for every service jupyter_smcost calls,
    region us-east-1 and dummy credentials; the user's AWS config and profile are ignored.
    """
    emulator_server.reset()
    for name in DROPPED:
        monkeypatch.delenv(name, raising=False)
    for name, value in environ(emulator_server.endpoint_url).items():
        monkeypatch.setenv(name, value)
    yield emulator_server
    # Leave no fault, delay or throttle behind for tests that don't use the emulator.
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
