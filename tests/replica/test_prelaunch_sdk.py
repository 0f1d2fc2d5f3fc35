"""The pre-launch estimate with the SageMaker Python SDK the image ships (sagemaker 3.12.0,
SDK v3), in a real kernel of the SageMaker Distribution 4.4.1 replica, against the AWS
emulator on loopback: no AWS account.

Our wheel is installed by the lifecycle script with the admin's cap (`--max-job-usd`); the
SDK layer (tests/replica/smd.py `sdk_layer`) is on the environment's path. Two notebooks run,
each in a kernel (`jupyter execute`, the environment's own ipykernel, no stdin: the kernel
cannot ask, as in a scheduled notebook), its cells the ways a user starts a job with SDK v3:
`ModelTrainer.train()`, `Processor.run()`, `ModelBuilder.deploy()` (built for another
region, with a `boto3.Session` of its own) and a sagemaker-core resource
(`TrainingJob.create`, whose client comes from a `boto3.Session()` of its own). Each cell's
output is read from the executed notebook, and the emulator's call log says what reached
SageMaker.

SDK v3 has no `Estimator.fit()`; `ModelTrainer` sends `MaxRuntimeInSeconds` 3600 when the
user gives none (its own default), so SageMaker's one-day default is seen on a processing
job, which the SDK sends with no stopping condition.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from jupyter_smcost.cost.config import Pricing
from jupyter_smcost.cost.pricing.components import HOURS_PER_MONTH
from jupyter_smcost.cost.pricing.model import Price, PriceKey
from smcost_emulator import environ
from tests.replica.smd import Built, Replica, SdkLayer, sdk_layer
from tests.replica.test_replica import POLICY, explain, lcc_script, run_lcc, wheel_flags

pytestmark = [pytest.mark.replica, pytest.mark.slow, pytest.mark.timeout(1500)]

INSTANCE = "ml.m5.xlarge"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/smcost-test:1"
BUCKET = "smcost-sdk-test"
#: Where the endpoint is deployed: not the kernel's region (us-east-1), so that ModelBuilder
#: makes a boto3 session of its own (one the emulator's Price List has prices for).
ENDPOINT_REGION = "eu-west-1"

#: The SDK's own config, as a user writes it (~/.config/sagemaker/config.yaml): no telemetry
#: (it would post to a public S3 host), and a default bucket, so ModelBuilder needs no STS.
SDK_CONFIG = f"""\
SchemaVersion: '1.0'
SageMaker:
  PythonSDK:
    Modules:
      TelemetryOptOut: true
      Session:
        DefaultS3Bucket: {BUCKET}
"""

#: `attempt` prints what a start raised in a line of its own: the SDK shows a traceback with
#: rich (a display, not an error output), and the next cells run on.
SETUP = f"""\
from jupyter_smcost.prelaunch import confirm_cost
def attempt(start):
    try:
        start()
    except Exception as error:
        print(f"raised {{type(error).__name__}}: {{error}}")
ROLE = {ROLE!r}
IMAGE = {IMAGE!r}
INSTANCE = {INSTANCE!r}
"""

#: sagemaker-core's resource first: its singleton client is made here, from its own session.
CORE_CREATE = """\
from sagemaker.core.resources import TrainingJob
from sagemaker.core.shapes import (
    AlgorithmSpecification, OutputDataConfig, ResourceConfig, StoppingCondition,
)
def core_create(name):
    TrainingJob.create(
        training_job_name=name,
        algorithm_specification=AlgorithmSpecification(
            training_image=IMAGE, training_input_mode="File"
        ),
        role_arn=ROLE,
        output_data_config=OutputDataConfig(s3_output_path="s3://{bucket}/core"),
        resource_config=ResourceConfig(
            instance_type=INSTANCE, instance_count=2, volume_size_in_gb=5
        ),
        stopping_condition=StoppingCondition(max_runtime_in_seconds=7200),
    )
