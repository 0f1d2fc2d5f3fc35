"""Build the bundled price snapshot from a public copy of AWS's own pricing-page feed.

    python scripts/snapshot_from_price_feed.py FEED.json --origin "REPO PATH@COMMIT"
    python scripts/snapshot_from_price_feed.py FEED.json --origin ... --check

FEED.json is AWS's pricing-page feed `sagemaker-instances-studionotebook` (Studio Classic
notebook rates, `Component` "Studio-Notebook"), as archived in public repositories (see
docs/users.md, "Cost"). Every value in the snapshot is read from that file, never typed in; each
entry carries its source and the feed's publication date. The Studio Classic rate is also
written, labelled as an estimate, for Studio JupyterLab and Code Editor apps of the same
instance and region (the rates matched wherever both were compared), through the snapshot's
`estimates` table rather than copies. `--check` regenerates
and compares with the bundled file instead of writing it (exit 1 on any difference).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "jupyter_smcost" / "cost" / "pricing" / "snapshot.json"
#: The feed names regions as the pricing pages do; botocore names some differently.
REGION_ALIASES = {"AWS GovCloud (US)": "AWS GovCloud (US-West)"}


def region_codes() -> dict[str, str]:
    import botocore.loaders

    names: dict[str, str] = {}
    for partition in botocore.loaders.create_loader().load_data("endpoints")["partitions"]:
        for code, region in partition["regions"].items():
            names[region["description"]] = code
    return names


def region_code(name: str, names: dict[str, str]) -> str | None:
    name = REGION_ALIASES.get(name, name)
    return names.get(name) or names.get(name.replace("EU (", "Europe ("))


def build(feed: dict[str, Any], origin: str, digest: str) -> dict[str, Any]:
    manifest = feed["manifest"]
    if manifest.get("currencyCode") != "USD":
        raise ValueError(f"the feed is in {manifest.get('currencyCode')}, not USD")
    published = str(manifest["hawkFilePublicationDate"])[:10]
    source = (
        f"AWS pricing-page feed {manifest.get('source')}, published {published} "
        f"(public copy: {origin})"
    )
    names = region_codes()
    prices: dict[str, dict[str, dict[str, float]]] = {}
    skipped: list[str] = []
    for region_name, rows in sorted(feed["regions"].items()):
        code = region_code(region_name, names)
        if code is None:
            skipped.append(region_name)
            continue
        for row in rows.values():
            if row.get("Component") != "Studio-Notebook":
                continue
            usd = float(row["price"])
            if not usd > 0:
                continue
            instance = str(row["Instance"])
            regional = prices.setdefault(code, {}).setdefault("studio-kernelgateway", {})
            regional[instance] = usd
    if skipped:
        raise ValueError(f"regions with no known code: {', '.join(skipped)}")
    return {
        "source": source,
        "generated": published,
        "feed_sha256": digest,
        "prices": prices,
        # AWS publishes no JupyterLab / Code Editor feed here: the Studio Classic rate of the
        # same instance and region stands in, and every such figure says so.
        "estimates": {
            component: {
                "from": "studio-kernelgateway",
                "note": "the Studio Classic notebook rate for this instance and region",
            }
            for component in ("studio-jupyterlab", "studio-codeeditor")
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("feed", type=Path)
    parser.add_argument("--origin", required=True, help="where the copy came from")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    raw = args.feed.read_bytes()
    snapshot = build(json.loads(raw), args.origin, hashlib.sha256(raw).hexdigest())
    text = json.dumps(snapshot, indent=1, sort_keys=True) + "\n"
    if args.check:
        same = args.out.exists() and args.out.read_text(encoding="utf-8") == text
        print(f"{args.out}: {'matches' if same else 'DIFFERS from'} {args.feed}")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    count = sum(len(i) for c in snapshot["prices"].values() for i in c.values())
    print(f"wrote {args.out}: {count} prices in {len(snapshot['prices'])} regions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
