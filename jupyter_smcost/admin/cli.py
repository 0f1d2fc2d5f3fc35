"""`jupyter smcost`: the admin command (installed as the `jupyter-smcost` console script).

Exit codes scripts can rely on: 0 done; 1 a failure while doing it (AWS, files); 2 the
command line or a value in it is wrong (nothing was done).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .. import __version__
from ..aws import AwsError, client_config, new_session, translate_error
from . import studio
from .audit import Pricer
from .deploy import FLEET_STACK, INVENTORY_STACK
from .lcc import APP_TYPES, MAX_LCC_CHARS, Install, ScriptError, content_hash, lcc_script
from .limits import (
    MIN_DELETE_IDLE_HOURS,
    STUDIO_IDLE_MINUTES,
    check_delete_hours,
    check_text,
    hours_flag,
)
from .policy import Policy, add_policy_flags, policy_from_args

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class ProgressBar:
    """A progress bar on stderr (rich) for long work, shown only when stderr is a terminal,
    so pipes and `--format json` stay clean."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> ProgressBar:
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import Progress

            self._bar = Progress(console=Console(stderr=True), transient=True)
            self._bar.start()
        return self

    def update(self, done: int, total: int | None, detail: str = "") -> None:
        if self._bar is None:
            return
        label = f"{self.what} {detail}".strip()
        if self._task is None:
            self._task = self._bar.add_task(label, total=total)
        self._bar.update(self._task, completed=done, total=total, description=label)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jupyter smcost",
        description="Admin tools for jupyter-smcost: put SageMaker domains under an idle "
        "policy with lifecycle configurations.",
    )
    parser.add_argument("--version", action="version", version=f"jupyter-smcost {__version__}")
    aws = parser.add_argument_group("AWS (else the standard AWS_* variables and config files)")
    aws.add_argument("--profile", help="a profile from your AWS config")
    aws.add_argument("--region", help="the region of the domain")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    lcc = commands.add_parser(
        "lcc",
        help="lifecycle configuration scripts",
        description="Lifecycle configuration (LCC) scripts that install jupyter-smcost with "
        "your policy.",
    )
    lcc_commands = lcc.add_subparsers(dest="lcc_command", metavar="COMMAND", required=True)
    script = lcc_commands.add_parser(
        "script",
        help="print the LCC script for an app type",
        description="Print the lifecycle configuration script that installs jupyter-smcost "
        "into the environment that runs the Jupyter server and writes your policy as a "
        f"server config file of its own. The script stays under AWS's {MAX_LCC_CHARS:,}-"
        "character limit and is safe to run again.",
    )
    script.add_argument("--app-type", required=True, choices=APP_TYPES)
    add_policy_flags(script)
    _add_install_flags(script)
    script.add_argument("--out", metavar="FILE", help="write the script here instead of stdout")
    script.add_argument("--format", choices=("text", "json"), default="text")
    script.set_defaults(run=_lcc_script)

    install = lcc_commands.add_parser(
        "install",
        help="create the LCC and attach it to a domain",
        description="Create the lifecycle configuration (named with the version and a hash "
        "of its content, so running again with the same flags changes nothing) and attach it "
        "to the domain's users and spaces, keeping every other setting as it was. For "
        "CodeEditor there is no extension: only --backstop-minutes applies.",
    )
    _add_target_flags(install)
    install.add_argument("--app-type", default="JupyterLab", choices=tuple(studio.SETTINGS_KEY))
    add_policy_flags(install)
    _add_install_flags(install)
    install.add_argument(
        "--as",
        dest="attach_as",
        choices=("built-in", "default"),
        default="built-in",
        help="built-in: admin-controlled, always runs, users cannot drop it (default); "
        "default: one of the users' LCCs, selected by default",
    )
    install.add_argument(
        "--backstop-minutes",
        type=_backstop_minutes,
        metavar="N",
        help="also turn on Studio's own idle shutdown after N minutes, so an app whose "
        "extension was removed or broken still stops",
    )
    _add_write_flags(install)
    install.set_defaults(run=_lcc_install)

    remove = lcc_commands.add_parser(
        "remove",
        help="detach what install attached",
        description="Detach jupyter-smcost's lifecycle configurations from the domain and put "
        "the built-in idle settings back as they were before --backstop-minutes.",
    )
    _add_target_flags(remove)
    remove.add_argument("--app-type", default="JupyterLab", choices=tuple(studio.SETTINGS_KEY))
    _add_write_flags(remove)
    remove.set_defaults(run=_lcc_remove)

    show = lcc_commands.add_parser(
        "status",
        help="which LCC each app type of a domain has",
        description="Per app type, for the domain's users and spaces: the jupyter-smcost LCC "
        "attached, how, its version, and whether Studio's built-in idle backstop is on.",
    )
    show.add_argument("--domain", required=True, metavar="ID")
    show.add_argument("--format", choices=("table", "json", "csv"), default="table")
    show.set_defaults(run=_lcc_status)

    audit = commands.add_parser(
        "audit",
        help="every running Studio app of a domain: cost, idleness, LCC",
        description="List every running Studio app: owner, type, instance, $/h, running "
        "time, cost so far, last user activity, whether it is idle and whether the "
        "jupyter-smcost LCC covers it; then totals per user and for the domain.",
    )
    which = audit.add_mutually_exclusive_group(required=True)
    which.add_argument("--domain", metavar="ID")
    which.add_argument("--all-domains", action="store_true")
    audit.add_argument(
        "--idle-hours",
        type=hours_flag("--idle-hours"),
        default=2.0,
        metavar="H",
        help="an app without user activity for H hours is idle (default 2; with --stop-idle "
        f"at least {MIN_DELETE_IDLE_HOURS:g} unless --force)",
    )
    audit.add_argument("--format", choices=("table", "json", "csv"), default="table")
    audit.add_argument(
        "--stop-idle",
        action="store_true",
        help="delete exactly the idle apps (each checked again just before)",
    )
    audit.add_argument("--dry-run", action="store_true", help="with --stop-idle: only say so")
    audit.add_argument(
        "--force",
        action="store_true",
        help=f"with --stop-idle: allow --idle-hours under {MIN_DELETE_IDLE_HOURS:g}",
    )
    audit.add_argument(
        "--budgets",
        action="store_true",
        help="per user: the monthly budget in force (the profile's tag "
        "jupyter-smcost:monthly-budget-usd, else --monthly-budget-usd), spent this month, "
        "the projection and the state (one sagemaker:ListTags per user)",
    )
    audit.add_argument(
        "--monthly-budget-usd",
        type=_budget_usd,
        metavar="USD",
        help="with --budgets: the budget of users without the tag (what the lifecycle "
        "script's --monthly-budget-usd gives them)",
    )
    audit.add_argument(
        "--cost-explorer",
        action="store_true",
        help="with --budgets: also Cost Explorer's month so far per user, by the tag "
        "sagemaker:user-profile-arn (one ce:GetCostAndUsage for the account, billed by AWS; "
        "24-48 h late)",
    )
    audit.set_defaults(run=_audit)

    policy = commands.add_parser(
        "policy",
        help="print a least-privilege IAM policy",
        description="Print the IAM policy each side needs: `user` for the execution role of "
        "the apps (what the extension calls; DeleteApp narrowed to the domain and space "
        "given), `admin` for whoever runs `jupyter smcost lcc` and `audit`, `fleet` for the "
        "scheduled check's function (deploy/fleet-audit.yaml grants the same), `inventory` "
        "for the shared inventory's function (deploy/inventory.yaml grants the same).",
    )
    policy.add_argument(
        "--for", dest="side", required=True, choices=("user", "admin", "fleet", "inventory")
    )
    policy.add_argument("--domain", dest="policy_domain", metavar="ID")
    policy.add_argument("--space", dest="policy_space", metavar="NAME")
    policy.add_argument("--notebook-instance", metavar="NAME")
    policy.add_argument(
        "--wheel-uri",
        dest="policy_wheel_uri",
        metavar="S3_URI",
        help="user: the wheel the lifecycle script fetches (adds s3:GetObject on it)",
    )
    policy.add_argument(
        "--prices-uri",
        dest="policy_prices_uri",
        metavar="S3_URI",
        help="user: the price snapshot the lifecycle script fetches (adds s3:GetObject on it)",
    )
    policy.add_argument(
        "--inventory-uri",
        dest="policy_inventory_uri",
        metavar="S3_URI",
        help="user: the shared inventory (s3://BUCKET/PREFIX/, the stack's InventoryUri; adds "
        "s3:GetObject on the user's own document and the shared spaces'); inventory: narrows "
        "the function's writes to it",
    )
    policy.set_defaults(run=_policy)

    prices = commands.add_parser(
        "prices",
        help="price snapshots",
        description="Price snapshots that every app can use without pricing:GetProducts.",
    )
    prices_commands = prices.add_subparsers(dest="prices_command", metavar="COMMAND", required=True)
    update = prices_commands.add_parser(
        "update",
        help="write a snapshot from the Price List API or an offer file",
        description="Write a price snapshot for your regions from AWS's Price List API (needs "
        "pricing:GetProducts, which the admin has and most execution roles lack) or from a "
        "downloaded bulk offer file. Hand it to every app with `lcc install --prices-uri`.",
    )
    update.add_argument("--regions", default="", help="comma-separated (default: --region)")
    update.add_argument("--out", default="jupyter-smcost-prices.json", metavar="FILE")
    update.add_argument("--from-offer-file", metavar="PATH", help="AmazonSageMaker index.json")
    update.set_defaults(run=_prices_update)

    deploy = commands.add_parser(
        "deploy",
        help="deploy the scheduled fleet check, or with --inventory the shared inventory",
        description="Package this version for AWS Lambda, upload it to S3 and create or "
        "update a CloudFormation stack: by default deploy/fleet-audit.yaml, the audit on a "
        "schedule, its report to an SNS topic, optionally deleting apps idle too long; with "
        "--inventory deploy/inventory.yaml, one function that keeps what SageMaker runs as one "
        "JSON document per user profile and shared space in S3, which every app reads "
        "instead of listing itself.",
    )
    scope = deploy.add_mutually_exclusive_group(required=True)
    scope.add_argument(
        "--domain",
        dest="domains",
        action="append",
        metavar="ID",
        help="a domain to check (repeat)",
    )
    scope.add_argument(
        "--all-domains",
        dest="deploy_all_domains",
        action="store_true",
        help="every domain of the region, now and later",
    )
    deploy.add_argument(
        "--inventory",
        action="store_true",
        help="deploy the shared inventory (deploy/inventory.yaml) instead of the fleet check",
    )
    deploy.add_argument("--bucket", required=True, help="an S3 bucket for the package")
    deploy.add_argument(
        "--stack-name",
        help=f"default {FLEET_STACK}, with --inventory {INVENTORY_STACK}",
    )
    fleet = deploy.add_argument_group("the fleet check only")
    fleet.add_argument("--email", help="subscribe this address to the report")
    fleet.add_argument(
        "--idle-hours", type=hours_flag("--idle-hours"), metavar="H", help="default 2"
    )
    fleet.add_argument(
        "--enforce-idle-hours",
        type=hours_flag("--enforce-idle-hours"),
        metavar="H",
        help="delete apps idle at least H hours (default 0: report only; at least "
        f"{MIN_DELETE_IDLE_HOURS:g} unless --force)",
    )
    fleet.add_argument(
        "--force",
        action="store_true",
        help=f"allow --enforce-idle-hours under {MIN_DELETE_IDLE_HOURS:g}",
    )
    fleet.add_argument(
        "--grace-minutes",
        type=float,
        metavar="M",
        help="warn (tag jupyter-smcost:stop-after) M minutes before deleting an idle app "
        "(default 60; 0: delete at once)",
    )
    fleet.add_argument(
        "--webhook-url",
        metavar="URL",
        help="also POST each report to this https chat webhook (Slack, Google Chat)",
    )
    fleet.add_argument("--schedule", help="an EventBridge schedule (default rate(1 hour))")
    shared = deploy.add_argument_group("the shared inventory only (--inventory)")
    shared.add_argument(
        "--period-minutes",
        type=_period_minutes,
        metavar="N",
        help=f"list everything again every N minutes (default {INVENTORY_PERIOD_MINUTES}), "
        "between the state-change events",
    )
    shared.add_argument(
        "--lookback-days",
        type=_lookback_days,
        metavar="N",
        help=f"keep the jobs created in the last N days (default {INVENTORY_LOOKBACK_DAYS}): "
        "an app whose c.Suggestions.lookback_days is longer reads the older ones itself",
    )
    _add_write_flags(deploy)
    deploy.set_defaults(run=_deploy)
    return parser


