"""SageMaker jobs (training, hyperparameter tuning, processing, batch transform) that keep
running, as on AWS, so there is something to price.

moto 5.2.5 marks every job Completed the moment it is created (with start = end = now),
drops a processing job's ProcessingResources, runs no trial training jobs for a tuning job
(its counters are fixed at one Completed), ignores StatusEquals before paginating, and has
no TuningJobArn. Here a job is InProgress from its creation until StopXxx (Stopping, then
Stopped after the control's delete delay) or until a test moves it with
`state.set_state` (a start time, billable seconds, a status, the number of running trials).

A job has no start time until it "starts" (SecondaryStatus Starting -> Training on AWS);
`set_state(started_at=...)` gives it one. A tuning job starts its first
MaxParallelTrainingJobs trials at once, as training jobs carrying its TuningJobArn and tags;
its TrainingJobStatusCounters are counted from them.
"""

from __future__ import annotations

import copy
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from ..control import control
from ..moto_api import (
    BackendDict,
    BaseBackend,
    BaseModel,
    ResourceInUseException,
    ResourceNotFound,
    ValidationError,
    arn_formatter,
    find_model,
    paginate,
    utcnow,
)
from .models import Deadline, sort_listed

#: Seconds between a job's creation and its start when a test backdates the start
#: (instances are provisioned first on AWS, and not billed for).
PROVISIONING_SECONDS = 120

ACTIVE_STATES = frozenset({"InProgress", "Stopping"})
TERMINAL_STATES = frozenset({"Completed", "Failed", "Stopped"})


@dataclass(frozen=True)
class JobKind:
    kind: str  # the cost contract's kind, e.g. "training-job"
    noun: str  # the API's noun: TrainingJobName, TrainingJobArn, TrainingJobStatus, ...
    arn_type: str
    start_key: str | None
    end_key: str
    default_sort: str
    #: CreateXxx request members that DescribeXxx echoes.
    echo: tuple[str, ...]
    #: Members DescribeXxx shows with AWS's default when the request left them out.
    defaults: tuple[tuple[str, Any], ...] = ()

    @property
    def name_key(self) -> str:
        return f"{self.noun}Name"

    @property
    def arn_key(self) -> str:
        return f"{self.noun}Arn"

    @property
    def status_key(self) -> str:
        return f"{self.noun}Status"

    @property
    def summaries_key(self) -> str:
        return f"{self.noun}Summaries"


TRAINING = JobKind(
    "training-job",
    "TrainingJob",
    "training-job",
    "TrainingStartTime",
    "TrainingEndTime",
    "CreationTime",
    (
        "HyperParameters",
        "AlgorithmSpecification",
        "RoleArn",
        "InputDataConfig",
        "OutputDataConfig",
        "ResourceConfig",
        "VpcConfig",
        "StoppingCondition",
        "EnableNetworkIsolation",
        "EnableInterContainerTrafficEncryption",
        "EnableManagedSpotTraining",
        "CheckpointConfig",
        "DebugHookConfig",
        "ExperimentConfig",
        "DebugRuleConfigurations",
        "TensorBoardOutputConfig",
        "ProfilerConfig",
        "Environment",
        "RetryStrategy",
        "RemoteDebugConfig",
        "InfraCheckConfig",
    ),
    (
        ("EnableNetworkIsolation", False),
        ("EnableInterContainerTrafficEncryption", False),
        ("EnableManagedSpotTraining", False),
    ),
)
TUNING = JobKind(
    "tuning-job",
    "HyperParameterTuningJob",
    "hyper-parameter-tuning-job",
    None,
    "HyperParameterTuningEndTime",
    "Name",
    (
        "HyperParameterTuningJobConfig",
        "TrainingJobDefinition",
        "TrainingJobDefinitions",
        "WarmStartConfig",
        "Autotune",
    ),
)
PROCESSING = JobKind(
    "processing-job",
    "ProcessingJob",
    "processing-job",
    "ProcessingStartTime",
    "ProcessingEndTime",
    "CreationTime",
    (
        "ProcessingInputs",
        "ProcessingOutputConfig",
        "ProcessingResources",
        "StoppingCondition",
        "AppSpecification",
        "Environment",
        "NetworkConfig",
        "RoleArn",
        "ExperimentConfig",
    ),
)
TRANSFORM = JobKind(
    "transform-job",
    "TransformJob",
    "transform-job",
    "TransformStartTime",
    "TransformEndTime",
    "CreationTime",
    (
        "ModelName",
        "MaxConcurrentTransforms",
        "ModelClientConfig",
        "MaxPayloadInMB",
        "BatchStrategy",
        "Environment",
        "TransformInput",
        "TransformOutput",
        "DataCaptureConfig",
        "TransformResources",
        "DataProcessing",
        "ExperimentConfig",
    ),
)

