"""The pricing core: Price List parsing, cache, resolver order, snapshot and its generator."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from jupyter_smcost.cost.pricing import (
    COMPONENTS,
    Price,
    PriceCache,
    PriceKey,
    PriceResolver,
    Unknown,
    build_filters,
    fetch_price,
    load_snapshot,
    make_fetcher,
)
from jupyter_smcost.cost.pricing.components import check_component_values, price_list_value
from jupyter_smcost.cost.pricing.pricelist import parse_price_list_item
from jupyter_smcost.cost.pricing.snapshot import NO_SNAPSHOT, parse_snapshot
from tests.support.paths import FIXTURES, REPO

FIXTURE = FIXTURES / "pricing" / "offer_sagemaker_small.json"
ROOT = REPO
TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def offer() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text())


def price_list_items(offer: dict[str, Any]) -> list[str]:
    """The fixture's products as `get_products` returns them: one JSON string each."""
    return [
        json.dumps(
            {
                "product": product,
                "serviceCode": "AmazonSageMaker",
                "terms": {"OnDemand": offer["terms"]["OnDemand"][sku]},
                "version": offer["version"],
                "publicationDate": offer["publicationDate"],
            }
        )
        for sku, product in offer["products"].items()
    ]


class FakePricing:
    """A `pricing` client that applies TERM_MATCH filters and pages `page_size` at a time."""

    def __init__(self, items: list[str], page_size: int = 2, delay: float = 0.0) -> None:
        self.items, self.page_size, self.delay = items, page_size, delay
        self.calls: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def get_products(self, **kwargs: Any) -> dict[str, Any]:
        with self.lock:
            self.calls.append(kwargs)
        time.sleep(self.delay)
        assert kwargs["ServiceCode"] == "AmazonSageMaker"
        wanted = {f["Field"]: f["Value"] for f in kwargs["Filters"]}
        assert all(f["Type"] == "TERM_MATCH" for f in kwargs["Filters"])
        hits = [
            i
            for i in self.items
            if all(json.loads(i)["product"]["attributes"].get(k) == v for k, v in wanted.items())
        ]
        start = int(kwargs.get("NextToken", "0"))
        page: dict[str, Any] = {"PriceList": hits[start : start + self.page_size]}
        if start + self.page_size < len(hits):
            page["NextToken"] = str(start + self.page_size)
        return page


def key(instance: str, component: str = "training", region: str = "us-east-1") -> PriceKey:
    return PriceKey(region=region, instance_type=instance, component=component)


# --- model and components ---------------------------------------------------------------


def test_price_rejects_zero_negative_and_unknown_source() -> None:
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            Price(bad, "cache", "2026-11-26", "x")
    with pytest.raises(ValueError):
        Price(1.0, "guess", "2026-11-26", "x")


def test_unknown_says_why_and_is_not_zero() -> None:
    u = Unknown.for_key(key("ml.x"), "nope")
    assert u.reason.startswith("price unknown for ml.x (training) in region us-east-1")
    assert u.to_dict()["usd_per_hour"] is None and u.to_dict()["known"] is False


def test_component_table_covers_every_key() -> None:
    assert set(COMPONENTS) == {
        "studio-jupyterlab",
        "studio-codeeditor",
        "studio-kernelgateway",
        "notebook-instance",
        "training",
        "processing",
        "transform",
        "hosting",
        "studio-storage",
    }
    with pytest.raises(ValueError):
        price_list_value("gpu-party")


def test_check_component_values_pages_get_attribute_values() -> None:
    class Client:
        def get_attribute_values(self, **kw: Any) -> dict[str, Any]:
            if kw["AttributeName"] == "platoinstancetype":
                return {"AttributeValues": [{"Value": "Studio-JupyterLab"}]}
            assert kw["AttributeName"] == "component"
            if "NextToken" not in kw:
                return {"AttributeValues": [{"Value": "Training"}], "NextToken": "t"}
            return {"AttributeValues": [{"Value": "Hosting"}]}

    result = check_component_values(Client())
    assert result["training"] and result["hosting"] and result["studio-jupyterlab"]
    assert not result["processing"]


# --- Price List parsing -----------------------------------------------------------------


