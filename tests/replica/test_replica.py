"""The SageMaker Distribution 4.4.1 replica tier (`-m replica`, `make replica-test`).

Our wheel goes into a replica of the image's /opt/conda (tests/replica/smd.py: its pinned
JupyterLab, jupyter_server, Python 3.12 and Studio's own server extensions, owned by uid 1000)
the way Studio does it: the lifecycle script `jupyter smcost lcc script` generates, run with
bash as the user and with no network. Then the server is started as the image starts it and
questioned over REST. Variants: `--pip-spec` offline, Studio Classic (`JupyterServer`), and a
notebook instance (root runs the script; the environment's owner installs).

Skipped, with the reason, where the replica cannot be built (not root, no Python 3.12).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyter_smcost.admin.cli import main as smcost
from tests.replica.smd import (
    REPO,
    Built,
    Replica,
    Server,
)

pytestmark = [pytest.mark.replica, pytest.mark.timeout(900)]

POLICY = ["--timeout-minutes", "45", "--min-timeout-minutes", "15", "--no-user-override"]
#: Studio's own server extensions in the image (module names) and ours.
STUDIO_EXTENSIONS = (
    "jupyter_activity_monitor_extension",
    "sagemaker_jupyterlab_extension",
    "amazon_sagemaker_jupyter_scheduler",
    "jupyterlab_git",
)


#: Marks the admin's price snapshot, so a price read from it can be told from the bundled one.
ADMIN_PRICES_SOURCE = "replica admin copy of the bundled snapshot"


#: Where the lifecycle script fetches it from (`--prices-uri` takes s3:// and https:// only).
ADMIN_PRICES_URI = "s3://replica-admin/prices.json"


def admin_prices(replica: Replica) -> Path:
    """An admin price snapshot the lifecycle script fetches: `aws s3 cp` is a stub that
    serves this file for ADMIN_PRICES_URI (no network)."""
    bundled = REPO / "jupyter_smcost" / "cost" / "pricing" / "snapshot.json"
    document = json.loads(bundled.read_text())
    document["source"] = ADMIN_PRICES_SOURCE
    path = replica.root / "admin-prices-source.json"
    path.write_text(json.dumps(document))
    path.chmod(0o644)
    # The script runs `aws s3 cp --quiet SRC DEST`.
    replica.stub("aws", f'[ "$1 $2 $4" = "s3 cp {ADMIN_PRICES_URI}" ] || exit 1\ncp {path} "$5"\n')
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def lcc_script(replica: Replica, *args: str) -> Path:
    """`jupyter smcost lcc script ARGS --out FILE`, written into the replica (readable)."""
    out = replica.root / "on-start.sh"
    assert smcost(["lcc", "script", *args, "--out", str(out)]) == 0
    out.chmod(0o644)
    return out


def wheel_flags(wheel: Path) -> list[str]:
    return ["--wheel-uri", str(wheel), "--sha256", sha256(wheel)]


def run_lcc(
    replica: Replica, script: Path, *, as_root: bool = False, **env: str
) -> subprocess.CompletedProcess[str]:
    """bash SCRIPT as Studio runs it, with no network (a fresh network namespace)."""
    env = {"SMCOST_LCC_ROOT": str(replica.root), "PIP_NO_INDEX": "1", **env}
    return replica.run(["bash", str(script)], as_root=as_root, no_network=True, env=env)


def explain(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"


def extension_list(replica: Replica) -> str:
    result = replica.run([str(replica.env / "bin" / "jupyter"), "server", "extension", "list"])
    assert result.returncode == 0, explain(result)
    return re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)


def assert_enabled_ok(listing: str, module: str) -> None:
    assert re.search(rf"^\s*{re.escape(module)} enabled\s*$", listing, re.M), (
        f"{module} is not listed as enabled:\n{listing}"
    )
    assert re.search(rf"^\s*{re.escape(module)}\b.*\bOK\s*$", listing, re.M), (
        f"{module} does not validate OK:\n{listing}"
    )


# --- a new Studio space (JupyterLab app), the lifecycle script with --wheel-uri -----------


@pytest.fixture(scope="module")
def space(built: Built, wheel: Path) -> Iterator[tuple[Replica, subprocess.CompletedProcess[str]]]:
    replica = Replica.copy(built, "JupyterLab")
    admin_prices(replica)
    script = lcc_script(
        replica,
        "--app-type",
        "JupyterLab",
        *wheel_flags(wheel),
        *POLICY,
        "--prices-uri",
        ADMIN_PRICES_URI,
    )
    result = run_lcc(replica, script)
    yield replica, result
    shutil.rmtree(replica.root, ignore_errors=True)


@pytest.fixture
def installed(space: tuple[Replica, subprocess.CompletedProcess[str]]) -> Replica:
    replica, result = space
    if result.returncode != 0:
        pytest.fail(f"the lifecycle script failed:\n{explain(result)}")
    return replica


@pytest.fixture
def server(installed: Replica) -> Iterator[Server]:
    running = installed.start_server(secrets.token_hex(16))
    try:
        running.wait()
        yield running
    finally:
        running.stop()


def test_the_replica_has_no_network_for_the_script(built: Built) -> None:
    """What run_lcc's namespace leaves: a loopback and nothing else."""
    replica = Replica.copy(built, "JupyterLab")
    try:
        probe = (
            "lines = open('/proc/self/net/dev').read().splitlines()[2:];"
            " print(' '.join(sorted(line.split(':')[0].strip() for line in lines)))"
        )
        result = replica.run([str(replica.python), "-c", probe], no_network=True)
        assert result.returncode == 0, explain(result)
        assert result.stdout.split() == ["lo"]
    finally:
        shutil.rmtree(replica.root, ignore_errors=True)