JOB_KINDS: dict[str, JobKind] = {k.kind: k for k in (TRAINING, TUNING, PROCESSING, TRANSFORM)}
#: ARN resource type -> kind, to find a job from an ARN (ListTags).
KIND_BY_ARN_TYPE = {k.arn_type: k.kind for k in JOB_KINDS.values()}

PAGINATION_MODEL = {
    "list_jobs": {
        "input_token": "next_token",
        "limit_key": "max_results",
        "limit_default": 100,
        "unique_attribute": "arn",
    }
}


def naive_utc(value: datetime | str | float) -> datetime:
    """A time as moto keeps them (naive UTC) from a datetime, ISO text or epoch seconds."""
    if isinstance(value, datetime):
        when = value
    elif isinstance(value, str):
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    else:
        when = datetime.fromtimestamp(float(value), timezone.utc)
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc).replace(tzinfo=None)
    return when


def iso(value: datetime | None) -> str | None:
    """A naive-UTC time as ISO 8601 with its offset."""
    return None if value is None else value.replace(tzinfo=timezone.utc).isoformat()


# --------------------------------------------------------------------------- models


class FakeJob(BaseModel):
    kind: JobKind = TRAINING

    def __init__(
        self,
        account_id: str,
        region_name: str,
        name: str,
        request: dict[str, Any],
        tags: list[dict[str, str]] | None,
    ) -> None:
        self.account_id = account_id
        self.region_name = region_name
        self.name = name
        self.request = copy.deepcopy(request)
        self.tags: list[dict[str, str]] = list(tags or [])
        self.arn = arn_formatter(self.kind.arn_type, name, account_id, region_name)
        self.creation_time = utcnow()
        self.last_modified_time = self.creation_time
        self.start_time: datetime | None = None
        self.end_time: datetime | None = None
        self.failure_reason: str | None = None
        self._status = "InProgress"
        self._stop = Deadline()
        self._lock = threading.RLock()

    @property
    def status(self) -> str:
        with self._lock:
            if self._status == "Stopping" and self._stop.passed():
                self._finish("Stopped")
            return self._status

    def _finish(self, status: str) -> None:
        with self._lock:
            self._status = status
            self._stop.clear()
            now = utcnow()
            if self.end_time is None:
                self.end_time = max(now, self.start_time or now)
            self.last_modified_time = now
            self._on_finish(status)

    def _on_finish(self, status: str) -> None:
        """Kind-specific bookkeeping when the job reaches a terminal state."""

    def stop(self, delay: float) -> None:
        with self._lock:
            status = self.status
            if status != "InProgress":
                raise ValidationError(
                    f"The request was rejected because the {self.kind.kind.replace('-', ' ')} "
                    f"is in status {status}."
                )
            self._status = "Stopping"
            self._stop.start(delay)
            self.last_modified_time = utcnow()

    def set_status(self, status: str, stop_delay: float) -> None:
        with self._lock:
            if status in TERMINAL_STATES:
                self._finish(status)
                if status == "Failed" and not self.failure_reason:
                    self.failure_reason = "Failed by the emulator (set_state)"
            elif status == "Stopping":
                self._status = "Stopping"
                self._stop.start(stop_delay)
            else:
                self._status = status
                self._stop.clear()
                self.end_time = None
            self.last_modified_time = utcnow()

    def set_start(self, start: datetime) -> None:
        """Backdate the start (the creation moves before it when needed)."""
        with self._lock:
            self.start_time = start
            self.creation_time = min(
                self.creation_time, start - timedelta(seconds=PROVISIONING_SECONDS)
            )

    @property
    def started_at(self) -> datetime | None:
        """What a client reads as the start: the kind's start time, else the creation."""
        return self.start_time or self.creation_time

    def describe(self) -> dict[str, Any]:
        k = self.kind
        out: dict[str, Any] = {
            k.name_key: self.name,
            k.arn_key: self.arn,
            k.status_key: self.status,
        }
        out.update({key: value for key, value in k.defaults})
        out.update({key: copy.deepcopy(self.request[key]) for key in k.echo if key in self.request})
        out["CreationTime"] = self.creation_time
        out["LastModifiedTime"] = self.last_modified_time
        if k.start_key and self.start_time is not None:
            out[k.start_key] = self.start_time
        if self.end_time is not None:
            out[k.end_key] = self.end_time
        if self.failure_reason:
            out["FailureReason"] = self.failure_reason
        return out

    def summary(self) -> dict[str, Any]:
        k = self.kind
        out: dict[str, Any] = {
            k.name_key: self.name,
            k.arn_key: self.arn,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
            k.status_key: self.status,
        }
        if self.end_time is not None:
            out[k.end_key] = self.end_time
        if self.failure_reason:
            out["FailureReason"] = self.failure_reason
        return out


