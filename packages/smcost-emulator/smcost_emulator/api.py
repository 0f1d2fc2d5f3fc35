"""The emulator in this process: its services registered on moto, and the process-wide
controls as functions.

Importing this module imports moto (slow) and registers the Studio calls on moto's
SageMaker service, and the emulator's CloudWatch and Cost Explorer responses on theirs, for
both `mock_aws` and moto's server. The package imports it on first use of a name below
(see `smcost_emulator.__init__`).

The controls are process-wide: they act on every emulator server and `mock_aws` context in
this process. A separate process uses the HTTP routes under `/_smcost/` of a server
started with `start_emulator` (`EmulatorClient`, the same methods).
"""

from __future__ import annotations

from typing import Any

from .ce import urls as ce_urls
from .cloudwatch import urls as cloudwatch_urls
from .control import (
    DEFAULT_DELETE_DELAY_SECONDS,
    CallRecord,
    Clock,
    StatusListener,
    ThrottledCallRecord,
    control,
)
from .facade import DEFAULT_THROTTLE_RATE, UNSET, Controls
from .pricing.models import DEMO_NOTE
from .routes import dispatch
from .sagemaker_studio import urls as sagemaker_urls
from .sagemaker_studio.jobs import JOB_KINDS
from .sagemaker_studio.models import FakeApp
from .sagemaker_studio.responses import (
    EMULATED_ACTIONS,
    JOB_ACTIONS,
    STUDIO_ACTIONS,
    TAG_ACTIONS,
)
from .sagemaker_studio.state import RESOURCE_KINDS, set_state
from .seed.demo import seed_demo

sagemaker_urls.register()
cloudwatch_urls.register()
ce_urls.register()


class InProcessControls(Controls):
    """The controls of this process's emulator: `routes.dispatch` called directly, its
    errors raised as they are. `endpoint_url` is the server's (None: no server, so no
    `seed_demo` or `client`)."""

    def __init__(self, endpoint_url: str | None = None) -> None:
        self.endpoint_url = endpoint_url

    def _call(self, method: str, route: str, body: dict[str, Any] | None = None) -> Any:
        return dispatch(method, route, body, self.endpoint_url)

    def call_log(self) -> list[CallRecord]:
        """The calls served, oldest first, as `CallRecord`s: (timestamp, action, params)
        tuples whose `.service` is "sagemaker", "pricing", "cloudwatch" or "ce"."""
        return control.calls()

    def set_throttle_clock(self, clock: Clock | None) -> None:
        """What the throttle's buckets read as now, in seconds (None: time.monotonic,
        which `reset` restores): a test's fake clock makes the refill deterministic.
        In process only (a clock does not travel over HTTP)."""
        control.set_throttle_clock(clock)


_process = InProcessControls()

inject_fault = _process.inject_fault
clear_faults = _process.clear_faults
set_delay = _process.set_delay
set_delete_delay = _process.set_delete_delay
set_throttle = _process.set_throttle
set_throttle_clock = _process.set_throttle_clock
throttle_settings = _process.throttle_settings
throttled_calls = _process.throttled_calls
call_log = _process.call_log
clear_call_log = _process.clear_call_log
reset = _process.reset
add_price = _process.add_price
remove_price = _process.remove_price
price_list_products = _process.prices
set_price_page_size = _process.set_price_page_size
set_savings_plan_recommendation = _process.set_savings_plan_recommendation


def add_status_listener(listener: StatusListener) -> None:
    """Call `listener(app, old_status, new_status)` on every app status change served
    (`old_status` is None for a new app). It runs on a server thread: keep it quick."""
    control.add_status_listener(listener)


def remove_status_listener(listener: StatusListener) -> None:
    control.remove_status_listener(listener)


__all__ = [
    "DEFAULT_DELETE_DELAY_SECONDS",
    "DEFAULT_THROTTLE_RATE",
    "DEMO_NOTE",
    "EMULATED_ACTIONS",
    "JOB_ACTIONS",
    "JOB_KINDS",
    "RESOURCE_KINDS",
    "STUDIO_ACTIONS",
    "TAG_ACTIONS",
    "UNSET",
    "CallRecord",
    "FakeApp",
    "InProcessControls",
    "StatusListener",
    "ThrottledCallRecord",
    "add_price",
    "add_status_listener",
    "call_log",
    "clear_call_log",
    "clear_faults",
    "inject_fault",
    "price_list_products",
    "remove_price",
    "remove_status_listener",
    "reset",
    "seed_demo",
    "set_delay",
    "set_delete_delay",
    "set_price_page_size",
    "set_savings_plan_recommendation",
    "set_state",
    "set_throttle",
    "set_throttle_clock",
    "throttle_settings",
    "throttled_calls",
]
