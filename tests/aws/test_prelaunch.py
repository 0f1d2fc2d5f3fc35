"""The pre-launch guard on a real boto3 session against the emulator: the estimate printed
from the emulator's Price List, the create call reaching SageMaker under the cap and never
above it unless confirmed."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import boto3
import pytest

from jupyter_smcost import prelaunch
from jupyter_smcost.cost.config import Pricing
from jupyter_smcost.cost.pricing.components import HOURS_PER_MONTH
from jupyter_smcost.cost.pricing.model import Price, PriceKey
from jupyter_smcost.prelaunch.guard import JobCostRefused

INSTANCE = "ml.m5.xlarge"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"


def rate(component: str) -> float:
    """The figure the pricing module finds in the emulator's Price List (its fee and trap
    rows left out), by a resolver of its own: the same data the guard reads."""
    found = (
        Pricing()
        .build_resolver(os.environ["JUPYTER_DATA_DIR"] + "/other")
        .resolve(PriceKey("us-east-1", INSTANCE, component))
    )
    assert isinstance(found, Price), found
    return found.usd_per_hour


@pytest.fixture
def guarded(emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path))
    state = tmp_path / "jupyter_smcost"
    state.mkdir()
    session = boto3.Session(region_name="us-east-1")
    printed: list[str] = []
    guard = prelaunch.install(session, ask=None)
    guard.out = printed.append
    monkeypatch.setattr(prelaunch, "_guard", guard)

    def cap(usd: float | None) -> None:
        (state / prelaunch.SETTINGS_FILENAME).write_text(json.dumps({"max_job_usd": usd}))

    return session.client("sagemaker"), printed, cap


def create_training(client: Any, name: str) -> None:
    client.create_training_job(
        TrainingJobName=name,
        AlgorithmSpecification={"TrainingImage": "1.dkr.ecr/x:1", "TrainingInputMode": "File"},
        RoleArn=ROLE,
        OutputDataConfig={"S3OutputPath": "s3://bucket/out"},
        ResourceConfig={"InstanceType": INSTANCE, "InstanceCount": 2, "VolumeSizeInGB": 5},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
    )


def sent(emulator: Any, action: str) -> int:
    return sum(1 for c in emulator.call_log() if c.action == action)


def test_training_under_and_over_the_cap(emulator: Any, guarded: Any) -> None:
    client, printed, cap = guarded
    worst = rate("training") * 2 * 1.0
    cap(worst + 1)
    create_training(client, "under")
    assert sent(emulator, "CreateTrainingJob") == 1
    text = "\n".join(printed)
    assert f"upper bound: ${worst:,.2f}" in text, text
    assert "Price List" in text and "within the admin's cap" in text

    cap(worst / 2)
    emulator.clear_call_log()
    with pytest.raises(JobCostRefused, match="Nothing was sent"):
        create_training(client, "over")
    assert sent(emulator, "CreateTrainingJob") == 0
    with prelaunch.confirm_cost():
        create_training(client, "confirmed")
    assert sent(emulator, "CreateTrainingJob") == 1


def test_endpoint_config_priced_per_hour_and_month(emulator: Any, guarded: Any) -> None:
    client, printed, cap = guarded
    cap(None)
    client.create_model(
        ModelName="m", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "1.dkr.ecr/x:1"}
    )
    client.create_endpoint_config(
        EndpointConfigName="c",
        ProductionVariants=[
            {
                "VariantName": "v",
                "ModelName": "m",
                "InstanceType": INSTANCE,
                "InitialInstanceCount": 1,
            }
        ],
    )
    hourly = rate("hosting")
    text = "\n".join(printed)
    assert f"${hourly:,.2f}/h, ${hourly * HOURS_PER_MONTH:,.2f}/month" in text, text
    assert sent(emulator, "CreateEndpointConfig") == 1


KERNEL_CODE = """
%load_ext jupyter_smcost.prelaunch
import boto3
sm = boto3.client("sagemaker")
def train(name):
    sm.create_training_job(
        TrainingJobName=name,
        AlgorithmSpecification={"TrainingImage": "1.dkr.ecr/x:1", "TrainingInputMode": "File"},
        RoleArn="ROLE",
        OutputDataConfig={"S3OutputPath": "s3://bucket/out"},
        ResourceConfig={"InstanceType": "INSTANCE", "InstanceCount": 2, "VolumeSizeInGB": 5},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
    )
"""


@pytest.mark.slow
def test_in_a_real_kernel_the_extension_prints_and_refuses(
    emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real IPython kernel: %load_ext, then a create call above the cap prints the estimate
    in the cell's output and is refused where the kernel cannot ask (no stdin), goes ahead in
    a confirm_cost() block, and where the kernel can ask, on "yes"."""
    from jupyter_client.manager import start_new_kernel

    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path))
    state = tmp_path / "jupyter_smcost"
    state.mkdir()
    worst = rate("training") * 2
    (state / prelaunch.SETTINGS_FILENAME).write_text(json.dumps({"max_job_usd": worst / 2}))
    km, kc = start_new_kernel(kernel_name="python3", env=dict(os.environ))
    try:
        outputs: list[str] = []

        prompts: list[str] = []

        def answer_yes(msg: dict[str, Any]) -> None:
            prompts.append(msg["content"]["prompt"])
            kc.input("yes")

        def run(code: str, ask: bool = False) -> dict[str, Any]:
            def keep(msg: dict[str, Any]) -> None:
                content = msg["content"]
                if msg["msg_type"] == "stream":
                    outputs.append(content["text"])
                elif msg["msg_type"] == "error":
                    outputs.append(content["ename"] + ": " + content["evalue"])

            reply = kc.execute_interactive(
                code, output_hook=keep, timeout=120, allow_stdin=ask, stdin_hook=answer_yes
            )
            return dict(reply["content"])

        assert (
            run(KERNEL_CODE.replace("ROLE", ROLE).replace("INSTANCE", INSTANCE))["status"] == "ok"
        ), outputs
        emulator.clear_call_log()
        assert run('train("over")')["status"] == "error"
        text = "".join(outputs)
        assert f"upper bound: ${worst:,.2f}" in text, text
        assert "JobCostRefused" in text and "Nothing was sent to AWS" in text
        assert sent(emulator, "CreateTrainingJob") == 0
        code = "from jupyter_smcost.prelaunch import confirm_cost\n"
        code += 'with confirm_cost():\n    train("ok")'
        assert run(code)["status"] == "ok", outputs
        assert sent(emulator, "CreateTrainingJob") == 1
        # Where the kernel can ask (JupyterLab), it asks; "yes" lets the call go.
        assert run('train("asked")', ask=True)["status"] == "ok", outputs
        assert prompts and "above the cap" in prompts[0] and "Type yes" in prompts[0]
        assert sent(emulator, "CreateTrainingJob") == 2
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