""".replace("{bucket}", BUCKET)

TRAINER = """\
from sagemaker.train import ModelTrainer
from sagemaker.train.configs import Compute, InputData, OutputDataConfig, StoppingCondition
def train(base_job_name, max_runtime=None):
    trainer = ModelTrainer(
        training_image=IMAGE,
        role=ROLE,
        base_job_name=base_job_name,
        compute=Compute(instance_type=INSTANCE, instance_count=2, volume_size_in_gb=5),
        stopping_condition=(
            StoppingCondition(max_runtime_in_seconds=max_runtime) if max_runtime else None
        ),
        output_data_config=OutputDataConfig(s3_output_path="s3://{bucket}/train"),
    )
    data = [InputData(channel_name="train", data_source="s3://{bucket}/data")]
    trainer.train(input_data_config=data, wait=False)
""".replace("{bucket}", BUCKET)

PROCESSOR = """\
from sagemaker.core.processing import Processor
def process(job_name):
    Processor(
        role=ROLE, image_uri=IMAGE, instance_count=1, instance_type=INSTANCE,
    ).run(job_name=job_name, wait=False, logs=False)
"""

BUILDER = f"""\
from sagemaker.serve import ModelBuilder
REGION = {ENDPOINT_REGION!r}
def deploy(name):
    builder = ModelBuilder(
        image_uri=IMAGE,
        s3_model_data_url="s3://{BUCKET}/model.tar.gz",
        role_arn=ROLE,
        instance_type=INSTANCE,
    )
    # Another region than the kernel's: ModelBuilder makes a boto3.Session for it.
    builder.build(model_name=name, region=REGION)
    builder.deploy(endpoint_name=name, initial_instance_count=1, wait=False)
