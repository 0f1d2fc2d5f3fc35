"""Local AWS emulator for jupyter-smcost's tests and `make demo`: moto plus what moto lacks —
the SageMaker Studio calls (apps, spaces, user profiles, Studio lifecycle configs,
UpdateDomain), jobs that keep running (training, tuning, processing, transform), tags on all
of them, the Price List service (`pricing`, emulator demo prices) and Cost Explorer's
Savings Plans recommendation on the same port, next to moto's CloudWatch and S3 — with fault
injection, artificial latency, AWS-style throttling (off unless asked) and a call log.

Importing this package is cheap: moto is imported (and the Studio calls registered on it)
the first time a name below other than `environ`/`apply_environ` is used, so the pytest
plugin and the scripts that only set the environment or drive an emulator over HTTP
(`EmulatorClient`) do not pay for it. jupyter_smcost never imports this package.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .environment import apply as apply_environ
from .environment import environ

if TYPE_CHECKING:
    from .api import (
        DEFAULT_DELETE_DELAY_SECONDS,
        DEFAULT_THROTTLE_RATE,
        DEMO_NOTE,
        EMULATED_ACTIONS,
        JOB_ACTIONS,
        JOB_KINDS,
        RESOURCE_KINDS,
        STUDIO_ACTIONS,
        TAG_ACTIONS,
        UNSET,
        CallRecord,
        FakeApp,
        StatusListener,
        ThrottledCallRecord,
        add_price,
        add_status_listener,
        call_log,
        clear_call_log,
        clear_faults,
        inject_fault,
        price_list_products,
        remove_price,
        remove_status_listener,
        reset,
        seed_demo,
        set_delay,
        set_delete_delay,
        set_price_page_size,
        set_savings_plan_recommendation,
        set_state,
        set_throttle,
        set_throttle_clock,
        throttle_settings,
        throttled_calls,
    )
    from .client import EmulatorClient
    from .server import Emulator, start_emulator

#: Where each lazily imported name lives.
_LAZY = {
    **{name: ".server" for name in ("Emulator", "start_emulator")},
    "EmulatorClient": ".client",
}


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_LAZY.get(name, ".api"), __name__), name)


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
    "Emulator",
    "EmulatorClient",
    "FakeApp",
    "StatusListener",
    "ThrottledCallRecord",
    "add_price",
    "add_status_listener",
    "apply_environ",
    "call_log",
    "clear_call_log",
    "clear_faults",
    "environ",
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
    "start_emulator",
    "throttle_settings",
    "throttled_calls",
]
