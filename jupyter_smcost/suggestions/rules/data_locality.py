"""data-locality: a job reads S3 data from another region than the one it runs in; every GB
crosses regions and is billed for it. Move the data or the job."""

from __future__ import annotations

from datetime import timedelta

from ..model import Facts, JobFact, ResourceRef, Suggestion, Thresholds, suggestion_id
from . import JOBS, Rule
from ._figures import stop_job_action

NAME = "data-locality"
DOCS = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication.html"
SAVING_NOTE = (
    "Data transfer between regions is billed per GB, but that rate is not in this "
    "extension's price data and how many GB the job reads is not known, so no figure is given."
)


def bucket_of(uri: str) -> str | None:
    """`s3://bucket/key` -> `bucket`; None for anything that is not an S3 URI."""
    scheme, sep, rest = uri.partition("://")
    if not sep or scheme.lower() != "s3":
        return None
    bucket = rest.split("/", 1)[0]
    return bucket or None


def _recent(job: JobFact, facts: Facts, days: float) -> bool:
    if job.status in ("InProgress", "Stopping"):
        return True
    when = job.ended_at or job.started_at or job.created_at
    # The collector only lists jobs of the lookback; one without any time stays in.
    return when is None or when >= facts.now - timedelta(days=days)


def _foreign_buckets(job: JobFact, facts: Facts) -> list[tuple[str, str]]:
    """(bucket, its region) for the buckets the job reads outside its own region; buckets
    whose region is unknown are left out rather than guessed."""
    found: dict[str, str] = {}
    for uri in job.inputs:
        bucket = bucket_of(uri)
        if bucket is None or bucket in found:
            continue
        region = facts.bucket_regions.get(bucket)
        if region and region != facts.region:
            found[bucket] = region
    return list(found.items())


def _suggestion(job: JobFact, region: str, foreign: list[tuple[str, str]]) -> Suggestion:
    label = job.kind.replace("-", " ")
    buckets = ", ".join(f"s3://{bucket} ({where})" for bucket, where in foreign)
    regions = list(dict.fromkeys(where for _, where in foreign))
    there = regions[0] if len(regions) == 1 else "the data's region"
    return Suggestion(
        id=suggestion_id(NAME, job.kind, job.name),
        rule=NAME,
        title=f"The {label} {job.name} reads data from {', '.join(regions)}",
        detail=(
            f"The {label} {job.name} runs in {region} but reads {buckets}. Data transfer "
            "between AWS regions is billed per GB and slows the job's reads. Keep the data "
            f"next to the compute: copy it, or replicate it with S3 Replication, to a bucket "
            f"in {region} and point the job's inputs there; or run the job in {there}."
        ),
        saving_usd_per_month=None,
        saving_note=SAVING_NOTE,
        arithmetic=(
            f"job in {region}, data in {', '.join(regions)}: every GB read x the inter-region "
            "transfer price per GB (neither known here)"
        ),
        docs_url=DOCS,
        resource=ResourceRef(job.kind, job.name, job.arn, job.console_url),
        fingerprint=job.fingerprint,
        actions=stop_job_action(job, "to run it again next to its data"),
    )


def run(facts: Facts, thresholds: Thresholds) -> list[Suggestion]:
    region = facts.region
    if not region:
        return []
    out: list[Suggestion] = []
    for job in facts.jobs:
        if not _recent(job, facts, thresholds.lookback_days):
            continue
        foreign = _foreign_buckets(job, facts)
        if foreign:
            out.append(_suggestion(job, region, foreign))
    return out


RULE = Rule(name=NAME, needs=(*JOBS, "bucket-regions"), run=run)
