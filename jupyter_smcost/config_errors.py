"""Settings refused one at a time, and what applies instead (no traitlets import: the
policy file's reader shares it with the fleet check's Lambda, which has no Jupyter).

See tolerant_config.py for why a bad value must be refused alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: How much of a refused value the log and the status repeat.
MAX_VALUE_CHARS = 80


@dataclass(frozen=True)
class ConfigError:
    """One refused setting: where it was given, what it was, why, and what applies instead."""

    setting: str
    value: str
    error: str
    applies: Any

    def to_json(self) -> dict[str, Any]:
        applies = self.applies
        if not (applies is None or isinstance(applies, bool | int | float | str)):
            applies = str(applies)
        return {
            "setting": self.setting,
            "value": self.value,
            "error": self.error,
            "applies": applies,
        }


def describe_value(value: Any) -> str:
    """A refused value as the admin wrote it (CLI strings unwrapped), cut to a safe length."""
    if isinstance(value, str):  # also the command line's DeferredConfigString
        value = str(value)
    elif isinstance(value, list):  # also the command line's DeferredConfigList
        value = [str(item) if isinstance(item, str) else item for item in value]
    text = repr(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 3] + "..."


def log_refused(log: Any, error: ConfigError, rest: str) -> None:
    """The error-level line for one refused setting; `rest` names what still stands."""
    log.error(
        "jupyter-smcost: refusing %s = %s: %s; %r applies (the rest of the %s stands)",
        error.setting,
        error.value,
        error.error,
        error.applies,
        rest,
    )
