"""What the current environment costs: rate, uptime, session cost, projections, idle cost.

Pure: every input (prices, times, idle figures) is passed in; nothing here calls AWS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol

from ..environment import Environment, Kind
from .pricing.components import HOURS_PER_MONTH, STUDIO_APP_COMPONENTS

HOURS_PER_DAY = 24.0


class PriceLike(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


def environment_component(env: Environment) -> str | None:
    """The pricing component of the instance this server runs on."""
    if env.kind is Kind.STUDIO_SPACE:
        return STUDIO_APP_COMPONENTS.get(env.app_type or "", "studio-jupyterlab")
    if env.kind is Kind.NOTEBOOK_INSTANCE:
        return "notebook-instance"
    if env.kind is Kind.LOCAL:
        # Local mode prices the configured instance as if it were a Studio space.
        return "studio-jupyterlab" if env.instance_type else None
    return None  # Studio Classic's JupyterServer runs on a free system instance


def known_rate(price: dict[str, Any]) -> float | None:
    value = price.get("usd_per_hour")
    return float(value) if price.get("known") and isinstance(value, int | float) else None


@dataclass(frozen=True)
class IdleFigures:
    idle_seconds: float
    max_idle_usd: float | None
    limit: str
    budget_seconds: float | None
    shutdown_at: datetime | None
    #: The last activity; with `stopped_at`, the idle time ends at the stop.
    last_activity: datetime | None = None


def environment_cost(
    *,
    env: Environment,
    instance_price: dict[str, Any] | None,
    storage_price: dict[str, Any] | None,
    storage_gb: float | None,
    started_at: datetime | None,
    now: datetime,
    idle: IdleFigures,
    extra_problems: list[dict[str, str]] | None = None,
    stopped_at: datetime | None = None,
) -> dict[str, Any]:
    """The `GET cost` document (docs/rest-api.md, docs/openapi.json).

    `stopped_at`: when the idle shutdown stopped the app for real (not a dry run). The
    session cost, uptime and idle time are then counted up to that time and no further
    (`frozen`); the rate and the projections stay what they were while it ran.
    """
    problems: list[dict[str, str]] = list(extra_problems or [])
    component = environment_component(env)
    if instance_price is None:
        if env.kind is Kind.STUDIO_CLASSIC:
            reason = (
                "Studio Classic's JupyterServer app runs on a free system instance; your "
                "KernelGateway apps are listed under running resources"
            )
            code = "no-charge"
        elif not env.instance_type and env.kind is not Kind.LOCAL and not env.error:
            instance_price = {
                "known": False,
                "usd_per_hour": None,
                "source": "pending",
                "reason": "reading the instance type from AWS",
            }
        elif not env.instance_type:
            reason = env.error or "the instance type is not known"
            if env.kind is Kind.LOCAL:
                reason = (
                    "local mode: set c.SMCost.instance_type (and c.SMCost.region) to price "
                    "this server as a SageMaker instance"
                )
            code = "no-instance-type"
        else:
            reason = "no price for this environment"
            code = "price-unknown"
        if instance_price is None:
            instance_price = {
                "known": False,
                "usd_per_hour": None,
                "source": "unknown",
                "reason": reason,
            }
            problems.append({"code": code, "message": reason})
    elif not instance_price.get("known") and instance_price.get("source") == "unknown":
        problems.append({"code": "price-unknown", "message": str(instance_price.get("reason"))})

    rate = known_rate(instance_price)
    storage_rate = None
    if storage_price is not None:
        per_gb_hour = known_rate(storage_price)
        if per_gb_hour is not None and storage_gb:
            storage_rate = per_gb_hour * storage_gb
        elif storage_price.get("source") == "unknown":
            problems.append({"code": "price-unknown", "message": str(storage_price.get("reason"))})
    usd_per_hour = None if rate is None else rate + (storage_rate or 0.0)

    end = now if stopped_at is None else min(now, stopped_at)
    uptime = None if started_at is None else max(0.0, (end - started_at).total_seconds())
    session = None if usd_per_hour is None or uptime is None else usd_per_hour * uptime / 3600
    idle_seconds = idle.idle_seconds
    if stopped_at is not None:
        # The idle time ends at the stop too: from the last activity when known, else the
        # idle time now less the time since the stop.
        if idle.last_activity is not None:
            idle_seconds = max(0.0, (end - idle.last_activity).total_seconds())
        else:
            idle_seconds = max(0.0, idle_seconds - (now - end).total_seconds())
    # The volume is billed whether the app runs or not: idle time costs the instance only,
    # and that is also the rate the idle budget is spent at.
    idle_usd = None if rate is None else rate * idle_seconds / 3600
    storage: dict[str, Any] = {
        "size_gb": storage_gb,
        "usd_per_gb_month": None
        if storage_price is None or known_rate(storage_price) is None
        else round(known_rate(storage_price) * HOURS_PER_MONTH, 6),  # type: ignore[operator]
        "usd_per_hour": storage_rate,
        "price": storage_price
        or {"known": False, "usd_per_hour": None, "source": "unknown", "reason": "no volume"},
    }
    return {
        "generated_at": now.isoformat(),
        "environment": env.to_json(),
        "instance": {
            "instance_type": env.instance_type,
            "component": component,
            "price": instance_price,
        },
        "storage": storage,
        "usd_per_hour": usd_per_hour,
        "started_at": started_at.isoformat() if started_at else None,
        "uptime_seconds": None if uptime is None else round(uptime, 3),
        "session_usd": session,
        "stopped_at": None if stopped_at is None else stopped_at.isoformat(),
        "frozen": stopped_at is not None,
        "frozen_note": None
        if stopped_at is None
        else (
            f"The app was stopped at {stopped_at.astimezone(timezone.utc):%H:%M} UTC by the "
            "idle shutdown: the session cost and the idle time count up to then; the rate is "
            "what it cost while it ran."
        ),
        "projection": {
            "per_day_usd": None if usd_per_hour is None else usd_per_hour * HOURS_PER_DAY,
            "per_month_usd": None if usd_per_hour is None else usd_per_hour * HOURS_PER_MONTH,
        },
        "idle": {
            "idle_seconds": round(idle_seconds, 3),
            "idle_usd": idle_usd,
            "max_idle_usd": idle.max_idle_usd,
            "limit": idle.limit,
            "budget_seconds": idle.budget_seconds,
            "shutdown_at": idle.shutdown_at.isoformat() if idle.shutdown_at else None,
        },
        "problems": problems,
    }
