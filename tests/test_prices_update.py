"""`jupyter smcost prices update`: a snapshot for the domain's regions from the Price List API
(the emulator's) or from an offer file, which the server then reads through
`c.Pricing.snapshot_path`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from jupyter_smcost.admin.cli import main
from jupyter_smcost.cost.pricing.model import PriceKey
from jupyter_smcost.cost.pricing.pricelist import make_fetcher
from jupyter_smcost.cost.pricing.snapshot import load_snapshot

OFFER = Path(__file__).resolve().parent / "fixtures" / "pricing" / "offer_sagemaker_small.json"


def test_from_the_price_list_api(
    capsys: pytest.CaptureFixture[str], emulator: Any, tmp_path: Path
) -> None:
    out = tmp_path / "prices.json"
    assert main(["prices", "update", "--regions", "us-east-1", "--out", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    data = json.loads(out.read_text())
    assert data["source"].startswith("AWS Price List API")
    assert set(data["prices"]) == {"us-east-1"}
    snapshot = load_snapshot(out)
    # The same figure the API gives the server for the demo space.
    found = snapshot.lookup(PriceKey("us-east-1", "ml.g5.xlarge", "studio-jupyterlab"))
    key = PriceKey("us-east-1", "ml.g5.xlarge", "studio-jupyterlab")
    live = make_fetcher(lambda: boto3.client("pricing", region_name="us-east-1"))(key)
    assert found is not None and live is not None
    assert found.usd_per_hour == pytest.approx(live.usd_per_hour)
    assert found.source == "snapshot"


def test_from_an_offer_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "prices.json"
    args = ["prices", "update", "--regions", "us-east-1", "--from-offer-file", str(OFFER)]
    assert main([*args, "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["source"].startswith("AWS Price List bulk offer file")
    assert not load_snapshot(out).empty


def test_no_region_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prices", "update"]) == 2
    assert "--regions" in capsys.readouterr().err
