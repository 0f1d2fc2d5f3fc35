"""The control routes under `/_smcost/`, as one dispatcher both transports call: the HTTP
server (`server.ControlApp`, which maps the errors below to statuses) and the in-process
controls (`api.InProcessControls`, where they raise as they are).

Every route takes a JSON object and answers a JSON-shaped value. Errors: KeyError,
TypeError or ValueError for a bad body (HTTP 400), LookupError for a resource that does
not exist (404), botocore's ClientError from a seed over existing state (409: reset
first), `NoRoute` (404).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .ce.models import DEFAULT_TYPE, recommendations
from .client import CONTROL_PREFIX
from .control import control, reset_state
from .facade import DEFAULT_FAULT_CODE, DEFAULT_FAULT_MESSAGE
from .pricing.models import catalog, summarize
from .sagemaker_studio.models import apps_snapshot
from .sagemaker_studio.state import seed_training_jobs, set_state
from .seed.demo import seed_demo

Body = dict[str, Any]
Handler = Callable[[Body, "str | None"], Any]


class NoRoute(LookupError):
    pass


def _ok(do: Callable[[Body], object]) -> Handler:
    """A route that only acts: it answers {"ok": true}."""

    def handler(body: Body, endpoint_url: str | None) -> Any:
        do(body)
        return {"ok": True}

    return handler


def _optional(body: Body, key: str, kind: Callable[[Any], Any]) -> Any:
    return None if body.get(key) is None else kind(body[key])


def _inject_fault(body: Body) -> None:
    control.inject_fault(
        str(body["action"]),
        str(body.get("code", DEFAULT_FAULT_CODE)),
        str(body.get("message", DEFAULT_FAULT_MESSAGE)),
        int(body.get("status", 400)),
        _optional(body, "times", int),
    )


def _set_delay(body: Body) -> None:
    control.set_delay(float(body["seconds"]), _optional(body, "actions", list))


def _set_throttle(body: Body) -> None:
    rate = body["rate_per_second"]  # present: null turns throttling off
    burst = body.get("burst")
    actions = body.get("actions")
    if rate is not None and (isinstance(rate, bool) or not isinstance(rate, (int, float))):
        raise TypeError("rate_per_second must be a number or null")
    if burst is not None and (isinstance(burst, bool) or not isinstance(burst, int)):
        raise TypeError("burst must be an integer or null")
    if actions is not None and not isinstance(actions, list):
        raise TypeError("actions must be a list of action names or null")
    control.set_throttle(None if rate is None else float(rate), burst, actions)


def _throttle(body: Body, endpoint_url: str | None) -> Any:
    settings = control.throttle()
    return {
        "throttle": None if settings is None else settings.to_dict(),
        "throttled_calls": control.throttled_calls(),
    }


def _set_page_size(body: Body) -> None:
    catalog.set_page_size(_optional(body, "size", int))


def _price_key(body: Body) -> tuple[str, str, str]:
    return str(body["region"]), str(body["component"]), str(body["instance_type"])


def _add_price(body: Body, endpoint_url: str | None) -> Any:
    usd = body["usd_per_gb_month"] if "usd_per_gb_month" in body else body["usd_per_hour"]
    return {"product": summarize(catalog.put(*_price_key(body), float(usd)))}


#: The arguments of `set_state` a body may carry (times as ISO text, numbers as numbers).
_STATE_TEXT = ("status", "started_at", "created_at", "ended_at")
_STATE_SECONDS = ("started_seconds_ago", "last_activity_seconds_ago")
_STATE_KEYS = frozenset(
    {"kind", "name", "region", "account_id", "billable_seconds", "trials_in_progress"}
    | set(_STATE_TEXT)
    | set(_STATE_SECONDS)
)


def _set_state(body: Body, endpoint_url: str | None) -> Any:
    unknown = sorted(set(body) - _STATE_KEYS)
    if unknown:
        raise TypeError(f"set_state takes no {', '.join(unknown)}")
    kwargs: dict[str, Any] = {key: _optional(body, key, str) for key in _STATE_TEXT}
    kwargs.update({key: _optional(body, key, float) for key in _STATE_SECONDS})
    if "account_id" in body:
        kwargs["account_id"] = str(body["account_id"])
    if "billable_seconds" in body:  # present and null: remove it
        kwargs["billable_seconds"] = _optional(body, "billable_seconds", int)
    if body.get("trials_in_progress") is not None:
        kwargs["trials_in_progress"] = int(body["trials_in_progress"])
    region = str(body.get("region", "us-east-1"))
    return set_state(str(body["kind"]), str(body["name"]), region=region, **kwargs)


def _seed_training_jobs(body: Body, endpoint_url: str | None) -> Any:
    passed = ("region", "account_id", "prefix", "instance_type", "tags", "spot")
    arns = seed_training_jobs(
        int(body["count"]),
        **{k: body[k] for k in passed if k in body},
        started_seconds_ago=float(body.get("started_seconds_ago", 600)),
    )
    return {"created": len(arns)}


def _set_recommendation(body: Body, endpoint_url: str | None) -> Any:
    kind = str(body.get("savings_plans_type", DEFAULT_TYPE))
    return {"recommendation": recommendations.set(body["recommendation"], kind)}


def _seed_demo(body: Body, endpoint_url: str | None) -> Any:
    if endpoint_url is None:
        raise ValueError("seed-demo needs the emulator's endpoint (use an Emulator)")
    # Goes through boto3 back into this (threaded) server, like any client.
    return seed_demo(endpoint_url, **body)


ROUTES: dict[tuple[str, str], Handler] = {
    ("GET", "health"): lambda body, url: {"ok": True},
    ("POST", "reset"): _ok(lambda body: reset_state()),
    ("POST", "faults"): _ok(_inject_fault),
    ("DELETE", "faults"): _ok(lambda body: control.clear_faults()),
    ("POST", "delay"): _ok(_set_delay),
    ("POST", "throttle"): _ok(_set_throttle),
    ("GET", "throttle"): _throttle,
    ("POST", "delete-delay"): _ok(lambda body: control.set_delete_delay(float(body["seconds"]))),
    ("GET", "calls"): lambda body, url: {"calls": [c.to_dict() for c in control.calls()]},
    ("DELETE", "calls"): _ok(lambda body: control.clear_calls()),
    ("GET", "apps"): lambda body, url: {"apps": apps_snapshot()},
    ("GET", "prices"): lambda body, url: {"products": [summarize(p) for p in catalog.products()]},
    ("POST", "prices"): _add_price,
    ("DELETE", "prices"): lambda body, url: {"removed": catalog.remove(*_price_key(body))},
    ("POST", "price-page-size"): _ok(
        lambda body: catalog.set_page_size(_optional(body, "size", int))
    ),
    ("POST", "state"): _set_state,
    ("POST", "training-jobs"): _seed_training_jobs,
    ("POST", "savings-plan-recommendation"): _set_recommendation,
    ("GET", "savings-plan-recommendation"): lambda body, url: {
        "recommendations": recommendations.all()
    },
    ("POST", "seed-demo"): _seed_demo,
}


def dispatch(method: str, route: str, body: Body | None, endpoint_url: str | None) -> Any:
    """Answer one control call; `endpoint_url` is the emulator's own (the demo seed calls
    back into it), None for the process-wide controls."""
    handler = ROUTES.get((method, route.strip("/")))
    if handler is None:
        raise NoRoute(f"no route {method} {CONTROL_PREFIX}{route}")
    return handler(body or {}, endpoint_url)


__all__ = ["CONTROL_PREFIX", "ROUTES", "NoRoute", "dispatch"]
