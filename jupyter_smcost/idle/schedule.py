"""Working hours: the scheduled stop ("stops at 19:00"), pure, with an injected clock.

The admin's `c.Schedule` (config.py) gives a daily stop time, the days it applies to, a
time zone and the bounds a user may move the stop time within. The user may choose their
own stop time within those bounds and may postpone one day's stop ("keep running until
22:30"). This module turns those into instants in UTC; it does no I/O and imports no
tornado, so the checker and the REST handler share it and tests drive it with any clock.

Decisions (docs/users.md, docs/admins.md):

- A user's `stop_at` of null clears the user's own choice: the admin's stop time applies
  again (a user cannot remove the admin's schedule, only move it within the bounds).
- A stop is due only if it comes after `armed_from` (the server's start, or the last stop
  that was handled): a server started at 20:00 is not stopped at once for the 19:00 stop.
- `keep_running_until` postpones only the stop of the local day it was set for; once that
  day's stop is past (or the instant itself is past) it has no further effect.
- Times that do not exist (the spring-forward gap) are read as the wall time before the
  change (zoneinfo's fold=0), so 02:30 on such a day is 03:30 local; times that exist twice
  (the autumn change) are the first one.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..statefiles import stored_time

#: The day names, Monday first (datetime.weekday() is the index).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_DAYS = WEEKDAYS[:5]
#: "end of day" when the admin gives no max_keep_running_until.
END_OF_DAY = "23:59"

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class ScheduleError(ValueError):
    """Bad input: the message says what was expected (400)."""


class ScheduleForbidden(ScheduleError):
    """A user change that the admin's policy does not allow (403)."""


def parse_hhmm(value: Any, what: str = "time") -> time:
    """A 24 h "HH:MM" string as a time; ScheduleError otherwise."""
    if not isinstance(value, str) or not _HHMM.match(value):
        raise ScheduleError(f'{what} must be a 24 h time like "19:00", not {value!r}')
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def parse_days(value: Any) -> tuple[str, ...]:
    """Days as a list of "mon".."sun" or a string "mon-fri" / "mon,wed,fri"; Monday first."""
    items: list[str]
    if isinstance(value, str):
        items = []
        for part in value.replace(" ", "").lower().split(","):
            if "-" in part:
                first, _, last = part.partition("-")
                if first not in WEEKDAYS or last not in WEEKDAYS:
                    raise ScheduleError(f"days must name mon..sun, not {part!r}")
                i, j = WEEKDAYS.index(first), WEEKDAYS.index(last)
                span = range(i, j + 1) if i <= j else [*range(i, 7), *range(0, j + 1)]
                items.extend(WEEKDAYS[k] for k in span)
            elif part:
                items.append(part)
    elif isinstance(value, (list, tuple)):
        items = [str(v).lower() if isinstance(v, str) else repr(v) for v in value]
    else:
        raise ScheduleError(f"days must be a list of mon..sun, not {value!r}")
    bad = [d for d in items if d not in WEEKDAYS]
    if bad:
        raise ScheduleError(f"days must be mon, tue, wed, thu, fri, sat or sun, not {bad[0]!r}")
    return tuple(d for d in WEEKDAYS if d in items)


def parse_zone(value: Any) -> ZoneInfo:
    """An IANA time zone name as a ZoneInfo; ScheduleError otherwise."""
    if not isinstance(value, str) or not value or len(value) > 64 or ".." in value:
        raise ScheduleError(f'timezone must be an IANA name like "Europe/Berlin", not {value!r}')
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleError(f"unknown timezone {value!r}") from exc


