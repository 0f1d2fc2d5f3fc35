"""JSON for responses: never NaN or Infinity (DESIGN.md section 3). No tornado import."""

from __future__ import annotations

import json
import logging
import math
from typing import Any

log = logging.getLogger(__name__)
_COMPACT = (",", ":")


def dumps(document: Any) -> str:
    """Compact JSON; a non-finite number (never expected) becomes null, with a log line."""
    try:
        return json.dumps(document, allow_nan=False, separators=_COMPACT)
    except ValueError:
        log.warning("jupyter-smcost: a response carried a non-finite number; sent as null")
        return json.dumps(_finite(document), allow_nan=False, separators=_COMPACT)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