#: Flags of `deploy` that only the fleet check takes, by destination.
FLEET_ONLY = {
    "email": "--email",
    "idle_hours": "--idle-hours",
    "enforce_idle_hours": "--enforce-idle-hours",
    "force": "--force",
    "grace_minutes": "--grace-minutes",
    "webhook_url": "--webhook-url",
    "schedule": "--schedule",
}
INVENTORY_PERIOD_MINUTES = 5
#: The longest reconcile period: a day (documents not rewritten for 30 days expire).
MAX_PERIOD_MINUTES = 1440
#: The savings read a week back by default (c.Suggestions.lookback_days); a quarter at most
#: keeps a busy user's document small.
INVENTORY_LOOKBACK_DAYS = 7
MAX_LOOKBACK_DAYS = 90


def _whole_number(unit: str, low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number of `unit` from `low` to `high`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"a whole number of {unit}, not {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"from {low} to {high} {unit}, not {value}")
        return value

    return parse


_period_minutes = _whole_number("minutes", 1, MAX_PERIOD_MINUTES)
_lookback_days = _whole_number("days", 1, MAX_LOOKBACK_DAYS)


def _backstop_minutes(text: str) -> int:
    """Whole minutes within Studio's bounds: AWS refuses anything else, and would do so
    only after the lifecycle configuration was created."""
    low, high = STUDIO_IDLE_MINUTES
    try:
        minutes = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a whole number of minutes, not {text!r}") from None
    if not low <= minutes <= high:
        raise argparse.ArgumentTypeError(
            f"Studio's idle shutdown takes {low} to {high:,} minutes, not {minutes}"
        )
    return minutes


def _add_target_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--domain", metavar="ID", help="a Studio domain")
    one = parser.add_mutually_exclusive_group()
    one.add_argument("--user-profile", metavar="NAME", help="only this user profile")
    one.add_argument("--space", metavar="NAME", help="only this space")
    parser.add_argument(
        "--notebook-instance",
        dest="notebook_instances",
        action="append",
        metavar="NAME",
        help="a notebook instance instead of a domain (repeat; each must be stopped)",
    )


def _target(args: argparse.Namespace) -> studio.Target:
    return studio.Target(args.domain, args.user_profile, args.space)


def _add_install_flags(parser: argparse.ArgumentParser) -> None:
    source = parser.add_argument_group("install (default: this version from PyPI, pinned)")
    source.add_argument("--pip-spec", metavar="SPEC", help="what pip installs")
    source.add_argument(
        "--wheel-uri",
        metavar="URI",
        help="a wheel in S3 (s3://...) or a path, for VPC-only domains",
    )
    source.add_argument("--sha256", metavar="HEX", help="the wheel's SHA-256 (with --wheel-uri)")
    source.add_argument("--pip-index-url", metavar="URL", help="a private package index")


def _add_write_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the exact API calls (operation and parameters) instead of making them",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")


