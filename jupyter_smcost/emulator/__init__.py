"""Local AWS emulator for tests and `make demo`: moto plus what moto lacks — the SageMaker
Studio calls (apps, spaces, user profiles, Studio lifecycle configs, UpdateDomain), jobs
that keep running (training, tuning, processing, transform), tags on all of them, the
Price List service (`pricing`, emulator demo prices) and Cost Explorer's Savings Plans
recommendation on the same port, next to moto's CloudWatch and S3 — with fault injection,
artificial latency and a call log.

Importing this package imports moto (slow) and registers the Studio calls on moto's
SageMaker service, for both `mock_aws` and moto's server. Nothing else in `jupyter_smcost`
may import it.

The controls below are process-wide: they act on every emulator server and `mock_aws`
context in this process. A separate process uses the HTTP routes under `/_smcost/` of a
server started with `start_emulator` (see `server.EmulatorClient`).
"""

from __future__ import annotations

from typing import Any

from .catalog import DEMO_NOTE, catalog, summarize
from .jobs import JOB_KINDS
from .models import (
    DEFAULT_DELETE_DELAY_SECONDS,
    CallRecord,
    FakeApp,
    StatusListener,
    control,
    reset_state,
)
from .responses import EMULATED_ACTIONS, JOB_ACTIONS, STUDIO_ACTIONS, TAG_ACTIONS, register
from .savings_plans import recommendations
from .server import Emulator, EmulatorClient, seed_demo, start_emulator
from .services import register as register_services
from .state import RESOURCE_KINDS, UNSET, set_state

register()
register_services()


def inject_fault(
    action: str,
    code: str = "AccessDeniedException",
    message: str = "Injected fault: not authorized to perform this action",
    status: int = 400,
    times: int | None = None,
) -> None:
    """Make the next `times` calls of `action` fail with `code`/`message` and HTTP
    `status`; `times=None` until cleared. `action` is an action name of SageMaker, the
    Price List, CloudWatch or the emulated Cost Explorer call ("DeleteApp", "GetProducts",
    "GetMetricData", "GetSavingsPlansPurchaseRecommendation"), "<service>:*" for every
    action of "pricing", "cloudwatch" or "ce", or "*" for every SageMaker action.

    Faults queue in the order injected; a 5xx or throttling code is retried by botocore, and
    each retry consumes one `times`.
    """
    control.inject_fault(action, code, message, status, times)


def clear_faults() -> None:
    control.clear_faults()


def set_delay(seconds: float, actions: list[str] | None = None) -> None:
    """Sleep `seconds` before answering each matching call (None: every SageMaker action;
    names as for `inject_fault`, e.g. ["GetProducts"] or ["pricing:*"]).

    A later call with the same `actions` replaces the delay; `seconds=0` removes it.
    """
    control.set_delay(seconds, actions)


def set_delete_delay(seconds: float) -> None:
    """How long an app stays `Deleting` after DeleteApp before it reads `Deleted`.

    Applies to DeleteApp calls made after this; default 2 seconds."""
    control.set_delete_delay(seconds)


def call_log() -> list[CallRecord]:
    """The SageMaker, Price List, CloudWatch and emulated Cost Explorer calls served, oldest
    first: (timestamp, action, params) tuples whose `.service` is "sagemaker", "pricing",
    "cloudwatch" or "ce", including the calls answered with an injected fault."""
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
    """Forget all AWS state (as moto's reset), clear faults, delays and the call log,
    restore the default Price List catalog and forget the Savings Plans recommendations."""
    reset_state()


def add_price(
    region: str, component: str, instance_type: str, usd_per_hour: float
) -> dict[str, Any]:
    """Add or replace the Price List row of one key (`component`: our key such as
    "training", or a Price List value such as "Training"; for "studio-storage",
    `instance_type` is the volume type and the figure is USD per GB-month). The key's trap
    rows stay. Returns the product as a flat row. Undone by `reset`."""
    return summarize(catalog.put(region, component, instance_type, usd_per_hour))


def remove_price(region: str, component: str, instance_type: str) -> bool:
    """Drop the real row of one key, so that only its trap rows answer: the price is
    unknown. False if there was none."""
    return catalog.remove(region, component, instance_type)


def price_list_products() -> list[dict[str, Any]]:
    """Every catalog product as a flat row (sku, regionCode, component, unit, usd, ...)."""
    return [summarize(p) for p in catalog.products()]


def set_price_page_size(size: int | None) -> None:
    """Cap every Price List page at `size` items (None: the API's own limit, 100)."""
    catalog.set_page_size(size)


def set_savings_plan_recommendation(
    figures: dict[str, Any] | None, savings_plans_type: str = "SAGEMAKER_SP"
) -> dict[str, Any] | None:
    """What Cost Explorer's GetSavingsPlansPurchaseRecommendation answers for
    `savings_plans_type`: `figures` is one flat dict of the API's summary and detail field
    names (EstimatedMonthlySavingsAmount, HourlyCommitmentToPurchase, ...; numbers or
    strings; see `savings_plans.normalize`); None: nothing to recommend (no details, no
    summary). Returns the stored {"summary", "details"}. Undone by `reset`."""
    return recommendations.set(figures, savings_plans_type)


__all__ = [
    "DEFAULT_DELETE_DELAY_SECONDS",
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
    "start_emulator",
]