class FakeTrainingJob(FakeJob):
    kind = TRAINING
    #: TuningJobArn: the tuning job that started it as a trial, if any.
    tuning_job_arn: str | None = None
    #: BillableTimeInSeconds: absent while running unless a test sets it.
    billable_seconds: int | None = None

    @property
    def spot(self) -> bool:
        return bool(self.request.get("EnableManagedSpotTraining"))

    def training_seconds(self) -> int | None:
        if self.start_time is None or self.end_time is None:
            return None
        return max(0, int((self.end_time - self.start_time).total_seconds()))

    def _on_finish(self, status: str) -> None:
        if self.billable_seconds is None and status in ("Completed", "Stopped"):
            self.billable_seconds = self.training_seconds()

    def secondary_status(self) -> str:
        status = self.status
        if status == "InProgress":
            return "Training" if self.start_time is not None else "Starting"
        return status

    def transitions(self) -> list[dict[str, Any]]:
        starting: dict[str, Any] = {
            "Status": "Starting",
            "StartTime": self.creation_time,
            "StatusMessage": "Preparing the instances for training",
        }
        if self.start_time is None:
            return [starting]
        starting["EndTime"] = self.start_time
        training: dict[str, Any] = {
            "Status": "Training",
            "StartTime": self.start_time,
            "StatusMessage": "Training image download completed. Training in progress.",
        }
        if self.end_time is not None:
            training["EndTime"] = self.end_time
        return [starting, training]

    def describe(self) -> dict[str, Any]:
        out = super().describe()
        out["SecondaryStatus"] = self.secondary_status()
        out["SecondaryStatusTransitions"] = self.transitions()
        if self.tuning_job_arn:
            out["TuningJobArn"] = self.tuning_job_arn
        if self.billable_seconds is not None:
            out["BillableTimeInSeconds"] = self.billable_seconds
        if self.status in TERMINAL_STATES:
            seconds = self.training_seconds()
            if seconds is not None:
                out["TrainingTimeInSeconds"] = seconds
        if out[self.kind.status_key] == "Completed":
            output = str((self.request.get("OutputDataConfig") or {}).get("S3OutputPath", ""))
            out["ModelArtifacts"] = {
                "S3ModelArtifacts": f"{output.rstrip('/')}/{self.name}/output/model.tar.gz"
            }
        return out

    def summary(self) -> dict[str, Any]:
        out = super().summary()
        out["SecondaryStatus"] = self.secondary_status()
        return out