def _sagemaker(args: argparse.Namespace) -> object:
    session = new_session()
    if args.profile:
        session.set_config_variable("profile", args.profile)
    return session.create_client("sagemaker", region_name=args.region, config=client_config())


def _report(args: argparse.Namespace, plan: studio.Plan) -> int:
    """Print the plan (dry run) or make its calls, saying each."""
    done: list[dict[str, object]] = []
    for note in plan.notes:
        if args.format == "text":
            print(f"= {note}")
    if args.dry_run:
        if args.format == "json":
            print(
                json.dumps(
                    {
                        "dry_run": True,
                        "calls": [c.to_json() for c in plan.calls],
                        "notes": plan.notes,
                    },
                    indent=2,
                )
            )
        else:
            for call in plan.calls:
                shown = json.dumps(call.to_json()["params"], sort_keys=True)
                print(f"would call {call.operation} {shown}")
        return EXIT_OK

    def progress(call: studio.Call) -> None:
        done.append(call.to_json())
        if args.format == "text":
            print(f"calling {call.operation}", file=sys.stderr)

    try:
        studio.run(args.client, plan, progress)
    except studio.PlanFailed as failed:
        print(f"jupyter smcost: {failed}", file=sys.stderr)
        return EXIT_FAILED
    if args.format == "json":
        print(json.dumps({"dry_run": False, "calls": done, "notes": plan.notes}, indent=2))
    else:
        for made in done:
            print(f"called {made['operation']}")
    return EXIT_OK


