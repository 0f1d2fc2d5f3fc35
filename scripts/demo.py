"""`make demo`: JupyterLab with jupyter-smcost in a simulated SageMaker Studio space.

Starts the local AWS emulator seeded with a Studio domain, a user profile and a space whose
JupyterLab app runs on ml.g5.xlarge in us-east-1, writes the matching SageMaker metadata
file, and starts JupyterLab pointed at both. The emulator prints every app status change,
so a shutdown can be watched: `InService -> Deleting -> Deleted`.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--timeout-minutes", type=float, default=60.0)
    parser.add_argument("--port", type=int, default=8888, help="JupyterLab's port")
    parser.add_argument("--emulator-port", type=int, default=5555)
    parser.add_argument("--ip", default="127.0.0.1", help="JupyterLab's address")
    parser.add_argument("--dir", type=Path, default=ROOT / ".demo")
    args = parser.parse_args()

    for port, what in ((args.port, "JupyterLab"), (args.emulator_port, "the emulator")):
        if not port_free(port):
            print(
                f"demo: port {port} for {what} is in use; stop what runs there first",
                file=sys.stderr,
            )
            return 1

    # A fresh demo each time: no user settings left from an earlier run override the timeout.
    shutil.rmtree(args.dir, ignore_errors=True)
    (args.dir / "notebooks").mkdir(parents=True)
    metadata = args.dir / "resource-metadata.json"
    endpoint = f"http://127.0.0.1:{args.emulator_port}"
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL_SAGEMAKER": endpoint,
        # The emulator also serves the Price List API (emulator demo prices).
        "AWS_ENDPOINT_URL_PRICING": endpoint,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    env.pop("AWS_PROFILE", None)

    emulator = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter_smcost.emulator",
            f"--port={args.emulator_port}",
            "--seed-demo",
            f"--metadata-out={metadata}",
        ],
        env=env,
    )
    deadline = time.monotonic() + 60
    while not metadata.exists():
        if emulator.poll() is not None or time.monotonic() > deadline:
            print("demo: the emulator did not start", file=sys.stderr)
            emulator.kill()
            return 1
        time.sleep(0.2)

    seeded = json.loads(metadata.read_text())
    token = secrets.token_hex(16)
    # A short demo timeout still gets a warning phase before the shutdown.
    warning = min(5.0, args.timeout_minutes / 2)
    lab = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            f"--ip={args.ip}",
            f"--port={args.port}",
            "--port-retries=0",
            "--allow-root",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={args.dir / 'notebooks'}",
            f"--SMCost.metadata_path={metadata}",
            f"--SMCost.state_dir={args.dir / 'state'}",
            f"--IdleShutdown.timeout_minutes={args.timeout_minutes:g}",
            f"--IdleShutdown.warning_minutes={warning:g}",
            # Wake often enough that a short demo timeout is visibly on time.
            "--IdleShutdown.check_interval_seconds=10",
        ],
        env=env,
    )
    print(
        "\n"
        f"demo: a simulated Studio space (domain {seeded['DomainId']}, space "
        f"{seeded['SpaceName']}, {seeded['AppType']} app\n"
        f"      {seeded['ResourceName']!r} on ml.g5.xlarge in us-east-1) served by the local AWS "
        f"emulator at {endpoint}\n"
        f"demo: idle timeout {args.timeout_minutes:g} min. Open JupyterLab at\n\n"
        f"      http://127.0.0.1:{args.port}/lab?token={token}\n\n"
        "demo: leave it idle and watch for `emulator: app default ... -> Deleted` below.\n"
        "demo: Ctrl-C stops everything.\n",
        flush=True,
    )

    def stop(*_: object) -> None:
        for proc in (lab, emulator):
            if proc.poll() is None:
                proc.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while lab.poll() is None and emulator.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for proc in (lab, emulator):
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
