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
from tests.support.paths import FIXTURES

OFFER = FIXTURES / "pricing" / "offer_sagemaker_small.json"


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


def run(args: list[str]) -> int | str | None:
    try:
        return main(["prices", "update", "--regions", "us-east-1", *args])
    except Exception as err:  # a traceback is the failure this guards against
        pytest.fail(f"{type(err).__name__}: {err}")


@pytest.mark.parametrize("offer", ["/nonexistent/index.json", "DIR"])
def test_an_offer_file_that_is_not_a_file_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, offer: str
) -> None:
    offer = str(tmp_path) if offer == "DIR" else offer
    out = tmp_path / "prices.json"
    assert run(["--from-offer-file", offer, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--from-offer-file" in err and offer in err
    assert not out.exists()


def test_an_offer_file_that_is_not_json_fails_clearly(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    offer = tmp_path / "index.json"
    offer.write_text("<html>not an offer</html>")
    assert run(["--from-offer-file", str(offer), "--out", str(tmp_path / "p.json")]) == 1
    assert "not JSON" in capsys.readouterr().err


@pytest.mark.parametrize("out", ["missing/deeper/prices.json", "."])
def test_out_creates_no_directories_and_is_a_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, out: str
) -> None:
    target = tmp_path / out
    assert run(["--from-offer-file", str(OFFER), "--out", str(target)]) == 2
    assert "--out" in capsys.readouterr().err
    assert not (tmp_path / "missing").exists()
    assert sorted(tmp_path.iterdir()) == []
