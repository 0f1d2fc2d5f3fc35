"""The values the admin tools refuse: hours that would delete apps in use, numbers that are
not numbers, and text that could break out of the place it is written to.

Pure Python (no Jupyter, no traitlets): the fleet check's Lambda handler imports it too.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

#: Deleting apps idle for less than this needs `--force`: the shortest timeout an admin
#: would set on purpose, and Studio's own minimum for its built-in idle shutdown.
MIN_DELETE_IDLE_HOURS = 1.0
#: Studio's bounds for `IdleSettings.IdleTimeoutInMinutes` (the `--backstop-minutes`).
STUDIO_IDLE_MINUTES = (60, 525_600)


def hours(text: str, name: str) -> float:
    """A finite, non-negative number of hours, or ValueError naming the flag."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number of hours, not {text!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number of hours, not {text!r}")
    if value < 0:
        raise ValueError(f"{name} cannot be negative ({value:g})")
    return value


def hours_flag(name: str) -> Callable[[str], float]:
    """`hours` as an argparse type (a bad value: usage error, exit 2)."""

    def parse(text: str) -> float:
        try:
            return hours(text, name)
        except ValueError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    return parse


def check_delete_hours(value: float, name: str, *, force: bool, force_name: str) -> None:
    """Refuse a deletion threshold that would take apps in use: 0 (every app is idle) always,
    under MIN_DELETE_IDLE_HOURS unless forced."""
    if not math.isfinite(value) or value <= 0:
        raise ValueError(
            f"{name} {value:g} would delete every running app, including ones in use; "
            f"give at least {MIN_DELETE_IDLE_HOURS:g}"
        )
    if value < MIN_DELETE_IDLE_HOURS and not force:
        raise ValueError(
            f"{name} {value:g} is under {MIN_DELETE_IDLE_HOURS:g} h and would delete apps "
            f"that were used minutes ago; give at least {MIN_DELETE_IDLE_HOURS:g}, or "
            f"{force_name} if you mean it"
        )


def check_text(value: str | None, name: str) -> None:
    """Refuse control characters (a newline above all): every value lands on one line of a
    script, a log or an AWS parameter."""
    if value and any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError(f"{name} cannot contain a newline or other control character")