def test_lifecycle_script_installs_the_wheel_offline_as_the_user(
    space: tuple[Replica, subprocess.CompletedProcess[str]],
) -> None:
    replica, result = space
    assert result.returncode == 0, explain(result)
    assert "jupyter-smcost-lcc: checksum verified" in result.stdout
    assert "jupyter-smcost-lcc: done" in result.stdout
    version = replica.run(
        [str(replica.python), "-c", "import jupyter_smcost as j; print(j.__file__)"]
    )
    assert version.returncode == 0, explain(version)
    assert str(replica.env) in version.stdout
    # Installed by the user into the user's environment, as in the image.
    site = Path(version.stdout.strip()).parent
    assert site.stat().st_uid == replica.built.account.uid


def test_server_lists_studio_extensions_and_ours(installed: Replica, server: Server) -> None:
    listing = extension_list(installed)
    for module in (*STUDIO_EXTENSIONS, "jupyter_smcost"):
        assert_enabled_ok(listing, module)
    # And the running server loaded ours under Studio's base URL.
    status, body = server.get("jupyter-smcost/status")
    assert status == 200, body


def test_activity_monitor_answers(server: Server) -> None:
    """jupyter-activity-monitor-extension's endpoint, which Studio's own idle shutdown reads."""
    status, body = server.get("api/idle")
    assert status == 200, body
    assert isinstance(body, dict) and "lastActiveTimestamp" in body, body


def policy_values(body: object) -> dict[str, object]:
    assert isinstance(body, dict), body
    keys = ("timeout_minutes", "min_timeout_minutes", "allow_user_override", "sources")
    return {key: body.get(key) for key in keys}


def test_admin_policy_reaches_the_server(installed: Replica, server: Server) -> None:
    status, body = server.get("jupyter-smcost/config")
    assert status == 200, body
    observed = policy_values(body)
    expected = {"timeout_minutes": 45, "min_timeout_minutes": 15, "allow_user_override": False}
    assert {k: observed[k] for k in expected} == expected, f"observed {json.dumps(observed)}"
    # Read by the extension itself from its fixed place in the image's environment.
    assert isinstance(body, dict)
    policy = body["policy"]["path"]
    assert policy == str(installed.env / "share" / "jupyter_smcost" / "policy.json")
    for name in ("timeout_minutes", "min_timeout_minutes", "allow_user_override"):
        assert body["sources"][name] == "policy", body["sources"]
    assert body["sources"]["prices_path"] == "policy"
    assert body["prices_path"] == str(Path(policy).parent / "admin-prices.json")
    assert f"idle checker started (timeout 45 min from policy {policy}" in server.log()


def test_user_config_does_not_escape_the_policy(installed: Replica) -> None:
    """A user's ~/.jupyter/jupyter_server_config.json (it outranks /opt/conda's config)."""
    user_config = installed.home / ".jupyter" / "jupyter_server_config.json"
    user_config.write_text(
        json.dumps({"IdleShutdown": {"timeout_minutes": 0, "min_timeout_minutes": 0}})
    )
    os.chown(user_config, installed.built.account.uid, installed.built.account.gid)
    running = installed.start_server(secrets.token_hex(16))
    try:
        running.wait()
        status, body = running.get("jupyter-smcost/config")
    finally:
        running.stop()
        user_config.unlink()
    assert status == 200, body
    observed = policy_values(body)
    expected = {"timeout_minutes": 45, "min_timeout_minutes": 15}
    assert {k: observed[k] for k in expected} == expected, f"observed {json.dumps(observed)}"


