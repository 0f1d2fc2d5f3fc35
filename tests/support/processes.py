"""Jupyter servers as separate processes (a free port, start, wait for a log line, stop)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.support.paths import REPO

ROOT = REPO


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_command(
    port: int, root_dir: Path, token: str, options: list[str], *, extension: bool = True
) -> list[str]:
    """`jupyter server` on loopback at `port` with a token, the extension on or off (the
    tests' servers and the benchmark's are started alike)."""
    return [
        sys.executable,
        "-m",
        "jupyter_server",
        f"--port={port}",
        "--ip=127.0.0.1",
        "--no-browser",
        "--allow-root",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root_dir}",
        f"--ServerApp.jpserver_extensions={ {'jupyter_smcost': extension}!r}",
        *options,
    ]


def start_server(
    tmp_path: Path,
    port: int,
    log: Path,
    env: dict[str, str] | None = None,
    config: dict[str, object] | None = None,
    *,
    short_timeout: bool = True,
    extra: list[str] | None = None,
) -> subprocess.Popen[bytes]:
    """`jupyter server` with the extension in local mode; `config` overrides or adds
    `--Class.trait=value` options, `extra` adds raw arguments, `env` adds environment
    variables. `short_timeout` gives the idle checker a 3 s timeout and no CPU signal."""
    options: dict[str, object] = {
        "SMCost.metadata_path": tmp_path / "none.json",
        "SMCost.state_dir": tmp_path / "state",
    }
    if short_timeout:
        options.update(
            {
                "IdleShutdown.timeout_minutes": 0.05,
                "IdleShutdown.min_timeout_minutes": 0,
                "IdleShutdown.warning_minutes": 0,
                "IdleShutdown.cpu_threshold_percent": 0,
            }
        )
    options.update(config or {})
    environ = {
        **os.environ,
        **(env or {}),
        "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_DATA_DIR": str(tmp_path / "data"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
    }
    args = server_command(
        port,
        tmp_path,
        "secret",
        [*(f"--{name}={value}" for name, value in options.items()), *(extra or [])],
    )
    with log.open("wb") as handle:
        return subprocess.Popen(args, env=environ, stdout=handle, stderr=subprocess.STDOUT)


def wait_for_log(log: Path, text: str, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if text in log.read_text(errors="replace"):
            return True
        time.sleep(0.1)
    return False


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
