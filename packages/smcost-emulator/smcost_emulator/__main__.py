"""`python -m smcost_emulator`: run the emulator until Ctrl-C/SIGTERM, optionally
seed a demo Studio space with running jobs, an endpoint and another app around it, and
print every app status change so a demo user can watch a shutdown happen."""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from .api import FakeApp, add_status_listener
from .control import control, default_burst
from .environment import apply, endpoint_variables
from .sagemaker_studio.models import apps_snapshot
from .seed.demo import seed_fleet
from .server import start_emulator


def _print_status_change(app: FakeApp, old: str | None, new: str) -> None:
    # One write per line: apps created from several threads must not interleave.
    line = (
        f"emulator: app {app.app_name} ({app.app_type}, {app.owner_label}) {old or 'new'} -> {new}"
    )
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def describe_resources(resources: list[dict[str, Any]]) -> list[str]:
    """One line per seeded resource, for the demo's console."""
    lines = []
    for r in resources:
        minutes = round(float(r["started_seconds_ago"]) / 60)
        text = (
            f"{r['kind']} {r['name']} ({r['instance_count']} x {r['instance_type']}, "
            f"{r['component']}"
        )
        if r.get("spot") is not None:
            text += ", managed spot" if r["spot"] else ", on-demand"
        text += f", started {minutes} min ago"
        if r.get("billable_seconds") is not None:
            text += f", billed {r['billable_seconds']} s"
        text += f", user {r['user_profile_name']})"
        lines.append(text)
    return lines


def describe_savings(savings: dict[str, Any] | None) -> list[str]:
    """The savings seed's completed jobs, metrics and settings, for the demo's console (its
    running resources are among the resources)."""
    if not savings:
        return []
    lines = [
        f"{j['kind']} {j['name']} (1 x {j['instance_type']}, completed, waited "
        f"{j['wait_seconds']} s, ran {j['run_seconds']} s, ended {j['ended_at']})"
        for j in savings["short_jobs"]
    ]
    lines += [
        f"training-job {j['name']} (1 x {j['instance_type']}, managed spot, completed, ran "
        f"{j['run_seconds']} s, billed {j['billable_seconds']} s)"
        for j in savings["spot_history"]
    ]
    for name, endpoint in savings["endpoints"].items():
        text = f"metrics of endpoint {name}: {endpoint.get('invocations', 0)} invocations"
        if endpoint.get("cpu_average") is not None:
            text += f", CPU {endpoint['cpu_average']:.2f}% average"
        lines.append(text)
    plan = savings["savings_plan"]
    lines.append(
        f"domain Docker access {savings['docker_access']}; Savings Plans recommendation "
        f"${plan['HourlyCommitmentToPurchase']}/h saving "
        f"${plan['EstimatedMonthlySavingsAmount']}/month (emulator demo figures)"
    )
    return lines


