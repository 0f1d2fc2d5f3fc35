"""Price snapshots from AWS's own data: the bulk offer file or the Price List API.

    python scripts/update_prices.py                      # download the current offer file
    python scripts/update_prices.py --input index.json   # or use a local copy
    python scripts/update_prices.py --input index.json --list-components
    jupyter smcost prices update --regions us-east-1 --out prices.json   # the Price List API

The offer file (https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonSageMaker/
current/index.json) has `products` {sku: {sku, productFamily, attributes}} and
`terms.OnDemand` {sku: {offerTermCode: {priceDimensions: {...}}}}. Rows are kept with the same
rules as the Price List API parser (on-demand, USD, unit Hrs, no fee rows, no $0 rows), for
the chosen regions and ml.* instance families, and for the Price List `component` values of
`jupyter_smcost/cost/pricing/components.py` (written under our component keys).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import urllib.request
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..cost.pricing.components import component_key_of, keys_for_price_list_value
from ..cost.pricing.pricelist import Rate, choose, hourly_rates
from ..cost.pricing.snapshot import DEFAULT_PATH

OFFER_URL = (
    "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonSageMaker/current/index.json"
)
DEFAULT_REGIONS = (
    "us-east-1",
    "us-east-2",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "eu-west-2",
    "ap-northeast-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-south-1",
)
DEFAULT_FAMILIES = (
    "ml.t3",
    "ml.m5",
    "ml.m6i",
    "ml.m7i",
    "ml.c5",
    "ml.c6i",
    "ml.c7i",
    "ml.r5",
    "ml.r6i",
    "ml.g4dn",
    "ml.g5",
    "ml.g6",
    "ml.p3",
    "ml.p4d",
    "ml.p5",
    "ml.inf2",
    "ml.trn1",
)


def read_offer(source: str) -> dict[str, Any]:
    """The offer file from a URL (streamed to a temporary file) or a local path."""
    if source.startswith(("https://", "http://")):
        with tempfile.TemporaryFile() as tmp:
            with urllib.request.urlopen(source, timeout=300) as resp:
                shutil.copyfileobj(resp, tmp)
            tmp.seek(0)
            return json.load(tmp)
    with open(source, encoding="utf-8") as f:
        return json.load(f)


def family_of(instance: str) -> str:
    return instance.rsplit(".", 1)[0]


def build_snapshot(
    offer: dict[str, Any],
    *,
    regions: Iterable[str],
    families: Iterable[str],
    source: str,
    generated: str,
) -> dict[str, Any]:
    wanted_regions, wanted_families = set(regions), set(families)
    on_demand = (offer.get("terms") or {}).get("OnDemand") or {}
    found: dict[tuple[str, str, str], list[Rate]] = {}
    for sku, product in (offer.get("products") or {}).items():
        attrs = product.get("attributes") or {}
        region, instance = attrs.get("regionCode"), attrs.get("instanceName")
        if region not in wanted_regions or not isinstance(instance, str):
            continue
        if family_of(instance) not in wanted_families:
            continue
        component = component_key_of(attrs)
        if component is None:
            continue
        keys = [component]
        rates = hourly_rates({"sku": sku, **product}, on_demand.get(sku) or {})
        for key in keys:
            found.setdefault((region, key, instance), []).extend(rates)
    prices: dict[str, dict[str, dict[str, float]]] = {}
    for (region, key, instance), rates in sorted(found.items()):
        picked = choose(rates)
        if picked is not None:
            prices.setdefault(region, {}).setdefault(key, {})[instance] = picked[0].usd_per_hour
    return {"source": source, "generated": generated, "prices": prices}


def offer_from_price_list(
    client: Any, regions: Iterable[str], progress: Any = None
) -> dict[str, Any]:
    """The products and on-demand terms of the chosen regions from the Price List API
    (`pricing:GetProducts`), in the offer file's shape, so `build_snapshot` reads both."""
    products: dict[str, Any] = {}
    on_demand: dict[str, Any] = {}
    for region in regions:
        pages = client.get_paginator("get_products").paginate(
            ServiceCode="AmazonSageMaker",
            Filters=[{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region}],
            FormatVersion="aws_v1",
        )
        for page in pages:
            for raw in page.get("PriceList", []):
                item = json.loads(raw) if isinstance(raw, str) else raw
                product = item.get("product") or {}
                sku = product.get("sku")
                if not sku:
                    continue
                products[sku] = product
                on_demand[sku] = (item.get("terms") or {}).get("OnDemand") or {}
            if progress is not None:
                progress(region, len(products))
    return {"products": products, "terms": {"OnDemand": on_demand}}


def component_counts(offer: dict[str, Any]) -> Counter[str]:
    """How many products carry each `component` value (to pin components.py)."""
    return Counter(
        str((p.get("attributes") or {}).get("component", "<none>"))
        for p in (offer.get("products") or {}).values()
    )


def write_atomic(path: Path, data: dict[str, Any]) -> None:
    """Replace `path` whole; its folder must exist (a mistyped path creates nothing)."""
    fd, tmp = tempfile.mkstemp(prefix=".snapshot-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, sort_keys=True)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", default=OFFER_URL, help="offer file URL or local path")
    parser.add_argument("--output", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--regions", default=",".join(DEFAULT_REGIONS))
    parser.add_argument("--families", default=",".join(DEFAULT_FAMILIES))
    parser.add_argument("--generated", help="date to record (default: today, UTC)")
    parser.add_argument(
        "--list-components", action="store_true", help="print component values and exit"
    )
    args = parser.parse_args(argv)

    offer = read_offer(args.input)
    if args.list_components:
        for value, count in sorted(component_counts(offer).items()):
            mapped = ",".join(keys_for_price_list_value(value)) or "-"
            print(f"{count:8d}  {value!r:40}  -> {mapped}")
        return 0
    publication = str(offer.get("publicationDate", "")) or "unknown date"
    source = (
        f"AWS Price List bulk offer file AmazonSageMaker "
        f"(version {offer.get('version', '?')}, published {publication})"
    )
    generated = args.generated or dt.datetime.now(dt.timezone.utc).date().isoformat()
    snapshot = build_snapshot(
        offer,
        regions=[r for r in args.regions.split(",") if r],
        families=[f for f in args.families.split(",") if f],
        source=source,
        generated=generated,
    )
    count = sum(len(i) for c in snapshot["prices"].values() for i in c.values())
    if not count:
        print("no prices matched: check the component table and filters", file=sys.stderr)
        return 1
    write_atomic(args.output, snapshot)
    print(f"wrote {count} prices to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
