"""The admin's policy, tried for its effect: a lifecycle script is run, then a real `jupyter
server` is started and asked what applies, with a user trying to escape the policy from
their own config, and with bad values that must be refused one at a time."""

from __future__ import annotations

import json
import os
import shutil
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from jupyter_smcost.admin.cli import main
from jupyter_smcost.admin.lcc import PRICES_FILE
from jupyter_smcost.cost.pricing.snapshot import DEFAULT_PATH as BUNDLED_SNAPSHOT
from tests.support.processes import free_port, start_server, stop, wait_for_log
from tests.support.sandbox import Sandbox

# Each test here runs processes (servers, bash, shellcheck) and waits for them.
pytestmark = pytest.mark.slow

STARTED = "idle checker started"
#: What a user who wants no shutdown writes in ~/.jupyter (Studio keeps the home directory).
ESCAPE = {"IdleShutdown": {"timeout_minutes": 0, "min_timeout_minutes": 0}}


class Server:
    def __init__(self, tmp_path: Path, **kwargs: Any) -> None:
        self.port = free_port()
        self.log = tmp_path / "server.log"
        self.proc = start_server(tmp_path, self.port, self.log, **kwargs)
        if not wait_for_log(self.log, STARTED, 60):
            stop(self.proc)
            raise AssertionError(self.log.read_text(errors="replace")[-3000:])

    def request(self, path: str, body: Any = None, method: str = "GET") -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/jupyter-smcost/{path}",
            data=data,
            method=method,
            headers={"Authorization": "token secret"},
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as err:
            return err.code, None

    def get(self, path: str) -> Any:
        status, body = self.request(path)
        assert status == 200, status
        return body

    def started_line(self) -> str:
        text = self.log.read_text(errors="replace")
        return next(line for line in text.splitlines() if STARTED in line)

    def errors_logged(self) -> list[str]:
        text = self.log.read_text(errors="replace")
        return [line for line in text.splitlines() if line.startswith("[E") and "refusing" in line]


@pytest.fixture
def servers() -> Any:
    started: list[Server] = []

    def start(tmp_path: Path, **kwargs: Any) -> Server:
        server = Server(tmp_path, **kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        stop(server.proc)


def run_lcc(tmp_path: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> Path:
    """Generate and run the JupyterLab lifecycle script in a sandbox; the policy's path."""
    box = Sandbox(tmp_path / "lcc", "JupyterLab")
    (box.bucket / "prices").mkdir(parents=True)
    shutil.copy(BUNDLED_SNAPSHOT, box.bucket / "prices" / "snapshot.json")
    assert main(["lcc", "script", "--app-type", "JupyterLab", *flags]) == 0
    done = box.run(capsys.readouterr().out)
    assert done.returncode == 0, done.stderr
    return box.policy_dir() / "policy.json"


def user_config(tmp_path: Path, config: dict[str, Any]) -> None:
    """The user's own jupyter_server_config.json (JUPYTER_CONFIG_DIR stands for ~/.jupyter)."""
    folder = tmp_path / "config"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "jupyter_server_config.json").write_text(json.dumps(config))


def test_the_lcc_policy_applies_and_survives_the_users_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], servers: Any
) -> None:
    policy = run_lcc(
        tmp_path,
        capsys,
        "--timeout-minutes",
        "45",
        "--min-timeout-minutes",
        "15",
        "--no-user-override",
        "--prices-uri",
        "s3://prices/snapshot.json",
    )
    user_config(tmp_path, ESCAPE)
    server = servers(
        tmp_path,
        short_timeout=False,
        config={"SMCost.policy_path": policy, "Pricing.snapshot_path": "/dev/null"},
    )
    config = server.get("config")
    assert config["timeout_minutes"] == 45
    assert config["min_timeout_minutes"] == 15
    assert config["allow_user_override"] is False
    assert config["sources"]["timeout_minutes"] == "policy"
    assert config["sources"]["min_timeout_minutes"] == "policy"
    assert config["sources"]["allow_user_override"] == "policy"
    assert config["sources"]["max_timeout_minutes"] == "default"
    assert config["policy"]["path"] == str(policy)
    # The admin's price snapshot, not the one the command line named.
    assert config["prices_path"] == str(policy.parent / PRICES_FILE)
    assert config["sources"]["prices_path"] == "policy"
    line = server.started_line()
    assert f"timeout 45 min from policy {policy}" in line
    assert "user override off from policy" in line
    # The user cannot change it through the REST API either.
    status, _ = server.request("config", {"timeout_minutes": 0}, method="PUT")
    assert status == 403
    assert server.get("status")["config_errors"] == []


