"""data-locality: jobs reading S3 buckets in another region. It fires with its exact figure and
stays silent when its trigger is absent."""

from __future__ import annotations

from datetime import timedelta

from jupyter_smcost.suggestions.model import (
    Thresholds,
    suggestion_id,
)
from jupyter_smcost.suggestions.rules import (
    data_locality,
)
from tests.unit.suggestions.rules.builders import NOW, REGION, facts, running_job

BUCKETS = {"eu-data": "eu-west-1", "home-data": REGION}


def test_data_locality_fires_for_a_job_reading_another_regions_bucket() -> None:
    reader = running_job(
        inputs=("s3://eu-data/train/", "s3://home-data/x.csv", "s3://eu-data/val/")
    )
    (found,) = data_locality.run(facts(jobs=(reader,), bucket_regions=BUCKETS), Thresholds())
    assert found.id == suggestion_id("data-locality", "training-job", "train-1")
    assert found.title == "The training job train-1 reads data from eu-west-1"
    assert found.saving_usd_per_month is None
    assert found.saving_note == data_locality.SAVING_NOTE
    assert "not in this extension's price data" in found.saving_note
    assert found.arithmetic == (
        "job in us-east-1, data in eu-west-1: every GB read x the inter-region transfer price "
        "per GB (neither known here)"
    )
    assert found.detail.count("s3://eu-data (eu-west-1)") == 1
    assert "home-data" not in found.detail
    assert "run the job in eu-west-1" in found.detail
    assert found.fingerprint == "fp-train-1"
    assert [(a.id, dict(a.params)) for a in found.actions] == [
        ("stop-training-job", {"name": "train-1"})
    ]
    assert (
        found.docs_url == "https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication.html"
    )


def test_data_locality_names_every_foreign_region() -> None:
    reader = running_job("proc", kind="processing-job", inputs=("s3://eu-data/a", "s3://west/b"))
    regions = {**BUCKETS, "west": "us-west-2"}
    (found,) = data_locality.run(facts(jobs=(reader,), bucket_regions=regions), Thresholds())
    assert found.title == "The processing job proc reads data from eu-west-1, us-west-2"
    assert "run the job in the data's region" in found.detail


def test_data_locality_silent_for_local_unknown_or_non_s3_data() -> None:
    jobs = (
        running_job("a", inputs=("s3://home-data/x",)),
        running_job("b", inputs=("s3://unknown-bucket/x",)),  # region unknown: ignored, not guessed
        running_job("c", inputs=("file:///tmp/x", "https://eu-data.s3.amazonaws.com/x")),
        running_job("d"),
    )
    assert data_locality.run(facts(jobs=jobs, bucket_regions=BUCKETS), Thresholds()) == []
    far = running_job(inputs=("s3://eu-data/x",))
    assert (
        data_locality.run(facts(jobs=(far,), bucket_regions=BUCKETS, region=None), Thresholds())
        == []
    )


def test_data_locality_respects_the_lookback() -> None:
    old = running_job(
        "old", status="Completed", inputs=("s3://eu-data/x",), ended_at=NOW - timedelta(days=8)
    )
    recent = running_job(
        "new", status="Completed", inputs=("s3://eu-data/x",), ended_at=NOW - timedelta(days=6)
    )
    found = data_locality.run(
        facts(jobs=(old, recent), bucket_regions=BUCKETS), Thresholds(lookback_days=7)
    )
    assert [s.resource.name for s in found if s.resource] == ["new"]


def test_bucket_of() -> None:
    assert data_locality.bucket_of("s3://bucket/key/part") == "bucket"
    assert data_locality.bucket_of("S3://bucket") == "bucket"
    assert data_locality.bucket_of("s3://") is None
    assert data_locality.bucket_of("bucket/key") is None
    assert data_locality.bucket_of("https://bucket.s3.amazonaws.com/key") is None