class FakeTuningJob(FakeJob):
    kind = TUNING

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.trials: list[FakeTrainingJob] = []

    @property
    def definition(self) -> dict[str, Any]:
        found = (
            self.request.get("TrainingJobDefinition")
            or (self.request.get("TrainingJobDefinitions") or [{}])[0]
        )
        return dict(found or {})

    @property
    def limits(self) -> dict[str, Any]:
        config = self.request.get("HyperParameterTuningJobConfig") or {}
        return dict(config.get("ResourceLimits") or {})

    def counters(self) -> dict[str, int]:
        statuses = [t.status for t in self.trials]
        return {
            "Completed": statuses.count("Completed"),
            "InProgress": sum(s in ACTIVE_STATES for s in statuses),
            "RetryableError": 0,
            "NonRetryableError": statuses.count("Failed"),
            "Stopped": statuses.count("Stopped"),
        }

    def objective_counters(self) -> dict[str, int]:
        counters = self.counters()
        return {
            "Succeeded": counters["Completed"],
            "Pending": counters["InProgress"],
            "Failed": counters["NonRetryableError"] + counters["Stopped"],
        }

    def stop(self, delay: float) -> None:
        super().stop(delay)
        for trial in self.trials:
            if trial.status == "InProgress":
                trial.stop(delay)

    def set_start(self, start: datetime) -> None:
        # A tuning job has no start time of its own: its creation is when it started.
        with self._lock:
            self.creation_time = start
            for trial in self.trials:
                trial.set_start(start + timedelta(seconds=PROVISIONING_SECONDS))

    def describe(self) -> dict[str, Any]:
        out = super().describe()
        out["TrainingJobStatusCounters"] = self.counters()
        out["ObjectiveStatusCounters"] = self.objective_counters()
        return out

    def summary(self) -> dict[str, Any]:
        out = super().summary()
        config = self.request.get("HyperParameterTuningJobConfig") or {}
        out["Strategy"] = config.get("Strategy", "Bayesian")
        out["TrainingJobStatusCounters"] = self.counters()
        out["ObjectiveStatusCounters"] = self.objective_counters()
        out["ResourceLimits"] = self.limits
        return out


class FakeProcessingJob(FakeJob):
    kind = PROCESSING


class FakeTransformJob(FakeJob):
    kind = TRANSFORM


_JOB_CLASSES: dict[str, type[FakeJob]] = {
    "training-job": FakeTrainingJob,
    "tuning-job": FakeTuningJob,
    "processing-job": FakeProcessingJob,
    "transform-job": FakeTransformJob,
}


# --------------------------------------------------------------------------- backend


def _not_found(kind: JobKind, name: str) -> Exception:
    # Codes and wording as SageMaker answers (training, processing and transform jobs say
    # ValidationException; tuning jobs ResourceNotFound): clients branch on the code.
    if kind is TUNING:
        return ResourceNotFound(f"Amazon SageMaker can't find a tuning job with name {name}")
    if kind is TRAINING:
        return ValidationError("Requested resource not found.")
    return ValidationError(f"Could not find requested job with name {name}")


