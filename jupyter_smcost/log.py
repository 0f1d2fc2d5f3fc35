"""The extension's module loggers (`logging.getLogger(__name__)`, all under `jupyter_smcost`)
log through the Jupyter server's own logger while the extension runs.

Without this they are children of the root logger: their info lines are dropped (root is at
WARNING) and their warnings print bare, without Jupyter's "[W 2026-... name]" format. Making
the package logger a child of the server's gives them the server's handlers and level.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

PACKAGE = logging.getLogger("jupyter_smcost")


def follow_server_log(server_log: logging.Logger | logging.LoggerAdapter) -> Callable[[], None]:
    """Make the package logger a child of `server_log`; returns what undoes it (a stopped
    extension must not hold on to its server's logger: tests run several servers)."""
    parent = server_log.logger if isinstance(server_log, logging.LoggerAdapter) else server_log
    before = (PACKAGE.parent, PACKAGE.level, PACKAGE.propagate)
    PACKAGE.parent = parent
    PACKAGE.propagate = True
    # NOTSET: the server's level applies (INFO unless --log-level). setLevel also clears the
    # loggers' cached levels, which still follow the old parent.
    PACKAGE.setLevel(logging.NOTSET)

    def undo() -> None:
        if PACKAGE.parent is parent:
            PACKAGE.parent, _, PACKAGE.propagate = before
            PACKAGE.setLevel(before[1])

    return undo
