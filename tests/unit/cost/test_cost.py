"""The current environment's cost, the idle budget, the pricing settings and PriceService."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from traitlets import TraitError

from jupyter_smcost.cost.app_cost import IdleFigures, environment_component, environment_cost
from jupyter_smcost.cost.config import Pricing
from jupyter_smcost.cost.pricing import PriceKey, PriceResolver
from jupyter_smcost.cost.pricing.components import STORAGE_COMPONENT
from jupyter_smcost.cost.pricing.model import Price
from jupyter_smcost.cost.pricing.pricelist import fetch_price
from jupyter_smcost.cost.pricing.service import Pending, PriceService
from jupyter_smcost.environment import Environment, Kind
from jupyter_smcost.idle.actions import DryRun
from jupyter_smcost.idle.activity import utcnow
from jupyter_smcost.idle.checker import IdleShutdown
from jupyter_smcost.idle.settings import SettingsError
from jupyter_smcost.idle.store import SettingsStore
from tests.support.cost import SPACE, known

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
NO_IDLE = IdleFigures(0.0, None, "timeout", None, None)


def test_component_follows_the_app_type() -> None:
    assert environment_component(SPACE) == "studio-jupyterlab"
    code = Environment(kind=Kind.STUDIO_SPACE, app_type="CodeEditor", instance_type="ml.t3.medium")
    assert environment_component(code) == "studio-codeeditor"
    assert environment_component(Environment(kind=Kind.NOTEBOOK_INSTANCE)) == "notebook-instance"
    assert environment_component(Environment(kind=Kind.STUDIO_CLASSIC)) is None
    assert environment_component(Environment(kind=Kind.LOCAL)) is None


def test_rate_session_projection_and_idle_cost() -> None:
    doc = environment_cost(
        env=SPACE,
        instance_price=known(1.408),
        storage_price=known(0.112 / 730),
        storage_gb=5,
        started_at=T0,
        now=T0 + timedelta(hours=2),
        idle=IdleFigures(1800.0, 0.5, "budget", 1270.0, T0 + timedelta(hours=3)),
    )
    storage_rate = 5 * 0.112 / 730
    assert doc["usd_per_hour"] == pytest.approx(1.408 + storage_rate)
    assert doc["session_usd"] == pytest.approx(2 * (1.408 + storage_rate))
    assert doc["projection"]["per_day_usd"] == pytest.approx(24 * (1.408 + storage_rate))
    assert doc["projection"]["per_month_usd"] == pytest.approx(730 * (1.408 + storage_rate))
    assert doc["idle"]["idle_usd"] == pytest.approx(0.5 * 1.408)  # the volume is paid anyway
    assert doc["idle"]["limit"] == "budget"
    assert doc["storage"]["usd_per_gb_month"] == pytest.approx(0.112)
    assert doc["uptime_seconds"] == 7200
    assert doc["instance"]["component"] == "studio-jupyterlab"
    assert doc["problems"] == []
    json.dumps(doc)


def test_unknown_instance_price_is_never_zero() -> None:
    unknown = {
        "known": False,
        "usd_per_hour": None,
        "source": "unknown",
        "reason": "price unknown for ml.g5.xlarge (studio-jupyterlab) in region us-east-1",
    }
    doc = environment_cost(
        env=SPACE,
        instance_price=unknown,
        storage_price=known(0.0002),
        storage_gb=5,
        started_at=T0,
        now=T0 + timedelta(hours=1),
        idle=NO_IDLE,
    )
    assert doc["usd_per_hour"] is None and doc["session_usd"] is None
    assert doc["projection"] == {"per_day_usd": None, "per_month_usd": None}
    assert doc["problems"][0]["code"] == "price-unknown"
    assert "ml.g5.xlarge" in doc["problems"][0]["message"]


def test_local_mode_without_an_instance_type_says_how_to_set_one() -> None:
    doc = environment_cost(
        env=Environment(kind=Kind.LOCAL),
        instance_price=None,
        storage_price=None,
        storage_gb=None,
        started_at=T0,
        now=T0,
        idle=NO_IDLE,
    )
    assert doc["instance"]["price"]["known"] is False
    assert "c.SMCost.instance_type" in doc["problems"][0]["message"]


def test_studio_classic_is_explained_not_priced_at_zero() -> None:
    doc = environment_cost(
        env=Environment(kind=Kind.STUDIO_CLASSIC, instance_type="system"),
        instance_price=None,
        storage_price=None,
        storage_gb=None,
        started_at=None,
        now=T0,
        idle=NO_IDLE,
    )
    assert doc["usd_per_hour"] is None
    assert doc["problems"][0]["code"] == "no-charge"


# -- the idle budget --------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


class NoSignals:
    async def kernels(self) -> list[Any]:
        return []

    def terminals(self) -> list[Any]:
        return []

    def counts(self) -> tuple[int, int]:
        return (0, 0)

    async def stop_all(self) -> tuple[int, int]:
        return (0, 0)


def checker(tmp_path: Path, clock: Clock, **traits: Any) -> IdleShutdown:
    return IdleShutdown(
        signals=NoSignals(),
        store=SettingsStore(str(tmp_path)),
        action_factory=lambda _: DryRun(None, Environment(kind=Kind.LOCAL)),
        clock=clock,
        studio_activity_file="",
        **traits,
    )


def test_budget_shortens_the_deadline_of_an_expensive_instance(tmp_path: Path) -> None:
    clock = Clock()
    idle = checker(tmp_path, clock, timeout_minutes=60, max_idle_usd=1.0)
    # No price yet: the timeout applies.
    assert idle.status_json()["limit"] == "timeout"
    assert idle.status_json()["seconds_until_shutdown"] == 3600
    version = idle.config_version
    idle.set_hourly_rate(4.0)  # $1 buys 15 idle minutes
    assert idle.config_version != version
    status = idle.status_json()
    assert status["limit"] == "budget"
    assert status["budget_seconds"] == 900
    assert status["seconds_until_shutdown"] == 900
    assert status["max_idle_usd"] == 1.0
    # A cheap instance: the timeout comes first.
    idle.set_hourly_rate(0.05)  # $1 buys 20 h
    assert idle.status_json()["limit"] == "timeout"
    assert idle.status_json()["seconds_until_shutdown"] == 3600


def test_budget_alone_when_the_timeout_is_off(tmp_path: Path) -> None:
    clock = Clock()
    idle = checker(tmp_path, clock, timeout_minutes=0, max_idle_usd=2.0)
    assert idle.status_json()["limit"] == "none"
    idle.set_hourly_rate(1.0)
    assert idle.status_json()["limit"] == "budget"
    clock.now = T0 + timedelta(hours=1, minutes=55)  # the 5-minute warning starts
    assert idle.status_json()["state"] == "warning"
    clock.now = T0 + timedelta(hours=2, seconds=1)
    assert idle.decision().state.value == "expired"


def test_user_budget_put_clear_and_turn_off(tmp_path: Path) -> None:
    clock = Clock()
    idle = checker(tmp_path, clock, timeout_minutes=60, max_idle_usd=5.0)
    idle.set_hourly_rate(2.0)
    result = idle.update_user_settings({"max_idle_usd": 0.5})
    assert result["max_idle_usd"] == 0.5 and result["admin_max_idle_usd"] == 5.0
    assert "Idle budget: $0.5." in result["message"]
    assert idle.status_json()["seconds_until_shutdown"] == 900
    # Persisted: a new checker reads it back.
    assert checker(tmp_path, clock, max_idle_usd=5.0).effective_max_idle_usd == 0.5
    assert idle.update_user_settings({"max_idle_usd": 0})["max_idle_usd"] is None
    assert idle.status_json()["limit"] == "timeout"
    assert idle.update_user_settings({"max_idle_usd": None})["max_idle_usd"] == 5.0
    for bad in (-1, "lots", float("inf"), True):
        with pytest.raises(SettingsError):
            idle.update_user_settings({"max_idle_usd": bad})


def test_admin_budget_holds_when_users_may_not_override(tmp_path: Path) -> None:
    clock = Clock()
    SettingsStore(str(tmp_path)).save({"max_idle_usd": 100.0})
    idle = checker(tmp_path, clock, max_idle_usd=1.0, allow_user_override=False)
    assert idle.effective_max_idle_usd == 1.0
    assert idle.config_json()["user_max_idle_usd"] is None


# -- pricing settings and the async service ---------------------------------------------


def test_pricing_traits_are_validated() -> None:
    with pytest.raises(TraitError, match="unknown component"):
        Pricing(overrides={"gpu:ml.g5.xlarge": 1.0})
    with pytest.raises(TraitError, match="positive"):
        Pricing(overrides={"ml.g5.xlarge": 0})
    with pytest.raises(TraitError, match="discount_percent"):
        Pricing(discount_percent=100)
    ok = Pricing(overrides={"training:ml.p3.2xlarge": "3.5"}, discount_percent=10)
    assert ok.overrides == {"training:ml.p3.2xlarge": 3.5}


def test_built_resolver_uses_overrides_discount_and_the_cache_file(tmp_path: Path) -> None:
    calls: list[PriceKey] = []

    class FakePricing:
        def get_products(self, **kw: Any) -> dict[str, Any]:
            calls.append(kw)  # type: ignore[arg-type]
            return {"PriceList": []}

    config = Pricing(overrides={"ml.t3.medium": 0.05}, discount_percent=20)
    resolver = config.build_resolver(str(tmp_path), client_factory=FakePricing)
    over = resolver.resolve(PriceKey("us-east-1", "ml.t3.medium", "training"))
    assert isinstance(over, Price) and over.usd_per_hour == 0.05 and over.source == "override"
    missing = resolver.resolve(PriceKey("us-east-1", "ml.zz.large", "training"))
    assert missing.to_dict()["known"] is False
    assert len(calls) == 1
    assert (tmp_path / "price-cache.json").exists()


def test_storage_price_is_per_gb_hour_from_the_gb_month_rate() -> None:
    def product(usage: str, unit: str, usd: str) -> str:
        return json.dumps(
            {
                "product": {
                    "productFamily": "Storage",
                    "sku": usage,
                    "attributes": {"regionCode": "us-east-1", "usagetype": usage},
                },
                "terms": {
                    "OnDemand": {
                        "t": {
                            "priceDimensions": {
                                "d": {"unit": unit, "pricePerUnit": {"USD": usd}, "beginRange": "0"}
                            }
                        }
                    }
                },
            }
        )

    class FakePricing:
        def get_products(self, **kw: Any) -> dict[str, Any]:
            fields = {f["Field"]: f["Value"] for f in kw["Filters"]}
            assert fields == {"regionCode": "us-east-1", "productFamily": "Storage"}
            return {
                "PriceList": [
                    product("USE1-Studio:VolumeUsage.gp3", "GB-Mo", "0.1120000000"),
                    product("USE1-Studio:VolumeUsage.gp2", "GB-Mo", "0.9"),  # another type
                    product("USE1-Notebook:VolumeUsage.gp3", "GB-Mo", "0.9"),  # not Studio
                    product("USE1-Studio:VolumeUsage.gp3", "Hrs", "0.5"),  # wrong unit
                ]
            }

    price = fetch_price(FakePricing(), PriceKey("us-east-1", "gp3", STORAGE_COMPONENT))
    assert price is not None
    assert price.usd_per_hour == pytest.approx(0.112 / 730)
    assert "$0.112 per GB-month" in price.detail


async def test_price_service_single_flight_and_pending() -> None:
    gate = threading.Event()
    calls: list[PriceKey] = []

    def fetch(key: PriceKey) -> Price | None:
        calls.append(key)
        gate.wait(5)
        return Price(1.5, "price-list-api", "2026-11-26", "test")

    resolver = PriceResolver(fetch=fetch)

    async def run(fn: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, fn)

    service = PriceService(resolver, run)
    key = PriceKey("us-east-1", "ml.g5.xlarge", "studio-jupyterlab")
    first = await service.get_many([key], wait_seconds=0.05)
    assert isinstance(first[key], Pending)
    assert first[key].to_dict()["source"] == "pending"
    waiting = [asyncio.ensure_future(service.get(key)) for _ in range(20)]
    await asyncio.sleep(0.05)
    gate.set()
    answers = await asyncio.gather(*waiting)
    assert {a.usd_per_hour for a in answers if isinstance(a, Price)} == {1.5}
    assert len(calls) == 1
    # Remembered: no thread hop, no new call.
    assert service.peek(key) is not None
    assert (await service.get_many([key], 0))[key].to_dict()["known"] is True
    assert len(calls) == 1


def test_utcnow_is_aware() -> None:
    assert utcnow().tzinfo is not None
