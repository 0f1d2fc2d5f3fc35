"""Local AWS emulator for tests and `make demo`: moto plus the SageMaker Studio calls moto
lacks (apps, spaces, user profiles, Studio lifecycle configs, UpdateDomain), with fault
injection, artificial latency and a call log.

Importing this package imports moto (slow) and registers the Studio calls on moto's
SageMaker service, for both `mock_aws` and moto's server. Nothing else in `jupyter_smcost`
may import it.

The controls below are process-wide: they act on every emulator server and `mock_aws`
context in this process. A separate process uses the HTTP routes under `/_smcost/` of a
server started with `start_emulator` (see `server.EmulatorClient`).
"""

from __future__ import annotations

from .models import (
    DEFAULT_DELETE_DELAY_SECONDS,
    CallRecord,
    FakeApp,
    StatusListener,
    control,
    reset_state,
)
from .responses import STUDIO_ACTIONS, register
from .server import Emulator, EmulatorClient, seed_demo, start_emulator

register()


def inject_fault(
    action: str,
    code: str = "AccessDeniedException",
    message: str = "Injected fault: not authorized to perform this action",
    status: int = 400,
    times: int | None = None,
) -> None:
    """Make the next `times` calls of SageMaker `action` (e.g. "DeleteApp"; "*" for every
    action) fail with `code`/`message` and HTTP `status`; `times=None` until cleared.

    Faults queue in the order injected; a 5xx or throttling code is retried by botocore, and
    each retry consumes one `times`.
    """
    control.inject_fault(action, code, message, status, times)


def clear_faults() -> None:
    control.clear_faults()


def set_delay(seconds: float, actions: list[str] | None = None) -> None:
    """Sleep `seconds` before answering each matching SageMaker call (None: every action).

    A later call with the same `actions` replaces the delay; `seconds=0` removes it.
    """
    control.set_delay(seconds, actions)


def set_delete_delay(seconds: float) -> None:
    """How long an app stays `Deleting` after DeleteApp before it reads `Deleted`.

    Applies to DeleteApp calls made after this; default 2 seconds."""
    control.set_delete_delay(seconds)


def call_log() -> list[CallRecord]:
    """The SageMaker calls served, oldest first: (timestamp, action, params) tuples,
    including the calls answered with an injected fault."""
    return control.calls()


def clear_call_log() -> None:
    control.clear_calls()


def add_status_listener(listener: StatusListener) -> None:
    """Call `listener(app, old_status, new_status)` on every app status change served
    (`old_status` is None for a new app). It runs on a server thread: keep it quick."""
    control.add_status_listener(listener)


def remove_status_listener(listener: StatusListener) -> None:
    control.remove_status_listener(listener)


def reset() -> None:
    """Forget all AWS state (as moto's reset) and clear faults, delays and the call log."""
    reset_state()


__all__ = [
    "DEFAULT_DELETE_DELAY_SECONDS",
    "STUDIO_ACTIONS",
    "CallRecord",
    "Emulator",
    "EmulatorClient",
    "FakeApp",
    "StatusListener",
    "add_status_listener",
    "call_log",
    "clear_call_log",
    "clear_faults",
    "inject_fault",
    "remove_status_listener",
    "reset",
    "seed_demo",
    "set_delay",
    "set_delete_delay",
    "start_emulator",
]
