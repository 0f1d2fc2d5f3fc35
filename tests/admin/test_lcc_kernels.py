"""The admin's job cap in every kernel: the lifecycle script, run under bash in a sandbox, then
real IPython kernels of the environment it wrote to (a venv at the sandbox's /opt/conda,
whose sys.prefix is that folder, as /opt/conda is SageMaker Distribution's), against the
emulator. No kernel here runs `%load_ext`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import jupyter_smcost
from jupyter_smcost.admin.cli import main
from jupyter_smcost.admin.lcc import (
    KERNEL_STARTUP_DIR,
    KERNEL_STARTUP_FILE,
    KERNEL_STARTUP_SOURCE,
)
from jupyter_smcost.prelaunch import CONFIRM_ENV
from tests.support.sandbox import SHELLCHECK, Sandbox

# Each test here runs bash, shellcheck or kernels and waits for them.
pytestmark = pytest.mark.slow

#: Far under the worst case of any job below (2 instances for an hour): every one is refused.
CAP_USD = "0.01"
KERNEL_NAME = "smcost-lcc-kernel"
TRAIN = """
import boto3
sm = boto3.client("sagemaker")
def train(name):
    sm.create_training_job(
        TrainingJobName=name,
        AlgorithmSpecification={"TrainingImage": "1.dkr.ecr/x:1", "TrainingInputMode": "File"},
        RoleArn="arn:aws:iam::123456789012:role/SageMakerRole",
        OutputDataConfig={"S3OutputPath": "s3://bucket/out"},
        ResourceConfig={"InstanceType": "ml.m5.xlarge", "InstanceCount": 2, "VolumeSizeInGB": 5},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
    )
"""
#: What the startup file leaves in a kernel: the extension loaded and no name of its own.
STATE = """
import json, sys
print("STATE " + json.dumps({
    "loaded": "jupyter_smcost.prelaunch" in get_ipython().extension_manager.loaded,
    "leftover": [n for n in dir() if "smcost" in n.lower()],
    "imported": "jupyter_smcost.prelaunch" in sys.modules,
}))
"""


def generate(capsys: pytest.CaptureFixture[str], *flags: str) -> str:
    assert main(["lcc", "script", *flags]) == 0
    return capsys.readouterr().out


def startup_file(box: Sandbox) -> Path:
    return box.python.parent.parent / KERNEL_STARTUP_DIR / KERNEL_STARTUP_FILE


def make_kernel_environment(box: Sandbox, tmp_path: Path) -> Path:
    """Replaces the sandbox's stub Python with a venv at the same prefix (the script's files
    stay), which sees this test environment's packages but not their .pth files: IPython,
    ipykernel and boto3 import, jupyter_smcost (an editable install here) only from
    PYTHONPATH. A kernel spec in a JUPYTER_PATH of the test's own runs it."""
    prefix = box.python.parent.parent
    box.python.unlink()
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(prefix)], check=True)
    found = subprocess.run(
        [str(box.python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    )
    site = Path(found.stdout.strip())
    site.mkdir(parents=True, exist_ok=True)
    ours = dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))
    (site / "smcost-test-packages.pth").write_text("".join(f"{path}\n" for path in ours))
    spec = tmp_path / "jupyter-path" / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    argv = [str(box.python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "sandbox", "language": "python"})
    )
    return tmp_path / "jupyter-path"


