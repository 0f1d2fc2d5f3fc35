"""The idle settings in force: the admin's values and bounds, the user's choices, and the
idle policy that follows from them.

Pure logic, no tornado. The admin's values are read live from the configurable that holds
the traits (so a config reload applies at once); the user's values come from the settings
file and from PUT config. Every user value is validated here, whatever its origin: a value
that is not a finite number in range is ignored with a warning, and the admin's value
applies (fail safe, never fail open).
"""

from __future__ import annotations

import logging
import math
import re
from typing import Any, Protocol

from ..errors import ApiError
from .activity import IdlePolicy
from .store import SettingsStore

#: The user fields a settings file or PUT config may carry.
USER_FIELDS = ("timeout_minutes", "warning_minutes", "max_idle_usd")
#: The `c.IdleShutdown` traits an admin policy file governs (admin/policy_file.py).
POLICY_TRAITS = (
    "timeout_minutes",
    "min_timeout_minutes",
    "max_timeout_minutes",
    "warning_minutes",
    "min_warning_minutes",
    "allow_user_override",
    "max_idle_usd",
    "action",
    "cpu_threshold_percent",
)
#: The `c.IdleShutdown` traits these settings are made from (GET config says each's source).
SETTINGS_TRAITS = (
    "timeout_minutes",
    "min_timeout_minutes",
    "max_timeout_minutes",
    "allow_user_override",
    "warning_minutes",
    "min_warning_minutes",
    "max_idle_usd",
)
#: Upper bounds that keep every later computation finite (datetime arithmetic overflows
#: long before float does). Ten years of minutes; a million dollars of idleness.
MAX_MINUTES = 10 * 365 * 24 * 60.0
MAX_USD = 1_000_000.0
#: A number given as a string: plain ASCII decimal digits, nothing else (no spaces, no
#: signs, no exponents, no other scripts' digits).
_NUMBER_TEXT = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,12})?", re.ASCII)


class AdminSettings(Protocol):
    """The admin's traits (`c.IdleShutdown.*`), read live."""

    @property
    def timeout_minutes(self) -> float: ...
    @property
    def min_timeout_minutes(self) -> float: ...
    @property
    def max_timeout_minutes(self) -> float: ...
    @property
    def allow_user_override(self) -> bool: ...
    @property
    def warning_minutes(self) -> float: ...
    @property
    def min_warning_minutes(self) -> float: ...
    @property
    def max_idle_usd(self) -> float | None: ...


class SettingsError(ApiError, ValueError):
    """A user setting that cannot be applied; `status` is the HTTP status to answer with."""