def test_a_users_config_chooses_within_the_bounds_never_moves_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], servers: Any
) -> None:
    policy = run_lcc(tmp_path, capsys, "--timeout-minutes", "45", "--min-timeout-minutes", "15")
    user_config(tmp_path, {"IdleShutdown": {"timeout_minutes": 0, "max_timeout_minutes": 10}})
    server = servers(tmp_path, short_timeout=False, config={"SMCost.policy_path": policy})
    config = server.get("config")
    # Users may choose (the policy allows it): their 0 is clamped to the policy's floor.
    assert config["allow_user_override"] is True
    assert config["timeout_minutes"] == 15
    assert config["sources"]["timeout_minutes"] == "config"
    assert config["max_timeout_minutes"] == 1440  # the bound is not theirs to move
    assert config["sources"]["max_timeout_minutes"] == "default"
    assert "ignoring c.IdleShutdown.max_timeout_minutes" in server.log.read_text()


def test_one_bad_value_is_refused_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], servers: Any
) -> None:
    policy = run_lcc(tmp_path, capsys, "--timeout-minutes", "15", "--no-user-override")
    server = servers(
        tmp_path,
        short_timeout=False,
        config={"SMCost.policy_path": policy, "SMCost.instance_type": "ml.t3.medium"},
        extra=[
            "--SMCost.aws_call_timeout_seconds=0",
            "--IdleShutdown.check_interval_seconds=5",
            "--IdleShutdown.check_interval_seconds=6",
            "--Pricing.discount_percent=250",
        ],
    )
    config = server.get("config")
    assert config["timeout_minutes"] == 15
    assert config["allow_user_override"] is False
    assert config["check_interval_seconds"] == 30  # the flag given twice: the default
    errors = {e["setting"]: e for e in server.get("status")["config_errors"]}
    assert set(errors) == {
        "c.SMCost.aws_call_timeout_seconds",
        "c.IdleShutdown.check_interval_seconds",
        "c.Pricing.discount_percent",
    }
    assert errors["c.SMCost.aws_call_timeout_seconds"]["value"] == "'0'"
    assert errors["c.SMCost.aws_call_timeout_seconds"]["applies"] == 15
    assert errors["c.Pricing.discount_percent"]["applies"] == 0
    # Each named at error level, once.
    logged = server.errors_logged()
    assert len(logged) == 3, logged
    assert any("c.SMCost.aws_call_timeout_seconds" in line for line in logged)
    # The other SMCost values stand (a failed link step would revert them all).
    assert server.get("status")["environment"]["instance_type"] == "ml.t3.medium"


def test_a_bad_value_in_the_policy_leaves_the_rest_in_force(tmp_path: Path, servers: Any) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(
        json.dumps(
            {
                "jupyter_smcost_policy": 1,
                "timeout_minutes": 20,
                "min_timeout_minutes": "abc",
                "max_timeout_minutes": 1e999,
                "allow_user_override": "no",
                "action": "explode",
            }
        ).replace("Infinity", "1e999")
    )
    user_config(tmp_path, ESCAPE)
    server = servers(tmp_path, short_timeout=False, config={"SMCost.policy_path": policy})
    config = server.get("config")
    assert config["timeout_minutes"] == 20
    assert config["sources"]["timeout_minutes"] == "policy"
    # Refused values are the built-in defaults, never the user's escape.
    assert config["min_timeout_minutes"] == 5
    assert config["max_timeout_minutes"] == 1440
    assert config["action"] == "auto"
    assert config["allow_user_override"] is False  # a misspelt switch stays closed
    errors = [e["setting"] for e in server.get("status")["config_errors"]]
    assert errors == [
        f"policy {policy}: {name}"
        for name in ("min_timeout_minutes", "max_timeout_minutes", "allow_user_override", "action")
    ]
    assert len(server.errors_logged()) == 4


