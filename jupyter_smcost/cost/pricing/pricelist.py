"""Reading AWS Price List products: the `get_products` answers and the bulk offer file.

Both carry, per product, `product.attributes` (`regionCode`, `instanceName`, `component`, ...)
and on-demand terms `{offerTermCode: {"priceDimensions": {rateCode: {"unit", "pricePerUnit",
"description", ...}}}}`. Only on-demand USD rates billed per hour (`unit == "Hrs"`) count; fee
rows, other units, $0 rows, non-USD rates and tiered rates not starting at 0 are rejected.
botocore is imported only inside `default_client`.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .components import (
    HOURS_PER_MONTH,
    SERVICE_CODE,
    STORAGE_COMPONENT,
    STUDIO_EBS_STORAGE,
    component_key_of,
)
from .model import Price, PriceKey

log = logging.getLogger(__name__)

HOURLY_UNIT = "Hrs"
DEFAULT_ENDPOINT_REGION = "us-east-1"
_FEE = re.compile(r"\bfees?\b", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Rate:
    """One acceptable hourly on-demand USD rate of one product."""

    usd_per_hour: float
    sku: str
    rate_code: str
    description: str


def _is_fee(*texts: object) -> bool:
    return any(isinstance(t, str) and _FEE.search(t) for t in texts)


def _usd(dimension: Mapping[str, Any]) -> float | None:
    per_unit = dimension.get("pricePerUnit")
    if not isinstance(per_unit, Mapping) or "USD" not in per_unit:
        return None
    try:
        value = float(per_unit["USD"])
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) and value > 0 else None


def hourly_rates(
    product: Mapping[str, Any], on_demand: Mapping[str, Any], unit: str = HOURLY_UNIT
) -> list[Rate]:
    """The acceptable rates of one product given its on-demand terms (by offer term code)."""
    attrs = product.get("attributes") or {}
    sku = str(product.get("sku", ""))
    if _is_fee(product.get("productFamily"), attrs.get("usagetype"), attrs.get("operation")):
        return []
    rates = []
    for term in on_demand.values():
        if not isinstance(term, Mapping):
            continue
        for code, dim in (term.get("priceDimensions") or {}).items():
            if not isinstance(dim, Mapping) or dim.get("unit") != unit:
                continue
            if str(dim.get("beginRange", "0")) not in ("0", "0.0"):
                continue
            description = str(dim.get("description", ""))
            if _is_fee(description):
                continue
            usd = _usd(dim)
            if usd is not None:
                rates.append(Rate(usd, sku, str(dim.get("rateCode", code)), description))
    return rates


def parse_price_list_item(
    item: str | Mapping[str, Any], unit: str = HOURLY_UNIT
) -> tuple[dict[str, Any], list[Rate]]:
    """One `PriceList` entry of `get_products` (a JSON string) -> (attributes, rates)."""
    data = json.loads(item) if isinstance(item, str) else item
    product = data.get("product") or {}
    on_demand = (data.get("terms") or {}).get("OnDemand") or {}
    attrs = dict(product.get("attributes") or {})
    attrs.setdefault("productFamily", product.get("productFamily"))
    return attrs, hourly_rates(product, on_demand, unit)


def is_studio_storage(attrs: Mapping[str, Any], volume_type: str) -> bool:
    """Whether a product is the Studio space volume of `volume_type` (e.g. gp3)."""
    usage = str(attrs.get("usagetype") or "")
    suffix = str(STUDIO_EBS_STORAGE["usagetype_suffix"]).rsplit(".", 1)[0] + "." + volume_type
    return attrs.get("productFamily") == STUDIO_EBS_STORAGE["productFamily"] and usage.endswith(
        suffix
    )


def matches(attrs: Mapping[str, Any], key: PriceKey) -> bool:
    """Whether a product's attributes are those of `key` (re-checked after TERM_MATCH)."""
    if key.component == STORAGE_COMPONENT:
        return attrs.get("regionCode") == key.region and is_studio_storage(attrs, key.instance_type)
    return (
        attrs.get("regionCode") == key.region
        and attrs.get("instanceName") == key.instance_type
        and component_key_of(attrs) == key.component
    )