def _lcc_script(args: argparse.Namespace) -> int:
    policy: Policy = policy_from_args(args)
    install = Install(args.pip_spec, args.wheel_uri, args.sha256, args.pip_index_url)
    text = lcc_script(args.app_type, policy, install)
    installs = install_description(install)
    if args.format != "json":
        # On stderr: the script on stdout stays exactly the script.
        print(f"jupyter smcost: the script installs {installs}", file=sys.stderr)
        fetched = [u for u in (install.wheel_uri, policy.prices_uri) if u and u.startswith("s3://")]
        if fetched:
            flags = " ".join(
                f"--{name} {uri}"
                for name, uri in (
                    ("wheel-uri", install.wheel_uri),
                    ("prices-uri", policy.prices_uri),
                )
                if uri and uri.startswith("s3://")
            )
            print(
                f"jupyter smcost: the execution role needs s3:GetObject on {', '.join(fetched)} "
                f"(`jupyter smcost policy --for user {flags}` includes it)",
                file=sys.stderr,
            )
        if policy.inventory_uri:
            print(
                "jupyter smcost: to read their documents of the inventory, the execution role "
                "needs `jupyter smcost policy --for user --inventory-uri "
                f"{policy.inventory_uri}` and the domain ExecutionRoleIdentityConfig "
                "USER_PROFILE_NAME",
                file=sys.stderr,
            )
    if args.out:
        out = Path(args.out)
        try:
            out.write_text(text, encoding="utf-8")
            out.chmod(0o755)
        except OSError as err:
            print(f"jupyter smcost: cannot write {out}: {err.strerror or err}", file=sys.stderr)
            return EXIT_FAILED
    if args.format == "json":
        print(
            json.dumps(
                {
                    "app_type": args.app_type,
                    "characters": len(text),
                    "content_hash": content_hash(text),
                    "policy": policy.traits(),
                    "installs": installs,
                    "script": None if args.out else text,
                    "out": args.out,
                },
                indent=2,
            )
        )
    elif not args.out:
        sys.stdout.write(text)
    return EXIT_OK