def _positive_float(text: str) -> float:
    value = float(text)
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number, not {text!r}")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, not {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m smcost_emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5555, help="0 picks a free port")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--instance-type", default="ml.g5.xlarge")
    parser.add_argument("--seed-demo", action="store_true", help="create a demo domain/space/app")
    parser.add_argument(
        "--no-resources",
        action="store_true",
        help="with --seed-demo: no jobs, endpoint or other apps, only the demo space's app",
    )
    parser.add_argument(
        "--savings",
        action="store_true",
        help="with --seed-demo: also what the savings suggestions feed on (recent short and "
        "spot jobs, idle and low-traffic endpoints with metrics, an untagged job, a job "
        "reading another region's bucket, Docker access off, a Savings Plans recommendation)",
    )
    parser.add_argument("--metadata-out", type=Path, help="write the demo's SageMaker metadata")
    parser.add_argument(
        "--seed-fleet",
        type=int,
        metavar="N",
        help="also a domain 'fleet' of N running apps over --fleet-profiles user profiles, "
        "with varied activity (for `jupyter smcost audit`)",
    )
    parser.add_argument("--fleet-profiles", type=int, default=200, metavar="P")
    parser.add_argument(
        "--delete-delay", type=float, default=2.0, help="seconds an app stays Deleting"
    )
    parser.add_argument(
        "--throttle",
        type=_positive_float,
        metavar="RATE",
        help="throttle every SageMaker operation, each to RATE calls a second (its own token "
        "bucket), answering ThrottlingException beyond it as AWS does; off by default, and "
        "a POST /_smcost/reset turns it off",
    )
    parser.add_argument(
        "--throttle-burst",
        type=_positive_int,
        metavar="N",
        help="with --throttle: calls an operation may make at once (default: RATE rounded up)",
    )
    parser.add_argument("--verbose", action="store_true", help="log every HTTP request")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.throttle_burst is not None and args.throttle is None:
        parser.error("--throttle-burst needs --throttle")
    if args.metadata_out and not args.seed_demo:
        parser.error("--metadata-out needs --seed-demo")
    if args.savings and not args.seed_demo:
        parser.error("--savings needs --seed-demo")

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    control.set_delete_delay(args.delete_delay)
    control.default_delete_delay = args.delete_delay  # survives POST /_smcost/reset
    add_status_listener(_print_status_change)
    emulator = start_emulator(port=args.port, host=args.host, quiet=not args.verbose)
    # Only this entry point touches the process environment: anything here that resolves
    # AWS through boto3's chain reaches this emulator, as a client pointed at it would.
    apply(os.environ, emulator.endpoint_url)
    os.environ["AWS_DEFAULT_REGION"] = args.region
    try:
        print(f"emulator: listening on {emulator.endpoint_url}", flush=True)
        for name, value in endpoint_variables(emulator.endpoint_url).items():
            print(f"emulator: export {name}={value}", flush=True)
        if args.seed_demo:
            seeded = emulator.seed_demo(
                region=args.region,
                instance_type=args.instance_type,
                resources=not args.no_resources,
                savings=args.savings,
            )
            print(
                f"emulator: seeded domain {seeded['domain_id']}, user "
                f"{seeded['user_profile_name']}, space {seeded['space_name']}, app "
                f"{seeded['app_name']} ({seeded['app_type']}, {seeded['instance_type']}, "
                f"{seeded['region']})",
                flush=True,
            )
            for line in describe_resources(seeded["resources"]):
                print(f"emulator: seeded {line}", flush=True)
            for line in describe_savings(seeded.get("savings")):
                print(f"emulator: seeded {line}", flush=True)
        if args.seed_fleet:
            fleet = seed_fleet(
                emulator.endpoint_url,
                args.seed_fleet,
                profiles=args.fleet_profiles,
                region=args.region,
            )
            print(
                f"emulator: seeded domain {fleet['domain_id']}: {fleet['apps']} apps in "
                f"{fleet['spaces']} spaces of {fleet['profiles']} user profiles, "
                f"{fleet['idle']} of them idle for 3 h or more",
                flush=True,
            )
        # The seeds above go through boto3 like any client: throttling starts after them,
        # and before the metadata file says the demo is ready.
        if args.throttle is not None:
            burst = args.throttle_burst or default_burst(args.throttle)
            control.set_throttle(args.throttle, burst)
            print(
                f"emulator: throttling every SageMaker operation to {args.throttle:g} "
                f"calls/s (burst {burst})",
                flush=True,
            )
        if args.metadata_out:
            args.metadata_out.parent.mkdir(parents=True, exist_ok=True)
            # Atomic, so a launcher may wait for the file to know the demo is ready.
            tmp = args.metadata_out.with_name(args.metadata_out.name + ".tmp")
            tmp.write_text(json.dumps(seeded["metadata"], indent=2) + "\n")
            tmp.replace(args.metadata_out)
            print(f"emulator: metadata written to {args.metadata_out}", flush=True)
        # Deleting -> Deleted is decided when an app is read; reading them all here makes
        # the change print even when nobody asks AWS about the app any more.
        while not stop.wait(0.25):
            apps_snapshot()
    finally:
        emulator.stop()
        print("emulator: stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
