"""The admin's policy file: written by the lifecycle script, read by the extension itself.

jupyter_server reads `jupyter_server_config.d/*.json` only for `jpserver_extensions`, and a
user's `~/.jupyter` config outranks the environment's: a policy written as traitlets config
neither applies nor holds. So the policy is a file of its own, at a fixed place in the
server's environment (`c.SMCost.policy_path`, default `<sys.prefix>/share/jupyter_smcost/
policy.json`), and its values win over any traitlets config for what it governs.

Each value is checked alone with the same parsers as the `jupyter smcost` flags: a bad one is
refused (and reported), the built-in default applies for it (for the override switch:
closed), and the rest stands. A file that
is there but cannot be read still governs: every value is then the built-in default, never
the user's config, and the override switch is closed (fail safe).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config_errors import ConfigError, describe_value
from ..idle.actions import ACTIONS
from ..idle.schedule import ScheduleError, parse_days, parse_hhmm, parse_zone
from ..idle.settings import SettingsError, parse_minutes, parse_usd
from ..statefiles import MISSING, read_json
from .limits import inventory_uri
from .policy import Policy

#: The format of the file; a newer one is read for the fields this version knows.
POLICY_VERSION = 1
POLICY_FILENAME = "policy.json"
#: A policy holds a dozen values; anything much larger is not one.
MAX_POLICY_BYTES = 64 * 1024

#: The admin's price snapshot (c.Pricing.snapshot_path); relative to the policy's folder.
PRICES_FIELD = "prices_path"
#: The shared inventory's s3://BUCKET/PREFIX/ (c.Resources.inventory_uri).
INVENTORY_FIELD = "inventory_uri"
#: The monthly budget's fields, and the `c.Budget` trait each sets.
BUDGET_FIELDS = {
    "monthly_budget_usd": "monthly_usd",
    "over_budget_timeout_minutes": "over_budget_timeout_minutes",
    "max_job_usd": "max_job_usd",
}

#: The schedule's fields, and the `c.Schedule` trait each sets.
SCHEDULE_FIELDS = {
    "stop_at": "stop_at",
    "stop_days": "days",
    "stop_timezone": "timezone",
    "stop_user_may_change": "user_may_change",
    "stop_earliest_at": "earliest_stop_at",
    "stop_latest_at": "latest_stop_at",
    "stop_max_keep_running_until": "max_keep_running_until",
}


def default_policy_path(prefix: str | None = None) -> str:
    """Where the lifecycle script writes the policy: in the server's own environment."""
    return str(Path(prefix or sys.prefix) / "share" / "jupyter_smcost" / POLICY_FILENAME)


def policy_document(policy: Policy, prices_path: str | None = None) -> dict[str, Any]:
    """The policy file's content for `policy` (unset flags are left out: defaults apply)."""
    document: dict[str, Any] = {"jupyter_smcost_policy": POLICY_VERSION, **policy.traits()}
    document["allow_user_override"] = policy.allow_user_override
    if prices_path:
        document[PRICES_FIELD] = prices_path
    if policy.inventory_uri:
        document[INVENTORY_FIELD] = policy.inventory_uri
    document.update(policy.budget_fields())
    document.update(policy.schedule_fields())
    return document


def _bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise SettingsError(400, f"{name} must be true or false, not {describe_value(value)}")
    return value


def _action(value: Any, name: str) -> str:
    if value not in ACTIONS:
        raise SettingsError(400, f"{name} must be one of {', '.join(ACTIONS)}")
    return str(value)


def _percent(value: Any, name: str) -> float:
    percent = parse_minutes(value, name)  # the same number rules
    if percent > 10_000:
        raise SettingsError(400, f"{name} is a percent of one core (at most 10000)")
    return percent


def _optional_usd(value: Any, name: str) -> float | None:
    return None if value is None else parse_usd(value, name)


def _positive_minutes(value: Any, name: str) -> float | None:
    if value is None:
        return None
    minutes = parse_minutes(value, name)
    if minutes <= 0:
        raise SettingsError(400, f"{name} must be above 0 minutes (a tighter timeout)")
    return minutes


def _schedule(parse: Callable[[Any], Any]) -> Callable[[Any, str], Any]:
    def check(value: Any, name: str) -> Any:
        try:
            parsed = parse(value)
        except ScheduleError as err:
            raise SettingsError(400, f"{name}: {err}") from None
        return list(parsed) if isinstance(parsed, tuple) else value

    return check


