"""What the replica tier's test modules share: the cached replica and our wheel, once per
session (tests/replica/smd.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.replica.smd import Built, Replica, ReplicaUnavailable, build, build_wheel


@pytest.fixture(scope="session")
def built() -> Built:
    try:
        built = build()
    except ReplicaUnavailable as error:
        pytest.skip(f"no SageMaker Distribution replica here: {error}")
    Replica.clear_runs(built)
    return built


@pytest.fixture(scope="session")
def wheel(built: Built) -> Path:
    """Our wheel: $SMCOST_REPLICA_WHEEL (make replica-test passes the one wheel-check built),
    else one built from this tree (the labextension must be built or buildable)."""
    out = built.path.parent / "wheels"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(mode=0o755)
    return build_wheel(out)