def test_bad_traitlets_values_without_a_policy(tmp_path: Path, servers: Any) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "jupyter_server_config.json").write_text(
        '{"IdleShutdown": {"timeout_minutes": "abc", "min_timeout_minutes": 1e999,'
        ' "warning_minutes": 3, "allow_user_override": false}}'
    )
    server = servers(tmp_path, short_timeout=False)
    config = server.get("config")
    assert config["timeout_minutes"] == 60
    assert config["min_timeout_minutes"] == 5
    assert config["warning_minutes"] == 3
    assert config["allow_user_override"] is False
    assert config["sources"]["warning_minutes"] == "config"
    assert config["sources"]["timeout_minutes"] == "default"
    errors = {e["setting"]: e for e in server.get("status")["config_errors"]}
    assert set(errors) == {"c.IdleShutdown.timeout_minutes", "c.IdleShutdown.min_timeout_minutes"}
    assert errors["c.IdleShutdown.min_timeout_minutes"]["applies"] == 5


def test_an_unreadable_policy_still_governs(tmp_path: Path, servers: Any) -> None:
    policy = tmp_path / "policy.json"
    os.mkfifo(policy)  # opening it must not block the server's start
    user_config(tmp_path, ESCAPE)
    began = time.monotonic()
    server = servers(tmp_path, short_timeout=False, config={"SMCost.policy_path": policy})
    assert time.monotonic() - began < 60
    config = server.get("config")
    assert config["timeout_minutes"] == 60 and config["min_timeout_minutes"] == 5
    assert config["sources"]["min_timeout_minutes"] == "default"
    errors = server.get("status")["config_errors"]
    assert [e["setting"] for e in errors] == [f"policy {policy}"]
    assert "not a regular file" in errors[0]["error"]


def test_the_policy_path_cannot_be_moved_from_its_fixed_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the server environment has a policy at its fixed place, a config that points
    elsewhere (say, a user's ~/.jupyter) is ignored; with none there, the trait is used."""
    from jupyter_smcost import app as app_module

    fixed = tmp_path / "env" / "share" / "jupyter_smcost" / "policy.json"
    elsewhere = tmp_path / "mine.json"
    elsewhere.write_text('{"timeout_minutes": 0}')
    monkeypatch.setattr(app_module, "default_policy_path", lambda: str(fixed))
    smcost = app_module.SMCost(policy_path=str(elsewhere))
    assert smcost._load_policy().idle == {"timeout_minutes": 0}
    fixed.parent.mkdir(parents=True)
    fixed.write_text('{"jupyter_smcost_policy": 1, "timeout_minutes": 45}')
    policy = smcost._load_policy()
    assert policy.path == str(fixed) and policy.idle == {"timeout_minutes": 45}


def test_the_lcc_monthly_budget_applies_and_a_users_config_cannot_raise_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], servers: Any
) -> None:
    policy = run_lcc(
        tmp_path,
        capsys,
        "--monthly-budget-usd",
        "50",
        "--over-budget-timeout-minutes",
        "10",
    )
    written = json.loads(policy.read_text())
    assert written["monthly_budget_usd"] == 50 and written["over_budget_timeout_minutes"] == 10
    # The user tries to raise the budget and to keep the timeout loose.
    user_config(tmp_path, {"Budget": {"monthly_usd": 1000000, "over_budget_timeout_minutes": 1440}})
    server = servers(tmp_path, short_timeout=False, config={"SMCost.policy_path": policy})
    budget = server.get("budget")
    assert budget["budget_usd"] == 50 and budget["budget_source"] == "policy"
    assert budget["over_budget_timeout_minutes"] == 10
    assert budget["state"] in ("under", "near") and budget["timeout_tightened"] is False
    assert server.get("config")["policy"]["values"]["monthly_budget_usd"] == 50
    text = server.log.read_text()
    assert "ignoring c.Budget.monthly_usd = 1000000.0 from config" in text
    assert "ignoring c.Budget.over_budget_timeout_minutes" in text
    assert server.get("status")["config_errors"] == []