def install_description(install: Install) -> str:
    """What the script installs, in words: the admin must know before it runs in Studio."""
    if install.wheel_uri:
        return (
            f"the wheel {install.wheel_uri} (checked against its SHA-256, with no index and no "
            "dependencies: nvidia-ml-py, for GPU figures, is not added)"
        )
    where = install.pip_index_url or "PyPI"
    text = f"{install.spec} from {where}"
    if not install.pip_spec:
        text += (
            " (the default --pip-spec; until this version is on that index, point --pip-spec or "
            "--wheel-uri at a wheel: see docs/admins.md)"
        )
    return text


def _one_target(args: argparse.Namespace) -> None:
    if bool(args.domain) == bool(args.notebook_instances):
        raise ScriptError("give either --domain or --notebook-instance")


def _notebooks(args: argparse.Namespace, plan: studio.Plan, running: list[str]) -> int:
    code = _report(args, plan)
    if running:
        print(
            "jupyter smcost: stop these notebook instances first (AWS changes the lifecycle "
            f"configuration of stopped ones only): {', '.join(running)}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return code


def _lcc_install(args: argparse.Namespace) -> int:
    _one_target(args)
    policy = policy_from_args(args)
    if args.notebook_instances:
        from . import notebooks

        install = Install(args.pip_spec, args.wheel_uri, args.sha256, args.pip_index_url)
        on_start = lcc_script("notebook-instance", policy, install)
        planned = notebooks.plan_install(args.client, args.notebook_instances, on_start)
        return _notebooks(args, *planned)
    script: str | None = None
    if args.app_type != "CodeEditor":
        install = Install(args.pip_spec, args.wheel_uri, args.sha256, args.pip_index_url)
        script = lcc_script(args.app_type, policy, install)
    elif args.backstop_minutes is None:
        raise ScriptError(
            "CodeEditor runs no Jupyter server: give --backstop-minutes to set Studio's own "
            "idle shutdown for its apps"
        )
    plan = studio.plan_install(
        args.client,
        _target(args),
        args.app_type,
        script,
        policy,
        as_built_in=args.attach_as == "built-in",
        backstop_minutes=args.backstop_minutes,
    )
    return _report(args, plan)


def _lcc_remove(args: argparse.Namespace) -> int:
    _one_target(args)
    if args.notebook_instances:
        from . import notebooks

        return _notebooks(args, *notebooks.plan_remove(args.client, args.notebook_instances))
    return _report(args, studio.plan_remove(args.client, _target(args), args.app_type))


def _lcc_status(args: argparse.Namespace) -> int:
    document = studio.status(args.client, args.domain)
    rows = document["rows"]
    columns = ["scope", "app_type", "lcc", "attached_as", "version", "backstop_minutes"]
    if args.format == "json":
        print(json.dumps(document, indent=2))
    elif args.format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=["domain_id", *columns, "backstop"])
        writer.writeheader()
        writer.writerows(rows)
    else:
        cells = [[str(r[c]) if r[c] is not None else "-" for c in columns] for r in rows]
        widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
        print(f"domain {args.domain}")
        print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
        for row in cells:
            print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))
    return EXIT_OK


def _pricer(args: argparse.Namespace) -> Pricer:
    """Section 3's chain: overrides, cache, the Price List API, snapshots, else unknown."""
    from jupyter_core.paths import jupyter_data_dir

    from ..cost.config import Pricing

    pricing = Pricing()
    session = new_session()
    if args.profile:
        session.set_config_variable("profile", args.profile)

    def client() -> object:
        return session.create_client(
            "pricing", region_name=pricing.endpoint_region, config=client_config()
        )

    state_dir = str(Path(jupyter_data_dir()) / "jupyter_smcost")
    return pricing.build_resolver(state_dir, client).resolve


