"""`jupyter smcost lcc script`: each generated script passes shellcheck and runs for real under
bash in a sandbox standing in for the app's file system (stub Python, pip, aws and
restart-jupyter-server on PATH that record their calls), twice, to prove idempotence."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_smcost import __version__
from jupyter_smcost.admin.cli import main
from jupyter_smcost.admin.lcc import (
    MAX_LCC_CHARS,
    POLICY_FILE,
    PRICES_FILE,
    SERVER_PYTHON,
    Install,
    lcc_script,
)
from jupyter_smcost.admin.policy import Policy
from jupyter_smcost.idle.checker import IdleShutdown
from tests.support.sandbox import SHELLCHECK, Sandbox, stub

# Each test here runs processes (servers, bash, shellcheck) and waits for them.
pytestmark = pytest.mark.slow

FULL_POLICY = [
    "--timeout-minutes",
    "45",
    "--min-timeout-minutes",
    "15",
    "--max-timeout-minutes",
    "240",
    "--warning-minutes",
    "5",
    "--no-user-override",
    "--max-idle-usd",
    "2.5",
    "--action",
    "delete-app",
    "--cpu-threshold-percent",
    "25",
]


def generate(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["lcc", "script", *args]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("app_type", list(SERVER_PYTHON))
def test_each_script_passes_shellcheck_and_fits_the_limit(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, app_type: str
) -> None:
    variants = [
        [],
        FULL_POLICY + ["--prices-uri", "s3://prices/snapshot.json", "--max-job-usd", "50"],
        ["--wheel-uri", "s3://bucket/jupyter_smcost-0.1.0-py3-none-any.whl", "--sha256", "a" * 64],
        ["--pip-spec", "jupyter_smcost>=0.1", "--pip-index-url", "https://pypi.internal/simple"],
    ]
    for i, flags in enumerate(variants):
        script = generate(capsys, "--app-type", app_type, *flags)
        assert script.startswith("#!/bin/bash\n")
        assert "set -euo pipefail" in script
        assert len(script) <= MAX_LCC_CHARS
        path = tmp_path / f"{app_type}-{i}.sh"
        path.write_text(script)
        checked = subprocess.run([SHELLCHECK, str(path)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout


@pytest.mark.parametrize("app_type", list(SERVER_PYTHON))
def test_script_installs_writes_the_policy_and_is_idempotent(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, app_type: str
) -> None:
    box = Sandbox(tmp_path, app_type)
    (box.bucket / "prices").mkdir(parents=True)
    (box.bucket / "prices" / "snapshot.json").write_text('{"prices": {}}')
    script = generate(
        capsys, "--app-type", app_type, *FULL_POLICY, "--prices-uri", "s3://prices/snapshot.json"
    )
    first = box.run(script)
    assert first.returncode == 0, first.stderr
    files_after_first = box.files()
    calls_after_first = box.recorded()
    second = box.run(script)
    assert second.returncode == 0, second.stderr
    assert box.files() == files_after_first  # the same end state
    assert box.recorded() == calls_after_first * 2  # the same steps, nothing piled up

    # pip ran with the server's own Python (not a kernel's), pinned to this version.
    assert f"python -m pip install --quiet -- jupyter_smcost=={__version__}" in calls_after_first
    assert "python -c import jupyter_smcost" in calls_after_first
    # The policy is the file the extension reads itself, with exactly the values given.
    policy = json.loads((box.policy_dir() / POLICY_FILE).read_text())
    assert policy == {
        "jupyter_smcost_policy": 1,
        "timeout_minutes": 45,
        "min_timeout_minutes": 15,
        "max_timeout_minutes": 240,
        "warning_minutes": 5,
        "allow_user_override": False,
        "max_idle_usd": 2.5,
        "action": "delete-app",
        "cpu_threshold_percent": 25,
        "prices_path": PRICES_FILE,
    }
    assert (box.policy_dir() / PRICES_FILE).read_text() == '{"prices": {}}'
    # Every step is logged with the prefix (stdout reaches CloudWatch).
    lines = first.stdout.splitlines()
    assert lines and all(line.startswith("jupyter-smcost-lcc: ") for line in lines)
    assert lines[-1] == "jupyter-smcost-lcc: done"
    # Studio Classic restarts its running server the supported way; the others do not.
    restarted = [c for c in calls_after_first if c.startswith("restart-jupyter-server")]
    assert restarted == (["restart-jupyter-server "] if app_type == "JupyterServer" else [])


def test_policy_traits_are_the_servers_traits() -> None:
    known = set(IdleShutdown.class_trait_names(config=True))
    assert set(Policy(1, 1, 1, 1, False, 1, "dry-run", 1).traits()) <= known


def test_wheel_from_s3_is_verified_before_install(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    box = Sandbox(tmp_path, "JupyterLab")
    wheel = box.bucket / "wheels" / "jupyter_smcost-0.1.0-py3-none-any.whl"
    wheel.parent.mkdir(parents=True)
    wheel.write_bytes(b"a wheel's bytes")
    good = hashlib.sha256(wheel.read_bytes()).hexdigest()
    uri = "s3://wheels/jupyter_smcost-0.1.0-py3-none-any.whl"
    script = generate(capsys, "--app-type", "JupyterLab", "--wheel-uri", uri, "--sha256", good)
    done = box.run(script)
    assert done.returncode == 0, done.stderr
    installs = [c for c in box.recorded() if "pip install" in c]
    assert len(installs) == 1 and "--no-index --no-deps" in installs[0]
    assert installs[0].endswith("jupyter_smcost-0.1.0-py3-none-any.whl")

    bad = generate(capsys, "--app-type", "JupyterLab", "--wheel-uri", uri, "--sha256", "0" * 64)
    before = len(box.recorded())
    failed = box.run(bad)
    assert failed.returncode == 1
    assert "SHA-256" in failed.stderr and "nothing was installed" in failed.stderr
    assert not [c for c in box.recorded()[before:] if "pip install" in c]


def test_missing_server_python_fails_clearly(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    box = Sandbox(tmp_path, "JupyterLab")
    box.python.unlink()
    failed = box.run(generate(capsys, "--app-type", "JupyterLab"))
    assert failed.returncode == 1
    assert "no Python at" in failed.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--app-type", "CodeEditor"], "Code Editor runs no Jupyter server"),
        (["--app-type", "JupyterLab", "--sha256", "a" * 64], "--sha256 only applies"),
        (["--app-type", "JupyterLab", "--wheel-uri", "s3://b/x.whl"], "needs --sha256"),
        (
            ["--app-type", "JupyterLab", "--timeout-minutes", "2", "--min-timeout-minutes", "5"],
            "below --min-timeout-minutes",
        ),
    ],
)
def test_impossible_flags_exit_2_with_a_message(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["lcc", "script", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err


@pytest.mark.parametrize(
    "args",
    [
        ["lcc", "script", "--app-type", "JupyterLab", "--timeout-minutes", "NaN"],
        ["lcc", "script", "--app-type", "JupyterLab", "--timeout-minutes", " 7 "],
        ["lcc", "script", "--app-type", "JupyterLab", "--action", "explode"],
        ["lcc", "script", "--app-type", "JupyterLab", "--monthly-budget-usd", "-1"],
        ["lcc", "script", "--app-type", "JupyterLab", "--monthly-budget-usd", "NaN"],
        ["lcc", "script", "--app-type", "JupyterLab", "--over-budget-timeout-minutes", "0"],
        ["lcc", "install", "--domain", "d-x", "--monthly-budget-usd", "lots"],
        ["lcc", "script", "--app-type", "Kernel"],
        ["lcc"],
    ],
)
def test_bad_command_lines_exit_2(args: list[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2


def test_every_subcommand_has_help_and_the_console_script_works() -> None:
    for args in (["--help"], ["lcc", "--help"], ["lcc", "script", "--help"]):
        with pytest.raises(SystemExit) as info:
            main(args)
        assert info.value.code == 0
    # `jupyter smcost` finds the installed `jupyter-smcost` console script.
    jupyter = Path(sys.executable).parent / "jupyter"
    done = subprocess.run(
        [str(jupyter), "smcost", "--version"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"jupyter-smcost {__version__}"


def test_json_format_and_out_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "on-start.sh"
    assert main(["lcc", "script", "--app-type", "JupyterLab", "--out", str(out)]) == 0
    assert capsys.readouterr().out == ""
    assert out.stat().st_mode & 0o111
    assert main(["lcc", "script", "--app-type", "JupyterLab", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["script"] == out.read_text()
    assert document["characters"] == len(document["script"])
    assert document["policy"] == {}


def test_lcc_script_api_matches_the_command() -> None:
    text = lcc_script("JupyterServer", Policy(timeout_minutes=30), Install())
    assert "restart-jupyter-server" in text and '"timeout_minutes": 30' in text


def test_the_command_says_what_the_script_installs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lcc", "script", "--app-type", "JupyterLab"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("#!/bin/bash\n")  # stdout is the script alone
    assert f"installs jupyter_smcost=={__version__} from PyPI (the default --pip-spec" in err
    uri = "s3://b/jupyter_smcost-0.1.0-py3-none-any.whl"
    flags = ["--wheel-uri", uri, "--sha256", "a" * 64, "--format", "json"]
    assert main(["lcc", "script", "--app-type", "JupyterLab", *flags]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["installs"].startswith(f"the wheel {uri}")
    assert "nvidia-ml-py" in document["installs"]


@pytest.mark.parametrize(
    ("flags", "name"),
    [
        (["--pip-spec=-r/etc/passwd"], "--pip-spec"),
        (["--pip-spec=--index-url=https://elsewhere.example/simple"], "--pip-spec"),
        (["--pip-spec", "jupyter_smcost\n--pre"], "--pip-spec"),
        (["--prices-uri", "/opt/prices.json"], "--prices-uri"),
        (["--prices-uri", "http://example.com/prices.json"], "--prices-uri"),
        (["--prices-uri", "file:///opt/prices.json"], "--prices-uri"),
        (["--prices-uri=-v"], "--prices-uri"),
        (["--prices-uri", "s3://b/prices.json\nrm -rf /"], "--prices-uri"),
        (["--wheel-uri", "s3://b/x\n.whl", "--sha256", "a" * 64], "--wheel-uri"),
        (["--wheel-uri=-x.whl", "--sha256", "a" * 64], "--wheel-uri"),
        (["--pip-index-url", "https://pypi.internal/simple\n"], "--pip-index-url"),
    ],
)
def test_values_that_would_reach_pip_or_the_shell_as_more_are_refused(
    capsys: pytest.CaptureFixture[str], flags: list[str], name: str
) -> None:
    assert main(["lcc", "script", "--app-type", "JupyterLab", *flags]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and name in captured.err and "Traceback" not in captured.err


def test_a_newline_in_any_value_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--domain", "d-demo\nd-other"]) == 2
    assert "--domain" in capsys.readouterr().err


def test_the_spec_reaches_pip_after_its_options(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    box = Sandbox(tmp_path, "JupyterLab")
    spec = "jupyter_smcost>=0.1"
    done = box.run(generate(capsys, "--app-type", "JupyterLab", "--pip-spec", spec))
    assert done.returncode == 0, done.stderr
    assert f"python -m pip install --quiet -- {spec}" in box.recorded()


def test_prices_from_https(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    box = Sandbox(tmp_path, "JupyterLab")
    # `curl ... -o DEST URL`: serves the sandbox's file for the one URL.
    served = tmp_path / "served.json"
    served.write_text('{"prices": {"served": {}}}')
    stub(
        box.bin / "curl",
        f'echo "curl $*" >> {box.calls}\n'
        'while [ $# -gt 1 ]; do [ "$1" = -o ] && dest=$2; shift; done\n'
        f'[ "$1" = https://prices.example/p.json ] && cp {served} "$dest"\n',
    )
    uri = "https://prices.example/p.json"
    done = box.run(generate(capsys, "--app-type", "JupyterLab", "--prices-uri", uri))
    assert done.returncode == 0, done.stderr
    assert (box.policy_dir() / PRICES_FILE).read_text() == served.read_text()
    (fetch,) = [c for c in box.recorded() if c.startswith("curl")]
    assert "--proto =https" in fetch and fetch.endswith(uri)


INVENTORY_URI = "s3://smcost-inventory/jupyter-smcost/inventory/"


def test_the_inventory_uri_reaches_the_policy_file_the_extension_reads(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`--inventory-uri` lands in the policy file (the extension applies it as
    c.Resources.inventory_uri); the script passes shellcheck, and the role's needs are said."""
    from jupyter_smcost.admin.policy_file import load_policy

    flags = [
        "--app-type",
        "JupyterLab",
        "--timeout-minutes",
        "45",
        "--inventory-uri",
        INVENTORY_URI,
    ]
    assert main(["lcc", "script", *flags]) == 0
    script, err = capsys.readouterr()
    assert f"policy --for user --inventory-uri {INVENTORY_URI}" in err
    assert "ExecutionRoleIdentityConfig" in err
    path = tmp_path / "inventory.sh"
    path.write_text(script)
    checked = subprocess.run([SHELLCHECK, str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout
    box = Sandbox(tmp_path, "JupyterLab")
    done = box.run(script)
    assert done.returncode == 0, done.stderr
    written = box.policy_dir() / POLICY_FILE
    document = json.loads(written.read_text())
    assert document["inventory_uri"] == INVENTORY_URI and document["timeout_minutes"] == 45
    loaded = load_policy(str(written), {})
    assert loaded.errors == []
    assert loaded.inventory_uri == INVENTORY_URI
    assert "inventory_uri" not in loaded.idle  # not an IdleShutdown trait
    assert loaded.to_json()["values"]["inventory_uri"] == INVENTORY_URI
    # Without the flag, the file says nothing of it: the extension lists by itself.
    assert "inventory_uri" not in generate(capsys, "--app-type", "JupyterLab")


@pytest.mark.parametrize("value", ["https://x/y/", "s3://smcost-inventory/no-slash", 42, None])
def test_a_bad_inventory_uri_in_the_policy_file_is_refused_alone(
    tmp_path: Path, value: object
) -> None:
    from jupyter_smcost.admin.policy_file import load_policy

    path = tmp_path / POLICY_FILE
    path.write_text(json.dumps({"jupyter_smcost_policy": 1, "timeout_minutes": 30,
                                "inventory_uri": value}))  # fmt: skip
    loaded = load_policy(str(path), {})
    assert loaded.inventory_uri is None
    assert loaded.idle == {"timeout_minutes": 30}  # the rest stands
    (error,) = loaded.errors
    assert "inventory_uri" in error.to_json()["setting"]
