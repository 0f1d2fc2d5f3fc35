"""The emulator's Price List catalog: SageMaker products in the `aws_v1` format that the
Price List API's GetProducts returns, one JSON document per product.

EVERY FIGURE HERE IS AN EMULATOR DEMO FIGURE, NOT AN AWS PRICE: plausible magnitudes so the
demo looks sensible, and distinct per component and region so a test notices a lookup of the
wrong component or region. Each real row says "emulator demo rate" in its description.

Next to each real hourly row the default catalog holds rows the Price List parser must
reject (`jupyter_smcost.cost.pricing.pricelist`), all with the same region, instance and
component, so every GetProducts answer for a key carries them:
a fee row (dearer, so accepting it would show), a $0.0000000000 row and a row in another
unit (GB-Mo, dearer). The Studio EBS volume (product family "Storage") has a $0 row too.

Product attributes follow the real documents' names (`regionCode`, `instanceName`,
`component`, `platoinstancetype`, `usagetype`, ...); the usage-type spellings copy the test
fixture's and are illustrative. `component` values come from
`jupyter_smcost.cost.pricing.components`, so the catalog follows that table if it is corrected;
`platoinstancetype` values are the ones that table's notes cite (they differ from
`component` in case for the new Studio apps, as on AWS). No moto import:
`control.reset_state` uses this module.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jupyter_smcost.cost.pricing.components import (
    COMPONENTS,
    SERVICE_CODE,
    STORAGE_COMPONENT,
    STORAGE_VOLUME_TYPE,
    STUDIO_EBS_STORAGE,
    price_list_value,
)

DEMO_NOTE = "emulator demo rate"
FORMAT_VERSION = "aws_v1"
CATALOG_VERSION = "20261101000000"
PUBLICATION_DATE = "2026-11-01T00:00:00Z"
EFFECTIVE_DATE = "2026-11-01T00:00:00Z"
#: The on-demand offer term code and rate code suffix every real document uses.
ON_DEMAND_TERM = "JRTCKXETXF"
RATE_CODE = "6YS6EN2CT7"
HOURLY_UNIT = "Hrs"
STORAGE_UNIT = str(STUDIO_EBS_STORAGE["unit"])
STORAGE_FAMILY = str(STUDIO_EBS_STORAGE["productFamily"])
INSTANCE_FAMILY = "ML Instance"

#: region code -> (location name, usage-type prefix, demo price factor against us-east-1).
REGIONS: dict[str, tuple[str, str, float]] = {
    "us-east-1": ("US East (N. Virginia)", "USE1", 1.0),
    "eu-west-1": ("EU (Ireland)", "EU", 1.12),
}

#: Emulator demo figures: USD per hour of a Studio notebook in us-east-1.
DEMO_STUDIO_USD_PER_HOUR: dict[str, float] = {
    "ml.t3.medium": 0.05,
    "ml.t3.large": 0.1,
    "ml.m5.large": 0.115,
    "ml.m5.xlarge": 0.23,
    "ml.g5.xlarge": 1.408,
    "ml.g5.2xlarge": 1.515,
    "ml.p3.2xlarge": 3.825,
}

#: Emulator demo factors per component key: every component has its own figure, so a
#: lookup under the wrong component shows in the price.
DEMO_COMPONENT_FACTOR: dict[str, float] = {
    "studio-jupyterlab": 1.0,
    "studio-codeeditor": 1.02,
    "studio-kernelgateway": 0.99,
    "notebook-instance": 0.98,
    "training": 1.04,
    "processing": 1.03,
    "transform": 1.06,
    "hosting": 1.1,
}

#: Per component key: `platoinstancetype` and the usage type ({tag} marks trap rows).
_PRODUCT_NAMES: dict[str, tuple[str, str]] = {
    "studio-jupyterlab": ("Studio-JupyterLab", "Studio:JupyterLab{tag}-{instance}"),
    "studio-codeeditor": ("Studio-CodeEditor", "Studio:CodeEditor{tag}-{instance}"),
    "studio-kernelgateway": ("Studio-Notebook", "Studio:KernelGateway{tag}-{instance}"),
    "notebook-instance": ("Notebook", "Notebook{tag}:{instance}"),
    "training": ("Training", "Training{tag}:{instance}"),
    "processing": ("Processing", "Processing{tag}:{instance}"),
    "transform": ("BatchTransform", "BatchTransform{tag}:{instance}"),
    "hosting": ("Hosting", "Hosting{tag}:{instance}"),
}

#: Emulator demo figure: USD per GB-month of the Studio space volume in us-east-1.
DEMO_STORAGE_USD_PER_GB_MONTH = 0.14


def demo_usd_per_hour(region: str, component: str, instance_type: str) -> float:
    """The default catalog's emulator demo figure for one of our component keys."""
    base = DEMO_STUDIO_USD_PER_HOUR[instance_type]
    return round(base * DEMO_COMPONENT_FACTOR[component] * REGIONS[region][2], 4)


def demo_storage_usd_per_gb_month(region: str) -> float:
    return round(DEMO_STORAGE_USD_PER_GB_MONTH * REGIONS[region][2], 4)