def _audit(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    from .audit import CSV_FIELDS, audit, stop_idle

    if args.dry_run and not args.stop_idle:
        raise ScriptError("--dry-run goes with --stop-idle")
    if (args.monthly_budget_usd is not None or args.cost_explorer) and not args.budgets:
        raise ScriptError("--monthly-budget-usd and --cost-explorer go with --budgets")
    if args.force and not args.stop_idle:
        raise ScriptError("--force goes with --stop-idle")
    if args.stop_idle:  # before any call: a threshold that takes apps in use does nothing
        check_delete_hours(args.idle_hours, "--idle-hours", force=args.force, force_name="--force")
    client = args.client
    domains = (
        [args.domain]
        if args.domain
        else [
            d["DomainId"]
            for page in client.get_paginator("list_domains").paginate()
            for d in page.get("Domains", [])
        ]
    )
    now = datetime.now(timezone.utc)
    with ProgressBar("describing apps") as bar:
        document = audit(
            client,
            domains,
            idle_hours=args.idle_hours,
            pricer=_pricer(args),
            now=now,
            progress=bar.update,
        )
    if args.budgets:
        from .budgets import add_budgets

        ce = _cost_explorer_client(args) if args.cost_explorer else None
        add_budgets(client, document, now=now, budget_usd=args.monthly_budget_usd, ce=ce)
    if args.stop_idle:
        document["stopped"] = stop_idle(
            client, document, idle_hours=args.idle_hours, now=now, dry_run=args.dry_run
        )
        # Each app row says why it was stopped, as the user's idle history names it.
        deleted = {id(s["app"]) for s in document["stopped"] if s["result"] == "deleted"}
        for app in document["apps"]:
            app["reason"] = "admin-audit" if id(app) in deleted else None
    if args.format == "json":
        print(json.dumps(document, indent=2))
    elif args.format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=CSV_FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(document["apps"])
    else:
        _audit_table(document)
    if any(s["result"].startswith("failed") for s in document.get("stopped") or []):
        return EXIT_FAILED  # an app that was to be deleted is still running
    return EXIT_FAILED if document["problems"] and not document["apps"] else EXIT_OK


def _budget_usd(text: str) -> float:
    from ..idle.settings import SettingsError, parse_usd

    try:
        return parse_usd(text, "--monthly-budget-usd")
    except SettingsError as err:
        raise argparse.ArgumentTypeError(err.message) from None


def _cost_explorer_client(args: argparse.Namespace) -> object:
    from ..cost.cost_explorer import COST_EXPLORER_REGION

    session = new_session()
    if args.profile:
        session.set_config_variable("profile", args.profile)
    return session.create_client("ce", region_name=COST_EXPLORER_REGION, config=client_config())


def _budget_table(document: dict[str, object]) -> None:
    """One line per user with running apps: spent this month, the projection, the budget."""
    totals = document["totals"]
    assert isinstance(totals, dict)
    columns = ["user", "$/h", "spent", "cost explorer", "projected", "budget", "state"]
    rows = []

    def usd(value: object) -> str:
        return "-" if not isinstance(value, int | float) else f"${value:,.2f}"

    for key, user in totals["per_user"].items():
        rows.append(
            [
                key,
                f"${user['usd_per_hour']:.3f}",
                usd(user["spent_usd"]),
                usd(user["cost_explorer_usd"]),
                usd(user["projected_usd"]),
                usd(user["budget_usd"]) + (" (tag)" if user["budget_source"] == "tag" else ""),
                user["budget_state"],
            ]
        )
    widths = [
        max(len(c), *(len(r[i]) for r in rows)) if rows else len(c) for i, c in enumerate(columns)
    ]
    print()
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))
    budgets = document["budgets"]
    assert isinstance(budgets, dict)
    print(f"spent ({budgets['month']}, UTC): {budgets['spent']}")
    if budgets["cost_explorer"]:
        print(
            f"Cost Explorer to {budgets['cost_explorer']['as_of']}: "
            f"{budgets['cost_explorer']['lag_note']}"
        )


def _audit_table(document: dict[str, object]) -> None:
    apps = document["apps"]
    assert isinstance(apps, list)
    columns = ["owner", "app", "instance", "$/h", "running", "cost so far", "idle", "lcc"]
    rows = []
    for a in apps:
        owner = a["owner_user_profile_name"] or f"space {a['space_name']}"
        hours = (a["running_seconds"] or 0) / 3600
        rows.append(
            [
                owner,
                f"{a['app_type']}/{a['app_name']}",
                a["instance_type"] or "-",
                "-" if a["usd_per_hour"] is None else f"${a['usd_per_hour']:.3f}",
                f"{hours:.1f} h",
                "-" if a["cost_so_far_usd"] is None else f"${a['cost_so_far_usd']:.2f}",
                "idle" if a["idle"] else "",
                "yes" if a["lcc_attached"] else "NO",
            ]
        )
    widths = [
        max(len(c), *(len(r[i]) for r in rows)) if rows else len(c) for i, c in enumerate(columns)
    ]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))
    totals = document["totals"]
    assert isinstance(totals, dict)
    print(
        f"{totals['apps']} apps, ${totals['usd_per_hour']:.2f}/h, "
        f"${totals['cost_so_far_usd']:.2f} so far; {totals['idle_apps']} idle "
        f"(${totals['idle_usd_per_month']:.2f} per month if left running); "
        f"{totals['without_lcc']} without the LCC"
    )
    if "budgets" in document:
        _budget_table(document)
    for line in document.get("stopped", []) or []:  # type: ignore[attr-defined]
        app = line["app"]
        print(f"{app['app_type']}/{app['app_name']} ({app['domain_id']}): {line['result']}")
    for problem in document["problems"]:  # type: ignore[attr-defined]
        print(f"problem: {problem}", file=sys.stderr)