def test_a_bad_budget_in_the_policy_is_refused_alone_and_config_cannot_fill_in(
    tmp_path: Path, servers: Any
) -> None:
    policy = tmp_path / "policy.json"
    document = {
        "jupyter_smcost_policy": 1,
        "timeout_minutes": 20,
        "monthly_budget_usd": -5,
        "over_budget_timeout_minutes": 0,
    }
    policy.write_text(json.dumps(document))
    user_config(tmp_path, {"Budget": {"monthly_usd": 1000000}})
    server = servers(tmp_path, short_timeout=False, config={"SMCost.policy_path": policy})
    budget = server.get("budget")
    assert budget["budget_usd"] is None and budget["state"] == "no-budget"
    assert budget["over_budget_timeout_minutes"] is None
    assert server.get("config")["timeout_minutes"] == 20
    errors = [e["setting"] for e in server.get("status")["config_errors"]]
    assert errors == [
        f"policy {policy}: {name}" for name in ("monthly_budget_usd", "over_budget_timeout_minutes")
    ]


def test_without_a_policy_the_budget_comes_from_config(tmp_path: Path, servers: Any) -> None:
    user_config(tmp_path, {"Budget": {"monthly_usd": 75, "over_budget_timeout_minutes": "x"}})
    server = servers(tmp_path, short_timeout=False)
    budget = server.get("budget")
    assert budget["budget_usd"] == 75 and budget["budget_source"] == "config"
    assert budget["over_budget_timeout_minutes"] is None
    errors = [e["setting"] for e in server.get("status")["config_errors"]]
    assert errors == ["c.Budget.over_budget_timeout_minutes"]


def test_the_lcc_job_cap_reaches_the_kernels_and_neither_config_nor_the_file_raises_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], servers: Any
) -> None:
    from jupyter_smcost.prelaunch import SETTINGS_FILENAME, read_cap

    policy = run_lcc(tmp_path, capsys, "--max-job-usd", "25")
    assert json.loads(policy.read_text())["max_job_usd"] == 25
    user_config(tmp_path, {"Budget": {"max_job_usd": 1000000}})
    server = servers(tmp_path, short_timeout=False, config={"SMCost.policy_path": policy})
    assert server.get("config")["policy"]["values"]["max_job_usd"] == 25
    state = tmp_path / "state"
    written = json.loads((state / SETTINGS_FILENAME).read_text())
    assert written == {"max_job_usd": 25, "source": "policy"}
    assert "ignoring c.Budget.max_job_usd = 1000000.0 from config" in server.log.read_text()
    # The user edits the kernels' file: the kernel reads the admin's policy first.
    (state / SETTINGS_FILENAME).write_text('{"max_job_usd": 1000000}')
    assert read_cap(str(state), str(policy)) == 25
    assert read_cap(str(state), str(tmp_path / "no-policy.json")) == 1000000


def test_without_a_policy_the_job_cap_comes_from_config(tmp_path: Path, servers: Any) -> None:
    from jupyter_smcost.prelaunch import SETTINGS_FILENAME

    user_config(tmp_path, {"Budget": {"max_job_usd": 40}})
    servers(tmp_path, short_timeout=False)
    written = json.loads((tmp_path / "state" / SETTINGS_FILENAME).read_text())
    assert written == {"max_job_usd": 40, "source": "config"}


