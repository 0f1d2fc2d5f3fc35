"""local-mode: short training and processing jobs could run in this space in local mode,
on an instance that is already paid for, without waiting for new instances."""

from __future__ import annotations

from ..instances import is_gpu
from ..model import Facts, JobFact, Suggestion, Thresholds, suggestion_id, usd
from . import JOBS, Rule
from ._figures import days, ended_within, job_cost, minutes, price_unknown

NAME = "local-mode"
DOCS = "https://docs.aws.amazon.com/sagemaker/latest/dg/studio-updated-local.html"
#: Jobs named one by one in the detail and the arithmetic; the rest are counted.
LISTED = 5


def _docker(facts: Facts) -> str:
    if facts.docker_access is True:
        return "Docker access is enabled in this domain, so local mode works here."
    if facts.docker_access is None:
        return (
            "Whether this domain allows Docker (needed by local mode) could not be checked; "
            "if local mode fails, ask an admin to enable Docker access in the domain."
        )
    domain = facts.domain_id or "<domain-id>"
    return (
        "Local mode needs Docker, which this domain does not allow yet: an admin must enable "
        "Docker access in the domain, e.g. `aws sagemaker update-domain --domain-id "
        f"{domain} --domain-settings-for-update "
        """'{"DockerSettings": {"EnableDockerAccess": "ENABLED"}}'`."""
    )


def run(facts: Facts, thresholds: Thresholds) -> list[Suggestion]:
    short: list[tuple[JobFact, float]] = []
    for job in facts.jobs:
        seconds = job.run_seconds(facts.now)
        if (
            seconds is not None
            and seconds < thresholds.short_job_minutes * 60.0
            and ended_within(job, facts.now, thresholds.lookback_days)
        ):
            short.append((job, seconds))
    if not short:
        return []
    short.sort(key=lambda js: (js[0].ended_at or facts.now, js[0].name), reverse=True)

    lines: list[str] = []
    terms: list[str] = []
    total = 0.0
    unpriced: list[str] = []
    for i, (job, seconds) in enumerate(short):
        cost = job_cost(job, facts)
        if cost is None or cost.usd is None:
            unpriced.append(f"{job.instance_type or 'unknown instance'} ({job.component})")
        else:
            total += cost.usd
        if i >= LISTED:
            continue
        wait = (
            f"waited {minutes((job.started_at - job.created_at).total_seconds())} for instances"
            if job.started_at and job.created_at
            else "wait for instances unknown"
        )
        spent = usd(cost.usd) if cost and cost.usd is not None else "cost unknown"
        lines.append(
            f"- {job.name} ({job.kind}, {job.instance_count} x {job.instance_type}): "
            f"ran {minutes(seconds)}, {wait}, {spent}"
        )
        terms.append(f"{job.name}: {cost.arithmetic if cost else 'run time unknown'}")
    more = len(short) - LISTED
    if more > 0:
        lines.append(f"- and {more} more")
        terms.append(f"and {more} more")

    lookback = thresholds.lookback_days
    n = len(short)
    saving: float | None = None
    note: str | None = None
    if len(unpriced) == n:
        note = price_unknown(*unpriced)
        sums = "; ".join(terms) + "; total unknown"
    else:
        saving = total * 30.0 / lookback
        sums = (
            "; ".join(terms)
            + f"; total {usd(total)} in the last {days(lookback)} x 30 / {lookback:g} = "
            + f"{usd(saving)}/month"
        )
        if unpriced:
            note = (
                f"At least this much: {len(unpriced)} of the {n} jobs have no known price "
                f"({', '.join(dict.fromkeys(unpriced))})."
            )

    gpu = any(is_gpu(job.instance_type) for job, _ in short)
    detail = "\n".join(
        [
            f"{n} training or processing job{'s' if n != 1 else ''} in the last "
            f"{days(lookback)} ran under {thresholds.short_job_minutes:g} min each, yet each "
            "paid for new instances and waited for them to start:",
            *lines,
            "Run such experiments in this space with SageMaker Python SDK local mode: pass "
            '`instance_type="local"` to the estimator or processor'
            + (' (`"local_gpu"` needs a GPU in this space)' if gpu else "")
            + ". The job then runs in a container on this space's instance, already paid "
            "for, and starts in seconds.",
            _docker(facts),
        ]
    )
    return [
        Suggestion(
            id=suggestion_id(NAME, "jobs", facts.account or ""),
            rule=NAME,
            title="Run short experiments in local mode",
            detail=detail,
            saving_usd_per_month=saving,
            arithmetic=sums,
            docs_url=DOCS,
            resource=facts.app_ref,
            saving_note=note,
        )
    ]


RULE = Rule(name=NAME, needs=JOBS, run=run, uses=("domain",))