class JobsBackend(BaseBackend):
    """The jobs of one account and region, next to moto's SageMaker backend."""

    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)
        self.jobs: dict[str, dict[str, FakeJob]] = {kind: {} for kind in JOB_KINDS}
        self._lock = threading.RLock()

    def create_job(
        self, kind: str, name: str, request: dict[str, Any], tags: list[dict[str, str]] | None
    ) -> FakeJob:
        meta = JOB_KINDS[kind]
        self._check_request(meta, request)
        with self._lock:
            existing = self.jobs[kind].get(name)
            if existing is not None:
                if meta is TRAINING:
                    raise ResourceInUseException(
                        "Training job names must be unique within an AWS account and region, "
                        f"and a training job with this name already exists ({existing.arn})"
                    )
                raise ResourceInUseException(
                    f"Job name must be unique within an AWS account and region, and a job "
                    f"with this name already exists ({existing.arn})"
                )
            job = _JOB_CLASSES[kind](self.account_id, self.region_name, name, request, tags)
            self.jobs[kind][name] = job
            if isinstance(job, FakeTuningJob):
                limits = job.limits
                parallel = int(limits.get("MaxParallelTrainingJobs") or 1)
                total = limits.get("MaxNumberOfTrainingJobs")
                self._start_trials(job, min(parallel, int(total)) if total else parallel)
        return job

    def _check_request(self, meta: JobKind, request: dict[str, Any]) -> None:
        if meta is TRAINING and request.get("EnableManagedSpotTraining"):
            stop = request.get("StoppingCondition") or {}
            wait, runtime = stop.get("MaxWaitTimeInSeconds"), stop.get("MaxRuntimeInSeconds")
            if wait is None or (runtime is not None and wait < runtime):
                raise ValidationError(
                    "Invalid MaxWaitTimeInSeconds. It must be present and be greater than or "
                    "equal to MaxRuntimeInSeconds"
                )
        if meta is TUNING and not (
            request.get("TrainingJobDefinition") or request.get("TrainingJobDefinitions")
        ):
            raise ValidationError(
                "Either TrainingJobDefinition or TrainingJobDefinitions must be provided."
            )
        if meta is TRANSFORM:
            model = str(request.get("ModelName") or "")
            if find_model(self.account_id, self.region_name, model) is None:
                arn = arn_formatter("model", model, self.account_id, self.region_name)
                raise ValidationError(f'Could not find model "{arn}".')

    def _start_trials(self, tuning: FakeTuningJob, count: int) -> None:
        """Start `count` more trials of `tuning`, named as AWS names them."""
        definition = tuning.definition
        request = {
            key: copy.deepcopy(definition[key])
            for key in TRAINING.echo
            if key in definition and key != "HyperParameters"
        }
        request["HyperParameters"] = dict(definition.get("StaticHyperParameters") or {})
        with self._lock:
            for _ in range(count):
                index = len(tuning.trials) + 1
                name = f"{tuning.name}-{index:03d}-{uuid.uuid4().hex[:8]}"
                trial = FakeTrainingJob(
                    self.account_id, self.region_name, name, request, tuning.tags
                )
                trial.tuning_job_arn = tuning.arn
                self.jobs["training-job"][name] = trial
                tuning.trials.append(trial)

    def set_trials_in_progress(self, tuning: FakeTuningJob, count: int) -> None:
        """Start or complete trials until `count` run (AWS's limits are respected)."""
        if count < 0:
            raise ValueError("trials_in_progress must be >= 0")
        running = [t for t in tuning.trials if t.status in ACTIVE_STATES]
        if count > len(running):
            total = tuning.limits.get("MaxNumberOfTrainingJobs")
            more = count - len(running)
            if total is not None and len(tuning.trials) + more > int(total):
                raise ValueError(
                    f"MaxNumberOfTrainingJobs is {total}: cannot start {more} more trials"
                )
            self._start_trials(tuning, more)
        for trial in running[count:]:
            trial.set_status("Completed", control.delete_delay)

    def find_job(self, kind: str, name: str) -> FakeJob | None:
        return self.jobs[kind].get(name)

    def get_job(self, kind: str, name: str) -> FakeJob:
        job = self.find_job(kind, name)
        if job is None:
            raise _not_found(JOB_KINDS[kind], name)
        return job

    def find_by_arn(self, arn: str) -> FakeJob | None:
        resource = arn.split(":", 5)[-1]
        arn_type, _, name = resource.partition("/")
        kind = KIND_BY_ARN_TYPE.get(arn_type)
        if kind is None:
            return None
        job = self.jobs[kind].get(name)
        return job if job is not None and job.arn == arn else None

    def stop_job(self, kind: str, name: str) -> None:
        self.get_job(kind, name).stop(control.delete_delay)

    @paginate(pagination_model=PAGINATION_MODEL)
    def list_jobs(
        self,
        kind: str,
        status_equals: str | None = None,
        name_contains: str | None = None,
        creation_time_after: datetime | None = None,
        creation_time_before: datetime | None = None,
        last_modified_time_after: datetime | None = None,
        last_modified_time_before: datetime | None = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
    ) -> list[FakeJob]:
        # Filter first, then paginate (moto pages first, so a filtered page can be empty).
        def within(value: datetime, after: datetime | None, before: datetime | None) -> bool:
            return (after is None or value > naive_utc(after)) and (
                before is None or value < naive_utc(before)
            )

        found = [
            j
            for j in list(self.jobs[kind].values())
            if (status_equals is None or j.status == status_equals)
            and (name_contains is None or name_contains in j.name)
            and within(j.creation_time, creation_time_after, creation_time_before)
            and within(j.last_modified_time, last_modified_time_after, last_modified_time_before)
        ]
        by = sort_by or JOB_KINDS[kind].default_sort
        attr = {"Name": "name", "Status": "status"}.get(by, "creation_time")
        return sort_listed(found, attr, sort_order)


jobs_backends = BackendDict(JobsBackend, "sagemaker")


__all__ = [
    "JOB_KINDS",
    "PROVISIONING_SECONDS",
    "FakeJob",
    "FakeTrainingJob",
    "FakeTuningJob",
    "JobKind",
    "JobsBackend",
    "iso",
    "jobs_backends",
    "naive_utc",
]
