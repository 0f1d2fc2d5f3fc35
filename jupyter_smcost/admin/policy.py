"""The admin's idle policy: command-line flags that map one to one to the server's traits.

The same parsers as the server's user settings validate every value, so a policy that the
command accepts is one the server accepts too.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from ..idle.actions import ACTIONS
from ..idle.schedule import ScheduleError, parse_days, parse_hhmm, parse_zone
from ..idle.settings import SettingsError, parse_minutes, parse_usd
from .limits import inventory_uri


@dataclass(frozen=True)
class Policy:
    timeout_minutes: float | None = None
    min_timeout_minutes: float | None = None
    max_timeout_minutes: float | None = None
    warning_minutes: float | None = None
    allow_user_override: bool = True
    max_idle_usd: float | None = None
    action: str | None = None
    cpu_threshold_percent: float | None = None
    #: Where the admin's price snapshot comes from (s3:// or a local path), if any.
    prices_uri: str | None = None
    #: The shared inventory (s3://BUCKET/PREFIX/) every app reads its own document from.
    inventory_uri: str | None = None
    #: c.Budget.monthly_usd and c.Budget.over_budget_timeout_minutes.
    monthly_budget_usd: float | None = None
    over_budget_timeout_minutes: float | None = None
    #: c.Budget.max_job_usd: the most one job may cost before it starts.
    max_job_usd: float | None = None
    #: c.Schedule.stop_at, days and timezone (the policy file's SCHEDULE_FIELDS).
    stop_at: str | None = None
    stop_days: tuple[str, ...] | None = None
    stop_timezone: str | None = None
    #: What a user may choose: c.Schedule.user_may_change, earliest_stop_at, latest_stop_at
    #: and max_keep_running_until.
    stop_user_may_change: bool | None = None
    stop_earliest_at: str | None = None
    stop_latest_at: str | None = None
    stop_max_keep_running_until: str | None = None

    def traits(self) -> dict[str, Any]:
        """`c.IdleShutdown.*` as given (unset flags keep the server's defaults)."""
        idle: dict[str, Any] = {
            name: getattr(self, name)
            for name in (
                "timeout_minutes",
                "min_timeout_minutes",
                "max_timeout_minutes",
                "warning_minutes",
                "max_idle_usd",
                "action",
                "cpu_threshold_percent",
            )
            if getattr(self, name) is not None
        }
        if not self.allow_user_override:
            idle["allow_user_override"] = False
        return idle

    def budget_fields(self) -> dict[str, float]:
        """The policy file's budget fields as given (see policy_file.BUDGET_FIELDS)."""
        return {
            name: getattr(self, name)
            for name in ("monthly_budget_usd", "over_budget_timeout_minutes", "max_job_usd")
            if getattr(self, name) is not None
        }

    def schedule_fields(self) -> dict[str, Any]:
        """The policy file's schedule fields as given (see policy_file.SCHEDULE_FIELDS)."""
        fields: dict[str, Any] = {}
        if self.stop_at is not None:
            fields["stop_at"] = self.stop_at
        if self.stop_days is not None:
            fields["stop_days"] = list(self.stop_days)
        if self.stop_timezone is not None:
            fields["stop_timezone"] = self.stop_timezone
        for name in (
            "stop_user_may_change",
            "stop_earliest_at",
            "stop_latest_at",
            "stop_max_keep_running_until",
        ):
            if getattr(self, name) is not None:
                fields[name] = getattr(self, name)
        return fields

    def check(self) -> None:
        """Raise ValueError when the bounds contradict each other or the inventory's address
        is not one."""
        if self.inventory_uri is not None:
            inventory_uri(self.inventory_uri)
        earliest, latest = self.stop_earliest_at, self.stop_latest_at
        if earliest is not None and latest is not None and latest < earliest:
            raise ValueError(f"--stop-latest {latest} is before --stop-earliest {earliest}")
        low, high = self.min_timeout_minutes, self.max_timeout_minutes
        if low is not None and high is not None and high < low:
            raise ValueError(
                f"--max-timeout-minutes {high:g} is below --min-timeout-minutes {low:g}"
            )
        timeout = self.timeout_minutes
        if timeout and low is not None and timeout < low:
            raise ValueError(
                f"--timeout-minutes {timeout:g} is below --min-timeout-minutes {low:g}: users "
                "would be offered a range that excludes the timeout in force"
            )
        if timeout and high is not None and timeout > high:
            raise ValueError(
                f"--timeout-minutes {timeout:g} is above --max-timeout-minutes {high:g}"
            )


def _minutes(name: str) -> Any:
    def parse(text: str) -> float:
        try:
            return parse_minutes(text, name)
        except SettingsError as err:
            raise argparse.ArgumentTypeError(err.message) from None

    return parse


def _usd(name: str) -> Any:
    def parse(text: str) -> float:
        try:
            return parse_usd(text, name)
        except SettingsError as err:
            raise argparse.ArgumentTypeError(err.message) from None

    return parse


def _positive_minutes(name: str) -> Any:
    def parse(text: str) -> float:
        value = _minutes(name)(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{name} must be above 0 minutes")
        return value

    return parse


def _percent(text: str) -> float:
    try:
        value = parse_minutes(text, "--cpu-threshold-percent")  # same number rules
    except SettingsError as err:
        raise argparse.ArgumentTypeError(err.message.replace("minutes", "percent")) from None
    if value > 10_000:
        raise argparse.ArgumentTypeError("--cpu-threshold-percent is a percent of one core")
    return value


def _schedule_value(parse: Any, name: str) -> Any:
    def check(text: str) -> Any:
        try:
            return parse(text) if parse is parse_days else (parse(text), text)[1]
        except ScheduleError as err:
            raise argparse.ArgumentTypeError(f"{name}: {err}") from None

    return check


def add_policy_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "policy (each flag sets the c.IdleShutdown trait of the same name, or the one it names)"
    )
    group.add_argument("--timeout-minutes", type=_minutes("--timeout-minutes"), metavar="N")
    group.add_argument("--min-timeout-minutes", type=_minutes("--min-timeout-minutes"), metavar="N")
    group.add_argument("--max-timeout-minutes", type=_minutes("--max-timeout-minutes"), metavar="N")
    group.add_argument("--warning-minutes", type=_minutes("--warning-minutes"), metavar="N")
    group.add_argument(
        "--no-user-override",
        action="store_true",
        help="users may not change the timeout, warning or budget",
    )
    group.add_argument(
        "--max-idle-usd", type=_usd("--max-idle-usd"), metavar="USD", help="idle budget in USD"
    )
    group.add_argument("--action", choices=ACTIONS)
    group.add_argument("--cpu-threshold-percent", type=_percent, metavar="P")
    group.add_argument(
        "--monthly-budget-usd",
        type=_usd("--monthly-budget-usd"),
        metavar="USD",
        help="each user's monthly budget (c.Budget.monthly_usd; a user profile's tag "
        "jupyter-smcost:monthly-budget-usd overrides it for that user)",
    )
    group.add_argument(
        "--over-budget-timeout-minutes",
        type=_positive_minutes("--over-budget-timeout-minutes"),
        metavar="N",
        help="over the monthly budget, the idle timeout is at most N minutes "
        "(c.Budget.over_budget_timeout_minutes)",
    )
    group.add_argument(
        "--max-job-usd",
        type=_usd("--max-job-usd"),
        metavar="USD",
        help="a job whose worst case (or an endpoint whose month) costs more starts only when "
        "the user confirms (c.Budget.max_job_usd); the lifecycle script loads the check, "
        "jupyter_smcost.prelaunch, in every kernel of the server's environment",
    )
    group.add_argument(
        "--stop-at",
        type=_schedule_value(parse_hhmm, "--stop-at"),
        metavar="HH:MM",
        help="working hours: stop the app daily at this time (c.Schedule.stop_at)",
    )
    group.add_argument(
        "--stop-days",
        type=_schedule_value(parse_days, "--stop-days"),
        metavar="DAYS",
        help="the days of --stop-at, e.g. mon-fri or mon,wed,fri (c.Schedule.days)",
    )
    group.add_argument(
        "--stop-timezone",
        type=_schedule_value(parse_zone, "--stop-timezone"),
        metavar="ZONE",
        help="the IANA time zone of --stop-at, e.g. Europe/Berlin; default: each user's "
        "own (c.Schedule.timezone)",
    )
    group.add_argument(
        "--stop-fixed",
        action="store_const",
        const=False,
        dest="stop_user_may_change",
        help="users may not choose their own stop time (c.Schedule.user_may_change false); "
        "Keep running still postpones one day's stop",
    )
    group.add_argument(
        "--stop-earliest",
        type=_schedule_value(parse_hhmm, "--stop-earliest"),
        metavar="HH:MM",
        help="the earliest stop time a user may choose (c.Schedule.earliest_stop_at)",
    )
    group.add_argument(
        "--stop-latest",
        type=_schedule_value(parse_hhmm, "--stop-latest"),
        metavar="HH:MM",
        help="the latest stop time a user may choose (c.Schedule.latest_stop_at)",
    )
    group.add_argument(
        "--keep-running-latest",
        type=_schedule_value(parse_hhmm, "--keep-running-latest"),
        metavar="HH:MM",
        help="how late 'keep running until' may postpone a day's stop "
        "(c.Schedule.max_keep_running_until; default 23:59)",
    )
    group.add_argument(
        "--prices-uri",
        metavar="URI",
        help="an admin price snapshot (s3://bucket/key or https://...) every app uses",
    )
    group.add_argument(
        "--inventory-uri",
        metavar="S3_URI",
        help="the shared inventory (s3://BUCKET/PREFIX/, the InventoryUri of `deploy "
        "--inventory`) every app reads its documents from (c.Resources.inventory_uri)",
    )


def policy_from_args(args: argparse.Namespace) -> Policy:
    policy = Policy(
        timeout_minutes=args.timeout_minutes,
        min_timeout_minutes=args.min_timeout_minutes,
        max_timeout_minutes=args.max_timeout_minutes,
        warning_minutes=args.warning_minutes,
        allow_user_override=not args.no_user_override,
        max_idle_usd=args.max_idle_usd,
        action=args.action,
        cpu_threshold_percent=args.cpu_threshold_percent,
        prices_uri=args.prices_uri,
        inventory_uri=args.inventory_uri,
        monthly_budget_usd=getattr(args, "monthly_budget_usd", None),
        over_budget_timeout_minutes=getattr(args, "over_budget_timeout_minutes", None),
        max_job_usd=getattr(args, "max_job_usd", None),
        stop_at=getattr(args, "stop_at", None),
        stop_days=getattr(args, "stop_days", None),
        stop_timezone=getattr(args, "stop_timezone", None),
        stop_user_may_change=getattr(args, "stop_user_may_change", None),
        stop_earliest_at=getattr(args, "stop_earliest", None),
        stop_latest_at=getattr(args, "stop_latest", None),
        stop_max_keep_running_until=getattr(args, "keep_running_latest", None),
    )
    policy.check()
    return policy
