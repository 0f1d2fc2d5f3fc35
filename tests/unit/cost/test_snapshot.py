"""The bundled price snapshot: generated from a public copy of AWS's pricing-page feed by
`scripts/snapshot_from_price_feed.py`, every figure with its source and date, estimates and
old figures labelled as such."""

from __future__ import annotations

import importlib.util
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from jupyter_smcost.cost.pricing.model import PriceKey
from jupyter_smcost.cost.pricing.snapshot import DEFAULT_PATH, load_snapshot, parse_snapshot
from tests.support.paths import FIXTURES, REPO

ROOT = REPO
FEED = FIXTURES / "pricing" / "feed_studionotebook_small.json"


def generator() -> Any:
    spec = importlib.util.spec_from_file_location(
        "snapshot_from_price_feed", ROOT / "scripts" / "snapshot_from_price_feed.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_generator_reads_every_value_from_the_feed(tmp_path: Path) -> None:
    out = tmp_path / "snapshot.json"
    assert generator().main([str(FEED), "--origin", "test fixture", "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["generated"] == "2025-01-02"
    assert (
        "sagemaker-instances-studionotebook" in data["source"] and "test fixture" in data["source"]
    )
    assert data["prices"] == {
        "us-east-1": {"studio-kernelgateway": {"ml.t3.medium": 0.111, "ml.g5.xlarge": 2.222}},
        "eu-west-1": {"studio-kernelgateway": {"ml.t3.medium": 0.123}},
        "us-gov-west-1": {"studio-kernelgateway": {"ml.t3.medium": 0.333}},
    }
    snap = parse_snapshot(data)
    lab = snap.lookup(PriceKey("us-east-1", "ml.g5.xlarge", "studio-jupyterlab"), date(2025, 2, 1))
    assert lab is not None and lab.usd_per_hour == 2.222 and lab.as_of == "2025-01-02"
    assert "estimate: the Studio Classic notebook rate" in lab.detail
    assert "older than" not in lab.detail
    stale = snap.lookup(
        PriceKey("eu-west-1", "ml.t3.medium", "studio-kernelgateway"), date(2026, 1, 1)
    )
    assert stale is not None and "estimate" not in stale.detail
    assert "364 days old (older than 180 days)" in stale.detail
    assert snap.lookup(PriceKey("us-east-1", "ml.m5.xlarge", "training")) is None

    # --check: the same feed matches; a changed file does not.
    assert (
        generator().main([str(FEED), "--origin", "test fixture", "--out", str(out), "--check"]) == 0
    )
    out.write_text(out.read_text().replace("0.111", "0.112"))
    assert (
        generator().main([str(FEED), "--origin", "test fixture", "--out", str(out), "--check"]) == 1
    )


def test_a_feed_that_is_not_usd_or_names_an_unknown_region_is_refused(tmp_path: Path) -> None:
    feed = json.loads(FEED.read_text())
    feed["manifest"]["currencyCode"] = "EUR"
    with pytest.raises(ValueError, match="EUR"):
        generator().build(feed, "x", "0")
    feed = json.loads(FEED.read_text())
    feed["regions"]["Atlantis (Lost)"] = {}
    with pytest.raises(ValueError, match="Atlantis"):
        generator().build(feed, "x", "0")


def test_the_bundled_snapshot() -> None:
    data = json.loads(DEFAULT_PATH.read_text())
    assert data["generated"] == "2025-06-16"
    assert len(data["feed_sha256"]) == 64
    assert "QuinnyPig/aws-price-watcher" in data["source"]
    snap = load_snapshot()
    assert len(snap.prices) == 27
    assert not snap.empty
    price = snap.lookup(PriceKey("us-east-1", "ml.t3.medium", "studio-jupyterlab"))
    assert price is not None and price.source == "snapshot" and price.as_of == "2025-06-16"
    assert "estimate" in price.detail
    # Training, processing, transform and hosting stay unknown: no public source of the kind.
    for component in ("training", "processing", "transform", "hosting"):
        assert snap.lookup(PriceKey("us-east-1", "ml.m5.xlarge", component)) is None