"""

#: Notebook name -> its (cell id, source), run in order in a kernel of its own. The
#: endpoint has a kernel of its own: sagemaker-core keeps one SageMaker client per process
#: (its first region's), so ModelBuilder in another region after the jobs' cells would
#: describe its model in the wrong region.
NOTEBOOKS = {
    "jobs": [
        ("load", "%load_ext jupyter_smcost.prelaunch"),
        ("setup", SETUP),
        ("core-defs", CORE_CREATE),
        ("core-over", 'attempt(lambda: core_create("core-over"))'),
        (
            "core-confirmed",
            'with confirm_cost():\n    attempt(lambda: core_create("core-confirmed"))',
        ),
        ("trainer-defs", TRAINER),
        ("trainer-over", 'attempt(lambda: train("trainer-over", max_runtime=7200))'),
        (
            "trainer-confirmed",
            "with confirm_cost():\n"
            '    attempt(lambda: train("trainer-confirmed", max_runtime=7200))',
        ),
        ("trainer-sdk-default", 'attempt(lambda: train("trainer-sdk-default"))'),
        ("processor-defs", PROCESSOR),
        ("processor-over", 'attempt(lambda: process("processor-over"))'),
        (
            "processor-confirmed",
            'with confirm_cost():\n    attempt(lambda: process("processor-confirmed"))',
        ),
    ],
    "endpoint": [
        ("endpoint-load", "%load_ext jupyter_smcost.prelaunch"),
        ("endpoint-setup", SETUP),
        ("builder-defs", BUILDER),
        ("deploy-over", 'attempt(lambda: deploy("deploy-over"))'),
        (
            "deploy-confirmed",
            'with confirm_cost():\n    attempt(lambda: deploy("deploy-confirmed"))',
        ),
    ],
}


def price_list_rate(endpoint_url: str, component: str, region: str = "us-east-1") -> float:
    """What the pricing module finds in the emulator's Price List for INSTANCE: the figure
    the kernel's estimate must print, found here by a resolver of the test's own."""
    with pytest.MonkeyPatch.context() as patch, tempfile.TemporaryDirectory() as cache:
        for name, value in environ(endpoint_url).items():
            patch.setenv(name, value)
        found = Pricing().build_resolver(cache).resolve(PriceKey(region, INSTANCE, component))
    assert isinstance(found, Price), found
    return found.usd_per_hour


@dataclass
class Run:
    """The executed notebook's outputs by cell id, and the emulator's SageMaker calls."""

    outputs: dict[str, str]
    errors: dict[str, str]
    calls: list[tuple[str, dict[str, Any]]]
    rates: dict[str, float]
    cap: float

    def created(self, action: str, name_key: str, prefix: str) -> list[str]:
        """Names of the `action` calls that reached the emulator, starting with `prefix`."""
        return [
            str(params.get(name_key))
            for called, params in self.calls
            if called == action and str(params.get(name_key, "")).startswith(prefix)
        ]


def notebook(cells: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "cells": [
            {"cell_type": "code", "id": cell_id, "metadata": {}, "source": source,
             "outputs": [], "execution_count": None}
            for cell_id, source in cells
        ],
    }  # fmt: skip


def cell_texts(executed: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """Each cell's stream text, and what it raised: `attempt`'s line, else the cell's own
    error (a cell that failed outside `attempt`, or a traceback rich displayed)."""
    outputs: dict[str, str] = {}
    errors: dict[str, str] = {}
    for cell in executed["cells"]:
        text, error = [], ""
        for output in cell.get("outputs", []):
            kind = output["output_type"]
            if kind == "stream":
                text.append("".join(output["text"]))
            elif kind == "error":
                error = f"{output['ename']}: {output['evalue']}"
            elif kind == "display_data" and "Traceback" in "".join(
                output["data"].get("text/plain", "")
            ):
                error = "a traceback: " + "".join(output["data"]["text/plain"])[-2000:]
        joined = "".join(text)
        raised = [line for line in joined.splitlines() if line.startswith("raised ")]
        outputs[cell["id"]] = joined
        errors[cell["id"]] = error or (raised[-1].removeprefix("raised ") if raised else "")
    return outputs, errors


@pytest.fixture(scope="module")
def sdk(built: Built) -> SdkLayer:
    return sdk_layer(built)


@pytest.fixture(scope="module")
def run(built: Built, wheel: Path, sdk: SdkLayer, emulator_server: Any) -> Iterator[Run]:
    endpoint = emulator_server.endpoint_url
    emulator_server.reset()
    rates = {c: price_list_rate(endpoint, c) for c in ("training", "processing")}
    rates["hosting"] = price_list_rate(endpoint, "hosting", ENDPOINT_REGION)
    # Between a two-instance job's hour (the SDK's default runtime) and its two hours.
    cap = round(3 * rates["training"], 2)
    replica = Replica.copy(built, "JupyterLab")
    try:
        script = lcc_script(
            replica, "--app-type", "JupyterLab", *wheel_flags(wheel), *POLICY,
            "--max-job-usd", str(cap),
        )  # fmt: skip
        installed = run_lcc(replica, script)
        assert installed.returncode == 0, explain(installed)
        replica.add_sdk(sdk)
        config = replica.home / ".config" / "sagemaker" / "config.yaml"
        config.parent.mkdir(parents=True)
        config.write_text(SDK_CONFIG)
        for owned in (config.parent.parent, config.parent, config):
            os.chown(owned, built.account.uid, built.account.gid)
        emulator_server.clear_call_log()
        outputs: dict[str, str] = {}
        errors: dict[str, str] = {}
        for name, cells in NOTEBOOKS.items():
            path = replica.home / f"prelaunch-sdk-{name}.ipynb"
            path.write_text(json.dumps(notebook(cells)))
            os.chown(path, built.account.uid, built.account.gid)
            executed = replica.run(
                [str(replica.env / "bin" / "jupyter"), "execute", "--inplace", "--allow-errors",
                 "--timeout=600", "--startup_timeout=120", str(path)],
                env={**environ(endpoint), "AWS_EC2_METADATA_DISABLED": "true"},
                timeout=1200,
            )  # fmt: skip
            # Kept beside the cache for a look after a failure (each run replaces it).
            shutil.copy(path, built.path.parent / path.name)
            assert executed.returncode == 0, explain(executed)
            texts, raised = cell_texts(json.loads(path.read_text()))
            outputs.update(texts)
            errors.update(raised)
        calls = [(c.action, dict(c.params)) for c in emulator_server.call_log()]
        yield Run(outputs, errors, calls, rates, cap)
    finally:
        shutil.rmtree(replica.root, ignore_errors=True)
        emulator_server.reset()


def usd(value: float) -> str:
    return f"${value:,.2f}"


def test_the_kernel_runs_the_images_sdk_with_the_extension(run: Run, sdk: SdkLayer) -> None:
    defs = ("core-defs", "trainer-defs", "processor-defs", "builder-defs")
    for cell in ("load", "setup", "endpoint-load", "endpoint-setup", *defs):
        assert run.errors[cell] == "", (cell, run.errors[cell], run.outputs[cell])
    assert sdk.packages > 0


def test_sagemaker_core_resource_from_its_own_session(run: Run) -> None:
    worst = run.rates["training"] * 2 * 2
    assert run.errors["core-over"].startswith("JobCostRefused:"), run.errors["core-over"]
    assert "Nothing was sent to AWS" in run.errors["core-over"]
    text = run.outputs["core-over"]
    assert "jupyter-smcost: training job core-over in us-east-1" in text, text
    assert f"upper bound: {usd(worst)} if it runs its max runtime 2 h" in text, text
    assert "AWS Price List API" in text, text
    assert run.errors["core-confirmed"] == "", run.errors["core-confirmed"]
    assert "confirmed by you" in run.outputs["core-confirmed"]
    assert run.created("CreateTrainingJob", "TrainingJobName", "core-") == ["core-confirmed"]


def test_model_trainer_train_refused_above_the_cap_then_confirmed(run: Run) -> None:
    worst = run.rates["training"] * 2 * 2
    assert run.errors["trainer-over"].startswith("JobCostRefused:"), run.errors["trainer-over"]
    text = run.outputs["trainer-over"]
    assert "jupyter-smcost: training job trainer-over-" in text, text
    assert f"2 x {INSTANCE} at {usd(run.rates['training'])}/h" in text, text
    assert f"upper bound: {usd(worst)} if it runs its max runtime 2 h" in text, text
    assert f"is above the cap of {usd(run.cap)}" in run.errors["trainer-over"]
    assert run.created("CreateTrainingJob", "TrainingJobName", "trainer-over") == []
    assert run.errors["trainer-confirmed"] == "", run.errors["trainer-confirmed"]
    assert len(run.created("CreateTrainingJob", "TrainingJobName", "trainer-confirmed")) == 1


def test_model_trainer_without_a_runtime_is_bounded_by_the_sdks_hour(run: Run) -> None:
    """ModelTrainer sends its own default, MaxRuntimeInSeconds 3600: the bound is that hour,
    within the cap, and the call goes ahead unasked."""
    worst = run.rates["training"] * 2 * 1
    text = run.outputs["trainer-sdk-default"]
    assert run.errors["trainer-sdk-default"] == "", run.errors["trainer-sdk-default"]
    assert f"upper bound: {usd(worst)} if it runs its max runtime 1 h" in text, text
    assert "SageMaker's default" not in text
    assert f"within the admin's cap: the worst case {usd(worst)} is within the cap" in text
    assert len(run.created("CreateTrainingJob", "TrainingJobName", "trainer-sdk-default")) == 1


def test_processor_run_without_a_runtime_names_sagemakers_one_day_default(run: Run) -> None:
    worst = run.rates["processing"] * 1 * 24
    text = run.outputs["processor-over"]
    assert run.errors["processor-over"].startswith("JobCostRefused:"), run.errors["processor-over"]
    assert "jupyter-smcost: processing job processor-over in us-east-1" in text, text
    assert (
        f"upper bound: {usd(worst)} if it runs its max runtime 24 h "
        "(no MaxRuntimeInSeconds given: SageMaker's default)"
    ) in text, text
    assert run.created("CreateProcessingJob", "ProcessingJobName", "processor-") == [
        "processor-confirmed"
    ]


def test_model_builder_deploy_checked_at_its_endpoint_config(run: Run) -> None:
    """ModelBuilder.build(region=...) in another region makes a boto3 session of its own;
    deploy() creates the endpoint config, priced per hour and per month there, before the
    endpoint."""
    hourly = run.rates["hosting"]
    text = run.outputs["deploy-over"]
    assert run.errors["deploy-over"].startswith("JobCostRefused:"), run.errors["deploy-over"]
    assert f"jupyter-smcost: endpoint deploy-over in {ENDPOINT_REGION}" in text, text
    assert f"{usd(hourly)}/h, {usd(hourly * HOURS_PER_MONTH)}/month" in text, text
    assert run.created("CreateModel", "ModelName", "deploy-") == ["deploy-over", "deploy-confirmed"]
    assert run.created("CreateEndpointConfig", "EndpointConfigName", "deploy-") == [
        "deploy-confirmed"
    ]
    assert run.created("CreateEndpoint", "EndpointName", "deploy-") == ["deploy-confirmed"]
    assert run.errors["deploy-confirmed"] == "", run.errors["deploy-confirmed"]