def _sku(*parts: str) -> str:
    # Stable across runs and processes; SKUs look like "2A3VQX8E2MZ7ZB6G" on AWS.
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    return base64.b32encode(digest).decode()[:16]


def _component_value(component: str) -> str:
    """Our component key ("training") or a raw Price List value ("Training") -> the value."""
    return price_list_value(component) if component in COMPONENTS else component


def _where(region: str, location: str) -> dict[str, str]:
    """The attributes every SageMaker product of a region starts with."""
    return {
        "servicecode": SERVICE_CODE,
        "servicename": "Amazon SageMaker",
        "regionCode": region,
        "location": location,
        "locationType": "AWS Region",
    }


def _location(region: str) -> tuple[str, str]:
    name, prefix, _ = REGIONS.get(region, (region, region.upper().replace("-", ""), 1.0))
    return name, prefix


@dataclass(frozen=True)
class Row:
    """What one price dimension says; `Product.document` wraps it in the aws_v1 format."""

    usd: str
    unit: str
    description: str


def _document(
    sku: str, family: str, attributes: dict[str, str], row: Row, begin: str = "0"
) -> dict[str, Any]:
    term = f"{sku}.{ON_DEMAND_TERM}"
    rate = f"{term}.{RATE_CODE}"
    return {
        "product": {"productFamily": family, "attributes": attributes, "sku": sku},
        "serviceCode": SERVICE_CODE,
        "terms": {
            "OnDemand": {
                term: {
                    "priceDimensions": {
                        rate: {
                            "unit": row.unit,
                            "endRange": "Inf",
                            "description": row.description,
                            "appliesTo": [],
                            "rateCode": rate,
                            "beginRange": begin,
                            "pricePerUnit": {"USD": row.usd},
                        }
                    },
                    "sku": sku,
                    "effectiveDate": EFFECTIVE_DATE,
                    "offerTermCode": ON_DEMAND_TERM,
                    "termAttributes": {},
                }
            }
        },
        "version": CATALOG_VERSION,
        "publicationDate": PUBLICATION_DATE,
    }


def _usd(value: float) -> str:
    return f"{value:.10f}"


def instance_product(
    region: str,
    component: str,
    instance_type: str,
    usd_per_hour: float,
    *,
    variant: str = "",
    unit: str = HOURLY_UNIT,
    usage_tag: str = "",
    description: str | None = None,
) -> dict[str, Any]:
    """One "ML Instance" product document (`component`: our key, or a raw Price List value
    used for both attributes); `variant` makes a distinct SKU (trap rows)."""
    value = _component_value(component)
    plato, usage_template = _PRODUCT_NAMES.get(component, (value, value + "{tag}:{instance}"))
    location, prefix = _location(region)
    usage = f"{prefix}-" + usage_template.format(tag=usage_tag, instance=instance_type)
    sku = _sku(SERVICE_CODE, region, value, instance_type, variant)
    attributes = {
        **_where(region, location),
        "instanceName": instance_type,
        "instanceType": instance_type,
        "component": value,
        "platoinstancetype": plato,
        "usagetype": usage,
        "operation": "RunInstance",
    }
    text = description or (
        f"${usd_per_hour:g} per {value} {instance_type} hour in {location} ({DEMO_NOTE})"
    )
    return _document(sku, INSTANCE_FAMILY, attributes, Row(_usd(usd_per_hour), unit, text))


def storage_product(
    region: str,
    usd_per_gb_month: float,
    *,
    volume_type: str = STORAGE_VOLUME_TYPE,
    variant: str = "",
    description: str | None = None,
) -> dict[str, Any]:
    """The Studio space volume: family "Storage", usage type "...Studio:VolumeUsage.<type>"."""
    location, prefix = _location(region)
    suffix = str(STUDIO_EBS_STORAGE["usagetype_suffix"]).rsplit(".", 1)[0]
    usage = f"{prefix}-{suffix}.{volume_type}"
    sku = _sku(SERVICE_CODE, region, STORAGE_COMPONENT, volume_type, variant)
    attributes = {
        **_where(region, location),
        "volumeType": volume_type,
        "usagetype": usage,
        "operation": "",
    }
    text = description or (
        f"${usd_per_gb_month:g} per GB-month of Studio {volume_type} storage in {location} "
        f"({DEMO_NOTE})"
    )
    row = Row(_usd(usd_per_gb_month), STORAGE_UNIT, text)
    return _document(sku, STORAGE_FAMILY, attributes, row)


def trap_products(region: str, component: str, instance_type: str, usd: float) -> list[dict]:
    """Rows the parser must reject, for the same key as a real hourly row of `usd`."""
    value = _component_value(component)
    return [
        instance_product(
            region,
            component,
            instance_type,
            round(usd * 10, 4),
            variant="fee",
            usage_tag="-Fee",
            description=f"{value} {instance_type} setup fee "
            "(emulator trap row: not an hourly rate)",
        ),
        instance_product(
            region,
            component,
            instance_type,
            0.0,
            variant="zero",
            usage_tag="-FreeTier",
            description=f"$0.00 per {value} {instance_type} hour under the free tier "
            "(emulator trap row)",
        ),
        instance_product(
            region,
            component,
            instance_type,
            round(usd * 50, 4),
            variant="unit",
            unit=STORAGE_UNIT,
            usage_tag="-Vol",
            description=f"per GB-month of {value} {instance_type} ML storage "
            "(emulator trap row: another unit)",
        ),
    ]


