from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest

PACKAGE = Path(__file__).resolve().parent.parent


@dataclass
class Cli:
    """`python -m smcost_emulator` running, and what it printed so far."""

    proc: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)

    def output(self) -> str:
        return "".join(self.lines)

    def endpoint(self) -> str:
        return next(line.split()[-1] for line in self.lines if "listening on" in line)

    def client(self, service: str) -> Any:
        """A boto3 client of this emulator, configured by nothing in the environment."""
        return boto3.client(
            service,
            endpoint_url=self.endpoint(),
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


@pytest.fixture
def emulator_cli() -> Callable[..., AbstractContextManager[Cli]]:
    """Run the emulator's CLI on a free port with `args` (no AWS variables inherited but
    the config file); on leaving, SIGTERM and it must exit 0."""

    @contextmanager
    def run(*args: str) -> Iterator[Cli]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("AWS_") or k == "AWS_CONFIG_FILE"
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "smcost_emulator", "--port", "0", *args],
            cwd=PACKAGE,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        cli = Cli(proc)
        assert proc.stdout is not None
        reader = threading.Thread(
            target=lambda: cli.lines.extend(iter(proc.stdout.readline, "")),  # type: ignore[union-attr]
            daemon=True,
        )
        reader.start()
        try:
            yield cli
        finally:
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=10)
            reader.join(timeout=5)
            proc.stdout.close()
            assert code == 0

    return run