def choose(rates: Iterable[Rate]) -> tuple[Rate, int] | None:
    """A deterministic pick among several acceptable rates: the highest (never understate a
    cost), ties broken by SKU and rate code. Returns it and how many distinct rates there were.
    """
    ordered = sorted(set(rates), key=lambda r: (-r.usd_per_hour, r.sku, r.rate_code))
    if not ordered:
        return None
    return ordered[0], len({r.usd_per_hour for r in ordered})


def build_filters(key: PriceKey) -> list[dict[str, str]]:
    """The `get_products` TERM_MATCH filters for one key."""
    if key.component == STORAGE_COMPONENT:
        # The usage type carries a region prefix, so it is matched after the answer.
        return [
            {"Type": "TERM_MATCH", "Field": "regionCode", "Value": key.region},
            {
                "Type": "TERM_MATCH",
                "Field": "productFamily",
                "Value": str(STUDIO_EBS_STORAGE["productFamily"]),
            },
        ]
    return [
        {"Type": "TERM_MATCH", "Field": "regionCode", "Value": key.region},
        {"Type": "TERM_MATCH", "Field": "instanceName", "Value": key.instance_type},
        # The component is matched on our side (see components.py): AWS spells it in two
        # attributes and in two cases.
    ]


def fetch_price(
    client: Any,
    key: PriceKey,
    *,
    endpoint_region: str = DEFAULT_ENDPOINT_REGION,
    today: _dt.date | None = None,
    max_pages: int = 20,
) -> Price | None:
    """Ask the Price List API (`client`: boto3 `pricing` client or a fake) for one key.

    Follows `NextToken`; returns None when no acceptable hourly rate exists. AWS errors
    propagate to the caller.
    """
    storage = key.component == STORAGE_COMPONENT
    unit = str(STUDIO_EBS_STORAGE["unit"]) if storage else HOURLY_UNIT
    rates: list[Rate] = []
    token = None
    for _ in range(max_pages):
        kwargs: dict[str, Any] = {
            "ServiceCode": SERVICE_CODE,
            "Filters": build_filters(key),
            "FormatVersion": "aws_v1",
            "MaxResults": 100,
        }
        if token:
            kwargs["NextToken"] = token
        page = client.get_products(**kwargs)
        for item in page.get("PriceList", []):
            try:
                attrs, item_rates = parse_price_list_item(item, unit)
            except (ValueError, TypeError, AttributeError):
                log.warning("ignoring an unreadable Price List product for %s", key.as_str())
                continue
            if matches(attrs, key):
                rates.extend(item_rates)
        token = page.get("NextToken")
        if not token:
            break
    picked = choose(rates)
    if picked is None:
        return None
    rate, distinct = picked
    day = (today or _dt.date.today()).isoformat()
    detail = f"AWS Price List API, {endpoint_region}, {day}"
    if distinct > 1:
        detail += f" (highest of {distinct} on-demand rates)"
    if storage:
        detail += f"; ${rate.usd_per_hour:g} per GB-month"
        return Price(rate.usd_per_hour / HOURS_PER_MONTH, "price-list-api", day, detail)
    return Price(rate.usd_per_hour, "price-list-api", day, detail)


def default_client(endpoint_region: str = DEFAULT_ENDPOINT_REGION) -> Any:
    """A standalone `pricing` client (the Price List API has endpoints in few regions), with
    the same connect/read timeouts and retries as every other client (`aws.client_config`).
    The server passes its shared `AwsClients.client` instead."""
    from ...aws import client_config, new_session

    return new_session().create_client(
        "pricing", region_name=endpoint_region, config=client_config()
    )


def make_fetcher(
    client_factory: Callable[[], Any] | None = None,
    *,
    endpoint_region: str = DEFAULT_ENDPOINT_REGION,
    today: Callable[[], _dt.date] = _dt.date.today,
) -> Callable[[PriceKey], Price | None]:
    """A `fetch(key)` for `PriceResolver`; the client is built on first use, then reused."""
    clients: list[Any] = []

    def fetch(key: PriceKey) -> Price | None:
        if not clients:
            factory = client_factory or (lambda: default_client(endpoint_region))
            clients.append(factory())
        return fetch_price(clients[0], key, endpoint_region=endpoint_region, today=today())

    return fetch