def iso(value: datetime | None) -> str | None:
    """An instant as ISO 8601 in UTC ("...Z"), or None."""
    if value is None:
        return None
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class SchedulePolicy:
    """The admin's schedule (c.Schedule or the policy file); "" means not set."""

    stop_at: str = ""
    days: tuple[str, ...] = DEFAULT_DAYS
    timezone: str = ""
    user_may_change: bool = True
    earliest_stop_at: str = ""
    latest_stop_at: str = ""
    max_keep_running_until: str = ""

    def __post_init__(self) -> None:
        for name in ("stop_at", "earliest_stop_at", "latest_stop_at", "max_keep_running_until"):
            text = getattr(self, name)
            if text:
                parse_hhmm(text, name)
        if self.timezone:
            parse_zone(self.timezone)
        object.__setattr__(self, "days", parse_days(list(self.days)))

    def within_bounds(self, stop_at: str) -> bool:
        low, high = self.earliest_stop_at, self.latest_stop_at
        # "HH:MM" strings compare as times.
        return (not low or stop_at >= low) and (not high or stop_at <= high)

    def bounds_text(self) -> str:
        low = self.earliest_stop_at or "00:00"
        high = self.latest_stop_at or "23:59"
        return f"the admin allows a stop time from {low} to {high}"


@dataclass
class UserSchedule:
    """The user's own choices, persisted in the state directory (to_json/from_json)."""

    stop_at: str | None = None
    timezone: str | None = None
    keep_running_until: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "stop_at": self.stop_at,
            "timezone": self.timezone,
            "keep_running_until": iso(self.keep_running_until),
        }

    @classmethod
    def from_json(cls, value: Any) -> tuple[UserSchedule, list[str]]:
        """The stored choices, dropping (and naming) each value that is not valid."""
        dropped: list[str] = []
        user = cls()
        if not isinstance(value, dict):
            return user, ([] if value in (None, {}) else ["the schedule file"])
        stop_at = value.get("stop_at")
        if stop_at is not None:
            try:
                parse_hhmm(stop_at)
                user.stop_at = stop_at
            except ScheduleError:
                dropped.append("stop_at")
        zone = value.get("timezone")
        if zone is not None:
            try:
                parse_zone(zone)
                user.timezone = zone
            except ScheduleError:
                dropped.append("timezone")
        until = value.get("keep_running_until")
        if until is not None:
            user.keep_running_until = stored_time(until)
            if user.keep_running_until is None:
                dropped.append("keep_running_until")
        return user, dropped


