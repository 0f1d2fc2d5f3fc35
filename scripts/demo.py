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

from smcost_emulator import apply_environ

ROOT = Path(__file__).resolve().parents[1]


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port_from(port: int, what: str, avoid: tuple[int | None, ...] = ()) -> int | None:
    """`port` if it is free, else the next free one (said so), or None after 100 tries."""
    for candidate in range(port, min(port + 100, 65536)):
        if candidate not in avoid and port_free(candidate):
            if candidate != port:
                print(f"demo: port {port} is in use; {what} takes port {candidate}", flush=True)
            return candidate
    print(f"demo: no free port for {what} in {port}-{port + 99}", file=sys.stderr)
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--timeout-minutes", type=float, default=60.0)
    parser.add_argument("--port", type=int, default=8888, help="JupyterLab's port")
    parser.add_argument("--emulator-port", type=int, default=5555)
    parser.add_argument("--ip", default="127.0.0.1", help="JupyterLab's address")
    parser.add_argument("--dir", type=Path, default=ROOT / ".demo")
    parser.add_argument(
        "--cpu-threshold-percent",
        type=float,
        default=0.0,
        help="IdleShutdown.cpu_threshold_percent (default 0: the CPU signal is off, see below)",
    )
    args = parser.parse_args()

    # A port in use (another Jupyter on 8888, say) is no reason to fail: take the next.
    lab_port = free_port_from(args.port, "JupyterLab")
    emulator_port = free_port_from(args.emulator_port, "the AWS emulator", avoid=(lab_port,))
    if lab_port is None or emulator_port is None:
        return 1

    # A fresh demo each time: no user settings left from an earlier run override the timeout.
    shutil.rmtree(args.dir, ignore_errors=True)
    (args.dir / "notebooks").mkdir(parents=True)
    metadata = args.dir / "resource-metadata.json"
    endpoint = f"http://127.0.0.1:{emulator_port}"
    # The emulator also serves the Price List API (emulator demo prices), CloudWatch metrics,
    # Cost Explorer's Savings Plans recommendation and S3 bucket regions.
    env = dict(apply_environ(dict(os.environ), endpoint))

    emulator = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "smcost_emulator",
            f"--port={emulator_port}",
            "--seed-demo",
            "--savings",
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
    # A short demo timeout still gets a warning phase before the shutdown, half of it (the
    # warning's floor follows, or a 1 min demo would be all warning).
    warning = min(5.0, args.timeout_minutes / 2)
    min_warning = min(1.0, warning)
    # The admin's bounds hold the demo's timeout: a 2 min demo offers 0-1440 in the Settings
    # Editor, not 5-1440 with 2 in force.
    min_timeout = min(5.0, args.timeout_minutes)
    max_timeout = max(1440.0, args.timeout_minutes)
    lab = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            f"--ip={args.ip}",
            f"--port={lab_port}",
            "--port-retries=0",
            "--allow-root",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={args.dir / 'notebooks'}",
            f"--SMCost.metadata_path={metadata}",
            f"--SMCost.state_dir={args.dir / 'state'}",
            # Studio's idle timestamp file, kept in the demo's folder: this machine's /tmp
            # is not a Studio app's.
            f"--IdleShutdown.studio_activity_file={args.dir / 'sagemaker-last-active-timestamp'}",
            f"--IdleShutdown.timeout_minutes={args.timeout_minutes:g}",
            f"--IdleShutdown.warning_minutes={warning:g}",
            f"--IdleShutdown.min_warning_minutes={min_warning:g}",
            f"--IdleShutdown.min_timeout_minutes={min_timeout:g}",
            f"--IdleShutdown.max_timeout_minutes={max_timeout:g}",
            # Here every process (a browser, a build, other users' work) runs as this user,
            # and would count as activity: the promised shutdown would never come.
            f"--IdleShutdown.cpu_threshold_percent={args.cpu_threshold_percent:g}",
            # Wake often enough that a short demo timeout is visibly on time.
            "--IdleShutdown.check_interval_seconds=10",
            # Savings: the emulator's demo jobs carry a "project" tag except one (the tags
            # rule's example); an idle hour on ml.g5.xlarge is over a $1 hint.
            "--Suggestions.required_tags=['project']",
            "--Suggestions.idle_budget_hint_usd=1",
            # The demo's short jobs are small: show advice from a quarter dollar a month.
            "--Suggestions.min_saving_usd_per_month=0.25",
        ],
        env=env,
    )
    if args.cpu_threshold_percent > 0:
        cpu_note = (
            f"demo: a process of this user above {args.cpu_threshold_percent:g}% of a core "
            "counts as activity\n      (other processes on a busy machine may postpone the "
            "shutdown).\n"
        )
    else:
        cpu_note = (
            "demo: user processes' CPU does not count as activity in the demo "
            "(cpu_threshold_percent=0):\n      everything on this machine runs as one user, "
            "and a busy browser or build would\n      keep the space awake forever. In Studio "
            "the default is 10% of a core.\n"
        )
    print(
        "\n"
        f"demo: a simulated Studio space (domain {seeded['DomainId']}, space "
        f"{seeded['SpaceName']}, {seeded['AppType']} app\n"
        f"      {seeded['ResourceName']!r} on ml.g5.xlarge in us-east-1) served by the local AWS "
        f"emulator at {endpoint}\n"
        f"demo: idle timeout {args.timeout_minutes:g} min (users may set "
        f"{min_timeout:g}-{max_timeout:g} min). Open JupyterLab at\n\n"
        f"      http://127.0.0.1:{lab_port}/lab?token={token}\n\n"
        f"{cpu_note}"
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