class Kernel:
    """A real kernel from the sandbox's environment; `run` returns the status and output."""

    def __init__(self, tmp_path: Path, env: dict[str, str]) -> None:
        from jupyter_client.manager import start_new_kernel

        self.stderr_path = tmp_path / "kernel-stderr.log"
        self._stderr = self.stderr_path.open("w")
        # cwd: `python -m` puts it first on sys.path, and the tests' is the repository.
        self.km, self.kc = start_new_kernel(
            kernel_name=KERNEL_NAME, env=env, stderr=self._stderr, cwd=str(tmp_path)
        )

    def run(self, code: str, answer: str | None = None) -> tuple[str, str]:
        """With `answer`, the kernel may ask (as JupyterLab lets it) and gets that answer;
        each question is kept in the output as `ASKED <prompt>`."""
        outputs: list[str] = []

        def reply_to(msg: dict[str, Any]) -> None:
            outputs.append("ASKED " + msg["content"]["prompt"] + "\n")
            self.kc.input(answer or "")

        def keep(msg: dict[str, Any]) -> None:
            content = msg["content"]
            if msg["msg_type"] == "stream":
                outputs.append(content["text"])
            elif msg["msg_type"] == "error":
                outputs.append(content["ename"] + ": " + content["evalue"])

        reply = self.kc.execute_interactive(
            code,
            output_hook=keep,
            timeout=120,
            allow_stdin=answer is not None,
            stdin_hook=reply_to,
        )
        return str(reply["content"]["status"]), "".join(outputs)

    def state(self) -> dict[str, Any]:
        status, text = self.run(STATE)
        assert status == "ok", text
        line = next(x for x in text.splitlines() if x.startswith("STATE "))
        return dict(json.loads(line.removeprefix("STATE ")))

    def close(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)
        self._stderr.close()


@pytest.fixture
def capped(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    emulator: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[Sandbox, dict[str, str]]]:
    """The JupyterLab script with a job cap, run twice, then the kernel's environment: this
    process' environment (the emulator's endpoints) with PYTHONPATH giving jupyter_smcost,
    a data dir and an IPython dir of the test's own (no user's startup files)."""
    box = Sandbox(tmp_path, "JupyterLab")
    script = generate(capsys, "--app-type", "JupyterLab", "--max-job-usd", CAP_USD)
    for _ in range(2):  # a second run leaves the same one file
        done = box.run(script)
        assert done.returncode == 0, done.stderr
    assert [p.name for p in startup_file(box).parent.iterdir()] == [KERNEL_STARTUP_FILE]
    assert f"the job cap loads in every kernel of {box.python.parent.parent}" in done.stdout
    monkeypatch.setenv("JUPYTER_PATH", str(make_kernel_environment(box, tmp_path)))
    source = str(Path(jupyter_smcost.__file__).parent.parent)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([source, os.environ.get("PYTHONPATH", "")]).rstrip(":"),
        "JUPYTER_DATA_DIR": str(tmp_path / "data"),
        "IPYTHONDIR": str(tmp_path / "ipython"),
    }
    env.pop("SMCOST_PRELAUNCH", None)
    env.pop(CONFIRM_ENV, None)
    yield box, env


def calls(emulator: Any, action: str) -> int:
    return sum(1 for c in emulator.call_log() if c.action == action)


def test_every_kernel_refuses_a_job_above_the_admins_cap_without_load_ext(
    capped: tuple[Sandbox, dict[str, str]], tmp_path: Path, emulator: Any
) -> None:
    """The cap is the one the script wrote to the policy file of the kernel's own
    environment; the kernel has no stdin, so above it the call is refused, nothing sent."""
    box, env = capped
    kernel = Kernel(tmp_path, env)
    try:
        assert kernel.state() == {"loaded": True, "leftover": [], "imported": True}
        status, text = kernel.run(TRAIN)
        assert status == "ok", text
        emulator.clear_call_log()
        status, text = kernel.run('train("over-the-cap")')
        assert status == "error", text
        assert "JobCostRefused" in text and "above the cap of $0.01" in text, text
        assert "upper bound" in text  # the estimate printed in the cell
        assert calls(emulator, "CreateTrainingJob") == 0
        status, text = kernel.run(
            "from jupyter_smcost.prelaunch import confirm_cost\n"
            'with confirm_cost():\n    train("confirmed")'
        )
        assert status == "ok", text
        assert calls(emulator, "CreateTrainingJob") == 1
    finally:
        kernel.close()
    assert "jupyter-smcost" not in kernel.stderr_path.read_text()