def test_one_bad_value_leaves_the_policy_in_force(installed: Replica) -> None:
    """A bad SMCost value on the command line used to drop every trait to its default."""
    running = installed.start_server(
        secrets.token_hex(16),
        extra_args=(
            "--SMCost.aws_call_timeout_seconds=0",
            "--SMCost.instance_type=ml.t3.medium",
            "--SMCost.region=us-east-1",
            "--Pricing.use_price_list_api=False",
        ),
    )
    try:
        running.wait()
        _, config = running.get("jupyter-smcost/config")
        _, status = running.get("jupyter-smcost/status")
        _, cost = running.get("jupyter-smcost/cost")
    finally:
        running.stop()
    observed = policy_values(config)
    expected = {"timeout_minutes": 45, "min_timeout_minutes": 15, "allow_user_override": False}
    assert {k: observed[k] for k in expected} == expected, f"observed {json.dumps(observed)}"
    assert isinstance(status, dict)
    assert [e["setting"] for e in status["config_errors"]] == ["c.SMCost.aws_call_timeout_seconds"]
    # The other SMCost values stand, and the price comes from the admin's snapshot.
    assert status["environment"]["instance_type"] == "ml.t3.medium"
    assert ADMIN_PRICES_SOURCE in json.dumps(cost), cost


# --- variants: the install step of the other ways in ------------------------------------


def test_pip_spec_installs_offline(built: Built, wheel: Path) -> None:
    """`--pip-spec 'jupyter_smcost @ file://...'`: pip resolves it with no index, against
    what the image already has (the replica's lock holds our runtime dependencies)."""
    replica = Replica.copy(built, "JupyterLab")
    try:
        spec = f"jupyter_smcost @ {wheel.as_uri()}"
        script = lcc_script(replica, "--app-type", "JupyterLab", "--pip-spec", spec, *POLICY)
        result = run_lcc(replica, script, PIP_FIND_LINKS=str(wheel.parent))
        assert result.returncode == 0, explain(result)
        assert f"jupyter-smcost-lcc: installing {spec}" in result.stdout
        assert_enabled_ok(extension_list(replica), "jupyter_smcost")
    finally:
        shutil.rmtree(replica.root, ignore_errors=True)


def test_studio_classic_installs_and_restarts_the_server(built: Built, wheel: Path) -> None:
    """`--app-type JupyterServer`: the `studio` environment (SMCOST_SERVER_PYTHON), run by
    root as Studio Classic runs it, then `restart-jupyter-server`."""
    replica = Replica.copy(built, "JupyterServer")
    try:
        subprocess.run(["chown", "-R", "0:0", str(replica.env)], check=True)
        calls = replica.root / "restart.log"
        replica.stub("restart-jupyter-server", f'echo "restart-jupyter-server $*" >> {calls}\n')
        script = lcc_script(replica, "--app-type", "JupyterServer", *wheel_flags(wheel), *POLICY)
        result = run_lcc(replica, script, as_root=True, SMCOST_SERVER_PYTHON=str(replica.python))
        assert result.returncode == 0, explain(result)
        assert calls.read_text() == "restart-jupyter-server \n"
        assert_enabled_ok(extension_list(replica), "jupyter_smcost")
    finally:
        shutil.rmtree(replica.root, ignore_errors=True)


def test_notebook_instance_root_runs_the_script_the_owner_installs(
    built: Built, wheel: Path
) -> None:
    """`--app-type notebook-instance`: root runs it; JupyterSystemEnv belongs to a non-root
    user (ec2-user there, uid 1000 here), who installs through sudo (a shim: this machine has
    no sudo binary) from the wheel root fetched and verified."""
    replica = Replica.copy(built, "notebook-instance")
    try:
        calls = replica.root / "calls.log"
        replica.stub(
            "sudo",
            '[ "$1" = -u ] || { echo "sudo shim: only sudo -u USER CMD..." >&2; exit 1; }\n'
            f'user=$2; shift 2; echo "sudo -u $user $*" >> {calls}\n'
            'exec runuser -u "$user" -- "$@"\n',
        )
        replica.stub("systemctl", f'echo "systemctl $*" >> {calls}; exit 3\n')  # not active
        script = lcc_script(
            replica, "--app-type", "notebook-instance", *wheel_flags(wheel), *POLICY
        )
        result = run_lcc(replica, script, as_root=True)
        assert result.returncode == 0, explain(result)
        owner = replica.built.account.name
        assert f"sudo -u {owner} {replica.python} -m pip install" in calls.read_text()
        found = replica.run(
            [str(replica.python), "-c", "import jupyter_smcost as j; print(j.__file__)"]
        )
        assert found.returncode == 0, explain(found)
        assert Path(found.stdout.strip()).stat().st_uid == replica.built.account.uid
    finally:
        shutil.rmtree(replica.root, ignore_errors=True)
