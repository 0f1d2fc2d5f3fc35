"""A hung AWS (accepts connections, never answers) never blocks the shutdown action or exit."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jupyter_smcost.aws import AwsClients, AwsError
from jupyter_smcost.cost.pricing.pricelist import default_client
from jupyter_smcost.environment import detect
from jupyter_smcost.idle.actions import DeleteSpaceApp, build_action
from tests.support.paths import REPO
from tests.support.processes import free_port, start_server

# Each test here runs processes (servers, bash, shellcheck) and waits for them.
pytestmark = pytest.mark.slow

ROOT = REPO
APP_KEY: dict[str, Any] = {
    "DomainId": "d-hang",
    "SpaceName": "s",
    "AppType": "JupyterLab",
    "AppName": "default",
}


class HangingEndpoint:
    """127.0.0.1, a free port: accepts every connection, reads nothing, answers nothing.

    Lives at most `lifetime` seconds; `stop()` closes every connection (clients then fail
    fast instead of waiting for their read timeout)."""

    def __init__(self, lifetime: float = 60.0) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}"
        self._connections: list[socket.socket] = []
        self._stop = threading.Event()
        self._end = time.monotonic() + lifetime
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def accepted(self) -> int:
        return len(self._connections)

    def _serve(self) -> None:
        while not self._stop.is_set() and time.monotonic() < self._end:
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            self._connections.append(conn)
        self._close()

    def _close(self) -> None:
        for conn in self._connections:
            conn.close()
        self._server.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def wait_accepted(self, count: int, timeout: float) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.accepted >= count:
                return True
            time.sleep(0.05)
        return False


AWS_ENV = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


@pytest.fixture
def hanging(monkeypatch: pytest.MonkeyPatch) -> Iterator[HangingEndpoint]:
    """A hanging endpoint that boto3's sagemaker and pricing clients reach."""
    endpoint = HangingEndpoint()
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", endpoint.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_PRICING", endpoint.url)
    yield endpoint
    endpoint.stop()


def test_default_bounds_fit_a_ui(hanging: HangingEndpoint) -> None:
    """The documented figures: 3 s connect, 10 s read, one retry; a caller waits <= 15 s and
    a worker is free again after <= 27 s. The Price List client is bounded the same way."""
    aws = AwsClients("us-east-1")
    try:
        assert aws.call_timeout == 15
        assert aws.worst_case_seconds == 27
        for client in (aws.client("sagemaker"), default_client()):
            config = client.meta.config
            assert (config.connect_timeout, config.read_timeout) == (3, 10)
            assert config.retries["total_max_attempts"] == 2
    finally:
        aws.close()


async def test_a_call_gives_up_with_timeout_within_its_bound(hanging: HangingEndpoint) -> None:
    # The caller's bound holds even when botocore's own read timeout is far longer...
    aws = AwsClients("us-east-1", read_timeout=30, call_timeout=1.0)
    try:
        start = time.monotonic()
        with pytest.raises(AwsError) as caught:
            await aws.call("sagemaker", "describe_app", **APP_KEY)
        assert caught.value.code == "Timeout"
        assert caught.value.operation == "DescribeApp"
        # Its bound (1 s), not botocore's 30 s: the margin is for a busy machine's
        # scheduling (2 s was seen in CI), far below what the read timeout would take.
        assert time.monotonic() - start < 1.0 + 5.0
    finally:
        aws.close()


async def test_read_timeouts_end_the_call_and_free_the_worker(hanging: HangingEndpoint) -> None:
    # ... and botocore's read timeout (per attempt, with one retry) ends the worker's call.
    aws = AwsClients("us-east-1", connect_timeout=1, read_timeout=0.5, call_timeout=10)
    try:
        # Count this client's attempts: the endpoint's own count may include a stray retry
        # of an earlier test's abandoned call that reached a reused port.
        sent: list[str] = []
        aws.client("sagemaker").meta.events.register(
            "before-send.sagemaker.DescribeApp", lambda **_: sent.append("DescribeApp")
        )
        start = time.monotonic()
        with pytest.raises(AwsError) as caught:
            await aws.call("sagemaker", "describe_app", **APP_KEY)
        assert caught.value.code == "Timeout"
        assert time.monotonic() - start < aws.worst_case_seconds + 0.5
        assert sent == ["DescribeApp", "DescribeApp"]  # the first try and one retry
        assert hanging.accepted >= 2  # both reached the hanging endpoint
    finally:
        aws.close()


async def _never() -> None:
    raise AssertionError("not expected to stop the server")


async def test_the_shutdown_action_runs_while_listings_hang(
    emulator_demo: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    hanging = HangingEndpoint(lifetime=30)
    env = detect(emulator_demo["metadata"])
    aws = AwsClients(env.region, read_timeout=20)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", hanging.url)
    listings = [
        asyncio.ensure_future(aws.paginate("sagemaker", "list_apps", "Apps")) for _ in range(6)
    ]
    try:
        # Every shared worker is stuck in a read, two more listings queue behind them.
        assert await asyncio.to_thread(hanging.wait_accepted, 4, 5)
        # Only the shutdown reaches the emulator (a client created from now on goes there).
        aws._clients.clear()
        monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", emulator_demo["emulator"].endpoint_url)
        action = build_action("delete-app", env, aws, _never)
        assert isinstance(action, DeleteSpaceApp)
        start = time.monotonic()
        assert "requested" in await asyncio.wait_for(action.run(), 5)
        assert time.monotonic() - start < 2
        assert not any(listing.done() for listing in listings)
        assert hanging.accepted == 4
    finally:
        for listing in listings:
            listing.cancel()
        aws.close()
        hanging.stop()


def test_sigterm_exits_within_10_s_while_aws_hangs(
    hanging: HangingEndpoint, tmp_path: Path
) -> None:
    """A real server in a Studio space: reading its instance type and the idle shutdown's
    DeleteApp both hang on AWS; SIGTERM still ends the process within 10 s."""
    metadata = tmp_path / "resource-metadata.json"
    metadata.write_text(
        json.dumps(
            {
                "AppType": "JupyterLab",
                "DomainId": "d-hang",
                "SpaceName": "hang-space",
                "UserProfileName": "",
                "ResourceArn": "arn:aws:sagemaker:us-east-1:123456789012:app/d-hang/"
                "hang-space/jupyterlab/default",
                "ResourceName": "default",
            }
        )
    )
    log = tmp_path / "server.log"
    proc = start_server(
        tmp_path,
        free_port(),
        log,
        env={
            **AWS_ENV,
            "AWS_ENDPOINT_URL_SAGEMAKER": hanging.url,
            "AWS_ENDPOINT_URL_PRICING": hanging.url,
        },
        config={
            "SMCost.metadata_path": metadata,
            "IdleShutdown.timeout_minutes": 0.01,
            "IdleShutdown.check_interval_seconds": 0.25,
        },
    )
    try:
        # DescribeApp (instance type) and DeleteApp (idle shutdown) both wait on AWS.
        assert hanging.wait_accepted(2, 30), log.read_text(errors="replace")
        time.sleep(0.5)
        start = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running 10 s after SIGTERM:\n{log.read_text(errors='replace')}")
        elapsed = time.monotonic() - start
        print(f"exited {elapsed:.2f} s after SIGTERM")
        assert elapsed < 10
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
