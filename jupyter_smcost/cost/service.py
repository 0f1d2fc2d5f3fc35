"""The cost documents as the server serves them: `GET cost` (this app) and `GET resources`
(everything running), and this app's own price, which feeds the idle budget.

No tornado import. The environment, the prices, the listing, the idle checker's figures and
the clock are injected; routes.py's handlers only call `cost_json` and `resources_body`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from ..environment import HostedApp, Kind
from ..jsonsafe import dumps
from .app_cost import IdleFigures, environment_component, environment_cost
from .config import Resources
from .pricing.components import STORAGE_COMPONENT, STORAGE_VOLUME_TYPE, check_component_values
from .pricing.model import Price, PriceKey
from .pricing.service import PriceService
from .resources import Collection, ResourceMonitor, price_keys, priced_document

log = logging.getLogger(__name__)


class IdleView(Protocol):
    """What the cost reads of the idle checker, and tells it (its hourly rate)."""

    def status_json(self) -> dict[str, Any]: ...

    def set_hourly_rate(self, usd_per_hour: float | None) -> None: ...


def _not_busy() -> dict[str, str] | None:
    return None


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@dataclass(eq=False)
class CostService:
    """This app's cost and the running resources' for the handlers, from the injected parts."""

    host: HostedApp
    prices: PriceService
    monitor: ResourceMonitor
    config: Resources
    idle: IdleView
    clock: Callable[[], datetime]
    #: Runs a blocking call off the event loop (`AwsClients.run`).
    run: Callable[[Callable[[], Any]], Awaitable[Any]]
    pricing_client: Callable[[], Any]
    #: Whether AWS throttles this process's background reads (`Pace.busy_json`):
    #: `aws_busy` of GET resources.
    busy: Callable[[], dict[str, str] | None] = _not_busy
    # GET resources: the price keys of the current listing, and the last document sent
    # with the listing and prices it was made from (see resources_body).
    _listing_keys: tuple[Collection | None, list[PriceKey]] = field(
        default_factory=lambda: (None, []), init=False
    )
    _resources_sent: (
        tuple[Collection, dict[PriceKey, dict[str, Any]], dict[str, str] | None, bytes] | None
    ) = field(default=None, init=False)

    def price_keys(self) -> tuple[PriceKey | None, PriceKey | None]:
        """This app's instance and (a Studio space's) volume, as priced; None if unknown."""
        env = self.host.environment
        component = environment_component(env)
        if not (env.region and env.instance_type and component):
            return None, None
        instance = PriceKey(env.region, env.instance_type, component)
        storage = None
        if env.kind is Kind.STUDIO_SPACE:
            storage = PriceKey(env.region, STORAGE_VOLUME_TYPE, STORAGE_COMPONENT)
        return instance, storage

    async def price_environment(self) -> bool:
        """Look up this app's price and give it to the idle budget; False while the instance
        type is unknown (nothing was priced)."""
        instance, _ = self.price_keys()
        if instance is None:
            return False
        price = await self.prices.get(instance)
        rate = price.usd_per_hour if isinstance(price, Price) else None
        self.idle.set_hourly_rate(rate)
        if rate is None:
            log.warning("jupyter-smcost: %s", price.to_dict().get("reason"))
        else:
            log.info(
                "jupyter-smcost: %s costs $%.4f/h (%s)",
                instance.instance_type,
                rate,
                price.to_dict().get("detail"),
            )
        return True

    async def check_component_values(self) -> None:
        """Log once whether AWS still lists the component names our price table expects."""
        try:
            found = await self.run(lambda: check_component_values(self.pricing_client()))
        except Exception as err:  # informational only
            log.info("jupyter-smcost: cannot check Price List component names: %s", err)
            return
        missing = sorted(key for key, ok in found.items() if not ok)
        if missing:
            log.warning(
                "jupyter-smcost: the Price List lists no component value for %s; their prices "
                "come from overrides or the snapshot (see jupyter_smcost/cost/pricing/"
                "components.py)",
                ", ".join(missing),
            )
        else:
            log.info("jupyter-smcost: Price List component names confirmed")

    async def cost_json(self, wait_seconds: float = 3.0) -> dict[str, Any]:
        """The `GET cost` document."""
        host = self.host
        instance, storage = self.price_keys()
        keys = [k for k in (instance, storage) if k is not None]
        answers = await self.prices.get_many(keys, wait_seconds)
        instance_price = answers[instance].to_dict() if instance else None
        storage_price = answers[storage].to_dict() if storage else None
        if storage_price is not None and host.storage_note and storage_price.get("known"):
            storage_price = {
                **storage_price,
                "detail": f"{storage_price.get('detail')}; {host.storage_note}",
            }
        rate = instance_price.get("usd_per_hour") if instance_price else None
        if instance_price and instance_price.get("known"):
            self.idle.set_hourly_rate(float(rate))  # type: ignore[arg-type]
        status = self.idle.status_json()
        # Once the app was really stopped (not a dry run), its cost stops at that time.
        stopped = status.get("stopped_at")
        frozen = status["state"] == "shut-down" and not status["dry_run"] and bool(stopped)
        return environment_cost(
            env=host.environment,
            instance_price=instance_price,
            storage_price=storage_price,
            storage_gb=host.storage_gb if storage else None,
            started_at=host.started_at,
            now=self.clock(),
            idle=IdleFigures(
                idle_seconds=float(status["idle_seconds"]),
                max_idle_usd=status["max_idle_usd"],
                limit=status["limit"],
                budget_seconds=status["budget_seconds"],
                shutdown_at=_when(status.get("deadline")),
                last_activity=_when(status.get("last_activity")),
            ),
            stopped_at=_when(stopped) if frozen else None,
        )

    async def resources_json(self, wait_seconds: float = 2.0) -> dict[str, Any]:
        """The `GET resources` document (see `resources_body`)."""
        result: dict[str, Any] = json.loads(await self.resources_body(wait_seconds))
        return result

    async def resources_body(self, wait_seconds: float = 2.0) -> bytes:
        """The `GET resources` document as UTF-8 JSON. A listing is priced and serialized
        once: the same bytes are sent (without a copy) until the listing, a price or
        `aws_busy` changes; its running times and costs so far are as of its `generated_at`
        (clients add the time since). `aws_busy` is null when no listing is made at all."""
        env = self.host.environment
        config = self.config
        unavailable = None
        if not config.enabled:
            unavailable = "listing running resources is turned off (c.Resources.enabled)"
        elif not env.region:
            unavailable = (
                "no AWS region: not in SageMaker, and neither c.SMCost.region nor "
                "AWS_DEFAULT_REGION is set"
            )
        collection = None
        prices: dict[PriceKey, dict[str, Any]] = {}
        busy = None
        if unavailable is None:
            collection = await self.monitor.get(wait_seconds)
            if collection is not None:
                listed, keys = self._listing_keys
                if listed is not collection:
                    keys = list(dict.fromkeys(price_keys(collection.rows, env.region)))
                    self._listing_keys = (collection, keys)
                answers = await self.prices.get_many(keys, wait_seconds)
                prices = {k: v.to_dict() for k, v in answers.items()}
            # After the waits: a refresh that AWS throttled meanwhile says so at once.
            busy = self.busy()
            if collection is not None:
                sent = self._resources_sent
                if (
                    sent is not None
                    and sent[0] is collection
                    and sent[1] == prices
                    and sent[2] == busy
                ):
                    return sent[3]
        body = dumps(
            priced_document(
                collection,
                prices,
                region=env.region,
                now=self.clock(),
                ttl_seconds=config.ttl_seconds,
                loading=self.monitor.loading,
                scope=config.scope,
                unavailable_reason=unavailable,
                max_rows=config.max_rows,
                aws_busy=busy,
            )
        ).encode()
        if collection is not None:
            self._resources_sent = (collection, prices, busy, body)
        return body
