"""Reading the small JSON files the extension keeps or is given, fail safe.

Whatever is at the path (a FIFO, a directory, a symlink, a huge or hostile file), `read_json`
returns quickly: the parsed value, or why it could not be read, in words. It never blocks
(a FIFO opens without waiting for a writer) and never reads more than `max_bytes`.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

#: The file is not there: not an error, just nothing to read.
MISSING = "missing"


def read_json(path: str | Path, max_bytes: int) -> tuple[Any, str | None]:
    """(value, None) on success; (None, MISSING) when absent; (None, why) otherwise."""
    try:
        # O_NONBLOCK: opening a FIFO for reading must not wait for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return None, MISSING
    except OSError as err:
        return None, f"cannot open it ({err.strerror or err})"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, "it is not a regular file"
        if info.st_size > max_bytes:
            return None, f"it is {info.st_size} bytes, more than {max_bytes}"
        with os.fdopen(fd, "rb") as handle:
            fd = -1
            raw = handle.read(max_bytes + 1)
    except OSError as err:
        return None, f"cannot read it ({err.strerror or err})"
    finally:
        if fd >= 0:
            os.close(fd)
    if len(raw) > max_bytes:
        return None, f"it is more than {max_bytes} bytes"
    try:
        return json.loads(raw.decode("utf-8")), None
    except RecursionError:
        return None, "it is nested too deeply"
    except (UnicodeDecodeError, ValueError) as err:
        return None, f"it is not valid JSON ({err})"