@dataclass
class Schedule:
    """The admin's policy and the user's choices together: what applies and when."""

    policy: SchedulePolicy = field(default_factory=SchedulePolicy)
    user: UserSchedule = field(default_factory=UserSchedule)

    # What applies.

    @property
    def source(self) -> str | None:
        if self.user.stop_at and self.policy.user_may_change:
            return "user"
        return "admin" if self.policy.stop_at else None

    @property
    def stop_at(self) -> str | None:
        source = self.source
        if source == "user":
            return self.user.stop_at
        return self.policy.stop_at if source == "admin" else None

    @property
    def timezone_name(self) -> str:
        return self.policy.timezone or self.user.timezone or "UTC"

    @property
    def zone(self) -> ZoneInfo:
        return parse_zone(self.timezone_name)

    @property
    def max_keep_running_until(self) -> str:
        return self.policy.max_keep_running_until or END_OF_DAY

    # When.

    def _local_stop(self, day: date) -> datetime | None:
        stop_at = self.stop_at
        if stop_at is None or WEEKDAYS[day.weekday()] not in self.policy.days:
            return None
        return datetime.combine(day, parse_hhmm(stop_at), tzinfo=self.zone)

    def planned_stop_after(self, after: datetime) -> datetime | None:
        """The first scheduled stop strictly after `after` (UTC), keep-running ignored."""
        if self.stop_at is None or not self.policy.days:
            return None
        start = after.astimezone(self.zone).date()
        for offset in range(-1, 9):
            local = self._local_stop(start + timedelta(days=offset))
            if local is not None:
                instant = local.astimezone(timezone.utc)
                if instant > after:
                    return instant
        return None

    def next_stop(self, after: datetime) -> datetime | None:
        """The first stop after `after`, postponed by keep_running_until for its day."""
        planned = self.planned_stop_after(after)
        until = self.user.keep_running_until
        if planned is None or until is None:
            return planned
        zone = self.zone
        if until > planned and until.astimezone(zone).date() == planned.astimezone(zone).date():
            return until
        return planned

    def keep_running_applies(self, after: datetime) -> bool:
        planned = self.planned_stop_after(after)
        return planned is not None and self.next_stop(after) != planned

    # Changes.

    def set_keep_running_until(self, value: Any, now: datetime) -> None:
        """Postpone today's stop to local time `value` ("HH:MM"); None cancels."""
        if value is None:
            self.user.keep_running_until = None
            return
        wanted = parse_hhmm(value, "keep_running_until")
        limit = self.max_keep_running_until
        if value > limit:
            raise ScheduleForbidden(
                f"keep_running_until {value} is later than the admin allows ({limit})"
            )
        zone = self.zone
        instant = datetime.combine(now.astimezone(zone).date(), wanted, tzinfo=zone)
        instant = instant.astimezone(timezone.utc)
        if instant <= now:
            raise ScheduleError(f"keep_running_until {value} has already passed today")
        self.user.keep_running_until = instant

    def postpone(self, now: datetime, seconds: float) -> None:
        """Keep running during a scheduled warning: today's stop moves to now + seconds,
        no later than max_keep_running_until (the stop then happens at that limit)."""
        zone = self.zone
        local_now = now.astimezone(zone)
        limit = datetime.combine(local_now.date(), parse_hhmm(self.max_keep_running_until), zone)
        wanted = now + timedelta(seconds=max(seconds, 0.0))
        until = min(wanted, limit.astimezone(timezone.utc))
        current = self.user.keep_running_until
        if until > now and (current is None or until > current):
            self.user.keep_running_until = until

    def update(self, body: Any, now: datetime) -> None:
        """Apply a PUT schedule body (any subset); all or nothing."""
        if not isinstance(body, dict):
            raise ScheduleError("the body must be a JSON object")
        unknown = sorted(set(body) - {"stop_at", "timezone", "keep_running_until"})
        if unknown:
            raise ScheduleError(f"unknown field {unknown[0]!r}")
        trial = Schedule(
            self.policy,
            UserSchedule(self.user.stop_at, self.user.timezone, self.user.keep_running_until),
        )
        if "timezone" in body:
            parse_zone(body["timezone"])
            trial.user.timezone = body["timezone"]
        if "stop_at" in body:
            stop_at = body["stop_at"]
            if stop_at is not None:
                parse_hhmm(stop_at, "stop_at")
                if not self.policy.user_may_change:
                    raise ScheduleForbidden(
                        "the admin does not allow users to change the stop time"
                    )
                if not self.policy.within_bounds(stop_at):
                    raise ScheduleForbidden(
                        f"stop_at {stop_at} is outside the admin's bounds: "
                        f"{self.policy.bounds_text()}"
                    )
            trial.user.stop_at = stop_at
        if "keep_running_until" in body:
            trial.set_keep_running_until(body["keep_running_until"], now)
        self.user = trial.user

    def forget_stale(self, now: datetime) -> bool:
        """Drop a keep_running_until that is past; True if something changed."""
        until = self.user.keep_running_until
        if until is not None and until <= now:
            self.user.keep_running_until = None
            return True
        return False

    # JSON.

    def to_json(self, armed_from: datetime, now: datetime) -> dict[str, Any]:
        """The GET schedule document."""
        after = armed_from
        until = self.user.keep_running_until
        return {
            "stop_at": self.stop_at,
            "days": list(self.policy.days),
            "timezone": self.timezone_name,
            "next_stop": iso(self.next_stop(after)),
            "keep_running_until": iso(until) if until is not None and until > now else None,
            "source": self.source,
            "user_may_change": self.policy.user_may_change,
            "earliest_stop_at": self.policy.earliest_stop_at or None,
            "latest_stop_at": self.policy.latest_stop_at or None,
            "max_keep_running_until": self.max_keep_running_until,
        }

    def status_json(self, armed_from: datetime, now: datetime) -> dict[str, Any] | None:
        """The `schedule` field of GET status, or None without a schedule."""
        doc = self.to_json(armed_from, now)
        if doc["stop_at"] is None:
            return None
        return {k: doc[k] for k in ("stop_at", "next_stop", "keep_running_until")}