def test_parse_keeps_on_demand_usd_hourly(offer: dict[str, Any]) -> None:
    items = {json.loads(i)["product"]["sku"]: i for i in price_list_items(offer)}
    attrs, rates = parse_price_list_item(items["SKUTRAINM5XL"])
    assert attrs["instanceName"] == "ml.m5.xlarge"
    assert [r.usd_per_hour for r in rates] == [0.23]


@pytest.mark.parametrize("sku", ["SKUFEE", "SKUFEEDESC", "SKUZERO", "SKUGBMO", "SKUCNY", "SKUTIER"])
def test_parse_rejects_traps(offer: dict[str, Any], sku: str) -> None:
    items = {json.loads(i)["product"]["sku"]: i for i in price_list_items(offer)}
    assert parse_price_list_item(items[sku])[1] == []


def test_filters() -> None:
    assert build_filters(key("ml.g5.xlarge", "studio-jupyterlab")) == [
        {"Type": "TERM_MATCH", "Field": "regionCode", "Value": "us-east-1"},
        {"Type": "TERM_MATCH", "Field": "instanceName", "Value": "ml.g5.xlarge"},
    ]


def test_component_matched_on_either_attribute_in_any_case() -> None:
    from jupyter_smcost.cost.pricing.components import component_key_of

    assert component_key_of({"platoinstancetype": "Studio-JupyterLab"}) == "studio-jupyterlab"
    assert component_key_of({"component": "studio-jupyterlab"}) == "studio-jupyterlab"
    assert component_key_of({"component": "Studio-Notebook"}) == "studio-kernelgateway"
    assert component_key_of({"platoinstancetype": "BatchTransform"}) == "transform"
    assert component_key_of({"component": "Batch-Transform"}) == "transform"
    assert component_key_of({"component": "SpotTraining"}) is None
    assert component_key_of({"usagetype": "USE1-TrainingPlanUpfrontFee"}) is None


def test_fetch_paginates_and_picks_highest_deterministically(offer: dict[str, Any]) -> None:
    client = FakePricing(price_list_items(offer), page_size=1)
    price = fetch_price(client, key("ml.p3.2xlarge"), today=TODAY)
    assert price is not None
    assert price.usd_per_hour == 3.9 and price.source == "price-list-api"
    assert price.as_of == "2026-11-26"
    assert price.detail.startswith("AWS Price List API, us-east-1, 2026-11-26")
    # Three products answer (two Training rates and an upfront fee with no component).
    assert len(client.calls) == 3 and client.calls[1]["NextToken"] == "1"


def test_fetch_returns_none_for_only_rejected_rows(offer: dict[str, Any]) -> None:
    client = FakePricing(price_list_items(offer))
    assert fetch_price(client, key("ml.c5.xlarge"), today=TODAY) is None  # $0 row
    assert fetch_price(client, key("ml.g5.xlarge", "hosting"), today=TODAY) is None  # fees
    assert fetch_price(client, key("ml.nope"), today=TODAY) is None


def test_fetch_ignores_products_of_other_keys() -> None:
    """A product not matching the key (e.g. a sloppy server-side filter) is not used."""

    class Loose:
        def get_products(self, **kw: Any) -> dict[str, Any]:
            item = {
                "product": {
                    "sku": "S",
                    "attributes": {
                        "regionCode": "eu-west-1",
                        "instanceName": "ml.m5.xlarge",
                        "component": "Training",
                    },
                },
                "terms": {
                    "OnDemand": {
                        "S.T": {
                            "priceDimensions": {
                                "R": {"unit": "Hrs", "pricePerUnit": {"USD": "1.0"}}
                            }
                        }
                    }
                },
            }
            return {"PriceList": [json.dumps(item), "not json"]}

    assert fetch_price(Loose(), key("ml.m5.xlarge"), today=TODAY) is None


def test_make_fetcher_builds_client_once(offer: dict[str, Any]) -> None:
    built: list[FakePricing] = []

    def factory() -> FakePricing:
        built.append(FakePricing(price_list_items(offer)))
        return built[-1]

    fetch = make_fetcher(factory, today=lambda: TODAY)
    assert fetch(key("ml.m5.xlarge")) is not None
    assert fetch(key("ml.m5.xlarge", "hosting")) is not None
    assert len(built) == 1


def test_no_boto3_import_at_module_import() -> None:
    code = (
        "import sys, jupyter_smcost.cost.pricing; "
        "sys.exit(1 if 'boto3' in sys.modules or 'botocore' in sys.modules else 0)"
    )
    import subprocess

    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


