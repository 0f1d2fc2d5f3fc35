"""The one table from our component keys to the Price List `component` attribute values.

Service code `AmazonSageMaker`. The Price List API filters on the exact attribute value, so a
wrong value yields no products (then the resolver falls back to the snapshot, then "unknown";
never a wrong price). NONE of the values below could be checked against AWS from this
project's build machine (no AWS account, no network to AWS); each entry says what it rests on.
Pin them against the live service with `check_component_values(pricing_client)` (it calls
`get_attribute_values(ServiceCode='AmazonSageMaker', AttributeName='component')`), or list
the values present in the public bulk offer file with
`python scripts/update_prices.py --list-components`, and correct this table if they differ.
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
    #: Value of the Price List product attribute `component`.
    price_list_value: str
    #: True only once the value has been seen in a real Price List answer or offer file.
    verified: bool
    note: str


COMPONENTS: dict[str, Component] = {
    c.key: c
    for c in (
        # Studio (JupyterLab, Code Editor and Studio Classic KernelGateway apps) bills the
        # instance under "Studio notebooks" on the SageMaker pricing page; we assume the same
        # Price List component for all three app types. Unverified.
        Component(
            "studio-jupyterlab",
            "Studio-Notebook",
            False,
            "assumed; Studio JupyterLab spaces are listed under Studio notebooks",
        ),
        Component(
            "studio-codeeditor",
            "Studio-Notebook",
            False,
            "assumed same rate as JupyterLab spaces",
        ),
        Component(
            "studio-kernelgateway",
            "Studio-Notebook",
            False,
            "assumed; Studio Classic kernel gateway apps are Studio notebook instances",
        ),
        Component(
            "notebook-instance",
            "Notebook",
            False,
            "seen as a component value in third-party public code only",
        ),
        Component("training", "Training", False, "seen in third-party public code only"),
        Component("processing", "Processing", False, "assumed from the pricing page's naming"),
        Component("transform", "Batch-Transform", False, "assumed; the least certain value"),
        Component("hosting", "Hosting", False, "seen in third-party public code only"),
        # Not an instance: the space's EBS volume, found by product family and usage type
        # (see STUDIO_EBS_STORAGE), stored as USD per GB-hour so it fits the hourly resolver.
        Component(STORAGE_COMPONENT, "", False, "GB-month rate / 730, per GB"),
    )
}

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
    """Our component keys that a Price List `component` value prices (possibly several)."""
    if not value:
        return []
    return [c.key for c in COMPONENTS.values() if c.price_list_value == value]


def component_attribute_values(client: Any, max_pages: int = 50) -> set[str]:
    """All values AWS knows for the `component` attribute of SageMaker products."""
    values: set[str] = set()
    token = None
    for _ in range(max_pages):
        kwargs: dict[str, Any] = {"ServiceCode": SERVICE_CODE, "AttributeName": "component"}
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
    """For each of our keys, whether its table value is one AWS currently lists."""
    known = component_attribute_values(client)
    return {c.key: c.price_list_value in known for c in COMPONENTS.values() if c.price_list_value}
