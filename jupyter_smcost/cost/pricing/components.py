"""The one table from our component keys to the SageMaker Price List products.

Service code `AmazonSageMaker`. Instance products (productFamily "ML Instance") say what they
bill in two attributes: `platoinstancetype` and `component`. They mostly agree, but not in
case (new Studio JupyterLab: platoinstancetype "Studio-JupyterLab", component
"studio-jupyterlab"), so a product is matched here, in our code, on either attribute,
case-insensitively; the Price List query filters only on `regionCode` and `instanceName`.
A product with neither attribute (e.g. an upfront fee) is never matched.

None of the values could be checked against AWS from this project's build machine (no AWS
account, no network to AWS). What each rests on (public code that reads the live offer, seen
2026-11-26): Hosting, Training, Processing, Notebook, Studio-Notebook (Studio Classic
KernelGateway), Studio-JupyterLab and Studio-CodeEditor as `platoinstancetype` values in a
scraper that fails on unknown values; BatchTransform likewise (our old guess
"Batch-Transform" is kept as an alternative). Pin them against the live service with
`check_component_values(pricing_client)` or list what the bulk offer file holds with
`python scripts/update_prices.py --list-components`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SERVICE_CODE = "AmazonSageMaker"


#: The component key of the Studio space's EBS volume; its "instance type" is the volume type.
STORAGE_COMPONENT = "studio-storage"
STORAGE_VOLUME_TYPE = "gp3"
#: Hours in AWS's billing month, to turn a GB-month rate into an hourly one.
HOURS_PER_MONTH = 730.0


@dataclass(frozen=True)
class Component:
    key: str
    #: The value of the product attribute `component` as we expect AWS to spell it.
    price_list_value: str
    #: True only once the value has been seen in a real Price List answer or offer file.
    verified: bool
    note: str
    #: Other spellings of `component` / `platoinstancetype` that mean this component.
    aliases: tuple[str, ...] = ()

    @property
    def match_values(self) -> frozenset[str]:
        values = (self.price_list_value, *self.aliases)
        return frozenset(v.lower() for v in values if v)


COMPONENTS: dict[str, Component] = {
    c.key: c
    for c in (
        Component(
            "studio-jupyterlab",
            "studio-jupyterlab",
            False,
            "platoinstancetype Studio-JupyterLab (scraper of the live offer), component "
            "studio-jupyterlab (a fixture said to mirror it)",
        ),
        Component(
            "studio-codeeditor",
            "studio-codeeditor",
            False,
            "platoinstancetype Studio-CodeEditor (scraper of the live offer)",
        ),
        Component(
            "studio-kernelgateway",
            "Studio-Notebook",
            False,
            "Studio Classic KernelGateway apps; platoinstancetype Studio-Notebook",
        ),
        Component("notebook-instance", "Notebook", False, "scraper filters component Notebook"),
        Component("training", "Training", False, "platoinstancetype and component Training"),
        Component("processing", "Processing", False, "platoinstancetype Processing"),
        Component(
            "transform",
            "BatchTransform",
            False,
            "platoinstancetype BatchTransform",
            aliases=("Batch-Transform", "Batch Transform"),
        ),
        Component("hosting", "Hosting", False, "AWS's own LLMeter filters component Hosting"),
        # Not an instance: the space's EBS volume, found by product family and usage type
        # (see STUDIO_EBS_STORAGE), stored as USD per GB-hour so it fits the hourly resolver.
        Component(STORAGE_COMPONENT, "", False, "GB-month rate / 730, per GB"),
    )
}

#: The attributes that name the billed component of an instance product.
COMPONENT_ATTRIBUTES = ("platoinstancetype", "component")


def component_key_of(attrs: Any) -> str | None:
    """Our component key for a product's attributes, or None if it is none of ours."""
    for name in COMPONENT_ATTRIBUTES:
        value = str(attrs.get(name) or "").strip().lower()
        if not value:
            continue
        for c in COMPONENTS.values():
            if value in c.match_values:
                return c.key
    return None


#: Studio app types (`AppType` of the SageMaker API) to our component keys.
STUDIO_APP_COMPONENTS: dict[str, str] = {
    "JupyterLab": "studio-jupyterlab",
    "CodeEditor": "studio-codeeditor",
    "KernelGateway": "studio-kernelgateway",
}

#: The space's EBS volume. It is priced per GB-month, not per hour, under product family
#: "Storage" with a usage type ending in "Studio:VolumeUsage.gp3" (seen in third-party public
#: code; unverified). `PriceResolver` resolves it under `STORAGE_COMPONENT` as $ per GB-hour.
STUDIO_EBS_STORAGE = {
    "productFamily": "Storage",
    "usagetype_suffix": "Studio:VolumeUsage.gp3",
    "unit": "GB-Mo",
    "verified": False,
}


def price_list_value(key: str) -> str:
    """The Price List `component` value for one of our component keys."""
    try:
        return COMPONENTS[key].price_list_value
    except KeyError:
        raise ValueError(f"unknown pricing component {key!r}") from None


def keys_for_price_list_value(value: str) -> list[str]:
    """Our component keys that a Price List `component` value prices (case-insensitive)."""
    if not value:
        return []
    return [c.key for c in COMPONENTS.values() if value.strip().lower() in c.match_values]


def component_attribute_values(
    client: Any, attribute: str = "component", max_pages: int = 50
) -> set[str]:
    """All values AWS knows for one attribute (default `component`) of SageMaker products."""
    values: set[str] = set()
    token = None
    for _ in range(max_pages):
        kwargs: dict[str, Any] = {"ServiceCode": SERVICE_CODE, "AttributeName": attribute}
        if token:
            kwargs["NextToken"] = token
        page = client.get_attribute_values(**kwargs)
        values.update(str(v.get("Value", "")) for v in page.get("AttributeValues", []))
        token = page.get("NextToken")
        if not token:
            break
    values.discard("")
    return values


def check_component_values(client: Any) -> dict[str, bool]:
    """For each of our keys, whether AWS currently lists one of its values (in either
    attribute that names the component)."""
    known: set[str] = set()
    for attribute in COMPONENT_ATTRIBUTES:
        known |= component_attribute_values(client, attribute)
    lowered = {v.lower() for v in known}
    return {c.key: bool(c.match_values & lowered) for c in COMPONENTS.values() if c.match_values}
