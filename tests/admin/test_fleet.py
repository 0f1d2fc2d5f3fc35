"""The scheduled fleet check: the CloudFormation template passes cfn-lint, the Lambda handler
audits the emulator's domain and publishes one SNS message (moto's SNS) naming every app
that needs attention and the total, and `jupyter smcost deploy` uploads and creates it."""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer
from io import BytesIO
from pathlib import Path
from typing import Any

import boto3
import pytest

from jupyter_smcost.admin.cli import main
from jupyter_smcost.admin.deploy import package
from jupyter_smcost.admin.fleet import handler
from tests.support.deploy import refused_deploy
from tests.support.paths import REPO

ROOT = REPO
TEMPLATE = ROOT / "deploy" / "fleet-audit.yaml"


@pytest.mark.slow
def test_the_template_passes_cfn_lint() -> None:
    lint = Path(sys.executable).parent / "cfn-lint"
    done = subprocess.run([str(lint), str(TEMPLATE)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    "module", ["jupyter_smcost.admin.fleet", "jupyter_smcost.admin.inventory_lambda"]
)
def test_the_lambda_handlers_need_no_jupyter(module: str) -> None:
    """The fleet check's and the shared inventory's: a Lambda runtime has botocore only."""
    code = (
        "import sys, importlib.abc\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name.split('.')[0] in {'traitlets', 'jupyter_core', 'tornado',\n"
        "                'jupyter_server', 'psutil', 'jupyter_events', 'boto3'}:\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, Block())\n"
        f"import {module}\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.fixture
def topic(emulator_demo: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> str:
    endpoint = emulator_demo["emulator"].endpoint_url
    monkeypatch.setenv("AWS_ENDPOINT_URL_SNS", endpoint)
    arn = str(boto3.client("sns").create_topic(Name="smcost-fleet")["TopicArn"])
    monkeypatch.setenv("SMCOST_TOPIC_ARN", arn)
    monkeypatch.setenv("SMCOST_DOMAIN_IDS", str(emulator_demo["domain_id"]))
    monkeypatch.setenv("SMCOST_IDLE_HOURS", "1")
    # These tests delete at once; the grace period's own tests set it (warn_then_act below).
    monkeypatch.setenv("SMCOST_ENFORCE_GRACE_MINUTES", "0")
    return arn


def published(arn: str) -> list[tuple[str, str]]:
    from moto.sns.models import sns_backends

    region = arn.split(":")[3]
    topic = sns_backends[arn.split(":")[4]][region].topics[arn]
    return [(n[2], n[1]) for n in topic.sent_notifications]  # (subject, message)


def test_the_handler_publishes_one_report(topic: str, emulator_demo: dict[str, Any]) -> None:
    summary = handler({}, None)
    assert summary["apps"] == 2 and summary["flagged"] == 2 and summary["published"]
    ((subject, message),) = published(topic)
    assert subject.startswith("jupyter-smcost: 2 of 2 Studio apps need attention")
    assert "1 idle for 1 h or more" in message
    assert "2 without the jupyter-smcost lifecycle configuration" in message
    assert "space demo-space-2" in message and "CodeEditor/default" in message
    assert "space demo-space " in message and "JupyterLab/default" in message
    assert "no LCC" in message and "idle since" in message
    assert summary["stopped"] == []


def test_enforce_mode_stops_exactly_the_idle_apps(
    topic: str, emulator_demo: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMCOST_ENFORCE_IDLE_HOURS", "1")
    summary = handler({}, None)
    assert summary["stopped"] == ["deleted"]
    statuses = {
        a["SpaceName"]: a["Status"]
        for a in boto3.client("sagemaker").list_apps(DomainIdEquals=emulator_demo["domain_id"])[
            "Apps"
        ]
    }
    assert statuses["demo-space"] == "InService"
    assert statuses["demo-space-2"] in {"Deleting", "Deleted"}
    # Report first: the plan, then the outcome.
    ((_, plan), (subject, message)) = published(topic)
    assert "Deleting 1 apps idle at least 1 h" in plan and "CodeEditor/default" in plan
    assert subject == "jupyter-smcost: deleted 1 of 1 idle Studio apps"
    assert "CodeEditor/default (space demo-space-2): deleted" in message


@pytest.mark.slow
def test_the_package_holds_the_handler_not_the_browser_extension() -> None:
    names = zipfile.ZipFile(BytesIO(package())).namelist()
    assert "jupyter_smcost/admin/fleet.py" in names
    assert "jupyter_smcost/cost/pricing/snapshot.json" in names
    assert not [n for n in names if "/labextension/" in n or "/emulator/" in n]
    assert package() == package()  # the same bytes for the same files


def test_deploy_dry_run_then_for_real(
    capsys: pytest.CaptureFixture[str],
    emulator_demo: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    endpoint = emulator_demo["emulator"].endpoint_url
    for service in ("S3", "CLOUDFORMATION"):
        monkeypatch.setenv(f"AWS_ENDPOINT_URL_{service}", endpoint)
    args = ["deploy", "--domain", str(emulator_demo["domain_id"]), "--email", "admin@example.com",
            "--bucket", "smcost-code", "--enforce-idle-hours", "24"]  # fmt: skip
    assert main([*args, "--dry-run", "--format", "json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert [c["operation"] for c in plan["calls"]] == ["PutObject", "CreateStack"]
    assert plan["calls"][0]["params"]["Body"].endswith(">")  # described, not dumped
    parameters = {
        p["ParameterKey"]: p["ParameterValue"] for p in plan["calls"][1]["params"]["Parameters"]
    }
    assert parameters["DomainIds"] == emulator_demo["domain_id"]
    assert parameters["EnforceIdleHours"] == "24"
    assert parameters["NotificationEmail"] == "admin@example.com"
    assert parameters["CodeKey"] == plan["calls"][0]["params"]["Key"]
    assert plan["calls"][1]["params"]["Capabilities"] == ["CAPABILITY_IAM"]

    boto3.client("s3").create_bucket(Bucket="smcost-code")
    assert main(args) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "called PutObject" in out and "called CreateStack" in out
    key = parameters["CodeKey"]
    assert boto3.client("s3").head_object(Bucket="smcost-code", Key=key)["ContentLength"] > 0
    stack = boto3.client("cloudformation").describe_stacks(StackName="jupyter-smcost-fleet")
    assert stack["Stacks"][0]["StackName"] == "jupyter-smcost-fleet"
    # Again: the stack exists, so it is updated.
    assert main([*args, "--dry-run", "--format", "json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert [c["operation"] for c in again["calls"]] == ["PutObject", "UpdateStack"]


def test_fleet_policy_is_what_the_function_calls_and_the_template_grants(
    topic: str, emulator_demo: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from jupyter_smcost.admin.iam import FLEET, actions, fleet_policy
    from smcost_emulator import call_log, clear_call_log

    monkeypatch.setenv("SMCOST_DOMAIN_IDS", "*")  # every domain: ListDomains
    monkeypatch.setenv("SMCOST_ENFORCE_IDLE_HOURS", "1")
    monkeypatch.setenv("SMCOST_ENFORCE_GRACE_MINUTES", "30")
    clear_call_log()
    handler({}, None)  # warns (ListTags, AddTags)
    emulator = emulator_demo["emulator"]
    emulator.set_state("studio-app", IDLE_APP, last_activity_seconds_ago=0)
    later(monkeypatch, minutes=31)
    assert handler({}, None)["spared"]  # DeleteTags
    emulator.set_state("studio-app", IDLE_APP, last_activity_seconds_ago=7200)
    monkeypatch.setenv("SMCOST_ENFORCE_GRACE_MINUTES", "0")
    assert handler({}, None)["stopped"] == ["deleted"]  # DeleteApp
    service = {"GetProducts": "pricing", "Publish": "sns"}
    made = {f"{service.get(c.action, 'sagemaker')}:{c.action}" for c in call_log()}
    made |= {"sns:Publish"} if published(topic) else set()
    assert made == set(FLEET) == actions(fleet_policy())
    template = TEMPLATE.read_text()
    assert all(action in template for action in FLEET)


def app_statuses(domain: str) -> dict[str, str]:
    apps = boto3.client("sagemaker").list_apps(DomainIdEquals=domain)["Apps"]
    return {a["SpaceName"]: a["Status"] for a in apps}


def deletions() -> list[str]:
    from smcost_emulator import call_log

    return [c.action for c in call_log() if c.action in {"DeleteApp", "ListDomains"}]


@pytest.mark.parametrize("scope", [None, "", " , ", ",,", "d-demo,,", "*,d-demo", "d demo"])
def test_an_empty_or_malformed_scope_is_an_error_not_every_domain(
    topic: str,
    emulator_demo: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    scope: str | None,
) -> None:
    from smcost_emulator import clear_call_log

    if scope is None:
        monkeypatch.delenv("SMCOST_DOMAIN_IDS")
    else:
        monkeypatch.setenv("SMCOST_DOMAIN_IDS", scope)
    monkeypatch.setenv("SMCOST_ENFORCE_IDLE_HOURS", "1")
    clear_call_log()
    summary = handler({}, None)
    assert summary["stopped"] == [] and deletions() == []
    assert app_statuses(emulator_demo["domain_id"])["demo-space-2"] == "InService"
    assert "SMCOST_DOMAIN_IDS" in summary["errors"][0]
    ((subject, message),) = published(topic)
    assert "misconfigured" in subject and "nothing was deleted" in message


@pytest.mark.parametrize("hours", ["0.001", "0.5", "-1", "nan", "inf", "soon"])
def test_enforcement_under_the_floor_or_not_a_number_is_refused(
    topic: str, emulator_demo: dict[str, Any], monkeypatch: pytest.MonkeyPatch, hours: str
) -> None:
    from smcost_emulator import clear_call_log

    monkeypatch.setenv("SMCOST_ENFORCE_IDLE_HOURS", hours)
    clear_call_log()
    summary = handler({}, None)
    assert summary["stopped"] == [] and deletions() == []
    assert app_statuses(emulator_demo["domain_id"]) == {
        "demo-space": "InService",
        "demo-space-2": "InService",
    }
    assert "SMCOST_ENFORCE_IDLE_HOURS" in summary["errors"][0]
    ((_, message),) = published(topic)  # the report still goes, with the refusal first
    assert message.startswith("SMCOST_ENFORCE_IDLE_HOURS") and "nothing is deleted" in message


def test_enforcement_under_the_floor_when_forced(
    topic: str, emulator_demo: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMCOST_ENFORCE_IDLE_HOURS", "0.5")
    monkeypatch.setenv("SMCOST_ENFORCE_FORCE", "true")
    assert handler({}, None)["stopped"] == ["deleted"]
    assert app_statuses(emulator_demo["domain_id"])["demo-space"] == "InService"


def test_the_plan_is_published_before_any_deletion(
    topic: str, emulator_demo: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from jupyter_smcost.admin import fleet

    seen: list[int] = []
    real = fleet.stop_idle

    def stop_idle(*args: Any, **kwargs: Any) -> Any:
        seen.append(len(published(topic)))
        return real(*args, **kwargs)

    monkeypatch.setattr(fleet, "stop_idle", stop_idle)
    monkeypatch.setenv("SMCOST_ENFORCE_IDLE_HOURS", "1")
    assert handler({}, None)["stopped"] == ["deleted"]
    assert seen == [1]  # the plan was out when the deletions began


@pytest.mark.parametrize("bad_topic", [None, "arn:aws:sns:us-east-1:123456789012:no-such-topic"])
def test_no_deletion_without_a_report_and_no_exception(
    topic: str,
    emulator_demo: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    bad_topic: str | None,
) -> None:
    from smcost_emulator import clear_call_log

    if bad_topic is None:
        monkeypatch.delenv("SMCOST_TOPIC_ARN")
    else:
        monkeypatch.setenv("SMCOST_TOPIC_ARN", bad_topic)
    monkeypatch.setenv("SMCOST_ENFORCE_IDLE_HOURS", "1")
    clear_call_log()
    summary = handler({}, None)  # returns: Lambda must not retry into deletions
    assert summary["stopped"] == [] and deletions() == []
    assert app_statuses(emulator_demo["domain_id"])["demo-space-2"] == "InService"
    assert summary["published"] == 0
    assert "not deleted" in summary["errors"][-1]


def test_a_failed_outcome_report_is_logged_never_raised(
    topic: str,
    emulator_demo: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from jupyter_smcost.admin import fleet

    real = fleet.stop_idle

    def stop_idle(*args: Any, **kwargs: Any) -> Any:
        done = real(*args, **kwargs)
        boto3.client("sns").delete_topic(TopicArn=topic)  # the second publish fails
        return done

    monkeypatch.setattr(fleet, "stop_idle", stop_idle)
    monkeypatch.setenv("SMCOST_ENFORCE_IDLE_HOURS", "1")
    summary = handler({}, None)
    assert summary["stopped"] == ["deleted"] and summary["published"] == 1
    assert "publishing to" in summary["errors"][0]
    assert "publishing to" in caplog.text


def deploy_plan(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, str]:
    assert main(["deploy", "--bucket", "smcost-code", *args, "--dry-run", "--format", "json"]) == 0
    (_, stack) = json.loads(capsys.readouterr().out)["calls"]
    return {p["ParameterKey"]: p["ParameterValue"] for p in stack["params"]["Parameters"]}


@pytest.mark.parametrize(
    "args",
    [
        ["--domain", "d-demo", "--enforce-idle-hours", "nan"],
        ["--domain", "d-demo", "--enforce-idle-hours", "inf"],
        ["--domain", "d-demo", "--enforce-idle-hours", "-1"],
        ["--domain", "d-demo", "--enforce-idle-hours", "0.5"],
        ["--domain", "d-demo", "--idle-hours", "nan"],
        ["--enforce-idle-hours", "24"],  # no scope: every domain only when named
        ["--domain", "d-demo,d-other", "--enforce-idle-hours", "24"],
        ["--domain", "d-demo", "--schedule", "rate(1 hour)\nx"],
    ],
)
def test_deploy_refuses_what_the_function_could_not_run_safely(
    capsys: pytest.CaptureFixture[str],
    emulator_demo: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
) -> None:
    refused_deploy(
        ["--bucket", "smcost-code", *args], emulator_demo["emulator"], monkeypatch, capsys
    )


def test_deploy_names_every_domain_and_forces_the_floor_explicitly(
    capsys: pytest.CaptureFixture[str],
    emulator_demo: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDFORMATION", emulator_demo["emulator"].endpoint_url)
    every = deploy_plan(capsys, "--all-domains")
    assert every["DomainIds"] == "*" and every["EnforceIdleHours"] == "0"
    assert every["ForceEnforceIdleHours"] == "false"
    forced = deploy_plan(capsys, "--domain", "d-demo", "--enforce-idle-hours", "0.5", "--force")
    assert forced["EnforceIdleHours"] == "0.5" and forced["ForceEnforceIdleHours"] == "true"
    text = TEMPLATE.read_text()
    assert "SMCOST_ENFORCE_FORCE: !Ref ForceEnforceIdleHours" in text


IDLE_APP = "demo-space-2/CodeEditor/default"  # the demo's idle app (emulator's name for it)


def later(monkeypatch: pytest.MonkeyPatch, *, minutes: float) -> datetime:
    """The fleet check's next runs happen `minutes` from now."""
    from jupyter_smcost.admin import fleet

    when = datetime.now(timezone.utc) + timedelta(minutes=minutes)
    monkeypatch.setattr(fleet, "clock", lambda: when)
    return when


def stop_after_tag(arn: str) -> str | None:
    tags = boto3.client("sagemaker").list_tags(ResourceArn=arn)["Tags"]
    return next((t["Value"] for t in tags if t["Key"] == "jupyter-smcost:stop-after"), None)


@pytest.fixture
def grace(topic: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SMCOST_ENFORCE_IDLE_HOURS", "1")
    monkeypatch.setenv("SMCOST_ENFORCE_GRACE_MINUTES", "60")
    return topic


def test_the_first_run_warns_and_the_next_stops_what_is_still_idle(
    grace: str, emulator_demo: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from smcost_emulator import call_log, clear_call_log

    clear_call_log()
    first = handler({}, None)
    assert first["stopped"] == [] and deletions() == []
    ((warned),) = first["warned"]
    assert warned["space_name"] == "demo-space-2" and warned["state"] == "warned"
    stop_after = datetime.fromisoformat(warned["stop_after"])
    assert timedelta(minutes=59) < stop_after - datetime.now(timezone.utc) <= timedelta(minutes=60)
    assert stop_after_tag(warned["arn"]) == warned["stop_after"]
    ((_, message),) = published(grace)
    assert "Warned 1 idle apps" in message and "- warned d-demo CodeEditor/default" in message
    assert app_statuses(emulator_demo["domain_id"])["demo-space-2"] == "InService"
    # Tags go on that app's ARN only.
    assert {c.params.get("ResourceArn") for c in call_log() if c.action == "AddTags"} == {
        warned["arn"]
    }

    later(monkeypatch, minutes=61)
    second = handler({}, None)
    assert second["stopped"] == ["deleted"]
    ((stopped),) = second["stopped_apps"]
    assert stopped["space_name"] == "demo-space-2" and stopped["reason"] == "fleet-check"
    assert app_statuses(emulator_demo["domain_id"])["demo-space-2"] in {"Deleting", "Deleted"}
    # The other app, idle for an hour by now, is warned, not deleted.
    assert [w["space_name"] for w in second["warned"]] == ["demo-space"]
    (_, (_, plan), (subject, outcome)) = published(grace)
    assert "Deleting 1 apps" in plan and subject.startswith("jupyter-smcost: deleted 1 of 1")
    assert "CodeEditor/default (space demo-space-2): deleted" in outcome


def test_activity_after_the_warning_spares_the_app_and_removes_its_tag(
    grace: str, emulator_demo: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    ((warned),) = handler({}, None)["warned"]
    emulator_demo["emulator"].set_state("studio-app", IDLE_APP, last_activity_seconds_ago=0)
    later(monkeypatch, minutes=30)  # within the grace: no longer idle for 1 h
    second = handler({}, None)
    assert second["stopped"] == [] and deletions() == []
    ((spared),) = second["spared"]
    assert spared["arn"] == warned["arn"] and spared["state"] == "spared"
    assert stop_after_tag(warned["arn"]) is None
    assert "- spared d-demo CodeEditor/default" in published(grace)[-1][1]
    assert app_statuses(emulator_demo["domain_id"])["demo-space-2"] == "InService"


def test_keep_running_removes_the_tag_and_the_next_run_warns_again_instead_of_stopping(
    grace: str, emulator_demo: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    ((warned),) = handler({}, None)["warned"]
    # What the extension does on Keep running: DeleteTags on its own app.
    boto3.client("sagemaker").delete_tags(
        ResourceArn=warned["arn"], TagKeys=["jupyter-smcost:stop-after"]
    )
    when = later(monkeypatch, minutes=61)
    second = handler({}, None)
    assert second["stopped"] == [] and deletions() == []
    again = next(w for w in second["warned"] if w["arn"] == warned["arn"])
    assert datetime.fromisoformat(again["stop_after"]) > when  # a new, full grace period
    assert app_statuses(emulator_demo["domain_id"])["demo-space-2"] == "InService"


@pytest.mark.parametrize("value", ["soon", "", "2020-01-01T00:00:00", "now"])
def test_a_bad_tag_is_a_fresh_warning_never_stop_now(
    grace: str, emulator_demo: dict[str, Any], value: str
) -> None:
    arn = str(
        boto3.client("sagemaker").describe_app(
            DomainId=emulator_demo["domain_id"],
            SpaceName="demo-space-2",
            AppType="CodeEditor",
            AppName="default",
        )["AppArn"]
    )
    boto3.client("sagemaker").add_tags(
        ResourceArn=arn, Tags=[{"Key": "jupyter-smcost:stop-after", "Value": value}]
    )
    summary = handler({}, None)
    assert summary["stopped"] == [] and deletions() == []
    ((warned),) = summary["warned"]
    assert datetime.fromisoformat(warned["stop_after"]) > datetime.now(timezone.utc)
    assert stop_after_tag(arn) == warned["stop_after"]


@pytest.mark.parametrize("value", ["-1", "nan", "soon", "99999"])
def test_a_bad_grace_is_reported_and_the_default_applies(
    grace: str, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("SMCOST_ENFORCE_GRACE_MINUTES", value)
    summary = handler({}, None)
    assert summary["stopped"] == [] and deletions() == [] and summary["warned"]
    assert "SMCOST_ENFORCE_GRACE_MINUTES" in summary["errors"][0]


def test_deploy_passes_the_grace(
    capsys: pytest.CaptureFixture[str],
    emulator_demo: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDFORMATION", emulator_demo["emulator"].endpoint_url)
    assert deploy_plan(capsys, "--domain", "d-demo")["EnforceGraceMinutes"] == "60"
    assert (
        deploy_plan(capsys, "--domain", "d-demo", "--grace-minutes", "0")["EnforceGraceMinutes"]
        == "0"
    )
    assert "SMCOST_ENFORCE_GRACE_MINUTES: !Ref EnforceGraceMinutes" in TEMPLATE.read_text()


@pytest.fixture
def chat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, list[Any]]]:
    """A local https webhook (a self-signed certificate the function is made to trust):
    its URL and the JSON bodies it received."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    received: list[Any] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    yield f"https://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()
    server.server_close()


def test_the_webhook_gets_the_same_summary_as_sns(
    grace: str, chat: tuple[str, list[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, received = chat
    monkeypatch.setenv("SMCOST_WEBHOOK_URL", url)
    summary = handler({}, None)
    assert summary["posted"] == 1 and summary["errors"] == []
    ((subject, message),) = published(grace)
    assert received == [{"text": f"{subject}\n{message}"}]
    assert "- warned d-demo CodeEditor/default" in received[0]["text"]


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "ftp://x", "https://"])
def test_a_webhook_that_is_not_https_is_refused(
    grace: str, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("SMCOST_WEBHOOK_URL", url)
    summary = handler({}, None)
    assert summary["posted"] == 0 and "not an https URL" in summary["errors"][0]
    assert summary["warned"]  # the run goes on
    assert "SMCOST_WEBHOOK_URL" in published(grace)[0][1]


def test_a_failing_webhook_is_in_the_sns_message_and_never_stops_the_run(
    grace: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SMCOST_WEBHOOK_URL", "https://127.0.0.1:9/hook")  # nothing listens
    summary = handler({}, None)
    assert summary["warned"] and summary["published"] == 1 and summary["posted"] == 0
    ((_, message),) = published(grace)
    assert message.startswith("the webhook 127.0.0.1:9 failed")
    assert "the webhook 127.0.0.1:9 failed" in caplog.text


def test_deploy_passes_the_webhook_and_refuses_http(
    capsys: pytest.CaptureFixture[str],
    emulator_demo: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDFORMATION", emulator_demo["emulator"].endpoint_url)
    hook = "https://hooks.example.com/x"
    assert deploy_plan(capsys, "--domain", "d-demo", "--webhook-url", hook)["WebhookUrl"] == hook
    refused_deploy(
        ["--bucket", "smcost-code", "--domain", "d-demo", "--webhook-url", "http://x/y"],
        emulator_demo["emulator"],
        monkeypatch,
        capsys,
    )
