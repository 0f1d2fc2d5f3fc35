"""spot-training: on-demand training jobs could use managed spot training (with checkpoints);
spot jobs without checkpoints get a warning."""

from __future__ import annotations

from ..model import Facts, JobFact, ResourceRef, Suggestion, Thresholds, suggestion_id, usd
from . import Rule
from ._figures import days, ended_within, job_cost, price_unknown, stop_job_action

NAME = "spot-training"
DOCS = "https://docs.aws.amazon.com/sagemaker/latest/dg/model-managed-spot-training.html"
#: The saving AWS states for managed spot training ("up to 90%"): the top of the range only.
AWS_STATED_MAX = 0.9
HOW = (
    "Run it as a managed spot training job: `use_spot_instances=True`, `max_wait` (>= "
    "`max_run`) and `checkpoint_s3_uri` on the estimator, with a training script that saves "
    "and resumes from checkpoints. A running job cannot switch: this applies to its next run."
)


def _resource(job: JobFact) -> ResourceRef:
    return ResourceRef(job.kind, job.name, job.arn, job.console_url)


def _spot_history(jobs: tuple[JobFact, ...]) -> tuple[int, float, float]:
    """(count, billable s, trained s) over this account's spot training jobs that report both."""
    done = [
        j
        for j in jobs
        if j.kind == "training-job"
        and j.spot
        and j.billable_seconds is not None
        and j.training_seconds is not None
        and j.training_seconds > 0
    ]
    return (
        len(done),
        sum(float(j.billable_seconds or 0.0) for j in done),
        sum(float(j.training_seconds or 0.0) for j in done),
    )


def _checkpoint_warning(job: JobFact) -> Suggestion:
    return Suggestion(
        id=suggestion_id(NAME, job.kind, job.name),
        rule=NAME,
        title=f"Add checkpoints to spot training job {job.name}",
        detail=(
            f"{job.name} runs on spot capacity without a checkpoint configuration. Set "
            "`checkpoint_s3_uri` and save checkpoints in the training script so an interruption "
            "resumes from the last checkpoint."
        ),
        saving_usd_per_month=None,
        saving_note="This is about safety, not a saving: the job already runs on spot.",
        arithmetic="no saving: the job already runs on spot capacity",
        docs_url=DOCS,
        resource=_resource(job),
        warning="without checkpoints an interruption restarts the job from the beginning",
        fingerprint=job.fingerprint,
    )


def run(facts: Facts, thresholds: Thresholds) -> list[Suggestion]:
    lookback = thresholds.lookback_days
    scale = 30.0 / lookback
    count, billable, trained = _spot_history(facts.jobs)
    fraction = max(0.0, 1.0 - billable / trained) if count else None
    out: list[Suggestion] = []
    for job in facts.jobs:
        if job.kind != "training-job":
            continue
        in_progress = job.ended_at is None and job.status == "InProgress"
        if job.spot:
            if in_progress and not job.checkpoints:
                out.append(_checkpoint_warning(job))
            continue
        if not (in_progress or ended_within(job, facts.now, lookback)):
            continue
        cost = job_cost(job, facts)
        if cost is None:  # still waiting for instances: nothing ran yet
            continue
        run_words = "cost so far" if in_progress else "cost per run"
        saving: float | None = None
        saving_range: tuple[float, float] | None = None
        note: str | None = None
        if cost.usd is None:
            note = price_unknown(f"{job.instance_type} (training)")
            arithmetic = f"{cost.arithmetic} ({run_words})"
        elif fraction is not None:
            saving = cost.usd * fraction * scale
            arithmetic = (
                f"{cost.arithmetic} ({run_words}) x {fraction:.1%} saved by spot (this "
                f"account's {count} spot training job{'s' if count != 1 else ''}: 1 - "
                f"{billable:,.0f} s billable / {trained:,.0f} s trained) x 30 / {lookback:g} "
                f"(if run as often as in the last {days(lookback)}) = {usd(saving)}/month"
            )
        else:
            high = cost.usd * AWS_STATED_MAX * scale
            saving_range = (0.0, high)
            note = (
                'AWS states managed spot training saves "up to 90%"; this account has no spot '
                "training history to measure its own saving, so only a range is given."
            )
            arithmetic = (
                f"{cost.arithmetic} ({run_words}) x 0% to 90% (AWS: up to 90%) x 30 / "
                f"{lookback:g} (if run as often as in the last {days(lookback)}) = "
                f"{usd(0.0)} to {usd(high)}/month"
            )
        state = "is running" if in_progress else "ran"
        out.append(
            Suggestion(
                id=suggestion_id(NAME, job.kind, job.name),
                rule=NAME,
                title=f"Use managed spot training for {job.name}",
                detail=(
                    f"Training job {job.name} {state} on on-demand {job.instance_count} x "
                    f"{job.instance_type}. {HOW}"
                ),
                saving_usd_per_month=saving,
                arithmetic=arithmetic,
                docs_url=DOCS,
                resource=_resource(job),
                saving_note=note,
                saving_range_usd_per_month=saving_range,
                fingerprint=job.fingerprint,
                actions=stop_job_action(job, "to start it again with managed spot"),
            )
        )
    return out


RULE = Rule(name=NAME, needs=("owner", "resource-tags", "training-jobs"), run=run)