def _path(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 4096 or "\0" in value:
        raise SettingsError(400, f"{name} must be a file path")
    return value


def _inventory_uri(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise SettingsError(400, f"{name} must be an s3://BUCKET/PREFIX/ address")
    try:
        inventory_uri(value, name)
    except ValueError as err:
        raise SettingsError(400, str(err)) from None
    return value


#: What applies for a refused value when the built-in default would open the policy up: a
#: switch the admin tried to set but misspelled stays closed.
SAFE_ON_REFUSAL: dict[str, Any] = {"allow_user_override": False, "stop_user_may_change": False}

_PARSERS: dict[str, Callable[[Any, str], Any]] = {
    "timeout_minutes": parse_minutes,
    "min_timeout_minutes": parse_minutes,
    "max_timeout_minutes": parse_minutes,
    "warning_minutes": parse_minutes,
    "min_warning_minutes": parse_minutes,
    "allow_user_override": _bool,
    "max_idle_usd": _optional_usd,
    "action": _action,
    "cpu_threshold_percent": _percent,
    PRICES_FIELD: _path,
    INVENTORY_FIELD: _inventory_uri,
    "monthly_budget_usd": _optional_usd,
    "over_budget_timeout_minutes": _positive_minutes,
    "max_job_usd": _optional_usd,
    "stop_at": _schedule(parse_hhmm),
    "stop_days": _schedule(parse_days),
    "stop_timezone": _schedule(parse_zone),
    "stop_user_may_change": _bool,
    "stop_earliest_at": _schedule(parse_hhmm),
    "stop_latest_at": _schedule(parse_hhmm),
    "stop_max_keep_running_until": _schedule(parse_hhmm),
}


@dataclass
class LoadedPolicy:
    """What the policy file says, value by value, and what was refused."""

    path: str
    #: Whether a file is there (readable or not): if so, it governs.
    present: bool = False
    #: The accepted `c.IdleShutdown` values.
    idle: dict[str, Any] = field(default_factory=dict)
    #: The admin's price snapshot, as an absolute path.
    prices_path: str | None = None
    #: The shared inventory's address (s3://BUCKET/PREFIX/), for c.Resources.inventory_uri.
    inventory_uri: str | None = None
    #: The accepted `c.Budget` values, by trait name (a field there: it governs it).
    budget: dict[str, Any] = field(default_factory=dict)
    #: The accepted `c.Schedule` values, by trait name (a field there: it governs it).
    schedule: dict[str, Any] = field(default_factory=dict)
    #: Why the file as a whole could not be read (then every governed value is the default).
    error: str | None = None
    errors: list[ConfigError] = field(default_factory=list)

    def set_safe(self, name: str, value: Any) -> None:
        """A refused field's closed value, where that field's values go."""
        if name in SCHEDULE_FIELDS:
            self.schedule[SCHEDULE_FIELDS[name]] = value
        else:
            self.idle[name] = value

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "present": self.present,
            "error": self.error,
            "values": {
                **self.idle,
                **({PRICES_FIELD: self.prices_path} if self.prices_path else {}),
                **({INVENTORY_FIELD: self.inventory_uri} if self.inventory_uri else {}),
                **{f: self.budget[t] for f, t in BUDGET_FIELDS.items() if t in self.budget},
                **{f: self.schedule[t] for f, t in SCHEDULE_FIELDS.items() if t in self.schedule},
            },
        }


def load_policy(path: str, defaults: dict[str, Any]) -> LoadedPolicy:
    """Read and check the policy at `path`; `defaults` says what applies for a refused value."""
    loaded = LoadedPolicy(path=path)
    data, why = read_json(path, MAX_POLICY_BYTES)
    if why == MISSING:
        return loaded
    loaded.present = True
    if why is None and not isinstance(data, dict):
        why = f"expected a JSON object, found {type(data).__name__}"
    if why is not None:
        loaded.error = why
        loaded.errors.append(
            ConfigError(
                f"policy {path}",
                "",
                f"{why}; every value it governs is the default, and users may not change them",
                None,
            )
        )
        for name, safe in SAFE_ON_REFUSAL.items():
            loaded.set_safe(name, safe)
        return loaded
    assert isinstance(data, dict)
    for name, parse in _PARSERS.items():
        if name not in data:
            continue
        try:
            value = parse(data[name], name)
        except SettingsError as err:
            safe = SAFE_ON_REFUSAL.get(name, defaults.get(name))
            loaded.errors.append(
                ConfigError(f"policy {path}: {name}", describe_value(data[name]), err.message, safe)
            )
            if name in SAFE_ON_REFUSAL:
                loaded.set_safe(name, safe)
            continue
        if name == PRICES_FIELD:
            prices = Path(value)
            loaded.prices_path = str(prices if prices.is_absolute() else Path(path).parent / prices)
        elif name == INVENTORY_FIELD:
            loaded.inventory_uri = value
        elif name in BUDGET_FIELDS:
            loaded.budget[BUDGET_FIELDS[name]] = value
        elif name in SCHEDULE_FIELDS:
            loaded.schedule[SCHEDULE_FIELDS[name]] = value
        else:
            loaded.idle[name] = value
    low, high = loaded.idle.get("min_timeout_minutes"), loaded.idle.get("max_timeout_minutes")
    if low is not None and high is not None and high < low:
        loaded.errors.append(
            ConfigError(
                f"policy {path}: max_timeout_minutes",
                describe_value(high),
                f"below min_timeout_minutes {low:g}",
                low,
            )
        )
        loaded.idle["max_timeout_minutes"] = low
    return loaded