def test_the_lcc_schedule_reaches_the_server_and_a_users_config_cannot_move_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], servers: Any
) -> None:
    policy = run_lcc(
        tmp_path,
        capsys,
        "--stop-at",
        "19:00",
        "--stop-days",
        "mon-fri",
        "--stop-timezone",
        "Europe/Berlin",
    )
    document = json.loads(policy.read_text())
    assert (document["stop_at"], document["stop_days"], document["stop_timezone"]) == (
        "19:00",
        ["mon", "tue", "wed", "thu", "fri"],
        "Europe/Berlin",
    )
    user_config(tmp_path, {"Schedule": {"stop_at": "", "timezone": "UTC"}})
    server = servers(tmp_path, short_timeout=False, config={"SMCost.policy_path": policy})
    schedule = server.get("schedule")
    assert schedule["stop_at"] == "19:00" and schedule["source"] == "admin"
    assert schedule["days"] == ["mon", "tue", "wed", "thu", "fri"]
    assert schedule["timezone"] == "Europe/Berlin"
    assert schedule["next_stop"] is not None
    assert server.get("status")["idle"]["schedule"]["stop_at"] == "19:00"
    assert "ignoring c.Schedule.stop_at" in server.log.read_text()


def test_the_lcc_schedule_bounds_hold_where_a_user_tries_to_leave_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], servers: Any
) -> None:
    policy = run_lcc(
        tmp_path,
        capsys,
        "--stop-at",
        "19:00",
        "--stop-earliest",
        "18:00",
        "--stop-latest",
        "20:00",
        "--keep-running-latest",
        "21:30",
    )
    # The user's own config tries to open what the admin's policy names.
    user_config(tmp_path, {"Schedule": {"latest_stop_at": "23:00", "max_keep_running_until": ""}})
    server = servers(tmp_path, short_timeout=False, config={"SMCost.policy_path": policy})
    schedule = server.get("schedule")
    assert (schedule["earliest_stop_at"], schedule["latest_stop_at"]) == ("18:00", "20:00")
    assert schedule["max_keep_running_until"] == "21:30" and schedule["user_may_change"] is True
    assert server.request("schedule", {"stop_at": "22:00"}, method="PUT")[0] == 403
    assert server.request("schedule", {"keep_running_until": "23:00"}, method="PUT")[0] == 403
    status, doc = server.request("schedule", {"stop_at": "18:30"}, method="PUT")
    assert status == 200 and doc["stop_at"] == "18:30" and doc["source"] == "user"
    assert "ignoring c.Schedule.latest_stop_at" in server.log.read_text()


def test_lcc_stop_fixed_leaves_users_no_stop_time_of_their_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], servers: Any
) -> None:
    policy = run_lcc(tmp_path, capsys, "--stop-at", "19:00", "--stop-fixed")
    assert json.loads(policy.read_text())["stop_user_may_change"] is False
    user_config(tmp_path, {"Schedule": {"user_may_change": True}})
    server = servers(tmp_path, short_timeout=False, config={"SMCost.policy_path": policy})
    assert server.get("schedule")["user_may_change"] is False
    assert server.request("schedule", {"stop_at": "19:30"}, method="PUT")[0] == 403


def test_a_refused_stop_user_may_change_in_the_policy_file_stays_closed(tmp_path: Path) -> None:
    from jupyter_smcost.admin.policy_file import load_policy

    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"jupyter_smcost_policy": 1, "stop_user_may_change": "yes"}))
    loaded = load_policy(str(path), {})
    assert loaded.schedule == {"user_may_change": False}
    assert "user_may_change" not in loaded.idle
    path.write_text("{not json")
    assert load_policy(str(path), {}).schedule == {"user_may_change": False}


@pytest.mark.parametrize(
    "flags",
    [
        ["--stop-at", "7pm"],
        ["--stop-days", "mon-funday"],
        ["--stop-timezone", "Mars/X"],
        ["--stop-earliest", "25:00"],
    ],
)
def test_bad_schedule_flags_exit_2(flags: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["lcc", "script", "--app-type", "JupyterLab", *flags])
    assert info.value.code == 2
    assert flags[0] in capsys.readouterr().err


def test_a_latest_stop_before_the_earliest_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    flags = ["--stop-earliest", "20:00", "--stop-latest", "18:00"]
    assert main(["lcc", "script", "--app-type", "JupyterLab", *flags]) == 2
    assert "--stop-latest 18:00 is before --stop-earliest 20:00" in capsys.readouterr().err