class ScheduleFile(Protocol):
    """Where the user's choices persist (a SettingsStore on `schedule.json`)."""

    def load(self, log: logging.Logger | None = None) -> Any: ...

    def save(self, data: dict[str, Any]) -> str | None: ...


@dataclass(frozen=True)
class ScheduledDeadline:
    """The scheduled stop that is pending: when the warning starts and when it stops."""

    deadline: datetime
    warn_at: datetime


class ScheduledStop:
    """The schedule over the server's life: what is pending, the user's changes (saved),
    the Keep running of a scheduled warning, and the user's consent to stop busy work.

    `armed_from` is the server's start, then each handled stop: only a stop after it is
    due. The checker (checker.py) combines the pending stop with the idle deadline.
    """

    def __init__(
        self,
        policy: SchedulePolicy,
        store: ScheduleFile | None,
        started: datetime,
        log: logging.Logger,
    ) -> None:
        self.store = store
        self.log = log
        user = UserSchedule()
        if store is not None:
            user, dropped = UserSchedule.from_json(store.load(log))
            if dropped:
                log.warning("jupyter-smcost: ignored invalid saved schedule values: %s", dropped)
        self.schedule = Schedule(policy, user)
        self.armed_from = started
        #: The user agreed to stop busy kernels for the pending stop ("stop now").
        self.consent = False
        #: The pending stop whose warning started, and when it started.
        self._warned: tuple[datetime, datetime] | None = None
        #: The save error of the last change, shown with the schedule (None: saved).
        self.save_error: str | None = None

    def pending(self, now: datetime, warning_seconds: float) -> ScheduledDeadline | None:
        try:
            deadline = self.schedule.next_stop(self.armed_from)
        except ScheduleError:
            return None
        if deadline is None:
            return None
        warning = timedelta(seconds=max(warning_seconds, 0.0))
        warn_at = deadline - warning
        if now < warn_at:
            return ScheduledDeadline(deadline, warn_at)
        # The warning is (being) given: the stop never comes sooner than a full warning
        # after it started, even for a stop that was already due (e.g. a cancelled keep
        # running, or a change of stop time to a past minute).
        if self._warned is None or self._warned[0] != deadline:
            self._warned = (deadline, now)
        started = self._warned[1]
        return ScheduledDeadline(max(deadline, started + warning), min(warn_at, started))

    def handled(self, now: datetime) -> None:
        """Today's stop happened (or was refused for good): the next one is pending."""
        self.armed_from = now
        self.consent = False
        if self.schedule.forget_stale(now):
            self._save()

    def keep_running(self, now: datetime, seconds: float) -> None:
        self.schedule.postpone(now, seconds)
        self.consent = False
        self._save()

    def update(self, body: Any, now: datetime) -> None:
        if isinstance(body, dict) and "stop_now" in body:
            if body["stop_now"] is not True:
                raise ScheduleError("stop_now must be true")
            self.consent = True
            body = {k: v for k, v in body.items() if k != "stop_now"}
        self.schedule.update(body, now)
        self._save()

    def to_json(self, now: datetime) -> dict[str, Any]:
        return self.schedule.to_json(self.armed_from, now)

    def status_json(self, now: datetime) -> dict[str, Any] | None:
        return self.schedule.status_json(self.armed_from, now)

    def _save(self) -> None:
        if self.store is None:
            return
        self.save_error = self.store.save(self.schedule.user.to_json())
        if self.save_error:
            self.log.warning("jupyter-smcost: the schedule is not saved: %s", self.save_error)
