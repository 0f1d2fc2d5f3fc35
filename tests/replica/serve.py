"""Serve the SageMaker Distribution 4.4.1 replica for the browser tests, until killed.

`python -m tests.replica.serve [--port P] [--emulator-port E] [--token T]` (as root, from the
repository; ui-tests/playwright.replica.config.js runs it):

1. builds or finds the replica (tests/replica/smd.py) and makes a copy of it;
2. installs our wheel with the lifecycle script as test_replica.py does (`--timeout-minutes 45
   --min-timeout-minutes 15 --no-user-override`, run as the user with no network);
3. starts the project's AWS emulator seeded with the demo Studio space, and writes that
   space's metadata into the copy's `opt/ml/metadata/resource-metadata.json`;
4. starts `jupyter lab` as the image does, in a mount namespace where the copy's `opt` is
   `/opt` (so the extension finds `/opt/ml/metadata/resource-metadata.json` at its default
   place and sees itself in a Studio space) and the copy's `tmp` is `/tmp` (the container's
   own /tmp, where `/tmp/.sagemaker-last-active-timestamp` lives: the machine's real /tmp is
   never touched, and no other server on this machine writes into the replica's);
5. prints `replica: ready ...` with the URL, and waits for SIGTERM/SIGINT; then stops both,
   keeps the server's log at `.replica/ui-server.log` and removes the copy.

Ports are free ones when not given; the token is `$SMCOST_REPLICA_TOKEN` or a random one
(printed). `--check` only builds or finds the replica: exit 0, or exit 3 with the reason on
stdout when it cannot be built here (not root, no Python 3.12), for the Makefile to skip.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType

from smcost_emulator import apply_environ, environ
from tests.replica.smd import (
    REPO,
    Replica,
    ReplicaUnavailable,
    Server,
    build,
    build_wheel,
    free_port,
)

#: The exit status of `--check` (and of a run) when the replica cannot be built here.
UNAVAILABLE = 3
POLICY = ["--timeout-minutes", "45", "--min-timeout-minutes", "15", "--no-user-override"]
METADATA = Path("opt") / "ml" / "metadata" / "resource-metadata.json"


def say(message: str) -> None:
    print(f"replica: {message}", file=sys.stderr, flush=True)


def wheel_for(cache: Path) -> tuple[Path, Path]:
    """Our wheel ($SMCOST_REPLICA_WHEEL, else built from this tree), in a directory of its
    own the user can read; returns (wheel, that directory)."""
    out = Path(tempfile.mkdtemp(prefix="ui-wheel-", dir=cache))
    out.chmod(0o755)
    found = build_wheel(out)
    return found, out


def aws_env(endpoint: str) -> dict[str, str]:
    """The server's AWS: every service at the emulator, dummy credentials, one region."""
    return environ(endpoint)


def start_emulator(port: int, metadata: Path) -> subprocess.Popen[bytes]:
    """The project's emulator (as scripts/demo.py starts it), seeded with the demo space,
    writing that space's metadata file; returns once the file is there."""
    metadata.parent.mkdir(parents=True, exist_ok=True)
    for directory in (metadata.parent, metadata.parent.parent):
        directory.chmod(0o755)
    # This (the dev venv's) interpreter runs the emulator, which `make install` installs
    # there: the replica's own environment has only the product's wheel.
    env = apply_environ({**os.environ, "PYTHONPATH": str(REPO)}, f"http://127.0.0.1:{port}")
    proc = subprocess.Popen(
        [sys.executable, "-m", "smcost_emulator", f"--port={port}", "--seed-demo",
         f"--metadata-out={metadata}"],
        env=env,
        cwd=REPO,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not metadata.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("the AWS emulator did not start")
        time.sleep(0.2)
    time.sleep(0.2)  # the file is written in one go; let it be closed
    metadata.chmod(0o644)
    return proc


class Stop(Exception):
    pass


def _stop(signum: int, frame: FrameType | None) -> None:
    raise Stop(signal.Signals(signum).name)


def serve(port: int, emulator_port: int, token: str) -> int:
    from tests.replica.test_replica import explain, lcc_script, run_lcc, wheel_flags

    started = time.monotonic()
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    built = build()
    say(f"replica {'found' if built.cached else 'built'} in {built.seconds:.0f} s: {built.env}")
    cache = built.path.parent
    wheel, wheel_dir = wheel_for(cache)
    replica = Replica.copy(built, "JupyterLab")
    emulator: subprocess.Popen[bytes] | None = None
    server: Server | None = None
    try:
        script = lcc_script(replica, "--app-type", "JupyterLab", *wheel_flags(wheel), *POLICY)
        result = run_lcc(replica, script)
        if result.returncode != 0:
            say(f"the lifecycle script failed:\n{explain(result)}")
            return 1
        say(f"lifecycle script installed {wheel.name} with the policy ({' '.join(POLICY)})")
        emulator = start_emulator(emulator_port, replica.root / METADATA)
        say(f"AWS emulator on http://127.0.0.1:{emulator_port} (demo Studio space)")
        replica.binds = [(replica.root / "opt", "/opt"), (replica.root / "tmp", "/tmp")]
        server = replica.start_server(
            token, port=port, env=aws_env(f"http://127.0.0.1:{emulator_port}")
        )
        server.wait()
        print(
            f"replica: ready in {time.monotonic() - started:.0f} s: "
            f"{server.url}/lab?token={token}\n"
            f"replica: its /tmp is {replica.root / 'tmp'}, its server log {server.log_path}",
            flush=True,
        )
        while server.proc.poll() is None and emulator.poll() is None:
            time.sleep(0.5)
        say("the server or the emulator exited on its own")
        return 1
    except Stop as stop:
        say(f"{stop}: stopping")
        return 0
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if server is not None:
            server.stop()
            shutil.copy(server.log_path, cache / "ui-server.log")
            say(f"server log kept at {cache / 'ui-server.log'}")
        if emulator is not None and emulator.poll() is None:
            emulator.terminate()
            try:
                emulator.wait(10)
            except subprocess.TimeoutExpired:
                emulator.kill()
        shutil.rmtree(replica.root, ignore_errors=True)
        shutil.rmtree(wheel_dir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("SMCOST_REPLICA_PORT", 0)))
    parser.add_argument(
        "--emulator-port",
        type=int,
        default=int(os.environ.get("SMCOST_REPLICA_EMULATOR_PORT", 0)),
    )
    parser.add_argument("--token", default=os.environ.get("SMCOST_REPLICA_TOKEN", ""))
    parser.add_argument("--check", action="store_true", help="only build or find the replica")
    args = parser.parse_args()
    try:
        if args.check:
            build()
            return 0
        port = args.port or free_port()
        emulator_port = args.emulator_port or free_port()
        while emulator_port == port:
            emulator_port = free_port()
        return serve(port, emulator_port, args.token or secrets.token_hex(16))
    except ReplicaUnavailable as error:
        print(f"no SageMaker Distribution replica here: {error}", flush=True)
        return UNAVAILABLE


if __name__ == "__main__":
    sys.exit(main())