# --- cache ------------------------------------------------------------------------------


class Clock:
    def __init__(self, t: float = 1_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def api_price(usd: float = 0.23) -> Price:
    return Price(usd, "price-list-api", "2026-11-26", "AWS Price List API, us-east-1, 2026-11-26")


def test_cache_roundtrip_and_ttl(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "sub" / "prices.json"
    cache = PriceCache(path, ttl_seconds=100, clock=clock)
    cache.put(key("ml.m5.xlarge"), api_price())
    fresh = PriceCache(path, ttl_seconds=100, clock=clock).get(key("ml.m5.xlarge"))
    assert fresh is not None and fresh.source == "cache" and fresh.usd_per_hour == 0.23
    assert fresh.as_of == "2026-11-26" and "AWS Price List API" in fresh.detail
    clock.t += 99
    assert cache.get(key("ml.m5.xlarge")) is not None
    clock.t += 1
    assert cache.get(key("ml.m5.xlarge")) is None


def test_cache_default_ttl_is_seven_days(tmp_path: Path) -> None:
    assert PriceCache(tmp_path / "p.json").ttl_seconds == 7 * 24 * 3600


@pytest.mark.parametrize(
    "content", ["{not json", "[]", '{"version": 99}', '{"version": 1, "prices": []}', ""]
)
def test_corrupt_cache_is_ignored_and_rewritten(tmp_path: Path, content: str) -> None:
    path = tmp_path / "prices.json"
    path.write_text(content)
    cache = PriceCache(path, clock=Clock())
    assert cache.get(key("ml.m5.xlarge")) is None
    cache.put(key("ml.m5.xlarge"), api_price())
    data = json.loads(path.read_text())
    assert data["version"] == 1 and "us-east-1|training|ml.m5.xlarge" in data["prices"]


def test_cache_writes_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "prices.json"
    cache = PriceCache(path, clock=Clock())
    cache.put(key("ml.m5.xlarge"), api_price())
    before = path.read_text()

    def boom(*args: Any) -> None:
        raise OSError("disk full")

    import jupyter_smcost.cost.pricing.cache as cache_mod

    monkeypatch.setattr(cache_mod.os, "replace", boom)
    cache.put(key("ml.c5.xlarge"), api_price(0.2))  # logged, not raised
    assert path.read_text() == before  # the old file is intact
    assert [p.name for p in tmp_path.iterdir()] == ["prices.json"]  # no temp file left


def test_cache_misses_expire(tmp_path: Path) -> None:
    clock = Clock()
    cache = PriceCache(tmp_path / "p.json", clock=clock)
    cache.put_miss(key("ml.x"), "not in the AWS Price List", 60)
    miss = cache.get_miss(key("ml.x"))
    assert miss is not None and miss.reason == "not in the AWS Price List"
    clock.t += 60
    assert cache.get_miss(key("ml.x")) is None


def test_cache_is_thread_safe(tmp_path: Path) -> None:
    cache = PriceCache(tmp_path / "p.json", clock=Clock())

    def work(i: int) -> None:
        cache.put(key(f"ml.m5.{i}xlarge"), api_price(1 + i))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(json.loads((tmp_path / "p.json").read_text())["prices"]) == 20


# --- snapshot ---------------------------------------------------------------------------


def test_missing_snapshot_is_empty_with_reason(tmp_path: Path) -> None:
    snap = load_snapshot(tmp_path / "none.json")
    assert snap.empty and snap.detail == NO_SNAPSHOT


def test_unreadable_snapshot_is_empty(tmp_path: Path) -> None:
    (tmp_path / "s.json").write_text("{")
    snap = load_snapshot(tmp_path / "s.json")
    assert snap.empty and "unreadable" in snap.detail


def test_snapshot_lookup_and_validation() -> None:
    snap = parse_snapshot(
        {
            "source": "AWS bulk offer file",
            "generated": "2026-11-01",
            "prices": {"us-east-1": {"training": {"ml.m5.xlarge": 0.23, "ml.z": 0, "ml.b": True}}},
        }
    )
    price = snap.lookup(key("ml.m5.xlarge"))
    assert price is not None and price.source == "snapshot" and price.as_of == "2026-11-01"
    assert "AWS bulk offer file" in price.detail
    assert snap.lookup(key("ml.z")) is None and snap.lookup(key("ml.b")) is None
    with pytest.raises(ValueError):
        parse_snapshot({"prices": []})


# --- resolver ---------------------------------------------------------------------------


SNAP = parse_snapshot(
    {
        "source": "s",
        "generated": "2026-11-01",
        "prices": {"us-east-1": {"training": {"ml.m5.xlarge": 0.20, "ml.snap": 1.0}}},
    }
)


def make(fetch: Any = None, **kw: Any) -> PriceResolver:
    kw.setdefault("clock", Clock())
    kw.setdefault("snapshot", SNAP)
    return PriceResolver(fetch=fetch, today=lambda: TODAY, **kw)


def test_resolver_order_override_cache_api_snapshot_unknown() -> None:
    calls: list[PriceKey] = []

    def fetch(k: PriceKey) -> Price | None:
        calls.append(k)
        return api_price(0.25) if k.instance_type == "ml.m5.xlarge" else None

    r = make(fetch, overrides={"training:ml.c5.xlarge": 0.1, "ml.c5.xlarge": 0.3})
    over = r.resolve(key("ml.c5.xlarge"))
    assert isinstance(over, Price) and over.source == "override" and over.usd_per_hour == 0.1
    instance_only = r.resolve(key("ml.c5.xlarge", "hosting"))
    assert isinstance(instance_only, Price) and instance_only.usd_per_hour == 0.3
    first = r.resolve(key("ml.m5.xlarge"))
    assert isinstance(first, Price) and first.source == "price-list-api"
    second = r.resolve(key("ml.m5.xlarge"))
    assert isinstance(second, Price) and second.source == "cache" and second.usd_per_hour == 0.25
    snap = r.resolve(key("ml.snap"))
    assert isinstance(snap, Price) and snap.source == "snapshot"
    unknown = r.resolve(key("ml.nothing"))
    assert isinstance(unknown, Unknown) and "ml.nothing" in unknown.reason
    assert "not in the AWS Price List" in unknown.reason
    assert calls == [key("ml.m5.xlarge"), key("ml.snap"), key("ml.nothing")]


def test_discount_applies_to_list_prices_not_overrides() -> None:
    r = make(lambda k: api_price(1.0), overrides={"ml.o": 2.0}, discount_percent=25)
    api = r.resolve(key("ml.api"))
    assert isinstance(api, Price) and api.usd_per_hour == pytest.approx(0.75)
    assert "25% discount" in api.detail
    cached = r.resolve(key("ml.api"))
    assert isinstance(cached, Price) and cached.source == "cache"
    assert cached.usd_per_hour == pytest.approx(0.75)
    snap = make(None, discount_percent=50).resolve(key("ml.snap"))
    assert isinstance(snap, Price) and snap.usd_per_hour == pytest.approx(0.5)
    over = r.resolve(key("ml.o"))
    assert isinstance(over, Price) and over.usd_per_hour == 2.0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"discount_percent": -1},
        {"discount_percent": 100},
        {"overrides": {"ml.x": 0}},
        {"overrides": {"nonsense:ml.x": 1}},
    ],
)
def test_resolver_rejects_bad_configuration(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        make(None, **kwargs)


def test_unknown_without_api_or_snapshot_says_so() -> None:
    r = PriceResolver(snapshot=load_snapshot("/no/such/file.json"))
    result = r.resolve(key("ml.m5.xlarge"))
    assert isinstance(result, Unknown)
    assert NO_SNAPSHOT in result.reason and "no Price List access" in result.reason
    assert isinstance(r.resolve(key("ml.m5.xlarge", "bogus")), Unknown)


def test_twenty_concurrent_callers_make_one_api_call(offer: dict[str, Any]) -> None:
    client = FakePricing(price_list_items(offer), page_size=100, delay=0.05)
    r = make(make_fetcher(lambda: client, today=lambda: TODAY))
    results: list[Any] = []
    barrier = threading.Barrier(20)

    def ask() -> None:
        barrier.wait()
        results.append(r.resolve(key("ml.p3.2xlarge")))

    threads = [threading.Thread(target=ask) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(client.calls) == 1
    assert len(results) == 20 and all(
        isinstance(p, Price) and p.usd_per_hour == 3.9 for p in results
    )


def test_one_call_per_ttl_then_refresh(tmp_path: Path) -> None:
    clock = Clock()
    calls: list[PriceKey] = []

    def fetch(k: PriceKey) -> Price:
        calls.append(k)
        return api_price()

    r = make(
        fetch, clock=clock, cache=PriceCache(tmp_path / "p.json", ttl_seconds=100, clock=clock)
    )
    for _ in range(5):
        r.resolve(key("ml.m5.xlarge"))
    assert len(calls) == 1
    clock.t += 100
    r.resolve(key("ml.m5.xlarge"))
    assert len(calls) == 2


@pytest.mark.parametrize("failure", ["empty", "error"])
def test_negative_answers_are_remembered(failure: str) -> None:
    clock = Clock()
    calls: list[PriceKey] = []

    def fetch(k: PriceKey) -> Price | None:
        calls.append(k)
        if failure == "error":
            raise RuntimeError("ThrottlingException")
        return None

    r = make(fetch, clock=clock, miss_ttl_seconds=600)
    for _ in range(10):
        result = r.resolve(key("ml.m5.xlarge"))
        # the snapshot still answers while the API is known to have nothing
        assert isinstance(result, Price) and result.source == "snapshot"
    assert len(calls) == 1
    missing = r.resolve(key("ml.none"))
    assert isinstance(missing, Unknown)
    assert ("ThrottlingException" if failure == "error" else "not in") in missing.reason
    clock.t += 600
    r.resolve(key("ml.m5.xlarge"))
    assert len(calls) == 3


def test_persisted_cache_survives_restart(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "p.json"
    make(lambda k: api_price(), clock=clock, cache=PriceCache(path, clock=clock)).resolve(
        key("ml.m5.xlarge")
    )

    def no_call(k: PriceKey) -> Price | None:
        raise AssertionError("the cache should answer")

    again = make(no_call, clock=clock, cache=PriceCache(path, clock=clock))
    result = again.resolve(key("ml.m5.xlarge"))
    assert isinstance(result, Price) and result.source == "cache"


# --- scripts/update_prices.py -----------------------------------------------------------


def load_script() -> Any:
    spec = importlib.util.spec_from_file_location(
        "update_prices", ROOT / "scripts" / "update_prices.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_update_prices_on_fixture(tmp_path: Path) -> None:
    script = load_script()
    out = tmp_path / "snapshot.json"
    rc = script.main(
        [
            "--input",
            str(FIXTURE),
            "--output",
            str(out),
            "--regions",
            "us-east-1,eu-west-1",
            "--generated",
            "2026-11-26",
        ]
    )
    assert rc == 0
    data = json.loads(out.read_text())
    assert data["generated"] == "2026-11-26" and "published 2026-11-01" in data["source"]
    assert data["prices"] == {
        "us-east-1": {
            "training": {"ml.m5.xlarge": 0.23, "ml.p3.2xlarge": 3.9},
            "hosting": {"ml.m5.xlarge": 0.23},
            "notebook-instance": {"ml.t3.medium": 0.05},
            "studio-jupyterlab": {"ml.g5.xlarge": 1.41},
            "studio-codeeditor": {"ml.g5.xlarge": 1.41},
            "studio-kernelgateway": {"ml.t3.medium": 0.05},
            "transform": {"ml.m5.xlarge": 0.23},
        },
        "eu-west-1": {"processing": {"ml.m5.xlarge": 0.256}},
    }
    snap = load_snapshot(out)
    price = snap.lookup(key("ml.g5.xlarge", "studio-jupyterlab"))
    assert price is not None and price.usd_per_hour == 1.41 and price.as_of == "2026-11-26"


def test_update_prices_lists_components(capsys: pytest.CaptureFixture[str]) -> None:
    assert load_script().main(["--input", str(FIXTURE), "--list-components"]) == 0
    out = capsys.readouterr().out
    assert "'Data-Wrangler'" in out and "'Studio-Notebook'" in out and "studio-jupyterlab" in out


def test_update_prices_fails_when_nothing_matches(tmp_path: Path) -> None:
    rc = load_script().main(
        ["--input", str(FIXTURE), "--output", str(tmp_path / "s.json"), "--regions", "xx-1"]
    )
    assert rc == 1 and not (tmp_path / "s.json").exists()


@pytest.mark.timeout(20)
@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_a_hostile_snapshot_is_refused_at_once(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "admin-prices.json"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    snap = load_snapshot(path)
    assert snap.empty and "unreadable" in snap.detail