def test_a_kernel_that_can_ask_asks_the_notebook_and_yes_sends_the_job(
    capped: tuple[Sandbox, dict[str, str]], tmp_path: Path, emulator: Any
) -> None:
    """Loaded at the kernel's start, the guard still asks through the notebook (ipykernel's
    input() of the running cell, not the process's stdin, which it would read if it kept
    the input() of the start)."""
    box, env = capped
    kernel = Kernel(tmp_path, env)
    try:
        status, text = kernel.run(TRAIN)
        assert status == "ok", text
        emulator.clear_call_log()
        status, text = kernel.run('train("asked")', answer="yes")
        assert status == "ok", text
        assert "ASKED " in text and "Type yes to start it anyway" in text, text
        assert calls(emulator, "CreateTrainingJob") == 1
        status, text = kernel.run('train("declined")', answer="no")
        assert status == "error" and "JobCostRefused" in text, text
        assert calls(emulator, "CreateTrainingJob") == 1
    finally:
        kernel.close()


def test_a_kernel_with_smcost_prelaunch_off_has_no_check(
    capped: tuple[Sandbox, dict[str, str]], tmp_path: Path, emulator: Any
) -> None:
    box, env = capped
    kernel = Kernel(tmp_path, {**env, "SMCOST_PRELAUNCH": "off"})
    try:
        assert kernel.state() == {"loaded": False, "leftover": [], "imported": False}
        assert kernel.run(TRAIN)[0] == "ok"
        emulator.clear_call_log()
        status, text = kernel.run('train("unchecked")')
        assert status == "ok", text
        assert "upper bound" not in text
        assert calls(emulator, "CreateTrainingJob") == 1
    finally:
        kernel.close()


def test_a_kernel_whose_environment_lacks_jupyter_smcost_starts_with_a_note(
    capped: tuple[Sandbox, dict[str, str]], tmp_path: Path
) -> None:
    box, env = capped
    without = {k: v for k, v in env.items() if k != "PYTHONPATH"}
    kernel = Kernel(tmp_path, without)
    try:
        assert kernel.state() == {"loaded": False, "leftover": [], "imported": False}
        assert kernel.run("1 + 1")[0] == "ok"
    finally:
        kernel.close()
    notes = [line for line in kernel.stderr_path.read_text().splitlines() if "smcost" in line]
    assert notes == [
        "jupyter-smcost: no job-cost check in this kernel: jupyter_smcost is not installed in "
        f"{box.python.parent.parent}"
    ]


@pytest.mark.parametrize("app_type", ["JupyterLab", "JupyterServer", "notebook-instance"])
def test_without_a_cap_no_loader_and_a_later_run_without_it_removes_ours(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, app_type: str
) -> None:
    """Only our own file: a user's (or the image's) startup files in the same folder stay."""
    box = Sandbox(tmp_path, app_type)
    theirs = startup_file(box).parent / "00-theirs.py"
    theirs.parent.mkdir(parents=True)
    theirs.write_text("print('theirs')\n")
    capped = generate(capsys, "--app-type", app_type, "--max-job-usd", "50")
    uncapped = generate(capsys, "--app-type", app_type, "--timeout-minutes", "30")
    for name, script in (("capped", capped), ("uncapped", uncapped)):
        path = tmp_path / f"{name}.sh"
        path.write_text(script)
        checked = subprocess.run([SHELLCHECK, str(path)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout
    assert "load_extension" not in uncapped  # no loader in it, only its removal
    done = box.run(capped)
    assert done.returncode == 0, done.stderr
    if app_type == "JupyterServer":
        # Studio Classic's kernels run in KernelGateway apps: nothing to write, and it says so.
        assert not startup_file(box).exists()
        assert "the job cap is not loaded in kernels: Studio Classic runs them" in done.stdout
    else:
        assert startup_file(box).read_text() == KERNEL_STARTUP_SOURCE.read_text()
    done = box.run(uncapped)
    assert done.returncode == 0, done.stderr
    assert not startup_file(box).exists()
    assert theirs.read_text() == "print('theirs')\n"
