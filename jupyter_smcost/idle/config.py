"""`c.IdleShutdown`: the admin's idle timeout, its bounds, the warning and the action.

The checker (checker.py) subclasses this class under the same name, so config sets, and
refuses, these traits as `c.IdleShutdown.*`; the app lists this class for the docs.
"""

from __future__ import annotations

import math
from typing import Any

from traitlets import Bool, Enum, Float, Int, List, TraitError, Unicode, validate
from traitlets.config import LoggingConfigurable

from ..tolerant_config import TolerantConfig
from .actions import ACTIONS
from .history import DEFAULT_LIMIT as HISTORY_LIMIT
from .history import MAX_LIMIT as HISTORY_MAX
from .schedule import (
    DEFAULT_DAYS,
    ScheduleError,
    SchedulePolicy,
    parse_days,
    parse_hhmm,
    parse_zone,
)
from .settings import MAX_MINUTES, MAX_USD
from .studio_activity import DEFAULT_PATH as STUDIO_ACTIVITY_FILE


def _in_range(proposal: Any, low: float, high: float, unit: str) -> float:
    """A trait's proposed number if finite and in [low, high]; else TraitError (refused)."""
    value = float(proposal["value"])
    if not (math.isfinite(value) and low <= value <= high):
        name = proposal["trait"].name
        raise TraitError(f"c.IdleShutdown.{name} must be {low:g} to {high:g} {unit}, not {value!r}")
    return value


class IdleShutdown(TolerantConfig, LoggingConfigurable):
    """Shut the app down after a period without real activity."""

    timeout_minutes = Float(
        60.0, help="Idle minutes before shutdown (0 disables). The admin's default."
    ).tag(config=True)
    min_timeout_minutes = Float(5.0, help="The lowest timeout a user may set.").tag(config=True)
    max_timeout_minutes = Float(1440.0, help="The highest timeout a user may set.").tag(config=True)
    allow_user_override = Bool(True, help="Whether users may change the timeout.").tag(config=True)
    warning_minutes = Float(
        5.0, help="Minutes of warning before the shutdown (at least min_warning_minutes)."
    ).tag(config=True)
    min_warning_minutes = Float(
        1.0,
        help="The shortest warning, whoever sets it (a user, config, a change at run time); "
        "never more than the timeout. 0 allows no warning.",
    ).tag(config=True)
    check_interval_seconds = Float(
        30.0, help="How often to check; the checker also wakes at the deadline."
    ).tag(config=True)
    cpu_threshold_percent = Float(
        10.0,
        help="CPU use (percent of one core) above which a user process counts as activity; "
        "0 disables the signal.",
    ).tag(config=True)
    action = Enum(
        list(ACTIONS),
        default_value="auto",
        help="What to do at the timeout. auto: delete the Studio app, stop the notebook "
        "instance, or (anywhere else) only log it.",
    ).tag(config=True)
    save_timeout_seconds = Float(
        30.0, help="How long to wait for open tabs to save their documents."
    ).tag(config=True)
    block_on_unsaved = Bool(
        True, help="Postpone the shutdown by one warning period when a document fails to save."
    ).tag(config=True)
    delete_jupyter_server_app = Bool(
        False, help="Studio Classic: also delete the (free) JupyterServer app."
    ).tag(config=True)
    retry_seconds = Float(
        30.0, help="First pause before retrying a failed shutdown action (then doubling)."
    ).tag(config=True)
    max_idle_usd = Float(
        None,
        allow_none=True,
        help="Idle budget in USD: also shut down once the idle time has cost this much at "
        "this app's hourly price, whichever comes first with the timeout (None: no budget). "
        "Users may change it when allow_user_override is true.",
    ).tag(config=True)
    studio_activity_file = Unicode(
        STUDIO_ACTIVITY_FILE,
        help="The timestamp file Studio's own idle shutdown reads: real activity in JupyterLab "
        "tabs is written to it (at most every 10 s), and a newer timestamp in it from another "
        "tool (Code Editor, AWS Toolkit) counts as activity. Empty: neither. Outside Studio "
        "(local mode, notebook instances) it is off unless set explicitly.",
    ).tag(config=True)

    history_entries = Int(
        HISTORY_LIMIT,
        help="How many idle events (warnings, postponements, Keep running, shutdowns) the "
        f"user's history in the state directory keeps, the oldest dropped first (1-{HISTORY_MAX}"
        "; GET history).",
    ).tag(config=True)

    #: A misspelt override switch stays closed.
    safe_on_refusal = {"allow_user_override": False}

    @validate(
        "timeout_minutes",
        "min_timeout_minutes",
        "max_timeout_minutes",
        "warning_minutes",
        "min_warning_minutes",
    )
    def _valid_minutes(self, proposal: Any) -> float:
        return _in_range(proposal, 0.0, MAX_MINUTES, "minutes")

    @validate("check_interval_seconds", "save_timeout_seconds", "retry_seconds")
    def _valid_seconds(self, proposal: Any) -> float:
        value = _in_range(proposal, 0.0, 24 * 3600.0, "seconds")
        if value <= 0:
            raise TraitError(f"c.IdleShutdown.{proposal['trait'].name} must be above 0 seconds")
        return value

    @validate("cpu_threshold_percent")
    def _valid_percent(self, proposal: Any) -> float:
        return _in_range(proposal, 0.0, 10_000.0, "percent of one core")

    @validate("history_entries")
    def _valid_history_entries(self, proposal: Any) -> int:
        value = int(proposal["value"])
        if not 1 <= value <= HISTORY_MAX:
            raise TraitError(f"c.IdleShutdown.history_entries must be 1 to {HISTORY_MAX}")
        return value

    @validate("max_idle_usd")
    def _valid_usd(self, proposal: Any) -> float | None:
        if proposal["value"] is None:
            return None
        return _in_range(proposal, 0.0, MAX_USD, "USD")


