"""`jupyter smcost lcc install / remove --notebook-instance`: an on-start lifecycle
configuration, attached only to stopped instances; running ones are named, not touched."""

from __future__ import annotations

import base64
from typing import Any

import boto3
import pytest

from jupyter_smcost.admin.cli import main
from smcost_emulator import call_log, clear_call_log


def notebook(name: str, stopped: bool) -> None:
    sm = boto3.client("sagemaker")
    sm.create_notebook_instance(
        NotebookInstanceName=name,
        InstanceType="ml.t3.medium",
        RoleArn="arn:aws:iam::123456789012:role/notebooks",
    )
    if stopped:
        sm.stop_notebook_instance(NotebookInstanceName=name)


def attached(name: str) -> Any:
    found = boto3.client("sagemaker").describe_notebook_instance(NotebookInstanceName=name)
    return found.get("NotebookInstanceLifecycleConfigName")


def test_install_attaches_to_stopped_instances_and_names_running_ones(
    capsys: pytest.CaptureFixture[str], emulator: Any
) -> None:
    notebook("stopped-one", stopped=True)
    notebook("busy-one", stopped=False)
    clear_call_log()
    code = main(
        [
            "lcc",
            "install",
            "--notebook-instance",
            "stopped-one",
            "--notebook-instance",
            "busy-one",
            "--timeout-minutes",
            "45",
        ]  # fmt: skip
    )
    out = capsys.readouterr()
    assert code == 1  # one instance must be stopped first
    assert "busy-one" in out.err and "stop these notebook instances first" in out.err
    name = attached("stopped-one")
    assert name and name.startswith("smcost-")
    assert attached("busy-one") is None
    config = boto3.client("sagemaker").describe_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName=name
    )
    script = base64.b64decode(config["OnStart"][0]["Content"]).decode()
    assert "JupyterSystemEnv" in script and '"timeout_minutes": 45' in script

    # Again, for the stopped one: nothing to write.
    clear_call_log()
    assert main(["lcc", "install", "--notebook-instance", "stopped-one", "--timeout-minutes",
                 "45"]) == 0  # fmt: skip
    assert not [c for c in call_log() if c.action.startswith(("Create", "Update"))]

    assert main(["lcc", "remove", "--notebook-instance", "stopped-one"]) == 0
    assert attached("stopped-one") is None
    # Removed already: said, and nothing written.
    capsys.readouterr()
    clear_call_log()
    assert main(["lcc", "remove", "--notebook-instance", "stopped-one"]) == 0
    out = capsys.readouterr()
    assert "stopped-one has no jupyter-smcost configuration" in out.out + out.err
    assert not [c for c in call_log() if c.action.startswith("Update")]


def test_domain_or_notebook_instance(capsys: pytest.CaptureFixture[str], emulator: Any) -> None:
    assert main(["lcc", "install"]) == 2
    assert "either --domain or --notebook-instance" in capsys.readouterr().err
