"""Hourly prices of SageMaker instances, each with its source and date (DESIGN §6).

Pure code: no tornado, no jupyter_server, and boto3 is only imported when a Price List
client is actually built. `PriceResolver` is the entry point; it tries, in order, admin
overrides, the disk cache, the AWS Price List API, the bundled snapshot, and otherwise
answers `Unknown` (never $0).
"""

from __future__ import annotations

from .cache import PriceCache
from .components import COMPONENTS, Component, price_list_value
from .model import SOURCES, Price, PriceKey, PriceResult, Unknown
from .pricelist import build_filters, fetch_price, make_fetcher
from .resolver import PriceResolver
from .snapshot import Snapshot, load_snapshot

__all__ = [
    "COMPONENTS",
    "SOURCES",
    "Component",
    "Price",
    "PriceCache",
    "PriceKey",
    "PriceResolver",
    "PriceResult",
    "Snapshot",
    "Unknown",
    "build_filters",
    "fetch_price",
    "load_snapshot",
    "make_fetcher",
    "price_list_value",
]
