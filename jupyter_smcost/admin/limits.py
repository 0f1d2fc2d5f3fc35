"""The values the admin tools refuse: hours that would delete apps in use, numbers that are
not numbers, and text that could break out of the place it is written to.

Pure Python (no Jupyter, no traitlets): the fleet check's Lambda handler imports it too.
"""

from __future__ import annotations

import argparse
import math
import re
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


#: The inventory's prefix unless the admin gives another (deploy/inventory.yaml's default).
INVENTORY_PREFIX = "jupyter-smcost/inventory/"
#: S3's rules for a bucket name: 3-63 lowercase letters, digits, dots and hyphens, a letter
#: or digit at each end, no two dots together, not an IP address, none of AWS's reserved
#: prefixes and suffixes.
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_RESERVED_BUCKET = (("xn--", "sthree-", "amzn-s3-demo-"),
                    ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"))  # fmt: skip
#: A prefix's folders: S3's safe characters only (no IAM wildcard or policy variable: the
#: prefix lands in the user policy's resource ARN).
_PREFIX = re.compile(r"([A-Za-z0-9!_.'()-]+/)*")


def check_bucket(bucket: str, name: str) -> str:
    """An S3 bucket name by S3's rules, or ValueError naming the flag."""
    if not _BUCKET.fullmatch(bucket) or ".." in bucket:
        raise ValueError(
            f"{name}: {bucket!r} is not an S3 bucket name (3-63 lowercase letters, digits, "
            "dots and hyphens, a letter or digit at each end)"
        )
    if (
        re.fullmatch(r"\d+\.\d+\.\d+\.\d+", bucket)
        or bucket.startswith(_RESERVED_BUCKET[0])
        or bucket.endswith(_RESERVED_BUCKET[1])
    ):
        raise ValueError(f"{name}: {bucket!r} is not an S3 bucket name S3 allows")
    return bucket


def inventory_uri(uri: str, name: str = "--inventory-uri") -> tuple[str, str]:
    """`s3://BUCKET/PREFIX/` as (bucket, prefix), the prefix ending with `/` (empty: the
    bucket's root); ValueError naming the flag for anything else."""
    check_text(uri, name)
    if not uri.startswith("s3://"):
        raise ValueError(f"{name} must be an s3://BUCKET/PREFIX/ address, not {uri!r}")
    bucket, slash, prefix = uri[len("s3://") :].partition("/")
    check_bucket(bucket, name)
    if not slash or (prefix and not prefix.endswith("/")):
        raise ValueError(
            f"{name} {uri!r}: the prefix must end with / (e.g. s3://{bucket}/{INVENTORY_PREFIX})"
        )
    if not _PREFIX.fullmatch(prefix):
        raise ValueError(
            f"{name} {uri!r}: the prefix may hold letters, digits and !_.'()- between single "
            "slashes only"
        )
    return bucket, prefix
