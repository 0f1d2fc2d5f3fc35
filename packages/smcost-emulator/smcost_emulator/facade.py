"""The emulator's controls as methods, written once over a transport.

`Controls._call(method, route, body)` is the one thing a transport provides: the in-process
one (`api.InProcessControls`, and so `Emulator`) calls the control routes' dispatcher
(`routes.dispatch`) directly, the HTTP one (`client.EmulatorClient`) POSTs to
`/_smcost/<route>` of an emulator in another process. Both answer the same JSON-shaped
values, so every method below is the same for both; an in-process error raises as the
dispatcher raised it (ValueError, LookupError, ...), an HTTP one as urllib's HTTPError with
the status `routes` maps it to.

Stdlib only (boto3 is imported by `client()` alone): a process that only drives an
emulator elsewhere need not import moto.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any


class _Unset(enum.Enum):
    UNSET = 0


#: "Leave as is" for arguments where None means "remove" (`set_state`'s billable_seconds).
UNSET = _Unset.UNSET

#: Cost Explorer's Savings Plans type the demo and the savings rule use.
DEFAULT_SAVINGS_PLANS_TYPE = "SAGEMAKER_SP"
DEFAULT_FAULT_CODE = "AccessDeniedException"
DEFAULT_FAULT_MESSAGE = "Injected fault: not authorized to perform this action"
#: Calls a second per operation `set_throttle` allows when given no rate.
DEFAULT_THROTTLE_RATE = 2.0


class Controls:
    """Faults, delays, the call log, state, prices and seeds of one emulator."""

    endpoint_url: str | None = None

    def _call(self, method: str, route: str, body: dict[str, Any] | None = None) -> Any:
        raise NotImplementedError

    def health(self) -> bool:
        return bool(self._call("GET", "health")["ok"])

    def reset(self) -> None:
        """Forget all AWS state (as moto's reset), clear faults, delays and the call log,
        turn throttling off, restore the default Price List catalog and forget the Savings Plans
        recommendations."""
        self._call("POST", "reset", {})

    def inject_fault(
        self,
        action: str,
        code: str = DEFAULT_FAULT_CODE,
        message: str = DEFAULT_FAULT_MESSAGE,
        status: int = 400,
        times: int | None = None,
    ) -> None:
        """Make the next `times` calls of `action` fail with `code`/`message` and HTTP
        `status`; `times=None` until cleared. `action` is an action name of SageMaker, the
        Price List, CloudWatch or the emulated Cost Explorer call ("DeleteApp",
        "GetProducts", "GetMetricData", "GetSavingsPlansPurchaseRecommendation"),
        "<service>:*" for every action of "pricing", "cloudwatch" or "ce", or "*" for every
        SageMaker action.

        Faults queue in the order injected; a 5xx or throttling code is retried by
        botocore, and each retry consumes one `times`.
        """
        body = {"action": action, "code": code, "message": message, "status": status}
        self._call("POST", "faults", {**body, "times": times})

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def set_delay(self, seconds: float, actions: list[str] | None = None) -> None:
        """Sleep `seconds` before answering each matching call (None: every SageMaker
        action; names as for `inject_fault`, e.g. ["GetProducts"] or ["pricing:*"]).

        A later call with the same `actions` replaces the delay; `seconds=0` removes it.
        """
        self._call("POST", "delay", {"seconds": seconds, "actions": actions})

    def set_throttle(
        self,
        rate_per_second: float | None = DEFAULT_THROTTLE_RATE,
        burst: int | None = None,
        actions: list[str] | None = None,
    ) -> None:
        """Throttle as AWS does: each matching operation gets its own token bucket, `burst`
        calls at once (None: one second's worth, at least 1) refilled at `rate_per_second`;
        a call beyond it is answered HTTP 400 ThrottlingException "Rate exceeded", which
        botocore retries (after its backoff). `rate_per_second=None` turns throttling off
        (as `reset` does; it is off until asked). `actions`: names as for `inject_fault`
        (None: every SageMaker action). Each call replaces the setting and refills every
        bucket.

        Throttled calls are in the call log (`throttled` true) and consume no injected
        fault."""
        body = {"rate_per_second": rate_per_second, "burst": burst, "actions": actions}
        self._call("POST", "throttle", body)

    def throttle_settings(self) -> dict[str, Any] | None:
        """The throttle's {"rate_per_second", "burst", "actions"} (None: off)."""
        settings = self._call("GET", "throttle")["throttle"]
        return None if settings is None else dict(settings)

    def throttled_calls(self) -> int:
        """How many calls of the call log the throttle answered (`clear_call_log` and
        `reset` start it again at 0)."""
        return int(self._call("GET", "throttle")["throttled_calls"])

    def set_delete_delay(self, seconds: float) -> None:
        """How long an app stays `Deleting` after DeleteApp before it reads `Deleted`.

        Applies to DeleteApp calls made after this; default 2 seconds."""
        self._call("POST", "delete-delay", {"seconds": seconds})

    def call_log(self) -> list[Any]:
        """The SageMaker, Price List, CloudWatch and emulated Cost Explorer calls served,
        oldest first, including the calls answered with an injected fault or throttled:
        here dicts of timestamp, action, params, service ("sagemaker", "pricing",
        "cloudwatch" or "ce") and throttled; in process `control.CallRecord`s of the same
        fields."""
        return list(self._call("GET", "calls")["calls"])

    def clear_call_log(self) -> None:
        self._call("DELETE", "calls")

    def apps(self) -> list[dict[str, Any]]:
        """Every app with its current status (reading it also advances Deleting ->
        Deleted)."""
        return list(self._call("GET", "apps")["apps"])

    def seed_demo(self, **kwargs: Any) -> dict[str, Any]:
        """`seed.demo.seed_demo` on this emulator (e.g. again after `reset`); same keyword
        arguments."""
        return dict(self._call("POST", "seed-demo", kwargs))

    def prices(self) -> list[dict[str, Any]]:
        """Every catalog product as a flat row (sku, regionCode, component, unit, usd, ...)."""
        return list(self._call("GET", "prices")["products"])

    def add_price(
        self, region: str, component: str, instance_type: str, usd_per_hour: float
    ) -> dict[str, Any]:
        """Add or replace the Price List row of one key (`component`: our key such as
        "training", or a Price List value such as "Training"; for "studio-storage",
        `instance_type` is the volume type and the figure is USD per GB-month). The key's
        trap rows stay. Returns the product as a flat row. Undone by `reset`."""
        body = {"region": region, "component": component, "instance_type": instance_type}
        return dict(self._call("POST", "prices", {**body, "usd_per_hour": usd_per_hour})["product"])

    def remove_price(self, region: str, component: str, instance_type: str) -> bool:
        """Drop the real row of one key, so that only its trap rows answer: the price is
        unknown. False if there was none."""
        body = {"region": region, "component": component, "instance_type": instance_type}
        return bool(self._call("DELETE", "prices", body)["removed"])

    def set_price_page_size(self, size: int | None) -> None:
        """Cap every Price List page at `size` items (None: the API's own limit, 100)."""
        self._call("POST", "price-page-size", {"size": size})

    def set_state(self, kind: str, name: str, **kwargs: Any) -> dict[str, Any]:
        """`sagemaker_studio.state.set_state` on this emulator; a time may be a datetime.
        Leaving `billable_seconds` out keeps it; passing None removes it."""
        body: dict[str, Any] = {"kind": kind, "name": name}
        for key, value in kwargs.items():
            if value is UNSET:
                continue
            body[key] = value.isoformat() if isinstance(value, datetime) else value
        return dict(self._call("POST", "state", body))

    def seed_training_jobs(self, count: int, **kwargs: Any) -> int:
        """`count` in-progress training jobs at once (see `state.seed_training_jobs` for the
        keyword arguments); returns how many were created."""
        return int(self._call("POST", "training-jobs", {"count": count, **kwargs})["created"])

    def set_savings_plan_recommendation(
        self, figures: dict[str, Any] | None, savings_plans_type: str = DEFAULT_SAVINGS_PLANS_TYPE
    ) -> dict[str, Any] | None:
        """What Cost Explorer's GetSavingsPlansPurchaseRecommendation answers for
        `savings_plans_type`: `figures` is one flat dict of the API's summary and detail
        field names (EstimatedMonthlySavingsAmount, HourlyCommitmentToPurchase, ...; numbers
        or strings; see `ce.models.normalize`); None: nothing to recommend (no details, no
        summary). Returns the stored {"summary", "details"} (None for None). Undone by
        `reset`."""
        body = {"recommendation": figures, "savings_plans_type": savings_plans_type}
        stored = self._call("POST", "savings-plan-recommendation", body)["recommendation"]
        return None if stored is None else dict(stored)

    def savings_plan_recommendations(self) -> dict[str, dict[str, Any]]:
        """Every recommendation set, by Savings Plans type."""
        return dict(self._call("GET", "savings-plan-recommendation")["recommendations"])

    def client(self, service: str = "sagemaker", region: str = "us-east-1", **kwargs: Any) -> Any:
        """A boto3 client for this emulator (dummy credentials unless the env has some)."""
        from .environment import boto3_session

        if self.endpoint_url is None:
            raise ValueError("the process-wide controls have no endpoint: use an Emulator's")
        return boto3_session(region).client(service, endpoint_url=self.endpoint_url, **kwargs)


__all__ = ["DEFAULT_SAVINGS_PLANS_TYPE", "DEFAULT_THROTTLE_RATE", "UNSET", "Controls"]
