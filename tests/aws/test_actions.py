"""Each shutdown action against the emulator, and the signals a real server gives."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from typing import Any

import pytest

from jupyter_smcost.aws import AwsClients, AwsError
from jupyter_smcost.environment import Environment, Kind, detect
from jupyter_smcost.idle.actions import (
    DeleteClassicApps,
    DeleteSpaceApp,
    StopNotebookInstance,
    StopServer,
    build_action,
    resolve_action,
)
from jupyter_smcost.idle.signals import ProcessSampler, ServerSignals

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"


def classic_user(client: Any, domain_id: str) -> None:
    client.create_user_profile(DomainId=domain_id, UserProfileName="alice")
    for app_type, name in [
        ("JupyterServer", "default"),
        ("KernelGateway", "datascience-ml-m5-large"),
        ("KernelGateway", "pytorch-ml-g4dn-xlarge"),
    ]:
        client.create_app(
            DomainId=domain_id,
            UserProfileName="alice",
            AppType=app_type,
            AppName=name,
            ResourceSpec={
                "InstanceType": "ml.m5.large" if app_type != "JupyterServer" else "system"
            },
        )


def statuses(client: Any, domain_id: str) -> dict[str, str]:
    apps = client.list_apps(DomainIdEquals=domain_id, UserProfileNameEquals="alice")["Apps"]
    return {f"{a['AppType']}/{a['AppName']}": a["Status"] for a in apps}


async def test_space_app_is_deleted_and_a_second_delete_is_harmless(
    emulator_demo: dict[str, Any],
) -> None:
    # Deleting for long enough that a busy machine still finds it so at the second call.
    emulator_demo["emulator"].set_delete_delay(30)
    env = detect(emulator_demo["metadata"])
    aws = AwsClients(env.region)
    try:
        action = build_action("delete-app", env, aws, _never)
        assert isinstance(action, DeleteSpaceApp)
        assert "requested" in await action.run()
        client = emulator_demo["emulator"].client()
        app = client.describe_app(
            DomainId=env.domain_id,
            SpaceName=env.space_name,
            AppType="JupyterLab",
            AppName="default",
        )
        assert app["Status"] == "Deleting"
        assert "already deleting" in await action.run()
    finally:
        aws.close()


@pytest.mark.parametrize("include_server", [False, True])
async def test_classic_deletes_kernel_gateways(
    emulator_demo: dict[str, Any], include_server: bool
) -> None:
    client = emulator_demo["emulator"].client()
    domain_id = emulator_demo["domain_id"]
    classic_user(client, domain_id)
    env = detect(
        {
            "AppType": "JupyterServer",
            "DomainId": domain_id,
            "UserProfileName": "alice",
            "ResourceArn": f"arn:aws:sagemaker:us-east-1:123456789012:app/{domain_id}/alice/"
            "jupyterserver/default",
            "ResourceName": "default",
        }
    )
    assert env.kind is Kind.STUDIO_CLASSIC
    aws = AwsClients(env.region)
    try:
        action = build_action(
            "delete-app", env, aws, _never, delete_jupyter_server_app=include_server
        )
        assert isinstance(action, DeleteClassicApps)
        result = await action.run()
        assert "KernelGateway/datascience-ml-m5-large" in result
        after = statuses(client, domain_id)
        assert after["KernelGateway/datascience-ml-m5-large"] in ("Deleting", "Deleted")
        assert after["KernelGateway/pytorch-ml-g4dn-xlarge"] in ("Deleting", "Deleted")
        server_gone = after["JupyterServer/default"] in ("Deleting", "Deleted")
        assert server_gone is include_server
        # Nothing left to delete is a success, not an error.
        assert "none running" in await action.run() or include_server is False
    finally:
        aws.close()


async def test_notebook_instance_is_stopped(emulator: Any) -> None:
    client = emulator.client()
    client.create_notebook_instance(
        NotebookInstanceName="research", InstanceType="ml.t3.medium", RoleArn=ROLE
    )
    env = detect(
        {
            "ResourceArn": "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/research",
            "ResourceName": "research",
        }
    )
    aws = AwsClients(env.region)
    try:
        described = await aws.call(
            "sagemaker", "describe_notebook_instance", NotebookInstanceName="research"
        )
        assert described["InstanceType"] == "ml.t3.medium"
        action = build_action(resolve_action("auto", env), env, aws, _never)
        assert isinstance(action, StopNotebookInstance)
        await action.run()
        status = client.describe_notebook_instance(NotebookInstanceName="research")
        assert status["NotebookInstanceStatus"] in ("Stopping", "Stopped")
    finally:
        aws.close()


async def test_errors_are_translated(emulator_demo: dict[str, Any]) -> None:
    emulator_demo["emulator"].inject_fault("DeleteApp", "AccessDeniedException", "nope", times=1)
    env = detect(emulator_demo["metadata"])
    aws = AwsClients(env.region)
    try:
        with pytest.raises(AwsError) as info:
            await DeleteSpaceApp(aws, env).run()
        assert info.value.access_denied
        assert "DeleteApp failed: AccessDeniedException" in str(info.value)
        assert "execution role" in str(info.value)
    finally:
        aws.close()


async def test_missing_credentials_are_a_clear_error(
    emulator_demo: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    env = detect(emulator_demo["metadata"])
    aws = AwsClients(env.region)
    try:
        with pytest.raises(AwsError) as info:
            await DeleteSpaceApp(aws, env).run()
        assert info.value.code == "NoCredentials"
    finally:
        aws.close()


async def test_misconfigured_action_fails_when_run_not_at_start() -> None:
    env = Environment(kind=Kind.LOCAL)
    action = build_action("delete-app", env, AwsClients(None), _never)
    assert "cannot run" in action.describe()
    with pytest.raises(Exception, match="no Studio app"):
        await action.run()


async def test_stop_server_calls_back() -> None:
    called = []

    async def stop() -> None:
        called.append(True)

    assert await StopServer(stop).run() == "stopping this Jupyter server"
    assert called == [True]


async def _never() -> None:
    raise AssertionError("the server must not be stopped here")


@pytest.mark.slow
def test_busy_user_process_is_seen_and_the_server_itself_is_not() -> None:
    sampler = ProcessSampler()
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        sampler.sample()
        time.sleep(0.5)
        found = {p.pid: p for p in sampler.sample()}
        assert busy.pid in found
        # Above the default threshold (10% of a core), even on a machine whose other
        # processes take most of the CPU (a busy loop alone would show ~100%).
        assert found[busy.pid].cpu_percent > 10
        assert os.getpid() not in found
    finally:
        busy.kill()
        busy.wait()


async def test_terminal_io_is_activity(jp_serverapp: Any, jp_ws_fetch: Any) -> None:
    terminals = jp_serverapp.web_app.settings["terminal_manager"]
    signals = ServerSignals(jp_serverapp.kernel_manager, None, terminals)
    name = terminals.create()["name"]
    before = {t.name: t.last_activity for t in signals.terminals()}[name]
    await asyncio.sleep(0.05)
    ws = await jp_ws_fetch("terminals", "websocket", name)
    ws.write_message(json.dumps(["stdin", "echo hello\r"]))
    await asyncio.sleep(1)
    after = {t.name: t.last_activity for t in signals.terminals()}[name]
    ws.close()
    assert after > before
    stopped = await signals.stop_all()
    assert stopped == (0, 1)
    assert signals.terminals() == []