def _number(value: Any, name: str, what: str) -> float:
    """A finite number from JSON (int, float, or plain ASCII decimal text), or SettingsError."""
    if isinstance(value, bool):
        raise SettingsError(400, f"{name} must be {what}, not {value!r}")
    if isinstance(value, str):
        if not _NUMBER_TEXT.fullmatch(value):
            raise SettingsError(400, f"{name} must be {what}, not {value[:40]!r}")
        return float(value)
    if isinstance(value, int):
        if abs(value) > 10**15:
            raise SettingsError(400, f"{name} is too large")
        return float(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise SettingsError(400, f"{name} must be a finite number")
        return value
    raise SettingsError(400, f"{name} must be {what}, not a {type(value).__name__}")


def _bounded(number: float, name: str, high: float, negative: str, ceiling: str) -> float:
    """`number` if in [0, high]; else SettingsError(400) saying `negative` or `ceiling`."""
    if number < 0:
        raise SettingsError(400, f"{name} {negative}")
    if number > high:
        raise SettingsError(400, f"{name} cannot exceed {ceiling}")
    return number


def parse_minutes(value: Any, name: str) -> float:
    """A finite number of minutes in [0, MAX_MINUTES], or SettingsError(400)."""
    minutes = _number(value, name, "a number of minutes")
    negative = f"cannot be negative ({minutes:g})"
    return _bounded(minutes, name, MAX_MINUTES, negative, f"{MAX_MINUTES:g} minutes")


def parse_usd(value: Any, name: str) -> float:
    """A finite amount of USD in [0, MAX_USD], or SettingsError(400)."""
    usd = _number(value, name, "an amount of USD")
    negative = f"must be an amount of USD >= 0, not {usd:g}"
    return _bounded(usd, name, MAX_USD, negative, f"${MAX_USD:,.0f}")


_PARSERS = {
    "timeout_minutes": parse_minutes,
    "warning_minutes": parse_minutes,
    "max_idle_usd": parse_usd,
}


def sanitize_user_settings(data: Any, source: str, log: logging.Logger) -> dict[str, float]:
    """Keep the valid user fields of `data`; warn about everything else."""
    if not isinstance(data, dict):
        log.warning(
            "jupyter-smcost: ignoring %s: expected a JSON object, found %s; the admin's "
            "settings apply",
            source,
            type(data).__name__,
        )
        return {}
    clean: dict[str, float] = {}
    for name, parse in _PARSERS.items():
        if name not in data or data[name] is None:
            continue
        try:
            clean[name] = parse(data[name], name)
        except SettingsError as err:
            log.warning(
                "jupyter-smcost: ignoring %s in %s: %s; the admin's value applies",
                name,
                source,
                err.message,
            )
    return clean


def _ceil_ms(seconds: float) -> float:
    return math.ceil(seconds * 1000) / 1000


def _finite(value: float | None, default: float) -> float:
    """An admin value that is finite and non-negative, else the default (config typos)."""
    if value is None or not math.isfinite(value) or value < 0:
        return default
    return min(float(value), MAX_MINUTES)


class IdleSettings:
    """The values in force and the policy they make."""

    def __init__(
        self,
        admin: AdminSettings,
        store: SettingsStore,
        log: logging.Logger,
        *,
        sources: dict[str, str] | None = None,
        config_choice: dict[str, float] | None = None,
    ) -> None:
        self._admin = admin
        self._store = store
        self.log = log
        #: Where each admin value came from: "policy", "config" or "default".
        self.sources = dict(sources or {})
        #: Under a policy, the timeout, warning and budget that traitlets config gave: a
        #: choice like the user's own (within the bounds, only when users may choose).
        self.config_choice = dict(config_choice or {})
        self.user: dict[str, float] = sanitize_user_settings(store.load(log), str(store.path), log)
        #: This app's $/h once known; the idle budget needs it.
        self.usd_per_hour: float | None = None
        #: The monthly budget's tighter timeout while over it (c.Budget).
        self.over_budget_minutes: float | None = None
        #: Why the last change could not be written to disk, if it could not.
        self.save_error: str | None = None
        #: (budget seconds, limit, policy), derived once per change of an input.
        self._derived: tuple[float | None, str, IdlePolicy] | None = None

    # -- admin values, made safe ---------------------------------------------------------

    @property
    def admin_timeout_minutes(self) -> float:
        return _finite(self._admin.timeout_minutes, 60.0)

    @property
    def min_timeout_minutes(self) -> float:
        return _finite(self._admin.min_timeout_minutes, 0.0)

    @property
    def max_timeout_minutes(self) -> float:
        return max(_finite(self._admin.max_timeout_minutes, MAX_MINUTES), self.min_timeout_minutes)

    @property
    def allow_user_override(self) -> bool:
        return bool(self._admin.allow_user_override)

    @property
    def min_warning_minutes(self) -> float:
        """The shortest warning the admin allows (0: the admin allows none)."""
        return _finite(self._admin.min_warning_minutes, 1.0)

    def _user_value(self, name: str) -> float | None:
        if not self.allow_user_override:
            return None
        value = self.user.get(name)
        return self.config_choice.get(name) if value is None else value

    def source(self, name: str) -> str:
        """Where the value in force for `name` comes from: "user" (the settings file or the
        Settings Editor), "config" (traitlets), "policy" (the admin's file) or "default"."""
        if name in USER_FIELDS and self.allow_user_override:
            if self.user.get(name) is not None:
                return "user"
            if self.config_choice.get(name) is not None:
                return "config"
        return self.sources.get(name, "default")

    # -- the values in force ---------------------------------------------------------------

    def clamp(self, minutes: float) -> float:
        return min(max(minutes, self.min_timeout_minutes), self.max_timeout_minutes)

    @property
    def floor_minutes(self) -> float:
        """The shortest idle time the admin allows before a shutdown.

        `min_timeout_minutes`, unless the admin's own default timeout is shorter: then the
        admin chose that value explicitly, and it is the floor.
        """
        admin = self.admin_timeout_minutes
        floor = self.min_timeout_minutes
        return min(floor, admin) if admin > 0 else floor

    @property
    def chosen_timeout_minutes(self) -> float:
        """The timeout the user (within the bounds) or the admin chose (0: off)."""
        user = self._user_value("timeout_minutes")
        if user is not None:
            return self.clamp(user)
        return self.admin_timeout_minutes

    @property
    def timeout_minutes(self) -> float:
        """The timeout in force (0: off): the chosen one, tightened while the month's budget
        is spent (`set_over_budget`), never below the admin's floor."""
        chosen = self.chosen_timeout_minutes
        cap = self.over_budget_minutes
        if cap is None:
            return chosen
        cap = max(cap, self.floor_minutes)
        return min(chosen, cap) if chosen > 0 else cap

    @property
    def tightened(self) -> bool:
        """Whether the monthly budget's tighter timeout is the one in force."""
        return self.over_budget_minutes is not None and (
            self.timeout_minutes != self.chosen_timeout_minutes
        )

    def set_over_budget(self, minutes: float | None) -> bool:
        """Over the monthly budget: at most `minutes` (None: not over, or no such limit);
        returns whether the timeout in force changed."""
        if minutes is not None and not (math.isfinite(minutes) and minutes > 0):
            minutes = None
        before = self.timeout_minutes
        self.over_budget_minutes = min(minutes, MAX_MINUTES) if minutes is not None else None
        self.invalidate()
        return self.timeout_minutes != before

    def _warning_setting_minutes(self) -> float:
        """The warning as set (the user's if allowed, else the admin's), at least the admin's
        floor; not yet capped at the timeout."""
        user = self._user_value("warning_minutes")
        warning = user if user is not None else _finite(self._admin.warning_minutes, 5.0)
        # Whatever its origin (PUT, settings file, config): 0 or 5e-324 would skip the warning.
        return max(warning, self.min_warning_minutes)

    @property
    def warning_minutes(self) -> float:
        return min(self._warning_setting_minutes(), self.timeout_minutes)

    @property
    def max_idle_usd(self) -> float | None:
        """The idle budget in force; None when there is none (a user's 0 turns it off)."""
        budget = self._user_value("max_idle_usd")
        if budget is None:
            admin = self._admin.max_idle_usd
            budget = admin if admin is not None and math.isfinite(admin) else None
        return min(budget, MAX_USD) if budget is not None and budget > 0 else None

    def set_hourly_rate(self, usd_per_hour: float | None) -> bool:
        """Record the app's price; returns whether that changes the policy."""
        if usd_per_hour is not None and not (math.isfinite(usd_per_hour) and usd_per_hour > 0):
            usd_per_hour = None
        if usd_per_hour == self.usd_per_hour:
            return False
        self.usd_per_hour = usd_per_hour
        self.invalidate()
        return self.max_idle_usd is not None

    def invalidate(self) -> None:
        """Forget the derived values; called on every change of an input (user settings,
        price, admin traits). Every status request reads them several times."""
        self._derived = None

    def _derive(self) -> tuple[float | None, str, IdlePolicy]:
        if self._derived is None:
            budget = self._budget_seconds()
            limit = self._limit(budget)
            self._derived = (budget, limit, self._policy(budget, limit))
        return self._derived

    @property
    def budget_seconds(self) -> float | None:
        return self._derive()[0]

    @property
    def limit(self) -> str:
        """Which limit ends the idle time first: "timeout", "budget" or "none"."""
        return self._derive()[1]

    @property
    def policy(self) -> IdlePolicy:
        return self._derive()[2]

    def _budget_seconds(self) -> float | None:
        """Idle seconds the budget buys at this app's price (None: no budget or no price).

        Never below the admin's floor: the budget is a second limit, not a way under it.
        """
        budget, rate = self.max_idle_usd, self.usd_per_hour
        if budget is None or rate is None:
            return None
        return min(max(budget / rate * 3600.0, self.floor_minutes * 60), MAX_MINUTES * 60)

    def _limit(self, budget: float | None) -> str:
        timeout = self.timeout_minutes * 60
        if budget is not None and (timeout <= 0 or budget < timeout):
            return "budget"
        return "timeout" if timeout > 0 else "none"

    def _policy(self, budget: float | None, limit: str) -> IdlePolicy:
        timeout = self.timeout_minutes * 60
        warning = self._warning_setting_minutes() * 60
        if limit == "budget":
            timeout = budget or 0.0
        # Whole milliseconds, rounded up (never under the floor): datetime arithmetic has
        # microseconds, so a warning of 1e-160 s would be "on" here and nothing on the clock.
        timeout, warning = _ceil_ms(timeout), _ceil_ms(warning)
        return IdlePolicy(timeout_seconds=timeout, warning_seconds=min(warning, timeout))

    # -- the REST view and changes -------------------------------------------------------

    def config_json(self) -> dict[str, Any]:
        return {
            "timeout_minutes": self.timeout_minutes,
            "warning_minutes": self.warning_minutes,
            "min_warning_minutes": self.min_warning_minutes,
            "min_timeout_minutes": self.min_timeout_minutes,
            "max_timeout_minutes": self.max_timeout_minutes,
            "floor_minutes": self.floor_minutes,
            "allow_user_override": self.allow_user_override,
            "user_timeout_minutes": self._user_value("timeout_minutes"),
            "admin_timeout_minutes": self.admin_timeout_minutes,
            "user_warning_minutes": self._user_value("warning_minutes"),
            "admin_warning_minutes": _finite(self._admin.warning_minutes, 5.0),
            "max_idle_usd": self.max_idle_usd,
            "admin_max_idle_usd": self._admin.max_idle_usd,
            "user_max_idle_usd": self._user_value("max_idle_usd"),
            "sources": {name: self.source(name) for name in SETTINGS_TRAITS},
            "saved": self.save_error is None,
            "save_error": self.save_error,
        }

    def update(self, body: Any) -> tuple[bool, list[str]]:
        """Validate, clamp, apply and persist a user's change; raises SettingsError.

        Returns whether the timeout or the warning was clamped, and messages for the user.
        A change that cannot be written to disk still applies for this run, and says so.
        """
        if not self.allow_user_override:
            raise SettingsError(403, "Your administrator does not allow changing the idle timeout.")
        if not isinstance(body, dict) or not (set(USER_FIELDS) & set(body)):
            raise SettingsError(
                400,
                "Expected a JSON object with timeout_minutes, warning_minutes and/or max_idle_usd.",
            )
        updated = dict(self.user)
        messages = []
        clamped = False
        # Parse everything before changing anything: a bad field rejects the whole request.
        parsed = {
            name: None if body[name] is None else _PARSERS[name](body[name], name)
            for name in USER_FIELDS
            if name in body
        }
        for name, value in parsed.items():
            if value is None:
                updated.pop(name, None)
                continue
            if name == "timeout_minutes":
                applied = self.clamp(value)
                if applied != value:
                    clamped = True
                    messages.append(
                        f"Timeout {value:g} min is outside the allowed range "
                        f"{self.min_timeout_minutes:g}-{self.max_timeout_minutes:g} min; "
                        f"using {applied:g} min."
                    )
                value = applied
            elif name == "warning_minutes" and value < self.min_warning_minutes:
                # Clamped like the timeout (not refused): the Settings Editor allows 0.
                clamped = True
                messages.append(
                    f"Warning {value:g} min is below the minimum of "
                    f"{self.min_warning_minutes:g} min; using {self.min_warning_minutes:g} min."
                )
                value = self.min_warning_minutes
            updated[name] = value
        if "timeout_minutes" in parsed and parsed["timeout_minutes"] is None:
            messages.append(f"Timeout reset to the default ({self.admin_timeout_minutes:g} min).")
        self.user = updated
        self.invalidate()
        self.save_error = self._store.save(updated)
        if self.save_error:
            messages.append(
                f"Applied for this session only: the setting could not be saved "
                f"({self.save_error})."
            )
            self.log.warning(
                "jupyter-smcost: the idle settings apply until the server stops but could not "
                "be saved: %s",
                self.save_error,
            )
        return clamped, messages
