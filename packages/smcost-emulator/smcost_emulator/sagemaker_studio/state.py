"""Put a running resource into the state a test needs ("started 40 minutes ago", "billed
840 s", "Failed", "3 trials running"), which no AWS call can do.

Kinds are the cost contract's: training-job, tuning-job, processing-job, transform-job
(ours, see `jobs.py`), endpoint and notebook-instance (moto's), studio-app (ours; named as
the contract names it, "<space or user>/<AppType>/<AppName>").
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..control import control
from ..facade import UNSET, _Unset
from ..moto_api import DEFAULT_ACCOUNT_ID, find_model, get_service_model, sagemaker_backends, utcnow
from .jobs import (
    JOB_KINDS,
    TERMINAL_STATES,
    FakeTrainingJob,
    FakeTuningJob,
    iso,
    jobs_backends,
    naive_utc,
)
from .models import FakeApp, studio_backends

RESOURCE_KINDS = (*JOB_KINDS, "endpoint", "notebook-instance", "studio-app")

# The SageMaker API's status enum per kind, so a test cannot set a status AWS never shows.
_STATUS_SHAPES = {
    "training-job": "TrainingJobStatus",
    "tuning-job": "HyperParameterTuningJobStatus",
    "processing-job": "ProcessingJobStatus",
    "transform-job": "TransformJobStatus",
    "endpoint": "EndpointStatus",
    "notebook-instance": "NotebookInstanceStatus",
    "studio-app": "AppStatus",
}


def _check_status(kind: str, status: str) -> None:
    allowed = get_service_model("sagemaker").shape_for(_STATUS_SHAPES[kind]).enum
    if status not in allowed:
        raise ValueError(f"{kind} status must be one of {', '.join(allowed)}, not {status!r}")


def _start(started_at: datetime | str | None, started_seconds_ago: float | None) -> datetime | None:
    if started_at is not None and started_seconds_ago is not None:
        raise ValueError("give started_at or started_seconds_ago, not both")
    if started_at is not None:
        return naive_utc(started_at)
    if started_seconds_ago is not None:
        if started_seconds_ago < 0:
            raise ValueError("started_seconds_ago must be >= 0")
        return utcnow() - timedelta(seconds=float(started_seconds_ago))
    return None


def _find_app(account_id: str, region: str, name: str) -> FakeApp:
    parts = name.split("/")
    if len(parts) != 3:
        raise ValueError(f"a studio-app is named '<owner>/<AppType>/<AppName>', not {name!r}")
    owner, app_type, app_name = parts
    found = [
        app
        for app in list(studio_backends[account_id][region].apps.values())
        if (app.space_name or app.user_profile_name) == owner
        and app.app_type == app_type
        and app.app_name == app_name
    ]
    if not found:
        raise LookupError(f"no studio-app {name} in {region}")
    if len(found) > 1:
        raise ValueError(f"studio-app {name} exists in several domains of {region}")
    return found[0]


def _check_times(
    started: datetime | None,
    created_at: datetime | str | None,
    ended_at: datetime | str | None,
    status: str,
    new_start: datetime | None,
) -> None:
    start = new_start or started
    if ended_at is not None:
        if status not in TERMINAL_STATES:
            raise ValueError(
                f"ended_at needs a terminal status ({', '.join(sorted(TERMINAL_STATES))}), "
                f"not {status}"
            )
        if start is not None and naive_utc(ended_at) < start:
            raise ValueError("ended_at must not be before the start")
    if created_at is not None and start is not None and naive_utc(created_at) > start:
        raise ValueError("created_at must not be after the start")


def set_state(
    kind: str,
    name: str,
    *,
    region: str = "us-east-1",
    account_id: str = DEFAULT_ACCOUNT_ID,
    status: str | None = None,
    started_at: datetime | str | None = None,
    started_seconds_ago: float | None = None,
    billable_seconds: int | None | _Unset = UNSET,
    trials_in_progress: int | None = None,
    last_activity_seconds_ago: float | None = None,
    created_at: datetime | str | None = None,
    ended_at: datetime | str | None = None,
) -> dict[str, Any]:
    """Change one resource; returns its kind, name, ARN, status and start/creation times.

    - `started_at` (datetime or ISO text) or `started_seconds_ago`: when it started. A job
      gets its start time (TrainingStartTime, ...; the creation moves 2 min before it), a
      tuning job, endpoint or app its CreationTime, a notebook instance its LastModifiedTime
      (what a client reads as the start of an InService instance).
    - `billable_seconds` (training jobs): BillableTimeInSeconds; None removes it.
    - `status`: any status the API defines for the kind (Stopping turns Stopped after the
      delete delay; a terminal status sets the end time, and a training job's billable
      seconds to its training time unless set).
    - `trials_in_progress` (tuning jobs): start or complete trials until that many run.
    - `last_activity_seconds_ago` (studio apps): LastUserActivityTimestamp.
    - `created_at` (jobs other than tuning jobs): CreationTime, at or before the start
      (applied after the start, which may move it).
    - `ended_at` (jobs): the end time (TrainingEndTime, ...) of a job that ends up in a
      terminal status (give `status` unless it is in one already); its LastModifiedTime
      too. A training job's training time runs from its start to this end.

    Raises LookupError for an unknown resource, ValueError for a bad argument.
    """
    if kind not in RESOURCE_KINDS:
        raise ValueError(f"kind must be one of {', '.join(RESOURCE_KINDS)}, not {kind!r}")
    start = _start(started_at, started_seconds_ago)
    if status is not None:
        _check_status(kind, status)
    if billable_seconds is not UNSET and kind != "training-job":
        raise ValueError("billable_seconds applies to training jobs only")
    if trials_in_progress is not None and kind != "tuning-job":
        raise ValueError("trials_in_progress applies to tuning jobs only")
    if last_activity_seconds_ago is not None and kind != "studio-app":
        raise ValueError("last_activity_seconds_ago applies to studio apps only")
    if created_at is not None and kind not in ("training-job", "processing-job", "transform-job"):
        raise ValueError("created_at applies to training, processing and transform jobs only")
    if ended_at is not None and kind not in JOB_KINDS:
        raise ValueError("ended_at applies to jobs only")

    if kind in JOB_KINDS:
        backend = jobs_backends[account_id][region]
        job = backend.find_job(kind, name)
        if job is None:
            raise LookupError(f"no {kind} named {name} in {region}")
        _check_times(job.start_time, created_at, ended_at, status or job.status, start)
        if start is not None:
            job.set_start(start)
        if created_at is not None:
            job.creation_time = naive_utc(created_at)
        if ended_at is not None:
            # Set before the status: finishing keeps an end time it finds.
            job.end_time = naive_utc(ended_at)
        if isinstance(job, FakeTrainingJob) and billable_seconds is not UNSET:
            if billable_seconds is not None and billable_seconds < 0:
                raise ValueError("billable_seconds must be >= 0")
            job.billable_seconds = None if billable_seconds is None else int(billable_seconds)
        if isinstance(job, FakeTuningJob) and trials_in_progress is not None:
            backend.set_trials_in_progress(job, int(trials_in_progress))
        if status is not None:
            job.set_status(status, control.delete_delay)
            if isinstance(job, FakeTuningJob) and status != "InProgress":
                for trial in job.trials:
                    if trial.status == "InProgress":
                        trial.set_status(status, control.delete_delay)
        if ended_at is not None:
            job.last_modified_time = naive_utc(ended_at)
        return {
            "kind": kind,
            "name": job.name,
            "arn": job.arn,
            "status": job.status,
            "created_at": iso(job.creation_time),
            "started_at": iso(job.started_at),
        }

    if kind == "studio-app":
        app = _find_app(account_id, region, name)
        if start is not None:
            app.creation_time = start
            app.last_user_activity = max(app.last_user_activity, start)
        if last_activity_seconds_ago is not None:
            app.last_user_activity = utcnow() - timedelta(seconds=float(last_activity_seconds_ago))
        if status is not None:
            app.set_status(status)
        return {
            "kind": kind,
            "name": name,
            "arn": app.arn,
            "status": app.status,
            "created_at": iso(app.creation_time),
            "started_at": iso(app.creation_time),
        }

    moto = sagemaker_backends[account_id][region]
    if kind == "endpoint":
        endpoint = moto.endpoints.get(name)
        if endpoint is None:
            raise LookupError(f"no endpoint named {name} in {region}")
        if start is not None:
            endpoint.creation_time = endpoint.last_modified_time = start
            # Its config and models existed before it: not created after it, as on AWS.
            config = moto.endpoint_configs.get(endpoint.endpoint_config_name)
            if config is not None:
                config.creation_time = min(config.creation_time, start)
                for variant in config.production_variants or []:
                    model = find_model(account_id, region, str(variant.get("ModelName")))
                    if model is not None:
                        model.creation_time = min(model.creation_time, start)
        if status is not None:
            endpoint.endpoint_status = status
            endpoint.last_modified_time = max(utcnow(), endpoint.creation_time)
        return {
            "kind": kind,
            "name": name,
            "arn": endpoint.arn,
            "status": endpoint.endpoint_status,
            "created_at": iso(endpoint.creation_time),
            "started_at": iso(endpoint.creation_time),
        }

    notebook = moto.notebook_instances.get(name)
    if notebook is None:
        raise LookupError(f"no notebook-instance named {name} in {region}")
    if start is not None:
        notebook.last_modified_time = start
        notebook.creation_time = min(notebook.creation_time, start)
    if status is not None:
        notebook.status = status
    return {
        "kind": kind,
        "name": name,
        "arn": notebook.arn,
        "status": notebook.status,
        "created_at": iso(notebook.creation_time),
        "started_at": iso(notebook.last_modified_time),
    }


def seed_training_jobs(
    count: int,
    *,
    region: str = "us-east-1",
    account_id: str = DEFAULT_ACCOUNT_ID,
    prefix: str = "bulk",
    instance_type: str = "ml.m5.large",
    tags: list[dict[str, str]] | None = None,
    spot: int = 0,
    started_seconds_ago: float = 600.0,
) -> list[str]:
    """Create `count` in-progress training jobs `<prefix>-00000`... straight in the backend
    (no HTTP round trip per job), started `started_seconds_ago`, tagged `tags`; the first
    `spot` of them use managed spot. For benchmarks and tests of large listings."""
    backend = jobs_backends[account_id][region]
    start = utcnow() - timedelta(seconds=float(started_seconds_ago))
    arns = []
    for i in range(int(count)):
        is_spot = i < spot
        stop = {"MaxRuntimeInSeconds": 86400}
        if is_spot:
            stop["MaxWaitTimeInSeconds"] = 2 * 86400
        request = {
            "AlgorithmSpecification": {"TrainingImage": "bulk:latest", "TrainingInputMode": "File"},
            "RoleArn": f"arn:aws:iam::{account_id}:role/bulk",
            "OutputDataConfig": {"S3OutputPath": f"s3://bulk-{account_id}/out"},
            "ResourceConfig": {
                "InstanceType": instance_type,
                "InstanceCount": 1,
                "VolumeSizeInGB": 10,
            },
            "StoppingCondition": stop,
            "EnableManagedSpotTraining": is_spot,
        }
        job = backend.create_job("training-job", f"{prefix}-{i:05d}", request, tags)
        job.set_start(start)
        arns.append(job.arn)
    return arns


__all__ = ["RESOURCE_KINDS", "UNSET", "seed_training_jobs", "set_state"]