class Schedule(TolerantConfig, LoggingConfigurable):
    """Working hours: stop the app at a time of day (schedule.py has the logic)."""

    stop_at = Unicode(
        "",
        help='The daily stop time, 24 h "HH:MM" in `timezone` (e.g. "19:00"); "" for no '
        "scheduled stop. It gets the same warning, save and Keep running as an idle "
        "shutdown, and never stops a busy kernel without the user's consent.",
    ).tag(config=True)
    days = List(
        Unicode(),
        default_value=list(DEFAULT_DAYS),
        help='The days the stop applies to, "mon" to "sun".',
    ).tag(config=True)
    timezone = Unicode(
        "",
        help='The IANA time zone of stop_at (e.g. "Europe/Berlin"); "" for the user\'s own, '
        "as their browser reports it (UTC until it does).",
    ).tag(config=True)
    user_may_change = Bool(
        True, help="Whether users may set their own stop time (within the bounds)."
    ).tag(config=True)
    earliest_stop_at = Unicode(
        "", help='The earliest stop time a user may choose, "HH:MM"; "" for no bound.'
    ).tag(config=True)
    latest_stop_at = Unicode(
        "", help='The latest stop time a user may choose, "HH:MM"; "" for no bound.'
    ).tag(config=True)
    max_keep_running_until = Unicode(
        "",
        help='The latest local time a user may postpone one day\'s stop to, "HH:MM"; "" for '
        "the end of the day (23:59).",
    ).tag(config=True)

    #: A misspelt switch stays closed.
    safe_on_refusal = {"user_may_change": False}

    @validate("stop_at", "earliest_stop_at", "latest_stop_at", "max_keep_running_until")
    def _valid_time(self, proposal: Any) -> str:
        value = proposal["value"]
        if value:
            try:
                parse_hhmm(value, f"c.Schedule.{proposal['trait'].name}")
            except ScheduleError as err:
                raise TraitError(str(err)) from None
        return str(value)

    @validate("days")
    def _valid_days(self, proposal: Any) -> list[str]:
        try:
            return list(parse_days(list(proposal["value"])))
        except ScheduleError as err:
            raise TraitError(f"c.Schedule.days: {err}") from None

    @validate("timezone")
    def _valid_zone(self, proposal: Any) -> str:
        value = proposal["value"]
        if value:
            try:
                parse_zone(value)
            except ScheduleError as err:
                raise TraitError(f"c.Schedule.timezone: {err}") from None
        return str(value)

    def to_policy(self) -> SchedulePolicy:
        return SchedulePolicy(
            stop_at=self.stop_at,
            days=tuple(self.days),
            timezone=self.timezone,
            user_may_change=self.user_may_change,
            earliest_stop_at=self.earliest_stop_at,
            latest_stop_at=self.latest_stop_at,
            max_keep_running_until=self.max_keep_running_until,
        )