def _policy(args: argparse.Namespace) -> int:
    from .iam import admin_policy, fleet_policy, inventory_policy, user_policy

    inventory = args.policy_inventory_uri
    if inventory and args.side in ("admin", "fleet"):
        raise ScriptError(
            f"--inventory-uri goes with --for user or --for inventory, not {args.side}"
        )
    if args.side == "admin":
        document = admin_policy()
    elif args.side == "fleet":
        document = fleet_policy()
    elif args.side == "inventory":
        document = inventory_policy(inventory)
    else:
        fetched = [uri for uri in (args.policy_wheel_uri, args.policy_prices_uri) if uri]
        try:
            document = user_policy(
                args.policy_domain, args.policy_space, args.notebook_instance, fetched, inventory
            )
        except ValueError as err:
            print(f"jupyter smcost: {err}", file=sys.stderr)
            return EXIT_USAGE
    print(json.dumps(document, indent=2))
    return EXIT_OK


def _prices_update(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    from .prices import (
        DEFAULT_FAMILIES,
        build_snapshot,
        offer_from_price_list,
        read_offer,
        write_atomic,
    )

    regions = [r for r in (args.regions or args.region or "").split(",") if r]
    if not regions:
        raise ScriptError("give --regions (or --region): the regions of your domains")
    # Checked before any call or download; --out's folder is never created.
    out = Path(args.out)
    check_text(args.out, "--out")
    if out.is_dir():
        raise ScriptError(f"--out {args.out} is a directory: name the snapshot's file")
    if not out.parent.is_dir():
        raise ScriptError(f"--out {args.out}: the folder {out.parent} does not exist")
    if args.from_offer_file:
        offer_file = args.from_offer_file
        if not offer_file.startswith(("https://", "http://")):
            if not Path(offer_file).exists():
                raise ScriptError(f"--from-offer-file {offer_file} does not exist")
            if not Path(offer_file).is_file():
                raise ScriptError(f"--from-offer-file {offer_file} is not a file")
        try:
            offer = read_offer(offer_file)
        except json.JSONDecodeError as err:
            print(f"jupyter smcost: {offer_file} is not JSON ({err})", file=sys.stderr)
            return EXIT_FAILED
        except OSError as err:
            print(f"jupyter smcost: cannot read {offer_file}: {err}", file=sys.stderr)
            return EXIT_FAILED
        if not isinstance(offer, dict):
            print(f"jupyter smcost: {offer_file} is not an offer file", file=sys.stderr)
            return EXIT_FAILED
        source = (
            f"AWS Price List bulk offer file AmazonSageMaker (version "
            f"{offer.get('version', '?')}, published {offer.get('publicationDate', '?')})"
        )
    else:
        session = new_session()
        if args.profile:
            session.set_config_variable("profile", args.profile)
        client = session.create_client("pricing", region_name="us-east-1", config=client_config())
        with ProgressBar("reading the Price List") as bar:
            offer = offer_from_price_list(
                client, regions, lambda region, count: bar.update(count, None, region)
            )
        source = f"AWS Price List API (GetProducts, AmazonSageMaker, {', '.join(regions)})"
    today = datetime.now(timezone.utc).date().isoformat()
    snapshot = build_snapshot(
        offer, regions=regions, families=DEFAULT_FAMILIES, source=source, generated=today
    )
    count = sum(len(i) for c in snapshot["prices"].values() for i in c.values())
    if not count:
        print("jupyter smcost: no prices matched those regions", file=sys.stderr)
        return EXIT_FAILED
    try:
        write_atomic(out, snapshot)
    except OSError as err:
        print(f"jupyter smcost: cannot write {out}: {err.strerror or err}", file=sys.stderr)
        return EXIT_FAILED
    print(f"wrote {count} prices for {', '.join(regions)} to {args.out}")
    return EXIT_OK


def _deploy(args: argparse.Namespace) -> int:
    from .deploy import plan_deploy, plan_inventory_deploy

    domains = None if args.deploy_all_domains else args.domains
    if args.inventory:
        # `is`, not `in`: --idle-hours 0 is given too (0.0 == False).
        given = [
            flag
            for dest, flag in FLEET_ONLY.items()
            if getattr(args, dest) is not None and getattr(args, dest) is not False
        ]
        if given:
            raise ScriptError(
                f"{', '.join(given)} only apply to the fleet check, not to --inventory"
            )
    else:
        for flag, value in (
            ("--period-minutes", args.period_minutes),
            ("--lookback-days", args.lookback_days),
        ):
            if value is not None:
                raise ScriptError(f"{flag} only applies to --inventory")
    session = new_session()
    if args.profile:
        session.set_config_variable("profile", args.profile)

    def client(service: str) -> Any:
        return session.create_client(service, region_name=args.region, config=client_config())

    if args.inventory:
        stack = args.stack_name or INVENTORY_STACK
        plan = plan_inventory_deploy(
            client("cloudformation"),
            stack=stack,
            bucket=args.bucket,
            domains=domains,
            period_minutes=args.period_minutes or INVENTORY_PERIOD_MINUTES,
            lookback_days=args.lookback_days or INVENTORY_LOOKBACK_DAYS,
        )
    else:
        stack = args.stack_name or FLEET_STACK
        plan = plan_deploy(
            client("cloudformation"),
            stack=stack,
            bucket=args.bucket,
            domains=domains,
            email=args.email or "",
            idle_hours=2.0 if args.idle_hours is None else args.idle_hours,
            enforce_idle_hours=args.enforce_idle_hours or 0.0,
            force=args.force,
            grace_minutes=60.0 if args.grace_minutes is None else args.grace_minutes,
            webhook_url=args.webhook_url or "",
            schedule="rate(1 hour)" if args.schedule is None else args.schedule,
        )
    if args.dry_run:
        args.client = None
        return _report(args, plan)
    s3, cloudformation = client("s3"), client("cloudformation")
    for call in plan.calls:
        target = s3 if call.operation == "PutObject" else cloudformation
        studio.run(target, studio.Plan([call]))
        print(f"called {call.operation}")
    for note in plan.notes:
        print(f"= {note}")
    if args.inventory:
        _inventory_next_steps(cloudformation, stack)
    return EXIT_OK


def _inventory_next_steps(cloudformation: Any, stack: str) -> None:
    """What to do with the inventory: its address, once the stack has it, in two commands."""
    uri = None
    try:
        (described,) = cloudformation.describe_stacks(StackName=stack)["Stacks"]
        if str(described.get("StackStatus", "")).endswith("_COMPLETE"):
            outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
            uri = outputs.get("InventoryUri")
    except Exception:  # still being created, or not readable: say how to get it
        uri = None
    if uri:
        print(f"= the inventory is at {uri}")
    else:
        uri = "URI"
        query = "Stacks[0].Outputs[?OutputKey=='InventoryUri'].OutputValue"
        print(
            "= when the stack is complete (aws cloudformation wait stack-create-complete "
            f"--stack-name {stack}), its output InventoryUri is the address:\n"
            f'    aws cloudformation describe-stacks --stack-name {stack} --query "{query}" '
            "--output text"
        )
    print(
        "= next, hand it to the apps and let their execution role read its documents:\n"
        f"    jupyter smcost lcc install --domain ID --inventory-uri {uri}\n"
        f"    jupyter smcost policy --for user --inventory-uri {uri}\n"
        "  (the domain's ExecutionRoleIdentityConfig must be USER_PROFILE_NAME: "
        "docs/admins.md, The shared inventory)"
    )


def _flag_names(parser: argparse.ArgumentParser) -> dict[str, str]:
    """Each destination's flag (`domains` -> `--domain`), subcommands included."""
    names: dict[str, str] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                names.update(_flag_names(sub))
        elif action.option_strings:
            names.setdefault(action.dest, action.option_strings[-1])
    return names


def _one_line_values(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """No value may carry a newline: each lands on one line of a script, a log or a call."""
    names = _flag_names(parser)
    for dest, value in vars(args).items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                check_text(item, names.get(dest, dest))


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)  # exits 2 on a bad command line
    try:
        _one_line_values(parser, args)
        if (
            getattr(args, "domain", None) is not None
            or getattr(args, "all_domains", False)
            or getattr(args, "notebook_instances", None)
        ):
            args.client = _sagemaker(args)  # reads run even in a dry run
        code: int = args.run(args)
    except (ScriptError, ValueError) as err:
        print(f"jupyter smcost: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except AwsError as err:
        print(f"jupyter smcost: {err}", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:  # `jupyter smcost ... | head`: the reader has what it wanted
        # Before the generic clause (it is an Exception too); stdout to devnull so the
        # interpreter's last flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as err:  # botocore's, in words
        if type(err).__module__.startswith("botocore"):
            operation = str(getattr(err, "operation_name", "") or "an AWS call")
            print(f"jupyter smcost: {translate_error(operation, err)}", file=sys.stderr)
            return EXIT_FAILED
        raise
    return code


if __name__ == "__main__":
    sys.exit(main())
