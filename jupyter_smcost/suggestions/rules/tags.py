"""tags: running jobs and in-service endpoints without the cost-allocation tags the admin
requires (`c.Suggestions.required_tags`) get them added (AddTags, with a form for the values).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..model import (
    Action,
    EndpointFact,
    Facts,
    JobFact,
    ResourceRef,
    Suggestion,
    Thresholds,
    suggestion_id,
    usd,
)
from . import JOBS, Rule
from ._figures import HourlyCost, endpoint_hourly, job_hourly

NAME = "tags"
DOCS = "https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/cost-alloc-tags.html"
SAVING_NOTE = "Tags do not lower the bill; they let Cost Explorer attribute it."


def _missing(tags: Mapping[str, str], required: tuple[str, ...]) -> tuple[str, ...]:
    # Tag keys are case-sensitive in AWS: "Team" does not satisfy "team".
    return tuple(key for key in required if key not in tags)


def _suggestion(
    kind: str,
    name: str,
    arn: str,
    console_url: str | None,
    fingerprint: str,
    missing: tuple[str, ...],
    cost: HourlyCost,
) -> Suggestion:
    label = kind.replace("-", " ")
    keys = ", ".join(missing)
    if cost.usd_per_hour is not None:
        money = (
            f"Until then, Cost Explorer cannot attribute its {usd(cost.usd_per_hour)}/h "
            f"({cost.terms}) to a team or project."
        )
    else:
        unknown = f" (the price of {', '.join(cost.unknown)} is unknown)" if cost.unknown else ""
        money = (
            f"Until then, Cost Explorer cannot attribute what it costs{unknown} to a team or "
            "project."
        )
    arithmetic = f"missing {keys}; untracked: {cost.arithmetic}"
    detail = (
        f"The {label} {name} runs without the cost-allocation tag"
        f"{'s' if len(missing) > 1 else ''} {keys}. {money} Add the values now; a tag key "
        "shows in Cost Explorer once it is activated as a cost allocation tag in the Billing "
        "console."
    )
    return Suggestion(
        id=suggestion_id(NAME, kind, name),
        rule=NAME,
        title=f"Tag {label} {name} for cost allocation",
        detail=detail,
        saving_usd_per_month=None,
        saving_note=SAVING_NOTE,
        arithmetic=arithmetic,
        docs_url=DOCS,
        resource=ResourceRef(kind, name, arn, console_url),
        actions=(
            Action(
                id="add-tags",
                label="Add tags",
                description=f"Add the tags {keys} to the {label} {name} (AddTags).",
                params={"arn": arn, "kind": kind, "name": name},
                fields=missing,
            ),
        ),
        fingerprint=fingerprint,
    )


def _job(job: JobFact, facts: Facts, missing: tuple[str, ...]) -> Suggestion:
    return _suggestion(
        job.kind,
        job.name,
        job.arn,
        job.console_url,
        job.fingerprint,
        missing,
        job_hourly(job, facts),
    )


def _endpoint(endpoint: EndpointFact, facts: Facts, missing: tuple[str, ...]) -> Suggestion:
    return _suggestion(
        "endpoint",
        endpoint.name,
        endpoint.arn,
        endpoint.console_url,
        endpoint.fingerprint,
        missing,
        endpoint_hourly(endpoint, facts),
    )


def run(facts: Facts, thresholds: Thresholds) -> list[Suggestion]:
    required = thresholds.required_tags
    if not required:
        return []
    out: list[Suggestion] = []
    # Only what runs now: a finished job's tags can still be added, but nothing more accrues.
    for job in facts.jobs:
        missing = _missing(job.tags, required)
        if job.status == "InProgress" and missing:
            out.append(_job(job, facts, missing))
    for endpoint in facts.endpoints:
        missing = _missing(endpoint.tags, required)
        if endpoint.status == "InService" and missing:
            out.append(_endpoint(endpoint, facts, missing))
    return out


# The endpoints' instances only price what goes untracked: without them the advice stands.
RULE = Rule(name=NAME, needs=(*JOBS, "endpoints"), run=run, uses=("endpoint-configs",))