def _instance_key(region: str, component: str, instance_type: str) -> tuple[str, str, str]:
    return (region, _component_value(component), instance_type)


def default_products() -> dict[str, dict[str, Any]]:
    """The default catalog by SKU: every demo instance type for every component value, in
    every demo region, each with its trap rows, plus the Studio volume."""
    products: dict[str, dict[str, Any]] = {}
    seen: set[tuple[str, str, str]] = set()
    for region in REGIONS:
        for component in DEMO_COMPONENT_FACTOR:
            for instance_type in DEMO_STUDIO_USD_PER_HOUR:
                key = _instance_key(region, component, instance_type)
                if key in seen:  # in case two of our keys share one Price List value
                    continue
                seen.add(key)
                usd = demo_usd_per_hour(region, component, instance_type)
                for doc in (
                    instance_product(region, component, instance_type, usd),
                    *trap_products(region, component, instance_type, usd),
                ):
                    products[doc["product"]["sku"]] = doc
        storage = demo_storage_usd_per_gb_month(region)
        for doc in (
            storage_product(region, storage),
            storage_product(
                region,
                0.0,
                variant="zero",
                description="$0.00 per GB-month under the free tier (emulator trap row)",
            ),
        ):
            products[doc["product"]["sku"]] = doc
    return products


class PriceCatalog:
    """The products GetProducts serves (process-wide, like the other controls)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._products: dict[str, dict[str, Any]] = {}
        #: Caps every Price List page (None: the API's own limits), to test pagination.
        self.page_size: int | None = None
        self.reset()

    def reset(self) -> None:
        products = default_products()
        with self._lock:
            self._products = products
            self.page_size = None

    def set_page_size(self, size: int | None) -> None:
        if size is not None and size < 1:
            raise ValueError("size must be a positive integer or None")
        self.page_size = size

    def put(self, region: str, component: str, instance_type: str, usd: float) -> dict[str, Any]:
        """Add or replace the real row of one key. `component` is our key ("training") or a
        Price List value; for "studio-storage", `instance_type` is the volume type and `usd`
        is per GB-month. Trap rows stay. Returns the product document."""
        if not (usd > 0):
            raise ValueError("a catalog price must be positive (trap rows are built in)")
        if component == STORAGE_COMPONENT:
            doc = storage_product(region, usd, volume_type=instance_type)
        else:
            doc = instance_product(region, component, instance_type, usd)
        with self._lock:
            self._products[doc["product"]["sku"]] = doc
        return copy.deepcopy(doc)

    def remove(self, region: str, component: str, instance_type: str) -> bool:
        """Drop the real row of one key (its trap rows stay, so the price becomes unknown)."""
        if component == STORAGE_COMPONENT:
            sku = storage_product(region, 1.0, volume_type=instance_type)["product"]["sku"]
        else:
            sku = instance_product(region, component, instance_type, 1.0)["product"]["sku"]
        with self._lock:
            return self._products.pop(sku, None) is not None

    def products(
        self,
        service_code: str | None = None,
        where: Callable[[dict[str, Any]], bool] | None = None,
    ) -> list[dict[str, Any]]:
        """Detached copies of the products `where` accepts, ordered by SKU (a stable order
        for pagination)."""
        with self._lock:
            found = [
                p
                for _, p in sorted(self._products.items())
                if (service_code is None or p["serviceCode"] == service_code)
                and (where is None or where(p))
            ]
            return copy.deepcopy(found)

    def service_codes(self) -> list[str]:
        with self._lock:
            return sorted({p["serviceCode"] for p in self._products.values()})


catalog = PriceCatalog()


def summarize(doc: dict[str, Any]) -> dict[str, Any]:
    """A product as one flat row (for the control route and for people reading a test)."""
    attrs = doc["product"]["attributes"]
    [term] = doc["terms"]["OnDemand"].values()
    [dim] = term["priceDimensions"].values()
    return {
        "sku": doc["product"]["sku"],
        "productFamily": doc["product"]["productFamily"],
        "regionCode": attrs.get("regionCode"),
        "component": attrs.get("component"),
        "instanceName": attrs.get("instanceName"),
        "usagetype": attrs.get("usagetype"),
        "unit": dim["unit"],
        "usd": dim["pricePerUnit"]["USD"],
        "description": dim["description"],
    }


__all__ = [
    "DEMO_COMPONENT_FACTOR",
    "DEMO_NOTE",
    "DEMO_STORAGE_USD_PER_GB_MONTH",
    "DEMO_STUDIO_USD_PER_HOUR",
    "REGIONS",
    "PriceCatalog",
    "catalog",
    "default_products",
    "demo_storage_usd_per_gb_month",
    "demo_usd_per_hour",
    "summarize",
]
